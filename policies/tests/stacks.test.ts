import { strict as assert } from "assert";
import { brokenProdStack } from "../../test/fixtures/broken-stack";
import { runStack, stackFiles } from "../../offline";
import { hasMandatory, runPolicies } from "../../offline/policies";
import { mandatory, violations } from "./helpers";

describe("policy pack: every shipped stack", () => {
    for (const stack of stackFiles()) {
        for (const preview of [false, true]) {
            it(`Pulumi.${stack}.yaml has no mandatory violation (${preview ? "preview" : "up"})`, async () => {
                const run = await runStack(stack, { preview });
                const found = await runPolicies(run);
                const mandatoryOnes = found.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
                assert.deepEqual(mandatoryOnes, []);
                assert.equal(hasMandatory(found), false);
            });
        }
    }
});

describe("policy pack: a deliberately broken stack", () => {
    it("gets exactly the expected violations, through the real resource classes and the harness", async () => {
        const run = await runStack("prod", { program: brokenProdStack });
        assert.deepEqual(await violations(run), [
            mandatory(
                "s3-bucket-encryption",
                "data",
                `S3 bucket "data" has no server-side encryption configuration (S3 applies only its default, SSE-S3); add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" for it.`,
            ),
            mandatory(
                "s3-bucket-encryption",
                "uploads",
                `S3 bucket "uploads" is encrypted with SSE-S3, not KMS; set sseAlgorithm "aws:kms" with a KMS key (SSE-S3 is allowed only on log buckets: tagged alicerce:purpose=logs, or receiving ALB access logs or flow logs).`,
            ),
            mandatory(
                "rds-storage-encrypted",
                "db",
                `RDS instance "db" does not encrypt its storage; set storageEncrypted: true (with kmsKeyId for the stack's key). It cannot be turned on later without restoring from a snapshot.`,
            ),
            mandatory(
                "ebs-volumes-encrypted",
                "app",
                `Launch template "app" maps no EBS volume, so its root volume takes the AMI snapshot's encryption (none for public AMIs); map the root device with encrypted "true", or enable aws.ebs.EncryptionByDefault.`,
            ),
            mandatory("kms-key-rotation", "key", `KMS key "key" does not rotate; set enableKeyRotation: true.`),
            mandatory(
                "required-tags",
                "uploads",
                `aws:s3/bucket:Bucket "uploads" is missing the tags Project, Environment, Owner, CostCenter, ManagedBy; set them in its provider's defaultTags (or its own tags).`,
            ),
            mandatory(
                "security-group-world-ingress",
                "ssh",
                `Security group rule "ssh" opens port 22 to 0.0.0.0/0; only the load balancer's security group may accept the internet, and only on ports 80 and 443 (without a load balancer: the instance edge's rule, on port 80).`,
            ),
            mandatory("rds-not-public", "db", `RDS instance "db" is publicly accessible; set publiclyAccessible: false (the app reaches it inside the VPC).`),
            mandatory(
                "imdsv2-required",
                "app",
                `Launch template "app" allows IMDSv1 (metadataOptions.httpTokens is "optional"); set metadataOptions: { httpTokens: "required" }.`,
            ),
            mandatory(
                "s3-public-access-block",
                "data",
                `S3 bucket "data" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with all four settings true.`,
            ),
            mandatory("prod-database-resilience", "db", `Prod database "db" is single-AZ; set multiAz: true.`),
            mandatory("prod-database-resilience", "db", `Prod database "db" keeps backups for 7 days; set backupRetentionPeriod to at least 14.`),
        ]);
    });
});
