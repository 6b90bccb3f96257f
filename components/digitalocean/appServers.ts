import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Transform, transform } from "../shared/transform";
import { renderUserData, SecretEnv } from "../shared/userdata";
import { digitalOceanSpacesHost } from "./host-strategy";
import { parseDockerCredentials } from "./appImage";
import { APP_PORT, type AppServerSizing, autoscaleConfig, DROPLET_PORT } from "./sizing";
import { SESSION_KEY_VARIABLE, STOP_TIMEOUT_SECONDS } from "../shared/app-contract";
import { APP_BEHIND_PROXY_PORT, renderFrontendProxyConf, renderFrontendProxyUserData } from "./frontend";

/** The droplet image: Ubuntu 24.04 LTS, supported to 2029 (Docker comes from Ubuntu's docker.io package). */
export const DROPLET_IMAGE = "ubuntu-24-04-x64";

/** The secrets document's key for the admin URL: read by the prepare script's bootstrap, never given to the container. */
export const ADMIN_URL_KEY = "DATABASE_ADMIN_URL";

/** The object in the config bucket that holds the app's secrets and the registry's pull credentials. */
export const SECRETS_OBJECT = "secrets.json";

/**
 * The secrets document droplets read at every start: each secret env value
 * by name, and the registry's read-only credentials. Pure; refuses values a
 * Docker env file cannot carry (line breaks).
 */
export function secretsDocument(secrets: Readonly<Record<string, string>>, registry?: { username: string; password: string }): string {
    for (const [key, value] of Object.entries(secrets)) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`secrets: "${key}" is not an environment variable name`);
        if (/[\r\n\0]/.test(value)) throw new Error(`secrets: the value of ${key} contains a line break`);
    }
    const sorted = Object.fromEntries(Object.entries(secrets).sort(([a], [b]) => a.localeCompare(b)));
    return JSON.stringify(registry === undefined ? sorted : { ...sorted, registry }, null, 2) + "\n";
}

/** The prepare script's list of secrets: every key of the document but the registry's. */
export function secretEnvs(names: readonly string[], source: string = SECRETS_OBJECT): SecretEnv[] {
    return [...names].sort().map((env) => ({ env, source, key: `.${env}` }));
}

/**
 * Droplet firewall rules: the app port only from the load balancer (no app
 * port at all for a pool without one), SSH only from admin ranges, everything outbound.
 */
export function dropletFirewallRules(loadBalancerId: pulumi.Input<string> | undefined, adminCidrs: readonly string[]) {
    const inboundRules: digitalocean.types.input.FirewallInboundRule[] =
        loadBalancerId === undefined ? [] : [{ protocol: "tcp", portRange: String(DROPLET_PORT), sourceLoadBalancerUids: [loadBalancerId] }];
    // A firewall with no inbound rule is valid as long as it has an outbound one (terraform-provider-digitalocean
    // digitalocean/firewall/resource_firewall.go CustomizeDiff: "At least one rule must be specified"); it always has.
    if (adminCidrs.length > 0) inboundRules.push({ protocol: "tcp", portRange: "22", sourceAddresses: [...adminCidrs] });
    const anywhere = ["0.0.0.0/0", "::/0"];
    // Outbound stays open: apt, the registry, Spaces and the managed databases' public CAs; the databases are reached privately in the VPC.
    const outboundRules: digitalocean.types.input.FirewallOutboundRule[] = [
        { protocol: "tcp", portRange: "1-65535", destinationAddresses: anywhere },
        { protocol: "udp", portRange: "1-65535", destinationAddresses: anywhere },
        { protocol: "icmp", destinationAddresses: anywhere },
    ];
    return { inboundRules, outboundRules };
}

/** The children of a {@link DropletPool} a {@link Transform} may change. */
export interface DropletPoolTransform {
    readonly firewall?: Transform<digitalocean.FirewallArgs>;
    readonly pool?: Transform<digitalocean.DropletAutoscaleArgs>;
}

