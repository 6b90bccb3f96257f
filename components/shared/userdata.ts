/**
 * Cloud-neutral user data for a host that runs the app as one container.
 *
 * {@link renderUserData} is a pure function: a {@link ContainerSpec} (what to
 * run) and a {@link HostStrategy} (how this cloud installs packages, logs in
 * to its registry, reads a secret and ships logs) become a bash script that
 * cloud-init runs once at first boot. The script
 *
 * - installs docker (and the few tools the script uses) with the OS's package manager;
 * - writes the container's non-secret environment to a root-only env file;
 * - writes a root-only "prepare" script that systemd runs before every start:
 *   it logs docker in to the registry and fetches the secrets into
 *   `/run/<service>/secrets.env` (tmpfs: secret values never reach the disk,
 *   and they are never in the user data, which anyone with
 *   `ec2:DescribeInstanceAttribute` or the droplet's metadata can read);
 * - writes a systemd unit that runs the image by digest with `Restart=always`,
 *   the host port mapped to the container's port, and a stop timeout longer
 *   than the app's graceful shutdown;
 * - runs the cloud's extra setup (the CloudWatch agent on AWS).
 *
 * The strategies live with their cloud: `awsHost` in components/aws/host-strategy.ts
 * (Amazon Linux 2023, `dnf`, ECR, Secrets Manager, CloudWatch) and
 * `digitalOceanHost` / `digitalOceanSpacesHost` in
 * components/digitalocean/host-strategy.ts (Ubuntu, `apt`, DigitalOcean
 * Container Registry, the DigitalOcean API or Spaces, journald).
 */

/** One secret the prepare script fetches at boot into the container's environment. */
export interface SecretEnv {
    /** The environment variable the value lands in (`DB_PASSWORD`). */
    readonly env: string;
    /**
     * Where the secret lives, as the host strategy reads it: a Secrets Manager
     * ARN or name on AWS; a DigitalOcean API path (`databases/<uuid>`) there.
     */
    readonly source: string;
    /**
     * A jq path into the secret's JSON (`.password`,
     * `.database.connection.password`). Without it the whole secret string is the value.
     */
    readonly key?: string;
}

/** A public file downloaded at boot (a CA bundle) and mounted read-only into the container. */
export interface BootFile {
    /** An `https://` URL. */
    readonly url: string;
    /** Where the container sees it (`/etc/ssl/certs/rds-global-bundle.pem`). */
    readonly containerPath: string;
}

/**
 * One-time SQL run from the host, as an admin, before the app's first start
 * on each boot: grants the app's own user cannot give itself (on PostgreSQL
 * 15+ only the database owner may create in schema `public`). The admin URL
 * is fetched like a secret but never written into the container's environment.
 */
export interface DatabaseBootstrap {
    /**
     * Where the admin connection URL lives (fetched with the strategy's
     * `fetchSecret`). Absent or empty at start: the step is skipped.
     */
    readonly adminUrl: SecretEnv;
    /** Statements, run in one transaction with `ON_ERROR_STOP`; each must be idempotent (it runs once per boot). */
    readonly sql: readonly string[];
    /**
     * The psql client image, pulled from its registry at boot.
     * @default "postgres:17-alpine"
     */
    readonly clientImage?: string;
}

