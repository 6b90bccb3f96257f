/**
 * Security guardrails: nothing reachable from the internet that need not be,
 * data that survives mistakes in prod. Mandatory by default, except the
 * public-IP note for mvp, whose egress design (no NAT gateway) needs them.
 */
import * as aws from "@pulumi/aws";
import * as digitalocean from "@pulumi/digitalocean";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { T } from "./lib/aws-types";
import { isInternetRange } from "./lib/cidr";
import { hasEdgeTag } from "./lib/tags";
import { Node, StackView, Tier, TIER_SETTING, TierConfig } from "./lib/stack";
import { bool, hasUnknown, isUnknown, plain, quoted, strings, UNKNOWN, Unknown } from "./lib/values";

/** The only ports the load balancer may open to the internet. */
const WEB_PORTS = [80, 443];

/** One ingress rule open to the internet, wherever it was declared. */
interface WorldIngress {
    readonly node: Node;
    /** How the message names it: `security group "app"`, `security group rule "http"`. */
    readonly what: string;
    readonly cidr: string;
    readonly protocol: unknown;
    readonly fromPort: unknown;
    readonly toPort: unknown;
    /** The security groups it belongs to, or UNKNOWN. */
    readonly groups: Node[] | Unknown;
}

const ALL_PROTOCOLS = ["-1", "all"];

function portText(rule: WorldIngress): string {
    if (ALL_PROTOCOLS.includes(String(rule.protocol))) return "all ports";
    return rule.fromPort === rule.toPort ? `port ${rule.fromPort}` : `ports ${rule.fromPort}-${rule.toPort}`;
}

/** EC2 reports protocols by name where it has one (`6` -> `tcp`); `-1` is every protocol. */
const PROTOCOL_NAMES: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" };
const protocolName = (p: unknown) => PROTOCOL_NAMES[String(p).toLowerCase()] ?? String(p).toLowerCase();

/**
 * Every ingress rule open to the internet. A group's `ingress` output lists,
 * once refreshed, the rules of separate rule resources as well
 * (terraform-provider-aws reads all of the group's rules back); those are
 * reported once, on the rule resource, not again on the group.
 */
function worldIngress(view: StackView): WorldIngress[] {
    const groups = view.ofType(...T.securityGroup);
    const found: WorldIngress[] = [];
    const cidrsOf = (v4: unknown, v6: unknown): string[] =>
        [v4, v6].flatMap((x) => (Array.isArray(x) ? x : [x])).filter((c): c is string => typeof c === "string" && isInternetRange(c));
    const all = (p: unknown) => ALL_PROTOCOLS.includes(protocolName(p));
    const key = (group: Node, protocol: unknown, from: unknown, to: unknown, cidr: string) =>
        all(protocol) ? `${group.urn}|-1|${cidr}` : `${group.urn}|${protocolName(protocol)}|${from}|${to}|${cidr}`;
    const separate = new Set<string>();
    for (const rule of view.ofType(...T.securityGroupIngressRule)) {
        const { cidrIpv4, cidrIpv6, ipProtocol, fromPort, toPort } = rule.props;
        const to = view.targets(rule, "securityGroupId", groups, ["id"]);
        if (isUnknown(to)) continue;
        for (const cidr of cidrsOf(cidrIpv4, cidrIpv6)) to.forEach((g) => separate.add(key(g, ipProtocol, fromPort, toPort, cidr)));
    }
    for (const rule of view.ofType(...T.securityGroupRule)) {
        const { type, cidrBlocks, ipv6CidrBlocks, protocol, fromPort, toPort } = rule.props;
        const to = view.targets(rule, "securityGroupId", groups, ["id"]);
        if (type !== "ingress" || isUnknown(to)) continue;
        for (const cidr of cidrsOf(cidrBlocks, ipv6CidrBlocks)) to.forEach((g) => separate.add(key(g, protocol, fromPort, toPort, cidr)));
    }
    for (const sg of groups) {
        const ingress = sg.props.ingress;
        if (isUnknown(ingress)) continue;
        for (const rule of ingress ?? []) {
            if (hasUnknown([rule?.protocol, rule?.fromPort, rule?.toPort])) continue;
            for (const cidr of cidrsOf(rule?.cidrBlocks, rule?.ipv6CidrBlocks)) {
                if (separate.has(key(sg, rule.protocol, rule.fromPort, rule.toPort, cidr))) continue;
                found.push({
                    node: sg,
                    what: `security group ${quoted(sg.name)}`,
                    cidr,
                    protocol: rule.protocol,
                    fromPort: rule.fromPort,
                    toPort: rule.toPort,
                    groups: [sg],
                });
            }
        }
    }
    for (const rule of view.ofType(...T.securityGroupIngressRule)) {
        const { cidrIpv4, cidrIpv6, ipProtocol, fromPort, toPort } = rule.props;
        if (hasUnknown([ipProtocol, fromPort, toPort])) continue;
        for (const cidr of cidrsOf(cidrIpv4, cidrIpv6)) {
            found.push({
                node: rule,
                what: `security group rule ${quoted(rule.name)}`,
                cidr,
                protocol: ipProtocol,
                fromPort,
                toPort,
                groups: view.targets(rule, "securityGroupId", groups, ["id"]),
            });
        }
    }
    for (const rule of view.ofType(...T.securityGroupRule)) {
        const { type, cidrBlocks, ipv6CidrBlocks, protocol, fromPort, toPort } = rule.props;
        if (type !== "ingress" || hasUnknown([protocol, fromPort, toPort])) continue;
        for (const cidr of cidrsOf(cidrBlocks, ipv6CidrBlocks)) {
            found.push({
                node: rule,
                what: `security group rule ${quoted(rule.name)}`,
                cidr,
                protocol,
                fromPort,
                toPort,
                groups: view.targets(rule, "securityGroupId", groups, ["id"]),
            });
        }
    }
    return found;
}

