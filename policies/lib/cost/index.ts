/**
 * The cost model: a monthly on-demand estimate of a stack from the inputs
 * its resources were declared with. Pure: no Pulumi runtime, no network. It
 * is shared by `npm run plan` and the cost policy.
 *
 * Each resource type is either priced here, listed in `FREE_TYPES` with the
 * reason it costs nothing, or reported as unpriced (so an estimate never
 * silently misses a resource).
 */
import { albLcuAt, DEFAULT_ASSUMPTIONS, describeAssumptions, describeDigitalOceanAssumptions, requestsPerMonth } from "./assumptions";
import { FREE_TYPES } from "./free";
import { isEdgeAddress } from "../tags";
import { AWS_SA_EAST_1 } from "./prices/aws-sa-east-1";
import { AWS_US_EAST_1 } from "./prices/aws-us-east-1";
import { DIGITALOCEAN } from "./prices/digitalocean";
import { AwsPriceTable, CostEstimate, CostLine, CostTarget, DigitalOceanPriceTable, HOURS_PER_MONTH, Price, PricedResource, UsageAssumptions } from "./types";

export {
    albLcuAt,
    assumptionsForTier,
    DEFAULT_ASSUMPTIONS,
    describeAssumptions,
    describeDigitalOceanAssumptions,
    requestsPerMonth,
    TIER_TRAFFIC_RPM,
} from "./assumptions";
export { FREE_TYPES } from "./free";
export { AWS_SA_EAST_1 } from "./prices/aws-sa-east-1";
export { AWS_US_EAST_1 } from "./prices/aws-us-east-1";
export { DIGITALOCEAN } from "./prices/digitalocean";
export * from "./types";

/** The AWS regions with a price table of their own. */
export const AWS_PRICE_TABLES: Readonly<Record<string, AwsPriceTable>> = {
    "us-east-1": AWS_US_EAST_1,
    "sa-east-1": AWS_SA_EAST_1,
};

/** Where a resource's cost comes from: one or more lines, or why it cannot be priced. */
type Priced = { lines: Omit<CostLine, "urn" | "type" | "name" | "component">[] } | { unpriced: string };

interface Context {
    readonly byUrn: ReadonlyMap<string, PricedResource>;
    readonly all: readonly PricedResource[];
    readonly assume: UsageAssumptions;
    /** Whether a DigitalOcean Spaces subscription was already counted. */
    spacesCounted: boolean;
    /** Custom metrics (namespace, name, dimensions) already priced: each is billed once, whatever reads it. */
    readonly customMetrics: Set<string>;
}

/** A metric as an alarm or a dashboard names it. */
interface MetricRef {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, unknown>>;
}

/**
 * Custom metrics (any namespace but `AWS/...`: the CloudWatch agent's `CWAgent`, what the app publishes as EMF,
 * the instance edge's health) are billed per metric-month, however many alarms and dashboards read them, so each
 * is priced where it is first read, once (https://aws.amazon.com/cloudwatch/pricing/, "Metrics").
 */
function customMetricLines(refs: readonly MetricRef[], table: AwsPriceTable, ctx: Context): ReturnType<typeof line>[] {
    const lines: ReturnType<typeof line>[] = [];
    for (const m of refs) {
        // The agent's metrics are priced on the groups that run it (agentMetricCount), read or not.
        if (typeof m.namespace !== "string" || m.namespace.startsWith("AWS/") || m.namespace === "CWAgent") continue;
        const dims = Object.keys(m.dimensions ?? {})
            .sort()
            .map((k) => `${k}=${String(m.dimensions[k])}`)
            .join(",");
        const key = `${m.namespace}|${m.metricName}|${dims}`;
        if (ctx.customMetrics.has(key)) continue;
        ctx.customMetrics.add(key);
        lines.push(line(table.customMetricMonth.usd, `custom metric ${m.namespace} ${m.metricName} at ${rate(table.customMetricMonth)}`));
    }
    return lines;
}

/** The metrics of a dashboard body, with CloudWatch's "." (same as the row above) and "..." (the rest the same) shorthands resolved. */
export function dashboardMetrics(body: unknown): MetricRef[] {
    let doc: any;
    try {
        doc = typeof body === "string" ? JSON.parse(body) : undefined;
    } catch {
        return [];
    }
    const refs: MetricRef[] = [];
    for (const w of Array.isArray(doc?.widgets) ? doc.widgets : []) {
        let previous: unknown[] = [];
        for (const row of Array.isArray(w?.properties?.metrics) ? w.properties.metrics : []) {
            if (!Array.isArray(row)) continue;
            const parts = row.filter((x: unknown): x is string => typeof x === "string");
            const full: string[] = [];
            for (let i = 0; i < parts.length; i++) {
                if (parts[i] === "...") {
                    full.push(...(previous.slice(full.length) as string[]));
                    break;
                }
                full.push(parts[i] === "." ? String(previous[i]) : parts[i]);
            }
            previous = full;
            const [namespace, metricName, ...pairs] = full;
            const dimensions: Record<string, string> = {};
            for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
            refs.push({ namespace, metricName, dimensions });
        }
    }
    return refs;
}

type Pricer<T> = (r: PricedResource, table: T, ctx: Context) => Priced;

const hourly = (price: Price, count = 1) => price.usd * HOURS_PER_MONTH * count;
const rate = (price: Price) => `$${price.usd}/${price.unit === "hour" ? "h" : price.unit}`;
const line = (monthlyUsd: number, basis: string, range?: [number, number]) =>
    range && range[0] !== range[1] ? { monthlyUsd, basis, range } : { monthlyUsd, basis };

/** A number from a recorded input (Pulumi hands some over as strings). */
function num(value: unknown): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
    return undefined;
}

/** A boolean from a recorded input ("true" in launch template network interfaces). */
function bool(value: unknown): boolean {
    return value === true || value === "true";
}

/** The resources of a type this one depends on (an output of theirs flowed into its inputs). */
function dependenciesOfType(r: PricedResource, type: string, ctx: Context): PricedResource[] {
    return (r.dependencies ?? []).map((urn) => ctx.byUrn.get(urn)).filter((d): d is PricedResource => d?.type === type);
}

/** Whether instances launched into these subnets get a public IPv4 address. */
function anyPublicSubnet(subnets: readonly PricedResource[]): boolean {
    return subnets.some((s) => bool(s.inputs.mapPublicIpOnLaunch));
}

const unpriced = (reason: string): Priced => ({ unpriced: reason });

/** A line priced by traffic: typical at the stated traffic, nothing when idle, × the scaled-out factor at most. */
function trafficLine(monthlyUsd: number, basis: string, ctx: Context) {
    return line(monthlyUsd, basis, [0, monthlyUsd * ctx.assume.scaledOutTrafficFactor]);
}

// ---------------------------------------------------------------- AWS

