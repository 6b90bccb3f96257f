import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** How app subnets reach the internet: their own public addresses, one NAT instance, one NAT gateway, or one NAT per AZ. */
export type Egress = "public-subnets" | "nat-instance" | "nat-single" | "nat-per-az";
import { ipv6SubnetCidr, MAX_AZS, subnetIndex, subnetLayout } from "../shared/cidr";
import { Transform, transform } from "../shared/transform";

/** How the app subnets reach the internet, as resources. */
export interface EgressPlan {
    /** NAT gateways to create (one per AZ index 0..n-1). */
    readonly natGateways: number;
    /** For each AZ, the index of the NAT gateway its private subnet routes through; empty when there is none. */
    readonly natForAz: readonly number[];
    /** App instances go in the public subnets (with a public IP and no inbound rules) instead of the private ones. */
    readonly appSubnetsArePublic: boolean;
    /** One NAT instance (in the first AZ) instead of NAT gateways: every private subnet routes through it. */
    readonly natInstance: boolean;
}

/**
 * The egress plan for a tier's egress mode over `azCount` AZs:
 * - `public-subnets` (mvp): no NAT. Instances sit in public subnets with a
 *   public IPv4 address ($3.65 a month each) and a security group with no
 *   inbound rule, reaching ECR, Secrets Manager and SSM over their public
 *   TLS endpoints. A NAT gateway costs about $33 a month; interface
 *   endpoints for the same services (ecr.api, ecr.dkr, secretsmanager, ssm,
 *   ssmmessages, ec2messages, logs) cost about $7.30 each per AZ, some $100
 *   a month over two AZs.
 * - `nat-single` (growth): one NAT gateway, in the first AZ, for all private
 *   subnets. An AZ outage takes egress with it, which the app survives for a
 *   while (it needs egress only to pull images and read secrets at start).
 * - `nat-per-az`: one NAT gateway per AZ, each private subnet routing
 *   through its own AZ's: no cross-AZ dependency and no cross-AZ data charge.
 * - `nat-instance` (prod): one small EC2 instance forwarding and masquerading
 *   for the private subnets, with the stack's egress Elastic IP: about
 *   $3.50 a month instead of $32.85 plus $0.045 per GB. A single instance:
 *   while it is down or being replaced (EC2 automatic recovery), private
 *   instances cannot start (image pulls, secrets) but keep serving; its
 *   throughput is the instance's (t4g.nano: up to 5 Gbps burst).
 */
export function egressPlan(egress: Egress, azCount: number): EgressPlan {
    switch (egress) {
        case "public-subnets":
            return { natGateways: 0, natForAz: [], appSubnetsArePublic: true, natInstance: false };
        case "nat-instance":
            return { natGateways: 0, natForAz: [], appSubnetsArePublic: false, natInstance: true };
        case "nat-single":
            return { natGateways: 1, natForAz: Array.from({ length: azCount }, () => 0), appSubnetsArePublic: false, natInstance: false };
        case "nat-per-az":
            return { natGateways: azCount, natForAz: Array.from({ length: azCount }, (_, i) => i), appSubnetsArePublic: false, natInstance: false };
    }
}

/**
 * The NAT instance's first boot (Amazon Linux 2023): IPv4 forwarding on,
 * and nftables masquerading what comes from the VPC out of the interface
 * of the default route. The package install retries until the Elastic IP
 * is attached (the instance has no other public address).
 */
export function natInstanceUserData(vpcCidr: string): string {
    return [
        "#!/bin/bash",
        "# NAT instance: forward and masquerade the VPC's outbound IPv4 traffic. Rendered by alicerce.",
        "set -euo pipefail",
        "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf",
        "sysctl --system",
        "for attempt in $(seq 1 30); do",
        "    if dnf install -y nftables; then break; fi",
        '    if [ "$attempt" -eq 30 ]; then exit 1; fi',
        "    sleep 10",
        "done",
        "dev=\"$(ip -4 route show default | awk '{ print $5; exit }')\"",
        "cat > /etc/sysconfig/nftables.conf <<EOF",
        "table ip nat {",
        "    chain postrouting {",
        "        type nat hook postrouting priority srcnat; policy accept;",
        `        ip saddr ${vpcCidr} oifname "\${dev}" masquerade`,
        "    }",
        "}",
        "EOF",
        "systemctl enable --now nftables",
        "",
    ].join("\n");
}

/**
 * Picks the AZs a stack uses: the first `wanted` of the region's AZ names
 * in order (so a tier with more AZs keeps the ones a smaller tier used).
 * Throws when the region offers fewer than two: an RDS subnet group needs two.
 */
