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
    /** The parent's URN (a single Docker host's containers are told apart by their component). */
    readonly parent?: string;
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
    cache: ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/serverlessCache:ServerlessCache", "aws:elasticache/cluster:Cluster"],
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
    const engine = String(r.inputs.engine ?? "database");
    return label(r.name, `${ENGINES[engine] ?? engine} cluster${nodes > 1 ? `, ${nodes} nodes` : ""}`, r.inputs.size);
}

/** DigitalOcean's engine slugs (API `engine`: pg, mysql, redis, valkey, mongodb, kafka, opensearch) as people name them. */
const ENGINES: Readonly<Record<string, string>> = {
    pg: "PostgreSQL",
    mysql: "MySQL",
    redis: "Redis",
    valkey: "Valkey",
    mongodb: "MongoDB",
    kafka: "Kafka",
    opensearch: "OpenSearch",
};

/** What the compute speaks to a data store: SQL to PostgreSQL and MySQL; RESP to Redis/Valkey (the cache, and the workers' queue). */
function protocolOf(engine: string, worker: boolean): string {
    if (/^(redis|valkey)$/.test(engine)) return worker ? "queue" : "cache / queue";
    if (/^(pg|postgres.*|mysql)$/.test(engine)) return "SQL";
    return ENGINES[engine] ?? engine;
}

/** A queue worker pool or group (by its logical name): it takes no traffic from the load balancer. */
const isWorker = (r: DiagramResource) => /worker/.test(r.name);

/**
 * The stack's architecture as Mermaid `flowchart LR` source. Boxes appear only
 * for what the stack creates; edges follow the request path and the data the
 * compute uses.
 */
