/**
 * Types of the cost model: what it reads (recorded resources), the price
 * tables it prices with (data, each figure citing its public page) and what
 * it returns.
 */

/** Hours in the month every hourly price is multiplied by (AWS's own convention: 24 × 365 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * A resource as the offline engine (offline/) records it. Only these fields are read,
 * so fixtures and `npm run plan -- --json` output can be priced as well.
 */
export interface PricedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The parent's URN (the component the line is grouped under). */
    readonly parent?: string;
    /** False for components and the stack; they are never priced. Absent means a cloud resource. */
    readonly custom?: boolean;
    readonly inputs: Record<string, any>;
    /** URNs whose outputs flowed into this resource's inputs (how an ASG finds its launch template and subnets). */
    readonly dependencies?: readonly string[];
}

/** One published price. */
export interface Price {
    /** US dollars per `unit`. */
    readonly usd: number;
    /** What one `usd` buys: "hour", "GB-month", "month", "LCU-hour", "million requests". */
    readonly unit: string;
    /** The public page the figure is published on. */
    readonly source: string;
    /** When the figure was taken from the page (ISO date). */
    readonly read: string;
    /** Anything a reviewer should know about this figure (how it was checked, what it includes). */
    readonly note?: string;
}

/** A size-keyed list of prices (instance types, database classes, droplet sizes). */
export type PriceList = Readonly<Record<string, Price>>;

/** Usage-priced items cannot be known from the code; these are the volumes assumed, stated in every report. */
export interface UsageAssumptions {
    /** Average Application Load Balancer capacity units consumed per hour. */
    readonly albLcuPerHour: number;
    /** GB processed per NAT gateway per month (image pulls, OS updates, outbound API calls). */
    readonly natGbPerGatewayMonth: number;
    /** Requests per month a WAF web ACL inspects, in millions. */
    readonly wafMillionRequestsMonth: number;
    /** GB stored per S3 bucket (Standard class). */
    readonly s3GbPerBucket: number;
    /** GB ingested per CloudWatch log group per month. */
    readonly logGbPerGroupMonth: number;
    /** GB a month written to an RDS `upgrade` log group (engine upgrades only). */
    readonly rdsUpgradeLogGbMonth: number;
    /** GB stored per ECR repository (a lifecycle policy keeps a few images). */
    readonly ecrGbPerRepository: number;
    /** GB per month through each VPC interface endpoint. */
    readonly endpointGbMonth: number;
    /** Enhanced Monitoring log GB per RDS instance per month at a 60-second interval. */
    readonly rdsEnhancedMonitoringGbMonthAt60s: number;
    /** GB of new or changed objects a replicated S3 bucket sends to the second region per month. */
    readonly s3ReplicatedGbPerBucketMonth: number;
    /** Requests a minute the app serves on average (the tier's stated traffic); drives every per-request and per-GB item below. */
    readonly requestsPerMinute: number;
    /** Average KB leaving the origin per request (static assets served by the CDN/Cloudflare cache are not counted). */
    readonly originKbPerRequest: number;
    /** Share of app requests that read an object from S3 (GET) and that write one (PUT). */
    readonly s3ReadShare: number;
    readonly s3WriteShare: number;
    /** Bytes of application log per request (one structured line). */
    readonly logBytesPerRequest: number;
    /** KMS requests per key per month (decrypts at boot, S3 Bucket Keys, RDS, Secrets Manager). */
    readonly kmsRequestsPerKeyMonth: number;
    /** Secrets Manager API calls per secret per month (each instance reads at boot and on rotation). */
    readonly secretCallsPerSecretMonth: number;
    /** How much the traffic grows when the stack is scaled out (the "scaled-out" figure). */
    readonly scaledOutTrafficFactor: number;
    // --- CDN (p-app-hosts) ---
    /** GB a month a CDN (CloudFront, the Spaces CDN) sends to visitors. */
    readonly cdnGbOutMonth: number;
    /** HTTPS requests a month a CDN answers, in millions. */
    readonly cdnMillionRequestsMonth: number;
}

