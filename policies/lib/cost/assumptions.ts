import type { UsageAssumptions } from "./types";

/**
 * The usage volumes the estimate assumes for items priced by use, sized for
 * our users' apps (a few thousand requests an hour, a few GB of data). Every
 * report states them; a team with other volumes passes its own.
 */
export const DEFAULT_ASSUMPTIONS: UsageAssumptions = {
    albLcuPerHour: 1,
    natGbPerGatewayMonth: 10,
    wafMillionRequestsMonth: 2,
    s3GbPerBucket: 5,
    logGbPerGroupMonth: 1,
    rdsUpgradeLogGbMonth: 0.01,
    ecrGbPerRepository: 1,
    endpointGbMonth: 1,
    rdsEnhancedMonitoringGbMonthAt60s: 0.05,
    s3ReplicatedGbPerBucketMonth: 1,
    requestsPerMinute: 0,
    originKbPerRequest: 5,
    s3ReadShare: 0.05,
    s3WriteShare: 0.005,
    logBytesPerRequest: 200,
    kmsRequestsPerKeyMonth: 20_000,
    secretCallsPerSecretMonth: 10_000,
    scaledOutTrafficFactor: 3,
    // --- CDN (p-app-hosts) ---
    cdnGbOutMonth: 50,
    cdnMillionRequestsMonth: 5,
};

/**
 * The traffic each tier is sized for, in requests a minute on average: our
 * users' production target is 1,000; growth and mvp are the steps before it.
 */
export const TIER_TRAFFIC_RPM: Readonly<Record<string, number>> = { mvp: 100, growth: 300, prod: 1000 };

/** Minutes in the month the traffic runs (730 h × 60). */
const MINUTES_PER_MONTH = 730 * 60;

/** Requests a month at a rate in requests a minute. */
export function requestsPerMonth(rpm: number): number {
    return rpm * MINUTES_PER_MONTH;
}

/**
 * ALB capacity units at a traffic, the highest of the four dimensions
 * (https://aws.amazon.com/elasticloadbalancing/pricing/: 25 new connections/s,
 * 3,000 active connections/min, 1 GB/h processed for EC2 targets, 1,000 rule
 * evaluations/s). One new connection per request is assumed (no keep-alive
 * reuse: the conservative case), one rule evaluation per request.
 */
export function albLcuAt(rpm: number, kbPerRequest: number): number {
    const perSecond = rpm / 60;
    const newConnections = perSecond / 25;
    const activeConnections = rpm / 3000;
    const gbPerHour = (rpm * 60 * kbPerRequest) / 1e6;
    const rules = perSecond / 1000;
    return Math.max(newConnections, activeConnections, gbPerHour, rules);
}

/** The assumptions for a tier's stated traffic (`DEFAULT_ASSUMPTIONS` otherwise, for an unknown tier). */
export function assumptionsForTier(tier: string | undefined, base: UsageAssumptions = DEFAULT_ASSUMPTIONS): UsageAssumptions {
    const rpm = tier !== undefined ? TIER_TRAFFIC_RPM[tier] : undefined;
    if (rpm === undefined) return base;
    return {
        ...base,
        requestsPerMinute: rpm,
        albLcuPerHour: +albLcuAt(rpm, base.originKbPerRequest).toFixed(3),
        wafMillionRequestsMonth: +(requestsPerMonth(rpm) / 1e6).toFixed(2),
    };
}

