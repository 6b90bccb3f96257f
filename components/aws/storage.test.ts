import { strict as assert } from "assert";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import type { Statement } from "./iam-documents";
import { BUCKET_PURPOSES, lifecycleRules, withStorageDefaults } from "./storage";

const base = withStorageDefaults({
    project: "alicerce",
    stack: "t",
    accountId: "123456789012",
    region: "us-east-1",
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
});
const ruleIds = (rules: ReturnType<typeof lifecycleRules>) => rules.map((r) => r.id);

describe("Storage", () => {
    describe("lifecycleRules", () => {
        it("every bucket drops unfinished multipart uploads after 7 days", () => {
            for (const purpose of BUCKET_PURPOSES) {
                const abort = lifecycleRules(purpose, base).find((r) => r.id === "abort-incomplete-uploads");
                assert.deepEqual(abort?.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
                assert.deepEqual(abort?.filter, { prefix: "" });
            }
        });

        it("assets keep old versions for the undo window, and never expire current objects", () => {
            const rules = lifecycleRules("assets", { ...base, noncurrentVersionDays: 45 });
            assert.deepEqual(ruleIds(rules), ["abort-incomplete-uploads", "expire-old-versions"]);
            assert.deepEqual(rules[1].noncurrentVersionExpiration, { noncurrentDays: 45 });
            assert.ok(rules.every((r) => r.expiration === undefined));
        });

        it("backups move to Glacier Instant Retrieval after 30 days, and expire only when told", () => {
            const kept = lifecycleRules("backups", base).find((r) => r.id === "archive-backups");
            assert.deepEqual(kept?.transitions, [{ days: 30, storageClass: "GLACIER_IR" }]);
            assert.equal(kept?.expiration, undefined);
            const expiring = lifecycleRules("backups", { ...base, backupExpireAfterDays: 90 }).find((r) => r.id === "archive-backups");
            assert.deepEqual(expiring?.expiration, { days: 90 });
        });

        it("logs expire after the log retention", () => {
            const rules = lifecycleRules("logs", { ...base, logRetentionDays: 14 });
            assert.deepEqual(rules.find((r) => r.id === "expire-logs")?.expiration, { days: 14 });
        });
    });

    for (const stack of ["dev", "prod"]) {
        describe(`${stack}: every bucket`, () => {
            for (const purpose of BUCKET_PURPOSES) {
                it(`${purpose}: globally unique name, all public access blocked, ACLs off, TLS-only policy`, async () => {
                    const res = await resourcesOf(stackRun(stack));
                    const bucket = res.one("aws:s3/bucket:Bucket", `storage-${purpose}`);
                    assert.equal(bucket.inputs.bucket, `alicerce-${stack}-${purpose}-123456789012-us-east-1`);
                    assert.equal(bucket.inputs.forceDestroy, purpose === "logs" && stack === "dev");
                    const bucketId = `storage-${purpose}-id`;
                    const pab = res.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `storage-${purpose}-public-access`);
                    assert.equal(pab.inputs.bucket, bucketId);
                    for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[k], true, k);
                    const own = res.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `storage-${purpose}-ownership`);
                    assert.deepEqual(own.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
                    const policy = res.one("aws:s3/bucketPolicy:BucketPolicy", `storage-${purpose}-policy`);
                    assert.equal(policy.inputs.bucket, bucketId);
                    const statements: Statement[] = JSON.parse(policy.inputs.policy).Statement;
                    const tls = statements.find((s) => s.Sid === "DenyInsecureTransport");
                    assert.equal(tls?.Effect, "Deny");
                    assert.deepEqual(tls?.Condition, { Bool: { "aws:SecureTransport": "false" } });
                    assert.deepEqual(tls?.Resource, [`arn:aws:s3:::${bucket.inputs.bucket}`, `arn:aws:s3:::${bucket.inputs.bucket}/*`]);
                    assert.ok(policy.dependencies.includes(pab.urn), "the policy is written after the public access block");
                    assert.ok(!statements.some((s) => s.Effect === "Allow" && s.Principal === "*"), "nothing is granted to everyone");
                    const lifecycle = res.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `storage-${purpose}-lifecycle`);
                    assert.ok(lifecycle.inputs.rules.length >= 2);
                });
            }

            it("assets and backups: versioned, SSE-KMS with the stack key and bucket keys; logs: SSE-S3 (ALB logs accept nothing else)", async () => {
                const res = await resourcesOf(stackRun(stack));
                const keyArn = `arn:aws:kms:us-east-1:123456789012:key/kms-key-0000-1111-2222`;
                for (const purpose of ["assets", "backups"]) {
                    const enc = res.one(
                        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        `storage-${purpose}-encryption`,
                    );
                    assert.deepEqual(enc.inputs.rules, [
                        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true },
                    ]);
                    const ver = res.one("aws:s3/bucketVersioning:BucketVersioning", `storage-${purpose}-versioning`);
                    assert.deepEqual(ver.inputs.versioningConfiguration, { status: "Enabled" });
                }
                const logsEnc = res.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "storage-logs-encryption");
                assert.deepEqual(logsEnc.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
            });
        });
    }

    it("the logs bucket lets ALB (new principal and us-east-1's legacy ELB account) write under alb/, and flow logs under flow-logs/", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const statements: Statement[] = JSON.parse(res.one("aws:s3/bucketPolicy:BucketPolicy", "storage-logs-policy").inputs.policy).Statement;
        const arn = "arn:aws:s3:::alicerce-prod-logs-123456789012-us-east-1";
        const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
        assert.deepEqual(bySid("AlbAccessLogs")?.Principal, { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
        assert.equal(bySid("AlbAccessLogs")?.Resource, `${arn}/alb/AWSLogs/123456789012/*`);
        assert.deepEqual(bySid("AlbAccessLogsLegacyRegion")?.Principal, { AWS: "arn:aws:iam::127311923021:root" });
        assert.equal(bySid("FlowLogsWrite")?.Resource, `${arn}/flow-logs/AWSLogs/123456789012/*`);
        assert.equal(bySid("FlowLogsWrite")?.Condition?.StringEquals["aws:SourceAccount"], "123456789012");
    });

    it("CORS: the app's own origin when it has a domain, any origin before (presigned URLs are the credential)", async () => {
        const prod = await resourcesOf(stackRun("prod"));
        const dev = await resourcesOf(stackRun("dev"));
        const rule = (res: typeof prod) => res.one("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "storage-assets-cors").inputs.corsRules[0];
        assert.deepEqual(rule(prod).allowedOrigins, ["https://app.example.com"]);
        assert.deepEqual(rule(dev).allowedOrigins, ["*"]);
        assert.ok(rule(prod).allowedMethods.includes("PUT") && rule(prod).allowedMethods.includes("POST"));
        assert.equal(prod.ofType("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration").length, 1, "only the assets bucket takes browser uploads");
    });

    it("backups never expire at any tier (a tier move must not delete them); logs expire after the tier's log retention", async () => {
        const rules = async (stack: string, purpose: string) =>
            (await resourcesOf(stackRun(stack))).one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `storage-${purpose}-lifecycle`).inputs
                .rules;
        const archive = (rs: any[]) => rs.find((r) => r.id === "archive-backups");
        for (const stack of ["dev", "growth", "prod"]) assert.equal(archive(await rules(stack, "backups")).expiration, undefined, stack);
        assert.deepEqual((await rules("dev", "logs")).find((r: any) => r.id === "expire-logs").expiration, { days: 14 });
        assert.deepEqual((await rules("prod", "logs")).find((r: any) => r.id === "expire-logs").expiration, { days: 90 });
    });

    it("growth and prod protect every bucket from `pulumi destroy`; mvp does not", async () => {
        for (const [stack, protect] of [
            ["dev", false],
            ["growth", true],
            ["prod", true],
        ] as const) {
            const res = await resourcesOf(stackRun(stack));
            for (const b of res.ofType("aws:s3/bucket:Bucket")) assert.equal(b.options.protect, protect, `${stack} ${b.name}`);
        }
    });
});