export function renderMermaid(resources: readonly DiagramResource[], options: { mask?: (text: string) => string } = {}): string {
    const mask = options.mask ?? ((t: string) => t);
    const masked = (n: Node): Node => ({ ...n, label: mask(n.label) });
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

    // A single Docker host: its containers are the architecture; the droplet they run on is drawn around them.
    const containers = of([DOCKER_CONTAINER]);
    if (containers.length > 0) {
        const hosts = of(TYPES.compute).filter((r) => componentOf(r) === "VpsHost");
        const hostLabel = hosts.length > 0 ? computeLabel(hosts[0], byUrn) : label("Docker host (yours)");
        return dockerHost(resources, cloud, front, hostLabel, nodes, edges, mask);
    }

    const computeResources = of(TYPES.compute);
    const compute = computeResources.map((r) => add({ id: nodeId("app", r.name), label: computeLabel(r, byUrn), shape: "box" }));
    const serving = compute.filter((_id, i) => !isWorker(computeResources[i]));
    const workers = compute.filter((_id, i) => isWorker(computeResources[i]));
    if (compute.length > 0) link(front, serving.length > 0 ? serving : compute);

    const databases = of(TYPES.database);
    const dbIds = new Map(databases.map((r) => [r.urn, add({ id: nodeId("db", r.name), label: databaseLabel(r), shape: "cylinder" })]));
    for (const r of databases) {
        const isReplica = r.inputs.replicateSourceDb !== undefined || r.type === "digitalocean:index/databaseReplica:DatabaseReplica";
        if (!isReplica) {
            // A DigitalOcean cluster may be Redis/Valkey (the queue and cache), spoken to over RESP, not SQL.
            const engine = String(r.inputs.engine ?? "pg");
            link(serving, [dbIds.get(r.urn)!], protocolOf(engine, false));
            link(workers, [dbIds.get(r.urn)!], protocolOf(engine, true));
            continue;
        }
        const source = (r.dependencies ?? []).map((u) => dbIds.get(u)).find((id) => id !== undefined && id !== dbIds.get(r.urn));
        if (source) link([source], [dbIds.get(r.urn)!], "replication", true);
        link(compute, [dbIds.get(r.urn)!], "reads", true);
    }

    for (const r of of(TYPES.cache)) {
        const id = add({
            id: nodeId("cache", r.name),
            label: label(r.name, `ElastiCache ${ENGINES[String(r.inputs.engine ?? "valkey")] ?? r.inputs.engine}`, r.inputs.nodeType),
            shape: "cylinder",
        });
        link(serving, [id], protocolOf(String(r.inputs.engine ?? "valkey"), false));
        link(workers, [id], protocolOf(String(r.inputs.engine ?? "valkey"), true));
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

    return render(nodes.map(masked), edges);
}

function render(nodes: readonly Node[], edges: readonly string[], host?: { label: string; nodes: readonly Node[] }): string {
    const lines = ["flowchart LR", ...nodes.map((n) => `    ${shape(n)}`)];
    if (host) lines.push(`    subgraph host["${host.label.replace(/<br\/>/g, ", ")}"]`, ...host.nodes.map((n) => `        ${shape(n)}`), "    end");
    return [...lines, ...edges.map((e) => `    ${e}`)].join("\n");
}

const DOCKER_CONTAINER = "docker:index/container:Container";

/** The alicerce component a resource belongs to (`AppReplicas` for `alicerce:docker:AppReplicas`), from its parent's URN. */
function componentOf(r: DiagramResource): string | undefined {
    const qualified = r.parent?.split("::")[2];
    return qualified?.split("$").pop()?.split(":")[2];
}

/**
 * A single Docker host: TLS edge (Caddy) and reverse proxy (nginx), the app
 * replicas and workers, PostgreSQL, Redis, the S3-compatible object store
 * and the nightly backup job, with what each speaks to the others.
 */
function dockerHost(
    all: readonly DiagramResource[],
    cloud: readonly DiagramResource[],
    front: string[],
    hostLabel: string,
    outside: Node[],
    edges: string[],
    mask: (text: string) => string,
): string {
    const inside: Node[] = [];
    const add = (n: Node) => (inside.push(n), n.id);
    const link = (from: string[], to: string[], text?: string, dotted = false) => {
        for (const a of from) for (const b of to) edges.push(`${a} ${dotted ? "-.->" : "-->"}${text ? `|${text}|` : ""} ${b}`);
    };
    const containers = cloud.filter((r) => r.type === DOCKER_CONTAINER);
    const ofRole = (role: string) => containers.filter((r) => componentOf(r) === role);
    /** The image a component pulls (`redis:7.4-alpine`), for its label. */
    const imageOf = (role: string) =>
        cloud.find((r) => r.type === "docker:index/remoteImage:RemoteImage" && componentOf(r) === role)?.inputs.name as string | undefined;
    const one = (role: string, id: string, lines: (string | undefined)[], nodeShape: Node["shape"] = "box") =>
        ofRole(role).length > 0 ? [add({ id, label: label(...lines), shape: nodeShape })] : [];

    const tls = one("TlsEdge", "tls", ["caddy", "TLS edge (Caddy, ACME certificates)"]);
    const proxy = one("ReverseProxy", "proxy", ["nginx", "reverse proxy"]);
    const replicas = ofRole("AppReplicas");
    const workers = replicas.filter((r) => /worker/.test(r.name));
    const apps = replicas.filter((r) => !/worker/.test(r.name));
    const app = apps.length > 0 ? [add({ id: "app", label: label("app", countOf(apps.length, "replica")), shape: "box" })] : [];
    const worker = workers.length > 0 ? [add({ id: "workers", label: label("workers", countOf(workers.length, "replica")), shape: "box" })] : [];
    const postgres = one("Postgres", "postgres", ["postgres", `PostgreSQL${imageOf("Postgres") ? ` (${imageOf("Postgres")})` : ""}`], "cylinder");
    const redisImage = imageOf("Redis");
    const redisKind = redisImage && /valkey/.test(redisImage) ? "Valkey" : "Redis";
    const redis = one("Redis", "redis", ["redis", `${redisKind}${redisImage ? ` (${redisImage})` : ""}`], "cylinder");
    const store = one("ObjectStore", "objectstore", ["objectstore", "S3-compatible object store"], "cylinder");
    const backup = one("Backups", "backups", ["backups", "nightly pg_dump + restic"]);
    const setup = one("StorageSetup", "storage_setup", ["storage-setup", "creates the buckets (runs once)"]);

    // The restic repository: a volume on this host, or (alicerce:backupRepository) a bucket elsewhere.
    const onHost = all.some((r) => r.type === "docker:index/volume:Volume" && componentOf(r) === "Backups" && /repository/.test(r.name));
    let repository: string[] = [];
    if (backup.length > 0) {
        const node: Node = onHost
            ? { id: "restic_repo", label: label("restic repository", "a volume on this host"), shape: "cylinder" }
            : { id: "restic_repo", label: label("restic repository", "an S3-compatible bucket off the host"), shape: "cylinder" };
        repository = [onHost ? add(node) : (outside.push(node), node.id)];
    }

    const entry = tls.length > 0 ? tls : proxy;
    link(front, entry, tls.length > 0 ? "HTTPS" : "HTTP");
    if (tls.length > 0) link(tls, proxy, "HTTP");
    link(proxy.length > 0 ? proxy : front, app, "HTTP");
    link([...app, ...worker], postgres, "SQL");
    link(app, redis, "cache / queue");
    link(worker, redis, "queue");
    link([...app, ...worker], store, "S3 API");
    link(backup, postgres, "pg_dump");
    link(backup, store, "copies uploads");
    link(backup, repository, "restic");
    link(setup, store, "creates buckets", true);
    const masked = (n: Node): Node => ({ ...n, label: mask(n.label) });
    return render(outside.map(masked), edges, { label: mask(hostLabel), nodes: inside.map(masked) });
}