/** The assumptions as sentences for the report, one line each. */
export function describeAssumptions(a: UsageAssumptions): string[] {
    const monthly = requestsPerMonth(a.requestsPerMinute);
    return [
        `traffic: ${a.requestsPerMinute} requests a minute on average (${+(monthly / 1e6).toFixed(2)} million a month); scaled out: × ${a.scaledOutTrafficFactor}; minimum: idle`,
        `${a.originKbPerRequest} KB leaves the origin per request (${+((monthly * a.originKbPerRequest) / 1e6).toFixed(1)} GB a month of data transfer out); static assets come from the CDN's cache`,
        `${a.albLcuPerHour} load balancer capacity unit (LCU) per hour on average (one new connection per request)`,
        `${a.s3ReadShare * 100}% of requests read an S3 object and ${a.s3WriteShare * 100}% write one, in the app's assets bucket; other buckets: 10,000 of each a month`,
        `${a.logBytesPerRequest} bytes of application log per request, in the app's log group; ${a.rdsUpgradeLogGbMonth} GB a month in an RDS upgrade log group (written only during engine upgrades); ${a.logGbPerGroupMonth} GB a month in every other log group, kept for its retention period`,
        "custom metrics: the CloudWatch agent's (its config in the launch template), and every other one an alarm or a dashboard reads, each once; the agent and the instance edge's reporter call PutMetricData once a minute per instance",
        `${a.kmsRequestsPerKeyMonth} KMS requests per key and ${a.secretCallsPerSecretMonth} Secrets Manager calls per secret a month`,
        `${a.natGbPerGatewayMonth} GB a month through each NAT gateway`,
        `${a.wafMillionRequestsMonth} million requests a month inspected by each WAF web ACL`,
        `${a.s3GbPerBucket} GB stored per S3 bucket (Standard class)`,
        `${a.ecrGbPerRepository} GB stored per container repository`,
        `${a.endpointGbMonth} GB a month through each VPC interface endpoint`,
        `${a.rdsEnhancedMonitoringGbMonthAt60s} GB a month of Enhanced Monitoring logs per database at a 60-second interval`,
        `${a.s3ReplicatedGbPerBucketMonth} GB a month of new or changed objects replicated per bucket to a second region; a cross-region backup copy sends the database's allocated storage once a month`,
        `${a.cdnGbOutMonth} GB a month and ${a.cdnMillionRequestsMonth} million HTTPS requests through each CDN distribution (CloudFront: North America/Europe rates; the Spaces CDN's transfer is in the Spaces subscription's 1 TB)`,
        "on-demand prices, no free tier, no Savings Plans or reserved capacity",
        "an Auto Scaling group runs its desired capacity (its minimum when unset); the range runs from its minimum to its maximum",
    ];
}

// --- q-do: what each DigitalOcean line assumes ---

/**
 * The assumptions of a DigitalOcean estimate, one line each, saying what
 * traffic and usage each kind of line is priced at. DigitalOcean bills no
 * request, no load balancer capacity and no transfer inside a VPC: only
 * outbound transfer beyond the allowances (droplets: pooled per team,
 * https://docs.digitalocean.com/products/droplets/details/pricing/; Spaces: the
 * subscription's, https://www.digitalocean.com/pricing/spaces-object-storage).
 */
export function describeDigitalOceanAssumptions(a: UsageAssumptions): string[] {
    const monthly = requestsPerMonth(a.requestsPerMinute);
    const outGb = +((monthly * a.originKbPerRequest) / 1e6).toFixed(1);
    const perSecond = +(a.requestsPerMinute / 60).toFixed(1);
    return [
        `traffic: ${a.requestsPerMinute} requests a minute on average (${+(monthly / 1e6).toFixed(2)} million a month, ${perSecond} a second); scaled out: × ${a.scaledOutTrafficFactor}; minimum: idle`,
        `droplet transfer: ${a.originKbPerRequest} KB leaves the app droplets per request (${outGb} GB a month), against the allowance the stack's droplets add to the team's pool ($0.01/GiB beyond, priced on the load balancer's line); static assets come from the CDN`,
        `load balancer: billed per node, no per-request or per-GB charge (bandwidth neutral); one node takes 10,000 requests a second, far above ${perSecond}`,
        `Spaces: ${a.s3GbPerBucket} GB stored per bucket and ${a.cdnGbOutMonth} GB a month out through each Spaces CDN endpoint, against the subscription's 250 GiB and 1 TiB ($0.02/GiB-month and $0.01/GiB beyond); Spaces bills no requests`,
        `container registry: ${a.ecrGbPerRepository} GB of images per repository, inside the tier's storage (basic: 5 GiB)`,
        "managed PostgreSQL and Valkey: a node's plan includes its storage and backups; traffic inside the VPC is free",
        "on-demand list prices; a resource that runs all month costs its monthly price",
        "an autoscale pool runs its minimum; the range runs from its minimum to its maximum",
    ];
}
