/**
 * The replication role's policy, evaluated the way IAM evaluates it for the
 * KMS calls S3 makes while replicating.
 *
 * Rules:
 * - With an S3 Bucket Key the encryption context of the KMS call is the
 *   BUCKET's ARN, without one the object's ARN; the replication role's KMS
 *   conditions must accept the bucket ARN ("You must update your IAM policies
 *   to use the bucket ARN for the encryption context", S3 User Guide,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html,
 *   "Amazon S3 Bucket Keys and replication"). The source and replica buckets
 *   both set `bucketKeyEnabled` (components/aws/storage.ts, second-region.ts).
 * - The destination key's permissions include kms:Decrypt (same page, the
 *   example policy's destination key statement).
 * - StringLike with several values for a single-valued key matches when any
 *   value matches; `*` matches any run of characters
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String,
 *   reference_policies_condition-single-vs-multi-valued-context-keys.html).
 */
import { strict as assert } from "assert";
import { replicationPolicy } from "./second-region";

const SOURCE = "arn:aws:s3:::acme-prod-assets-123456789012-us-east-1";
const DEST = "arn:aws:s3:::acme-prod-assets-copy-123456789012-us-west-2";
const SOURCE_KEY = "arn:aws:kms:us-east-1:123456789012:key/1111";
const DEST_KEY = "arn:aws:kms:us-west-2:123456789012:key/2222";

/** IAM StringLike: `*` any characters, `?` one character, the rest literal. */
function like(pattern: string, value: string): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`).test(value);
}

interface Request {
    action: string;
    resource: string;
    context: Record<string, string>;
}

/** Whether an identity policy of Allow statements (with StringLike conditions only) allows the request. */
function allows(policy: any, req: Request): boolean {
    return policy.Statement.some((s: any) => {
        if (s.Effect !== "Allow") return false;
        if (![s.Action].flat().some((a: string) => like(a, req.action))) return false;
        if (![s.Resource].flat().some((r: string) => like(r, req.resource))) return false;
        for (const [op, conditions] of Object.entries<Record<string, string | string[]>>(s.Condition ?? {})) {
            assert.equal(op, "StringLike", "this evaluator knows StringLike only");
            for (const [key, values] of Object.entries(conditions)) {
                const actual = req.context[key];
                if (actual === undefined || ![values].flat().some((v) => like(v, actual))) return false;
            }
        }
        return true;
    });
}

describe("S3 replication role: the KMS calls S3 makes are allowed (Bucket Keys on)", () => {
    const policy = replicationPolicy([SOURCE], [DEST], SOURCE_KEY, DEST_KEY, "us-east-1", "us-west-2");
    const source = (context: string) => ({ "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": context });
    const dest = (context: string) => ({ "kms:ViaService": "s3.us-west-2.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": context });

    it("decrypts source objects under a Bucket Key (context: the bucket ARN) and without one (the object ARN)", () => {
        assert.ok(allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: source(SOURCE) }), "Bucket Key context: the bucket ARN");
        assert.ok(allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: source(`${SOURCE}/uploads/a.png`) }));
    });

    it("encrypts replicas under a Bucket Key and without one, and may decrypt with the destination key", () => {
        for (const action of ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]) {
            assert.ok(allows(policy, { action, resource: DEST_KEY, context: dest(DEST) }), `${action}, Bucket Key context`);
            assert.ok(allows(policy, { action, resource: DEST_KEY, context: dest(`${DEST}/uploads/a.png`) }), `${action}, object context`);
        }
    });

    it("stays scoped: another bucket's context, another region's S3 or the other key are refused", () => {
        const other = "arn:aws:s3:::someone-else";
        assert.ok(!allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: source(other) }));
        assert.ok(!allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: source(`${other}/x`) }));
        assert.ok(!allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: source(`${SOURCE}-evil`) }), "a bucket whose name extends ours");
        assert.ok(!allows(policy, { action: "kms:Encrypt", resource: DEST_KEY, context: dest(other) }));
        assert.ok(!allows(policy, { action: "kms:Decrypt", resource: SOURCE_KEY, context: dest(SOURCE) }), "via S3 in the wrong region");
        assert.ok(!allows(policy, { action: "kms:Encrypt", resource: SOURCE_KEY, context: source(SOURCE) }), "never encrypts with the source key");
    });
});
