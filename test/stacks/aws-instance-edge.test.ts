/**
 * The AWS instance edge (issue 17: an mvp edge without a load balancer) in the shipped dev stack, its price,
 * its config rules, and the move to growth: the real program under mocks, each rule cited beside it.
 */
import { strict as assert } from "assert";
import { Resources, runStack, StackRun } from "../../offline";
import { REPLACED_ON_CHANGE } from "../../offline/force-new";
import { diffPlans, diffText } from "../../offline/diff";
import { planJson } from "../../offline/report";
import { assumptionsForTier, budgetAdvice, estimateCost } from "../../policies/lib/cost";
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

    it("dev has no load balancer: one Elastic IP in the VPC and one rule on the app's group opening port 80, both tagged as the edge", async () => {
        const r = await resourcesOf(stackRun("dev"));
        assert.equal(r.ofType(T.lb).length, 0);
        assert.equal(r.ofType(T.tg).length, 0);
        const eip = r.one(T.eip, "alicerce-edge-ip");
        // aws_eip: domain "vpc" (the EC2-Classic `vpc` flag is gone in v6 of the provider).
        assert.equal(eip.inputs.domain, "vpc");
        assert.equal(eip.inputs.tags["alicerce:edge"], "instance");
        // No security group of its own: one attached to the running instance could not be deleted while it runs
        // (DeleteSecurityGroup: DependencyViolation), which the move to growth would need.
        assert.ok(!r.ofType(T.sg).some((g) => g.parent === r.one("alicerce:aws:InstanceEdge").urn));
        const rules = r.ofType(T.ingress).filter((x) => x.parent === r.one("alicerce:aws:InstanceEdge").urn);
        assert.deepEqual(
            rules.map((x) => [
                x.inputs.securityGroupId,
                x.inputs.fromPort,
                x.inputs.toPort,
                x.inputs.ipProtocol,
                x.inputs.cidrIpv4,
                x.inputs.tags["alicerce:edge"],
            ]),
            [["network-app-id", 80, 80, "tcp", "0.0.0.0/0", "instance"]],
        );
    });

    it("the app instance keeps its one group, publishes 8080 (where a load balancer looks) and 80, and gets its address from the user data", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const nic = r.one(T.lt, "alicerce-app-lt").inputs.networkInterfaces[0];
        assert.deepEqual(nic.securityGroups, ["network-app-id"]);
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
        // An empty list, not unset: unset keeps a deployed load balancer's target group attached (Optional+Computed).
        assert.deepEqual(asg.inputs.targetGroupArns, []);
        assert.deepEqual([asg.inputs.minSize, asg.inputs.maxSize], [1, 1]);
    });

    it("no alarm reads a load balancer metric; origin-unhealthy (missing data breaching) pages; origin-rollout (explicit failures only) gates the refresh", async () => {
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
        // The gate: the same metric, but silence (nobody reports yet, as when a deployed stack moves to the instance
        // edge and its running instance has no reporter) must not fail the refresh that brings the reporter.
        const gate = r.one(T.alarm, "alicerce-monitoring-origin-rollout");
        assert.deepEqual(
            [gate.inputs.namespace, gate.inputs.metricName, gate.inputs.dimensions],
            [origin.inputs.namespace, origin.inputs.metricName, origin.inputs.dimensions],
        );
        assert.equal(gate.inputs.treatMissingData, "notBreaching");
        assert.equal(gate.inputs.alarmActions, undefined, "notifies nobody: origin-unhealthy pages");
        const refresh = r.one(T.asg, "alicerce-app-asg").inputs.instanceRefresh.preferences;
        assert.deepEqual(refresh.alarmSpecification.alarms, ["alicerce-monitoring-origin-rollout-a1b2c3d"]);
        assert.equal(refresh.minHealthyPercentage, 100);
        assert.equal(refresh.instanceWarmup, "360");
    });

    it("the instance role may take only this address, with its own instances, and publish only its health metric", async () => {
        const r = await resourcesOf(stackRun("dev"));
        const doc = JSON.parse(r.one(T.rolePolicy, "alicerce-app-policy").inputs.policy);
        const take = doc.Statement.find((s: any) => s.Sid === "OriginTakeAddress");
        // Instances and interfaces of this stack's web pool only: the tags the group and the launch template put there.
        const own = doc.Statement.find((s: any) => s.Sid === "OriginTakeAddressOwnInstances");
        const tags = r.one(T.asg, "alicerce-app-asg").inputs.tags;
        const tag = (k: string) => tags.find((t: any) => t.key === k && t.propagateAtLaunch)?.value;
        assert.deepEqual(own.Condition.StringEquals, {
            "aws:ResourceTag/Name": tag("Name"),
            "aws:ResourceTag/Project": tag("Project"),
            "aws:ResourceTag/Environment": tag("Environment"),
        });
        assert.equal(tag("Environment"), "dev");
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
            ["origin health reports: 43800 PutMetricData requests at $0.01/1,000 requests", 0.44],
        ]);
        // The metric itself, once, where the first of its two alarms reads it.
        const metric = e.lines.filter((l) => /^custom metric Alicerce\/Edge OriginHealthy/.test(l.basis));
        assert.equal(metric.length, 1);
        assert.match(metric[0].name, /^alicerce-monitoring-origin-(unhealthy|rollout)$/);
        assert.equal(metric[0].monthlyUsd, 0.3);
        // The web pool's CloudWatch agent: one memory series for the group and one PutMetricData a minute.
        assert.deepEqual(of("alicerce-app-asg").at(-1), [
            "CloudWatch agent: 1 custom metric at $0.3/metric-month + 1 × 43800 PutMetricData requests at $0.01/1,000 requests",
            0.74,
        ]);
        assert.ok(
            !of("alicerce-app-asg").some(([basis]) => /public IPv4/.test(String(basis))),
            "EC2 releases the automatic address when the Elastic IP is associated",
        );
        assert.ok(e.total <= Number(run.config["alicerce:budgetUsd"]), `$${e.total} within $${run.config["alicerce:budgetUsd"]}`);
    });
});

