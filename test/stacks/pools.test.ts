/**
 * Compute pools declared alone, with no load balancer (the shape a worker
 * role takes), and the transform hooks of the main components: both run
 * under the harness exactly as `index.ts` does, and are checked on the
 * recorded inputs and options.
 */
import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AppServers as AwsAppServers, ComputePool } from "../../components/aws/compute";
import { Database as AwsDatabase } from "../../components/aws/database";
import { Network as AwsNetwork } from "../../components/aws/network";
import { AppServers as DoAppServers, DropletPool } from "../../components/digitalocean/appServers";
import { Network as DoNetwork } from "../../components/digitalocean/network";
import { transform } from "../../components/shared/transform";
import * as fs from "fs";
import * as path from "path";
import { Resources, ROOT, runStack } from "../../offline";
import { stackRun } from "./runs";

const T = {
    asg: "aws:autoscaling/group:Group",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    policy: "aws:autoscaling/policy:Policy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    ssm: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    vpc: "aws:ec2/vpc:Vpc",
    rds: "aws:rds/instance:Instance",
    doFirewall: "digitalocean:index/firewall:Firewall",
    doPool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    doVpc: "digitalocean:index/vpc:Vpc",
    password: "random:index/randomPassword:RandomPassword",
} as const;

const KMS = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const DIGEST = `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"ab".repeat(32)}`;

/** A pool's args, with nothing about a load balancer. */
function poolArgs(subnetsArePublic: boolean) {
    return {
        subnetIds: ["subnet-0a", "subnet-0b"],
        subnetsArePublic,
        securityGroupId: "sg-0worker",
        instanceType: "t4g.small",
        minInstances: 1,
        maxInstances: 3,
        cpuTargetPercent: 60,
        amiId: "ami-0a1b2c3d4e5f60718",
        image: DIGEST,
        repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/app",
        env: { QUEUE: "jobs" },
        secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db"],
        assetsBucketArn: "arn:aws:s3:::assets",
        kmsKeyArn: KMS,
        region: "us-east-1",
        logGroupName: "/alicerce/dev/worker",
        logRetentionDays: 30,
        instanceTags: { project: "alicerce" },
    };
}

function doPoolArgs() {
    return {
        region: "nyc3",
        compute: { instanceType: "s-1vcpu-2gb", minInstances: 1, maxInstances: 2, cpuTargetPercent: 70 } as any,
        vpcId: "vpc-1",
        appTag: "alicerce-dev-worker",
        labelTags: ["project:alicerce"],
        sshKeyFingerprints: ["aa:bb"],
        configBucket: "config",
        bootstrapAccessKey: "AKIDEXAMPLE",
        bootstrapSecretKey: pulumi.secret("not-a-real-secret-key"),
        image: `registry.digitalocean.com/acme/app@sha256:${"cd".repeat(32)}`,
        env: { QUEUE: "jobs" },
        secrets: { DATABASE_URL: pulumi.secret("postgres://u:p@db:25060/app") },
        projectId: "project-1",
        protect: false,
    };
}

async function run(program: () => void): Promise<Resources> {
    const r = await runStack("dev", {
        program: async () => {
            program();
            return {};
        },
    });
    return new Resources(r.resources);
}

