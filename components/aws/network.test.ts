import { strict as assert } from "assert";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import { Resources, runStack } from "../../offline";
import { replacingInputs } from "../../offline/force-new";
import { ipv6SubnetCidr, subnetIndex, subnetLayout } from "../shared/cidr";
import { spawnSync } from "child_process";
import { chooseAzs, egressPlan, natInstanceUserData } from "./network";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const NAT = "aws:ec2/natGateway:NatGateway";

describe("Network", () => {
    describe("egressPlan", () => {
        const cases: [Parameters<typeof egressPlan>[0], number, number, number[], boolean, boolean][] = [
            ["public-subnets", 2, 0, [], true, false],
            ["nat-instance", 3, 0, [], false, true],
            ["nat-single", 2, 1, [0, 0], false, false],
            ["nat-single", 3, 1, [0, 0, 0], false, false],
            ["nat-per-az", 2, 2, [0, 1], false, false],
            ["nat-per-az", 3, 3, [0, 1, 2], false, false],
        ];
        for (const [egress, azs, nats, natForAz, pub, natInstance] of cases) {
            it(`${egress} over ${azs} AZs: ${nats} NAT gateway(s)${natInstance ? ", one NAT instance" : ""}, app subnets ${pub ? "public" : "private"}`, () => {
                assert.deepEqual(egressPlan(egress, azs), { natGateways: nats, natForAz, appSubnetsArePublic: pub, natInstance });
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
        // No egress address; the one Elastic IP is the instance edge's (components/aws/origin.ts), not the network's.
        assert.deepEqual(
            res.ofType("aws:ec2/eip:Eip").map((e) => e.name),
            ["alicerce-edge-ip"],
        );
        const routes = res.ofType(ROUTE);
        assert.deepEqual(
            routes.map((r) => r.name),
            ["network-public-internet", "network-public-internet-ipv6"],
        );
        for (const route of routes) {
            assert.equal(route.inputs.gatewayId, "network-igw-id");
            assert.equal(route.inputs.routeTableId, "network-public-id");
        }
        assert.equal(run.outputs.appSubnetsArePublic, true);
    });

    // q-budget-aws: IPv6 for a load balancer without public IPv4. ELB User Guide, "IP address types for your Application
    // Load Balancer" (dualstack requirements): the VPC and the load balancer's subnets need IPv6 blocks and the route
    // tables an IPv6 route. EC2: a subnet's IPv6 block is a /64 of the VPC's /56.
    for (const stack of ["dev", "growth", "prod"]) {
        it(`${stack}: an Amazon-provided IPv6 block on the VPC, a /64 of it on each public subnet, none elsewhere`, async () => {
            const res = await resourcesOf(stackRun(stack));
            assert.equal(res.one("aws:ec2/vpc:Vpc").inputs.assignGeneratedIpv6CidrBlock, true);
            const subnets = res.ofType(SUBNET);
            const blocks = subnets.filter((s) => s.inputs.ipv6CidrBlock !== undefined);
            assert.deepEqual(
                blocks.map((s) => s.name),
                subnets.filter((s) => /public/.test(s.name)).map((s) => s.name),
            );
            for (const s of blocks) {
                assert.match(s.inputs.ipv6CidrBlock, /^2600:1f18:4a1:b2[0-9a-f]{2}::\/64$/, s.name);
                // With assign_ipv6_address_on_creation true, a change of the block would replace the subnet
                // (terraform-provider-aws internal/service/ec2/vpc_subnet.go, CustomizeDiff ForceNewIf ipv6_cidr_block).
                assert.equal(s.inputs.assignIpv6AddressOnCreation, false, s.name);
            }
            assert.equal(new Set(blocks.map((s) => s.inputs.ipv6CidrBlock)).size, blocks.length, "no two subnets share a block");
            const v6 = res.one(ROUTE, "network-public-internet-ipv6");
            assert.equal(v6.inputs.destinationIpv6CidrBlock, "::/0");
        });
    }

    it("adding IPv6 to a deployed VPC and its public subnets replaces neither (what the plan's diff and the tier-upgrade test read)", () => {
        // terraform-provider-aws internal/service/ec2/vpc_.go: assign_generated_ipv6_cidr_block has no ForceNew and
        // resourceVPCUpdate associates the block (modifyVPCIPv6CIDRBlockAssociation); vpc_subnet.go: ipv6_cidr_block and
        // assign_ipv6_address_on_creation have no ForceNew (CustomizeDiff forces one only when the old assign was true).
        assert.deepEqual(replacingInputs("aws:ec2/vpc:Vpc", ["assignGeneratedIpv6CidrBlock"]), []);
        assert.deepEqual(replacingInputs("aws:ec2/subnet:Subnet", ["ipv6CidrBlock", "assignIpv6AddressOnCreation"]), []);
        // ...while the ones that are ForceNew stay so.
        assert.deepEqual(replacingInputs("aws:ec2/vpc:Vpc", ["cidrBlock"]), ["cidrBlock"]);
        assert.deepEqual(replacingInputs("aws:ec2/subnet:Subnet", ["ipv6Native", "ipv6IpamPoolId", "cidrBlock"]), [
            "ipv6Native",
            "ipv6IpamPoolId",
            "cidrBlock",
        ]);
    });

    it("ipv6SubnetCidr: the n-th /64 of a /56, the same index as the IPv4 block, refused outside it", () => {
        assert.equal(ipv6SubnetCidr("2600:1f18:4a1:b200::/56", 0), "2600:1f18:4a1:b200::/64");
        assert.equal(ipv6SubnetCidr("2600:1f18:4a1:b200::/56", 1), "2600:1f18:4a1:b201::/64");
        assert.equal(ipv6SubnetCidr("2600:1f18:4a1:b200::/56", 255), "2600:1f18:4a1:b2ff::/64");
        assert.equal(ipv6SubnetCidr("2600:1f18:0:0::/56", 0), "2600:1f18::/64");
        assert.throws(() => ipv6SubnetCidr("2600:1f18:4a1:b200::/56", 256), /256 \/64 blocks/);
        assert.throws(() => ipv6SubnetCidr("2600:1f18:4a1:b201::/56", 0), /host bits/);
        assert.throws(() => ipv6SubnetCidr("10.0.0.0/16", 0), /not an IPv6 CIDR/);
        // Block kind * MAX_AZS + az, as for IPv4: public a..d are 0-3, private 4-7, isolated 8-11.
        assert.deepEqual(
            subnetLayout("10.20.0.0/16", 2).map((s) => subnetIndex(s)),
            [0, 1, 4, 5, 8, 9],
        );
    });

    it("growth: no NAT gateway; app instances sit in the public subnets (the tier's egress)", async () => {
        const res = await resourcesOf(stackRun("growth"));
        assert.equal(res.ofType(NAT).length, 0);
        assert.equal((await stackRun("growth")).outputs.appSubnetsArePublic, true);
    });

    // q-budget-aws: the NAT instance (prod's egress). EC2 User Guide, "NAT instances": source/destination checking off,
    // a public address, a route from the private subnets to its network interface; AL2023 forwards with nftables.
    it("prod: one NAT instance in the first public subnet, with the egress Elastic IP, used by every private subnet; no NAT gateway", async () => {
        const res = await resourcesOf(stackRun("prod"));
        assert.deepEqual(res.ofType(NAT), []);
        const nat = res.one("aws:ec2/instance:Instance", "network-nat-instance");
        assert.equal(nat.inputs.subnetId, "network-public-0-id");
        assert.equal(nat.inputs.sourceDestCheck, false);
        assert.equal(nat.inputs.instanceType, "t4g.nano");
        assert.equal(nat.inputs.metadataOptions.httpTokens, "required");
        assert.equal(nat.inputs.rootBlockDevice.encrypted, true);
        // The address partners may have allow-listed keeps its logical name (and so its URN), now on the instance.
        const eip = res.one("aws:ec2/eip:Eip", "network-nat-0-ip");
        assert.equal(eip.inputs.instance, "network-nat-instance-id");
        for (const i of [0, 1, 2]) {
            const route = res.one(ROUTE, `network-private-${i}-internet`);
            assert.equal(route.inputs.networkInterfaceId, "eni-network-nat-instance");
            assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
            assert.equal(route.inputs.natGatewayId, undefined);
        }
        // Nothing reaches it but the VPC; the isolated (database) subnets still have no route out.
        const ingress = res.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("network-nat-instance"));
        assert.deepEqual(
            ingress.map((r) => r.inputs.cidrIpv4),
            ["10.20.0.0/16"],
        );
        assert.deepEqual(
            res.ofType(ROUTE).filter((r) => /isolated/.test(r.name)),
            [],
        );
        assert.equal((await stackRun("prod")).outputs.appSubnetsArePublic, false);
    });

    it("the NAT instance's boot script is shellcheck-clean and masquerades only the VPC's range", () => {
        const script = natInstanceUserData("10.20.0.0/16");
        assert.match(script, /ip saddr 10\.20\.0\.0\/16 oifname "\$\{dev\}" masquerade/);
        assert.match(script, /net\.ipv4\.ip_forward = 1/);
        const checked = spawnSync("shellcheck", ["--shell=bash", "-"], { input: script, encoding: "utf8" });
        assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    });

    it("prod with alicerce:egress nat-single: one NAT gateway in the first public subnet, used by every private subnet", async () => {
        const res = new Resources((await runStack("prod", { overrides: { "alicerce:egress": "nat-single" } })).resources);
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
