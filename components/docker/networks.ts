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
 * The two bridge networks of the host. `data` is internal: no route out and
 * nothing published, so PostgreSQL, Redis and MinIO are reachable only from
 * containers attached to it (the app and the backup job). `edge` joins nginx
 * to the app replicas and gives the app its way out.
 */
export class HostNetworks extends pulumi.ComponentResource {
    /** The internal data-tier network's name. */
    public readonly dataNetwork: pulumi.Output<string>;
    /** The edge network's name. */
    public readonly edgeNetwork: pulumi.Output<string>;

    constructor(name: string, args: HostNetworksArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:HostNetworks", name, {}, opts);
        const data = new docker.Network(`${name}-data`, {
            name: `${args.namePrefix}-data`,
            driver: "bridge",
            internal: true,
            labels: [...args.labels],
        }, { parent: this });
        const edge = new docker.Network(`${name}-edge`, {
            name: `${args.namePrefix}-edge`,
            driver: "bridge",
            internal: false,
            labels: [...args.labels],
        }, { parent: this });
        this.dataNetwork = data.name;
        this.edgeNetwork = edge.name;
        this.registerOutputs({ dataNetwork: this.dataNetwork, edgeNetwork: this.edgeNetwork });
    }
}
