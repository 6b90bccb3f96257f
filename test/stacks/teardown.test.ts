/**
 * What `pulumi destroy` leaves behind on AWS, read from the recorded
 * resource options and inputs: everything needed to restore the final
 * snapshot survives, and only disposable data is deleted with its bucket.
 */
import { strict as assert } from "assert";
import { snapshotIdentifierProblems } from "../../components/aws/database";
import { withKmsDefaults } from "../../components/aws/kms";
import { resourcesOf, stackRun } from "./runs";

const AWS_STACKS = [
    ["dev", "mvp"],
    ["growth", "growth"],
    ["prod", "prod"],
] as const;

describe("teardown (AWS): what `pulumi destroy` keeps", () => {
    for (const [stack, tier] of AWS_STACKS) {
        describe(`${stack} (${tier})`, () => {
            it("keeps the stack key (retainOnDelete): the final snapshot, backups and secrets are encrypted with it", async () => {
                const res = await resourcesOf(stackRun(stack));
                const key = res.one("aws:kms/key:Key", "kms-key");
                assert.equal(key.options.retainOnDelete, true, "destroy would schedule the key for deletion and orphan the final snapshot");
                // The second region's key (alicerce:secondRegion) encrypts the copies there: kept the same way.
                for (const other of res.ofType("aws:kms/key:Key").filter((k) => k !== key)) assert.equal(other.options.retainOnDelete, true, other.name);
                // The database, its final snapshot, the backup vault and the secrets all name this key.
                const db = res.one("aws:rds/instance:Instance", "database-primary");
                assert.equal(db.inputs.kmsKeyId, `arn:aws:kms:us-east-1:123456789012:key/${key.name}-0000-1111-2222`);
                // KMS ScheduleKeyDeletion PendingWindowInDays: 7-30 (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
                assert.ok(key.inputs.deletionWindowInDays >= 7 && key.inputs.deletionWindowInDays <= 30);
            });

            it("takes a final snapshot with a name RDS accepts", async () => {
                const db = (await resourcesOf(stackRun(stack))).one("aws:rds/instance:Instance", "database-primary");
                assert.equal(db.inputs.skipFinalSnapshot, false);
                // RDS DeleteDBInstance FinalDBSnapshotIdentifier: 1-255 letters, digits or hyphens, first a letter, no "--", no trailing "-"
                // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html; terraform-provider-aws
                // internal/service/rds/instance.go, final_snapshot_identifier validation).
                assert.deepEqual(snapshotIdentifierProblems(db.inputs.finalSnapshotIdentifier), []);
                assert.match(db.inputs.finalSnapshotIdentifier, new RegExp(`^alicerce-${stack}-db-final-[0-9a-f]{8}$`));
            });

            it("never force-destroys the assets or backups bucket; the logs bucket only where nothing is protected", async () => {
                const res = await resourcesOf(stackRun(stack));
                const bucket = (purpose: string) => res.one("aws:s3/bucket:Bucket", `storage-${purpose}`);
                assert.equal(bucket("assets").inputs.forceDestroy, false);
                assert.equal(bucket("backups").inputs.forceDestroy, false);
                assert.equal(
                    bucket("logs").inputs.forceDestroy,
                    tier === "mvp",
                    "logs are disposable at mvp only (above, the logs bucket holds the audit trail)",
                );
            });
        });
    }

    it("a deletion window KMS refuses is an error before any resource is declared", () => {
        const base = { aliasName: "alias/x", accountId: "123456789012", region: "us-east-1", description: "d" };
        for (const days of [6, 31, 7.5]) assert.throws(() => withKmsDefaults({ ...base, deletionWindowDays: days }), /from 7 to 30/);
        assert.equal(withKmsDefaults({ ...base, deletionWindowDays: 7 }).deletionWindowDays, 7);
        assert.equal(withKmsDefaults(base).retainOnDelete, true);
    });
});