/** EBS per instance from block device mappings; the AMI's root volume (8 GB gp3, Amazon Linux 2023) when none is given. */
function ebsPerInstance(mappings: unknown, table: AwsPriceTable): { usd: number; basis: string } | { unpriced: string } {
    const volumes = Array.isArray(mappings)
        ? mappings.filter((m) => m?.ebs).map((m) => ({ gb: num(m.ebs.volumeSize), type: String(m.ebs.volumeType ?? "gp3") }))
        : [];
    if (volumes.length === 0) return { usd: 8 * table.ebs.gp3.usd, basis: `8 GB gp3 root volume (the AMI's default) at ${rate(table.ebs.gp3)}` };
    let total = 0;
    const parts: string[] = [];
    for (const v of volumes) {
        const price = table.ebs[v.type];
        if (!price) return { unpriced: `no EBS price for volume type ${v.type}` };
        const gb = v.gb ?? 8;
        total += gb * price.usd;
        parts.push(`${gb} GB ${v.type} at ${rate(price)}`);
    }
    return { usd: total, basis: parts.join(" + ") };
}

/** PutMetricData calls a month of the instance edge's health reporter: one a minute. */
export const ORIGIN_REPORTS_PER_MONTH = HOURS_PER_MONTH * 60;

/** PutMetricData calls a month of one instance's CloudWatch agent: one a minute (a 60 s collection interval, flushed each minute). */
export const AGENT_REPORTS_PER_INSTANCE_MONTH = HOURS_PER_MONTH * 60;

/**
 * The CloudWatch agent config a launch template's user data (base64, as EC2 takes it) writes and starts, or
 * undefined when it runs no agent (components/aws/host-strategy.ts writes it as JSON in a quoted heredoc).
 */
export function agentConfigOf(template: PricedResource): Record<string, any> | undefined {
    const ud = template.inputs.userData;
    if (typeof ud !== "string") return undefined;
    const text = Buffer.from(ud, "base64").toString("utf8");
    if (!text.includes("amazon-cloudwatch-agent-ctl")) return undefined;
    const m = /amazon-cloudwatch-agent\.json' <<'([A-Z_]+)'\n([\s\S]*?)\n\1\n/.exec(text);
    try {
        return m ? JSON.parse(m[2]) : {};
    } catch {
        return {};
    }
}

/**
 * The custom metrics an agent config publishes for a group of `instances`: each measurement once per instance when
 * its series name the instance (InstanceId appended, or no append_dimensions at all: the agent then adds `host`),
 * else once for the group (every instance writes the same series: AutoScalingGroupName alone, no `host`, as the
 * agent drops it with append_dimensions),
 * plus once per aggregation dimension set (amazon-cloudwatch-agent: ec2tagger, translator/translate/metrics).
 */
export function agentMetricCount(config: Record<string, any>, instances: number): number {
    const collected = config?.metrics?.metrics_collected ?? {};
    const measurements = Object.values(collected).reduce((n: number, c: any) => n + (Array.isArray(c?.measurement) ? c.measurement.length : 0), 0);
    const appended = Object.keys(config?.metrics?.append_dimensions ?? {});
    // One series per instance: its InstanceId, or, without append_dimensions, its `host` (unless omit_hostname).
    const perInstance = appended.includes("InstanceId") || (appended.length === 0 && config?.agent?.omit_hostname !== true);
    const aggregations = Array.isArray(config?.metrics?.aggregation_dimensions) ? config.metrics.aggregation_dimensions.length : 0;
    return measurements * ((perInstance ? instances : 1) + aggregations);
}

/**
 * Instances (desired count, min-max range), their EBS volumes and public IPv4 addresses. `heldAddresses`
 * instances hold an Elastic IP instead of their own address (EC2 releases the automatic one on association).
 */
function priceInstances(
    count: { desired: number; min: number; max: number },
    instanceType: string,
    blockDevices: unknown,
    isPublic: boolean,
    table: AwsPriceTable,
    heldAddresses = 0,
): Priced {
    const price = table.ec2[instanceType];
    if (!price) return unpriced(`no price for instance type ${instanceType} in ${table.region}`);
    const each = hourly(price);
    const scale = (perInstance: number): [number, [number, number]] => [count.desired * perInstance, [count.min * perInstance, count.max * perInstance]];
    const counted = count.min === count.max ? `${count.desired} ×` : `${count.desired} × (${count.min}-${count.max} when scaling)`;
    const [compute, computeRange] = scale(each);
    const lines = [line(compute, `${counted} ${instanceType} at ${rate(price)} × ${HOURS_PER_MONTH} h`, computeRange)];
    const ebs = ebsPerInstance(blockDevices, table);
    if ("unpriced" in ebs) return unpriced(ebs.unpriced);
    const [storage, storageRange] = scale(ebs.usd);
    lines.push(line(storage, `EBS: ${counted} ${ebs.basis}`, storageRange));
    if (isPublic && heldAddresses === 0) {
        const [ip, ipRange] = scale(hourly(table.publicIpv4Hour));
        lines.push(line(ip, `public IPv4: ${counted} address at ${rate(table.publicIpv4Hour)} × ${HOURS_PER_MONTH} h (instances in public subnets)`, ipRange));
    } else if (isPublic) {
        // The holder's address is the Elastic IP (priced on it); the others keep their own.
        const own = (n: number) => Math.max(0, n - heldAddresses) * hourly(table.publicIpv4Hour);
        const ip = own(count.desired);
        if (own(count.max) > 0)
            lines.push(
                line(
                    ip,
                    `public IPv4: ${Math.max(0, count.desired - heldAddresses)} × address at ${rate(table.publicIpv4Hour)} × ${HOURS_PER_MONTH} h (the instance holding the Elastic IP has no other)`,
                    [own(count.min), own(count.max)],
                ),
            );
    }
    return { lines };
}

const autoscalingGroup: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const min = num(r.inputs.minSize) ?? 0;
    const max = num(r.inputs.maxSize) ?? min;
    const desired = num(r.inputs.desiredCapacity) ?? min;
    const templates = dependenciesOfType(r, "aws:ec2/launchTemplate:LaunchTemplate", ctx);
    const allTemplates = ctx.all.filter((x) => x.type === "aws:ec2/launchTemplate:LaunchTemplate");
    // An ASG names its template by id; when that id did not flow as an output, a stack's only template is the one.
    const template = templates[0] ?? (allTemplates.length === 1 ? allTemplates[0] : undefined);
    if (!template) return unpriced("its launch template is not among the recorded resources");
    const instanceType = template.inputs.instanceType;
    if (typeof instanceType !== "string") return unpriced(`launch template ${template.name} sets no instanceType`);
    const nics: unknown[] = Array.isArray(template.inputs.networkInterfaces) ? template.inputs.networkInterfaces : [];
    const isPublic = nics.some((n: any) => bool(n?.associatePublicIpAddress)) || anyPublicSubnet(dependenciesOfType(r, "aws:ec2/subnet:Subnet", ctx));
    // The instance edge: the template's user data names the Elastic IP its instance takes.
    const held = dependenciesOfType(template, "aws:ec2/eip:Eip", ctx).filter(isEdgeAddress).length;
    const priced = priceInstances({ desired, min, max }, instanceType, template.inputs.blockDeviceMappings, isPublic, table, held);
    const agent = agentConfigOf(template);
    if ("unpriced" in priced || agent === undefined) return priced;
    // Each instance's agent publishes once a minute; its metrics are billed per metric-month, read or not.
    const calls = (n: number) => ((n * AGENT_REPORTS_PER_INSTANCE_MONTH) / 1000) * table.cloudwatchThousandRequests.usd;
    const metrics = (n: number) => agentMetricCount(agent, n) * table.customMetricMonth.usd;
    return {
        lines: [
            ...priced.lines,
            line(
                metrics(desired) + calls(desired),
                `CloudWatch agent: ${agentMetricCount(agent, desired)} custom metric${agentMetricCount(agent, desired) === 1 ? "" : "s"} at ${rate(table.customMetricMonth)} + ${desired} × ${AGENT_REPORTS_PER_INSTANCE_MONTH} PutMetricData requests at ${rate(table.cloudwatchThousandRequests)}`,
                [metrics(min) + calls(min), metrics(max) + calls(max)],
            ),
        ],
    };
};

