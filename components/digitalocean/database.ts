import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { connectionBudget, databaseNodeCount, MAINTENANCE_WINDOW, POSTGRES_VERSION } from "./sizing";
import { Transform, transform } from "../shared/transform";

/** The children a {@link Transform} may change. */
export interface DatabaseTransform {
    readonly cluster?: Transform<digitalocean.DatabaseClusterArgs>;
    readonly replica?: Transform<digitalocean.DatabaseReplicaArgs>;
}

/** Arguments of {@link Database}. */
export interface DatabaseArgs {
    readonly region: string;
    /** Size slug, e.g. db-s-1vcpu-2gb. Standby nodes need 2 GB or more (checked in stacks/). */
    readonly size: string;
    /** One standby node in the cluster: automatic failover. Priced as a second node. */
    readonly highAvailability: boolean;
    /** A read-only replica for the app's reads. Priced as another node. */
    readonly readReplica: boolean;
    /** The VPC the cluster and replica sit in (private networking only for the app). */
    readonly vpcId: pulumi.Input<string>;
    /** The only droplets the database firewall trusts. */
    readonly appTag: pulumi.Input<string>;
    /** The queue workers' tag, also trusted (they record their results in PostgreSQL). @default undefined (no workers) */
    readonly workerTag?: pulumi.Input<string>;
    /** The second-region copy droplet's tag, also trusted (it runs pg_dump). @default undefined (no copy) */
    readonly copyTag?: pulumi.Input<string>;
    /** Label tags (`project:alicerce`, ...) for the cluster (tags update in place there). */
    readonly tags: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Tags for the read replica: only ones that never change. `tags` is
     * ForceNew on a replica (terraform-provider-digitalocean,
     * digitalocean/database/resource_database_replica.go), so an owner or
     * cost-center tag there would rebuild it on a handover.
     */
    readonly replicaTags: pulumi.Input<pulumi.Input<string>[]>;
    /** The most app droplets that may run (sizes each one's connection pool). */
    readonly maxInstances: number;
    /** The app's database and user name. @default "app" */
    readonly appName?: string;
    /** Pulumi `protect` (DigitalOcean has no deletion protection flag; this is the guard). */
    readonly protect: boolean;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: DatabaseTransform;
    /** A cluster restored BESIDE the stack's own one (never in its place); the app uses it when `active`. */
    readonly restore?: DatabaseRestore;
}

/** A restored cluster: DigitalOcean's newest backup (`latest`) or a point in time (UTC) of the stack's cluster. */
export interface DatabaseRestore {
    /** `latest`, or an ISO 8601 UTC time. */
    readonly at: string;
    /** Derived from the source: part of the restored cluster's logical name, so a new source is a new cluster. */
    readonly slug: string;
    readonly active: boolean;
}

/** A PostgreSQL connection URL (TLS required). */
export function postgresUrl(parts: { user: string; password: string; host: string; port: number; database: string }): string {
    const enc = encodeURIComponent;
    return `postgresql://${enc(parts.user)}:${enc(parts.password)}@${parts.host}:${parts.port}/${enc(parts.database)}?sslmode=require`;
}

/**
 * The cluster's admin (`doadmin`) URL, retargeted at the app's database with
 * TLS required: the bootstrap's grants apply to the database it connects to.
 */
export function adminUrlFor(privateUri: string, database: string): string {
    const url = new URL(privateUri);
    url.pathname = `/${encodeURIComponent(database)}`;
    url.search = "";
    url.searchParams.set("sslmode", "require");
    return url.toString();
}

/** A PostgreSQL identifier, double-quoted (a `"` inside is doubled). */
export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The admin SQL the app needs before its migrations. DigitalOcean creates the
 * database as `doadmin`, and since PostgreSQL 15 only the database owner may
 * create in schema `public`; the provider cannot set the owner (DatabaseDb
 * takes a cluster and a name only). Idempotent: a repeated GRANT is a no-op.
 */
export function appSchemaGrants(user: string): string[] {
    return [`GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdent(user)}`];
}

/**
 * Managed PostgreSQL: a cluster (1 node, or 2 with a standby), an optional
 * read-only replica, the app's database and user, a PgBouncer pool in
 * transaction mode (for jobs and tools; the app connects directly, see
 * {@link connectionBudget}), a firewall trusting only the app droplets' tag,
 * and a weekly maintenance window. Everything sits in the VPC; the app gets
 * private hosts only. DigitalOcean encrypts storage at rest and takes daily
 * backups with 7 days of point-in-time restore (fixed by the service).
 */