/** No security group accepts the internet, except the load balancer's (or, with no load balancer, the instance edge's rule on 80). */
export const securityGroupWorldIngress: StackValidationPolicy = {
    name: "security-group-world-ingress",
    description:
        "No security group accepts traffic from the internet (0.0.0.0/0, ::/0, or any IPv4 range wider than /8 or IPv6 range wider than /16), except the load balancer's on ports 80 and 443 (in a stack without a load balancer: the instance edge's rule on port 80, tagged alicerce:edge=instance).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const groups = view.ofType(...T.securityGroup);
        let lbGroups: Set<string> | Unknown = new Set<string>();
        const loadBalancers = view.ofType(...T.loadBalancer);
        for (const lb of loadBalancers) {
            const attached = view.targets(lb, "securityGroups", groups, ["id"]);
            if (isUnknown(attached)) lbGroups = UNKNOWN;
            else if (!isUnknown(lbGroups)) attached.forEach((g) => (lbGroups as Set<string>).add(g.urn));
        }
        // The instance edge: one app instance serves the internet on port 80 from its Elastic IP; only where nothing else does.
        const edgeRule = (rule: { node: { props: Record<string, any> }; protocol: unknown; fromPort: unknown; toPort: unknown }) =>
            loadBalancers.length === 0 &&
            hasEdgeTag(rule.node.props) &&
            ["tcp", "6"].includes(String(rule.protocol)) &&
            rule.fromPort === 80 &&
            rule.toPort === 80;
        for (const rule of worldIngress(view)) {
            if (edgeRule(rule)) continue;
            const web = ["tcp", "6"].includes(String(rule.protocol)) && rule.fromPort === rule.toPort && WEB_PORTS.includes(rule.fromPort as number);
            if (web) {
                if (isUnknown(lbGroups) || isUnknown(rule.groups)) continue;
                const lbSet = lbGroups;
                if (rule.groups.length > 0 && rule.groups.every((g) => lbSet.has(g.urn))) continue;
            }
            reportViolation(
                `${rule.what[0].toUpperCase()}${rule.what.slice(1)} opens ${portText(rule)} to ${rule.cidr}; only the load balancer's security group may accept the internet, and only on ports 80 and 443 (without a load balancer: the instance edge's rule, on port 80).`,
                rule.node.urn,
            );
        }
    },
};

