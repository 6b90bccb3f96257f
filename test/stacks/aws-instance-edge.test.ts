/**
 * The AWS instance edge (issue 17: an mvp edge without a load balancer) in the shipped dev stack, its price,
 * its config rules, and the move to growth: the real program under mocks, each rule cited beside it.
 */
import { strict as assert } from "assert";
import { ConfigError, loadSettings } from "../../stacks";
import { PLATFORM_RULES } from "../../platforms";
import { Resources, runStack, StackRun } from "../../offline";
import { REPLACED_ON_CHANGE } from "../../offline/force-new";
import { diffPlans, diffText } from "../../offline/diff";
import { planJson } from "../../offline/report";
import { assumptionsForTier, estimateCost } from "../../policies/lib/cost";
import { LOAD_BALANCER_ALARM_KEYS } from "../../components/aws/monitoring";
import { ORIGIN_HOOK_NAME, ORIGIN_HOOK_TIMEOUT_SECONDS, ORIGIN_METRIC } from "../../components/aws/origin";
import { MOCK_ACCOUNT_ID } from "../../offline/outputs";
import { resourcesOf, stackRun } from "./runs";

const T = {
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    eip: "aws:ec2/eip:Eip",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    asg: "aws:autoscaling/group:Group",
    hook: "aws:autoscaling/lifecycleHook:LifecycleHook",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

/** What the mocks read back for an Elastic IP (offline/outputs.ts, as aws_eip does). */
const EIP = { allocationId: "eipalloc-0a1b2c3d", publicIp: "198.51.100.20" };

const userDataOf = (r: Resources) => Buffer.from(r.one(T.lt, "alicerce-app-lt").inputs.userData, "base64").toString("utf8");

describe("AWS instance edge (mvp without a load balancer)", function () {
    this.timeout(300_000);

    it("dev has no load balancer: one Elastic IP in the VPC and a security group open on port 80 only, both tagged as the edge", async () => {
        const r = await resourcesOf(stackRun("dev"));
        assert.equal(r.ofType(T.lb).length, 0);
        assert.equal(r.ofType(T.tg).length, 0);
        const eip = r.one(T.eip, "alicerce-edge-ip");
        // aws_eip: domain "vpc" (the EC2-Classic `vpc` flag is gone in v6 of the provider).
        assert.equal(eip.inputs.domain, "vpc");
        assert.equal(eip.inputs.tags["alicerce:edge"], "instance");
        const sg = r.one(T.sg, "alicerce-edge-sg");
        assert.equal(sg.inputs.tags["alicerce:edge"], "instance");
        const rules = r.ofType(T.ingress).filter((x) => x.parent === r.one("alicerce:aws:InstanceEdge").urn);
        assert.deepEqual(
            rules.map((x) => [x.inputs.fromPort, x.inputs.toPort, x.inputs.ipProtocol, x.inputs.cidrIpv4]),
            [[80, 80, "tcp", "0.0.0.0/0"]],
        );
    });

    it("the app instance carries both groups, publishes 8080 (where a load balancer looks) and 80, and gets its address from the user data", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const nic = r.one(T.lt, "alicerce-app-lt").inputs.networkInterfaces[0];
        assert.equal(nic.securityGroups.length, 2);
        assert.ok(nic.securityGroups.includes("alicerce-edge-sg-id"));
        assert.equal(nic.associatePublicIpAddress, "true", "a public subnet address for egress until it holds the Elastic IP");
        const ud = userDataOf(r);
        const eip = EIP;
        assert.match(ud, /--publish 8080:8080 \\\n    --publish 80:8080/);
        assert.ok(ud.includes(`ALLOCATION_ID=${eip.allocationId}`) && ud.includes(`PUBLIC_IP=${eip.publicIp}`));
        assert.ok(ud.includes("HEALTH_URL=http://127.0.0.1:80/healthz"));
    });

    it("a launch lifecycle hook keeps a new instance out of service until it holds the address; the group counts EC2 health", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const asg = r.one(T.asg, "alicerce-app-asg");
        const hook = r.one(T.hook);
        // PutLifecycleHook: LifecycleTransition autoscaling:EC2_INSTANCE_LAUNCHING, DefaultResult CONTINUE | ABANDON,
        // HeartbeatTimeout 30-7200 s (Auto Scaling API reference).
        assert.equal(hook.inputs.name, ORIGIN_HOOK_NAME);
        assert.equal(hook.inputs.lifecycleTransition, "autoscaling:EC2_INSTANCE_LAUNCHING");
        assert.equal(hook.inputs.defaultResult, "ABANDON");
        assert.equal(hook.inputs.heartbeatTimeout, ORIGIN_HOOK_TIMEOUT_SECONDS);
        assert.equal(hook.inputs.autoscalingGroupName, "alicerce-app-asg-a1b2c3d");
        assert.equal(asg.inputs.healthCheckType, "EC2");
        assert.equal(asg.inputs.targetGroupArns, undefined);
        assert.deepEqual([asg.inputs.minSize, asg.inputs.maxSize], [1, 1]);
    });

    it("no alarm reads a load balancer metric; origin-unhealthy (missing data breaching) pages and gates the instance refresh", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const alarms = r.ofType(T.alarm);
        for (const key of LOAD_BALANCER_ALARM_KEYS) assert.ok(!alarms.some((a) => a.name === `alicerce-monitoring-${key}`), key);
        assert.ok(!JSON.stringify(alarms.map((a) => a.inputs)).includes("AWS/ApplicationELB"));
        const origin = r.one(T.alarm, "alicerce-monitoring-origin-unhealthy");
        assert.equal(origin.inputs.namespace, ORIGIN_METRIC.namespace);
        assert.equal(origin.inputs.metricName, ORIGIN_METRIC.metricName);
        assert.deepEqual(origin.inputs.dimensions, { AllocationId: EIP.allocationId });
        assert.equal(origin.inputs.treatMissingData, "breaching");
        assert.equal(origin.inputs.comparisonOperator, "LessThanThreshold");
        assert.equal(origin.inputs.threshold, 1);
        assert.ok(origin.inputs.alarmActions?.length === 1, "it pages");
        const refresh = r.one(T.asg, "alicerce-app-asg").inputs.instanceRefresh.preferences;
        assert.deepEqual(refresh.alarmSpecification.alarms, ["alicerce-monitoring-origin-unhealthy-a1b2c3d"]);
        assert.equal(refresh.minHealthyPercentage, 100);
        assert.equal(refresh.instanceWarmup, "360");
    });

    it("the instance role may take only this address, with its own instances, and publish only its health metric", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const doc = JSON.parse(r.one(T.rolePolicy, "alicerce-app-policy").inputs.policy);
        const take = doc.Statement.find((s: any) => s.Sid === "OriginTakeAddress");
        const eip = r.one(T.eip, "alicerce-edge-ip");
        // An Elastic IP's ARN, as aws_eip reads it back: arn:aws:ec2:<region>:<account>:elastic-ip/<allocation id>
        // (Service Authorization Reference, EC2 resource types).
        assert.equal(take.Resource, `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT_ID}:elastic-ip/${EIP.allocationId}`);
        assert.equal(eip.inputs.domain, "vpc");
        // IAM inline role policies: 10,240 characters at most (IAM quotas), whitespace not counted.
        assert.ok(JSON.stringify(doc).length <= 10_240);
    });

    it("outputs the address as the app's URL, and no load balancer name", async () => {
        const run = await stackRun("dev");
        const eip = EIP.publicIp;
        assert.ok(new Resources(run.resources).one(T.eip, "alicerce-edge-ip"));
        assert.equal(run.outputs.originAddress, eip);
        assert.equal(run.outputs.url, `http://${eip}`);
        assert.equal(run.outputs.loadBalancerDnsName, undefined);
    });

    it("is priced: the address, transfer out at the stated traffic and the health metric; the instance's own address is not counted twice", async () => {
        const run = await stackRun("dev");
        const e = estimateCost(run.resources, { cloud: "aws", region: "us-east-1" }, assumptionsForTier("mvp"));
        const of = (name: string) => e.lines.filter((l) => l.name === name).map((l) => [l.basis, +l.monthlyUsd.toFixed(2)]);
        // Public IPv4 $0.005/h (https://aws.amazon.com/vpc/pricing/, Public IPv4 Address); data transfer out $0.09/GB
        // (https://aws.amazon.com/ec2/pricing/on-demand/); a custom metric $0.30, API requests $0.01 per 1,000
        // (https://aws.amazon.com/cloudwatch/pricing/): 43,800 PutMetricData a month.
        assert.deepEqual(of("alicerce-edge-ip"), [
            ["public IPv4 address at $0.005/h × 730 h", 3.65],
            ["data transfer out: 21.9 GB at $0.09/GB", 1.97],
            ["origin health metric: 1 custom metric at $0.3/metric-month + 43800 PutMetricData requests at $0.01/1,000 requests", 0.74],
        ]);
        assert.ok(
            !of("alicerce-app-asg").some(([basis]) => /public IPv4/.test(String(basis))),
            "EC2 releases the automatic address when the Elastic IP is associated",
        );
        assert.ok(e.total <= Number(run.config["alicerce:budgetUsd"]), `$${e.total} within $${run.config["alicerce:budgetUsd"]}`);
    });
});

