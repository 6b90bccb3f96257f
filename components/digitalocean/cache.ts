import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { trustedTagRules } from "./database";
import { MAINTENANCE_WINDOW, VALKEY_VERSION } from "./sizing";

/**
 * Valkey's eviction policy for a queue: BullMQ's job keys must never be
 * evicted (docs.bullmq.io "Going to production": maxmemory-policy
 * noeviction); a full cache then fails writes loudly instead of losing jobs.
 */
export const QUEUE_EVICTION_POLICY = "noeviction";

/**
 * Valkey persistence: `rdb` (a dump every 10 minutes when a key changed,
 * plus the backups); `off` would lose every queued job at a restart
 * (terraform-provider-digitalocean digitalocean/database/resource_database_valkey_config.go:
 * persistence is `off` or `rdb`).
 */
export const QUEUE_PERSISTENCE = "rdb";

/** Arguments of {@link Cache}. */
export interface CacheArgs {
    readonly region: string;
    /** Size slug, e.g. db-s-1vcpu-1gb. */
    readonly size: string;
    readonly vpcId: pulumi.Input<string>;
    /** The app droplets' tag: trusted. */
    readonly appTag: pulumi.Input<string>;
    /** The worker droplets' tag: trusted. */
    readonly workerTag: pulumi.Input<string>;
    readonly tags: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Pulumi `protect`: the cluster holds queued jobs (DigitalOcean has no deletion protection flag; this is the guard, as for the database).
     * @default false
     */
    readonly protect?: boolean;
}

/**
 * Managed Valkey (the Redis-compatible engine DigitalOcean offers since it
 * retired managed Redis) holding the BullMQ queue and the shared rate
 * limit: one node in the stack's VPC, TLS only (`rediss://`, the only
 * scheme its URIs use), firewalled to the app and worker droplets' tags,
 * `noeviction` and RDB persistence. Its name comes from the stack, never
 * the tier: moving tiers resizes it in place (terraform-provider-digitalocean
 * digitalocean/database/resource_database_cluster.go: `size` and `node_count`
 * resize; only `name`, `engine`, `private_network_uuid` and `project_id` force a
 * new cluster), so queued jobs stay. The eviction policy is set through
 * `DatabaseValkeyConfig`: the cluster's own `eviction_policy` is refused for any
 * engine but `redis` (validateExclusiveAttributes there).
 */
export class Cache extends pulumi.ComponentResource {
    public readonly clusterUrn: pulumi.Output<string>;
    /** The cluster's id (its database alerts select it). */
    public readonly clusterId: pulumi.Output<string>;
    /** `rediss://default:<password>@private-<host>:25061` (secret): the private host, inside the VPC. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: CacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Cache", name, {}, opts);
        const cluster = new digitalocean.DatabaseCluster(
            `${name}-cluster`,
            {
                engine: "valkey",
                version: VALKEY_VERSION,
                size: args.size,
                region: args.region,
                nodeCount: 1,
                privateNetworkUuid: args.vpcId,
                maintenanceWindows: [MAINTENANCE_WINDOW],
                tags: args.tags,
            },
            // A destroy, or a move to a tier without a queue, stops here instead of deleting queued jobs.
            { parent: this, protect: args.protect ?? false },
        );
        new digitalocean.DatabaseValkeyConfig(
            `${name}-config`,
            { clusterId: cluster.id, valkeyMaxmemoryPolicy: QUEUE_EVICTION_POLICY, persistence: QUEUE_PERSISTENCE, ssl: true },
            { parent: this },
        );
        new digitalocean.DatabaseFirewall(`${name}-firewall`, { clusterId: cluster.id, rules: trustedTagRules(args.appTag, args.workerTag) }, { parent: this });
        this.clusterUrn = cluster.clusterUrn;
        this.clusterId = cluster.id;
        this.url = pulumi.secret(cluster.privateUri);
        this.registerOutputs({ clusterUrn: this.clusterUrn, url: this.url });
    }
}
