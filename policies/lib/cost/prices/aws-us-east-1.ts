import type { AwsPriceTable, Price, PriceList } from "../types";

/**
 * AWS on-demand prices for US East (N. Virginia), us-east-1.
 *
 * Read 2026-11-23 from the public pricing pages cited on each figure. This
 * workspace has no internet access, so the figures are the published list
 * prices as we know them on that date, cross-checked where the reference
 * search held the page (noted per figure); re-read the pages before relying
 * on a figure to the cent. Prices exclude taxes, free tiers and discounts
 * (Savings Plans, Reserved Instances).
 */
export const READ = "2026-11-23";

const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/";
const EBS = "https://aws.amazon.com/ebs/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/";
const RDS = "https://aws.amazon.com/rds/postgresql/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const ELASTICACHE = "https://aws.amazon.com/elasticache/pricing/"; // p-aws-workers

const p = (usd: number, unit: string, source: string, note?: string): Price => ({ usd, unit, source, read: READ, ...(note ? { note } : {}) });
const list = (unit: string, source: string, prices: Record<string, number>): PriceList =>
    Object.fromEntries(Object.entries(prices).map(([k, usd]) => [k, p(usd, unit, source)]));

/** us-east-1 prices. */
export const AWS_US_EAST_1: AwsPriceTable = {
    cloud: "aws",
    region: "us-east-1",
    ec2: list("hour", EC2, {
        "t4g.nano": 0.0042,
        "t4g.micro": 0.0084,
        "t4g.small": 0.0168,
        "t4g.medium": 0.0336,
        "t4g.large": 0.0672,
        "t4g.xlarge": 0.1344,
        "t3.nano": 0.0052,
        "t3.micro": 0.0104,
        "t3.small": 0.0208,
        "t3.medium": 0.0416,
        "t3.large": 0.0832,
        "t3.xlarge": 0.1664,
        "t3a.micro": 0.0094,
        "t3a.small": 0.0188,
        "t3a.medium": 0.0376,
        "t3a.large": 0.0752,
        "m7g.medium": 0.0408,
        "m7g.large": 0.0816,
        "c7g.medium": 0.0363,
        "c7g.large": 0.0725,
    }),
    ebs: list("GB-month", EBS, { gp3: 0.08, gp2: 0.1 }),
    albHour: p(0.0225, "hour", ELB),
    albLcuHour: p(0.008, "LCU-hour", ELB),
    nlbHour: p(0.0225, "hour", ELB),
    natHour: p(0.045, "hour", VPC, "cross-checked: the VPC pricing page's NAT gateway example ($0.045 per hour, $0.045 per GB)"),
    natGb: p(0.045, "GB", VPC, "cross-checked with the VPC pricing page's NAT gateway example"),
    publicIpv4Hour: p(0.005, "hour", VPC, "every public IPv4 address since 2024-02-01: instances, Elastic IPs, load balancer nodes"),
    interfaceEndpointAzHour: p(0.01, "hour", PRIVATELINK, "per endpoint per Availability Zone"),
    interfaceEndpointGb: p(0.01, "GB", PRIVATELINK),
    rdsPostgres: list("hour", RDS, {
        "db.t4g.micro": 0.016,
        "db.t4g.small": 0.032,
        "db.t4g.medium": 0.065,
        "db.t4g.large": 0.129,
        "db.t4g.xlarge": 0.258,
        "db.t3.micro": 0.018,
        "db.t3.small": 0.036,
        "db.t3.medium": 0.072,
        "db.t3.large": 0.145,
        "db.m7g.large": 0.168,
        "db.r7g.large": 0.239,
    }),
    rdsVcpus: {
        "db.t4g.micro": 2,
        "db.t4g.small": 2,
        "db.t4g.medium": 2,
        "db.t4g.large": 2,
        "db.t4g.xlarge": 4,
        "db.t3.micro": 2,
        "db.t3.small": 2,
        "db.t3.medium": 2,
        "db.t3.large": 2,
        "db.m7g.large": 2,
        "db.r7g.large": 2,
    },
    rdsStorage: list("GB-month", RDS, { gp3: 0.115, gp2: 0.115 }),
    rdsInsightsVcpuHour: p(
        0.0125,
        "vCPU-hour",
        CLOUDWATCH,
        "CloudWatch Database Insights Advanced mode, which replaced paid Performance Insights retention; 7 days (Standard mode) is free",
    ),
    backupGbMonth: p(0.095, "GB-month", "https://aws.amazon.com/backup/pricing/", "warm storage of Amazon RDS snapshots"),
    interRegionTransferGb: p(
        0.02,
        "GB",
        "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
        "data transfer out of us-east-1 to another AWS region (S3 replication and AWS Backup copies are billed the same)",
    ),
    dataOutGb: p(
        0.09,
        "GB",
        EC2,
        "Data Transfer OUT from Amazon EC2 to Internet, next 9.999 TB/month (the first 100 GB/month free tier not deducted); the same rate applies to an ALB's responses",
    ),
    s3PutThousand: p(0.005, "thousand requests", "https://aws.amazon.com/s3/pricing/", "S3 Standard PUT, COPY, POST, LIST"),
    s3GetThousand: p(0.0004, "thousand requests", "https://aws.amazon.com/s3/pricing/", "S3 Standard GET, SELECT and all other requests"),
    kmsTenThousandRequests: p(
        0.03,
        "10,000 requests",
        "https://aws.amazon.com/kms/pricing/",
        "symmetric key requests; the 20,000/month free tier not deducted",
    ),
    secretTenThousandCalls: p(0.05, "10,000 API calls", "https://aws.amazon.com/secrets-manager/pricing/"),
    s3StandardGbMonth: p(0.023, "GB-month", "https://aws.amazon.com/s3/pricing/", "S3 Standard, first 50 TB"),
    s3StandardIaGbMonth: p(
        0.0125,
        "GB-month",
        "https://aws.amazon.com/s3/pricing/",
        "S3 Standard-Infrequent Access (128 KB minimum per object, 30-day minimum)",
    ),
    s3StandardIaPutThousand: p(
        0.01,
        "thousand requests",
        "https://aws.amazon.com/s3/pricing/",
        "S3 Standard-IA PUT, COPY, POST, LIST (a replication PUT into Standard-IA)",
    ),
    kmsKeyMonth: p(1, "key-month", "https://aws.amazon.com/kms/pricing/", "customer managed key; its requests are priced apart (kmsTenThousandRequests)"),
    secretMonth: p(0.4, "secret-month", "https://aws.amazon.com/secrets-manager/pricing/", "API calls are priced apart (secretTenThousandCalls)"),
    wafAclMonth: p(5, "web ACL-month", "https://aws.amazon.com/waf/pricing/"),
    wafRuleMonth: p(1, "rule-month", "https://aws.amazon.com/waf/pricing/", "each rule or managed rule group in a web ACL"),
    wafMillionRequests: p(0.6, "million requests", "https://aws.amazon.com/waf/pricing/"),
    wafBotControlMonth: p(10, "month", "https://aws.amazon.com/waf/pricing/", "Bot Control managed rule group subscription, on top of its rule"),
    alarmStandardMetricMonth: p(0.1, "alarm metric-month", CLOUDWATCH, "standard resolution (period of 60 s or more); the 10 free alarms are not deducted"),
    alarmHighResMetricMonth: p(0.3, "alarm metric-month", CLOUDWATCH, "high resolution (period under 60 s)"),
    compositeAlarmMonth: p(0.5, "alarm-month", CLOUDWATCH),
    customMetricMonth: p(0.3, "metric-month", CLOUDWATCH, "first 10,000 custom metrics; a log metric filter publishes one"),
    cloudwatchThousandRequests: p(
        0.01,
        "1,000 requests",
        CLOUDWATCH,
        "PutMetricData, GetMetricStatistics, ListMetrics and the like; the 1 million free API requests a month are not deducted",
    ),
    // --- CDN (p-app-hosts): CloudFront is priced per edge location, not per stack region. ---
    cloudfrontGbOut: p(
        0.085,
        "GB",
        "https://aws.amazon.com/cloudfront/pricing/",
        "data transfer out to the internet, United States/Mexico/Canada and Europe, first 10 TB (on-demand; the always-free 1 TB is not counted)",
    ),
    cloudfrontMillionHttpsRequests: p(
        1.0,
        "million HTTPS requests",
        "https://aws.amazon.com/cloudfront/pricing/",
        "$0.0100 per 10,000 HTTPS requests, United States and Europe",
    ),
    cloudfrontFunctionMillionInvocations: p(0.1, "million invocations", "https://aws.amazon.com/cloudfront/pricing/", "CloudFront Functions"),
    dashboardMonth: p(3, "dashboard-month", CLOUDWATCH, "the 3 free dashboards are not deducted"),
    logsIngestGb: p(0.5, "GB", CLOUDWATCH, "Standard log class ingestion"),
    logsIngestInfrequentGb: p(0.25, "GB", CLOUDWATCH, "Infrequent Access log class ingestion"),
    logsStorageGbMonth: p(0.03, "GB-month", CLOUDWATCH, "archived (compressed) log storage"),
    ecrGbMonth: p(0.1, "GB-month", "https://aws.amazon.com/ecr/pricing/"),
    route53ZoneMonth: p(0.5, "hosted zone-month", "https://aws.amazon.com/route53/pricing/"),
    // --- p-aws-workers: ElastiCache for Valkey node-based (20% below Redis OSS on the same node) ---
    elasticacheValkey: list("node-hour", ELASTICACHE, {
        "cache.t4g.micro": 0.0128,
        "cache.t4g.small": 0.0256,
        "cache.t4g.medium": 0.052,
        "cache.t3.micro": 0.0136,
        "cache.t3.small": 0.0272,
        "cache.t3.medium": 0.0544,
        "cache.m7g.large": 0.1264,
        "cache.m6g.large": 0.1192,
        "cache.r7g.large": 0.1744,
        "cache.r6g.large": 0.1648,
    }),
    elasticacheBackupGbMonth: p(0.085, "GB-month", ELASTICACHE, "one snapshot per cluster is kept free; a queue's snapshots are small"),
    // --- end p-aws-workers ---
};