describe("AWS instance edge: config rules", () => {
    const VALID: Record<string, string> = {
        "alicerce:cloud": "aws",
        "alicerce:tier": "mvp",
        "alicerce:region": "us-east-1",
        "alicerce:owner": "team-platform",
        "alicerce:costCenter": "cc-1001",
        "alicerce:budgetUsd": "36.2",
    };
    const load = (config: Record<string, string>) => loadSettings({ ...VALID, ...config }, "alicerce", "dev", PLATFORM_RULES);
    const problems = (config: Record<string, string>): string[] => {
        try {
            load(config);
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.message.split("\n");
        }
    };
    const edgeOf = (config: Record<string, string>) => {
        const s = load(config);
        assert.ok(s.cloud !== "docker");
        return s.edge;
    };

    it("mvp serves from the instance without a domain, and from a load balancer (HTTPS) with one; growth and prod always from the load balancer", () => {
        assert.equal(edgeOf({}), "instance");
        assert.equal(edgeOf({ "alicerce:domain": "app.example.com" }), "load-balancer");
        assert.equal(edgeOf({ "alicerce:edge": "load-balancer" }), "load-balancer");
        assert.equal(edgeOf({ "alicerce:tier": "growth", "alicerce:budgetUsd": "69.2" }), "load-balancer");
        assert.equal(
            edgeOf({ "alicerce:tier": "growth", "alicerce:edge": "instance", "alicerce:minInstances": "1", "alicerce:maxInstances": "1" }),
            "instance",
        );
        // The tier's own counts are named as the tier's, with the keys that fix them.
        assert.ok(
            problems({ "alicerce:tier": "growth", "alicerce:edge": "instance" }).some((l) =>
                /alicerce:edge.*is instance, and the growth tier's maxInstances is 3; alicerce:edge instance holds one Elastic IP on one instance: set alicerce:maxInstances 1/.test(
                    l,
                ),
            ),
        );
    });

    it("refuses, all at once: an instance edge with a domain, more than one instance, or private subnets; an unknown edge; the key off AWS", () => {
        const p = problems({ "alicerce:edge": "instance", "alicerce:domain": "app.example.com" });
        assert.ok(
            p.some((l) => /alicerce:edge.*is instance, which serves plain HTTP only.*use load-balancer/.test(l)),
            p.join("\n"),
        );
        const many = problems({ "alicerce:maxInstances": "3", "alicerce:egress": "nat-instance" });
        assert.ok(
            many.some((l) => /alicerce:maxInstances.*is 3; the mvp tier's instance edge holds one Elastic IP on one instance/.test(l)),
            many.join("\n"),
        );
        assert.ok(
            many.some((l) => /alicerce:egress.*is nat-instance;.*needs the instance in a public subnet/.test(l)),
            many.join("\n"),
        );
        assert.ok(problems({ "alicerce:edge": "cdn" }).some((l) => /alicerce:edge.*is not an edge; use one of load-balancer, instance/.test(l)));
        const doProblems = problems({ "alicerce:cloud": "digitalocean", "alicerce:region": "nyc3", "alicerce:budgetUsd": "50", "alicerce:edge": "instance" });
        assert.ok(
            doProblems.some((l) => /alicerce:edge.*is only used on aws/.test(l)),
            doProblems.join("\n"),
        );
        // Behind a load balancer the same counts are fine.
        assert.deepEqual(problems({ "alicerce:edge": "load-balancer", "alicerce:maxInstances": "3" }), []);
    });
});