export class Database extends pulumi.ComponentResource {
    public readonly clusterId: pulumi.Output<string>;
    public readonly clusterUrn: pulumi.Output<string>;
    public readonly replicaUrn?: pulumi.Output<string>;
    /** Straight to the primary's private host (secret). */
    public readonly url: pulumi.Output<string>;
    /** Straight to the replica's private host (secret); undefined without a replica (reads go to the primary). */
    public readonly readerUrl?: pulumi.Output<string>;
    /** Through PgBouncer (secret). */
    public readonly poolUrl: pulumi.Output<string>;
    /** `DB_POOL_MAX` for each app process. */
    public readonly appPoolMax: number;
    /** `doadmin` on the primary's private host, database `app` (secret): for the droplets' one-time bootstrap only. */
    public readonly adminUrl: pulumi.Output<string>;
    /** The admin SQL the app needs before its migrations ({@link appSchemaGrants}). */
    public readonly bootstrapSql: string[];
    /** A psql client of the cluster's major version. */
    public readonly clientImage: string;
    /** The restored cluster (`alicerce:restoreFrom`), when there is one. */
    public readonly restoredClusterId?: pulumi.Output<string>;
    public readonly restoredClusterUrn?: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Database", name, {}, opts);
        const t = args.transform ?? {};
        const appName = args.appName ?? "app";
        const cluster = new digitalocean.DatabaseCluster(
            ...transform(
                t.cluster,
                `${name}-cluster`,
                {
                    engine: "pg",
                    version: POSTGRES_VERSION,
                    size: args.size,
                    region: args.region,
                    nodeCount: databaseNodeCount(args.highAvailability),
                    privateNetworkUuid: args.vpcId,
                    maintenanceWindows: [MAINTENANCE_WINDOW],
                    // Grows the disk by 10 GiB when 80% full instead of refusing writes.
                    storageAutoscale: { enabled: true, thresholdPercent: 80, incrementGib: 10 },
                    tags: args.tags,
                },
                // The version is upgraded in place by the provider; a change to the VPC would move, not replace, the cluster.
                { parent: this, protect: args.protect },
            ),
        );
        new digitalocean.DatabaseFirewall(
            `${name}-firewall`,
            { clusterId: cluster.id, rules: trustedTagRules(args.appTag, args.workerTag, args.copyTag) },
            { parent: this },
        );
        const db = new digitalocean.DatabaseDb(`${name}-db`, { clusterId: cluster.id, name: appName }, { parent: this, protect: args.protect });
        const user = new digitalocean.DatabaseUser(`${name}-user`, { clusterId: cluster.id, name: appName }, { parent: this });
        const budget = connectionBudget(args.size, args.maxInstances);
        this.appPoolMax = budget.appPoolMax;
        const pool = new digitalocean.DatabaseConnectionPool(
            `${name}-pool`,
            // Transaction mode: many app connections share few server connections; session state (SET, advisory locks) does not survive between transactions.
            { clusterId: cluster.id, name: appName, dbName: db.name, user: user.name, mode: "transaction", size: budget.pgbouncerSize },
            { parent: this },
        );

