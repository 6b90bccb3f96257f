import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { StandardTags } from "../shared/tags";
import { DEPLOY_USER, renderHostCloudInit, SSH_ALLOW_SCRIPT } from "./cloudinit";

/** Arguments of {@link VpsHost}. */
export interface VpsHostArgs {
    /** Creates the VM and its cloud firewall: `awsVpsMachine` (components/aws/vps-machine.ts) or `digitalOceanVpsMachine` (components/digitalocean/vps-machine.ts). */
    readonly machine: VpsMachine;
    /** The explicit provider of the VM's cloud (its region; default tags on AWS). */
    readonly provider: pulumi.ProviderResource;
    /** The explicit `@pulumi/command` provider for the commands run on the host over SSH. */
    readonly commandProvider: pulumi.ProviderResource;
    /** Droplet size slug or EC2 instance type. */
    readonly size: string;
    /** DigitalOcean region (AWS takes its region from the provider). */
    readonly region: string;
    /** IPv4 ranges allowed to reach SSH. */
    readonly adminCidrs: readonly string[];
    /** The operator's SSH public key. */
    readonly sshPublicKey: string;
    readonly tags: StandardTags;
    /**
     * Pulumi `protect` on the VM: every volume (database, uploads, backups)
     * lives on its disk. @default false
     */
    readonly protect?: boolean;
    /** Root disk in GB (AWS; a droplet's disk comes with its size). @default 40 */
    readonly diskGb?: number;
}

/** What a cloud's {@link VpsMachine} gets: the VM's shape, its first-boot cloud-init, and who may reach it. */
export interface VpsMachineArgs {
    /** Droplet size slug or EC2 instance type. */
    readonly size: string;
    /** DigitalOcean region (AWS takes its region from the provider). */
    readonly region: string;
    /** IPv4 ranges allowed to reach SSH through the cloud firewall (80 and 443 are open to all). */
    readonly adminCidrs: readonly string[];
    /** The operator's SSH public key. */
    readonly sshPublicKey: string;
    readonly tags: StandardTags;
    /** Root disk in GB where the cloud lets it be chosen. */
    readonly diskGb?: number;
    /** cloud-init user data (Ubuntu 24.04 LTS), rendered by cloudinit.ts. */
    readonly userData: string;
}

/** Options a {@link VpsMachine} puts on what it creates: `child` on every resource, `keep` on the VM itself. */
export interface VpsMachineOptions {
    /** Parent (the {@link VpsHost}) and the cloud's explicit provider. */
    readonly child: pulumi.CustomResourceOptions;
    /** What the VM ignores after first boot (cloud-init runs once) and whether it is protected. */
    readonly keep: pulumi.CustomResourceOptions;
}

/**
 * One cloud's way of creating the host's VM behind its own firewall (22 from
 * the admin ranges, 80 and 443 from anywhere); returns the public IPv4
 * address. Children are named from `name` under the {@link VpsHost}.
 */
export type VpsMachine = (name: string, args: VpsMachineArgs, opts: VpsMachineOptions) => pulumi.Output<string>;

/**
 * One VM for a `docker` stack, made a Docker host by cloud-init (see
 * cloudinit.ts), behind the cloud's own firewall with the same rules as ufw:
 * 22 from the admin ranges, 80 and 443 from anywhere.
 *
 * cloud-init runs once, at first boot: changes to its inputs afterwards are
 * ignored rather than replacing the VM (and every volume on it). `up` waits
 * over SSH until cloud-init has finished (Docker installed, ufw on) before
 * anything talks to Docker, and sets ufw's SSH allow-list again whenever
 * `adminCidrs` changes, as the cloud firewall does.
 */
export class VpsHost extends pulumi.ComponentResource {
    /** The public IPv4 address. */
    public readonly ipv4Address: pulumi.Output<string>;
    /** The Docker provider's address for this host; known only once cloud-init has finished on it. */
    public readonly dockerHost: pulumi.Output<string>;
    /** cloud-init's final status line, once it has finished. */
    public readonly cloudInitStatus: pulumi.Output<string>;

    constructor(name: string, args: VpsHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:VpsHost", name, {}, opts);
        const userData = renderHostCloudInit({ adminCidrs: args.adminCidrs, sshPublicKey: args.sshPublicKey });
        const child = { parent: this, provider: args.provider };
        const keep: pulumi.CustomResourceOptions = { ignoreChanges: ["userData", "image", "sshKeys", "ami", "userDataBase64"], protect: args.protect };

        this.ipv4Address = args.machine(
            name,
            {
                size: args.size,
                region: args.region,
                adminCidrs: args.adminCidrs,
                sshPublicKey: args.sshPublicKey,
                tags: args.tags,
                diskGb: args.diskGb,
                userData,
            },
            { child, keep },
        );
        // The SSH agent's key (SSH_AUTH_SOCK), as for the Docker provider's ssh. The host key is not checked on this
        // connection (the Docker provider's ssh pins it on first use); nothing secret is sent over it.
        const connection: command.types.input.remote.ConnectionArgs = {
            host: this.ipv4Address,
            user: DEPLOY_USER,
            // sshd comes up within a minute of boot: keep dialling for up to ~10 minutes.
            dialErrorLimit: 40,
            perDialTimeout: 15,
        };
        const ready = new command.remote.Command(
            `${name}-cloud-init`,
            {
                connection,
                create: waitForCloudInitCommand(),
            },
            { parent: this, provider: args.commandProvider, customTimeouts: { create: "30m" } },
        );
        new command.remote.Command(
            `${name}-ssh-allow`,
            {
                connection,
                // A changed list changes the command, and Pulumi runs it again.
                create: sshAllowCommand(args.adminCidrs),
            },
            { parent: this, provider: args.commandProvider, dependsOn: [ready] },
        );
        this.cloudInitStatus = ready.stdout;
        this.dockerHost = pulumi.all([this.ipv4Address, ready.stdout]).apply(([ip]) => `ssh://${DEPLOY_USER}@${ip}`);
        this.registerOutputs({ ipv4Address: this.ipv4Address, dockerHost: this.dockerHost, cloudInitStatus: this.cloudInitStatus });
    }
}

/**
 * Waits until cloud-init is done on the host; fails (with cloud-init's own
 * report) only on an unrecoverable error. `cloud-init status --wait` exits 0
 * when done, 1 on a critical error, 2 on recoverable ones (cloud-init 23.4+;
 * https://cloudinit.readthedocs.io/en/latest/explanation/return_codes.html).
 */
export function waitForCloudInitCommand(): string {
    return [
        "rc=0",
        "cloud-init status --wait >/dev/null || rc=$?",
        'if [ "$rc" -eq 1 ]; then cloud-init status --long >&2; exit 1; fi',
        "cloud-init status",
    ].join("; ");
}

/** Sets ufw's SSH allow-list on the host to exactly `adminCidrs` (the script cloud-init installed; see cloudinit.ts). */
export function sshAllowCommand(adminCidrs: readonly string[]): string {
    for (const cidr of adminCidrs) {
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new Error(`"${cidr}" is not an IPv4 range`);
    }
    return `sudo -n ${SSH_ALLOW_SCRIPT} ${adminCidrs.join(" ")}`;
}
