/**
 * The plan JSON (`npm run plan -- --json <file>`) carries what a reviewer
 * needs to judge an update without the Pulumi CLI: each resource's options
 * (what `up` and `destroy` will and will not do to it), the stack outputs
 * and the program's warnings. Option semantics: Pulumi's resource options
 * (https://www.pulumi.com/docs/iac/concepts/options/: protect, aliases,
 * retainOnDelete, deleteBeforeReplace, ignoreChanges, replaceOnChanges);
 * aliases as the engine expands them (pulumi/pulumi
 * `pkg/resource/deploy/step_generator.go`, `generateAliases`).
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runStack, StackRun } from "../offline";
import { planJson, PlanJson, PlanResource } from "../offline/report";

const one = (doc: PlanJson, type: string, name?: string): PlanResource => {
    const found = doc.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `one ${type} ${name ?? ""}, found ${found.map((r) => r.name).join(", ")}`);
    return found[0];
};

describe("plan JSON", function () {
    this.timeout(120_000);
    const runs = new Map<string, StackRun>();
    const doc = async (stack: string) => {
        if (!runs.has(stack)) runs.set(stack, await runStack(stack));
        return planJson(runs.get(stack)!);
    };

    it("gives every resource its options, as the program declared them", async () => {
        for (const stack of ["dev", "prod", "do-dev", "local"]) {
            const json = await doc(stack);
            for (const r of json.resources) {
                assert.deepEqual(
                    Object.keys(r.options).sort(),
                    ["aliases", "deleteBeforeReplace", "ignoreChanges", "protect", "replaceOnChanges", "retainOnDelete"],
                    r.urn,
                );
            }
        }
    });

    it("shows data protected in prod and not in mvp", async () => {
        // Tiers: Pulumi `protect` on data from growth up (stacks/tiers.ts).
        assert.equal(one(await doc("prod"), "aws:rds/instance:Instance", "database-primary").options.protect, true);
        assert.equal(one(await doc("dev"), "aws:rds/instance:Instance", "database-primary").options.protect, false);
    });

    it("shows the KMS key kept on destroy and the DigitalOcean registry protected and kept", async () => {
        assert.equal(one(await doc("dev"), "aws:kms/key:Key").options.retainOnDelete, true);
        const registry = one(await doc("do-dev"), "digitalocean:index/containerRegistry:ContainerRegistry").options;
        assert.deepEqual([registry.protect, registry.retainOnDelete], [true, true]);
    });

    it("shows deleteBeforeReplace and ignoreChanges", async () => {
        const local = await doc("local");
        const dbr = local.resources.filter((r) => r.options.deleteBeforeReplace).map((r) => r.name);
        assert.ok(dbr.includes("postgres"), `the PostgreSQL container is replaced delete-first: ${dbr.join(", ")}`);
        assert.ok(one(local, "docker:index/volume:Volume", "postgres-data").options.ignoreChanges.includes("labels"));
    });

    it("lists every URN a resource answers to: its aliases and those inherited from its parent", async () => {
        const local = await doc("local");
        const store = local.resources.find((r) => r.name === "objectstore" && !r.type.startsWith("docker:"))!;
        const aliasUrn = store.urn.replace(/::objectstore$/, "::minio");
        assert.deepEqual(store.options.aliases, [aliasUrn]);
        // A child named after its parent answers to the aliased parent's name too.
        const child = local.resources.find((r) => r.parent === store.urn && r.name === "objectstore-image")!;
        assert.ok(
            child.options.aliases.some((u) => u.endsWith("::minio-image") && u.includes(`${store.type}$`)),
            child.options.aliases.join("\n"),
        );
        // A resource without aliases lists none.
        assert.deepEqual(one(await doc("dev"), "aws:rds/instance:Instance", "database-primary").options.aliases, []);
    });

    it("carries the stack outputs, secret ones redacted", async () => {
        const json = await doc("prod");
        assert.equal(json.outputs.cloud, "aws");
        assert.equal(json.outputs.tier, "prod");
        assert.deepEqual(json.outputs, runs.get("prod")!.outputs);
        const run = await runStack("dev", {
            program: async () => ({ url: "https://app.example.com", db: { user: "app", password: pulumi.secret("s3cr3t-value") } }),
        });
        const secretDoc = planJson(run);
        assert.deepEqual(secretDoc.outputs, { url: "https://app.example.com", db: { user: "app", password: "[secret]" } });
        assert.ok(!JSON.stringify(secretDoc).includes("s3cr3t-value"));
    });

    it("carries the program's warnings", async () => {
        const json = await doc("dev");
        const logged = runs
            .get("dev")!
            .logs.filter((l) => l.severity === "warning")
            .map((l) => l.message);
        assert.ok(logged.length > 0, "dev warns (no domain, no alert email)");
        assert.deepEqual(
            json.warnings.filter((w) => w.severity === "warning").map((w) => w.message),
            logged,
        );
    });
});