const ec2Instance: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const instanceType = r.inputs.instanceType;
    if (typeof instanceType !== "string") return unpriced("no instanceType");
    const root = r.inputs.rootBlockDevice ? [{ ebs: r.inputs.rootBlockDevice }] : [];
    const extra = Array.isArray(r.inputs.ebsBlockDevices) ? r.inputs.ebsBlockDevices.map((ebs: unknown) => ({ ebs })) : [];
    const isPublic = bool(r.inputs.associatePublicIpAddress) || anyPublicSubnet(dependenciesOfType(r, "aws:ec2/subnet:Subnet", ctx));
    return priceInstances({ desired: 1, min: 1, max: 1 }, instanceType, [...root, ...extra], isPublic, table);
};

const ebsVolume: Pricer<AwsPriceTable> = (r, table) => {
    const type = String(r.inputs.type ?? "gp3");
    const price = table.ebs[type];
    const gb = num(r.inputs.size);
    if (!price || gb === undefined) return unpriced(`no EBS price for ${gb ?? "?"} GB ${type}`);
    return { lines: [line(gb * price.usd, `${gb} GB ${type} at ${rate(price)}`)] };
};

const loadBalancer: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const kind = String(r.inputs.loadBalancerType ?? "application");
    if (kind !== "application" && kind !== "network") return unpriced(`${kind} load balancers are not priced`);
    const lines = [];
    if (kind === "application") {
        const lcu = ctx.assume.albLcuPerHour;
        lines.push(line(hourly(table.albHour), `ALB at ${rate(table.albHour)} × ${HOURS_PER_MONTH} h`));
        // LCUs grow with traffic, but not linearly below the dimension that dominates: priced at the scaled-out traffic for the range.
        const scaledLcu =
            ctx.assume.requestsPerMinute > 0 ? albLcuAt(ctx.assume.requestsPerMinute * ctx.assume.scaledOutTrafficFactor, ctx.assume.originKbPerRequest) : lcu;
        lines.push(
            line(
                hourly(table.albLcuHour, lcu),
                `${lcu} LCU at ${rate(table.albLcuHour)} × ${HOURS_PER_MONTH} h`,
                ctx.assume.requestsPerMinute > 0 ? [0, hourly(table.albLcuHour, scaledLcu)] : undefined,
            ),
        );
    } else {
        lines.push(line(hourly(table.nlbHour), `NLB at ${rate(table.nlbHour)} × ${HOURS_PER_MONTH} h (capacity units not modelled)`));
    }
    if (!bool(r.inputs.internal)) {
        const subnets = Array.isArray(r.inputs.subnets)
            ? r.inputs.subnets.length
            : Array.isArray(r.inputs.subnetMappings)
              ? r.inputs.subnetMappings.length
              : dependenciesOfType(r, "aws:ec2/subnet:Subnet", ctx).length;
        // An internet-facing load balancer holds one public IPv4 address per Availability Zone, billed like any other.
        const nodes = Math.max(subnets, 1);
        const dualstackNoIpv4 = r.inputs.ipAddressType === "dualstack-without-public-ipv4";
        if (!dualstackNoIpv4)
            lines.push(
                line(
                    hourly(table.publicIpv4Hour, nodes),
                    `public IPv4: ${nodes} addresses (one per AZ) at ${rate(table.publicIpv4Hour)} × ${HOURS_PER_MONTH} h`,
                ),
            );
        // Responses leave AWS through the internet-facing load balancer: data transfer out at the stated traffic.
        const gb = (requestsPerMonth(ctx.assume.requestsPerMinute) * ctx.assume.originKbPerRequest) / 1e6;
        if (gb > 0) lines.push(trafficLine(gb * table.dataOutGb.usd, `data transfer out: ${+gb.toFixed(1)} GB at ${rate(table.dataOutGb)}`, ctx));
    }
    return { lines };
};

const natGateway: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const gb = ctx.assume.natGbPerGatewayMonth;
    return {
        lines: [
            line(
                hourly(table.natHour) + gb * table.natGb.usd,
                `NAT gateway at ${rate(table.natHour)} × ${HOURS_PER_MONTH} h + ${gb} GB at ${rate(table.natGb)} (its Elastic IP is priced apart)`,
            ),
        ],
    };
};

const elasticIp: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const lines = [line(hourly(table.publicIpv4Hour), `public IPv4 address at ${rate(table.publicIpv4Hour)} × ${HOURS_PER_MONTH} h`)];
    if (isEdgeAddress(r)) {
        // The instance edge: responses leave AWS from this address (as they would through a load balancer), and its
        // holder publishes one custom metric a minute for the origin-unhealthy alarm.
        const gb = (requestsPerMonth(ctx.assume.requestsPerMinute) * ctx.assume.originKbPerRequest) / 1e6;
        if (gb > 0) lines.push(trafficLine(gb * table.dataOutGb.usd, `data transfer out: ${+gb.toFixed(1)} GB at ${rate(table.dataOutGb)}`, ctx));
        // The metric itself is priced where its alarms read it (customMetricLines).
        lines.push(
            line(
                (ORIGIN_REPORTS_PER_MONTH / 1000) * table.cloudwatchThousandRequests.usd,
                `origin health reports: ${ORIGIN_REPORTS_PER_MONTH} PutMetricData requests at ${rate(table.cloudwatchThousandRequests)}`,
            ),
        );
    }
    return { lines };
};

const vpcEndpoint: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const kind = String(r.inputs.vpcEndpointType ?? "Gateway");
    if (kind === "Gateway") return { lines: [line(0, "gateway endpoint (S3, DynamoDB): no charge")] };
    if (kind !== "Interface") return unpriced(`${kind} endpoints are not priced`);
    const azs = Math.max(Array.isArray(r.inputs.subnetIds) ? r.inputs.subnetIds.length : dependenciesOfType(r, "aws:ec2/subnet:Subnet", ctx).length, 1);
    const gb = ctx.assume.endpointGbMonth;
    return {
        lines: [
            line(
                hourly(table.interfaceEndpointAzHour, azs) + gb * table.interfaceEndpointGb.usd,
                `interface endpoint in ${azs} AZ at ${rate(table.interfaceEndpointAzHour)} × ${HOURS_PER_MONTH} h + ${gb} GB at ${rate(table.interfaceEndpointGb)}`,
            ),
        ],
    };
};