/** Arguments of {@link DropletPool}. */
export interface DropletPoolArgs {
    readonly region: string;
    readonly compute: AppServerSizing;
    readonly vpcId: pulumi.Input<string>;
    /** The pool's tag: its firewall applies to it (and, for the web role, the load balancer and databases target it). One tag per pool. */
    readonly appTag: pulumi.Input<string>;
    /** Label tags (`project:alicerce`, ...). */
    readonly labelTags: string[];
    /** Required by autoscale pools; port 22 is still closed unless `adminCidrs` opens it. */
    readonly sshKeyFingerprints: readonly pulumi.Input<string>[];
    /** IPv4 ranges allowed to SSH. @default [] (port 22 closed) */
    readonly adminCidrs?: readonly string[];
    /**
     * The load balancer whose traffic the droplets take on the app port.
     * @default undefined (no load balancer: the firewall opens no app port, e.g. workers)
     */
    readonly loadBalancerId?: pulumi.Input<string>;
    /** The private config bucket and its read-only bootstrap key. */
    readonly configBucket: pulumi.Input<string>;
    readonly bootstrapAccessKey: pulumi.Input<string>;
    readonly bootstrapSecretKey: pulumi.Input<string>;
    /** The image by digest. */
    readonly image: pulumi.Input<string>;
    /** Docker config.json with pull credentials; undefined for a public image. */
    readonly pullCredentials?: pulumi.Input<string>;
    /** Non-secret environment (bucket names, endpoints): written into the user data. */
    readonly env: Readonly<Record<string, pulumi.Input<string>>>;
    /** Secret environment (URLs with passwords, keys): only in the config bucket, fetched at every start. */
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Admin SQL each droplet runs once per boot before the app starts (the
     * schema grant PostgreSQL 15+ needs). The admin URL goes into the secrets
     * document as {@link ADMIN_URL_KEY}, not into the container's environment.
     * Security: whoever can read the document can act as `doadmin`.
     * @default undefined (no bootstrap)
     */
    readonly databaseBootstrap?: { readonly adminUrl: pulumi.Input<string>; readonly sql: readonly string[]; readonly clientImage: string };
    /** The DigitalOcean project the droplets are created in. */
    readonly projectId: pulumi.Input<string>;
    /**
     * Generate the app's session signing key into the secrets document (as `SESSION_SIGNING_KEY`).
     * @default false
     */
    readonly sessionSigningKey?: boolean;
    /** Pulumi `protect` on the session signing key (rotating it signs every user out). */
    readonly protect: boolean;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: DropletPoolTransform;
    /**
     * The container's command instead of the image's (the worker role).
     * @default undefined (the image's own: the web role's user data is unchanged)
     */
    readonly command?: readonly string[];
    /** The systemd unit and container name. @default "app" */
    readonly serviceName?: string;
    /** The secrets document's object in the config bucket: one per pool. @default {@link SECRETS_OBJECT} */
    readonly secretsObject?: string;
    /**
     * The team's app shape (p-app-env): its port inside the container, its command and release command (`ContainerSpec`).
     * @default app-image/'s: 8080, the image's CMD, no release command
     */
    readonly appShape?: { readonly containerPort?: number; readonly command?: readonly string[]; readonly releaseCommand?: readonly string[] };
    /**
     * Steer the pool on memory as well as CPU. Off for queue workers: a
     * worker's memory is flat whatever its backlog, so on a small droplet the
     * base system's share alone would hold the pool at its maximum.
     * @default true
     */
    readonly scaleOnMemory?: boolean;
    /**
     * The static frontend's names and its Spaces CDN endpoint (q-frontend): an nginx on each droplet takes the
     * load balancer's traffic and routes by host (components/digitalocean/frontend.ts); the app moves behind it.
     * @default undefined (no proxy: the app takes the load balancer's traffic itself; user data unchanged)
     */
    readonly frontendProxy?: { readonly hosts: readonly string[]; readonly cdnEndpoint: pulumi.Input<string> };
}

