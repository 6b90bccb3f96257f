import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ComputeSettings } from "../../stacks";
import { APP_PORT, autoscaleConfig, DROPLET_PORT, SHUTDOWN_TIMEOUT_MS } from "./sizing";
import { renderCloudInit } from "./userdata";

/** The droplet image: Ubuntu 24.04 LTS, supported to 2029 (Docker comes from Ubuntu's docker.io package). */
export const DROPLET_IMAGE = "ubuntu-24-04-x64";

/**
 * A Docker `--env-file`: one `KEY=value` per line, values taken literally
 * (no quotes, no expansion), so a newline in a value is the only thing that
 * cannot be represented; it is refused rather than silently split.
 */
export function renderEnvFile(vars: Readonly<Record<string, string>>): string {
    const lines = Object.entries(vars)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => {
            if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`env file: "${key}" is not an environment variable name`);
            if (/[\r\n\0]/.test(value)) throw new Error(`env file: the value of ${key} contains a line break`);
            return `${key}=${value}`;
        });
    return lines.join("\n") + "\n";
}

/** Droplet firewall rules: the app port only from the load balancer, SSH only from admin ranges, everything outbound. */
export function dropletFirewallRules(loadBalancerId: pulumi.Input<string>, adminCidrs: readonly string[]) {
    const inboundRules: digitalocean.types.input.FirewallInboundRule[] = [
        { protocol: "tcp", portRange: String(DROPLET_PORT), sourceLoadBalancerUids: [loadBalancerId] },
    ];
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

/** Arguments of {@link AppServers}. */
export interface AppServersArgs {
    readonly region: string;
    readonly compute: ComputeSettings;
    readonly vpcId: pulumi.Input<string>;
    /** The stack's app tag (load balancer, firewalls and databases target it). */
    readonly appTag: pulumi.Input<string>;
    /** Label tags (`project:alicerce`, ...). */
    readonly labelTags: string[];
    /** Required by autoscale pools; port 22 is still closed unless `adminCidrs` opens it. */
    readonly sshKeyFingerprints: readonly string[];
    /** IPv4 ranges allowed to SSH. @default [] (port 22 closed) */
    readonly adminCidrs?: readonly string[];
    readonly loadBalancerId: pulumi.Input<string>;
    /** The private config bucket and its read-only bootstrap key. */
    readonly configBucket: pulumi.Input<string>;
    readonly bootstrapAccessKey: pulumi.Input<string>;
    readonly bootstrapSecretKey: pulumi.Input<string>;
    /** The image by digest. */
    readonly image: pulumi.Input<string>;
    /** Docker config.json with pull credentials; undefined for a public image. */
    readonly pullCredentials?: pulumi.Input<string>;
    /** The app's environment (secret values arrive as secrets and stay secret). */
    readonly env: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The DigitalOcean project the droplets are created in. */
    readonly projectId: pulumi.Input<string>;
    /** Pulumi `protect` on the session signing key (rotating it signs every user out). */
    readonly protect: boolean;
}

/**
 * The app servers: a droplet autoscale pool (min/max per tier, CPU and
 * memory targets, cooldown) whose droplets run the image from cloud-init,
 * sit in the VPC with the stack's tags, and are firewalled to the load
 * balancer. The app's env file and pull credentials go to the private
 * config bucket, never into user data; the user data carries the config's
 * ETag, so changing a secret or the image changes the template and the pool
 * replaces its droplets (new ones boot before old ones go). The session
 * signing key is generated here and exists only in state and that file.
 */
export class AppServers extends pulumi.ComponentResource {
    public readonly poolId: pulumi.Output<string>;
    public readonly firewallId: pulumi.Output<string>;

    constructor(name: string, args: AppServersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:AppServers", name, {}, opts);

        // Alphanumeric: the env file takes values literally, and 64 of 62 symbols is ~380 bits.
        const sessionKey = new random.RandomPassword(`${name}-session-key`, { length: 64, special: false }, { parent: this, protect: args.protect });
        const envFile = pulumi
            .all([pulumi.output(args.env), sessionKey.result])
            .apply(([env, key]) => renderEnvFile({ ...env, SESSION_SIGNING_KEY: key }));
        const envObject = new digitalocean.SpacesBucketObject(
            `${name}-env`,
            {
                region: args.region,
                bucket: args.configBucket,
                key: "app.env",
                acl: "private",
                contentType: "text/plain",
                content: pulumi.secret(envFile),
            },
            { parent: this },
        );
        const etags: pulumi.Output<string>[] = [envObject.etag];
        if (args.pullCredentials !== undefined) {
            const registryObject = new digitalocean.SpacesBucketObject(
                `${name}-registry-auth`,
                { region: args.region, bucket: args.configBucket, key: "registry.json", acl: "private", contentType: "application/json", content: pulumi.secret(args.pullCredentials) },
                { parent: this },
            );
            etags.push(registryObject.etag);
        }

        const { inboundRules, outboundRules } = dropletFirewallRules(args.loadBalancerId, args.adminCidrs ?? []);
        const firewall = new digitalocean.Firewall(
            `${name}-firewall`,
            { tags: [args.appTag], inboundRules, outboundRules },
            { parent: this },
        );

        const privateRegistry = args.pullCredentials !== undefined;
        const userData = pulumi.secret(
            pulumi
                .all([args.configBucket, args.bootstrapAccessKey, args.bootstrapSecretKey, args.image, pulumi.all(etags)])
                .apply(([configBucket, bootstrapAccessKey, bootstrapSecretKey, image, configEtags]) =>
                    renderCloudInit({
                        region: args.region,
                        configBucket,
                        bootstrapAccessKey,
                        bootstrapSecretKey,
                        image,
                        privateRegistry,
                        appPort: APP_PORT,
                        hostPort: DROPLET_PORT,
                        stopTimeoutSeconds: Math.ceil(SHUTDOWN_TIMEOUT_MS / 1000) + 10,
                    }) + `# config etags: ${configEtags.join(" ")}\n`,
                ),
        );
        const pool = new digitalocean.DropletAutoscale(
            `${name}-pool`,
            {
                config: autoscaleConfig(args.compute),
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
        );
        this.poolId = pool.id;
        this.firewallId = firewall.id;
        this.registerOutputs({ poolId: this.poolId, firewallId: this.firewallId });
    }
}