/** The instance an RDS read replica copies (by dependency, else by identifier). */
function replicaSource(r: PricedResource, ctx: Context): PricedResource | undefined {
    const source = r.inputs.replicateSourceDb;
    if (source === undefined) return undefined;
    return (
        dependenciesOfType(r, "aws:rds/instance:Instance", ctx)[0] ??
        ctx.all.find((x) => x.type === "aws:rds/instance:Instance" && x !== r && (x.inputs.identifier === source || x.name === source))
    );
}

const rdsInstance: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const source = replicaSource(r, ctx);
    const engine = String(r.inputs.engine ?? source?.inputs.engine ?? "postgres");
    if (!engine.startsWith("postgres")) return unpriced(`only RDS for PostgreSQL is priced (engine ${engine})`);
    const cls = String(r.inputs.instanceClass);
    const price = table.rdsPostgres[cls];
    if (!price) return unpriced(`no price for RDS class ${cls} in ${table.region}`);
    const copies = bool(r.inputs.multiAz) ? 2 : 1;
    const az = copies === 2 ? "Multi-AZ (× 2)" : "single-AZ";
    const role = r.inputs.replicateSourceDb !== undefined ? "read replica" : "instance";
    const lines = [line(hourly(price, copies), `${role}: ${cls} ${az} at ${rate(price)} × ${HOURS_PER_MONTH} h`)];

    const gb = num(r.inputs.allocatedStorage) ?? num(source?.inputs.allocatedStorage);
    const maxGb = num(r.inputs.maxAllocatedStorage) ?? num(source?.inputs.maxAllocatedStorage);
    // RDS creates gp2 storage when no type is given.
    const storageType = String(r.inputs.storageType ?? source?.inputs.storageType ?? "gp2");
    const storagePrice = table.rdsStorage[storageType];
    if (gb === undefined) return unpriced("no allocatedStorage on the instance or its source");
    if (!storagePrice) return unpriced(`no price for RDS storage type ${storageType}`);
    const perGb = storagePrice.usd * copies;
    const range: [number, number] | undefined = maxGb !== undefined && maxGb > gb ? [gb * perGb, maxGb * perGb] : undefined;
    lines.push(
        line(
            gb * perGb,
            `storage: ${gb} GB ${storageType}${copies === 2 ? " × 2 (Multi-AZ)" : ""} at ${rate(storagePrice)}${range ? ` (autoscaling to ${maxGb} GB)` : ""}`,
            range,
        ),
    );

    const retention = num(r.inputs.performanceInsightsRetentionPeriod) ?? 7;
    const advanced = r.inputs.databaseInsightsMode === "advanced" || (bool(r.inputs.performanceInsightsEnabled) && retention > 7);
    if (advanced) {
        const vcpus = table.rdsVcpus[cls];
        if (vcpus === undefined) return unpriced(`no vCPU count for ${cls}`);
        lines.push(
            line(
                hourly(table.rdsInsightsVcpuHour, vcpus),
                `Performance Insights beyond 7 days (Database Insights Advanced): ${vcpus} vCPU at ${rate(table.rdsInsightsVcpuHour)} × ${HOURS_PER_MONTH} h`,
            ),
        );
    } else if (bool(r.inputs.performanceInsightsEnabled)) {
        lines.push(line(0, "Performance Insights with 7 days of history: free"));
    }
    const interval = num(r.inputs.monitoringInterval) ?? 0;
    if (interval > 0) {
        const logGb = ctx.assume.rdsEnhancedMonitoringGbMonthAt60s * (60 / interval);
        lines.push(
            line(logGb * table.logsIngestGb.usd, `Enhanced Monitoring every ${interval} s: ${+logGb.toFixed(3)} GB of logs at ${rate(table.logsIngestGb)}`),
        );
    }
    return { lines };
};

const backupSelection: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const selected = dependenciesOfType(r, "aws:rds/instance:Instance", ctx);
    // A selection by tag names no instance: every primary of the stack is assumed selected.
    const databases = (selected.length > 0 ? selected : ctx.all.filter((x) => x.type === "aws:rds/instance:Instance")).filter(
        (x) => x.inputs.replicateSourceDb === undefined,
    );
    const gb = databases.reduce((sum, d) => sum + (num(d.inputs.allocatedStorage) ?? 0), 0);
    return {
        lines: [
            line(
                gb * table.backupGbMonth.usd,
                `backups: one full copy of ${gb} GB (allocated storage of ${databases.length} database${databases.length === 1 ? "" : "s"}) at ${rate(table.backupGbMonth)}; later snapshots are incremental`,
            ),
        ],
    };
};

// --- second region: cross-region copies ---
/** The rules themselves are free; a copy action to another region's vault costs that vault's storage and the transfer. */
const backupPlan: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const rules: any[] = Array.isArray(r.inputs.rules) ? r.inputs.rules : [];
    const copies = rules.flatMap((rule) => (Array.isArray(rule?.copyActions) ? rule.copyActions : []));
    if (copies.length === 0) return { lines: [line(0, "backup rules: no charge (stored backups are priced on the backup selection)")] };
    const databases = ctx.all.filter((x) => x.type === "aws:rds/instance:Instance" && x.inputs.replicateSourceDb === undefined && !/-restored-/.test(x.name));
    const gb = databases.reduce((sum, d) => sum + (num(d.inputs.allocatedStorage) ?? 0), 0) * copies.length;
    return {
        lines: [
            line(
                gb * table.backupGbMonth.usd,
                `copies in the second region's vault: one full copy of ${gb} GB at ${rate(table.backupGbMonth)}; later copies are incremental`,
            ),
            line(gb * table.interRegionTransferGb.usd, `cross-region transfer: ${gb} GB a month at ${rate(table.interRegionTransferGb)}`),
        ],
    };
};

const bucketReplication: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const rules = Array.isArray(r.inputs.rules) ? r.inputs.rules.filter((x: any) => x?.status === "Enabled").length : 0;
    const gb = ctx.assume.s3ReplicatedGbPerBucketMonth * Math.min(rules, 1);
    return {
        lines: [
            line(
                gb * table.interRegionTransferGb.usd,
                `replication to the second region: ${gb} GB a month at ${rate(table.interRegionTransferGb)} (the replica bucket's storage is priced on it)`,
            ),
        ],
    };
};
// --- end second region ---

/** The bucket the app's own traffic reads and writes (its assets bucket); the others see a baseline. */
const isAppBucket = (r: PricedResource) => /assets/.test(r.name);

/**
 * The replication rule destination naming a bucket in the stack (its copy: written by replication, not read by
 * the app), or undefined when the bucket is no replica.
 */
function replicaDestination(r: PricedResource, ctx: Context): { storageClass?: string } | undefined {
    if (typeof r.inputs.bucket !== "string") return undefined;
    const arn = `arn:aws:s3:::${r.inputs.bucket}`;
    for (const x of ctx.all) {
        if (x.type !== "aws:s3/bucketReplicationConfig:BucketReplicationConfig" || !Array.isArray(x.inputs.rules)) continue;
        const rule = x.inputs.rules.find((rule: any) => rule?.destination?.bucket === arn);
        if (rule) return rule.destination;
    }
    return undefined;
}