        const password = pulumi.secret(user.password);
        this.url = pulumi.secret(
            pulumi
                .all([user.name, password, cluster.privateHost, cluster.port, db.name])
                .apply(([u, p, host, port, database]) => postgresUrl({ user: u, password: p, host, port, database })),
        );
        this.poolUrl = pulumi.secret(
            pulumi.all([user.name, password, pool.privateHost, pool.port, pool.name]).apply(([u, p, host, port, poolName]) =>
                // PgBouncer names the database after the pool.
                postgresUrl({ user: u, password: p, host, port, database: poolName }),
            ),
        );
        this.adminUrl = pulumi.secret(pulumi.all([cluster.privateUri, db.name]).apply(([uri, database]) => adminUrlFor(uri, database)));
        this.bootstrapSql = appSchemaGrants(appName);
        this.clientImage = `postgres:${POSTGRES_VERSION}-alpine`;
        if (args.readReplica) {
            const replica = new digitalocean.DatabaseReplica(
                ...transform(
                    t.replica,
                    `${name}-replica`,
                    { clusterId: cluster.id, region: args.region, size: args.size, privateNetworkUuid: args.vpcId, tags: args.replicaTags },
                    // ignoreChanges: replicas made before the tags were narrowed carry owner and cost-center tags; dropping them would replace the replica.
                    { parent: this, protect: args.protect, ignoreChanges: ["tags"] },
                ),
            );
            this.replicaUrn = pulumi.interpolate`do:dbaas:${replica.uuid}`;
            this.readerUrl = pulumi.secret(
                pulumi
                    .all([user.name, password, replica.privateHost, replica.port, db.name])
                    .apply(([u, p, host, port, database]) => postgresUrl({ user: u, password: p, host, port, database })),
            );
        }
        // --- restore: a NEW cluster beside the stack's own one, which it only reads from ---
        if (args.restore) {
            const r = args.restore;
            // backup_restore is read only by Create (terraform-provider-digitalocean
            // digitalocean/database/resource_database_cluster.go: not ForceNew, never read back, ignored by Update):
            // set on an existing cluster it would do nothing, so a restore is always a new cluster, under a logical
            // name (hence a cluster name) carrying the source's slug. The restore is physical (base backup + WAL), so
            // the cluster comes back with the app's database and its role, password included.
            const restored = new digitalocean.DatabaseCluster(
                `${name}-restored-${r.slug}`,
                {
                    engine: "pg",
                    version: POSTGRES_VERSION,
                    size: args.size,
                    region: args.region,
                    nodeCount: databaseNodeCount(r.active && args.highAvailability),
                    privateNetworkUuid: args.vpcId,
                    maintenanceWindows: [MAINTENANCE_WINDOW],
                    storageAutoscale: { enabled: true, thresholdPercent: 80, incrementGib: 10 },
                    tags: args.tags,
                    backupRestore: { databaseName: cluster.name, ...(r.at === "latest" ? {} : { backupCreatedAt: r.at }) },
                },
                // Protected while the app uses it: removing or changing alicerce:restoreFrom then fails the preview.
                // The provider waits 30 minutes for a create by default (digitalocean_database_cluster, Timeouts:
                // "create - (Defaults to 30 minutes)"); a restore copies the whole base backup and replays WAL first,
                // so a large database needs longer: RESTORED_CLUSTER_CREATE_TIMEOUT.
                { parent: this, protect: r.active || args.protect, customTimeouts: { create: RESTORED_CLUSTER_CREATE_TIMEOUT } },
            );
            new digitalocean.DatabaseFirewall(
                `${name}-restored-${r.slug}-firewall`,
                // The same droplets as the stack's own cluster: with the restored cluster active, the workers use it and the copy dumps it.
                { clusterId: restored.id, rules: trustedTagRules(args.appTag, args.workerTag, args.copyTag) },
                { parent: this },
            );
            this.restoredClusterId = restored.id;
            this.restoredClusterUrn = restored.clusterUrn;
            if (r.active) {
                const direct = pulumi.secret(
                    pulumi
                        .all([user.name, password, restored.privateHost, restored.port, db.name])
                        .apply(([u, p, host, port, database]) => postgresUrl({ user: u, password: p, host, port, database })),
                );
                this.url = direct;
                // The stack's pool belongs to the stack's cluster: the restored one is reached directly.
                this.poolUrl = direct;
                this.readerUrl = undefined;
                this.adminUrl = pulumi.secret(pulumi.all([restored.privateUri, db.name]).apply(([uri, database]) => adminUrlFor(uri, database)));
            }
        }
        // --- end restore ---
        this.clusterId = cluster.id;
        this.clusterUrn = cluster.clusterUrn;
        this.registerOutputs({
            clusterId: this.clusterId,
            clusterUrn: this.clusterUrn,
            replicaUrn: this.replicaUrn,
            url: this.url,
            readerUrl: this.readerUrl,
            poolUrl: this.poolUrl,
            adminUrl: this.adminUrl,
        });
    }
}

/**
 * How long `pulumi up` waits for a restored cluster to come online (the provider's default
 * is 30 minutes, shorter than the restore of a large database; an `up` that gives up leaves
 * the cluster out of the state while DigitalOcean keeps creating it).
 */
export const RESTORED_CLUSTER_CREATE_TIMEOUT = "4h";

/** Database firewall rules trusting the app droplets' tag and, when there are workers, theirs. */
export function trustedTagRules(
    appTag: pulumi.Input<string>,
    workerTag?: pulumi.Input<string>,
    copyTag?: pulumi.Input<string>,
): digitalocean.types.input.DatabaseFirewallRule[] {
    const rules: digitalocean.types.input.DatabaseFirewallRule[] = [{ type: "tag", value: appTag }];
    if (workerTag !== undefined) rules.push({ type: "tag", value: workerTag });
    if (copyTag !== undefined) rules.push({ type: "tag", value: copyTag });
    return rules;
}
