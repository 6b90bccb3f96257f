import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

/** The clouds a single host can be created on. */
export type VpsCloud = "aws" | "digitalocean";
import { digitalOceanTags, StandardTags } from "../shared/tags";
import { DEPLOY_USER, renderHostCloudInit, SSH_ALLOW_SCRIPT } from "./cloudinit";

/** Arguments of {@link VpsHost}. */
export interface VpsHostArgs {
    /** The cloud the VM is created on. */
    readonly cloud: VpsCloud;
    /** The explicit provider of that cloud (its region; default tags on AWS). */
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

/** Ubuntu 24.04 LTS images: DigitalOcean's slug, and Canonical's SSM parameter for arm64 (Graviton) AMIs. */
export const UBUNTU = {
    digitalocean: "ubuntu-24-04-x64",
    awsArm64Parameter: "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
} as const;

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
        const keep = { ignoreChanges: ["userData", "image", "sshKeys", "ami", "userDataBase64"], protect: args.protect };

        if (args.cloud === "digitalocean") {
            const tags = digitalOceanTags(args.tags);
            // Without an SSH key DigitalOcean mails a root password; with one, password login never exists.
            const key = new digitalocean.SshKey(`${name}-key`, { name: `${name}-operator`, publicKey: args.sshPublicKey }, child);
            const droplet = new digitalocean.Droplet(`${name}`, {
                image: UBUNTU.digitalocean,
                size: args.size,
                region: args.region,
                sshKeys: [key.fingerprint],
                userData,
                monitoring: true,
                ipv6: false,
                tags,
            }, { ...child, ...keep });
            new digitalocean.Firewall(`${name}-firewall`, {
                dropletIds: [droplet.id.apply(Number)],
                inboundRules: [
                    { protocol: "tcp", portRange: "22", sourceAddresses: [...args.adminCidrs] },
                    { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
                    { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
                ],
                outboundRules: [
                    { protocol: "tcp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                    { protocol: "udp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                    { protocol: "icmp", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                ],
                // By droplet id only: a firewall's `tags` select every droplet carrying them, and the label tags are
                // shared with other stacks' droplets (whose own firewalls admit only their load balancer).
            }, child);
            this.ipv4Address = droplet.ipv4Address;
        } else {
            const ami = aws.ssm.getParameterOutput({ name: UBUNTU.awsArm64Parameter }, { provider: args.provider, parent: this });
            const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { description: `alicerce single host ${name}: 22 from admin ranges, 80 and 443` }, child);
            args.adminCidrs.forEach((cidr, i) => {
                new aws.vpc.SecurityGroupIngressRule(`${name}-ssh-${i}`, { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr }, child);
            });
            for (const port of [80, 443]) {
                new aws.vpc.SecurityGroupIngressRule(`${name}-in-${port}`, { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" }, child);
            }
            new aws.vpc.SecurityGroupEgressRule(`${name}-out`, { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }, child);
            const instance = new aws.ec2.Instance(`${name}`, {
                ami: ami.value,
                instanceType: args.size,
                vpcSecurityGroupIds: [sg.id],
                userData,
                rootBlockDevice: { volumeSize: args.diskGb ?? 40, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
                monitoring: false,
            }, { ...child, ...keep });
            const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", instance: instance.id }, child);
            this.ipv4Address = eip.publicIp;
        }
        // The SSH agent's key (SSH_AUTH_SOCK), as for the Docker provider's ssh. The host key is not checked on this
        // connection (the Docker provider's ssh pins it on first use); nothing secret is sent over it.
        const connection: command.types.input.remote.ConnectionArgs = {
            host: this.ipv4Address,
            user: DEPLOY_USER,
            // sshd comes up within a minute of boot: keep dialling for up to ~10 minutes.
            dialErrorLimit: 40,
            perDialTimeout: 15,
        };
        const ready = new command.remote.Command(`${name}-cloud-init`, {
            connection,
            create: waitForCloudInitCommand(),
        }, { parent: this, provider: args.commandProvider, customTimeouts: { create: "30m" } });
        new command.remote.Command(`${name}-ssh-allow`, {
            connection,
            // A changed list changes the command, and Pulumi runs it again.
            create: sshAllowCommand(args.adminCidrs),
        }, { parent: this, provider: args.commandProvider, dependsOn: [ready] });
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
