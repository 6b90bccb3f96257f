/**
 * The architecture of a stack as a Mermaid flowchart, generated from the
 * resources a run recorded (never drawn by hand, so it cannot drift from the
 * code): DNS -> WAF -> load balancer -> compute -> database primary/replica,
 * with the buckets, secrets, registry and egress the compute uses. A box is
 * drawn only when the stack creates that resource. Pure.
 */

/** The fields of a recorded resource the diagram reads. */
export interface DiagramResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom?: boolean;
    readonly inputs: Record<string, any>;
    readonly dependencies?: readonly string[];
}

interface Node {
    readonly id: string;
    readonly label: string;
    /** Mermaid shape: box, cylinder (data), stadium (people and the internet), hexagon (security). */
    readonly shape: "box" | "cylinder" | "stadium" | "hexagon";
}

const TYPES = {
    dns: ["cloudflare:index/record:Record", "cloudflare:index/dnsRecord:DnsRecord", "aws:route53/record:Record", "digitalocean:index/dnsRecord:DnsRecord"],
    waf: ["aws:wafv2/webAcl:WebAcl"],
    lb: ["aws:lb/loadBalancer:LoadBalancer", "digitalocean:index/loadBalancer:LoadBalancer"],
    compute: [
        "aws:autoscaling/group:Group",
        "aws:ec2/instance:Instance",
        "digitalocean:index/dropletAutoscale:DropletAutoscale",
        "digitalocean:index/droplet:Droplet",
    ],
    database: ["aws:rds/instance:Instance", "digitalocean:index/databaseCluster:DatabaseCluster", "digitalocean:index/databaseReplica:DatabaseReplica"],
    bucket: ["aws:s3/bucket:Bucket", "digitalocean:index/spacesBucket:SpacesBucket"],
    secret: ["aws:secretsmanager/secret:Secret"],
    key: ["aws:kms/key:Key"],
    registry: ["aws:ecr/repository:Repository", "digitalocean:index/containerRegistry:ContainerRegistry"],
    nat: ["aws:ec2/natGateway:NatGateway"],
    alarm: ["aws:cloudwatch/metricAlarm:MetricAlarm", "digitalocean:index/monitorAlert:MonitorAlert"],
    topic: ["aws:sns/topic:Topic"],
} as const;

