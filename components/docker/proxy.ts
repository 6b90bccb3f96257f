import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { hardening, networking } from "./container";
import { IMAGE_USERS, IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import { NginxLocation, renderNginxConfig, withNginxDefaults } from "./nginx";

/** Arguments of {@link ReverseProxy}. */
export interface ReverseProxyArgs {
    readonly namePrefix: string;
    /** The edge network, where the app replicas are. */
    readonly edgeNetwork: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    /** `host:port` of each app replica. */
    readonly upstreams: readonly string[];
    /** The network shared with the object store only, for presigned uploads. */
    readonly storageNetwork?: pulumi.Input<string>;
    /**
     * Caddy terminates TLS in front (the stack has a domain): nginx publishes
     * no port and trusts Caddy's forwarded client address. Without it nginx
     * publishes port 80 itself (plain HTTP). @default false
     */
    readonly behindTlsEdge?: boolean;
    /** Extra path routes ahead of the app (e.g. uploads to an object store); see {@link NginxLocation}. */
    readonly extraLocations?: readonly NginxLocation[];
    /** Host address the ports are published on. @default "0.0.0.0" */
    readonly publishIp?: string;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * nginx in front of the app replicas: least_conn upstream, per-IP rate
 * limiting, security headers, gzip, WebSocket upgrades. Without a domain it
 * publishes port 80 itself; with one it sits behind the TLS edge (Caddy,
 * tls-edge.ts) and publishes nothing. Runs as nginx's own uid 101 on port
 * 8080 inside.
 */
export class ReverseProxy extends pulumi.ComponentResource {
    /** The rendered nginx.conf (no secrets in it). */
    public readonly config: string;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: ReverseProxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:ReverseProxy", name, {}, opts);
        const settings = withNginxDefaults({ upstreams: args.upstreams, behindTlsEdge: args.behindTlsEdge, extraLocations: args.extraLocations });
        this.config = renderNginxConfig(settings);
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.nginx, keepLocally: true }, { parent: this });
        const publishIp = args.publishIp ?? "0.0.0.0";
        const container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-nginx`,
                image: image.imageId,
                user: IMAGE_USERS.nginx,
                // The config travels in the environment and is written to tmpfs at start: the root filesystem is read-only.
                envs: [`NGINX_CONF=${this.config}`],
                entrypoints: ["/bin/sh", "-c"],
                command: [
                    `mkdir -p ${settings.runDir} && printf '%s' "$NGINX_CONF" > ${settings.runDir}/nginx.conf && exec nginx -c ${settings.runDir}/nginx.conf -g 'daemon off;'`,
                ],
                ...networking([{ name: args.edgeNetwork, aliases: ["nginx"], gwPriority: 1 }, ...(args.storageNetwork ? [{ name: args.storageNetwork }] : [])]),
                ports: settings.behindTlsEdge ? [] : [{ internal: settings.httpPort, external: 80, ip: publishIp, protocol: "tcp" }],
                healthcheck: {
                    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${settings.httpPort}/nginx-health`],
                    interval: "10s",
                    timeout: "3s",
                    retries: 3,
                    startPeriod: "5s",
                },
                wait: true,
                waitTimeout: 60,
                stopTimeout: 15,
                // The provider stops a container it destroys only with destroyGraceSeconds; without it, SIGKILL at once (see stop-grace.test.ts).
                destroyGraceSeconds: 15,
                labels: [...args.labels],
                ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
            },
            {
                parent: this,
                // The published ports are held by the old container until it is gone.
                deleteBeforeReplace: true,
                dependsOn: args.dependsOn,
            },
        );
        this.containerName = container.name;
        this.registerOutputs({ config: this.config, containerName: this.containerName });
    }
}
