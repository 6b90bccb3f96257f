import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_PATH } from "../shared/app-contract";
import { Transform, transform } from "../shared/transform";

/**
 * The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret
 * AEAD ciphers only, and post-quantum hybrid key exchange (the console's
 * default since 2025-09). Cloudflare and every current browser speak it.
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/** The app's health check path (the container contract). */
export const HEALTH_CHECK_PATH = HEALTH_PATH;

/**
 * A security group takes 60 inbound rules; a rule naming a prefix list
 * counts as its max entries. Two ports x 30 entries fill the group exactly.
 */
export const MAX_INGRESS_ENTRIES = 30;

/**
 * What EC2 accepts in a security group's name and description and in a
 * rule's description (CreateSecurityGroup, IpRange/UserIdGroupPair/
 * PrefixListId Description): up to 255 of a-z, A-Z, 0-9, spaces and
 * `._-:/()#,@[]+=&;{}!$*`. Anything else (an apostrophe) fails the call,
 * and a group's description forces replacement.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
 */
export const EC2_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

/** Throws unless EC2 accepts `text` as a security group or rule description ({@link EC2_TEXT}). */
export function ec2Text(text: string, what: string): string {
    if (!EC2_TEXT.test(text)) {
        throw new Error(`${what} ${JSON.stringify(text)} is not accepted by EC2; use at most 255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*`);
    }
    return text;
}

/** The children a {@link Transform} may change. */
export interface LoadBalancerTransform {
    readonly loadBalancer?: Transform<aws.lb.LoadBalancerArgs>;
    readonly targetGroup?: Transform<aws.lb.TargetGroupArgs>;
    readonly securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
}

/** Arguments of {@link LoadBalancer}. */
export interface LoadBalancerArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets in at least two AZs (an ALB refuses fewer). */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The app instances' security group: this component adds the one ingress rule it gets (from the load balancer). */
    readonly appSecurityGroupId: pulumi.Input<string>;
    /**
     * The port the instances serve on.
     * @default 8080
     */
    readonly appPort?: number;
    /**
     * The path the target group's health check probes (`alicerce:appHealthPath`).
     * @default "/healthz" (app-image/)
     */
    readonly healthPath?: string;
    /**
     * Who may connect on 80/443: IPv4 ranges, kept in a managed prefix list
     * (updated in place when they change). Undefined admits everyone.
     * @default undefined (0.0.0.0/0)
     */
    readonly ingressCidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The addresses the load balancer faces the internet with: `ipv4`, or `dualstack-without-public-ipv4` (public
     * IPv6 only, no public IPv4 address at $3.65 a month per AZ; for a load balancer that only Cloudflare's proxy
     * reaches, which connects to origins over IPv6). The VPC and the subnets need IPv6 blocks and an IPv6 route
     * (ELB User Guide, "IP address types for your Application Load Balancer"). Changed in place (SetIpAddressType;
     * ip_address_type is not ForceNew in terraform-provider-aws internal/service/elbv2/load_balancer.go).
     * @default "ipv4"
     */
    readonly ipAddressType?: LoadBalancerIpAddressType;
    /**
     * IPv6 ranges admitted on 80/443 when the load balancer has IPv6 addresses, kept in their own prefix list.
     * Required with `ingressCidrs` and `dualstack-without-public-ipv4`; undefined otherwise admits every IPv6 client.
     */
    readonly ingressIpv6Cidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /** What the ranges are, for the prefix list's entries and the rules' descriptions ("Cloudflare", "office"; EC2's character set, {@link EC2_TEXT}). */
    readonly ingressDescription?: string;
    /**
     * A certificate for HTTPS. Without one the load balancer serves plain
     * HTTP (allowed below prod; the plan warns).
     */
    readonly certificate?: {
        readonly arn: pulumi.Input<string>;
        /** The validation records' names once they exist (Cloudflare); without them `up` waits for records created by hand. */
        readonly validationRecordFqdns?: pulumi.Input<pulumi.Input<string>[]>;
    };
    /**
     * Routing by host: when set, only these names (wildcards allowed:
     * `*.clinics.example.com`) are forwarded to the app, through listener
     * rules; any other Host gets a 404 from the load balancer.
     * @default undefined (every request goes to the app)
     */
    readonly appHosts?: readonly string[];
    /** The bucket for access logs (its policy must already allow ELB log delivery under `alb/`). */
    readonly logsBucketName: pulumi.Input<string>;
    /**
     * Refuse deletion of the load balancer (console or `pulumi destroy`).
     * @default false
     */
    readonly deletionProtection?: boolean;
    /**
     * Seconds a deregistering instance keeps its in-flight requests. The app
     * drains in 25 s on SIGTERM, so 30 s lets it finish before the target is gone.
     * @default 30
     */
    readonly deregistrationDelaySeconds?: number;
    /**
     * Seconds an idle client connection stays open.
     * @default 60
     */
    readonly idleTimeoutSeconds?: number;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: LoadBalancerTransform;
}

