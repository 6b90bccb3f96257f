/**
 * The plan's diff on pairs of recorded runs: a tier upgrade replaces no
 * resource that holds data; a VPC CIDR change replaces the VPC and its
 * subnets, and those replacements come first. Which inputs force a
 * replacement is offline/force-new.ts (ForceNew in terraform-provider-aws:
 * `internal/service/ec2/vpc_.go` `cidr_block`, `internal/service/ec2/vpc_subnet.go`
 * `cidr_block`; https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc).
 */
import { strict as assert } from "assert";
import { runStack } from "../offline";
import { diffPlans, diffText, StackDiff, withIgnoredChanges } from "../offline/diff";
import { planOfRun } from "../offline/plan";
import type { PlanJson, PlanResource } from "../offline/report";
import { renderMermaid } from "../offline/diagram";
import { reviewMarkdown, reviewOf, stackMarkdown } from "../offline/review";
import type { Tier } from "../stacks";
import { stackRun, tierRun, UPGRADE_STACK } from "./stacks/runs";

const json = async (run: Promise<import("../offline").StackRun>) => (await planOfRun(await run)).json;
const tierDiff = async (from: Tier, to: Tier): Promise<StackDiff> => diffPlans(await json(tierRun(from)), await json(tierRun(to)), { before: from, after: to });

