/**
 * Cloud-init for app droplets: a pure renderer, no Pulumi.
 *
 * Secrets never appear here. The user data carries only a bootstrap Spaces
 * key that can read one private bucket (the config bucket); at every start
 * of the app, systemd fetches the app's env file and the registry's pull
 * credentials from that bucket into root-only files, then runs the image by
 * digest. Containers are blocked from the metadata service, so a compromised
 * app cannot read the bootstrap key back out of the user data.
 */

/** What the droplet needs to fetch its config and run the app. */
export interface CloudInitOptions {
    /** Spaces region of the config bucket, e.g. nyc3. */
    readonly region: string;
    /** The private bucket holding `app.env` and `registry.json`. */
    readonly configBucket: string;
    /** The bootstrap key: read-only on the config bucket. */
    readonly bootstrapAccessKey: string;
    readonly bootstrapSecretKey: string;
    /** The image, pinned by digest (`registry.digitalocean.com/acme/app@sha256:...`). */
    readonly image: string;
    /** Whether `registry.json` (Docker pull credentials) is fetched; false for a public prebuilt image. */
    readonly privateRegistry: boolean;
    /** Port the container listens on. */
    readonly appPort: number;
    /** Port published on the droplet (the load balancer's target). */
    readonly hostPort: number;
    /** Seconds `docker stop` waits for the app to drain before killing it. */
    readonly stopTimeoutSeconds: number;
}

/** Files the droplet writes, by path; exported so tests can shellcheck the scripts. */
export interface CloudInitFiles {
    readonly [path: string]: { readonly content: string; readonly permissions: string };
}

const SAFE = {
    region: /^[a-z]{3}\d$/,
    bucket: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    key: /^[A-Za-z0-9+/=_-]{8,128}$/,
    image: /^[a-z0-9]+([._/:-][a-z0-9]+)*(@sha256:[0-9a-f]{64}|:[\w][\w.-]{0,127})$/,
};

/** Throws when a value would need quoting in a shell or YAML (they are interpolated into both). */
function check(options: CloudInitOptions): void {
    const bad: string[] = [];
    if (!SAFE.region.test(options.region)) bad.push(`region "${options.region}"`);
    if (!SAFE.bucket.test(options.configBucket)) bad.push(`bucket "${options.configBucket}"`);
    if (!SAFE.key.test(options.bootstrapAccessKey)) bad.push("bootstrap access key");
    if (!SAFE.key.test(options.bootstrapSecretKey)) bad.push("bootstrap secret key");
    if (!SAFE.image.test(options.image)) bad.push(`image "${options.image}"`);
    for (const [name, port] of [["appPort", options.appPort], ["hostPort", options.hostPort]] as const) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) bad.push(`${name} ${port}`);
    }
    if (!Number.isInteger(options.stopTimeoutSeconds) || options.stopTimeoutSeconds < 1 || options.stopTimeoutSeconds > 55) {
        // Autoscale pools destroy a droplet 60 s after shutting it down.
        bad.push(`stopTimeoutSeconds ${options.stopTimeoutSeconds} (1-55)`);
    }
    if (bad.length > 0) throw new Error(`cloud-init: unsafe or invalid ${bad.join(", ")}`);
}

