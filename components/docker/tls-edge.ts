import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderCaddyfile, renderEdgeDockerfile, withCaddyDefaults } from "./caddy";
import { hardening, networking } from "./container";
import { IMAGE_USERS, IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";

/** Arguments of {@link TlsEdge}. */
export interface TlsEdgeArgs {
    readonly namePrefix: string;
    /** The edge network, where nginx is. */
    readonly edgeNetwork: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    /** The public host name; its A record must point at the host for the first certificate. */
    readonly domain: string;
    /** `host:port` of nginx on the edge network. @default "nginx:8080" */
    readonly upstream?: string;
    /** Host address the ports are published on. @default "0.0.0.0" */
    readonly publishIp?: string;
    /** Pulumi `protect` on the certificate volume. @default false */
    readonly protectData?: boolean;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Every served name and its service; unset, `domain` alone goes to the app. */
    readonly sites?: readonly { readonly host: string; readonly service: "app" | "frontend" }[];
    /** The built SPA's directory (absolute) when a name goes to the frontend: copied into the edge image. */
    readonly frontendPath?: string;
    /** ACME DNS-01 through Cloudflare (wildcards): the edge image is built with the module, the token passed as a secret. */
    readonly dnsChallenge?: { readonly provider: "cloudflare"; readonly apiToken: pulumi.Input<string> };
}

/** The builder image of the official Caddy images, same line as the runtime image (xcaddy inside). */
export const CADDY_BUILDER_IMAGE = IMAGES.caddy.replace(/-alpine$/, "-builder-alpine");

/**
 * Caddy on ports 80 and 443 in front of nginx: it obtains the domain's
 * certificate over ACME on its first start (no certificate files to copy,
 * nothing to run by hand), renews it, redirects HTTP to HTTPS and sends HSTS.
 * Its ACME account and certificates live in a named volume (`/data`), so a
 * replaced container does not ask the CA again. Runs as a non-root uid on
 * ports 8080/8443 inside with only `NET_BIND_SERVICE` (see `caddyHardening`).
 */
export class TlsEdge extends pulumi.ComponentResource {
    /** The rendered Caddyfile (no secrets in it). */
    public readonly config: string;
    public readonly containerName: pulumi.Output<string>;
    /** The volume holding the ACME account and certificates. */
    public readonly volume: pulumi.Output<string>;

    constructor(name: string, args: TlsEdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:TlsEdge", name, {}, opts);
        const settings = withCaddyDefaults({ domain: args.domain, upstream: args.upstream, sites: args.sites, dnsChallenge: args.dnsChallenge?.provider });
        this.config = renderCaddyfile(settings);
        const custom = args.dnsChallenge !== undefined || args.frontendPath !== undefined;
        // The Dockerfile is rendered outside the build context (the frontend's directory, or an empty one), at a fixed path so a preview shows no diff.
        const work = path.join(os.tmpdir(), `${args.namePrefix}-edge-build`);
        const context = args.frontendPath ?? path.join(work, "empty");
        const image: { imageId: pulumi.Output<string> } = custom
            ? (() => {
                  fs.mkdirSync(path.join(work, "empty"), { recursive: true });
                  const dockerfile = path.join(work, "Dockerfile");
                  fs.writeFileSync(
                      dockerfile,
                      renderEdgeDockerfile({
                          runtimeImage: IMAGES.caddy,
                          builderImage: CADDY_BUILDER_IMAGE,
                          dnsModule: args.dnsChallenge !== undefined,
                          frontend: args.frontendPath !== undefined,
                      }),
                  );
                  const built = new docker.Image(
                      `${name}-edge-image`,
                      {
                          imageName: `${args.namePrefix}-edge:local`,
                          build: { context, dockerfile },
                          skipPush: true,
                      },
                      { parent: this },
                  );
                  // The digest changes with the frontend's files, so a new build replaces the container.
                  return { imageId: built.repoDigest };
              })()
            : { imageId: new docker.RemoteImage(`${name}-image`, { name: IMAGES.caddy, keepLocally: true }, { parent: this }).imageId };
        // Docker has no call to change a volume: any input change replaces it, and with it the certificates.
        const volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.namePrefix}-caddy-data`, labels: [...args.labels] },
            { parent: this, protect: args.protectData, ignoreChanges: ["labels"] },
        );
        const publishIp = args.publishIp ?? "0.0.0.0";
        const container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-caddy`,
                image: image.imageId,
                user: IMAGE_USERS.caddy,
                // The config travels in the environment and is written to tmpfs at start: the root filesystem is read-only.
                // The DNS token too (a secret in Pulumi's state); the Caddyfile only names it ({env.CLOUDFLARE_API_TOKEN}).
                envs: args.dnsChallenge
                    ? pulumi.secret(pulumi.output(args.dnsChallenge.apiToken).apply((t) => [`CADDYFILE=${this.config}`, `CLOUDFLARE_API_TOKEN=${t}`]))
                    : [`CADDYFILE=${this.config}`],
                entrypoints: ["/bin/sh", "-c"],
                command: [`printf '%s' "$CADDYFILE" > /tmp/Caddyfile && exec caddy run --config /tmp/Caddyfile --adapter caddyfile`],
                ...networking([{ name: args.edgeNetwork, aliases: ["caddy"], gwPriority: 1 }]),
                ports: [
                    { internal: settings.httpPort, external: 80, ip: publishIp, protocol: "tcp" },
                    { internal: settings.httpsPort, external: 443, ip: publishIp, protocol: "tcp" },
                ],
                volumes: [{ volumeName: volume.name, containerPath: "/data" }],
                healthcheck: {
                    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${settings.healthPort}/caddy-health`],
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
                ...hardening({ limit: args.limit, tmpfs: ["/tmp", "/config"], addCapabilities: CADDY_CAPABILITIES }),
            },
            {
                parent: this,
                // The published ports are held by the old container until it is gone.
                deleteBeforeReplace: true,
                dependsOn: args.dependsOn,
            },
        );
        this.containerName = container.name;
        this.volume = volume.name;
        this.registerOutputs({ config: this.config, containerName: this.containerName, volume: this.volume });
    }
}

/**
 * The one capability Caddy keeps. The official image marks `/usr/bin/caddy`
 * with the file capability `cap_net_bind_service=+ep`, and execve refuses
 * such a binary (EPERM) when the capability is outside the bounding set:
 * with `cap_drop ALL` alone the container cannot start, even on high ports
 * (caddyserver/caddy-docker#396; capabilities(7), "Safety checking for
 * capability-dumb binaries").
 */
export const CADDY_CAPABILITIES = ["NET_BIND_SERVICE"] as const;
