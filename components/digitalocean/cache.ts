import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { MAINTENANCE_WINDOW, VALKEY_VERSION } from "./sizing";

/** Arguments of {@link Cache}. */
export interface CacheArgs {
    readonly region: string;
    /** Size slug, e.g. db-s-1vcpu-1gb. */
    readonly size: string;
    readonly vpcId: pulumi.Input<string>;
    /** The only droplets the cache firewall trusts. */
    readonly appTag: pulumi.Input<string>;
    readonly tags: pulumi.Input<string>[];
}

/**
 * Managed Valkey, the Redis-compatible engine DigitalOcean offers since it
 * retired managed Redis: one node in the VPC, TLS only (`rediss://`),
 * firewalled to the app droplets' tag, evicting least-recently-used keys
 * (a cache, not a store: the default `noeviction` fails writes when full).
 */
export class Cache extends pulumi.ComponentResource {
    public readonly clusterUrn: pulumi.Output<string>;
    /** `rediss://` URL on the private host (secret). */
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
                // The API takes underscores (allkeys_lru); the camelCase values in the SDK docs are a conversion artefact.
                evictionPolicy: "allkeys_lru",
                maintenanceWindows: [MAINTENANCE_WINDOW],
                tags: args.tags,
            },
            { parent: this },
        );
        new digitalocean.DatabaseFirewall(`${name}-firewall`, { clusterId: cluster.id, rules: [{ type: "tag", value: args.appTag }] }, { parent: this });
        this.clusterUrn = cluster.clusterUrn;
        this.url = pulumi.secret(cluster.privateUri);
        this.registerOutputs({ clusterUrn: this.clusterUrn, url: this.url });
    }
}
