/**
 * The harness expands aliases as the engine does: a child of an aliased
 * component answers to its URN under the component's old URN, with the
 * parent's old name swapped into its own name when it starts with the
 * parent's (Node SDK `sdk/nodejs/resource.ts`, `inheritedChildAlias`: name
 * "newapp-function" under parent "newapp" aliased from "app" answers as
 * "app-function"), recursively down the tree.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { aliasUrns } from "../offline/aliases";
import { runStack } from "../offline";

describe("offline engine: alias URNs", () => {
    it("expands own, spec and inherited aliases through two levels", async () => {
        const run = await runStack("dev", {
            program: async () => {
                const outer = new pulumi.ComponentResource("x:index:Outer", "newapp", {}, { aliases: [{ name: "app" }] });
                const inner = new pulumi.ComponentResource("x:index:Inner", "newapp-inner", {}, { parent: outer });
                new random.RandomId("newapp-inner-id", { byteLength: 4 }, { parent: inner, aliases: [{ name: "oldid" }] });
                return {};
            },
        });
        const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
        const id = run.resources.find((r) => r.name === "newapp-inner-id")!;
        const urns = aliasUrns(id, byUrn);
        const prefix = "urn:pulumi:dev::alicerce::x:index:Outer$x:index:Inner$random:index/randomId:RandomId::";
        assert.equal(urns[0], `${prefix}newapp-inner-id`);
        assert.ok(urns.includes(`${prefix}oldid`), urns.join("\n"));
        // Inherited from the outer component's alias, through the inner one (whose name starts with "newapp").
        assert.ok(urns.includes(`${prefix}app-inner-id`), urns.join("\n"));
        assert.ok(!urns.includes(`${prefix}app`), urns.join("\n"));
    });
});