describe("AWS instance edge: moving to growth", function () {
    this.timeout(300_000);
    const at = (tier: string, domain?: string) =>
        runStack("dev", {
            stackName: "edge-upgrade",
            overrides: {
                "alicerce:tier": tier,
                ...(domain ? { "alicerce:domain": domain, "alicerce:cloudflareZoneId": "0123456789abcdef0123456789abcdef" } : {}),
            },
        });
    let mvp: StackRun;
    let growth: StackRun;
    before(async () => {
        mvp = await at("mvp");
        growth = await at("growth", "app.example.com");
    });

    it("adds the load balancer in place: every resource that holds data (or one holding data sits in) keeps its URN and replacing inputs", () => {
        const after = new Map(growth.resources.map((r) => [r.urn, r]));
        const tracked = mvp.resources.filter((r) => r.type in REPLACED_ON_CHANGE);
        assert.ok(tracked.length > 10);
        for (const r of tracked) {
            const next = after.get(r.urn);
            assert.ok(next, `${r.type} ${r.name} disappears at growth`);
            for (const k of REPLACED_ON_CHANGE[r.type]) assert.deepEqual(next.inputs[k], r.inputs[k], `${r.name}.${k} would replace it`);
        }
    });

    it("the plan's diff replaces nothing, keeps the web pool (updated in place), deletes the edge, and says to run up --refresh", () => {
        const diff = diffPlans(planJson(mvp), planJson(growth), { before: "mvp", after: "growth" });
        assert.equal(diff.counts.replace, 0);
        assert.ok(!diff.entries.some((e) => e.dataLoss));
        const kind = (name: string) => diff.entries.find((e) => e.name === name)?.kind;
        assert.equal(kind("alicerce-app-asg"), "update");
        assert.equal(kind("alicerce-app-lt"), "update");
        assert.equal(kind("alicerce-edge-ip"), "delete");
        assert.equal(kind("alicerce-lb-alb"), "add");
        assert.match(diffText(diff).join("\n"), /Note: run this change as `pulumi up --refresh`: alicerce-edge-ip is the instance edge's Elastic IP/);
        // The DNS record is created pointing at the load balancer: the only switch users see.
        const record = growth.resources.find((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.name === "app.example.com");
        assert.equal(record?.inputs.type, "CNAME");
    });
});
