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

/** How long apt waits for another apt (apt-daily, unattended-upgrades at first boot) to release the dpkg lock, in seconds. */
export const APT_LOCK_TIMEOUT_SECONDS = 600;

/** The root-owned script that sets the SSH allow-list in ufw; the deploy user may run it with sudo, and only it. */
export const SSH_ALLOW_SCRIPT = "/usr/local/sbin/alicerce-ssh-allow";

/** The first-boot script cloud-init runs (from `runcmd`). */
export const BOOTSTRAP_SCRIPT = "/usr/local/sbin/alicerce-bootstrap";

/**
 * `alicerce-ssh-allow CIDR...`: SSH (22/tcp) in ufw from exactly these IPv4
 * ranges, then ufw enabled. Idempotent: run at first boot and again by
 * `pulumi up` whenever `adminCidrs` changes. New ranges are allowed before
 * old ones are removed, so SSH from the admin ranges never drops.
 */
export function renderSshAllowScript(): string {
    return `#!/bin/sh
# Rendered by alicerce (components/docker/cloudinit.ts).
# Usage: alicerce-ssh-allow CIDR...  SSH from exactly these IPv4 ranges; other SSH rules are removed.
set -eu
if [ "$#" -eq 0 ]; then
    echo "usage: $0 CIDR..." >&2
    exit 2
fi
for cidr in "$@"; do
    case "$cidr" in
        *[!0-9./]* | "" | */*/* | */) echo "not an IPv4 range: $cidr" >&2; exit 2 ;;
        */*) ;;
        *) echo "not an IPv4 range: $cidr" >&2; exit 2 ;;
    esac
done
for cidr in "$@"; do
    ufw allow proto tcp from "$cidr" to any port 22
done
# ufw lists a rule as "ufw allow from 203.0.113.0/24 to any port 22 proto tcp", a /32 without its suffix.
ufw show added | sed -n 's/^ufw allow from \\([0-9./]*\\) to any port 22 proto tcp$/\\1/p' | while read -r old; do
    keep=no
    for cidr in "$@"; do
        if [ "$old" = "$cidr" ] || [ "$old" = "\${cidr%/32}" ]; then keep=yes; fi
    done
    if [ "$keep" = no ]; then
        ufw delete allow proto tcp from "$old" to any port 22
    fi
done
ufw --force enable
`;
}

/**
 * The first-boot script: packages (waiting for apt-daily's lock rather than
 * failing), ufw (deny in; 80 and 443; SSH from the admin ranges; enabled
 * last), then Docker, fail2ban and unattended-upgrades started.
 */
export function renderBootstrapScript(adminCidrs: readonly string[]): string {
    return `#!/bin/sh
# Rendered by alicerce (components/docker/cloudinit.ts): first boot of a single Docker host.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt_get() {
    apt-get -q -y -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}
tries=0
until apt_get update; do
    tries=$((tries + 1))
    if [ "$tries" -ge 10 ]; then exit 1; fi
    sleep 15
done
apt_get upgrade
apt_get install docker.io ufw fail2ban unattended-upgrades
ufw default deny incoming
ufw default allow outgoing
ufw allow 80/tcp
ufw allow 443/tcp
${SSH_ALLOW_SCRIPT} ${adminCidrs.join(" ")}
systemctl enable --now docker fail2ban unattended-upgrades
systemctl restart ssh
`;
}

/**
 * The cloud-config that turns a fresh Ubuntu 24.04 VM into a Docker host:
 * Docker from Ubuntu's archive (so unattended-upgrades patches it), ufw
 * allowing 22 only from the admin ranges plus 80 and 443, fail2ban on sshd,
 * key-only SSH without root login, daily unattended security upgrades.
 *
 * Packages are installed by the bootstrap script, not cloud-init's `packages`
 * module: that module gives up after waiting 30 s for the apt lock
 * (cloud-init `APT_LOCK_WAIT_TIMEOUT`), and apt-daily often holds it at first
 * boot; apt itself waits `DPkg::Lock::Timeout`.
 *
 * Docker publishes ports through its own iptables chains, ahead of ufw: only
 * the edge proxy publishes ports here (80 and 443, which ufw allows anyway),
 * so ufw's picture stays true. Publishing anything else would bypass it.
 */
export function renderHostCloudInit(options: HostCloudInitOptions): string {
    const user = options.user ?? DEPLOY_USER;
    if (options.adminCidrs.length === 0) throw new Error("adminCidrs is empty: SSH would be reachable by nobody, or by everybody");
    for (const cidr of options.adminCidrs) {
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) throw new Error(`"${cidr}" is not an IPv4 range`);
    }
    if (/[\r\n]/.test(options.sshPublicKey)) throw new Error("the SSH public key must be one line");
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new Error(`"${user}" is not a user name`);

    const config = {
        users: [
            {
                name: user,
                groups: ["docker"],
                shell: "/bin/bash",
                lock_passwd: true,
                ssh_authorized_keys: [options.sshPublicKey],
            },
        ],
        // The docker group does not exist before docker.io is installed.
        groups: ["docker"],
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
                content: [
                    'APT::Periodic::Update-Package-Lists "1";',
                    'APT::Periodic::Unattended-Upgrade "1";',
                    'APT::Periodic::AutocleanInterval "7";',
                    "",
                ].join("\n"),
            },
            {
                // Every apt run on the host (unattended-upgrades, an operator's) waits for the lock instead of failing.
                path: "/etc/apt/apt.conf.d/90alicerce-lock-timeout",
                permissions: "0644",
                content: `DPkg::Lock::Timeout "${APT_LOCK_TIMEOUT_SECONDS}";\n`,
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
            { path: SSH_ALLOW_SCRIPT, permissions: "0755", owner: "root:root", content: renderSshAllowScript() },
            {
                // The deploy user is root-equivalent through the docker group anyway; this names the one thing it runs as root.
                path: "/etc/sudoers.d/50-alicerce-ssh-allow",
                permissions: "0440",
                owner: "root:root",
                content: `${user} ALL=(root) NOPASSWD: ${SSH_ALLOW_SCRIPT}\n`,
            },
            { path: BOOTSTRAP_SCRIPT, permissions: "0700", owner: "root:root", content: renderBootstrapScript(options.adminCidrs) },
        ],
        runcmd: [[BOOTSTRAP_SCRIPT]],
    };
    return "#cloud-config\n" + stringify(config, { lineWidth: 0 });
}