/** What runs on the host. */
export interface ContainerSpec {
    /**
     * Names the systemd unit, the container and the files under `/etc` and
     * `/run`: lowercase letters, digits and `-`, starting with a letter.
     * @default "app"
     */
    readonly serviceName?: string;
    /** The image, by digest (`registry/repo@sha256:<64 hex>`): a tag could move under a running fleet. */
    readonly image: string;
    /** The host port the load balancer sends traffic to. */
    readonly hostPort: number;
    /**
     * More host ports the container's port is published on (the AWS instance edge serves the internet on 80
     * while 8080 stays where a load balancer would look, so a tier upgrade finds the running instance healthy).
     * @default [] (none)
     */
    readonly additionalHostPorts?: readonly number[];
    /**
     * The port the app listens on inside the container.
     * @default 8080
     */
    readonly containerPort?: number;
    /** Non-secret environment variables (names, hosts, ARNs). They are visible in the user data. */
    readonly env: Readonly<Record<string, string>>;
    /**
     * Secrets fetched at every start of the unit (never written into the user data).
     * @default []
     */
    readonly secrets?: readonly SecretEnv[];
    /**
     * Public files downloaded at boot and mounted read-only.
     * @default []
     */
    readonly files?: readonly BootFile[];
    /**
     * Seconds docker waits after SIGTERM before SIGKILL. Must exceed the app's
     * graceful shutdown (it finishes in-flight requests in 25 s).
     * @default 30
     */
    readonly stopTimeoutSeconds?: number;
    /**
     * Admin SQL the prepare script runs once per boot before the app starts.
     * @default undefined (none)
     */
    readonly databaseBootstrap?: DatabaseBootstrap;
    /**
     * The container's command, replacing the image's `CMD` (`alicerce:appCommand`;
     * the worker role: `node --enable-source-maps dist/worker.js`). Each word
     * is quoted for systemd's ExecStart.
     * @default undefined (the image's own command: the unit is unchanged)
     */
    readonly command?: readonly string[];
    /**
     * Run once per boot in a throwaway container of the same image, with the
     * app's whole environment, after the secrets are fetched and before the
     * app starts (`alicerce:appReleaseCommand`: database migrations). Every
     * release boots new hosts, so it runs before any new host serves; a
     * non-zero exit fails the unit's start, the host never turns healthy,
     * and the rollout stops. It must be idempotent (each new host runs it).
     * @default undefined (none)
     */
    readonly releaseCommand?: readonly string[];
}

/** How one cloud's host does the cloud-specific parts. Small on purpose: everything else is shared. */
export interface HostStrategy {
    /** For messages and the script's header (`aws`, `digitalocean`). */
    readonly cloud: string;
    /** Shell lines that install docker and jq (and anything the other lines call). */
    readonly install: readonly string[];
    /** Shell lines of the prepare script that log docker in to `registry` (the image's host). */
    registryLogin(registry: string): string[];
    /** A shell pipeline that prints one secret's value on stdout (fails on a missing secret or key). */
    fetchSecret(secret: SecretEnv): string;
    /** Extra lines at the top of the prepare script: credentials the login and secret lines need, given what they are. */
    preparePreamble(registry: string, secrets: readonly SecretEnv[]): string[];
    /** `docker run` flags that ship the container's logs (`--log-driver=...`). */
    readonly logFlags: readonly string[];
    /** Shell lines run at boot after the unit is written and before it starts (agents). */
    readonly setup: readonly string[];
    /**
     * systemd units (written by `setup`) enabled and started without waiting (`--no-block`) after the units are
     * loaded and before the app's first start, so a failed first start (which ends the script) cannot leave them
     * unstarted: the AWS instance edge's address take-over, which polls the app itself.
     * @default [] (none)
     */
    readonly startUnits?: readonly string[];
}

/** Quotes a value for bash: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const IMAGE_BY_DIGEST = /^[a-z0-9]+([._\/:-][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;
const JQ_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const CONTAINER_PATH = /^\/[A-Za-z0-9._\/-]+$/;
/** Docker's `--env-file` takes each line literally after `=`: no newlines, and nothing is unquoted. */
const ENV_VALUE = /^[^\n\r\0]*$/;
/** The heredoc delimiter the rendered scripts use (no rendered value may contain it). */
export const HEREDOC = "ALICERCE_EOF";
const IMAGE_REF = /^[a-z0-9]+([._\/:-][a-z0-9]+)*(@sha256:[0-9a-f]{64})?$/;
/** The variable that carries the admin URL from the prepare script to psql's environment only. */
const BOOTSTRAP_URL_VAR = "BOOTSTRAP_DATABASE_URL";

/** A spec with its defaults applied (the bootstrap stays optional). */
export type ResolvedContainerSpec = Required<Omit<ContainerSpec, "databaseBootstrap" | "command" | "releaseCommand">> &
    Pick<ContainerSpec, "databaseBootstrap" | "command" | "releaseCommand">;

