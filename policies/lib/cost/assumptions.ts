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
    ecrGbPerRepository: 1,
    endpointGbMonth: 1,
    rdsEnhancedMonitoringGbMonthAt60s: 0.05,
    s3ReplicatedGbPerBucketMonth: 1,
};

/** The assumptions as sentences for the report. */
export function describeAssumptions(a: UsageAssumptions): string[] {
    return [
        `${a.albLcuPerHour} load balancer capacity unit (LCU) per hour on average`,
        `${a.natGbPerGatewayMonth} GB a month through each NAT gateway`,
        `${a.wafMillionRequestsMonth} million requests a month inspected by each WAF web ACL`,
        `${a.s3GbPerBucket} GB stored per S3 bucket (Standard class)`,
        `${a.logGbPerGroupMonth} GB a month ingested per log group, kept for its retention period`,
        `${a.ecrGbPerRepository} GB stored per container repository`,
        `${a.endpointGbMonth} GB a month through each VPC interface endpoint`,
        `${a.rdsEnhancedMonitoringGbMonthAt60s} GB a month of Enhanced Monitoring logs per database at a 60-second interval`,
        `${a.s3ReplicatedGbPerBucketMonth} GB a month of new or changed objects replicated per bucket to a second region; a cross-region backup copy sends the database's allocated storage once a month`,
        "on-demand prices, no free tier, no Savings Plans or reserved capacity; data transfer out to the internet is not modelled",
        "an Auto Scaling group runs its desired capacity (its minimum when unset); the range runs from its minimum to its maximum",
    ];
}