const s3Bucket: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const gb = ctx.assume.s3GbPerBucket;
    const monthly = requestsPerMonth(ctx.assume.requestsPerMinute);
    const app = isAppBucket(r) && monthly > 0;
    // A replica of the app's bucket receives its writes (replication PUTs, at its storage class's rate), never its reads.
    const replica = replicaDestination(r, ctx);
    const ia = replica?.storageClass === "STANDARD_IA" && table.s3StandardIaGbMonth && table.s3StandardIaPutThousand;
    const storage = ia ? table.s3StandardIaGbMonth! : table.s3StandardGbMonth;
    const put = ia ? table.s3StandardIaPutThousand! : table.s3PutThousand;
    const gets = app && replica === undefined ? monthly * ctx.assume.s3ReadShare : 10_000;
    const puts = app ? monthly * ctx.assume.s3WriteShare : 10_000;
    const usd = (gets / 1000) * table.s3GetThousand.usd + (puts / 1000) * put.usd;
    const basis = `requests: ${Math.round(gets)} GET at ${rate(table.s3GetThousand)} + ${Math.round(puts)} PUT at ${rate(put)}`;
    return {
        lines: [
            line(gb * storage.usd, `${gb} GB assumed at ${rate(storage)}${ia ? " (Standard-IA)" : ""}`),
            app ? trafficLine(usd, basis, ctx) : line(usd, basis),
        ],
    };
};

const kmsKey: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const requests = ctx.assume.kmsRequestsPerKeyMonth;
    return {
        lines: [
            line(table.kmsKeyMonth.usd, `customer managed key at ${rate(table.kmsKeyMonth)}`),
            line((requests / 10_000) * table.kmsTenThousandRequests.usd, `${requests} requests at ${rate(table.kmsTenThousandRequests)}`),
        ],
    };
};

const secret: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const calls = ctx.assume.secretCallsPerSecretMonth;
    return {
        lines: [
            line(table.secretMonth.usd, `secret at ${rate(table.secretMonth)}`),
            line((calls / 10_000) * table.secretTenThousandCalls.usd, `${calls} API calls at ${rate(table.secretTenThousandCalls)}`),
        ],
    };
};

// --- p-aws-workers ---
/** ElastiCache: node-hours of every node (numCacheClusters), plus snapshots beyond the free copy. */
const elasticacheReplicationGroup: Pricer<AwsPriceTable> = (r, table) => {
    const nodeType = typeof r.inputs.nodeType === "string" ? r.inputs.nodeType : undefined;
    if (nodeType === undefined) return unpriced("no nodeType");
    const engine = typeof r.inputs.engine === "string" ? r.inputs.engine : "redis";
    if (engine !== "valkey") return unpriced(`engine ${engine}: only valkey is priced`);
    const price = table.elasticacheValkey[nodeType];
    if (price === undefined) return unpriced(`no price for ${nodeType}`);
    const nodes = num(r.inputs.numCacheClusters) ?? 1;
    const lines = [line(hourly(price, nodes), `${nodes} × ${nodeType} (Valkey) at ${rate(price)} × ${HOURS_PER_MONTH} h`)];
    const days = num(r.inputs.snapshotRetentionLimit) ?? 0;
    if (days > 0)
        lines.push(
            line(
                0,
                `daily snapshots kept ${days} days: one copy free per cluster, the rest at ${rate(table.elasticacheBackupGbMonth)} (a queue holds well under 1 GB)`,
            ),
        );
    return { lines };
};
// --- end p-aws-workers ---

const fixed =
    (pick: (t: AwsPriceTable) => Price, what: string): Pricer<AwsPriceTable> =>
    (_r, table) => ({
        lines: [line(pick(table).usd, `${what} at ${rate(pick(table))}`)],
    });

const wafAcl: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const rules: unknown[] = Array.isArray(r.inputs.rules) ? r.inputs.rules : [];
    const requests = ctx.assume.wafMillionRequestsMonth;
    const botControl = JSON.stringify(rules).includes("AWSManagedRulesBotControlRuleSet");
    const lines = [
        line(
            table.wafAclMonth.usd + rules.length * table.wafRuleMonth.usd,
            `web ACL ${rate(table.wafAclMonth)} + ${rules.length} rules at ${rate(table.wafRuleMonth)}`,
        ),
        trafficLine(requests * table.wafMillionRequests.usd, `${requests} million requests inspected at ${rate(table.wafMillionRequests)}`, ctx),
    ];
    if (botControl) lines.push(line(table.wafBotControlMonth.usd, `Bot Control subscription at ${rate(table.wafBotControlMonth)}`));
    return { lines };
};

const metricAlarm: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const queries: any[] = Array.isArray(r.inputs.metricQueries) ? r.inputs.metricQueries : [];
    const queried = queries.filter((q) => q?.metric !== undefined).length;
    // Alarms are billed per metric they evaluate; an anomaly detection band counts as three.
    const metrics = (queried > 0 ? queried : 1) * (r.inputs.thresholdMetricId !== undefined ? 3 : 1);
    const period = num(r.inputs.period) ?? queries.map((q) => num(q?.metric?.period)).find((p) => p !== undefined) ?? 60;
    const price = period < 60 ? table.alarmHighResMetricMonth : table.alarmStandardMetricMonth;
    const refs: MetricRef[] = [
        ...(r.inputs.metricName !== undefined
            ? [{ namespace: r.inputs.namespace, metricName: r.inputs.metricName, dimensions: r.inputs.dimensions ?? {} }]
            : []),
        ...queries
            .filter((q) => q?.metric !== undefined)
            .map((q) => ({ namespace: q.metric.namespace, metricName: q.metric.metricName, dimensions: q.metric.dimensions ?? {} })),
    ];
    return { lines: [line(metrics * price.usd, `${metrics} metric${metrics === 1 ? "" : "s"} at ${rate(price)}`), ...customMetricLines(refs, table, ctx)] };
};

/** The log group the app writes one line per request to. */
const isAppLogGroup = (r: PricedResource) => /app/.test(r.name) && !/flow|audit|trail/.test(r.name);

const logGroup: Pricer<AwsPriceTable> = (r, table, ctx) => {
    const traffic = (requestsPerMonth(ctx.assume.requestsPerMinute) * ctx.assume.logBytesPerRequest) / 1e9;
    const byTraffic = isAppLogGroup(r) && traffic > 0;
    // RDS exports its engine upgrade log only while an upgrade runs.
    const upgradeLog = typeof r.inputs.name === "string" && /^\/aws\/rds\/instance\/[^/]+\/upgrade$/.test(r.inputs.name);
    const gb = byTraffic ? +traffic.toFixed(2) : upgradeLog ? ctx.assume.rdsUpgradeLogGbMonth : ctx.assume.logGbPerGroupMonth;
    const ingest = r.inputs.logGroupClass === "INFREQUENT_ACCESS" ? table.logsIngestInfrequentGb : table.logsIngestGb;
    // Retention 0 (or unset) keeps logs forever: a year is assumed; in steady state retention/30 months of logs are stored.
    const days = num(r.inputs.retentionInDays) ?? 0;
    const storedGb = gb * ((days > 0 ? days : 365) / 30);
    const usd = gb * ingest.usd + storedGb * table.logsStorageGbMonth.usd;
    return {
        lines: [
            (byTraffic ? (u: number, b: string) => trafficLine(u, b, ctx) : line)(
                usd,
                `${gb} GB ingested at ${rate(ingest)} + ${+storedGb.toFixed(2)} GB stored (${days > 0 ? `${days}-day retention` : "never expires: a year assumed"}) at ${rate(table.logsStorageGbMonth)}`,
            ),
        ],
    };
};