const checkNotPublic = (kind: string) => (props: any, args: { name: string }, reportViolation: (m: string) => void) => {
    if (bool(plain(props).publiclyAccessible) === true) {
        reportViolation(`RDS ${kind} ${quoted(args.name)} is publicly accessible; set publiclyAccessible: false (the app reaches it inside the VPC).`);
    }
};

/** Databases are never reachable from the internet. */
export const rdsNotPublic: ResourceValidationPolicy = {
    name: "rds-not-public",
    description: "RDS databases are not publicly accessible.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(aws.rds.Instance, checkNotPublic("instance")),
        validateResourceOfType(aws.rds.ClusterInstance, checkNotPublic("cluster instance")),
    ],
};

const checkImdsV2 = (kind: string) => (props: any, args: { name: string }, reportViolation: (m: string) => void) => {
    const options = plain(props).metadataOptions;
    if (hasUnknown(options) || options?.httpEndpoint === "disabled" || options?.httpTokens === "required") return;
    reportViolation(
        `${kind} ${quoted(args.name)} allows IMDSv1 (metadataOptions.httpTokens is ${JSON.stringify(options?.httpTokens ?? "not set")}); set metadataOptions: { httpTokens: "required" }.`,
    );
};

/** Instances accept only session-token (v2) metadata requests, which SSRF cannot forge. */
export const imdsV2Required: ResourceValidationPolicy = {
    name: "imdsv2-required",
    description: "Instances require IMDSv2 (metadata session tokens).",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(aws.ec2.LaunchTemplate, checkImdsV2("Launch template")),
        validateResourceOfType(aws.ec2.Instance, checkImdsV2("EC2 instance")),
    ],
};

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** Every bucket has a public access block with all four settings on. */
export const s3PublicAccessBlock: StackValidationPolicy = {
    name: "s3-public-access-block",
    description: "S3 buckets block all public access.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const buckets = view.ofType(...T.bucket);
        const blocked = new Set<string>();
        for (const block of view.ofType(...T.bucketPublicAccessBlock)) {
            const to = view.targets(block, "bucket", buckets, ["bucket", "id"]);
            // Undecided until the link resolves: not a violation, and only for the buckets it may name.
            (isUnknown(to) ? view.mayTarget(block, "bucket", buckets) : to).forEach((b) => blocked.add(b.urn));
            const off = PUBLIC_ACCESS_FLAGS.filter((f) => bool(block.props[f]) !== true && !isUnknown(block.props[f]));
            if (off.length > 0) {
                reportViolation(`Public access block ${quoted(block.name)} leaves ${off.join(", ")} off; set all four to true.`, block.urn);
            }
        }
        for (const bucket of buckets.filter((b) => !blocked.has(b.urn))) {
            reportViolation(
                `S3 bucket ${quoted(bucket.name)} has no public access block; add an aws.s3.BucketPublicAccessBlock for it with all four settings true.`,
                bucket.urn,
            );
        }
    },
};

/** A way the stack gives an instance a public IPv4 address. */
interface PublicIpSource {
    readonly urn: string;
    readonly message: string;
}