export function chooseAzs(available: readonly string[], wanted: number): string[] {
    const names = [...available].sort();
    if (names.length < 2) throw new Error(`the region offers ${names.length} usable availability zone(s); RDS and the load balancer need at least 2`);
    return names.slice(0, Math.min(wanted, names.length, MAX_AZS));
}

/**
 * The warning for a stack that has not pinned its zones, with the command
 * that pins the ones it uses now. Unpinned, the zones follow the live list:
 * if an earlier zone leaves it (an AWS event), every subnet after it moves
 * zone, and a subnet's zone forces its replacement.
 */
export function unpinnedZonesWarning(azs: readonly string[], stack: string): string {
    return `no alicerce:availabilityZones: the subnets' zones come from the zones AWS lists as available today (${azs.join(", ")}); if one leaves that list, subnets move and are replaced with the database and instances in them; pin them: pulumi config set --stack ${stack} alicerce:availabilityZones ${azs.join(",")}`;
}

/** The zones of a region as EC2 DescribeAvailabilityZones lists them for this account: names and their zone ids, in the same order. */
export interface ZoneList {
    readonly names: readonly string[];
    readonly zoneIds: readonly string[];
}

/**
 * Checks pinned zone names against this account's zones (names map to
 * different physical zones per account): `usable` lists the zones that exist
 * and are opted in, whatever their state; `available` those whose state is
 * `available` now. A pinned name that is not usable, or that maps to an
 * excluded zone id, is a problem (house format); one that is usable but not
 * available now only gets a warning: the subnets stay where they are.
 */
export function checkPinnedZones(
    pinned: readonly string[],
    usable: ZoneList,
    available: readonly string[],
    excludedZoneIds: readonly string[],
    region: string,
): { problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const shown = `alicerce:availabilityZones: ${JSON.stringify(pinned.join(","))}`;
    const allowed = usable.names.filter((_n, i) => !excludedZoneIds.includes(usable.zoneIds[i]));
    const use = `use zones of ${allowed.join(", ")} (\`aws ec2 describe-availability-zones --region ${region}\`)`;
    for (const name of pinned) {
        const at = usable.names.indexOf(name);
        if (at < 0) {
            problems.push(`${shown} lists ${name}, which this account does not have in ${region} or has not opted in to; ${use}`);
        } else if (excludedZoneIds.includes(usable.zoneIds[at])) {
            problems.push(
                `${shown} lists ${name}, which is zone ${usable.zoneIds[at]} in this account, a zone without the app servers' instance types (no Graviton); ${use}`,
            );
        } else if (!available.includes(name)) {
            warnings.push(
                `alicerce:availabilityZones: ${name} (${usable.zoneIds[at]}) is not reported available now; its subnets stay where they are (a subnet's zone never changes), but launches there may fail until AWS restores it`,
            );
        }
    }
    return { problems, warnings };
}

/** The children a {@link Transform} may change. */
export interface NetworkTransform {
    readonly vpc?: Transform<aws.ec2.VpcArgs>;
    readonly appSecurityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
}

/** Arguments of {@link Network}. */
export interface NetworkArgs {
    /** The VPC's IPv4 range (/16 to /20). Permanent: changing it replaces the VPC and everything in it. */
    readonly vpcCidr: string;
    /** The AZ names to use, in order (pinned in config, or {@link chooseAzs}). Adding one at the end adds subnets; none may ever move. */
    readonly azs: readonly string[];
    /** How app instances reach the internet (see {@link egressPlan} for the cost of each). */
    readonly egress: Egress;
    /** The stack's region, for the S3 gateway endpoint's service name. */
    readonly region: string;
    /**
     * The NAT instance of egress `nat-instance`: an Amazon Linux 2023 image and an instance type of the same
     * architecture (t4g.nano on arm64). Required with that egress, ignored otherwise.
     */
    readonly natInstance?: { readonly amiId: pulumi.Input<string>; readonly instanceType: string };
    /**
     * Where VPC flow logs go: an S3 ARN with prefix, `arn:aws:s3:::logs-bucket/flow-logs/`.
     * Flow logs to S3 cost $0.25 per GB delivered; omit to turn them off.
     */
    readonly flowLogsDestination?: pulumi.Input<string>;
    /**
     * Which flow log records are kept: `ALL`, `ACCEPT` or `REJECT`.
     * @default "ALL"
     */
    readonly flowLogsTrafficType?: "ALL" | "ACCEPT" | "REJECT";
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: NetworkTransform;
}