const ecrRepository: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const gb = ctx.assume.ecrGbPerRepository;
    return { lines: [line(gb * table.ecrGbMonth.usd, `${gb} GB of images assumed at ${rate(table.ecrGbMonth)}`)] };
};

/** A distribution at the stated usage: transfer out and HTTPS requests (North America/Europe rates). */
const cloudfrontDistribution: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const gb = ctx.assume.cdnGbOutMonth;
    const m = ctx.assume.cdnMillionRequestsMonth;
    return {
        lines: [
            line(gb * table.cloudfrontGbOut.usd, `${gb} GB out at ${rate(table.cloudfrontGbOut)}`),
            line(m * table.cloudfrontMillionHttpsRequests.usd, `${m} million HTTPS requests at ${rate(table.cloudfrontMillionHttpsRequests)}`),
        ],
    };
};

/** A CloudFront Function, run on every request of its behavior: at most the distribution's requests. */
const cloudfrontFunction: Pricer<AwsPriceTable> = (_r, table, ctx) => {
    const m = ctx.assume.cdnMillionRequestsMonth;
    return {
        lines: [line(m * table.cloudfrontFunctionMillionInvocations.usd, `${m} million invocations at ${rate(table.cloudfrontFunctionMillionInvocations)}`)],
    };
};

const AWS_PRICERS: Readonly<Record<string, Pricer<AwsPriceTable>>> = {
    "aws:cloudfront/distribution:Distribution": cloudfrontDistribution,
    "aws:cloudfront/function:Function": cloudfrontFunction,
    "aws:autoscaling/group:Group": autoscalingGroup,
    "aws:ec2/instance:Instance": ec2Instance,
    "aws:ebs/volume:Volume": ebsVolume,
    "aws:lb/loadBalancer:LoadBalancer": loadBalancer,
    "aws:ec2/natGateway:NatGateway": natGateway,
    "aws:ec2/eip:Eip": elasticIp,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpcEndpoint,
    "aws:rds/instance:Instance": rdsInstance,
    "aws:backup/selection:Selection": backupSelection,
    "aws:backup/plan:Plan": backupPlan,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": bucketReplication,
    "aws:s3/bucket:Bucket": s3Bucket,
    "aws:kms/key:Key": kmsKey,
    "aws:secretsmanager/secret:Secret": secret,
    "aws:wafv2/webAcl:WebAcl": wafAcl,
    "aws:cloudwatch/metricAlarm:MetricAlarm": metricAlarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": fixed((t) => t.compositeAlarmMonth, "composite alarm"),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": fixed((t) => t.customMetricMonth, "the custom metric it publishes"),
    "aws:cloudwatch/dashboard:Dashboard": (r, table, ctx) => ({
        lines: [
            line(table.dashboardMonth.usd, `dashboard at ${rate(table.dashboardMonth)}`),
            ...customMetricLines(dashboardMetrics(r.inputs.dashboardBody), table, ctx),
        ],
    }),
    "aws:cloudwatch/logGroup:LogGroup": logGroup,
    "aws:ecr/repository:Repository": ecrRepository,
    "aws:route53/zone:Zone": fixed((t) => t.route53ZoneMonth, "hosted zone"),
    "aws:elasticache/replicationGroup:ReplicationGroup": elasticacheReplicationGroup, // p-aws-workers
};

// ---------------------------------------------------------------- DigitalOcean

const sized = (size: unknown, prices: DigitalOceanPriceTable["droplets"], what: string): Price | string =>
    prices[String(size)] ?? `no price for ${what} size ${String(size)}`;

// --- q-do: DigitalOcean transfer and Spaces usage at the stated traffic ---

/** Droplets the stack runs at the fewest (autoscale pools at their minimum), by size slug. */
function dropletCounts(ctx: Context): { size: string; count: number }[] {
    return ctx.all.flatMap((r) => {
        if (r.type === "digitalocean:index/droplet:Droplet") return [{ size: String(r.inputs.size), count: 1 }];
        if (r.type !== "digitalocean:index/dropletAutoscale:DropletAutoscale") return [];
        const c = r.inputs.config ?? {};
        return [{ size: String(r.inputs.dropletTemplate?.size), count: num(c.targetNumberInstances) ?? num(c.minInstances) ?? 1 }];
    });
}

/**
 * The app's responses leave DigitalOcean from its droplets (a load balancer
 * is bandwidth neutral: https://docs.digitalocean.com/products/networking/load-balancers/),
 * counted against the team's pooled transfer allowance, which the stack's
 * own droplets grow; only the excess is billed.
 */
function dropletTransferLines(t: DigitalOceanPriceTable, ctx: Context) {
    const gb = (requestsPerMonth(ctx.assume.requestsPerMinute) * ctx.assume.originKbPerRequest) / 1e6;
    if (gb <= 0) return [];
    const allowance = dropletCounts(ctx).reduce((sum, d) => sum + d.count * (t.dropletTransferGb[d.size] ?? 0), 0);
    const over = (traffic: number) => Math.max(0, traffic - allowance) * t.dropletTransferOverageGb.usd;
    const typical = over(gb);
    return [
        line(
            typical,
            `data transfer out: ${+gb.toFixed(1)} GB against the ${allowance} GB the stack's droplets add to the team's pooled allowance, ${rate(t.dropletTransferOverageGb)} beyond`,
            [0, over(gb * ctx.assume.scaledOutTrafficFactor)],
        ),
    ];
}

/** Storage and outbound transfer (Spaces and its CDN) beyond what the subscription includes. */
function spacesUsageLines(t: DigitalOceanPriceTable, ctx: Context) {
    const buckets = ctx.all.filter((r) => r.type === "digitalocean:index/spacesBucket:SpacesBucket").length;
    const cdns = ctx.all.filter((r) => r.type === "digitalocean:index/cdn:Cdn").length;
    const stored = buckets * ctx.assume.s3GbPerBucket;
    const out = cdns * ctx.assume.cdnGbOutMonth;
    const storedOver = Math.max(0, stored - t.spacesIncluded.storedGb) * t.spacesOverage.storedGb.usd;
    const outOver = Math.max(0, out - t.spacesIncluded.transferOutGb) * t.spacesOverage.transferOutGb.usd;
    return [
        line(
            storedOver + outOver,
            `usage: ${stored} GB stored (${buckets} bucket${buckets === 1 ? "" : "s"}) and ${out} GB out through the CDN, against ${t.spacesIncluded.storedGb} GiB and ${t.spacesIncluded.transferOutGb} GiB included; ${rate(t.spacesOverage.storedGb)} and ${rate(t.spacesOverage.transferOutGb)} beyond`,
        ),
    ];
}

