import { stringify } from "yaml";

/** Options of {@link renderHostCloudInit}. */
export interface HostCloudInitOptions {
    /** IPv4 ranges allowed to SSH; nothing else reaches port 22. */
    readonly adminCidrs: readonly string[];
    /** The operator's SSH public key, for the deploy user. */
    readonly sshPublicKey: string;
    /** The deploy user the Docker provider connects as (member of `docker`: root-equivalent on the host). @default "alicerce" */
    readonly user?: string;
}

/** The user the Docker provider connects as when alicerce creates the host. */
export const DEPLOY_USER = "alicerce";

/** Docker daemon defaults on a created host: rotated logs, containers survive a daemon restart, no privilege escalation. */
export const DAEMON_JSON = {
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "5" },
    "live-restore": true,
    "no-new-privileges": true,
} as const;

/**
 * The cloud-config that turns a fresh Ubuntu 24.04 VM into a Docker host:
 * Docker from Ubuntu's archive (so unattended-upgrades patches it), ufw
 * allowing 22 only from the admin ranges plus 80 and 443, fail2ban on sshd,
 * key-only SSH without root login, daily unattended security upgrades.
 *
 * Docker publishes ports through its own iptables chains, ahead of ufw: only
 * nginx publishes ports here (80 and 443, which ufw allows anyway), so ufw's
 * picture stays true. Publishing anything else would bypass it.
 */
export function renderHostCloudInit(options: HostCloudInitOptions): string {
    const user = options.user ?? DEPLOY_USER;
    if (options.adminCidrs.length === 0) throw new Error("adminCidrs is empty: SSH would be reachable by nobody, or by everybody");
    for (const cidr of options.adminCidrs) {
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new Error(`"${cidr}" is not an IPv4 range`);
    }
    if (/[\r\n]/.test(options.sshPublicKey)) throw new Error("the SSH public key must be one line");

    const config = {
        package_update: true,
        package_upgrade: true,
        packages: ["docker.io", "ufw", "fail2ban", "unattended-upgrades"],
        users: [
            {
                name: user,
                groups: ["docker"],
                shell: "/bin/bash",
                lock_passwd: true,
                ssh_authorized_keys: [options.sshPublicKey],
            },
        ],
        disable_root: true,
        ssh_pwauth: false,
        write_files: [
            {
                path: "/etc/ssh/sshd_config.d/50-alicerce.conf",
                permissions: "0644",
                content: ["PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin no", `AllowUsers ${user}`, ""].join("\n"),
            },
            {
                path: "/etc/apt/apt.conf.d/20auto-upgrades",
                permissions: "0644",
                content: ['APT::Periodic::Update-Package-Lists "1";', 'APT::Periodic::Unattended-Upgrade "1";', 'APT::Periodic::AutocleanInterval "7";', ""].join("\n"),
            },
            {
                path: "/etc/fail2ban/jail.d/sshd.local",
                permissions: "0644",
                content: ["[sshd]", "enabled = true", "maxretry = 5", "findtime = 10m", "bantime = 1h", ""].join("\n"),
            },
            {
                path: "/etc/docker/daemon.json",
                permissions: "0644",
                content: JSON.stringify(DAEMON_JSON, null, 2) + "\n",
            },
        ],
        runcmd: [
            ["ufw", "default", "deny", "incoming"],
            ["ufw", "default", "allow", "outgoing"],
            ...options.adminCidrs.map((cidr) => ["ufw", "allow", "proto", "tcp", "from", cidr, "to", "any", "port", "22"]),
            ["ufw", "allow", "80/tcp"],
            ["ufw", "allow", "443/tcp"],
            ["ufw", "--force", "enable"],
            ["systemctl", "enable", "--now", "docker", "fail2ban", "unattended-upgrades"],
            ["systemctl", "restart", "ssh"],
        ],
    };
    return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
