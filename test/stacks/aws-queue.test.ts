/**
 * The AWS worker pool, the ElastiCache for Valkey queue, backlog scaling and
 * the queue alarms, from the recorded inputs of the shipped prod stack (and
 * the config rules on bad input). Each rule is cited beside its check.
 */
import { strict as assert } from "assert";
import { AUTH_TOKEN_RULE, VALKEY_FAMILY } from "../../components/aws/cache";
import { renderUserData } from "../../components/shared/userdata";
import { awsHost } from "../../components/aws/host-strategy";
import { ConfigError, loadSettings } from "../../stacks";
import { awsPlatform } from "../../platforms/aws";
import { RecordedResource, Resources, runStack, StackRun } from "../../offline";
import { resourcesOf, stackRun } from "./runs";
import { REPLACED_ON_CHANGE } from "../../offline/force-new";
import { loadAppParseConfig } from "../support/app-config";

const T = {
    rg: "aws:elasticache/replicationGroup:ReplicationGroup",
    subnets: "aws:elasticache/subnetGroup:SubnetGroup",
    params: "aws:elasticache/parameterGroup:ParameterGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    policy: "aws:autoscaling/policy:Policy",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    secret: "aws:secretsmanager/secret:Secret",
    version: "aws:secretsmanager/secretVersion:SecretVersion",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    subnet: "aws:ec2/subnet:Subnet",
    kms: "aws:kms/key:Key",
    topic: "aws:sns/topic:Topic",
    attach: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

const userDataOf = (lt: RecordedResource) => Buffer.from(lt.inputs.userData, "base64").toString("utf8");
/** Whether `r`'s input `key` came from the resource `from` (the recorded property dependencies). */
const fed = (r: RecordedResource, key: string, from: RecordedResource) => (r.propertyDependencies?.[key] ?? []).includes(from.urn);

describe("AWS queue: workers, ElastiCache for Valkey, backlog scaling, alarms (prod)", function () {
    this.timeout(300_000);
    let r: Resources;
    let run: StackRun;
    before(async () => {
        run = await stackRun("prod");
        r = await resourcesOf(stackRun("prod"));
    });

    it("the worker pool: no load balancer, EC2 health, IMDSv2, encrypted root, SSM, no key pair, its own egress-only group", () => {
        const asg = r.one(T.asg, "alicerce-workers-asg");
        assert.equal(asg.inputs.targetGroupArns, undefined);
        assert.equal(asg.inputs.healthCheckType, "EC2");
        assert.ok(asg.inputs.minSize >= 1 && asg.inputs.maxSize > asg.inputs.minSize);
        const lt = r.one(T.lt, "alicerce-workers-lt");
        // IMDSv2 only: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html
        assert.deepEqual(lt.inputs.metadataOptions, {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 2,
            instanceMetadataTags: "disabled",
        });
        assert.equal(lt.inputs.blockDeviceMappings[0].ebs.encrypted, "true");
        assert.equal(lt.inputs.keyName, undefined);
        const sg = r.one(T.sg, "workers-sg");
        assert.ok(fed(lt, "networkInterfaces", sg), "the launch template uses the workers' group");
        // No ingress at all: neither inline nor as a rule resource on the workers' group.
        assert.deepEqual(sg.inputs.ingress ?? [], []);
        assert.deepEqual(
            r
                .ofType(T.ingress)
                .filter((i) => fed(i, "securityGroupId", sg))
                .map((i) => i.name),
            [],
        );
        assert.equal(r.ofType(T.egress).filter((e) => fed(e, "securityGroupId", sg)).length, 1);
        const ssm = r.one(T.attach, "alicerce-workers-ssm");
        assert.match(ssm.inputs.policyArn, /AmazonSSMManagedInstanceCore$/);
        // The workers reach PostgreSQL through a rule of their own on the database's group.
        const dbRule = r.one(T.ingress, "database-from-workers");
        assert.ok(fed(dbRule, "referencedSecurityGroupId", sg) && fed(dbRule, "securityGroupId", r.one(T.sg, "database-sg")));
        assert.equal(dbRule.inputs.fromPort, 5432);
    });

    it("the workers run the same image with the worker command, EMF metrics, logs to their own KMS log group, REDIS_URL only by secret", () => {
        const web = userDataOf(r.one(T.lt, "alicerce-app-lt"));
        const worker = userDataOf(r.one(T.lt, "alicerce-workers-lt"));
        const image = (text: string) => /\S+@sha256:[0-9a-f]{64}/.exec(text.split("ExecStart=")[1])![0];
        assert.equal(image(worker), image(web));
        assert.match(worker, /@sha256:[0-9a-f]{64} \\\n {4}"node" \\\n {4}"--enable-source-maps" \\\n {4}"dist\/worker\.js"\n/);
        assert.ok(!web.includes("worker.js"));
        assert.match(worker, /^METRICS_EMF=true$/m);
        assert.ok(!/^APP_SECRET_ARN=/m.test(worker), "the worker signs nothing: no session key");
        assert.match(worker, /--log-opt awslogs-group=\/alicerce\/prod\/worker/);
        assert.ok(r.one(T.logGroup, "alicerce-workers-logs").inputs.kmsKeyId);
        // REDIS_URL: fetched at start from the queue secret's .url, never its value in the user data.
        const secret = r.one(T.secret, "queue-secret");
        assert.match(worker, /printf '%s=%s\\n' 'REDIS_URL' "\$value"/);
        assert.match(worker, /--secret-id 'arn:aws:secretsmanager:[^']+' --query SecretString --output text \| jq --raw-output --exit-status '\.url'/);
        const token = r.one(T.rg).inputs.authToken as string;
        for (const lt of r.ofType(T.lt))
            assert.ok(!userDataOf(lt).includes(token) && !userDataOf(lt).includes("rediss://"), `${lt.name} user data holds the token`);
        assert.ok(r.one(T.version, "queue-secret").secretPaths.includes("secretString"));
        assert.ok(fed(r.one(T.rolePolicy, "alicerce-workers-policy"), "policy", secret));
    });

    it("backlog target tracking: QueueDepth (Alicerce/Queue, Queue=upload-verify) / GroupInServiceInstances of the worker group", () => {
        // Schema: terraform-provider-aws internal/service/autoscaling/policy.go (target_tracking_configuration.customized_metric_specification.metrics);
        // metric math: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-target-tracking-metric-math.html
        const p = r.one(T.policy, "alicerce-workers-backlog");
        assert.equal(p.inputs.policyType, "TargetTrackingScaling");
        const tt = p.inputs.targetTrackingConfiguration;
        assert.equal(tt.predefinedMetricSpecification, undefined);
        const metrics = tt.customizedMetricSpecification.metrics as any[];
        // Exactly one query returns data, and it is the expression; ids start with a lowercase letter.
        assert.deepEqual(
            metrics.filter((m) => m.returnData).map((m) => m.expression),
            ["backlog / inservice"],
        );
        for (const m of metrics) assert.match(m.id, /^[a-z][a-zA-Z0-9_]*$/);
        const backlog = metrics.find((m) => m.id === "backlog").metricStat;
        assert.deepEqual(backlog.metric, { namespace: "Alicerce/Queue", metricName: "QueueDepth", dimensions: [{ name: "Queue", value: "upload-verify" }] });
        const inService = metrics.find((m) => m.id === "inservice").metricStat;
        assert.equal(inService.metric.metricName, "GroupInServiceInstances");
        const asg = r.one(T.asg, "alicerce-workers-asg");
        assert.ok(fed(p, "targetTrackingConfiguration", asg), "divides by the worker group's own InService count");
        assert.ok(asg.inputs.enabledMetrics.includes("GroupInServiceInstances"), "the group publishes the metric the policy divides by");
        assert.ok(tt.targetValue > 0);
    });

    it("Valkey: engine and version, TLS required, at rest under the stack key, auth token, Multi-AZ failover with 2 nodes, snapshots, protected", () => {
        const g = r.one(T.rg);
        assert.equal(g.inputs.engine, "valkey");
        // Valkey versions ElastiCache offers: 7.2, 8.0, 8.1 (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html);
        // the provider's validValkeyVersionString takes major.minor.
        assert.ok(["7.2", "8.0", "8.1"].includes(g.inputs.engineVersion));
        assert.equal(r.one(T.params).inputs.family, `valkey${g.inputs.engineVersion.split(".")[0]}`);
        assert.equal(g.inputs.transitEncryptionEnabled, true);
        assert.equal(g.inputs.transitEncryptionMode, "required");
        assert.equal(g.inputs.atRestEncryptionEnabled, true);
        assert.ok(fed(g, "kmsKeyId", r.one(T.kms, "kms-key")), "at rest under the stack key");
        // auth_token: 16-128 characters, none of @ " / (terraform-provider-aws internal/service/elasticache/validate.go).
        assert.match(g.inputs.authToken, AUTH_TOKEN_RULE);
        assert.ok(g.secretPaths.includes("authToken"));
        assert.equal(g.inputs.numCacheClusters, 2);
        assert.equal(g.inputs.multiAzEnabled, true);
        assert.equal(g.inputs.automaticFailoverEnabled, true);
        assert.ok(g.inputs.snapshotRetentionLimit >= 1 && g.inputs.snapshotRetentionLimit <= 35);
        assert.equal(g.options.protect, true);
        assert.ok(g.inputs.finalSnapshotIdentifier);
        // ReplicationGroupId: 1-40, lowercase letter first, no "--", no trailing "-" (API_CreateReplicationGroup).
        assert.match(g.inputs.replicationGroupId, /^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$/);
    });

    it("Valkey's network: isolated subnets, 6379 only from the app and worker groups, noeviction", () => {
        const g = r.one(T.rg);
        const subnets = r.one(T.subnets);
        assert.ok(fed(g, "subnetGroupName", subnets));
        const isolated = r.ofType(T.subnet).filter((s) => s.name.includes("isolated"));
        assert.ok(isolated.length >= 2);
        for (const s of isolated) assert.ok(fed(subnets, "subnetIds", s), `${s.name} in the subnet group`);
        assert.ok(
            !r
                .ofType(T.subnet)
                .filter((s) => !s.name.includes("isolated"))
                .some((s) => fed(subnets, "subnetIds", s)),
        );
        const sg = r.one(T.sg, "queue-sg");
        assert.ok(fed(g, "securityGroupIds", sg));
        assert.deepEqual(sg.inputs.ingress ?? [], []);
        const rules = r.ofType(T.ingress).filter((i) => fed(i, "securityGroupId", sg));
        const sources = rules.map((i) => r.all.find((x) => x.type === T.sg && fed(i, "referencedSecurityGroupId", x))?.name).sort();
        assert.deepEqual(sources, ["network-app", "workers-sg"]);
        for (const i of rules) assert.deepEqual([i.inputs.ipProtocol, i.inputs.fromPort, i.inputs.toPort, i.inputs.cidrIpv4], ["tcp", 6379, 6379, undefined]);
        assert.equal(r.ofType(T.egress).filter((e) => fed(e, "securityGroupId", sg)).length, 0);
        const params = r.one(T.params);
        assert.equal(params.inputs.family, VALKEY_FAMILY);
        assert.deepEqual(params.inputs.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
        assert.ok(fed(g, "parameterGroupName", params));
    });

    it("behind Cloudflare (prod: the load balancer admits only Cloudflare) the shared rate limit keys on the client: two trusted proxy hops", () => {
        // Cloudflare sends X-Forwarded-For: <client>; the ALB appends the edge's address (https://developers.cloudflare.com/fundamentals/reference/http-headers/#x-forwarded-for,
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html). Fastify's trustProxy as a
        // number trusts that many hops from the socket (proxy-addr), so 1 would give the edge's address to every visitor behind it.
        assert.match(userDataOf(r.one(T.lt, "alicerce-app-lt")), /\nTRUST_PROXY_HOPS=2\n/);
    });

    it("no instance boots before the queue secret has its value: both launch templates' user data waits for the secret version", () => {
        // The version is written once ElastiCache reports the primary endpoint (10-20 minutes after the group starts creating);
        // a user data fed by the secret's ARN alone would let the prepare script (set -e; jq --exit-status .url) fail on every start.
        const version = r.one(T.version, "queue-secret");
        for (const lt of ["alicerce-app-lt", "alicerce-workers-lt"])
            assert.ok(fed(r.one(T.lt, lt), "userData", version), `${lt} does not wait for the queue secret's value`);
    });

    it("the queue secret holds the token and a rediss:// URL to the primary endpoint, under the stack key", () => {
        const secret = r.one(T.secret, "queue-secret");
        assert.ok(fed(secret, "kmsKeyId", r.one(T.kms, "kms-key")));
        const value = JSON.parse(r.one(T.version, "queue-secret").inputs.secretString);
        const token = r.one(T.rg).inputs.authToken;
        assert.equal(value.authToken, token);
        assert.match(value.url, new RegExp(`^rediss://:${token}@master\\.[a-z0-9-]+\\.[a-z0-9]+\\.use1\\.cache\\.amazonaws\\.com:6379$`));
    });

    it("queue and cache alarms go to the alarm topic; the dashboard shows them", () => {
        const topic = r.one(T.topic);
        for (const key of ["queue-depth", "queue-oldest-job", "queue-failed-jobs", "cache-memory", "cache-evictions"]) {
            const a = r.one(T.alarm, `alicerce-monitoring-${key}`);
            assert.ok(fed(a, "alarmActions", topic) && fed(a, "okActions", topic), key);
        }
        const mem = r.one(T.alarm, "alicerce-monitoring-cache-memory");
        const nodes = mem.inputs.metricQueries.filter((q: any) => q.metric);
        assert.deepEqual(
            nodes.map((q: any) => q.metric.dimensions.CacheClusterId),
            [`${r.one(T.rg).inputs.replicationGroupId}-001`, `${r.one(T.rg).inputs.replicationGroupId}-002`],
        );
        assert.equal(nodes[0].metric.metricName, "DatabaseMemoryUsagePercentage");
        assert.equal(r.one(T.alarm, "alicerce-monitoring-queue-oldest-job").inputs.treatMissingData, "breaching");
        const body = JSON.parse(r.one(T.dashboard).inputs.dashboardBody);
        const metrics = JSON.stringify(body.widgets.map((w: any) => w.properties.metrics));
        for (const m of ["QueueDepth", "OldestJobAgeSeconds", "FailedJobs", "DatabaseMemoryUsagePercentage", "Evictions"]) assert.ok(metrics.includes(m), m);
        assert.ok(run.outputs.cacheEndpoint && run.outputs.workersAutoScalingGroupName);
    });

    for (const stack of ["dev", "growth"]) {
        it(`${stack}: no cache and no workers (the tier has no queue)`, async () => {
            const s = await resourcesOf(stackRun(stack));
            assert.equal(s.ofType(T.rg).length, 0);
            assert.ok(!s.ofType(T.asg).some((a) => a.name.includes("workers")));
            assert.ok(!userDataOf(s.one(T.lt)).includes("REDIS_URL"));
        });
    }

    it("a bigger cache node and more workers (the overrides a tier move brings) change no input that replaces the group", async () => {
        // ForceNew inputs of aws_elasticache_replication_group, with their source: offline/force-new.ts.
        const forceNew = REPLACED_ON_CHANGE[T.rg];
        const bigger = new Resources(
            (
                await runStack("prod", {
                    overrides: { "alicerce:cacheNodeType": "cache.t4g.small", "alicerce:workersMax": "8", "alicerce:workersInstanceType": "t4g.small" },
                })
            ).resources,
        );
        const [a, b] = [r.one(T.rg), bigger.one(T.rg)];
        assert.equal(a.urn, b.urn);
        assert.notEqual(a.inputs.nodeType, b.inputs.nodeType);
        for (const k of forceNew) assert.deepEqual(b.inputs[k], a.inputs[k], k);
        assert.equal(r.one(T.params).inputs.name, bigger.one(T.params).inputs.name);
        assert.equal(r.one(T.subnets).inputs.name, bigger.one(T.subnets).inputs.name);
        assert.equal(bigger.one(T.asg, "alicerce-workers-asg").inputs.maxSize, 8);
    });
});

describe("AWS queue config: bad input gets the house error, all at once", () => {
    const base = {
        "alicerce:cloud": "aws",
        "alicerce:region": "us-east-1",
        "alicerce:owner": "team-platform",
        "alicerce:costCenter": "cc-1001",
        "alicerce:budgetUsd": "300",
        "alicerce:domain": "app.example.com",
        "alicerce:alertEmail": "ops@example.com",
    };
    const problems = (config: Record<string, string>): string[] => {
        try {
            loadSettings(config, "alicerce", "dev", { aws: awsPlatform.validate });
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return [...err.problems];
        }
    };

    it("a worker count or cache node on a tier without a queue is an error, not a no-op", () => {
        const p = problems({ ...base, "alicerce:tier": "growth", "alicerce:workersMin": "2", "alicerce:cacheNodeType": "cache.t4g.small" });
        assert.deepEqual(p, [
            'alicerce:workersMin: "2" applies to a tier with a queue (ElastiCache and workers), and the growth tier on aws has none; remove it, or move the stack to the prod tier',
            'alicerce:cacheNodeType: "cache.t4g.small" applies to a tier with a queue (ElastiCache and workers), and the growth tier on aws has none; remove it, or move the stack to the prod tier',
        ]);
    });

    it("out-of-range counts, a node type Valkey does not run on, an instance type of the other architecture: every problem at once", () => {
        const p = problems({
            ...base,
            "alicerce:tier": "prod",
            "alicerce:workersMin": "5",
            "alicerce:workersMax": "3",
            "alicerce:cacheNodeType": "cache.t2.micro",
            "alicerce:workersInstanceType": "t3.small",
        });
        assert.ok(p.includes('alicerce:workersMin: "5" gives workersMin 5 above workersMax 3; make workersMin at most workersMax'), p.join("\n"));
        assert.ok(
            p.some((x) => x.startsWith('alicerce:cacheNodeType: "cache.t2.micro" is a t2 node, which ElastiCache for Valkey does not run on; use')),
            p.join("\n"),
        );
        assert.ok(
            p.some((x) => x.startsWith('alicerce:workersInstanceType: "t3.small" is x86_64, but the app servers\' t4g.micro is arm64')),
            p.join("\n"),
        );
        assert.equal(p.length, 3, p.join("\n"));
        const shapes = problems({
            ...base,
            "alicerce:tier": "prod",
            "alicerce:workersMax": "21",
            "alicerce:cacheNodeType": "t4g.small",
            "alicerce:workersMin": "0",
        });
        assert.ok(
            shapes.some((x) => x.startsWith('alicerce:workersMax: "21" is out of range; use a whole number from 1 to 20')),
            shapes.join("\n"),
        );
        assert.ok(
            shapes.some((x) => x.startsWith('alicerce:workersMin: "0" is out of range')),
            shapes.join("\n"),
        );
        assert.ok(
            shapes.some((x) => x.startsWith('alicerce:cacheNodeType: "t4g.small" is not an ElastiCache node type')),
            shapes.join("\n"),
        );
    });

    it("valid overrides resolve over the prod preset", () => {
        const s = loadSettings(
            { ...base, "alicerce:tier": "prod", "alicerce:workersMax": "6", "alicerce:cacheNodeType": "cache.m7g.large" },
            "alicerce",
            "dev",
        ) as any;
        assert.equal(s.awsWorkers.maxInstances, 6);
        assert.equal(s.awsCache.nodeType, "cache.m7g.large");
        assert.equal(s.awsCache.nodes, 2);
    });
});

describe("user data: a command runs the same image in another role, and without one nothing changes", () => {
    const spec = { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"a".repeat(64)}`, hostPort: 8080, env: { A: "1" } };
    const host = awsHost({ region: "us-east-1", logGroupName: "/x/y/app" });
    it("no command: the text is exactly the image's own run", () => {
        const text = renderUserData(spec, host);
        assert.match(text, /@sha256:a{64}\n/);
        assert.equal(renderUserData({ ...spec, command: undefined }, host), text);
    });
    it("a command follows the image, each word quoted for systemd's ExecStart; an empty one or a line break is refused", () => {
        assert.match(renderUserData({ ...spec, command: ["node", "dist/worker.js"] }, host), /@sha256:a{64} \\\n {4}"node" \\\n {4}"dist\/worker\.js"\n/);
        assert.throws(() => renderUserData({ ...spec, command: ["node", "a\nb"] }, host), /command argument "a\\nb" is empty or has a line break or NUL/);
        assert.throws(() => renderUserData({ ...spec, command: [] }, host), /command is empty/);
    });
});

describe("the worker's environment on AWS is one the app's own parser accepts for the worker", () => {
    it("prod's worker env plus a REDIS_URL of the secret's form parses as a worker, and METRICS_EMF is on", async () => {
        const parse = loadAppParseConfig() as unknown as (
            env: Record<string, string>,
            role: string,
        ) => { ok: boolean; issues?: { variable: string; message: string }[]; config?: any };
        const r = await resourcesOf(stackRun("prod"));
        const text = userDataOf(r.one(T.lt, "alicerce-workers-lt"));
        const envBlock = /cat > '\/etc\/worker\/app\.env' <<'ALICERCE_EOF'\n([\s\S]*?)\nALICERCE_EOF/.exec(text)![1];
        const env = Object.fromEntries(envBlock.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        const secret = JSON.parse(r.one(T.version, "queue-secret").inputs.secretString);
        const result = parse({ ...env, REDIS_URL: secret.url }, "worker");
        assert.ok(result.ok, JSON.stringify(result.issues));
        assert.equal(env.METRICS_EMF, "true");
        // Without REDIS_URL the worker refuses to start: the secret is what makes it run.
        assert.equal(parse(env, "worker").ok, false);
    });
});

describe("the team's own app: the workers run its worker command (alicerce:workersCommand)", () => {
    it("prod with alicerce:appPath and alicerce:workersCommand: the worker launch template runs that command, the web role its own", async () => {
        const run = await runStack("prod", {
            overrides: {
                "alicerce:appPath": "test/fixtures/byo-app/clinic-api",
                "alicerce:appCommand": '["node","server.js"]',
                "alicerce:workersCommand": '["node","worker.js","--queue","verify"]',
            },
        });
        const r = new Resources(run.resources);
        assert.match(userDataOf(r.one(T.lt, "alicerce-workers-lt")), / {4}"node" \\\n {4}"worker\.js" \\\n {4}"--queue" \\\n {4}"verify"\n/);
        const web = userDataOf(r.one(T.lt, "alicerce-app-lt"));
        assert.match(web, / {4}"node" \\\n {4}"server\.js"\n/);
        assert.ok(!web.includes("worker.js"));
    });
});