/** Prices of one AWS region. */
export interface AwsPriceTable {
    readonly cloud: "aws";
    readonly region: string;
    /** EC2 on-demand Linux, per instance-hour. */
    readonly ec2: PriceList;
    /** EBS per GB-month by volume type. */
    readonly ebs: PriceList;
    readonly albHour: Price;
    readonly albLcuHour: Price;
    readonly nlbHour: Price;
    readonly natHour: Price;
    readonly natGb: Price;
    readonly publicIpv4Hour: Price;
    readonly interfaceEndpointAzHour: Price;
    readonly interfaceEndpointGb: Price;
    /** RDS for PostgreSQL single-AZ on-demand per instance-hour (Multi-AZ instance deployments cost twice). */
    readonly rdsPostgres: PriceList;
    /** vCPUs per RDS class (Database Insights Advanced is priced per vCPU). */
    readonly rdsVcpus: Readonly<Record<string, number>>;
    /** RDS storage per GB-month, single-AZ, by storage type. */
    readonly rdsStorage: PriceList;
    /** Performance Insights retention beyond the free 7 days (CloudWatch Database Insights Advanced), per vCPU-hour. */
    readonly rdsInsightsVcpuHour: Price;
    /** AWS Backup warm storage for RDS snapshots per GB-month. */
    readonly backupGbMonth: Price;
    /** Data transfer to another AWS region (S3 replication, AWS Backup cross-region copies), per GB. */
    readonly interRegionTransferGb: Price;
    readonly s3StandardGbMonth: Price;
    /** S3 Standard-IA storage and PUT/COPY/POST/LIST (a replica written in that class); absent: priced as Standard. */
    readonly s3StandardIaGbMonth?: Price;
    readonly s3StandardIaPutThousand?: Price;
    readonly kmsKeyMonth: Price;
    readonly secretMonth: Price;
    readonly wafAclMonth: Price;
    readonly wafRuleMonth: Price;
    readonly wafMillionRequests: Price;
    readonly wafBotControlMonth: Price;
    readonly alarmStandardMetricMonth: Price;
    readonly alarmHighResMetricMonth: Price;
    readonly compositeAlarmMonth: Price;
    readonly customMetricMonth: Price;
    /** CloudWatch API requests (PutMetricData and the like), per 1,000. */
    readonly cloudwatchThousandRequests: Price;
    // --- CDN (p-app-hosts) ---
    readonly cloudfrontGbOut: Price;
    readonly cloudfrontMillionHttpsRequests: Price;
    readonly cloudfrontFunctionMillionInvocations: Price;
    readonly dashboardMonth: Price;
    readonly logsIngestGb: Price;
    readonly logsIngestInfrequentGb: Price;
    readonly logsStorageGbMonth: Price;
    readonly ecrGbMonth: Price;
    readonly route53ZoneMonth: Price;
    /** p-aws-workers: ElastiCache for Valkey node-based, on-demand per node-hour. */
    readonly elasticacheValkey: PriceList;
    /** p-aws-workers: ElastiCache snapshot storage beyond the free copy, per GB-month. */
    readonly elasticacheBackupGbMonth: Price;
    /** Data transfer out from EC2/ELB to the internet, first 10 TB a month, per GB. */
    readonly dataOutGb: Price;
    /** S3 Standard PUT, COPY, POST, LIST per 1,000 requests. */
    readonly s3PutThousand: Price;
    /** S3 Standard GET, SELECT per 1,000 requests. */
    readonly s3GetThousand: Price;
    /** KMS symmetric key requests per 10,000. */
    readonly kmsTenThousandRequests: Price;
    /** Secrets Manager API calls per 10,000. */
    readonly secretTenThousandCalls: Price;
}

/** DigitalOcean prices (the same in every region). All monthly: DigitalOcean bills hourly up to a monthly cap. */
export interface DigitalOceanPriceTable {
    readonly cloud: "digitalocean";
    /** Basic and premium droplets per month by size slug. */
    readonly droplets: PriceList;
    /** One load balancer node (`sizeUnit` 1) per month. */
    readonly loadBalancerNodeMonth: Price;
    /** Legacy load balancer size slugs per month. */
    readonly loadBalancerSizes: PriceList;
    /** Managed database node (PostgreSQL, MySQL, Valkey/Redis) per month by size slug. */
    readonly databaseNodes: PriceList;
    /** Spaces subscription per month: 250 GiB stored and 1 TiB out, shared by every bucket of the team. */
    readonly spacesMonth: Price;
    /** Container registry per month by subscription tier. */
    readonly registryTiers: PriceList;
    readonly uptimeCheckMonth: Price;
    readonly volumeGbMonth: Price;
    // --- q-do: transfer allowances and overage ---
    /** Outbound GB a month each droplet size includes (pooled across the team's droplets). */
    readonly dropletTransferGb: Readonly<Record<string, number>>;
    /** Droplet outbound transfer beyond the pooled allowance. */
    readonly dropletTransferOverageGb: Price;
    /** What the Spaces subscription includes a month (GiB). */
    readonly spacesIncluded: { readonly storedGb: number; readonly transferOutGb: number };
    /** Spaces storage and transfer (Spaces and its CDN) beyond the subscription. */
    readonly spacesOverage: { readonly storedGb: Price; readonly transferOutGb: Price };
}

/** Which table prices a stack. */
export type CostTarget = { readonly cloud: "aws"; readonly region: string } | { readonly cloud: "digitalocean"; readonly region?: string };

/** One priced resource. */
export interface CostLine {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The component the resource belongs to (its nearest non-custom ancestor's name), or "(stack)". */
    readonly component: string;
    /** The expected monthly cost in US dollars (desired counts, allocated storage). */
    readonly monthlyUsd: number;
    /** Fewest and most it can cost when it scales (autoscaling counts, storage autoscaling). */
    readonly range?: readonly [number, number];
    /** The arithmetic, in words: "1 × t4g.micro at $0.0084/h × 730 h". */
    readonly basis: string;
}

/** A stack's monthly estimate. */
export interface CostEstimate {
    /** What priced it: "aws us-east-1", "digitalocean". */
    readonly priceTable: string;
    readonly lines: readonly CostLine[];
    /** Sum of the expected monthly costs. */
    readonly total: number;
    /** Sum of the most each line can cost (every pool at its maximum, traffic × the scaled-out factor). */
    readonly totalMax: number;
    /** Sum of the least each line can cost (every pool at its minimum, no traffic). */
    readonly totalMin: number;
    /** The usage volumes and simplifications behind the figures, one sentence each. */
    readonly assumptions: readonly string[];
    /** Resources neither priced nor on the free list: the estimate misses them. */
    readonly unpriced: readonly { urn: string; type: string; name: string; reason: string }[];
    /** Resources of types known to cost nothing, with why. */
    readonly free: readonly { urn: string; type: string; name: string; reason: string }[];
}