/** The files cloud-init writes. */
export function cloudInitFiles(options: CloudInitOptions): CloudInitFiles {
    check(options);
    const endpoint = `https://${options.configBucket}.${options.region}.digitaloceanspaces.com`;
    const fetchConfig = [
        "#!/bin/bash",
        "# Fetches the app's env file and registry credentials from the private config bucket.",
        "set -euo pipefail",
        "umask 077",
        "# shellcheck source=/dev/null",
        ". /etc/alicerce/bootstrap.env",
        "fetch() {",
        '  local key="$1" dest="$2" tmp',
        '  tmp="$(mktemp "${dest}.XXXXXX")"',
        '  curl --fail --silent --show-error --retry 5 --retry-all-errors --max-time 30 \\',
        '    --aws-sigv4 "aws:amz:${SPACES_REGION}:s3" --user "${SPACES_KEY}:${SPACES_SECRET}" \\',
        '    --output "$tmp" "${CONFIG_ENDPOINT}/${key}"',
        '  mv "$tmp" "$dest"',
        "}",
        "fetch app.env /etc/alicerce/app.env",
        ...(options.privateRegistry ? ["mkdir -p /etc/alicerce/docker", "fetch registry.json /etc/alicerce/docker/config.json"] : []),
        "",
    ].join("\n");
    const blockMetadata = [
        "#!/bin/bash",
        "# Containers must not reach the metadata service (it serves the user data, bootstrap key included).",
        "set -euo pipefail",
        "if ! iptables -C DOCKER-USER -d 169.254.169.254/32 -j DROP 2>/dev/null; then",
        "  iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP",
        "fi",
        "",
    ].join("\n");
    const dockerConfig = options.privateRegistry ? " --config /etc/alicerce/docker" : "";
    const unit = [
        "[Unit]",
        "Description=alicerce app container",
        "Wants=network-online.target",
        "After=docker.service network-online.target",
        "Requires=docker.service",
        "",
        "[Service]",
        "Restart=always",
        "RestartSec=5",
        "TimeoutStartSec=600",
        `TimeoutStopSec=${options.stopTimeoutSeconds + 5}`,
        "ExecStartPre=/usr/local/sbin/alicerce-fetch-config",
        "ExecStartPre=/usr/local/sbin/alicerce-block-metadata",
        `ExecStartPre=/usr/bin/docker${dockerConfig} pull ${options.image}`,
        "ExecStartPre=-/usr/bin/docker rm -f app",
        `ExecStart=/usr/bin/docker run --rm --name app --env-file /etc/alicerce/app.env --cap-drop ALL --security-opt no-new-privileges --publish ${options.hostPort}:${options.appPort} ${options.image}`,
        `ExecStop=/usr/bin/docker stop --time ${options.stopTimeoutSeconds} app`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
    return {
        "/etc/alicerce/bootstrap.env": {
            permissions: "0600",
            content: [
                `SPACES_REGION=${options.region}`,
                `SPACES_KEY=${options.bootstrapAccessKey}`,
                `SPACES_SECRET=${options.bootstrapSecretKey}`,
                `CONFIG_ENDPOINT=${endpoint}`,
                "",
            ].join("\n"),
        },
        "/usr/local/sbin/alicerce-fetch-config": { permissions: "0700", content: fetchConfig },
        "/usr/local/sbin/alicerce-block-metadata": { permissions: "0700", content: blockMetadata },
        "/etc/systemd/system/alicerce-app.service": { permissions: "0644", content: unit },
    };
}

/** The droplet's user data: a `#cloud-config` document. */
export function renderCloudInit(options: CloudInitOptions): string {
    const files = cloudInitFiles(options);
    const indent = (text: string) => text.split("\n").map((l) => (l === "" ? "" : `      ${l}`)).join("\n");
    const writeFiles = Object.entries(files).map(
        ([path, f]) => `  - path: ${path}\n    owner: root:root\n    permissions: "${f.permissions}"\n    content: |\n${indent(f.content)}`,
    );
    return [
        "#cloud-config",
        "# Rendered by alicerce (components/digitalocean/userdata.ts). Secrets are fetched at start, never written here.",
        "ssh_pwauth: false",
        "disable_root: false",
        "package_update: true",
        "packages:",
        "  - docker.io",
        "  - curl",
        "write_files:",
        ...writeFiles,
        "runcmd:",
        "  - [passwd, --lock, root]",
        "  - [systemctl, enable, --now, docker.service]",
        "  - [systemctl, daemon-reload]",
        "  - [systemctl, enable, --now, alicerce-app.service]",
        "",
    ].join("\n");
}
