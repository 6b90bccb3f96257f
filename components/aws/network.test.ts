import { strict as assert } from "assert";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import { Resources, runStack } from "../../offline";
import { subnetLayout } from "../shared/cidr";
import { chooseAzs, egressPlan } from "./network";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const NAT = "aws:ec2/natGateway:NatGateway";

describe("Network", () => {
    describe("egressPlan", () => {
        const cases: [Parameters<typeof egressPlan>[0], number, number, number[], boolean][] = [
            ["public-subnets", 2, 0, [], true],
            ["nat-single", 2, 1, [0, 0], false],
            ["nat-single", 3, 1, [0, 0, 0], false],
            ["nat-per-az", 2, 2, [0, 1], false],
            ["nat-per-az", 3, 3, [0, 1, 2], false],
        ];
        for (const [egress, azs, nats, natForAz, pub] of cases) {
            it(`${egress} over ${azs} AZs: ${nats} NAT gateway(s), app subnets ${pub ? "public" : "private"}`, () => {
                assert.deepEqual(egressPlan(egress, azs), { natGateways: nats, natForAz, appSubnetsArePublic: pub });
            });
        }
    });

    it("chooseAzs keeps the first AZs in name order and refuses regions with fewer than two", () => {
        assert.deepEqual(chooseAzs(["us-east-1c", "us-east-1a", "us-east-1b", "us-east-1d"], 3), ["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert.deepEqual(chooseAzs(["us-west-1a", "us-west-1c"], 3), ["us-west-1a", "us-west-1c"]);
        assert.deepEqual(chooseAzs(["a", "b", "c"], 2), chooseAzs(["a", "b", "c"], 3).slice(0, 2), "a larger tier keeps the smaller tier's AZs");
        assert.throws(() => chooseAzs(["us-east-1a"], 2), /at least 2/);
    });

    it("without pinned zones, asks only for default-opted-in AZs, skips use1-az3, and warns with the command that pins them", async () => {
        const run = await runStack("dev", { stackName: "acme-dev", overrides: { "alicerce:availabilityZones": undefined } });
        const call = run.calls.find((c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones");
        assert.ok(call);
        assert.deepEqual(run.outputs.azs, ["us-east-1a", "us-east-1b"]);
        assert.ok(
            run.logs.some(
                (l) => l.severity === "warning" && l.message.endsWith("pulumi config set --stack acme-dev alicerce:availabilityZones us-east-1a,us-east-1b"),
            ),
            "the warning gives the exact command",
        );
        assert.equal(call.inputs.state, "available");
        assert.deepEqual(call.inputs.excludeZoneIds, ["use1-az3"]);
        assert.deepEqual(call.inputs.filters, [{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
    });

    for (const [stack, azCount] of [
        ["dev", 2],
        ["growth", 2],
        ["prod", 3],
    ] as const) {
        it(`${stack}: lays subnets out from the VPC range in ${azCount} AZs`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const run = await stackRun(stack);
            const vpc = res.one("aws:ec2/vpc:Vpc");
            assert.equal(vpc.inputs.cidrBlock, "10.20.0.0/16");
            assert.equal(vpc.inputs.enableDnsHostnames, true);
            const subnets = res.ofType(SUBNET);
            const expected = subnetLayout("10.20.0.0/16", azCount);
            assert.equal(subnets.length, expected.length);
            for (const s of expected) {
                const subnet = res.one(SUBNET, `network-${s.tier}-${s.az}`);
                assert.equal(subnet.inputs.cidrBlock, s.cidr);
                assert.equal(subnet.inputs.availabilityZone, `us-east-1${"abc"[s.az]}`);
                assert.equal(subnet.inputs.mapPublicIpOnLaunch, false);
                assert.equal(subnet.inputs.vpcId, "network-vpc-id");
            }
            assert.deepEqual(run.outputs.azs, ["us-east-1a", "us-east-1b", "us-east-1c"].slice(0, azCount));
            assert.equal(run.outputs.subnetIds.isolated.length, azCount);
        });
    }

    it("dev (mvp): no NAT gateway; app subnets are the public ones; private and isolated subnets have no route out", async () => {
        const res = await resourcesOf(stackRun("dev"));
        const run = await stackRun("dev");
        assert.equal(res.ofType(NAT).length, 0);
        assert.equal(res.ofType("aws:ec2/eip:Eip").length, 0);
        const routes = res.ofType(ROUTE);
        assert.deepEqual(
            routes.map((r) => r.name),
            ["network-public-internet"],
        );
        assert.equal(routes[0].inputs.gatewayId, "network-igw-id");
        assert.equal(routes[0].inputs.routeTableId, "network-public-id");
        assert.equal(run.outputs.appSubnetsArePublic, true);
    });

    it("growth: no NAT gateway; app instances sit in the public subnets (the tier's egress)", async () => {
        const res = await resourcesOf(stackRun("growth"));
        assert.equal(res.ofType(NAT).length, 0);
        assert.equal((await stackRun("growth")).outputs.appSubnetsArePublic, true);
    });

    it("prod: one NAT gateway in the first public subnet, used by every private subnet", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const nat = res.one(NAT);
        assert.equal(nat.inputs.subnetId, "network-public-0-id");
        assert.equal(nat.inputs.allocationId, "network-nat-0-ip-id");
        assert.ok(nat.dependencies.includes(res.one("aws:ec2/internetGateway:InternetGateway").urn), "the NAT waits for the internet gateway");
        for (const i of [0, 1, 2]) {
            const route = res.one(ROUTE, `network-private-${i}-internet`);
            assert.equal(route.inputs.natGatewayId, "network-nat-0-id");
            assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
            assert.equal(route.inputs.routeTableId, `network-private-${i}-id`);
        }
        assert.equal((await stackRun("prod")).outputs.appSubnetsArePublic, false);
    });

    it("prod with alicerce:egress nat-per-az: one NAT gateway per AZ, each private subnet routing through its own AZ's", async () => {
        const res = new Resources((await runStack("prod", { overrides: { "alicerce:egress": "nat-per-az" } })).resources);
        assert.equal(res.ofType(NAT).length, 3);
        for (const i of [0, 1, 2]) {
            assert.equal(res.one(NAT, `network-nat-${i}`).inputs.subnetId, `network-public-${i}-id`);
            assert.equal(res.one(ROUTE, `network-private-${i}-internet`).inputs.natGatewayId, `network-nat-${i}-id`);
            assert.equal(res.one("aws:ec2/eip:Eip", `network-nat-${i}-ip`).inputs.domain, "vpc");
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: a free S3 gateway endpoint on the public and private route tables`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const ep = res.one("aws:ec2/vpcEndpoint:VpcEndpoint");
            assert.equal(ep.inputs.serviceName, "com.amazonaws.us-east-1.s3");
            assert.equal(ep.inputs.vpcEndpointType, "Gateway");
            const tables = res
                .ofType("aws:ec2/routeTable:RouteTable")
                .filter((t) => t.name !== "network-isolated")
                .map((t) => `${t.name}-id`);
            assert.deepEqual([...ep.inputs.routeTableIds].sort(), tables.sort());
        });
    }

    it("sends VPC flow logs to the logs bucket under flow-logs/", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const flow = res.one("aws:ec2/flowLog:FlowLog");
        const logs = res.one("aws:s3/bucket:Bucket", "storage-logs");
        assert.equal(flow.inputs.logDestinationType, "s3");
        assert.equal(flow.inputs.logDestination, `arn:aws:s3:::${logs.inputs.bucket}/flow-logs/`);
        assert.equal(flow.inputs.trafficType, "ALL");
        assert.ok(
            flow.dependencies.includes(res.one("aws:s3/bucketPolicy:BucketPolicy", "storage-logs-policy").urn),
            "flow logs start after the bucket grants delivery",
        );
    });

    it("app security group: no inbound rule of its own (the edge adds the load balancer's), all outbound; the default group has no rule at all", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const sg = res.one("aws:ec2/securityGroup:SecurityGroup", "network-app");
        assert.equal(sg.inputs.ingress, undefined);
        assert.equal(sg.inputs.egress, undefined);
        const ingress = res.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === "network-app-id");
        assert.deepEqual(
            ingress.map((r) => r.name),
            ["alicerce-lb-app-from-lb"],
            "only the load balancer reaches the app",
        );
        assert.equal(ingress[0].inputs.referencedSecurityGroupId, "alicerce-lb-sg-id");
        const egress = res.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === "network-app-id");
        assert.equal(egress.length, 1);
        assert.equal(egress[0].inputs.ipProtocol, "-1");
        assert.equal(egress[0].inputs.cidrIpv4, "0.0.0.0/0");
        const def = res.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        assert.equal(def.inputs.ingress, undefined);
        assert.equal(def.inputs.egress, undefined);
    });
});
