/**
 * The AWS budget levers (issue 17), on the shipped stacks and their tiers:
 * each lever's resources as the provider and the cloud require them, and
 * each lever's price in the cost model. The rule each assertion encodes is
 * cited beside it.
 */
import { strict as assert } from "assert";
import { LoadBalancer } from "../../components/aws/loadBalancer";
import { loadBalancerIpAddressType } from "../../platforms/aws/edge";
import { CLOUDFLARE_IPV4 } from "../../offline/calls";
import { Resources, runStack } from "../../offline";
import { renderMermaid } from "../../offline/diagram";
import { assumptionsForTier, estimateCost } from "../../policies/lib/cost";
import { resourcesOf, stackRun } from "./runs";

const LB = "aws:lb/loadBalancer:LoadBalancer";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList";
const US = { cloud: "aws", region: "us-east-1" } as const;

/** The stack's estimate, as `npm run plan` prices it (the tier's stated traffic). */
async function estimate(stack: string, overrides: Record<string, string | undefined> = {}) {
    const run = Object.keys(overrides).length > 0 ? await runStack(stack, { overrides }) : await stackRun(stack);
    return estimateCost(run.resources, US, assumptionsForTier(run.config["alicerce:tier"]));
}

describe("AWS budget levers", function () {
    this.timeout(300_000);

    describe("a load balancer without public IPv4 behind Cloudflare (growth, prod)", () => {
        // ELB API SetIpAddressType: ipv4 | dualstack | dualstack-without-public-ipv4 (Application Load Balancers), internal
        // load balancers must use ipv4 (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetIpAddressType.html).
        for (const stack of ["growth", "prod"]) {
            it(`${stack}: internet-facing, dualstack-without-public-ipv4, admitting Cloudflare's IPv6 ranges on its own prefix list`, async () => {
                const res = await resourcesOf(stackRun(stack));
                const lb = res.one(LB);
                assert.equal(lb.inputs.ipAddressType, "dualstack-without-public-ipv4");
                assert.equal(lb.inputs.internal, false);
                const v6 = res.one(PREFIX_LIST, "alicerce-lb-clients-ipv6");
                assert.equal(v6.inputs.addressFamily, "IPv6");
                // Cloudflare's published ranges (https://www.cloudflare.com/ips-v6), as the provider's cloudflare_ip_ranges returns them.
                assert.ok(v6.inputs.entries.length >= 7 && v6.inputs.entries.every((e: { cidr: string }) => e.cidr.includes(":")));
                // Security groups count 60 inbound rules per address family (VPC quotas), so IPv6 gets its own rule per port.
                const rules = res.ofType(INGRESS).filter((r) => /-ipv6$/.test(r.name));
                assert.deepEqual(rules.map((r) => r.inputs.fromPort).sort(), [443, 80]);
                for (const r of rules) assert.equal(r.inputs.prefixListId, "alicerce-lb-clients-ipv6-id");
                assert.equal(res.ofType(INGRESS).filter((r) => r.inputs.cidrIpv6 === "::/0").length, 0, "no IPv6 rule open to everyone");
            });
        }

        it("without Cloudflare's proxy (dev with a load balancer, or alicerce:cloudflareProxied false) the load balancer keeps IPv4: clients reach it directly", async () => {
            const devWithLb = new Resources((await runStack("dev", { overrides: { "alicerce:edge": "load-balancer" } })).resources);
            assert.equal(devWithLb.one(LB).inputs.ipAddressType, "ipv4");
            const unproxied = new Resources((await runStack("growth", { overrides: { "alicerce:cloudflareProxied": "false" } })).resources);
            assert.equal(unproxied.one(LB).inputs.ipAddressType, "ipv4");
            assert.equal(unproxied.ofType(PREFIX_LIST).length, 0);
            assert.equal(loadBalancerIpAddressType({ loadBalancerIpv6Only: true }, { kind: "listed", cidrs: CLOUDFLARE_IPV4 }), "ipv4");
            assert.equal(loadBalancerIpAddressType({ loadBalancerIpv6Only: false }, { kind: "cloudflare" }), "ipv4");
        });

        it("refuses IPv6-only with IPv4 ingress ranges alone (it would admit no client)", () => {
            assert.throws(
                () =>
                    new LoadBalancer("x", {
                        vpcId: "vpc-1",
                        publicSubnetIds: ["a", "b"],
                        appSecurityGroupId: "sg-1",
                        logsBucketName: "logs",
                        ingressCidrs: ["203.0.113.0/24"],
                        ipAddressType: "dualstack-without-public-ipv4",
                    }),
                /would admit no client/,
            );
        });

        it("prices it: no public IPv4 line on the load balancer ($3.65 an AZ: $7.30 growth, $10.95 prod)", async () => {
            for (const [stack, azs] of [
                ["growth", 2],
                ["prod", 3],
            ] as const) {
                const v6 = await estimate(stack);
                const v4 = await estimate(stack, { "alicerce:cloudflareProxied": "false" });
                const ipv4 = (e: typeof v6) => e.lines.filter((l) => l.type === LB && /public IPv4/.test(l.basis)).reduce((s, l) => s + l.monthlyUsd, 0);
                assert.equal(ipv4(v6), 0);
                assert.ok(Math.abs(ipv4(v4) - azs * 3.65) < 0.005, `${stack}: ${ipv4(v4)}`);
            }
        });
    });

    describe("a NAT instance instead of the NAT gateway (prod)", () => {
        it("prices it: t4g.nano, its 8 GB volume and the Elastic IP ($7.36) instead of $33.30 + $3.65", async () => {
            const instance = await estimate("prod");
            const gateway = await estimate("prod", { "alicerce:egress": "nat-single" });
            const network = (e: typeof instance) => e.lines.filter((l) => l.component === "network").reduce((s, l) => s + l.monthlyUsd, 0);
            assert.ok(Math.abs(network(instance) - (0.0042 * 730 + 8 * 0.08 + 0.005 * 730)) < 0.005, `${network(instance)}`);
            assert.ok(Math.abs(network(gateway) - (0.045 * 730 + 10 * 0.045 + 0.005 * 730)) < 0.005, `${network(gateway)}`);
            assert.ok(Math.abs(gateway.total - instance.total - (network(gateway) - network(instance))) < 0.005, "nothing else changes");
        });

        it("the plan's diagram draws it as egress, not as an app server", async () => {
            const mermaid = renderMermaid((await stackRun("prod")).resources);
            assert.match(mermaid, /nat\["1 NAT instance"\]/);
            assert.doesNotMatch(mermaid, /app_network_nat_instance/);
        });
    });

    describe("growth within its budget", () => {
        it("no AWS WAF (our users plan it for production; Cloudflare's managed rules in front), its log group kept at its URN", async () => {
            const res = await resourcesOf(stackRun("growth"));
            assert.deepEqual(res.ofType("aws:wafv2/webAcl:WebAcl"), []);
            assert.deepEqual(res.ofType("aws:wafv2/webAclAssociation:WebAclAssociation"), []);
            const logs = res.one("aws:cloudwatch/logGroup:LogGroup", "alicerce-waf-logs");
            assert.match(logs.urn, /alicerce:aws:Waf\$aws:cloudwatch\/logGroup:LogGroup::alicerce-waf-logs$/);
            assert.equal((await stackRun("growth")).outputs.wafWebAclArn, undefined);
        });

        it("the shipped growth stack is within its alicerce:budgetUsd at its stated traffic", async () => {
            const growth = await estimate("growth");
            const budget = Number((await stackRun("growth")).config["alicerce:budgetUsd"]);
            assert.ok(budget > 0 && growth.total <= budget, `growth ${growth.total} of ${budget}`);
        });
    });

    // https://aws.amazon.com/cloudwatch/pricing/: custom metrics are billed per metric-month, read or not; the
    // CloudWatch agent drops `host` when append_dimensions is set (amazon-cloudwatch-agent ec2tagger), so one
    // AutoScalingGroupName series per group is one metric, whatever the instance count.
    describe("CloudWatch metrics nothing reads are not published", () => {
        it("prod: the web pool's agent publishes only mem_used_percent per group; the workers run no agent and may not publish CWAgent", async () => {
            const res = await resourcesOf(stackRun("prod"));
            const userData = (name: string) => Buffer.from(res.one("aws:ec2/launchTemplate:LaunchTemplate", name).inputs.userData, "base64").toString("utf8");
            const config = JSON.parse(/amazon-cloudwatch-agent\.json' <<'ALICERCE_EOF'\n([\s\S]*?)\nALICERCE_EOF/.exec(userData("alicerce-app-lt"))![1]);
            assert.deepEqual(config.metrics.append_dimensions, { AutoScalingGroupName: "${aws:AutoScalingGroupName}" });
            assert.deepEqual(config.metrics.metrics_collected, { mem: { measurement: ["mem_used_percent"] } });
            assert.equal(config.metrics.aggregation_dimensions, undefined);
            // The alarm and the dashboard read exactly that series.
            const memory = res.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alicerce-monitoring-app-memory").inputs;
            assert.deepEqual([memory.namespace, memory.metricName, Object.keys(memory.dimensions)], ["CWAgent", "mem_used_percent", ["AutoScalingGroupName"]]);
            assert.ok(!userData("alicerce-workers-lt").includes("amazon-cloudwatch-agent"));
            const workerPolicy = JSON.parse(res.one("aws:iam/rolePolicy:RolePolicy", "alicerce-workers-policy").inputs.policy);
            assert.ok(!workerPolicy.Statement.some((s: { Sid: string }) => /^Agent/.test(s.Sid)));
            // No alarm or dashboard reads a worker memory series.
            assert.ok(!JSON.stringify(res.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs)).includes("alicerce-workers-asg"));
        });
    });

    // S3 replication PUTs are billed at the destination storage class's request rate; Standard-IA bills 128 KB at
    // least per object and $0.01 per 1,000 PUTs against Standard's $0.005 (https://aws.amazon.com/s3/pricing/).
    describe("second-region replicas: the storage class that costs less for what each holds", () => {
        it("prod: the assets replica is Standard (many small writes), the backups replica Standard-IA (few large ones), each priced at its class", async () => {
            const run = await stackRun("prod");
            const res = new Resources(run.resources);
            const classOf = (name: string) => res.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", name).inputs.rules[0].destination.storageClass;
            assert.equal(classOf("second-region-assets-replication"), "STANDARD");
            assert.equal(classOf("second-region-backups-replication"), "STANDARD_IA");
            const e = estimateCost(run.resources, US, assumptionsForTier("prod"));
            const basis = (name: string) => e.lines.filter((l) => l.name === name).map((l) => l.basis);
            assert.deepEqual(basis("second-region-backups"), [
                "5 GB assumed at $0.0125/GB-month (Standard-IA)",
                "requests: 10000 GET at $0.0004/thousand requests + 10000 PUT at $0.01/thousand requests",
            ]);
            // The assets replica takes the app's writes, not its reads.
            assert.match(
                basis("second-region-assets")[1],
                /^requests: 10000 GET at \$0\.0004\/thousand requests \+ 219000 PUT at \$0\.005\/thousand requests$/,
            );
        });
    });
});