/** Arguments of {@link AppServers}: a pool behind the load balancer, with the session signing key. */
export interface AppServersArgs extends Omit<DropletPoolArgs, "loadBalancerId" | "sessionSigningKey"> {
    readonly loadBalancerId: pulumi.Input<string>;
}

/**
 * A droplet pool: a droplet autoscale pool (min/max per tier, CPU and
 * memory targets, cooldown) whose droplets run the image from cloud-init,
 * sit in the VPC with the stack's tags, and are firewalled: the app port
 * only from the load balancer when there is one, none otherwise (workers). User data comes from the shared renderer
 * (components/shared/userdata.ts) with the Spaces strategy: secrets and pull
 * credentials live in one document in the private config bucket and are
 * fetched at every start, never written into user data. The user data
 * carries the document's ETag, so changing a secret or the image changes the
 * template and the pool replaces its droplets (new ones boot before old ones
 * go, after the cooldown). The session signing key (`sessionSigningKey`)
 * is generated here and exists only in state and that document.
 */
export class DropletPool extends pulumi.ComponentResource {
    public readonly poolId: pulumi.Output<string>;
    public readonly firewallId: pulumi.Output<string>;

    /**
     * @param type the component's type token: `alicerce:digitalocean:DropletPool`, or a role's
     *   (`alicerce:digitalocean:AppServers`), which keeps the role's children at the URNs they were deployed under.
     */
    constructor(name: string, args: DropletPoolArgs, opts: pulumi.ComponentResourceOptions = {}, type: string = "alicerce:digitalocean:DropletPool") {
        super(type, name, {}, opts);
        const t = args.transform ?? {};

        const secrets: Record<string, pulumi.Input<string>> = { ...args.secrets };
        if (args.sessionSigningKey === true) {
            // Alphanumeric: env files take values literally, and 64 of 62 symbols is ~380 bits.
            const sessionKey = new random.RandomPassword(`${name}-session-key`, { length: 64, special: false }, { parent: this, protect: args.protect });
            secrets[SESSION_KEY_VARIABLE] = sessionKey.result;
        }
        const documentValues: Record<string, pulumi.Input<string>> = args.databaseBootstrap === undefined
            ? secrets
            : { ...secrets, [ADMIN_URL_KEY]: args.databaseBootstrap.adminUrl };
        const registry = args.pullCredentials === undefined ? undefined : pulumi.output(args.pullCredentials).apply(parseDockerCredentials);
        const document = pulumi
            .all([pulumi.output(documentValues), registry])
            .apply(([values, login]) => secretsDocument(values, login === undefined ? undefined : { username: login.username, password: login.password }));
        const objectKey = args.secretsObject ?? SECRETS_OBJECT;
        const secretsObject = new digitalocean.SpacesBucketObject(
            `${name}-secrets`,
            {
                region: args.region,
                bucket: args.configBucket,
                key: objectKey,
                acl: "private",
                contentType: "application/json",
                content: pulumi.secret(document),
            },
            { parent: this },
        );

        const { inboundRules, outboundRules } = dropletFirewallRules(args.loadBalancerId, args.adminCidrs ?? []);
        const firewall = new digitalocean.Firewall(
            ...transform(t.firewall, `${name}-firewall`, { tags: [args.appTag], inboundRules, outboundRules }, { parent: this }),
        );

        const secretNames = Object.keys(secrets);
        const bootstrap = args.databaseBootstrap;
        const userData = pulumi.secret(
            pulumi
                .all([
                    args.configBucket,
                    args.bootstrapAccessKey,
                    args.bootstrapSecretKey,
                    args.image,
                    pulumi.output(args.env),
                    secretsObject.etag,
                    args.frontendProxy?.cdnEndpoint,
                ])
                .apply(([configBucket, bootstrapAccessKey, bootstrapSecretKey, image, env, etag, cdnEndpoint]) => {
                    const host = digitalOceanSpacesHost({
                        region: args.region,
                        configBucket,
                        secretsObject: objectKey,
                        bootstrapAccessKey,
                        bootstrapSecretKey,
                    });
                    const script = renderUserData(
                        {
                            image,
                            hostPort: args.frontendProxy === undefined ? DROPLET_PORT : APP_BEHIND_PROXY_PORT,
                            containerPort: args.appShape?.containerPort ?? APP_PORT,
                            command: args.appShape?.command,
                            releaseCommand: args.appShape?.releaseCommand,
                            env,
                            secrets: secretEnvs(secretNames, objectKey),
                            stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
                            ...(args.command === undefined ? {} : { command: args.command }),
                            ...(args.serviceName === undefined ? {} : { serviceName: args.serviceName }),
                            databaseBootstrap:
                                bootstrap === undefined
                                    ? undefined
                                    : {
                                          adminUrl: { env: ADMIN_URL_KEY, source: objectKey, key: `.${ADMIN_URL_KEY}` },
                                          sql: bootstrap.sql,
                                          clientImage: bootstrap.clientImage,
                                      },
                        },
                        host,
                    );
                    const proxy =
                        args.frontendProxy === undefined || cdnEndpoint === undefined
                            ? ""
                            : renderFrontendProxyUserData(
                                  renderFrontendProxyConf({
                                      frontendHosts: args.frontendProxy.hosts,
                                      origin: `https://${cdnEndpoint}`,
                                      originHost: cdnEndpoint,
                                      app: `127.0.0.1:${APP_BEHIND_PROXY_PORT}`,
                                  }),
                              ).join("\n");
                    // The edge unit goes in before the app's `systemctl enable --now`: under `set -e` a first start that fails
                    // (a secrets fetch, the release command) ends the user data there, and the load balancer's port 80 would
                    // stay closed for good although systemd brings the app up later.
                    const start = script.lastIndexOf("\nsystemctl daemon-reload\n");
                    const body = proxy === "" ? script : `${script.slice(0, start + 1)}${proxy}${script.slice(start + 1)}`;
                    // A changed secret changes the template, so the pool replaces its droplets and they read the new values.
                    return `${body}# secrets document etag: ${etag}\n`;
                }),
        );
        const pool = new digitalocean.DropletAutoscale(
            ...transform(
                t.pool,
                `${name}-pool`,
                {
                    config: autoscaleConfig(args.compute, args.scaleOnMemory ?? true),
                    dropletTemplate: {
                        size: args.compute.instanceType,
                        region: args.region,
                        image: DROPLET_IMAGE,
                        vpcUuid: args.vpcId,
                        tags: [args.appTag, ...args.labelTags],
                        sshKeys: [...args.sshKeyFingerprints],
                        userData,
                        // The agent reports the memory metric the autoscaler and the memory alert read.
                        withDropletAgent: true,
                        ipv6: false,
                        // Public networking stays on for outbound (apt, registry, Spaces) without a NAT gateway; the firewall closes inbound.
                        publicNetworking: true,
                        projectId: args.projectId,
                    },
                },
                { parent: this, dependsOn: [firewall] },
            ),
        );
        this.poolId = pool.id;
        this.firewallId = firewall.id;
        this.registerOutputs({ poolId: this.poolId, firewallId: this.firewallId });
    }
}

/**
 * The web role: a {@link DropletPool} firewalled to the load balancer, with
 * the app's session signing key. Its type token stays
 * `alicerce:digitalocean:AppServers`, so every child keeps its URN.
 */
export class AppServers extends DropletPool {
    constructor(name: string, args: AppServersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(name, { ...args, sessionSigningKey: true }, opts, "alicerce:digitalocean:AppServers");
    }
}
