import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerLabel } from "./labels";

/** Arguments of {@link HostNetworks}. */
export interface HostNetworksArgs {
    /** Prefix of the Docker object names (`alicerce-prod`): unique per stack on a shared host. */
    readonly namePrefix: string;
    /** Labels carrying the standard tags. */
    readonly labels: readonly DockerLabel[];
}

/**
 * The bridge networks of the host. `data` is internal: no route out and
 * nothing published, so PostgreSQL, Redis and the object store are reachable
 * only from containers attached to it (the app, the backup job, storage
 * setup). `edge` joins the reverse proxy to the app replicas and gives the
 * app its way out. `storage` is internal too and joins only the reverse
 * proxy and the object store, for presigned uploads from browsers: the proxy
 * never reaches PostgreSQL or Redis.
 */
export class HostNetworks extends pulumi.ComponentResource {
    /** The internal data-tier network's name. */
    public readonly dataNetwork: pulumi.Output<string>;
    /** The edge network's name. */
    public readonly edgeNetwork: pulumi.Output<string>;
    /** The proxy-to-object-store network's name. */
    public readonly storageNetwork: pulumi.Output<string>;

    constructor(name: string, args: HostNetworksArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:HostNetworks", name, {}, opts);
        const data = new docker.Network(
            `${name}-data`,
            {
                name: `${args.namePrefix}-data`,
                driver: "bridge",
                internal: true,
                labels: [...args.labels],
            },
            { parent: this },
        );
        const edge = new docker.Network(
            `${name}-edge`,
            {
                name: `${args.namePrefix}-edge`,
                driver: "bridge",
                internal: false,
                labels: [...args.labels],
            },
            { parent: this },
        );
        const storage = new docker.Network(
            `${name}-storage`,
            {
                name: `${args.namePrefix}-storage`,
                driver: "bridge",
                internal: true,
                labels: [...args.labels],
            },
            { parent: this },
        );
        this.dataNetwork = data.name;
        this.edgeNetwork = edge.name;
        this.storageNetwork = storage.name;
        this.registerOutputs({ dataNetwork: this.dataNetwork, edgeNetwork: this.edgeNetwork, storageNetwork: this.storageNetwork });
    }
}