/** The spec with its defaults applied. */
export function withDefaults(spec: ContainerSpec): ResolvedContainerSpec {
    return {
        serviceName: spec.serviceName ?? "app",
        image: spec.image,
        hostPort: spec.hostPort,
        additionalHostPorts: spec.additionalHostPorts ?? [],
        containerPort: spec.containerPort ?? 8080,
        env: spec.env,
        secrets: spec.secrets ?? [],
        files: spec.files ?? [],
        stopTimeoutSeconds: spec.stopTimeoutSeconds ?? 30,
        databaseBootstrap: spec.databaseBootstrap,
        command: spec.command,
        releaseCommand: spec.releaseCommand,
    };
}

/** Every problem with a spec, one line each; empty when it is valid. */
export function validateContainerSpec(spec: ContainerSpec): string[] {
    const s = withDefaults(spec);
    const problems: string[] = [];
    if (!SERVICE_NAME.test(s.serviceName))
        problems.push(`serviceName "${s.serviceName}" must be 1-31 lowercase letters, digits or '-', starting with a letter`);
    if (!IMAGE_BY_DIGEST.test(s.image)) problems.push(`image "${s.image}" must be pinned by digest (registry/repository@sha256:<64 hex>)`);
    for (const [what, port] of [
        ["hostPort", s.hostPort],
        ["containerPort", s.containerPort],
        ...s.additionalHostPorts.map((p) => ["additionalHostPorts", p] as const),
    ] as const) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${what} ${port} must be a whole number from 1 to 65535`);
    }
    const published = [s.hostPort, ...s.additionalHostPorts];
    if (new Set(published).size !== published.length) problems.push(`host ports ${published.join(", ")} repeat a port`);
    if (!Number.isInteger(s.stopTimeoutSeconds) || s.stopTimeoutSeconds < 1 || s.stopTimeoutSeconds > 3600) {
        problems.push(`stopTimeoutSeconds ${s.stopTimeoutSeconds} must be a whole number from 1 to 3600`);
    }
    const names = new Set<string>();
    const claim = (name: string) => {
        if (!ENV_NAME.test(name)) problems.push(`environment variable "${name}" must be uppercase letters, digits and '_'`);
        if (names.has(name)) problems.push(`environment variable "${name}" is set twice`);
        names.add(name);
    };
    for (const [name, value] of Object.entries(s.env)) {
        claim(name);
        if (!ENV_VALUE.test(value) || value.includes(HEREDOC)) problems.push(`environment variable "${name}" has a line break or NUL in its value`);
    }
    const checkSecret = (secret: SecretEnv) => {
        claim(secret.env);
        if (secret.source === "" || /[\n\r\0]/.test(secret.source)) problems.push(`secret ${secret.env} has an empty or multi-line source`);
        if (secret.key !== undefined && !JQ_PATH.test(secret.key))
            problems.push(`secret ${secret.env} key "${secret.key}" must be a jq path such as .password`);
    };
    s.secrets.forEach(checkSecret);
    const bootstrap = s.databaseBootstrap;
    if (bootstrap !== undefined) {
        checkSecret(bootstrap.adminUrl);
        if (bootstrap.sql.length === 0) problems.push("databaseBootstrap has no SQL statements");
        for (const sql of bootstrap.sql) {
            if (sql.trim() === "" || /\0/.test(sql) || sql.includes(HEREDOC)) problems.push(`databaseBootstrap statement "${sql}" is empty or has a NUL`);
        }
        const image = bootstrap.clientImage ?? DEFAULT_PSQL_IMAGE;
        if (!IMAGE_REF.test(image)) problems.push(`databaseBootstrap clientImage "${image}" is not an image reference`);
    }
    for (const [what, argv] of [
        ["command", s.command],
        ["releaseCommand", s.releaseCommand],
    ] as const) {
        if (argv === undefined) continue;
        if (argv.length === 0) problems.push(`${what} is empty`);
        for (const arg of argv)
            if (arg === "" || /[\n\r\0]/.test(arg) || arg.includes(HEREDOC))
                problems.push(`${what} argument ${JSON.stringify(arg)} is empty or has a line break or NUL`);
    }
    for (const file of s.files) {
        if (!/^https:\/\/[A-Za-z0-9.-]+(\/[A-Za-z0-9._~\/-]*)?$/.test(file.url)) problems.push(`file URL "${file.url}" must be a plain https:// URL`);
        if (!CONTAINER_PATH.test(file.containerPath)) problems.push(`file container path "${file.containerPath}" must be an absolute path`);
    }
    return problems;
}

