/**
 * Moving one stack mvp -> growth -> prod is an in-place upgrade: the program
 * runs at each tier under the same stack name, and every resource that
 * holds data (or that one holding data sits in) keeps its URN and every
 * input whose change makes the provider replace it.
 */
import { strict as assert } from "assert";
import { TIERS, type Tier } from "../../stacks";
import type { RecordedResource, StackRun } from "../../offline";
import { REPLACED_ON_CHANGE } from "../../offline/force-new";
import { tierRun, UPGRADE_STACK } from "./runs";

/** Resources of the data layer's components (by their logical-name prefixes). */
const OURS = /^(kms|network|storage|secrets|database)-/;

const tracked = (run: StackRun) => run.resources.filter((r) => r.type in REPLACED_ON_CHANGE);
const byUrn = (run: StackRun) => new Map(run.resources.map((r) => [r.urn, r]));
/**
 * Every retention of the data layer, in days (Infinity where nothing
 * expires): bucket lifecycle expirations (current and old versions), RDS
 * automated backups, AWS Backup copies, secrets' recovery windows.
 */
function retentions(run: StackRun): Map<string, number> {
    const days = (v: unknown) => (typeof v === "number" && v > 0 ? v : Infinity);
    const out = new Map<string, number>();
    for (const r of run.resources.filter((x) => OURS.test(x.name))) {
        if (r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration") {
            for (const rule of r.inputs.rules ?? []) {
                if (rule.status !== "Enabled") continue;
                out.set(`${r.name} ${rule.id} current objects`, days(rule.expiration?.days));
                out.set(`${r.name} ${rule.id} old versions`, days(rule.noncurrentVersionExpiration?.noncurrentDays));
            }
        }
        if (r.type === "aws:rds/instance:Instance" && r.inputs.replicateSourceDb === undefined)
            out.set(`${r.name} backupRetentionPeriod`, days(r.inputs.backupRetentionPeriod));
        if (r.type === "aws:backup/plan:Plan")
            for (const rule of r.inputs.rules ?? []) out.set(`${r.name} ${rule.ruleName} deleteAfter`, days(rule.lifecycle?.deleteAfter));
        if (r.type === "aws:secretsmanager/secret:Secret") out.set(`${r.name} recoveryWindowInDays`, days(r.inputs.recoveryWindowInDays));
    }
    return out;
}

const replacing = (r: RecordedResource) => Object.fromEntries(REPLACED_ON_CHANGE[r.type].map((k) => [k, r.inputs[k]]));

describe(`tier upgrade: one stack (${UPGRADE_STACK}) moved mvp -> growth -> prod`, () => {
    it("runs the program at every tier under the same stack name", async () => {
        for (const tier of TIERS) {
            const run = await tierRun(tier);
            assert.equal(run.stack, UPGRADE_STACK);
            assert.equal(run.config["alicerce:tier"], tier);
        }
    });

    it("tracks the VPC, its subnets, the primary database, each bucket, the key and each secret from mvp on", async () => {
        const mvp = tracked(await tierRun("mvp"));
        const count = (type: string) => mvp.filter((r) => r.type === type).length;
        assert.equal(count("aws:ec2/vpc:Vpc"), 1);
        assert.equal(count("aws:ec2/subnet:Subnet"), 6);
        assert.equal(count("aws:rds/instance:Instance"), 1);
        assert.equal(count("aws:s3/bucket:Bucket"), 3);
        assert.equal(count("aws:kms/key:Key"), 1);
        assert.equal(count("aws:secretsmanager/secret:Secret"), 1);
        assert.equal(count("random:index/randomPassword:RandomPassword"), 1);
        assert.equal(count("random:index/randomId:RandomId"), 1);
    });

    for (const [from, to] of [
        ["mvp", "growth"],
        ["growth", "prod"],
        ["mvp", "prod"],
    ] as [Tier, Tier][]) {
        it(`${from} -> ${to}: every tracked resource keeps its URN and its replacement-triggering inputs`, async () => {
            const before = tracked(await tierRun(from));
            const after = byUrn(await tierRun(to));
            for (const r of before) {
                const next = after.get(r.urn);
                assert.ok(next, `${r.type} ${r.name} disappears at ${to}: it would be deleted`);
                assert.deepEqual(replacing(next), replacing(r), `${r.type} ${r.name} changes an input that replaces it`);
            }
        });

        it(`${from} -> ${to}: no retention is shortened (a lifecycle rule added by the move would delete older backups)`, async () => {
            const before = retentions(await tierRun(from));
            const after = retentions(await tierRun(to));
            assert.ok(before.size > 0);
            const shortened = [...before]
                .filter(([what, days]) => (after.get(what) ?? Infinity) < days)
                .map(([what, days]) => `${what}: ${days} -> ${after.get(what)} days`);
            // The backups bucket at mvp keeps objects for ever: an expiry added at prod would delete every backup older than it.
            assert.deepEqual(shortened, []);
            for (const [what, days] of after)
                if (!before.has(what)) assert.ok(days === Infinity || !/storage-backups/.test(what), `${what} expires backups from ${to} on`);
        });

        it(`${from} -> ${to}: nothing of the data layer is deleted (only added or updated)`, async () => {
            const after = byUrn(await tierRun(to));
            const gone = (await tierRun(from)).resources.filter((r) => OURS.test(r.name) && !after.has(r.urn)).map((r) => `${r.type} ${r.name}`);
            assert.deepEqual(gone, []);
        });
    }

    it("no permanent name or identifier mentions the tier", async () => {
        for (const tier of TIERS) {
            for (const r of tracked(await tierRun(tier))) {
                for (const [k, v] of Object.entries(replacing(r))) {
                    if (typeof v === "string") assert.ok(!/(^|[^a-z])(mvp|growth|prod)([^a-z]|$)/.test(v), `${r.name}.${k} = ${v} names a tier`);
                }
            }
        }
    });

    it("growth and prod protect the key, buckets, database and secret; the upgrade turns protection on in place", async () => {
        for (const tier of ["growth", "prod"] as const) {
            const run = await tierRun(tier);
            const protectedTypes = [
                "aws:kms/key:Key",
                "aws:s3/bucket:Bucket",
                "aws:secretsmanager/secret:Secret",
                "random:index/randomPassword:RandomPassword",
            ];
            for (const r of run.resources.filter((x) => protectedTypes.includes(x.type))) assert.equal(r.options.protect, true, `${tier} ${r.name}`);
            assert.equal(run.resources.find((r) => r.name === "database-primary")?.options.protect, true);
        }
        for (const r of tracked(await tierRun("mvp"))) assert.equal(r.options.protect, false, `mvp ${r.name}`);
    });

    it("what the upgrade changes on the primary database is in-place: class, Multi-AZ, storage, backups, protection", async () => {
        const [mvp, prod] = await Promise.all([tierRun("mvp"), tierRun("prod")]);
        const db = (run: StackRun) => run.resources.find((r) => r.name === "database-primary")!;
        const changed = Object.keys({ ...db(mvp).inputs, ...db(prod).inputs }).filter(
            (k) => JSON.stringify(db(mvp).inputs[k]) !== JSON.stringify(db(prod).inputs[k]),
        );
        assert.ok(changed.length > 0);
        for (const k of changed) assert.ok(!REPLACED_ON_CHANGE["aws:rds/instance:Instance"].includes(k), `${k} changes and would replace the database`);
        assert.ok(changed.includes("multiAz") && changed.includes("instanceClass") && changed.includes("allocatedStorage"));
    });
});
