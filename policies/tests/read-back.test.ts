/**
 * The pack on the outputs the provider really reads back. CrossGuard gives
 * stack policies resource *outputs*, and terraform-provider-aws reads a
 * resource back right after Create: a new bucket reports S3's default
 * encryption (SSE-S3) before its KMS configuration resource exists, and a
 * security group reports every rule EC2 holds for it once refreshed,
 * including those of separate rule resources. The harness's mocks answer
 * the same (offline/outputs.ts), so every stack run here sees them.
 */
import { strict as assert } from "assert";
import { brokenProdStack } from "../../test/fixtures/broken-stack";
import { Resources, runStack, stackFiles } from "../../offline";
import { refreshedStates, S3_DEFAULT_ENCRYPTION } from "../../offline/outputs";
import { runPolicies, stackProperties } from "../../offline/policies";
import { compliantStack } from "./fixtures";
import { violations } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";

describe("policy pack: on the outputs the provider reads back", () => {
    // terraform-provider-aws internal/service/s3/bucket.go: resourceBucketCreate ends in resourceBucketRead, which sets
    // server_side_encryption_configuration from GetBucketEncryption; S3 encrypts every bucket with SSE-S3 by default
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html).
    it("the mocks give a new bucket S3's default SSE-S3 in its own serverSideEncryptionConfiguration", async () => {
        const run = await runStack("prod");
        const buckets = new Resources(run.resources).ofType(BUCKET);
        assert.ok(buckets.length >= 3);
        for (const b of buckets) {
            const out = stackProperties(b, run);
            assert.deepEqual(out.serverSideEncryptionConfiguration, S3_DEFAULT_ENCRYPTION, `${b.name} reads back S3's default`);
            assert.deepEqual(out.versioning, { enabled: false, mfaDelete: false }, `${b.name}: versioning is a separate resource, off at Create`);
        }
    });

    it("s3-bucket-encryption judges the KMS configuration resource, not the bucket's AES256 read-back (the assets and backups buckets pass)", async () => {
        for (const stack of ["dev", "growth", "prod"]) {
            const found = (await violations(await runStack(stack))).filter((v) => v.policy === "s3-bucket-encryption");
            assert.deepEqual(found, [], stack);
        }
    });

    it("a bucket with only S3's default SSE-S3 and no configuration resource is still flagged", async () => {
        const s = compliantStack();
        s.f.remove(s.dataEncryption);
        const found = (await violations(s.f)).filter((v) => v.policy === "s3-bucket-encryption");
        assert.deepEqual(
            found.map((v) => v.name),
            ["data"],
        );
        assert.match(found[0].message, /no server-side encryption configuration \(S3 applies only its default, SSE-S3\)/);
    });

    for (const stack of stackFiles()) {
        // terraform-provider-aws internal/service/ec2/vpc_security_group.go: Read sets ingress/egress from
        // DescribeSecurityGroups, which lists rules created by aws_vpc_security_group_ingress_rule as well.
        it(`Pulumi.${stack}.yaml has no mandatory violation on refreshed outputs either`, async () => {
            const found = await runPolicies(await runStack(stack), { refreshed: true });
            assert.deepEqual(
                found.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`),
                [],
            );
        });
    }

    it("refreshed, the load balancer's group lists its separate rules, and a world-open rule is reported once (on the rule)", async () => {
        const prod = await runStack("prod");
        const custom = prod.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
        const states = refreshedStates(
            custom.map((r) => {
                const state = stackProperties(r, prod) as Record<string, any>;
                return { urn: r.urn, type: r.type, id: state.id, state };
            }),
        );
        const lbGroup = new Resources(prod.resources).ofType("aws:ec2/securityGroup:SecurityGroup").find((g) => /-lb-sg$|^.*lb.*-sg$/.test(g.name))!;
        assert.ok(lbGroup, "the load balancer's security group");
        assert.deepEqual(
            states
                .get(lbGroup.urn)!
                .ingress.map((r: any) => r.fromPort)
                .sort(),
            // q-budget-aws: 80 and 443 from Cloudflare's IPv4 and (IPv6-only load balancer) IPv6 prefix lists.
            [443, 443, 80, 80],
        );
        assert.equal((stackProperties(lbGroup, prod) as Record<string, any>).ingress.length, 0, "after Create, no separate rule exists yet");
        const refreshed = await runPolicies(prod, { refreshed: true });
        assert.equal(refreshed.filter((v) => v.policy === "security-group-world-ingress").length, 0);
        const broken = await runStack("prod", { program: brokenProdStack });
        const world = (await runPolicies(broken, { refreshed: true })).filter((v) => v.policy === "security-group-world-ingress");
        assert.deepEqual(
            world.map((v) => v.name),
            ["ssh"],
        );
        const afterCreate = (await runPolicies(broken)).filter((v) => v.policy === "security-group-world-ingress");
        assert.deepEqual(afterCreate, world);
    });
});