/**
 * The IP address types an internet-facing ALB takes (ELB API SetIpAddressType: ipv4 | dualstack |
 * dualstack-without-public-ipv4; internal load balancers must use ipv4). `dualstack` is not offered: it keeps
 * the public IPv4 addresses, so it costs the same and admits more.
 */
export const LOAD_BALANCER_IP_ADDRESS_TYPES = ["ipv4", "dualstack-without-public-ipv4"] as const;
/** An IP address type of {@link LOAD_BALANCER_IP_ADDRESS_TYPES}. */
export type LoadBalancerIpAddressType = (typeof LOAD_BALANCER_IP_ADDRESS_TYPES)[number];

/** The args with their defaults. */
export function withDefaults(args: LoadBalancerArgs) {
    if (args.ipAddressType === "dualstack-without-public-ipv4" && args.ingressCidrs !== undefined && args.ingressIpv6Cidrs === undefined) {
        throw new Error("LoadBalancer: dualstack-without-public-ipv4 with IPv4 ingress ranges only would admit no client; give ingressIpv6Cidrs too");
    }
    return {
        ...args,
        ipAddressType: args.ipAddressType ?? "ipv4",
        appPort: args.appPort ?? 8080,
        ingressDescription: args.ingressDescription ?? "allowed clients",
        deletionProtection: args.deletionProtection ?? false,
        deregistrationDelaySeconds: args.deregistrationDelaySeconds ?? 30,
        idleTimeoutSeconds: args.idleTimeoutSeconds ?? 60,
    };
}

/**
 * A managed prefix list of the clients an edge admits (at most {@link MAX_INGRESS_ENTRIES}, each once, sorted, so
 * a reordered list is no change), updated in place when the ranges change. `what` names the edge in the error.
 */
export function clientPrefixList(
    name: string,
    family: "IPv4" | "IPv6",
    cidrs: pulumi.Input<pulumi.Input<string>[]>,
    description: string,
    what: string,
    parent: pulumi.Resource,
): aws.ec2.ManagedPrefixList {
    return new aws.ec2.ManagedPrefixList(
        name,
        {
            addressFamily: family,
            maxEntries: MAX_INGRESS_ENTRIES,
            entries: pulumi.output(cidrs).apply((list) => {
                if (list.length > MAX_INGRESS_ENTRIES)
                    throw new Error(`${list.length} ${family === "IPv6" ? "IPv6 " : ""}ingress ranges; ${what} takes at most ${MAX_INGRESS_ENTRIES}`);
                return [...new Set(list)].sort().map((cidr) => ({ cidr, description }));
            }),
        },
        { parent },
    );
}

/** The ports the load balancer listens on: 443 only exists with a certificate. */
export function listenerPorts(https: boolean): number[] {
    return https ? [80, 443] : [80];
}

