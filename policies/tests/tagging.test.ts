import { strict as assert } from "assert";
import * as fs from "fs";
import { REQUIRED_TAG_KEYS } from "../../components/shared/tags";
import { currentTaggableTypes, TAGGABLE_TYPES_FILE } from "../generated/generate-taggable-types";
import { AWS_DEFAULT_TAGGED, AWS_EXPLICIT_ONLY, DIGITALOCEAN_TAGGABLE } from "../generated/taggable-types";
import { DEFAULT_REQUIRED_TAG_KEYS } from "../tagging";
import { DO_TAGS, Fixture, STANDARD_TAGS, UNKNOWN_INPUT } from "./fixtures";
import { expectViolations, mandatory } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";
const MISSING = (keys: string) => `${BUCKET} "data" is missing the tags ${keys}; set them in its provider's defaultTags (or its own tags).`;

/** One bucket (with its encryption and public access block, so only tagging can fail) under the given provider. */
function bucketOn(provider: "tagged" | "bare", tags?: Record<string, string>): Fixture {
    const f = new Fixture("prod");
    if (provider === "bare") f.aws.inputs = { region: "us-east-1" };
    const bucket = f.add(BUCKET, "data", tags ? { tags } : {});
    const untagged = { provider: null };
    f.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "enc",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
        { ...untagged, links: { bucket } },
    );
    f.add(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "block",
        { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        { ...untagged, links: { bucket } },
    );
    return f;
}