describe("transform(): SST-style hooks on a child's args and options", () => {
    it("a function cannot move the child (parent, aliases) or drop its protection", () => {
        const parent = { marker: "component" } as unknown as pulumi.Resource;
        const aliases = [{ name: "old" }];
        const [, , o] = transform<{ a: number }>(
            (_x, op) => {
                op.parent = undefined;
                op.aliases = [];
                op.protect = false;
            },
            "db-primary",
            { a: 1 },
            { parent, aliases, protect: true },
        );
        assert.equal(o.parent, parent);
        assert.equal(o.aliases, aliases);
        assert.equal(o.protect, true);
    });

    // The shape and semantics of SST v3's Transform: sst/sst platform/src/components/component.ts
    it("merges an object over the args, calls a function with args, options and name, and never renames", () => {
        const args = { a: 1, b: "x" };
        const opts = { protect: false };
        assert.deepEqual(transform(undefined, "n", args, opts), ["n", args, opts]);
        assert.deepEqual(transform({ b: "y" }, "n", args, opts), ["n", { a: 1, b: "y" }, opts]);
        let seen = "";
        const [name, a, o] = transform<typeof args>(
            (x, op, n) => {
                x.a = 2;
                op.protect = true;
                seen = n;
            },
            "n",
            args,
            opts,
        );
        assert.equal(name, "n");
        assert.equal(seen, "n");
        assert.deepEqual(a, { a: 2, b: "x" });
        assert.equal(o.protect, true);
        // The component's own objects are left as they were (a hook edits copies).
        assert.deepEqual(args, { a: 1, b: "x" });
        assert.equal(opts.protect, false);
    });
});