/** A Mermaid-safe id from a logical name. */
function nodeId(prefix: string, name: string): string {
    return `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Mermaid labels are quoted: no double quotes inside, and `<br/>` for line breaks. */
function label(...lines: (string | undefined)[]): string {
    return lines
        .filter((l): l is string => l !== undefined && l !== "")
        .map((l) => l.replace(/"/g, "'"))
        .join("<br/>");
}

function shape(n: Node): string {
    switch (n.shape) {
        case "cylinder":
            return `${n.id}[("${n.label}")]`;
        case "stadium":
            return `${n.id}(["${n.label}"])`;
        case "hexagon":
            return `${n.id}{{"${n.label}"}}`;
        default:
            return `${n.id}["${n.label}"]`;
    }
}

const countOf = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

function computeLabel(r: DiagramResource, byUrn: ReadonlyMap<string, DiagramResource>): string {
    switch (r.type) {
        case "aws:autoscaling/group:Group": {
            const template = (r.dependencies ?? []).map((u) => byUrn.get(u)).find((d) => d?.type === "aws:ec2/launchTemplate:LaunchTemplate");
            const min = r.inputs.minSize;
            const max = r.inputs.maxSize;
            return label(r.name, "Auto Scaling group", `${min === max ? min : `${min}-${max}`} × ${template?.inputs.instanceType ?? "EC2"}`);
        }
        case "aws:ec2/instance:Instance":
            return label(r.name, `EC2 ${r.inputs.instanceType ?? ""}`);
        case "digitalocean:index/dropletAutoscale:DropletAutoscale": {
            const c = r.inputs.config ?? {};
            const count = c.targetNumberInstances ?? (c.minInstances === c.maxInstances ? c.minInstances : `${c.minInstances}-${c.maxInstances}`);
            return label(r.name, "droplet autoscale pool", `${count} × ${r.inputs.dropletTemplate?.size ?? "droplet"}`);
        }
        default:
            return label(r.name, `droplet ${r.inputs.size ?? ""}`);
    }
}

function databaseLabel(r: DiagramResource): string {
    if (r.type === "aws:rds/instance:Instance") {
        const role = r.inputs.replicateSourceDb !== undefined ? "read replica" : r.inputs.multiAz === true ? "primary, Multi-AZ" : "primary";
        const engine = r.inputs.engine === undefined || String(r.inputs.engine).startsWith("postgres") ? "PostgreSQL" : String(r.inputs.engine);
        return label(r.name, `RDS ${engine} ${role}`, r.inputs.instanceClass);
    }
    if (r.type === "digitalocean:index/databaseReplica:DatabaseReplica") return label(r.name, "read-only node", r.inputs.size);
    const nodes = Number(r.inputs.nodeCount ?? 1);
    return label(r.name, `${r.inputs.engine ?? "database"} cluster${nodes > 1 ? `, ${nodes} nodes` : ""}`, r.inputs.size);
}

/**
 * The stack's architecture as Mermaid `flowchart LR` source. Boxes appear only
 * for what the stack creates; edges follow the request path and the data the
 * compute uses.
 */
export function renderMermaid(resources: readonly DiagramResource[]): string {
    const cloud = resources.filter((r) => r.custom !== false && !r.type.startsWith("pulumi:"));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    // q-budget-aws: an EC2 instance with source/destination checking off forwards for others (a NAT instance): egress, not compute.
    const forwards = (r: DiagramResource) => r.type === "aws:ec2/instance:Instance" && r.inputs.sourceDestCheck === false;
    const of = (types: readonly string[]) => cloud.filter((r) => types.includes(r.type) && (types !== TYPES.compute || !forwards(r)));

    const nodes: Node[] = [];
    const edges: string[] = [];
    const add = (n: Node) => (nodes.push(n), n.id);
    const link = (from: string[], to: string[], text?: string, dotted = false) => {
        for (const a of from) for (const b of to) edges.push(`${a} ${dotted ? "-.->" : "-->"}${text ? `|${text}|` : ""} ${b}`);
    };

    const users = add({ id: "users", label: "users", shape: "stadium" });
    let front = [users];

    const dns = of(TYPES.dns);
    if (dns.length > 0) {
        const names = [...new Set(dns.map((r) => String(r.inputs.name ?? r.name)))].filter((n) => !n.startsWith("_"));
        const provider = dns[0].type.split(":")[0];
        front = [add({ id: "dns", label: label(`DNS (${provider})`, ...names.slice(0, 3)), shape: "box" })];
        link([users], front);
    }

    const wafs = of(TYPES.waf).map((r) =>
        add({
            id: nodeId("waf", r.name),
            label: label(r.name, "WAF web ACL", countOf(Array.isArray(r.inputs.rules) ? r.inputs.rules.length : 0, "rule")),
            shape: "hexagon",
        }),
    );
    if (wafs.length > 0) {
        link(front, wafs);
        front = wafs;
    }

    const lbs = of(TYPES.lb).map((r) =>
        add({
            id: nodeId("lb", r.name),
            label: label(r.name, r.type.startsWith("aws:") ? `${r.inputs.loadBalancerType ?? "application"} load balancer` : "load balancer"),
            shape: "box",
        }),
    );
    if (lbs.length > 0) {
        link(front, lbs);
        front = lbs;
    }

    const compute = of(TYPES.compute).map((r) => add({ id: nodeId("app", r.name), label: computeLabel(r, byUrn), shape: "box" }));
    if (compute.length > 0) link(front, compute);

    const databases = of(TYPES.database);
    const dbIds = new Map(databases.map((r) => [r.urn, add({ id: nodeId("db", r.name), label: databaseLabel(r), shape: "cylinder" })]));
    for (const r of databases) {
        const isReplica = r.inputs.replicateSourceDb !== undefined || r.type === "digitalocean:index/databaseReplica:DatabaseReplica";
        if (!isReplica) {
            // A DigitalOcean cluster may be Redis/Valkey (the queue and cache), spoken to over RESP, not SQL.
            const engine = String(r.inputs.engine ?? "pg");
            link(
                compute,
                [dbIds.get(r.urn)!],
                /^(redis|valkey)$/.test(engine) ? "cache / queue" : /^(mongodb|kafka|opensearch)$/.test(engine) ? engine : "SQL",
            );
            continue;
        }
        const source = (r.dependencies ?? []).map((u) => dbIds.get(u)).find((id) => id !== undefined && id !== dbIds.get(r.urn));
        if (source) link([source], [dbIds.get(r.urn)!], "replication", true);
        link(compute, [dbIds.get(r.urn)!], "reads", true);
    }

    const buckets = of(TYPES.bucket).map((r) =>
        add({ id: nodeId("bucket", r.name), label: label(r.name, r.type.startsWith("aws:") ? "S3 bucket" : "Spaces bucket"), shape: "cylinder" }),
    );
    link(compute, buckets);

    const secrets = of(TYPES.secret);
    const keys = of(TYPES.key);
    if (secrets.length > 0 || keys.length > 0) {
        const secretsId = add({
            id: "secrets",
            label: label(
                secrets.length > 0 ? `Secrets Manager: ${countOf(secrets.length, "secret")}` : undefined,
                keys.length > 0 ? `KMS: ${countOf(keys.length, "key")}` : undefined,
            ),
            shape: "hexagon",
        });
        link(compute, [secretsId], "reads secrets");
    }

    const registries = of(TYPES.registry).map((r) => add({ id: nodeId("registry", r.name), label: label(r.name, "container registry"), shape: "box" }));
    link(registries, compute, "image", true);

    const nats = of(TYPES.nat);
    const natInstances = cloud.filter(forwards);
    if (nats.length + natInstances.length > 0) {
        const natId = add({
            id: "nat",
            label: label(
                ...[nats.length > 0 ? countOf(nats.length, "NAT gateway") : "", natInstances.length > 0 ? countOf(natInstances.length, "NAT instance") : ""],
            ),
            shape: "box",
        });
        const internet = add({ id: "internet", label: "internet", shape: "stadium" });
        link(compute, [natId], "egress");
        link([natId], [internet]);
    }

    const alarms = of(TYPES.alarm);
    if (alarms.length > 0) {
        const topics = of(TYPES.topic);
        const alarmId = add({ id: "alarms", label: label(countOf(alarms.length, "alarm"), topics.length > 0 ? "-> SNS email" : undefined), shape: "box" });
        link(compute, [alarmId], "metrics", true);
    }

    return ["flowchart LR", ...nodes.map((n) => `    ${shape(n)}`), ...edges.map((e) => `    ${e}`)].join("\n");
}
