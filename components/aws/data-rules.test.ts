/**
 * Rules AWS enforces on the data layer's resources beyond their types,
 * checked on every AWS stack's recorded inputs (sources cited per rule).
 */
import { strict as assert } from "assert";
import { runStack } from "../../offline";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import { maxAllocatedStorage } from "./database";
import { withStorageDefaults } from "./storage";

const AWS_STACKS = ["dev", "growth", "prod"];
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("AWS data-layer rules", () => {
    describe("RDS storage autoscaling ceiling", () => {
        // RDS: the maximum storage threshold must be at least 10% above the allocated storage, or CreateDBInstance/ModifyDBInstance
        // fail with "Invalid max storage size" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
        const cases: [number, number, number][] = [
            [20, 20, 0],
            [20, 100, 100],
            [95, 100, 105],
            [100, 100, 0],
            [50, 200, 200],
            [91, 100, 101],
        ];
        for (const [storage, ceiling, expected] of cases) {
            it(`${storage} GB with a ${ceiling} GB ceiling -> ${expected}`, () => {
                const got = maxAllocatedStorage(storage, ceiling);
                assert.equal(got, expected);
                if (got > 0) assert.ok(got >= storage * 1.1);
            });
        }

        it("a growth stack given 95 GB keeps a ceiling RDS accepts (the tier's 100 GB is too close)", async () => {
            const run = await runStack("growth", { stackName: "rules-storage", overrides: { "alicerce:dbStorageGb": "95" } });
            const db = run.resources.find((r) => r.name === "database-primary")!;
            assert.equal(db.inputs.allocatedStorage, 95);
            assert.ok(db.inputs.maxAllocatedStorage >= 95 * 1.1, `maxAllocatedStorage ${db.inputs.maxAllocatedStorage}`);
        });
    });

    it("backups: an expiry must come after the archive transition (S3 PutBucketLifecycleConfiguration refuses it otherwise)", () => {
        const base = { project: "p", stack: "s", accountId: "123456789012", region: "us-east-1", kmsKeyArn: "k" };
        assert.throws(() => withStorageDefaults({ ...base, backupExpireAfterDays: 30 }), /greater than backupArchiveAfterDays 30/);
        assert.throws(() => withStorageDefaults({ ...base, backupArchiveAfterDays: 60, backupExpireAfterDays: 45 }), /greater than/);
        assert.equal(withStorageDefaults({ ...base, backupExpireAfterDays: 365 }).backupExpireAfterDays, 365);
    });

    for (const stack of AWS_STACKS) {
        it(`${stack}: policy documents and lifecycle rules within AWS's limits`, async () => {
            const res = await resourcesOf(stackRun(stack));
            // S3 bucket policies: at most 20 KB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html).
            for (const p of res.ofType("aws:s3/bucketPolicy:BucketPolicy"))
                assert.ok(bytes(p.inputs.policy) <= 20 * 1024, `${p.name}: ${bytes(p.inputs.policy)} bytes`);
            // KMS key policies: at most 32 KB; descriptions at most 8192 characters (CreateKey, https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html).
            const key = res.one("aws:kms/key:Key", "kms-key");
            assert.ok(bytes(key.inputs.policy) <= 32 * 1024);
            assert.ok(key.inputs.description.length <= 8192);
            // S3 lifecycle: rule ids up to 255 characters, unique per configuration; days positive
            // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html).
            for (const l of res.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")) {
                const ids = l.inputs.rules.map((r: any) => r.id);
                assert.equal(new Set(ids).size, ids.length, `${l.name}: duplicate rule ids`);
                for (const r of l.inputs.rules) {
                    assert.ok(r.id.length >= 1 && r.id.length <= 255);
                    for (const d of [r.expiration?.days, r.noncurrentVersionExpiration?.noncurrentDays, ...(r.transitions ?? []).map((t: any) => t.days)]) {
                        if (d !== undefined) assert.ok(Number.isInteger(d) && d > 0, `${l.name} ${r.id}: ${d} days`);
                    }
                }
            }
            // Performance Insights retention: 7, a multiple of 31 up to 713, or 731 days (CreateDBInstance PerformanceInsightsRetentionPeriod).
            for (const db of res.ofType("aws:rds/instance:Instance").filter((d) => d.inputs.performanceInsightsEnabled)) {
                const days = db.inputs.performanceInsightsRetentionPeriod;
                assert.ok(days === 7 || days === 731 || (days % 31 === 0 && days >= 31 && days <= 713), `${db.name}: ${days}`);
            }
            // AWS Backup names (Pulumi autonames them: the logical name, "-" and 7 characters): vault ^[a-zA-Z0-9\-\_]{2,50}$
            // (CreateBackupVault), plan, rule and selection ^[a-zA-Z0-9\-\_\.]{1,50}$ (CreateBackupPlan, BackupRuleInput, BackupSelection).
            const autoname = (r: { name: string; inputs: Record<string, any> }) => r.inputs.name ?? `${r.name}-a1b2c3d`;
            for (const v of res.ofType("aws:backup/vault:Vault")) assert.match(autoname(v), /^[a-zA-Z0-9_-]{2,50}$/);
            for (const x of [...res.ofType("aws:backup/plan:Plan"), ...res.ofType("aws:backup/selection:Selection")])
                assert.match(autoname(x), /^[a-zA-Z0-9_.-]{1,50}$/);
            for (const plan of res.ofType("aws:backup/plan:Plan")) {
                for (const rule of plan.inputs.rules) {
                    assert.match(rule.ruleName, /^[a-zA-Z0-9_.-]{1,50}$/);
                    // StartWindowMinutes at least 60; the job must be able to finish after it starts.
                    assert.ok(rule.startWindow >= 60 && rule.completionWindow > rule.startWindow);
                }
            }
            // CloudTrail S3KeyPrefix: at most 200 characters (CreateTrail).
            for (const t of res.ofType("aws:cloudtrail/trail:Trail")) assert.ok(t.inputs.s3KeyPrefix.length <= 200);
        });
    }
});
