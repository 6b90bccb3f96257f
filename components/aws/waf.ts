import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link Waf}. */
export interface WafArgs {
    /** The load balancer the web ACL protects. */
    readonly loadBalancerArn: pulumi.Input<string>;
    /**
     * Requests one client IP may make in 5 minutes before it is blocked for a while.
     * Generous for people, tight for a scraper or a credential-stuffing script.
     * @default 2000
     */
    readonly rateLimitPer5Minutes?: number;
    /**
     * The header carrying the client's IP when a proxy sits in front (Cloudflare: `CF-Connecting-IP`).
     * Behind a proxy every request comes from the proxy's addresses, so a limit per source IP would
     * block many real users at once.
     * @default undefined (the rate limit counts per source IP)
     */
    readonly clientIpHeader?: string;
    /** Days WAF logs are kept. */
    readonly logRetentionDays: number;
    /** The key that encrypts the logs (its policy must let CloudWatch Logs use it). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * The web ACL itself. False keeps only the log group (a tier without AWS WAF that a stack may have had one in:
     * its logs stay until their retention ends, and the log group keeps its URN for when the WAF comes back).
     * @default true
     */
    readonly webAcl?: boolean;
}

/** The AWS managed rule groups, in evaluation order (cheapest and most certain first). */
export const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
] as const;

/** Request headers never written to WAF logs: they carry credentials. WAF wants them lowercase. */
export const REDACTED_HEADERS = ["authorization", "cookie"] as const;

/**
 * The web ACL's rules: the managed groups (blocking as AWS ships them) and a
 * per-IP rate rule last. The common rule set's 8 KB body limit is counted,
 * not blocked: the apps post JSON and forms bigger than that, and the
 * SQL-injection and bad-input groups still inspect those bodies. With
 * `clientIpHeader`, the rate rule counts per the IP in that header.
 */
export function wafRules(rateLimitPer5Minutes: number, clientIpHeader?: string): aws.types.input.wafv2.WebAclRule[] {
    if (!Number.isInteger(rateLimitPer5Minutes) || rateLimitPer5Minutes < 10 || rateLimitPer5Minutes > 2_000_000_000) {
        throw new Error(`rateLimitPer5Minutes ${rateLimitPer5Minutes} must be a whole number from 10 to 2000000000 (WAF's range)`);
    }
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const managed: aws.types.input.wafv2.WebAclRule[] = MANAGED_RULE_GROUPS.map((group, i) => ({
        name: group,
        priority: i,
        overrideAction: { none: {} },
        statement: {
            managedRuleGroupStatement: {
                vendorName: "AWS",
                name: group,
                ruleActionOverrides: group === "AWSManagedRulesCommonRuleSet" ? [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] : undefined,
            },
        },
        visibilityConfig: visibility(group),
    }));
    return [
        ...managed,
        {
            name: "rate-limit-per-ip",
            priority: managed.length,
            action: { block: {} },
            statement: {
                rateBasedStatement:
                    clientIpHeader === undefined
                        ? { limit: rateLimitPer5Minutes, aggregateKeyType: "IP", evaluationWindowSec: 300 }
                        : {
                              limit: rateLimitPer5Minutes,
                              aggregateKeyType: "FORWARDED_IP",
                              // WAF skips the rule for a request without the header; MATCH treats a header without a valid IP as matching.
                              forwardedIpConfig: { headerName: clientIpHeader, fallbackBehavior: "MATCH" },
                              evaluationWindowSec: 300,
                          },
            },
            visibilityConfig: visibility("rate-limit-per-ip"),
        },
    ];
}

/**
 * A regional WAFv2 web ACL on the load balancer: AWS's managed rule groups
 * (IP reputation, common, known bad inputs, SQL injection) and a per-IP
 * rate limit, logging to a KMS-encrypted CloudWatch log group with the
 * credential headers redacted.
 */
export class Waf extends pulumi.ComponentResource {
    /** The web ACL's ARN; undefined when `webAcl` is false. */
    public readonly webAclArn?: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: WafArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Waf", name, {}, opts);
        const rateLimit = args.rateLimitPer5Minutes ?? 2000;
        // WAF only logs to a log group whose name starts with aws-waf-logs-.
        const logs = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { namePrefix: `aws-waf-logs-${name}-`, retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn },
            { parent: this },
        );
        this.logGroupName = logs.name;
        if (args.webAcl === false) {
            this.registerOutputs({ logGroupName: this.logGroupName });
            return;
        }

        const acl = new aws.wafv2.WebAcl(
            `${name}-acl`,
            {
                scope: "REGIONAL",
                description: "Managed rule groups and a per-IP rate limit in front of the app",
                defaultAction: { allow: {} },
                rules: wafRules(rateLimit, args.clientIpHeader),
                visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${name}-acl` },
            },
            { parent: this },
        );
        new aws.wafv2.WebAclLoggingConfiguration(
            `${name}-logging`,
            {
                resourceArn: acl.arn,
                // The provider's log group ARN has no ":*" suffix, which is the form WAF accepts.
                logDestinationConfigs: [logs.arn],
                redactedFields: REDACTED_HEADERS.map((header) => ({ singleHeader: { name: header } })),
            },
            { parent: this },
        );
        new aws.wafv2.WebAclAssociation(`${name}-on-lb`, { resourceArn: args.loadBalancerArn, webAclArn: acl.arn }, { parent: this });

        this.webAclArn = acl.arn;
        this.registerOutputs({ webAclArn: this.webAclArn, logGroupName: this.logGroupName });
    }
}