const DIGITALOCEAN_PRICERS: Readonly<Record<string, Pricer<DigitalOceanPriceTable>>> = {
    "digitalocean:index/droplet:Droplet": (r, t, ctx) => {
        const price = sized(r.inputs.size, t.droplets, "droplet");
        if (typeof price === "string") return unpriced(price);
        // q-do: with no load balancer (a single host), the first droplet carries the stack's transfer line.
        const noLb = !ctx.all.some((x) => x.type === "digitalocean:index/loadBalancer:LoadBalancer");
        const first = ctx.all.find((x) => x.type === "digitalocean:index/droplet:Droplet") === r;
        return { lines: [line(price.usd, `1 × ${r.inputs.size} at ${rate(price)}`), ...(noLb && first ? dropletTransferLines(t, ctx) : [])] };
    },
    "digitalocean:index/dropletAutoscale:DropletAutoscale": (r, t) => {
        const size = r.inputs.dropletTemplate?.size;
        const price = sized(size, t.droplets, "droplet");
        if (typeof price === "string") return unpriced(price);
        const config = r.inputs.config ?? {};
        const fixedCount = num(config.targetNumberInstances);
        const min = fixedCount ?? num(config.minInstances) ?? 1;
        const max = fixedCount ?? num(config.maxInstances) ?? min;
        const counted = min === max ? `${min} ×` : `${min} × (${min}-${max} when scaling)`;
        return { lines: [line(min * price.usd, `${counted} ${size} at ${rate(price)}`, [min * price.usd, max * price.usd])] };
    },
    "digitalocean:index/loadBalancer:LoadBalancer": (r, t, ctx) => {
        const legacy = r.inputs.size !== undefined && r.inputs.sizeUnit === undefined ? t.loadBalancerSizes[String(r.inputs.size)] : undefined;
        const nodes = num(r.inputs.sizeUnit) ?? 1;
        const lb = legacy
            ? line(legacy.usd, `${r.inputs.size} at ${rate(legacy)}`)
            : line(nodes * t.loadBalancerNodeMonth.usd, `${nodes} node${nodes === 1 ? "" : "s"} at ${rate(t.loadBalancerNodeMonth)}`);
        return { lines: [lb, ...dropletTransferLines(t, ctx)] };
    },
    "digitalocean:index/databaseCluster:DatabaseCluster": (r, t) => {
        const price = sized(r.inputs.size, t.databaseNodes, "database");
        if (typeof price === "string") return unpriced(price);
        const nodes = num(r.inputs.nodeCount) ?? 1;
        const standby = nodes > 1 ? ` (primary + ${nodes - 1} standby)` : "";
        return { lines: [line(nodes * price.usd, `${r.inputs.engine ?? "database"}: ${nodes} × ${r.inputs.size}${standby} at ${rate(price)}`)] };
    },
    "digitalocean:index/databaseReplica:DatabaseReplica": (r, t) => {
        const price = sized(r.inputs.size, t.databaseNodes, "database");
        if (typeof price === "string") return unpriced(price);
        return { lines: [line(price.usd, `read-only node ${r.inputs.size} at ${rate(price)}`)] };
    },
    "digitalocean:index/spacesBucket:SpacesBucket": (_r, t, ctx) => {
        if (ctx.spacesCounted) return { lines: [line(0, "included in the team's Spaces subscription (counted once)")] };
        ctx.spacesCounted = true;
        return {
            lines: [
                line(t.spacesMonth.usd, `Spaces subscription at ${rate(t.spacesMonth)} (250 GiB, 1 TiB out; shared by every bucket)`),
                ...spacesUsageLines(t, ctx),
            ],
        };
    },
    "digitalocean:index/containerRegistry:ContainerRegistry": (r, t) => {
        const tier = String(r.inputs.subscriptionTierSlug ?? "starter");
        const price = t.registryTiers[tier];
        if (!price) return unpriced(`no price for registry tier ${tier}`);
        return { lines: [line(price.usd, `${tier} tier at ${rate(price)}`)] };
    },
    "digitalocean:index/uptimeCheck:UptimeCheck": (_r, t) => ({ lines: [line(t.uptimeCheckMonth.usd, `uptime check at ${rate(t.uptimeCheckMonth)}`)] }),
    "digitalocean:index/volume:Volume": (r, t) => {
        const gb = num(r.inputs.size) ?? 0;
        return { lines: [line(gb * t.volumeGbMonth.usd, `${gb} GB at ${rate(t.volumeGbMonth)}`)] };
    },
};

/** Every resource type the model prices, by cloud (for the "priced or free" test and the docs). */
export const PRICED_TYPES: readonly string[] = [...Object.keys(AWS_PRICERS), ...Object.keys(DIGITALOCEAN_PRICERS)];

/** The price table for a target: its own for us-east-1, sa-east-1 and DigitalOcean, else us-east-1's (stated in the estimate). */
export function priceTableFor(target: CostTarget): { table: AwsPriceTable | DigitalOceanPriceTable; note?: string } {
    if (target.cloud === "digitalocean") return { table: DIGITALOCEAN };
    const own = AWS_PRICE_TABLES[target.region];
    if (own) return { table: own };
    return { table: AWS_US_EAST_1, note: `no price table for ${target.region}: us-east-1 prices used (most regions cost more)` };
}

/** The name of the nearest component above a resource, or "(stack)". */
function componentOf(r: PricedResource, byUrn: ReadonlyMap<string, PricedResource>): string {
    let parent = r.parent ? byUrn.get(r.parent) : undefined;
    while (parent && parent.custom !== false) parent = parent.parent ? byUrn.get(parent.parent) : undefined;
    return parent && parent.type !== "pulumi:pulumi:Stack" ? parent.name : "(stack)";
}

/**
 * The monthly on-demand estimate of a set of recorded resources: one line per
 * priced item (a resource may give several: instances, their volumes, their
 * public addresses), the total at desired counts, the most it can reach when
 * everything scales, the usage assumptions, and what it could not price.
 */
export function estimateCost(resources: readonly PricedResource[], target: CostTarget, assumptions: UsageAssumptions = DEFAULT_ASSUMPTIONS): CostEstimate {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const ctx: Context = { byUrn, all: resources, assume: assumptions, spacesCounted: false, customMetrics: new Set() };
    const { table, note } = priceTableFor(target);
    const pricers: Readonly<Record<string, Pricer<any>>> = table.cloud === "aws" ? AWS_PRICERS : DIGITALOCEAN_PRICERS;

    const lines: CostLine[] = [];
    const unpricedList: CostEstimate["unpriced"][number][] = [];
    const free: CostEstimate["free"][number][] = [];
    for (const r of resources) {
        if (r.custom === false || r.type.startsWith("pulumi:")) continue;
        const id = { urn: r.urn, type: r.type, name: r.name };
        const pricer = pricers[r.type];
        if (!pricer) {
            if (FREE_TYPES[r.type] !== undefined) free.push({ ...id, reason: FREE_TYPES[r.type] });
            else unpricedList.push({ ...id, reason: "no price and not on the free list" });
            continue;
        }
        const priced = pricer(r, table, ctx);
        if ("unpriced" in priced) {
            unpricedList.push({ ...id, reason: priced.unpriced });
            continue;
        }
        const component = componentOf(r, byUrn);
        for (const l of priced.lines) lines.push({ ...id, component, ...l });
    }
    const total = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
    const totalMax = lines.reduce((sum, l) => sum + (l.range?.[1] ?? l.monthlyUsd), 0);
    const totalMin = lines.reduce((sum, l) => sum + (l.range?.[0] ?? l.monthlyUsd), 0);
    return {
        priceTable: table.cloud === "aws" ? `aws ${table.region}` : "digitalocean",
        lines,
        total,
        totalMax,
        totalMin,
        // q-do: each cloud's lines say what its own priced items assume.
        assumptions:
            table.cloud === "aws"
                ? [...(note ? [note] : []), `${HOURS_PER_MONTH} hours a month`, ...describeAssumptions(assumptions)]
                : describeDigitalOceanAssumptions(assumptions),
        unpriced: unpricedList,
        free,
    };
}