describe("required-tags", () => {
    it("passes a resource whose tags come only from its provider's defaultTags", async () => {
        await expectViolations(bucketOn("tagged"), []);
    });

    it("fails the same resource on a provider without defaultTags", async () => {
        await expectViolations(bucketOn("bare"), [mandatory("required-tags", "data", MISSING("Project, Environment, Owner, CostCenter, ManagedBy"))]);
    });

    it("counts the resource's own tags together with the provider's", async () => {
        await expectViolations(bucketOn("bare", STANDARD_TAGS), []);
        const f = bucketOn("bare", { Project: "alicerce", Environment: "test", Owner: "" });
        f.aws.inputs.defaultTags = JSON.stringify({ tags: { ManagedBy: "pulumi" } });
        await expectViolations(f, [mandatory("required-tags", "data", MISSING("Owner, CostCenter"))]);
    });

    it("reads defaultTags sent as an object as well as JSON, and from the default provider's stack config", async () => {
        const f = bucketOn("bare");
        f.aws.inputs.defaultTags = { tags: STANDARD_TAGS };
        await expectViolations(f, []);

        const viaConfig = bucketOn("bare");
        for (const r of viaConfig.resources.filter((x) => x.type.startsWith("aws:"))) r.provider = undefined;
        viaConfig.config["aws:defaultTags"] = JSON.stringify({ tags: STANDARD_TAGS });
        await expectViolations(viaConfig, []);
    });

    it("takes its required keys from the pack config", async () => {
        await expectViolations(
            bucketOn("tagged"),
            [mandatory("required-tags", "data", `${BUCKET} "data" is missing the tag Team; set it in its provider's defaultTags (or its own tags).`)],
            {
                "required-tags": { requiredTags: ["Project", "Team"] },
            },
        );
    });

    it("stays silent while the provider's or the resource's tags are unknown", async () => {
        const f = bucketOn("bare");
        f.aws.inputs.defaultTags = UNKNOWN_INPUT;
        await expectViolations(f, []);
        const g = bucketOn("bare", STANDARD_TAGS);
        g.resources.find((r) => r.name === "data")!.inputs.tags = UNKNOWN_INPUT;
        await expectViolations(g, []);
    });

    it("requires an auto scaling group to propagate the tags itself (it ignores defaultTags)", async () => {
        const f = new Fixture("prod");
        const group = f.add("aws:autoscaling/group:Group", "app", { tags: [{ key: "Project", value: "alicerce", propagateAtLaunch: false }] });
        await expectViolations(f, [
            mandatory(
                "required-tags",
                "app",
                `Auto scaling group "app" is missing the tags Project, Environment, Owner, CostCenter, ManagedBy; add them to its tags with propagateAtLaunch: true (auto scaling groups ignore the provider's defaultTags, and their instances get only what is propagated).`,
            ),
        ]);
        group.inputs.tags = Object.entries(STANDARD_TAGS).map(([key, value]) => ({ key, value, propagateAtLaunch: true }));
        await expectViolations(f, []);
    });

    it("requires the equivalent tag strings on DigitalOcean resources that take tags", async () => {
        const f = new Fixture("prod");
        const droplet = f.add("digitalocean:index/droplet:Droplet", "app", { tags: ["project:alicerce", "environment:"] });
        await expectViolations(f, [
            mandatory(
                "required-tags",
                "app",
                `digitalocean:index/droplet:Droplet "app" is missing the tags environment:<value>, owner:<value>, costcenter:<value>, managedby:<value>; add them to its tags.`,
            ),
        ]);
        droplet.inputs.tags = DO_TAGS;
        await expectViolations(f, []);
    });

    it("exempts DigitalOcean firewalls and alerts, whose tags select droplets rather than label themselves", async () => {
        const f = new Fixture("prod");
        f.add("digitalocean:index/firewall:Firewall", "app-firewall", { tags: ["alicerce-prod-app"] });
        f.add("digitalocean:index/monitorAlert:MonitorAlert", "alerts-cpu", { tags: ["alicerce-prod-app"] });
        const droplet = f.add("digitalocean:index/droplet:Droplet", "app", { tags: ["alicerce-prod-app"] });
        await expectViolations(f, [
            mandatory(
                "required-tags",
                "app",
                `digitalocean:index/droplet:Droplet "app" is missing the tags project:<value>, environment:<value>, owner:<value>, costcenter:<value>, managedby:<value>; add them to its tags.`,
            ),
        ]);
        droplet.inputs.tags = DO_TAGS;
        await expectViolations(f, []);
    });

    it("asks a DigitalOcean read replica only for the tags that never change (its tags force replacement)", async () => {
        // terraform-provider-digitalocean, digitalocean/database/resource_database_replica.go: tags is ForceNew.
        const f = new Fixture("prod");
        const replica = f.add("digitalocean:index/databaseReplica:DatabaseReplica", "database-replica", { tags: ["project:alicerce", "managedby:pulumi"] });
        await expectViolations(f, [
            mandatory(
                "required-tags",
                "database-replica",
                `digitalocean:index/databaseReplica:DatabaseReplica "database-replica" is missing the tag environment:<value>; add them to its tags.`,
            ),
        ]);
        replica.inputs.tags = ["project:alicerce", "environment:prod", "managedby:pulumi"];
        await expectViolations(f, []);
    });

    it("defaults to the platform's standard tag keys", () => {
        assert.deepEqual([...DEFAULT_REQUIRED_TAG_KEYS], [...REQUIRED_TAG_KEYS]);
    });
});

describe("taggable resource types", () => {
    it("are generated from the installed providers (run `npm run generate` after an upgrade)", () => {
        assert.equal(fs.readFileSync(TAGGABLE_TYPES_FILE, "utf8"), currentTaggableTypes());
    });

    it("know which types take defaultTags and which do not", () => {
        for (const t of [
            "aws:s3/bucket:Bucket",
            "aws:ec2/launchTemplate:LaunchTemplate",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:rds/instance:Instance",
        ]) {
            assert.ok(AWS_DEFAULT_TAGGED.includes(t), t);
        }
        assert.ok(AWS_EXPLICIT_ONLY.includes("aws:autoscaling/group:Group"));
        assert.ok(!AWS_DEFAULT_TAGGED.includes("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"));
        assert.ok(DIGITALOCEAN_TAGGABLE.includes("digitalocean:index/droplet:Droplet"));
        assert.ok(!DIGITALOCEAN_TAGGABLE.includes("digitalocean:index/loadBalancer:LoadBalancer"));
    });
});