describe("AWS instance edge: the budget advice", function () {
    this.timeout(300_000);
    it("dev with the load balancer is over its budget, and the advice names alicerce:edge instance as the key that brings it under", async () => {
        const run = await runStack("dev", { overrides: { "alicerce:edge": "load-balancer" } });
        const e = estimateCost(run.resources, { cloud: "aws", region: "us-east-1" }, assumptionsForTier("mvp"));
        const budget = Number(run.config["alicerce:budgetUsd"]);
        assert.ok(e.total > budget);
        // The ALB $16.43, its LCUs $0.39 and two addresses $7.30, less the origin metric $0.74 (transfer stays).
        assert.match(budgetAdvice(e, budget)!, /To bring it under: set alicerce:edge instance \(saves about \$23\.38; gives up the load balancer/);
    });
});

describe("AWS instance edge: a deployed mvp stack with a load balancer moving to it", function () {
    this.timeout(300_000);
    it("the plan's diff replaces nothing that holds data and says the app's address moves", async () => {
        const before = await runStack("dev", { stackName: "edge-move", overrides: { "alicerce:edge": "load-balancer" } });
        const after = await runStack("dev", { stackName: "edge-move" });
        const diff = diffPlans(planJson(before), planJson(after), { before: "load balancer", after: "instance edge" });
        assert.equal(diff.counts.replace, 0);
        assert.ok(!diff.entries.some((e) => e.dataLoss));
        assert.equal(diff.entries.find((e) => e.name === "alicerce-lb-alb")?.kind, "delete");
        // The group detaches the target group before it is deleted (an update of targetGroupArns to []).
        const asg = diff.entries.find((e) => e.name === "alicerce-app-asg")!;
        assert.equal(asg.kind, "update");
        assert.ok(asg.changedInputs.includes("targetGroupArns"));
        assert.match(diffText(diff).join("\n"), /Note: the app's address moves from the load balancer's name to the instance edge's Elastic IP/);
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
        assert.equal(diff.notes.length, 1);
        // The DNS record is created pointing at the load balancer: the only switch users see.
        const record = growth.resources.find((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord" && r.inputs.name === "app.example.com");
        assert.equal(record?.inputs.type, "CNAME");
    });
});