describe("plan diff", function () {
    this.timeout(180_000);

    for (const [from, to] of [
        ["mvp", "growth"],
        ["growth", "prod"],
        ["mvp", "prod"],
    ] as [Tier, Tier][]) {
        it(`${from} -> ${to}: no replacement or deletion of a resource that holds data; the database is updated in place`, async () => {
            const diff = await tierDiff(from, to);
            assert.deepEqual(
                diff.entries.filter((e) => e.dataLoss).map((e) => `${e.kind} ${e.name}`),
                [],
            );
            assert.deepEqual(
                diff.entries.filter((e) => e.kind === "replace" && e.stateful).map((e) => e.name),
                [],
            );
            const db = diff.entries.find((e) => e.name === "database-primary");
            assert.equal(db?.kind, "update");
            assert.ok(db!.changedInputs.includes("instanceClass") || db!.changedInputs.includes("multiAz"), db!.changedInputs.join(","));
            assert.ok(diff.counts.add > 0);
            assert.ok(diff.costBefore! > 0 && diff.costAfter! > diff.costBefore!, `${diff.costBefore} -> ${diff.costAfter}`);
            assert.equal(diff.costDelta, Math.round((diff.costAfter! - diff.costBefore!) * 100) / 100);
        });
    }

    it("a vpcCidr change replaces the VPC and every subnet, flagged as data at risk and listed first", async () => {
        const before = await json(tierRun("mvp"));
        const after = await json(
            runStack("dev", {
                stackName: UPGRADE_STACK,
                overrides: { "alicerce:tier": "mvp", "alicerce:domain": "app.example.com", "alicerce:vpcCidr": "10.30.0.0/16" },
            }),
        );
        const diff = diffPlans(before, after, { before: "10.20.0.0/16", after: "10.30.0.0/16" });
        const vpc = diff.entries.find((e) => e.type === "aws:ec2/vpc:Vpc");
        assert.equal(vpc?.kind, "replace");
        assert.deepEqual(vpc!.replacingInputs, ["cidrBlock"]);
        assert.equal(vpc!.dataLoss, true);
        const subnets = diff.entries.filter((e) => e.type === "aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 6);
        for (const s of subnets) assert.ok(s.kind === "replace" && s.replacingInputs.includes("cidrBlock") && s.dataLoss, s.name);
        // Every data-holding replacement before anything else.
        const risky = diff.entries.filter((e) => e.dataLoss).length;
        assert.equal(risky, 7);
        assert.ok(diff.entries.slice(0, risky).every((e) => e.dataLoss));
        assert.equal(diff.entries[0].kind, "replace");
        const text = diffText(diff);
        assert.match(text[1], /DATA AT RISK/);
        assert.match(text[2], /replace network-vpc|replace .*\(aws:ec2\/(vpc|subnet)/);
        // The Markdown puts the caution block before the table of every change.
        const md = reviewMarkdown([{ stack: "upgrade", review: (await planOfRun(await tierRun("mvp"))).review, diff }]);
        assert.ok(md.indexOf("[!CAUTION]") > 0 && md.indexOf("[!CAUTION]") < md.indexOf("Every change"));
        assert.match(md, /\| changes \(\+create ~update ±replace -delete\) \| cost change \|/);
    });

    it("two stacks compare by resource, whatever their stack names; a deleted protected resource is data at risk", async () => {
        const prod = await json(tierRun("prod"));
        const same = diffPlans(
            prod,
            { ...prod, resources: prod.resources.map((r) => ({ ...r, urn: r.urn.replace(`urn:pulumi:${UPGRADE_STACK}::`, "urn:pulumi:other::") })) },
            { before: "a", after: "b" },
        );
        assert.equal(same.entries.length, 0);
        // A log group renamed (deleted and created, no data at risk) and the database dropped: the database comes first.
        const renamed = (r: (typeof prod.resources)[number]) =>
            r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "alicerce-app-logs"
                ? { ...r, name: "a-logs", urn: r.urn.replace(/::alicerce-app-logs$/, "::a-logs") }
                : r;
        const gone = diffPlans(
            prod,
            { ...prod, resources: prod.resources.filter((r) => r.name !== "database-primary").map(renamed) },
            { before: "a", after: "b" },
        );
        assert.deepEqual(
            gone.entries.map((e) => [e.kind, e.name, e.protected, e.dataLoss]),
            [
                ["delete", "database-primary", true, true],
                ["delete", "alicerce-app-logs", false, false],
                ["add", "a-logs", false, false],
            ],
        );
    });
});

describe("plan diff: ignoreChanges and the single host's data", function () {
    this.timeout(180_000);
    // The engine copies each `ignoreChanges` path's old value into the new inputs before it diffs
    // (pulumi/pulumi pkg/resource/deploy/step_generator.go `processIgnoreChanges`;
    // https://www.pulumi.com/docs/iac/concepts/resources/options/ignorechanges/, property paths: https://www.pulumi.com/docs/reference/property-paths/): components/docker/host.ts ignores the
    // VM's userData, so new cloud-init (here from new admin ranges) never replaces the host, although user_data
    // is ForceNew (terraform-provider-digitalocean droplet/resource_droplet.go).
    it("a cloud-init change on the single host is no replacement of its droplet (ignoreChanges userData)", async () => {
        const before = await json(stackRun("vps-example"));
        const after = await json(runStack("vps-example", { overrides: { "alicerce:adminCidrs": JSON.stringify(["198.51.100.0/24"]) } }));
        const droplet = (p: typeof before) => p.resources.find((r) => r.type === "digitalocean:index/droplet:Droplet")!;
        assert.ok(droplet(after).options.ignoreChanges.includes("userData"));
        assert.notDeepEqual(droplet(before).inputs.userData, droplet(after).inputs.userData, "the cloud-init differs");
        const diff = diffPlans(before, after, { before: "a", after: "b" });
        assert.deepEqual(
            diff.entries.filter((e) => e.type === "digitalocean:index/droplet:Droplet"),
            [],
        );
        assert.ok(diff.entries.length > 0, "the firewall and the ssh-allow command still change");
    });

    it("ignoreChanges paths as the engine reads them: a top-level key, a nested key, a quoted key, one absent before", () => {
        assert.deepEqual(
            withIgnoredChanges({ a: 1, tags: { Name: "n", x: 2, y: 3 }, u: "new", b: 2 }, { a: 0, tags: { Name: "o", x: 1, y: 0 }, u: "old" }, [
                "u",
                "tags.Name",
                'tags["x"]',
                "b",
            ]),
            { a: 1, tags: { Name: "o", x: 1, y: 3 }, u: "old" },
        );
        assert.deepEqual(withIgnoredChanges({ a: 1 }, { a: 0 }, ["*"]), { a: 0 });
    });

    // The single host's VM holds PostgreSQL and the uploads (docs/docker.md): replacing it is data at risk; the NAT
    // instance (components/aws/network.ts) holds nothing. subnetId is ForceNew on aws_instance
    // (terraform-provider-aws internal/service/ec2/ec2_instance.go).
    it("replacing the single host's VM is data at risk; replacing the AWS NAT instance is not", async () => {
        const moved = (p: PlanJson, pick: (r: PlanResource) => boolean, inputs: Record<string, unknown>): PlanJson => ({
            ...p,
            resources: p.resources.map((r) => (pick(r) ? { ...r, inputs: { ...r.inputs, ...inputs } } : r)),
        });
        const host = await json(runStack("vps-example", { overrides: { "alicerce:vps": "aws", "alicerce:region": "us-east-1" } }));
        const vm = (r: PlanResource) => r.type === "aws:ec2/instance:Instance";
        assert.equal(host.resources.filter(vm).length, 1);
        const hostDiff = diffPlans(host, moved(host, vm, { subnetId: "subnet-other" }), { before: "a", after: "b" });
        assert.deepEqual(
            hostDiff.entries.map((e) => [e.kind, e.type, e.stateful, e.dataLoss]),
            [["replace", "aws:ec2/instance:Instance", true, true]],
        );
        const droplet = await json(stackRun("vps-example"));
        const dropletDiff = diffPlans(
            droplet,
            moved(droplet, (r) => r.type === "digitalocean:index/droplet:Droplet", { region: "sfo3" }),
            {
                before: "a",
                after: "b",
            },
        );
        assert.deepEqual(
            dropletDiff.entries.map((e) => [e.kind, e.stateful, e.dataLoss]),
            [["replace", true, true]],
        );
        const prod = await json(stackRun("prod"));
        const nats = prod.resources.filter(vm);
        assert.ok(nats.length > 0, "prod has NAT instances");
        const natDiff = diffPlans(prod, moved(prod, vm, { subnetId: "subnet-other" }), { before: "a", after: "b" });
        assert.equal(natDiff.entries.length, nats.length);
        for (const e of natDiff.entries) assert.deepEqual([e.kind, e.stateful, e.dataLoss], ["replace", false, false], e.name);
    });
});

describe("plan report: what a stack is, not AWS assumptions", () => {
    it("a DigitalOcean Redis/Valkey cluster's edge is not labelled SQL; a PostgreSQL one is", async () => {
        const base = {
            parent: undefined,
            custom: true,
            secretPaths: [],
            dependencies: [],
            aliases: [],
            options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], replaceOnChanges: [] },
        };
        const res = (type: string, name: string, inputs: Record<string, unknown>) => ({
            ...base,
            urn: `urn:pulumi:s::p::${type}::${name}`,
            type,
            name,
            inputs,
        });
        const diagram = renderMermaid([
            res("digitalocean:index/droplet:Droplet", "app", { size: "s-1vcpu-1gb" }),
            res("digitalocean:index/databaseCluster:DatabaseCluster", "pg", { engine: "pg" }),
            res("digitalocean:index/databaseCluster:DatabaseCluster", "cache", { engine: "valkey" }),
        ] as never);
        const edges = diagram.split("\n").filter((l: string) => /-->|-\.->|==>/.test(l));
        const toCache = edges.find((l: string) => /cache/.test(l.split(/-->|-\.->/)[1] ?? ""));
        assert.ok(toCache, diagram);
        assert.doesNotMatch(toCache!, /SQL/);
        assert.ok(
            edges.some((l: string) => /SQL/.test(l) && /pg/.test(l)),
            diagram,
        );
    });

    it("a Docker stack's Markdown heading names no region ('in undefined')", async () => {
        const md = stackMarkdown(reviewOf(await stackRun("local")));
        assert.doesNotMatch(md, /undefined/);
        assert.match(md, /## `local` — docker \/ \w+ on a Docker host you bring/);
    });
});