/**
 * An internet-facing Application Load Balancer in front of the app: its own
 * security group (80/443 in, from everyone or from listed ranges; out only
 * to the app's port), an HTTPS listener with a current TLS policy and the
 * HTTP listener only redirecting to it (or, with no certificate, HTTP
 * serving directly), a target group checking `/healthz`, access logs to
 * the logs bucket, and invalid header fields dropped.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    /** For CloudWatch dimensions (`app/<name>/<id>`). */
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly dnsName: pulumi.Output<string>;
    public readonly zoneId: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly targetGroupArn: pulumi.Output<string>;
    /** For CloudWatch dimensions (`targetgroup/<name>/<id>`). */
    public readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The listener that forwards to the app (HTTPS, or HTTP without a certificate). */
    public readonly listenerArn: pulumi.Output<string>;
    /** True when the load balancer serves HTTPS. */
    public readonly https: boolean;

    constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:LoadBalancer", name, {}, opts);
        const t = args.transform ?? {};
        const a = withDefaults(args);
        ec2Text(a.ingressDescription, "LoadBalancer ingressDescription");
        this.https = a.certificate !== undefined;

        const sg = new aws.ec2.SecurityGroup(
            ...transform(
                t.securityGroup,
                `${name}-sg`,
                { vpcId: a.vpcId, description: "Load balancer: HTTP and HTTPS in, the app port out", revokeRulesOnDelete: true },
                { parent: this },
            ),
        );
        const prefixList =
            a.ingressCidrs === undefined
                ? undefined
                : clientPrefixList(`${name}-clients`, "IPv4", a.ingressCidrs, a.ingressDescription, "the load balancer", this);
        const ipv6 = a.ipAddressType !== "ipv4";
        const prefixListIpv6 =
            ipv6 && a.ingressIpv6Cidrs !== undefined
                ? clientPrefixList(`${name}-clients-ipv6`, "IPv6", a.ingressIpv6Cidrs, a.ingressDescription, "the load balancer", this)
                : undefined;
        for (const port of listenerPorts(this.https)) {
            // EC2 counts a security group's 60 inbound rules per address family, so the IPv6 list fills its own 60.
            if (ipv6) {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}-ipv6`,
                    {
                        securityGroupId: sg.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        ...(prefixListIpv6 ? { prefixListId: prefixListIpv6.id } : { cidrIpv6: "::/0" }),
                        description: `${port === 443 ? "HTTPS" : "HTTP"} over IPv6 from ${prefixListIpv6 ? a.ingressDescription : "anyone"}`,
                    },
                    { parent: this },
                );
            }
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-in-${port}`,
                {
                    securityGroupId: sg.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    ...(prefixList ? { prefixListId: prefixList.id } : { cidrIpv4: "0.0.0.0/0" }),
                    description: `${port === 443 ? "HTTPS" : "HTTP"} from ${prefixList ? a.ingressDescription : "anyone"}`,
                },
                { parent: this },
            );
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-out-app`,
            {
                securityGroupId: sg.id,
                ipProtocol: "tcp",
                fromPort: a.appPort,
                toPort: a.appPort,
                referencedSecurityGroupId: a.appSecurityGroupId,
                description: "to the app instances",
            },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-app-from-lb`,
            {
                securityGroupId: a.appSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: a.appPort,
                toPort: a.appPort,
                referencedSecurityGroupId: sg.id,
                description: "from the load balancer",
            },
            { parent: this },
        );

        const lb = new aws.lb.LoadBalancer(
            ...transform(
                t.loadBalancer,
                `${name}-alb`,
                {
                    loadBalancerType: "application",
                    internal: false,
                    ipAddressType: a.ipAddressType,
                    subnets: a.publicSubnetIds,
                    securityGroups: [sg.id],
                    dropInvalidHeaderFields: true,
                    desyncMitigationMode: "defensive",
                    enableDeletionProtection: a.deletionProtection,
                    idleTimeout: a.idleTimeoutSeconds,
                    // ALB access logs accept SSE-S3 buckets only (not SSE-KMS); the logs bucket is made that way.
                    accessLogs: { bucket: a.logsBucketName, prefix: "alb", enabled: true },
                },
                { parent: this },
            ),
        );

        const tg = new aws.lb.TargetGroup(
            ...transform(
                t.targetGroup,
                `${name}-app`,
                {
                    vpcId: a.vpcId,
                    port: a.appPort,
                    protocol: "HTTP",
                    protocolVersion: "HTTP1",
                    targetType: "instance",
                    deregistrationDelay: a.deregistrationDelaySeconds,
                    healthCheck: {
                        enabled: true,
                        path: args.healthPath ?? HEALTH_CHECK_PATH,
                        port: "traffic-port",
                        protocol: "HTTP",
                        matcher: "200",
                        interval: 15,
                        timeout: 5,
                        healthyThreshold: 2,
                        unhealthyThreshold: 3,
                    },
                },
                { parent: this },
            ),
        );
        const forward = [{ type: "forward", targetGroupArn: tg.arn }];
        const byHost = a.appHosts !== undefined && a.appHosts.length > 0;
        const notServed = [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", messageBody: "not found", statusCode: "404" } }];

        let listener: aws.lb.Listener;
        if (a.certificate) {
            // The listener must not use the certificate before ACM has issued it.
            const validation = new aws.acm.CertificateValidation(
                `${name}-cert-issued`,
                { certificateArn: a.certificate.arn, validationRecordFqdns: a.certificate.validationRecordFqdns },
                { parent: this },
            );
            listener = new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: lb.arn,
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy: TLS_POLICY,
                    certificateArn: validation.certificateArn,
                    defaultActions: byHost ? notServed : forward,
                },
                { parent: this },
            );
            if (byHost) {
                hostRuleGroups(a.appHosts!).forEach((values, i) => {
                    new aws.lb.ListenerRule(
                        `${name}-hosts-${i + 1}`,
                        {
                            listenerArn: listener.arn,
                            priority: HOST_RULE_FIRST_PRIORITY + i,
                            conditions: [{ hostHeader: { values } }],
                            actions: forward,
                        },
                        { parent: this },
                    );
                });
            }
            new aws.lb.Listener(
                `${name}-http`,
                {
                    loadBalancerArn: lb.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                },
                { parent: this },
            );
        } else {
            listener = new aws.lb.Listener(`${name}-http`, { loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: forward }, { parent: this });
        }

        this.arn = lb.arn;
        this.arnSuffix = lb.arnSuffix;
        this.dnsName = lb.dnsName;
        this.zoneId = lb.zoneId;
        this.securityGroupId = sg.id;
        this.targetGroupArn = tg.arn;
        this.targetGroupArnSuffix = tg.arnSuffix;
        this.listenerArn = listener.arn;
        this.registerOutputs({
            arn: this.arn,
            arnSuffix: this.arnSuffix,
            dnsName: this.dnsName,
            zoneId: this.zoneId,
            securityGroupId: this.securityGroupId,
            targetGroupArn: this.targetGroupArn,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
            listenerArn: this.listenerArn,
        });
    }
}

/** The first listener-rule priority of the host rules (1-50000; lower wins). */
export const HOST_RULE_FIRST_PRIORITY = 100;
/** ALB quota: 5 condition values per rule, wildcards included (ELB User Guide, "Quotas for your Application Load Balancers"). */
export const MAX_CONDITION_VALUES_PER_RULE = 5;

/** The host names split into listener rules of at most 5 values, in order. */
export function hostRuleGroups(hosts: readonly string[]): string[][] {
    const groups: string[][] = [];
    for (let i = 0; i < hosts.length; i += MAX_CONDITION_VALUES_PER_RULE) groups.push(hosts.slice(i, i + MAX_CONDITION_VALUES_PER_RULE));
    return groups;
}