/** The estimate summed per component, most expensive first. */
export function costByComponent(estimate: CostEstimate): { component: string; monthlyUsd: number; maxUsd: number }[] {
    const sums = new Map<string, { monthlyUsd: number; maxUsd: number }>();
    for (const l of estimate.lines) {
        const s = sums.get(l.component) ?? { monthlyUsd: 0, maxUsd: 0 };
        s.monthlyUsd += l.monthlyUsd;
        s.maxUsd += l.range?.[1] ?? l.monthlyUsd;
        sums.set(l.component, s);
    }
    return [...sums.entries()]
        .map(([component, s]) => ({ component, ...s }))
        .sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.component.localeCompare(b.component));
}

/** Dollars as the reports print them: "$41.79". */
export function formatUsd(n: number): string {
    return `$${n.toFixed(2)}`;
}

/** A config key that lowers a line, and what it saves. */
export interface CostLever {
    /** `alicerce:key value`, as a user would set it. */
    readonly setting: string;
    readonly savesUsd: number;
    /** What it gives up. */
    readonly gives: string;
}

/**
 * The levers a line offers (a config key per resource kind), with what each saves. `estimate`, when given,
 * lets a lever count the other lines of the same resource (the load balancer's addresses and LCUs).
 */
export function leversFor(l: CostLine, estimate?: CostEstimate): CostLever[] {
    const levers: CostLever[] = [];
    if (/Multi-AZ \(× 2\)|standby\)/.test(l.basis)) {
        levers.push({
            setting: "alicerce:dbHighAvailability false",
            savesUsd: /standby\)/.test(l.basis) ? l.monthlyUsd - l.monthlyUsd / Number(/(\d+) ×/.exec(l.basis)?.[1] ?? 2) : l.monthlyUsd / 2,
            gives: "the synchronous standby (a zone outage then means a restore)",
        });
    } else if (l.type === "aws:rds/instance:Instance" && /^instance:/.test(l.basis)) {
        levers.push({ setting: "alicerce:dbInstanceClass <a smaller class>", savesUsd: l.monthlyUsd / 2, gives: "database headroom" });
    }
    if ((l.type === "aws:autoscaling/group:Group" && !/^(EBS|public)/.test(l.basis)) || l.type === "digitalocean:index/dropletAutoscale:DropletAutoscale") {
        levers.push({ setting: "alicerce:instanceType <one size smaller>", savesUsd: l.monthlyUsd / 2, gives: "per-instance headroom" });
    }
    // q-budget-aws: the instance edge drops the ALB, its LCUs and addresses (transfer out stays, leaving from the
    // Elastic IP, which replaces the instance's own address) and adds the origin's health metric.
    if (l.type === "aws:lb/loadBalancer:LoadBalancer" && /^ALB at/.test(l.basis))
        levers.push({
            setting: "alicerce:edge instance",
            savesUsd: instanceEdgeSaving(l, estimate),
            gives: "the load balancer: one instance serves plain HTTP from an Elastic IP (only without alicerce:domain, with one instance in public subnets)",
        });
    if (l.type === "aws:ec2/natGateway:NatGateway")
        levers.push({
            setting: "alicerce:egress public-subnets",
            savesUsd: l.monthlyUsd,
            gives: "private app subnets (instances get a public address behind a closed security group)",
        });
    return levers;
}

/** What the instance edge saves against the load balancer of line `l` (its lines but transfer, less the health metric). */
function instanceEdgeSaving(l: CostLine, estimate?: CostEstimate): number {
    const lb = estimate?.lines.filter((x) => x.urn === l.urn && !/^data transfer out/.test(x.basis)) ?? [l];
    const region = estimate?.priceTable.startsWith("aws ") ? estimate.priceTable.slice(4) : undefined;
    const table = region !== undefined ? (priceTableFor({ cloud: "aws", region }).table as AwsPriceTable) : undefined;
    const metric = table ? table.customMetricMonth.usd + (ORIGIN_REPORTS_PER_MONTH / 1000) * table.cloudwatchThousandRequests.usd : 0;
    return lb.reduce((sum, x) => sum + x.monthlyUsd, 0) - metric;
}

/**
 * Why a stack is over its budget: the three biggest items and the config key
 * that would bring it under (the lever saving the most, when none alone is
 * enough). Undefined when the estimate is within the budget. `budgetFrom`
 * names where the budget was set; a budget set outside alicerce's config
 * (another program's, through the pack config) gets no alicerce levers.
 */
export function budgetAdvice(estimate: CostEstimate, budgetUsd: number, budgetFrom = "alicerce:budgetUsd"): string | undefined {
    const over = estimate.total - budgetUsd;
    if (over <= 0) return undefined;
    const biggest = [...estimate.lines].sort((a, b) => b.monthlyUsd - a.monthlyUsd);
    const top = biggest.slice(0, 3).map((l) => `${l.name} ${formatUsd(l.monthlyUsd)} (${l.basis})`);
    if (!budgetFrom.startsWith("alicerce:")) {
        return `The estimated monthly cost ${formatUsd(estimate.total)} is over the budget of ${formatUsd(budgetUsd)} (${budgetFrom}) by ${formatUsd(over)}. Biggest items: ${top.join("; ")}.`;
    }
    const levers = biggest.flatMap((l) => leversFor(l, estimate)).sort((a, b) => b.savesUsd - a.savesUsd);
    const enough = levers.filter((l) => l.savesUsd >= over).sort((a, b) => a.savesUsd - b.savesUsd)[0];
    const lever = enough
        ? `set ${enough.setting} (saves about ${formatUsd(enough.savesUsd)}; gives up ${enough.gives})`
        : levers[0]
          ? `no single key brings it under; the biggest is ${levers[0].setting} (saves about ${formatUsd(levers[0].savesUsd)}; gives up ${levers[0].gives})`
          : "no config key lowers these items; raise alicerce:budgetUsd or pick a lower alicerce:tier";
    return `The estimated monthly cost ${formatUsd(estimate.total)} is over the budget of ${formatUsd(budgetUsd)} (${budgetFrom}) by ${formatUsd(over)}. Biggest items: ${top.join("; ")}. To bring it under: ${lever}.`;
}
