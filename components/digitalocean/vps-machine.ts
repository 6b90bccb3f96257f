import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { VpsMachineArgs, VpsMachineOptions } from "../docker/host";
import { digitalOceanTags } from "../shared/tags";

/** Ubuntu 24.04 LTS, DigitalOcean's image slug. */
export const UBUNTU_DROPLET_IMAGE = "ubuntu-24-04-x64";

/**
 * A single Docker host's VM on DigitalOcean: a droplet with the operator's
 * SSH key, behind a cloud firewall attached by droplet id.
 */
export function digitalOceanVpsMachine(name: string, args: VpsMachineArgs, { child, keep }: VpsMachineOptions): pulumi.Output<string> {
    const userData = args.userData;
    const tags = digitalOceanTags(args.tags);
    // Without an SSH key DigitalOcean mails a root password; with one, password login never exists.
    const key = new digitalocean.SshKey(`${name}-key`, { name: `${name}-operator`, publicKey: args.sshPublicKey }, child);
    const droplet = new digitalocean.Droplet(
        `${name}`,
        {
            image: UBUNTU_DROPLET_IMAGE,
            size: args.size,
            region: args.region,
            sshKeys: [key.fingerprint],
            userData,
            monitoring: true,
            ipv6: false,
            tags,
        },
        { ...child, ...keep },
    );
    new digitalocean.Firewall(
        `${name}-firewall`,
        {
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
        },
        child,
    );
    return droplet.ipv4Address;
}
