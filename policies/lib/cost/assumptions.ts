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
    // --- CDN (p-app-hosts) ---
    cdnGbOutMonth: 50,
    cdnMillionRequestsMonth: 5,
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
        `${a.cdnGbOutMonth} GB a month and ${a.cdnMillionRequestsMonth} million HTTPS requests through each CDN distribution (CloudFront: North America/Europe rates; the Spaces CDN's transfer is in the Spaces subscription's 1 TB)`,
        "on-demand prices, no free tier, no Savings Plans or reserved capacity; data transfer out to the internet is not modelled",
        "an Auto Scaling group runs its desired capacity (its minimum when unset); the range runs from its minimum to its maximum",
    ];
}
