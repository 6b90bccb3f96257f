import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { hardening, networking } from "./container";
import { IMAGE_USERS, IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import { NginxConfigOptions, renderNginxConfig, withNginxDefaults } from "./nginx";

/** Arguments of {@link ReverseProxy}. */
export interface ReverseProxyArgs {
    readonly namePrefix: string;
    /** The edge network, where the app replicas are. */
    readonly edgeNetwork: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    /** `host:port` of each app replica. */
    readonly upstreams: readonly string[];
    /** The network shared with the object store, for presigned uploads. */
    readonly storageNetwork?: pulumi.Input<string>;
    /** The object store's public upload route (objectstore.ts publicUploadRoute). */
    readonly uploadRoute?: NginxConfigOptions["uploads"];
    /** The public host name; with it nginx serves HTTPS from `tlsDirectory`. */
    readonly domain?: string;
    /**
     * Host directory holding `fullchain.pem` and `privkey.pem` (e.g. certbot's
     * copy), mounted read-only; readable by uid 101. @default "/etc/alicerce/tls"
     */
    readonly tlsDirectory?: string;
    /** Host directory certbot's webroot mode writes challenges to. @default "/var/lib/alicerce/acme" */
    readonly acmeDirectory?: string;
    /** Host address the ports are published on. @default "0.0.0.0" */
    readonly publishIp?: string;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * nginx in front of the app replicas: least_conn upstream, per-IP rate
 * limiting, security headers, gzip, TLS from mounted certificates. The only
 * container with published ports. Runs as nginx's own uid 101 on ports
 * 8080/8443 inside, published as 80/443.
 */
export class ReverseProxy extends pulumi.ComponentResource {
    /** The rendered nginx.conf (no secrets in it). */
    public readonly config: string;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: ReverseProxyArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:ReverseProxy", name, {}, opts);
        const settings = withNginxDefaults({ upstreams: args.upstreams, domain: args.domain, uploads: args.uploadRoute });
        this.config = renderNginxConfig(settings);
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.nginx, keepLocally: true }, { parent: this });
        const publishIp = args.publishIp ?? "0.0.0.0";
        const container = new docker.Container(`${name}`, {
            name: `${args.namePrefix}-nginx`,
            image: image.imageId,
            user: IMAGE_USERS.nginx,
            // The config travels in the environment and is written to tmpfs at start: the root filesystem is read-only.
            envs: [`NGINX_CONF=${this.config}`],
            entrypoints: ["/bin/sh", "-c"],
            command: [`mkdir -p ${settings.runDir} && printf '%s' "$NGINX_CONF" > ${settings.runDir}/nginx.conf && exec nginx -c ${settings.runDir}/nginx.conf -g 'daemon off;'`],
            ...networking([
                { name: args.edgeNetwork, aliases: ["nginx"], gwPriority: 1 },
                ...(args.storageNetwork ? [{ name: args.storageNetwork }] : []),
            ]),
            ports: [
                { internal: settings.httpPort, external: 80, ip: publishIp, protocol: "tcp" },
                ...(args.domain ? [{ internal: settings.httpsPort, external: 443, ip: publishIp, protocol: "tcp" }] : []),
            ],
            volumes: args.domain
                ? [
                    { hostPath: args.tlsDirectory ?? "/etc/alicerce/tls", containerPath: "/etc/nginx/tls", readOnly: true },
                    { hostPath: args.acmeDirectory ?? "/var/lib/alicerce/acme", containerPath: settings.acmeWebroot, readOnly: true },
                ]
                : [],
            healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${settings.httpPort}/nginx-health`], interval: "10s", timeout: "3s", retries: 3, startPeriod: "5s" },
            wait: true,
            waitTimeout: 60,
            stopTimeout: 15,
            labels: [...args.labels],
            ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
        }, {
            parent: this,
            // The published ports are held by the old container until it is gone.
            deleteBeforeReplace: true,
            dependsOn: args.dependsOn,
        });
        this.containerName = container.name;
        this.registerOutputs({ config: this.config, containerName: this.containerName });
    }
}
