import type { AwsPriceTable, Price, PriceList } from "../types";
import { AWS_US_EAST_1 } from "./aws-us-east-1";

/**
 * AWS on-demand prices for South America (São Paulo), sa-east-1, where many
 * of our users run: most services cost 30-100% more than in us-east-1.
 *
 * Read 2026-11-23 from the public pricing pages cited on each figure (the
 * same pages as us-east-1, region selector "South America (São Paulo)").
 * This workspace has no internet access: the figures are the published list
 * prices as we know them on that date and were not re-read live; figures
 * marked "not cross-checked" are the least certain. Prices that AWS sets
 * the same in every commercial region reuse the us-east-1 figure.
 */
export const READ = "2026-11-23";

const REGION_NOTE = "region selector South America (São Paulo); not cross-checked offline";
const p = (usd: number, unit: string, source: string, note = REGION_NOTE): Price => ({ usd, unit, source, read: READ, note });
const list = (unit: string, source: string, prices: Record<string, number>): PriceList =>
    Object.fromEntries(Object.entries(prices).map(([k, usd]) => [k, p(usd, unit, source)]));
const src = (price: Price) => price.source;
const us = AWS_US_EAST_1;

/** sa-east-1 prices. */
export const AWS_SA_EAST_1: AwsPriceTable = {
    ...us,
    region: "sa-east-1",
    ec2: list("hour", src(us.ec2["t4g.micro"]), {
        "t4g.nano": 0.0067,
        "t4g.micro": 0.0134,
        "t4g.small": 0.0269,
        "t4g.medium": 0.0538,
        "t4g.large": 0.1075,
        "t4g.xlarge": 0.215,
        "t3.nano": 0.0084,
        "t3.micro": 0.0168,
        "t3.small": 0.0336,
        "t3.medium": 0.0672,
        "t3.large": 0.1344,
        "t3.xlarge": 0.2688,
        "t3a.micro": 0.0151,
        "t3a.small": 0.0302,
        "t3a.medium": 0.0605,
        "t3a.large": 0.121,
    }),
    ebs: list("GB-month", src(us.ebs.gp3), { gp3: 0.152, gp2: 0.19 }),
    albHour: p(0.034, "hour", src(us.albHour)),
    albLcuHour: p(0.011, "LCU-hour", src(us.albLcuHour)),
    nlbHour: p(0.034, "hour", src(us.nlbHour)),
    natHour: p(0.093, "hour", src(us.natHour)),
    natGb: p(0.093, "GB", src(us.natGb)),
    interfaceEndpointAzHour: p(0.0155, "hour", src(us.interfaceEndpointAzHour)),
    interfaceEndpointGb: p(0.01, "GB", src(us.interfaceEndpointGb)),
    rdsPostgres: list("hour", src(us.rdsPostgres["db.t4g.micro"]), {
        "db.t4g.micro": 0.031,
        "db.t4g.small": 0.062,
        "db.t4g.medium": 0.124,
        "db.t4g.large": 0.248,
        "db.t3.micro": 0.035,
        "db.t3.small": 0.07,
        "db.t3.medium": 0.14,
        "db.t3.large": 0.28,
    }),
    rdsStorage: list("GB-month", src(us.rdsStorage.gp3), { gp3: 0.219, gp2: 0.219 }),
    rdsInsightsVcpuHour: p(0.0125, "vCPU-hour", src(us.rdsInsightsVcpuHour), "the us-east-1 figure; not cross-checked for São Paulo"),
    backupGbMonth: p(0.125, "GB-month", src(us.backupGbMonth)),
    interRegionTransferGb: p(0.138, "GB", src(us.interRegionTransferGb), "data transfer out of South America (São Paulo) to another AWS region"),
    dataOutGb: p(0.15, "GB", src(us.dataOutGb), "Data Transfer OUT to Internet, next 9.999 TB/month; region selector South America (São Paulo)"),
    s3PutThousand: p(0.007, "thousand requests", src(us.s3PutThousand), "region selector South America (São Paulo)"),
    s3GetThousand: p(0.00056, "thousand requests", src(us.s3GetThousand), "region selector South America (São Paulo)"),
    kmsTenThousandRequests: p(0.03, "10,000 requests", src(us.kmsTenThousandRequests), "the same in every commercial region"),
    secretTenThousandCalls: p(0.05, "10,000 API calls", src(us.secretTenThousandCalls), "the same in every commercial region"),
    s3StandardGbMonth: p(0.0405, "GB-month", src(us.s3StandardGbMonth), "S3 Standard, first 50 TB; region selector South America (São Paulo)"),
    alarmStandardMetricMonth: p(0.15, "alarm metric-month", src(us.alarmStandardMetricMonth)),
    alarmHighResMetricMonth: p(0.45, "alarm metric-month", src(us.alarmHighResMetricMonth)),
    customMetricMonth: p(0.45, "metric-month", src(us.customMetricMonth)),
    cloudwatchThousandRequests: p(
        0.01,
        "1,000 requests",
        src(us.cloudwatchThousandRequests),
        "taken as in us-east-1: the page lists API requests at $0.01 per 1,000 there",
    ),
    // CloudFront's price does not depend on the stack's region (the distribution is global).
    cloudfrontGbOut: us.cloudfrontGbOut,
    cloudfrontMillionHttpsRequests: us.cloudfrontMillionHttpsRequests,
    cloudfrontFunctionMillionInvocations: us.cloudfrontFunctionMillionInvocations,
    logsIngestGb: p(0.9, "GB", src(us.logsIngestGb)),
    logsIngestInfrequentGb: p(0.45, "GB", src(us.logsIngestInfrequentGb)),
    logsStorageGbMonth: p(0.05, "GB-month", src(us.logsStorageGbMonth)),
    // --- p-aws-workers: ElastiCache for Valkey, us-east-1 x 1.6 (sa-east-1's EC2 t4g ratio), to be re-read from the pricing page ---
    elasticacheValkey: Object.fromEntries(
        Object.entries(us.elasticacheValkey).map(([k, v]) => [
            k,
            {
                ...v,
                usd: Math.round(v.usd * 1.6 * 10000) / 10000,
                note: "derived: us-east-1 x 1.6 (sa-east-1's t4g EC2 ratio); re-read the ElastiCache pricing page",
            },
        ]),
    ),
    elasticacheBackupGbMonth: { ...us.elasticacheBackupGbMonth, usd: 0.136, note: "derived: us-east-1 x 1.6; re-read the ElastiCache pricing page" },
    // --- end p-aws-workers ---
};