/**
 * The VPC: public, private (app) and isolated (database) subnets in each
 * AZ, with CIDRs cut from the VPC range by `subnetLayout`; an internet
 * gateway; NAT gateways per the tier's egress mode; a free S3 gateway
 * endpoint; VPC flow logs to S3; the default security group stripped of all
 * rules; and an app security group with no inbound rule (the edge adds the
 * load balancer's) and open egress.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    /** The VPC's range, as given. */
    public readonly vpcCidr: string;
    /** The AZ names used, in order. */
    public readonly azs: string[];
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly isolatedSubnetIds: pulumi.Output<string>[];
    /** Where app instances go: the public subnets when egress is `public-subnets`, else the private ones. */
    public readonly appSubnetIds: pulumi.Output<string>[];
    /** True when {@link appSubnetIds} are public: instances then need a public IPv4 address to reach AWS APIs. */
    public readonly appSubnetsArePublic: boolean;
    /** The app instances' security group: no inbound rule, all outbound. */
    public readonly appSecurityGroupId: pulumi.Output<string>;
    /** NAT gateway ids (none at mvp). */
    public readonly natGatewayIds: pulumi.Output<string>[];

    constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Network", name, {}, opts);
        const t = args.transform ?? {};
        const child = { parent: this };
        const azs = [...args.azs];
        const layout = subnetLayout(args.vpcCidr, azs.length);
        const plan = egressPlan(args.egress, azs.length);

        // An Amazon-provided IPv6 /56 (free): the load balancer can then face Cloudflare over IPv6 alone. Added in place to a
        // deployed VPC: assign_generated_ipv6_cidr_block is not ForceNew (terraform-provider-aws internal/service/ec2/vpc_.go,
        // resourceVPCUpdate -> modifyVPCIPv6CIDRBlockAssociation).
        const vpc = new aws.ec2.Vpc(
            ...transform(
                t.vpc,
                `${name}-vpc`,
                { cidrBlock: args.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, assignGeneratedIpv6CidrBlock: true, tags: { Name: name } },
                child,
            ),
        );
        // No rules: anything left in the default group by mistake gets no traffic (CIS AWS 5.4).
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: { Name: `${name}-default-locked` } }, child);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, child);

        const subnets = (tier: "public" | "private" | "isolated") =>
            layout
                .filter((s) => s.tier === tier)
                .map(
                    (s) =>
                        new aws.ec2.Subnet(
                            `${name}-${tier}-${s.az}`,
                            {
                                vpcId: vpc.id,
                                cidrBlock: s.cidr,
                                availabilityZone: azs[s.az],
                                // Instances that need a public address ask for one in their launch template.
                                mapPublicIpOnLaunch: false,
                                // Public subnets get a /64 of the VPC's block (the load balancer's IPv6 addresses). Nothing is given
                                // an IPv6 address on creation: with assign_ipv6_address_on_creation true, a later change of the block
                                // would replace the subnet (terraform-provider-aws internal/service/ec2/vpc_subnet.go, CustomizeDiff).
                                ...(tier === "public"
                                    ? {
                                          ipv6CidrBlock: vpc.ipv6CidrBlock.apply((block) => ipv6SubnetCidr(block, subnetIndex(s))),
                                          assignIpv6AddressOnCreation: false,
                                      }
                                    : {}),
                                tags: { Name: `${name}-${tier}-${azs[s.az]}`, Subnet: tier },
                            },
                            child,
                        ),
                );
        const publicSubnets = subnets("public");
        const privateSubnets = subnets("private");
        const isolatedSubnets = subnets("isolated");

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, child);
        new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, child);
        // The load balancer subnets' route tables must route IPv6 (ELB: "Dualstack requirements").
        new aws.ec2.Route(`${name}-public-internet-ipv6`, { routeTableId: publicRoutes.id, destinationIpv6CidrBlock: "::/0", gatewayId: igw.id }, child);
        publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { routeTableId: publicRoutes.id, subnetId: s.id }, child));

        const nats = Array.from({ length: plan.natGateways }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}-ip`, { domain: "vpc", tags: { Name: `${name}-nat-${azs[i]}` } }, child);
            // AWS: a NAT gateway needs the internet gateway attached first.
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, connectivityType: "public", tags: { Name: `${name}-nat-${azs[i]}` } },
                { parent: this, dependsOn: [igw] },
            );
        });

        // egress nat-instance: one small instance forwards for the private subnets, with the NAT gateway's Elastic IP (same
        // logical name: the stack's egress address stays the one partners may have allow-listed).
        let natInterfaceId: pulumi.Output<string> | undefined;
        if (plan.natInstance) {
            if (args.natInstance === undefined) throw new Error(`${name}: egress nat-instance needs natInstance (an AMI and an instance type)`);
            const natSg = new aws.ec2.SecurityGroup(
                `${name}-nat-instance`,
                {
                    vpcId: vpc.id,
                    description: "NAT instance: forwards outbound traffic of the private subnets; nothing else in",
                    tags: { Name: `${name}-nat` },
                },
                child,
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-nat-instance-in`,
                { securityGroupId: natSg.id, ipProtocol: "-1", cidrIpv4: args.vpcCidr, description: "outbound traffic of the VPC to forward" },
                child,
            );
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-nat-instance-out`,
                { securityGroupId: natSg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "the internet, on behalf of the private subnets" },
                child,
            );
            const natInstance = new aws.ec2.Instance(
                `${name}-nat-instance`,
                {
                    ami: args.natInstance.amiId,
                    instanceType: args.natInstance.instanceType,
                    subnetId: publicSubnets[0].id,
                    vpcSecurityGroupIds: [natSg.id],
                    // A NAT forwards packets that are neither from nor to itself (EC2 User Guide, "NAT instances").
                    sourceDestCheck: false,
                    // Its egress address is the Elastic IP below; until it is attached the boot script retries.
                    associatePublicIpAddress: false,
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
                    rootBlockDevice: { volumeType: "gp3", volumeSize: 8, encrypted: true, deleteOnTermination: true },
                    // EC2 simplified automatic recovery (on by default for EBS-only instances) moves it to healthy hardware.
                    maintenanceOptions: { autoRecovery: "default" },
                    userData: natInstanceUserData(args.vpcCidr),
                    userDataReplaceOnChange: true,
                    tags: { Name: `${name}-nat` },
                },
                child,
            );
            new aws.ec2.Eip(`${name}-nat-0-ip`, { domain: "vpc", instance: natInstance.id, tags: { Name: `${name}-nat-${azs[0]}` } }, child);
            natInterfaceId = natInstance.primaryNetworkInterfaceId;
        }

        // One route table per AZ whatever the egress, so moving from one NAT to one per AZ only retargets routes.
        const privateRoutes = privateSubnets.map((s, i) => {
            const table = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, tags: { Name: `${name}-private-${azs[i]}` } }, child);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { routeTableId: table.id, subnetId: s.id }, child);
            if (plan.natForAz.length > 0) {
                new aws.ec2.Route(
                    `${name}-private-${i}-internet`,
                    { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nats[plan.natForAz[i]].id },
                    child,
                );
            } else if (natInterfaceId !== undefined) {
                new aws.ec2.Route(
                    `${name}-private-${i}-internet`,
                    { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: natInterfaceId },
                    child,
                );
            }
            return table;
        });

        // Isolated subnets: local routes only, so the database has no path to or from the internet.
        const isolatedRoutes = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId: vpc.id, tags: { Name: `${name}-isolated` } }, child);
        isolatedSubnets.forEach(
            (s, i) => new aws.ec2.RouteTableAssociation(`${name}-isolated-${i}`, { routeTableId: isolatedRoutes.id, subnetId: s.id }, child),
        );

        // Gateway endpoints are free: S3 traffic (images layers from ECR live in S3, uploads, backups) skips the NAT's $0.045/GB.
        new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [publicRoutes.id, ...privateRoutes.map((t) => t.id)],
                tags: { Name: `${name}-s3` },
            },
            child,
        );

        if (args.flowLogsDestination !== undefined) {
            new aws.ec2.FlowLog(
                `${name}-flow-logs`,
                {
                    vpcId: vpc.id,
                    trafficType: args.flowLogsTrafficType ?? "ALL",
                    logDestinationType: "s3",
                    logDestination: args.flowLogsDestination,
                    maxAggregationInterval: 600,
                    tags: { Name: `${name}-flow-logs` },
                },
                child,
            );
        }

        const appSg = new aws.ec2.SecurityGroup(
            ...transform(
                t.appSecurityGroup,
                `${name}-app`,
                { vpcId: vpc.id, description: "App instances: inbound only from the load balancer (rules added by the edge)", tags: { Name: `${name}-app` } },
                child,
            ),
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-app-egress`,
            { securityGroupId: appSg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "AWS APIs, image pulls, OS updates, the database" },
            child,
        );

        this.vpcId = vpc.id;
        this.vpcCidr = args.vpcCidr;
        this.azs = azs;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
        this.appSubnetsArePublic = plan.appSubnetsArePublic;
        this.appSubnetIds = plan.appSubnetsArePublic ? this.publicSubnetIds : this.privateSubnetIds;
        this.appSecurityGroupId = appSg.id;
        this.natGatewayIds = nats.map((n) => n.id);
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            azs: this.azs,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            appSubnetIds: this.appSubnetIds,
            appSubnetsArePublic: this.appSubnetsArePublic,
            appSecurityGroupId: this.appSecurityGroupId,
            natGatewayIds: this.natGatewayIds,
        });
    }
}