/** Where instances get public IPs: launch templates that ask for one, groups and instances in subnets that assign one. */
export function publicIpSources(view: StackView): PublicIpSource[] {
    const found: PublicIpSource[] = [];
    const subnets = view.ofType(...T.subnet);
    const templates = view.ofType(...T.launchTemplate);
    const templateAssociates = (lt: Node): boolean | undefined | Unknown => {
        const nics = lt.props.networkInterfaces;
        if (hasUnknown(nics)) return UNKNOWN;
        const values = (nics ?? []).map((n: any) => bool(n?.associatePublicIpAddress)).filter((v: unknown) => v !== undefined);
        return values.includes(true) ? true : values.includes(false) ? false : undefined;
    };
    const publicSubnets = (from: Node, prop: string): Node[] | Unknown => {
        const to = view.targets(from, prop, subnets, ["id"]);
        if (isUnknown(to) || to.some((s) => isUnknown(s.props.mapPublicIpOnLaunch))) return UNKNOWN;
        return to.filter((s) => bool(s.props.mapPublicIpOnLaunch) === true);
    };
    const names = (nodes: Node[]) => nodes.map((n) => quoted(n.name)).join(", ");

    for (const lt of templates) {
        if (templateAssociates(lt) === true) {
            found.push({
                urn: lt.urn,
                message: `Launch template ${quoted(lt.name)} gives its instances a public IP (networkInterfaces associatePublicIpAddress "true")`,
            });
        }
    }
    for (const group of view.ofType(...T.autoscalingGroup)) {
        const lt = view.targets(group, "launchTemplate", templates, ["id", "name"], (v) => (isUnknown(v?.id) ? UNKNOWN : (v?.id ?? v?.name)));
        if (isUnknown(lt)) continue;
        const decided = lt.map(templateAssociates);
        if (decided.some((d) => d !== undefined)) continue;
        const open = publicSubnets(group, "vpcZoneIdentifiers");
        if (!isUnknown(open) && open.length > 0) {
            found.push({
                urn: group.urn,
                message: `Auto scaling group ${quoted(group.name)} launches into subnet${open.length > 1 ? "s" : ""} ${names(open)}, which assign${open.length > 1 ? "" : "s"} public IPs (mapPublicIpOnLaunch)`,
            });
        }
    }
    for (const instance of view.ofType(...T.instance)) {
        const associate = bool(instance.props.associatePublicIpAddress);
        if (isUnknown(associate) || associate === false) continue;
        if (associate === true) {
            found.push({ urn: instance.urn, message: `EC2 instance ${quoted(instance.name)} has a public IP (associatePublicIpAddress: true)` });
            continue;
        }
        const open = publicSubnets(instance, "subnetId");
        if (!isUnknown(open) && open.length > 0) {
            found.push({
                urn: instance.urn,
                message: `EC2 instance ${quoted(instance.name)} runs in subnet ${names(open)}, which assigns public IPs (mapPublicIpOnLaunch)`,
            });
        }
    }
    return found;
}

/**
 * Whether public instance IPs are a design choice here: a stack without a NAT
 * gateway gives its instances egress through public subnets (mvp and growth
 * by default, to save ~$33 a month per NAT gateway). Prod never is, whatever
 * its egress setting; a stack with a NAT gateway never needs them.
 */
function publicIpsByDesign(view: StackView, tier: Tier): boolean {
    return tier !== "prod" && view.ofType(...T.natGateway).length === 0;
}

/** Instances have no public IPs in prod, or wherever a NAT gateway provides egress. */
export const instancesNoPublicIp: StackValidationPolicy = {
    name: "instances-no-public-ip",
    description: "Instances have no public IP addresses in prod, or wherever a NAT gateway provides egress.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const tier = view.tier(args.getConfig<TierConfig>().tier);
        if (isUnknown(tier) || publicIpsByDesign(view, tier)) return;
        for (const source of publicIpSources(view)) {
            reportViolation(`${source.message}; in ${tier} instances stay in private subnets and reach the internet through NAT.`, source.urn);
        }
    },
};

/** Without a NAT gateway (below prod), instances have public IPs by design; reviewers still see where. */
export const instancesPublicIpWithoutNat: StackValidationPolicy = {
    name: "instances-public-ip-without-nat",
    description: "Instances with public IPs in a stack below prod without a NAT gateway (its egress design needs them).",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const tier = view.tier(args.getConfig<TierConfig>().tier);
        if (isUnknown(tier) || !publicIpsByDesign(view, tier)) return;
        for (const source of publicIpSources(view)) {
            reportViolation(
                `${source.message}: expected without a NAT gateway (egress through public subnets); keep its security group closed to the internet.`,
                source.urn,
            );
        }
    },
};

/**
 * Tiers in which internet-facing load balancers sit behind AWS WAF: production, as our users plan it (growth sits
 * behind Cloudflare's proxy and its free managed ruleset; README "Stacks and what they cost").
 */
const WAF_TIERS: readonly Tier[] = ["prod"];