describe("a compute pool declared alone, with no load balancer", () => {
    it("AWS: the same hardening as the web role (IMDSv2, SSM, no public IP, encrypted volume, its own log group), EC2 health and CPU scaling only", async () => {
        const r = await run(() => new ComputePool("worker", poolArgs(false)));
        const pool = r.one("alicerce:aws:ComputePool", "worker");
        const lt = r.one(T.lt, "worker-lt");
        const asg = r.one(T.asg, "worker-asg");
        assert.equal(lt.parent, pool.urn);
        assert.equal(asg.parent, pool.urn);
        // IMDSv2 only: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateInstanceMetadataOptionsRequest.html
        assert.equal(lt.inputs.metadataOptions.httpTokens, "required");
        assert.equal(lt.inputs.metadataOptions.httpEndpoint, "enabled");
        // Encrypted gp3 root volume: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateEbsBlockDeviceRequest.html
        assert.deepEqual(
            lt.inputs.blockDeviceMappings.map((b: any) => [b.ebs.encrypted, b.ebs.volumeType]),
            [["true", "gp3"]],
        );
        // Private subnets: no public address (AssociatePublicIpAddress on the network interface).
        assert.equal(lt.inputs.networkInterfaces[0].associatePublicIpAddress, "false");
        assert.deepEqual(lt.inputs.networkInterfaces[0].securityGroups, ["sg-0worker"]);
        assert.equal(lt.inputs.keyName, undefined, "no SSH key pair");
        // SSM Session Manager instead of SSH.
        const ssm = r.one(T.ssm, "worker-ssm");
        assert.equal(ssm.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
        // Logs: a KMS-encrypted log group the instance role may write to.
        const logs = r.one(T.logGroup, "worker-logs");
        assert.equal(logs.inputs.name, "/alicerce/dev/worker");
        assert.equal(logs.inputs.kmsKeyId, KMS);
        assert.equal(logs.inputs.retentionInDays, 30);
        // No load balancer: no target group, EC2 health checks (ELB would mark every instance unhealthy:
        // https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html).
        assert.ok(asg.inputs.targetGroupArns === undefined || asg.inputs.targetGroupArns.length === 0);
        assert.equal(asg.inputs.healthCheckType, "EC2");
        assert.equal(asg.inputs.minSize, 1);
        assert.equal(asg.inputs.maxSize, 3);
        const policies = r.ofType(T.policy);
        assert.deepEqual(
            policies.map((p) => p.inputs.targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType),
            ["ASGAverageCPUUtilization"],
        );
        assert.ok(
            r.all.every((x) => !x.type.startsWith("aws:lb/")),
            "a pool alone declares no load balancer part",
        );
    });

    it("AWS: in public subnets (mvp, no NAT) the pool gets a public IP for egress, like the web role", async () => {
        const r = await run(() => new ComputePool("worker", poolArgs(true)));
        assert.equal(r.one(T.lt, "worker-lt").inputs.networkInterfaces[0].associatePublicIpAddress, "true");
    });

    it("AWS: the web role is the pool plus the target group, ELB health and request scaling, under its old type token", async () => {
        const r = await run(
            () =>
                new AwsAppServers("app", {
                    ...poolArgs(false),
                    targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/0123456789abcdef",
                    loadBalancerArnSuffix: "app/alb/0123456789abcdef",
                    targetGroupArnSuffix: "targetgroup/app/0123456789abcdef",
                }),
        );
        const role = r.one("alicerce:aws:AppServers", "app");
        const asg = r.one(T.asg, "app-asg");
        assert.equal(asg.parent, role.urn);
        assert.deepEqual(asg.inputs.targetGroupArns, ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/0123456789abcdef"]);
        assert.equal(asg.inputs.healthCheckType, "ELB");
        const requests = r.one(T.policy, "app-requests");
        assert.equal(
            requests.inputs.targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel,
            "app/alb/0123456789abcdef/targetgroup/app/0123456789abcdef",
        );
        assert.equal(requests.inputs.targetTrackingConfiguration.targetValue, 1000);
    });

    it("DigitalOcean: a droplet pool with no load balancer opens no app port, keeps SSH closed and makes no session key", async () => {
        const r = await run(() => new DropletPool("worker", doPoolArgs()));
        const pool = r.one("alicerce:digitalocean:DropletPool", "worker");
        const fw = r.one(T.doFirewall, "worker-firewall");
        assert.equal(fw.parent, pool.urn);
        assert.deepEqual(fw.inputs.inboundRules ?? [], []);
        // The provider refuses a firewall with no rule at all (terraform-provider-digitalocean
        // digitalocean/firewall/resource_firewall.go CustomizeDiff): the outbound rules stay.
        assert.ok(fw.inputs.outboundRules.length > 0);
        assert.deepEqual(fw.inputs.tags, ["alicerce-dev-worker"]);
        const droplets = r.one(T.doPool, "worker-pool");
        assert.equal(droplets.inputs.dropletTemplate.vpcUuid, "vpc-1");
        assert.ok(
            droplets.secretPaths.some((p) => p.startsWith("dropletTemplate")),
            "user data is a secret",
        );
        assert.equal(r.ofType(T.password).length, 0);
    });

    it("DigitalOcean: the web role takes the load balancer's traffic on the app port and keeps its session key", async () => {
        const r = await run(() => new DoAppServers("app", { ...doPoolArgs(), appTag: "alicerce-dev-app", loadBalancerId: "lb-1" }));
        const fw = r.one(T.doFirewall, "app-firewall");
        assert.equal(fw.parent, r.one("alicerce:digitalocean:AppServers", "app").urn);
        assert.deepEqual(
            fw.inputs.inboundRules.map((x: any) => x.sourceLoadBalancerUids),
            [["lb-1"]],
        );
        assert.equal(r.one(T.password, "app-session-key").parent, fw.parent);
    });
});

describe("transform hooks change a child's args and options", () => {
    it("AWS pool: an object merges into the launch template, a function edits the group's args and options", async () => {
        const r = await run(
            () =>
                new ComputePool("worker", {
                    ...poolArgs(false),
                    transform: {
                        launchTemplate: { description: "workers" },
                        group: (args, opts) => {
                            args.capacityRebalance = true;
                            opts.ignoreChanges = ["desiredCapacity"];
                        },
                    },
                }),
        );
        const lt = r.one(T.lt, "worker-lt");
        assert.equal(lt.inputs.description, "workers");
        // The rest of the template is untouched.
        assert.equal(lt.inputs.metadataOptions.httpTokens, "required");
        const asg = r.one(T.asg, "worker-asg");
        assert.equal(asg.inputs.capacityRebalance, true);
        assert.deepEqual(asg.options.ignoreChanges, ["desiredCapacity"]);
        assert.equal(asg.parent, r.one("alicerce:aws:ComputePool", "worker").urn, "the parent a transform is given stays");
    });

    it("AWS network, database; DigitalOcean network: the hooked child changes, the URN does not", async () => {
        const plain = await run(
            () => new AwsNetwork("net", { vpcCidr: "10.0.0.0/16", azs: ["us-east-1a", "us-east-1b"], egress: "public-subnets", region: "us-east-1" } as any),
        );
        const hooked = await run(
            () =>
                new AwsNetwork("net", {
                    vpcCidr: "10.0.0.0/16",
                    azs: ["us-east-1a", "us-east-1b"],
                    egress: "public-subnets",
                    region: "us-east-1",
                    transform: {
                        vpc: (args: aws.ec2.VpcArgs, opts: pulumi.CustomResourceOptions) =>
                            void ((args.tags = { Name: "net", team: "core" }), (opts.protect = true)),
                    },
                } as any),
        );
        const before = plain.one(T.vpc);
        const after = hooked.one(T.vpc);
        assert.equal(after.urn, before.urn);
        assert.deepEqual(after.inputs.tags, { Name: "net", team: "core" });
        assert.equal(after.options.protect, true);
        assert.equal(before.options.protect, false);

        const db = await run(
            () =>
                new AwsDatabase("db", {
                    vpcId: "vpc-1",
                    subnetIds: ["subnet-1", "subnet-2"],
                    appSecurityGroupId: "sg-app",
                    kmsKeyArn: KMS,
                    identifier: "alicerce-dev",
                    replicaIdentifier: "alicerce-dev-replica",
                    instanceClass: "db.t4g.micro",
                    storageGb: 20,
                    maxStorageGb: 40,
                    multiAz: false,
                    readReplica: false,
                    backupRetentionDays: 7,
                    longTermBackupDays: 0,
                    monitoring: false,
                    deletionProtection: false,
                    protect: false,
                    transform: { primary: { performanceInsightsEnabled: true } },
                }),
        );
        const primary = db.one(T.rds, "db-primary");
        assert.equal(primary.inputs.performanceInsightsEnabled, true);
        assert.equal(primary.inputs.storageEncrypted, true);

        const doNet = await run(
            () =>
                new DoNetwork("net", {
                    region: "nyc3",
                    ipRange: "10.10.0.0/20",
                    description: "d",
                    appTagName: "t",
                    transform: { vpc: { description: "changed" } },
                }),
        );
        assert.equal(doNet.one(T.doVpc).inputs.description, "changed");
    });

    it("DigitalOcean pool: a hook on the droplet pool changes its config", async () => {
        const r = await run(() => new DropletPool("worker", { ...doPoolArgs(), transform: { pool: (args) => void (args.name = "workers-nyc3") } }));
        assert.equal(r.one(T.doPool, "worker-pool").inputs.name, "workers-nyc3");
    });
});

describe("the web roles keep every URN they were deployed under (stateless parts too)", () => {
    // A changed URN deletes and recreates the resource: for an Auto Scaling group that is a new fleet
    // (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns). The snapshot is test/fixtures/urns.
    const ROLE_TYPES = new Set([
        "alicerce:aws:AppServers",
        T.lt,
        T.asg,
        T.policy,
        "aws:iam/role:Role",
        "aws:iam/instanceProfile:InstanceProfile",
        "alicerce:digitalocean:AppServers",
        T.doFirewall,
        T.doPool,
        "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    ]);
    for (const stack of ["dev", "growth", "prod", "do-dev", "do-growth", "do-prod"]) {
        it(`${stack}: the app servers' component, launch template, group, policies, firewall and pool are where the snapshot has them`, async () => {
            const snapshot = fs
                .readFileSync(path.join(ROOT, "test", "fixtures", "urns", `${stack}.txt`), "utf8")
                .split("\n")
                .filter((l) => l !== "" && !l.startsWith("#"))
                .map((l) => l.split(" "))
                .filter(([type, urn]) => ROLE_TYPES.has(type) && /AppServers/.test(urn));
            assert.ok(snapshot.length >= 3, `${stack}: the snapshot has the app servers`);
            const now = new Set((await stackRun(stack)).resources.map((r) => r.urn));
            assert.deepEqual(
                snapshot.filter(([, urn]) => !now.has(urn)),
                [],
            );
        });
    }
});
