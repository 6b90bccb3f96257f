/**
 * Nothing deployed moves: every stateful resource in the committed URN
 * snapshot (`test/fixtures/urns/<stack>.txt`, written by
 * `npm run urns:snapshot` from the deployed tree) is still registered at its
 * URN, or by a resource that answers to it through an alias (its own or one
 * inherited from a parent, as the engine computes them). A URN that matches
 * neither is a delete plus a create in every user's stack: for a database,
 * bucket, key or secret, data lost.
 *
 * Source: https://www.pulumi.com/docs/iac/concepts/options/aliases/ and
 * pulumi/pulumi `pkg/resource/deploy/step_generator.go` (an alias matches a
 * resource in the old state and the step is a same/update, not a replace).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { aliasUrns } from "../../offline/aliases";
import { ROOT, stackFiles } from "../../offline";
import { stackRun } from "./runs";

const SNAPSHOT_DIR = path.join(ROOT, "test", "fixtures", "urns");

/** Types that hold data, or that data sits in (replacing them replaces it). */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:rds/instance:Instance",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:ecr/repository:Repository",
    "aws:backup/vault:Vault",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "random:index/randomPassword:RandomPassword",
    "random:index/randomId:RandomId",
    "digitalocean:index/vpc:Vpc",
    "digitalocean:index/databaseCluster:DatabaseCluster",
    "digitalocean:index/databaseReplica:DatabaseReplica",
    "digitalocean:index/databaseDb:DatabaseDb",
    "digitalocean:index/databaseUser:DatabaseUser",
    "digitalocean:index/spacesBucket:SpacesBucket",
    "digitalocean:index/spacesKey:SpacesKey",
    "digitalocean:index/containerRegistry:ContainerRegistry",
    "digitalocean:index/volume:Volume",
    "docker:index/volume:Volume",
    // The single host's machine: its disk holds every Docker volume; its address is where DNS points.
    "digitalocean:index/droplet:Droplet",
    "aws:ec2/instance:Instance",
    "aws:ec2/eip:Eip",
]);

function snapshot(stack: string): { type: string; urn: string }[] {
    return fs
        .readFileSync(path.join(SNAPSHOT_DIR, `${stack}.txt`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
            const space = line.indexOf(" ");
            return { type: line.slice(0, space), urn: line.slice(space + 1) };
        });
}

describe("URN stability against the committed snapshot", () => {
    it("has a snapshot for every shipped stack, and every snapshot names a shipped stack", () => {
        const snapshots = fs
            .readdirSync(SNAPSHOT_DIR)
            .map((f) => f.replace(/\.txt$/, ""))
            .sort();
        assert.deepEqual(snapshots, stackFiles());
    });

    for (const stack of stackFiles()) {
        it(`${stack}: every stateful URN of the snapshot is still registered or aliased`, async () => {
            const run = await stackRun(stack);
            const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
            const answered = new Map<string, string>();
            const memo = new Map<string, string[]>();
            for (const r of run.resources) for (const urn of aliasUrns(r, byUrn, memo)) answered.set(urn, r.urn);
            const stateful = snapshot(stack).filter((s) => STATEFUL_TYPES.has(s.type));
            assert.ok(stateful.length > 0, `${stack}: the snapshot lists no stateful resource`);
            const moved = stateful.filter((s) => !answered.has(s.urn)).map((s) => s.urn);
            // The engine lets a child inherit only the one old URN its parent matched (pulumi/pulumi
            // pkg/resource/deploy/step_generator.go, generateAliases: sg.aliases[goal.Parent]); offline/aliases.ts
            // inherits every alias of the parent, which is exact only while each parent answers to at most one.
            const ambiguous = run.resources
                .filter((r) => run.resources.some((c) => c.parent === r.urn) && aliasUrns(r, byUrn, memo).length > 2)
                .map((r) => r.urn);
            assert.deepEqual(ambiguous, [], `${stack}: parents with several aliases (the model would be optimistic for their children)`);
            assert.deepEqual(moved, [], `${stack}: stateful resources that would be deleted and recreated:\n  ${moved.join("\n  ")}`);
        });
    }
});