/** Internet-facing application load balancers in prod have a WAF web ACL. */
export const albWaf: StackValidationPolicy = {
    name: "alb-waf",
    description: "Internet-facing application load balancers in prod have a WAF web ACL.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const tier = view.tier(args.getConfig<TierConfig>().tier);
        if (isUnknown(tier) || !WAF_TIERS.includes(tier)) return;
        const albs = view.ofType(...T.loadBalancer).filter((lb) => {
            const type = lb.props.loadBalancerType ?? "application";
            return type === "application" && bool(lb.props.internal) !== true && !isUnknown(lb.props.internal);
        });
        const protectedUrns = new Set<string>();
        for (const association of view.ofType(...T.webAclAssociation)) {
            const to = view.targets(association, "resourceArn", albs, ["arn", "id"]);
            (isUnknown(to) ? view.mayTarget(association, "resourceArn", albs) : to).forEach((lb) => protectedUrns.add(lb.urn));
        }
        for (const lb of albs.filter((a) => !protectedUrns.has(a.urn))) {
            reportViolation(
                `Internet-facing load balancer ${quoted(lb.name)} has no WAF web ACL in a ${tier} stack; associate one with an aws.wafv2.WebAclAssociation.`,
                lb.urn,
            );
        }
    },
};

/** The shortest backup retention a prod database may have, in days. */
export const PROD_MIN_BACKUP_DAYS = 14;

/** Prod databases survive an AZ failure, a mistaken delete and a bad week. */
export const prodDatabaseResilience: StackValidationPolicy = {
    name: "prod-database-resilience",
    description: `Prod databases are Multi-AZ, deletion-protected and keep backups for at least ${PROD_MIN_BACKUP_DAYS} days (read replicas: deletion protection only).`,
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        if (view.tier(args.getConfig<TierConfig>().tier) !== "prod") return;
        for (const db of view.ofType(...T.dbInstance)) {
            const { replicateSourceDb, multiAz, deletionProtection, backupRetentionPeriod } = db.props;
            const replica = replicateSourceDb !== undefined;
            const name = quoted(db.name);
            const protectedFromDelete = bool(deletionProtection);
            if (!isUnknown(protectedFromDelete) && protectedFromDelete !== true) {
                reportViolation(`Prod database ${name} can be deleted by mistake; set deletionProtection: true.`, db.urn);
            }
            if (replica) continue;
            const ha = bool(multiAz);
            if (!isUnknown(ha) && ha !== true) reportViolation(`Prod database ${name} is single-AZ; set multiAz: true.`, db.urn);
            if (!isUnknown(backupRetentionPeriod) && !(typeof backupRetentionPeriod === "number" && backupRetentionPeriod >= PROD_MIN_BACKUP_DAYS)) {
                reportViolation(
                    `Prod database ${name} keeps backups for ${backupRetentionPeriod ?? "the default"} days; set backupRetentionPeriod to at least ${PROD_MIN_BACKUP_DAYS}.`,
                    db.urn,
                );
            }
        }
    },
};

/** True if a DigitalOcean port range ("22", "1-65535", "all", unset) includes the port. */
export function portRangeIncludes(range: string | undefined, port: number): boolean {
    if (range === undefined || range === "" || range === "all" || range === "0") return true;
    const [from, to] = range.split("-").map((x) => Number(x));
    return from <= port && port <= (to ?? from);
}

/** DigitalOcean firewalls never open SSH to the internet. */
export const digitaloceanFirewallSsh: ResourceValidationPolicy = {
    name: "digitalocean-firewall-ssh",
    description: "DigitalOcean firewalls do not open SSH (22) to the internet.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(digitalocean.Firewall, (props, args, reportViolation) => {
        const rules = plain(props).inboundRules;
        if (isUnknown(rules)) return;
        for (const rule of rules ?? []) {
            if (hasUnknown([rule?.protocol, rule?.portRange])) continue;
            if (rule?.protocol !== "tcp" || !portRangeIncludes(rule?.portRange, 22)) continue;
            const sources = strings(rule?.sourceAddresses);
            if (isUnknown(sources)) continue;
            const open = sources.filter((s) => typeof s === "string" && isInternetRange(s));
            if (open.length > 0) {
                reportViolation(
                    `Firewall ${quoted(args.name)} opens SSH (port 22) to ${open.join(" and ")}; reach droplets through the DigitalOcean console or a VPN, or name a trusted address range.`,
                );
            }
        }
    }),
};