/** The psql client a {@link DatabaseBootstrap} runs by default. */
export const DEFAULT_PSQL_IMAGE = "postgres:17-alpine";

/** The registry host of an image reference (`123456789012.dkr.ecr.us-east-1.amazonaws.com`). */
export function registryOf(image: string): string {
    const first = image.split("/")[0];
    // Docker's rule: the first component is a registry only if it has a dot or a port, or is localhost.
    return image.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/** Where the rendered script puts things on the host. */
export function hostPaths(serviceName: string) {
    return {
        configDir: `/etc/${serviceName}`,
        envFile: `/etc/${serviceName}/app.env`,
        runDir: `/run/${serviceName}`,
        secretsFile: `/run/${serviceName}/secrets.env`,
        prepareScript: `/usr/local/sbin/${serviceName}-prepare`,
        bootstrapMarker: `/run/${serviceName}/database-bootstrap.done`,
        releaseMarker: `/run/${serviceName}/release.done`,
        unitFile: `/etc/systemd/system/${serviceName}.service`,
    };
}

/**
 * The script systemd runs before every start of the unit (`ExecStartPre`):
 * registry login (ECR passwords last 12 hours, so a restart days later needs
 * a fresh one) and the secrets, fetched into a tmpfs file only root reads.
 * Exported so tests can lint it on its own (inside the user data it is a
 * quoted heredoc, which linters do not look into).
 */
export function renderPrepareScript(spec: ContainerSpec, host: HostStrategy): string {
    const s = checked(spec);
    const p = hostPaths(s.serviceName);
    const lines = [
        "#!/bin/bash",
        `# Runs before every start of ${s.serviceName}.service: registry login and secrets (rendered by alicerce).`,
        "set -euo pipefail",
        "umask 077",
        ...host.preparePreamble(registryOf(s.image), s.databaseBootstrap === undefined ? s.secrets : [...s.secrets, s.databaseBootstrap.adminUrl]),
        ...host.registryLogin(registryOf(s.image)),
        `install -d -m 0700 ${shellQuote(p.runDir)}`,
        `tmp="$(mktemp ${shellQuote(`${p.runDir}/secrets.XXXXXX`)})"`,
        `trap 'rm -f "$tmp"' EXIT`,
    ];
    for (const secret of s.secrets) {
        lines.push(
            `value="$(${host.fetchSecret(secret)})"`,
            `if [[ -z "$value" || "$value" == *$'\\n'* ]]; then echo ${shellQuote(`secret ${secret.env} is empty or has a line break`)} >&2; exit 1; fi`,
            `printf '%s=%s\\n' ${shellQuote(secret.env)} "$value" >> "$tmp"`,
        );
    }
    lines.push(`mv -f "$tmp" ${shellQuote(p.secretsFile)}`, "trap - EXIT");
    if (s.databaseBootstrap !== undefined) lines.push(...renderDatabaseBootstrap(s.databaseBootstrap, host, p.bootstrapMarker));
    if (s.releaseCommand !== undefined) lines.push(...renderReleaseStep(s, host));
    lines.push("");
    return lines.join("\n");
}

/**
 * The prepare script's lines for a {@link DatabaseBootstrap}: once per boot
 * (a marker on tmpfs), fetch the admin URL into a shell variable, skip if it
 * is absent, else pipe the SQL into psql in a throwaway client container on
 * the host network (the database firewall trusts the host). The URL reaches
 * psql through the environment, never a command line, a file or the log.
 * A failure fails the start, so systemd retries it.
 */
export function renderDatabaseBootstrap(bootstrap: DatabaseBootstrap, host: HostStrategy, markerFile: string): string[] {
    const image = bootstrap.clientImage ?? DEFAULT_PSQL_IMAGE;
    const env = bootstrap.adminUrl.env;
    const psql = `exec psql "$${BOOTSTRAP_URL_VAR}" --no-psqlrc --quiet --single-transaction -v ON_ERROR_STOP=1`;
    return [
        `if [[ ! -e ${shellQuote(markerFile)} ]]; then`,
        // A failed fetch may still print (jq prints null for a missing key): discard its output, not just its status.
        `    admin_url="$(${host.fetchSecret(bootstrap.adminUrl)} 2>/dev/null)" || admin_url=""`,
        `    if [[ -n "$admin_url" ]]; then`,
        `        printf '%s\\n' ${bootstrap.sql.map((q) => shellQuote(q.trim().replace(/;?$/, ";"))).join(" ")} |`,
        `            ${BOOTSTRAP_URL_VAR}="$admin_url" docker run --rm --interactive --network host --env ${BOOTSTRAP_URL_VAR} ${shellQuote(image)} sh -c ${shellQuote(psql)}`,
        `        echo ${shellQuote(`database bootstrap done (${env})`)} >&2`,
        "    else",
        `        echo ${shellQuote(`no ${env}: database bootstrap skipped`)} >&2`,
        "    fi",
        "    unset admin_url",
        `    touch ${shellQuote(markerFile)}`,
        "fi",
    ];
}

/**
 * The prepare script's lines for a release command: once per boot (a marker
 * on tmpfs), the image runs the command with the app's environment files
 * and the same confinement as the app. `set -e` makes a failure fail the
 * prepare script, so systemd never starts the app on this host.
 */
export function renderReleaseStep(spec: ResolvedContainerSpec, host: HostStrategy): string[] {
    const p = hostPaths(spec.serviceName);
    const argv = spec.releaseCommand ?? [];
    const run = [
        "docker run --rm",
        `--name ${shellQuote(`${spec.serviceName}-release`)}`,
        `--env-file ${shellQuote(p.envFile)}`,
        `--env-file ${shellQuote(p.secretsFile)}`,
        "--cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m",
        ...spec.files.map((f) => `--volume ${shellQuote(`${p.configDir}/files/${fileName(f)}:${f.containerPath}:ro`)}`),
        ...host.logFlags,
        shellQuote(spec.image),
        ...argv.map(shellQuote),
    ];
    return [
        `if [[ ! -e ${shellQuote(p.releaseMarker)} ]]; then`,
        `    echo ${shellQuote(`release command: ${argv.join(" ")}`)} >&2`,
        `    if ! ${run.join(" ")}; then`,
        `        echo ${shellQuote(`release command failed: ${spec.serviceName} does not start on this host`)} >&2`,
        "        exit 1",
        "    fi",
        `    touch ${shellQuote(p.releaseMarker)}`,
        "fi",
    ];
}

/** One argument as systemd's ExecStart parses it: double-quoted, with `%` specifiers and `$` expansion escaped (systemd.service(5), "Command lines"). */
export function systemdQuote(arg: string): string {
    return `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

/** The systemd unit that keeps the container running. */
export function renderUnit(spec: ContainerSpec, host: HostStrategy): string {
    const s = checked(spec);
    const p = hostPaths(s.serviceName);
    const run = [
        "/usr/bin/docker run --rm",
        `--name ${s.serviceName}`,
        `--env-file ${p.envFile}`,
        `--env-file ${p.secretsFile}`,
        `--publish ${s.hostPort}:${s.containerPort}`,
        ...s.additionalHostPorts.map((p) => `--publish ${p}:${s.containerPort}`),
        `--stop-timeout ${s.stopTimeoutSeconds}`,
        // The app needs no privileges: it listens above 1024 and writes only to /tmp.
        "--cap-drop ALL",
        "--security-opt no-new-privileges",
        "--read-only",
        "--tmpfs /tmp:rw,noexec,nosuid,size=64m",
        ...s.files.map((f) => `--volume ${p.configDir}/files/${fileName(f)}:${f.containerPath}:ro`),
        ...host.logFlags,
        s.image,
        ...(s.command ?? []).map(systemdQuote),
    ];
    return [
        "[Unit]",
        `Description=${s.serviceName} container (${s.image})`,
        "After=docker.service network-online.target",
        "Requires=docker.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Restart=always",
        "RestartSec=5",
        // The first pull of the image can take minutes on a small instance.
        "TimeoutStartSec=600",
        `TimeoutStopSec=${s.stopTimeoutSeconds + 15}`,
        `ExecStartPre=-/usr/bin/docker rm --force ${s.serviceName}`,
        `ExecStartPre=${p.prepareScript}`,
        `ExecStart=${run.join(" \\\n    ")}`,
        `ExecStop=/usr/bin/docker stop --time ${s.stopTimeoutSeconds} ${s.serviceName}`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/**
 * The whole first-boot script. Pure and deterministic: the same spec and
 * strategy always give the same text, so a changed script means a changed
 * spec (and, on AWS, a new launch template version and a rollout).
 * Throws one error listing every problem with the spec.
 */
export function renderUserData(spec: ContainerSpec, host: HostStrategy): string {
    const s = checked(spec);
    const p = hostPaths(s.serviceName);
    const envLines = Object.entries(s.env)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`);
    const lines = [
        "#!/bin/bash",
        `# First boot (${host.cloud}): runs ${s.serviceName} in a container. Rendered by alicerce; secrets are fetched at start, never written here.`,
        "set -euo pipefail",
        "umask 022",
        "",
        "# Packages",
        ...host.install,
        "systemctl enable --now docker",
        "",
        "# Non-secret environment, root-only",
        `install -d -m 0700 ${shellQuote(p.configDir)} ${shellQuote(`${p.configDir}/files`)}`,
        `cat > ${shellQuote(p.envFile)} <<'${HEREDOC}'`,
        ...envLines,
        HEREDOC,
        `chmod 0600 ${shellQuote(p.envFile)}`,
    ];
    if (s.files.length > 0) lines.push("", "# Public files the container reads (CA bundles)");
    for (const f of s.files) {
        const dest = `${p.configDir}/files/${fileName(f)}`;
        lines.push(
            `curl --fail --silent --show-error --location --retry 5 --proto '=https' --output ${shellQuote(dest)} ${shellQuote(f.url)}`,
            `chmod 0644 ${shellQuote(dest)}`,
        );
    }
    lines.push(
        "",
        "# Registry login and secrets, run before every start",
        `cat > ${shellQuote(p.prepareScript)} <<'${HEREDOC}'`,
        renderPrepareScript(s, host).trimEnd(),
        HEREDOC,
        `chmod 0700 ${shellQuote(p.prepareScript)}`,
        "",
        "# The container under systemd",
        `cat > ${shellQuote(p.unitFile)} <<'${HEREDOC}'`,
        renderUnit(s, host).trimEnd(),
        HEREDOC,
    );
    if (host.setup.length > 0) lines.push("", `# ${host.cloud} agents`, ...host.setup);
    lines.push("", "systemctl daemon-reload");
    const units = host.startUnits ?? [];
    if (units.length > 0) lines.push(`systemctl enable --now --no-block ${units.map(shellQuote).join(" ")}`);
    lines.push(`systemctl enable --now ${shellQuote(`${s.serviceName}.service`)}`, "");
    return lines.join("\n");
}

function checked(spec: ContainerSpec): ResolvedContainerSpec {
    const problems = validateContainerSpec(spec);
    if (problems.length > 0) throw new Error(`invalid container spec:\n  ${problems.join("\n  ")}`);
    return withDefaults(spec);
}

/** A file's name on the host, from its URL (unique enough: the last path segment, made safe). */
function fileName(file: BootFile): string {
    const last = file.url.split("/").pop() ?? "";
    return last.replace(/[^A-Za-z0-9._-]/g, "-") || "file";
}
