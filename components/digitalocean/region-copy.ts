import * as fs from "fs";
import * as path from "path";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HEREDOC, shellQuote } from "../shared/userdata";
import { DROPLET_IMAGE, dropletFirewallRules, secretEnvs, secretsDocument } from "./appServers";
import { digitalOceanSpacesHost } from "./host-strategy";

/**
 * The copy droplet's size: the smallest Basic droplet (1 vCPU, 512 MiB, 10 GiB disk, $4 a month). The job is
 * network-bound (pg_dump, rclone, restic); restic needs a few hundred MiB for a repository of tens of GB.
 */
export const REGION_COPY_SIZE = "s-1vcpu-512mb-10gb";
/** When the copy runs, every night (UTC; systemd.time(7) calendar event). After the database's own nightly backup window. */
export const REGION_COPY_CALENDAR = "*-*-* 03:30:00 UTC";
/** The object the uptime check watches in the copy bucket: rewritten after each good night, deleted after a failed one. */
export const HEARTBEAT_KEY = "heartbeat/last-success";
/** Days a heartbeat lives without being rewritten (the copy bucket's lifecycle rule on `heartbeat/`). */
export const HEARTBEAT_EXPIRY_DAYS = 2;
/** The restic repository's prefix inside the copy bucket. */
export const REPOSITORY_PREFIX = "restic";
/** The secrets document of the copy droplet, in the config bucket. */
export const REGION_COPY_SECRETS_OBJECT = "region-copy-secrets.json";

const SERVICE = "region-copy";
const IMAGE_TAG = "alicerce-region-copy";
const BACKUP_DIR = path.join(__dirname, "..", "docker", "backup");

/** What the copy droplet's user data needs: every value already resolved (pure rendering). */
export interface RegionCopySpec {
    /** The stack's region (the database, the assets and backups buckets, the config bucket). */
    readonly region: string;
    readonly secondRegion: string;
    readonly configBucket: string;
    readonly bootstrapAccessKey: string;
    readonly bootstrapSecretKey: string;
    readonly copyBucket: string;
    readonly assetsBucket: string;
    readonly backupsBucket: string;
    /** The database's private host, port, user and database (no password: it is in the secrets document). */
    readonly database: { readonly host: string; readonly port: number; readonly user: string; readonly name: string };
    /** The cluster's CA certificate (PEM; public): libpq verifies the server against it (sslmode=verify-full). */
    readonly databaseCa: string;
    /** The pg_dump image, of the cluster's major version. */
    readonly postgresImage: string;
    /** Daily snapshots kept. */
    readonly retentionDays: number;
    /** The host name recorded in snapshots. */
    readonly backupHost: string;
    /** Names of the keys of the secrets document. */
    readonly secretNames: readonly string[];
    /** Where the prepare script keeps the secrets (tmpfs); tests point it elsewhere. @default /run/region-copy */
    readonly runDir?: string;
}

/** The copy job's non-secret environment (the backup script's variables; docs in components/docker/backup/backup.sh). */
export function regionCopyEnvironment(spec: RegionCopySpec): Record<string, string> {
    const spaces = (region: string) => `https://${region}.digitaloceanspaces.com`;
    return {
        PGHOST: spec.database.host,
        PGPORT: String(spec.database.port),
        PGUSER: spec.database.user,
        PGDATABASE: spec.database.name,
        // TLS with the server's certificate checked against the cluster's CA and its host name (libpq, "SSL Support").
        PGSSLMODE: "verify-full",
        PGSSLROOTCERT: "/etc/ssl/alicerce/database-ca.crt",
        RESTIC_REPOSITORY: `s3:${spaces(spec.secondRegion)}/${spec.copyBucket}/${REPOSITORY_PREFIX}`,
        UPLOADS_BUCKET: spec.assetsBucket,
        EXTRA_BUCKETS: `backups=${spec.backupsBucket}`,
        RCLONE_CONFIG_STORE_TYPE: "s3",
        RCLONE_CONFIG_STORE_PROVIDER: "DigitalOcean",
        RCLONE_CONFIG_STORE_ENDPOINT: spaces(spec.region),
        RCLONE_CONFIG_COPY_TYPE: "s3",
        RCLONE_CONFIG_COPY_PROVIDER: "DigitalOcean",
        RCLONE_CONFIG_COPY_ENDPOINT: spaces(spec.secondRegion),
        // Only the heartbeat is written through `copy:`; the uptime check reads it without a key.
        RCLONE_CONFIG_COPY_ACL: "public-read",
        HEARTBEAT_OBJECT: `copy:${spec.copyBucket}/${HEARTBEAT_KEY}`,
        BACKUP_HOST: spec.backupHost,
        RETENTION_DAYS: String(spec.retentionDays),
        CHECK_SUBSET: "5%",
    };
}

/**
 * The script systemd runs before every copy (`ExecStartPre`): the secrets document read from the config
 * bucket with the bootstrap key (S3 SigV4 with curl, as the app droplets do), each value into a tmpfs env
 * file only root reads; then the job's image built if this droplet does not have it yet.
 */
export function renderRegionCopyPrepare(spec: RegionCopySpec): string {
    const host = digitalOceanSpacesHost({
        region: spec.region,
        configBucket: spec.configBucket,
        secretsObject: REGION_COPY_SECRETS_OBJECT,
        bootstrapAccessKey: spec.bootstrapAccessKey,
        bootstrapSecretKey: spec.bootstrapSecretKey,
    });
    const runDir = spec.runDir ?? `/run/${SERVICE}`;
    const secrets = secretEnvs(spec.secretNames, REGION_COPY_SECRETS_OBJECT);
    const lines = [
        "#!/bin/bash",
        `# Runs before every ${SERVICE}.service: secrets into tmpfs, the image built once (rendered by alicerce).`,
        "set -euo pipefail",
        "umask 077",
        ...host.preparePreamble("docker.io", secrets),
        `install -d -m 0700 ${shellQuote(runDir)}`,
        `tmp="$(mktemp ${shellQuote(`${runDir}/secrets.XXXXXX`)})"`,
        `trap 'rm -f "$tmp"' EXIT`,
    ];
    for (const secret of secrets) {
        lines.push(
            `value="$(${host.fetchSecret(secret)})"`,
            `if [[ -z "$value" || "$value" == *$'\\n'* ]]; then echo ${shellQuote(`secret ${secret.env} is empty or has a line break`)} >&2; exit 1; fi`,
            `printf '%s=%s\\n' ${shellQuote(secret.env)} "$value" >> "$tmp"`,
        );
    }
    lines.push(
        `mv -f "$tmp" ${shellQuote(`${runDir}/secrets.env`)}`,
        "trap - EXIT",
        "unset config_json value",
        `if ! docker image inspect ${IMAGE_TAG} >/dev/null 2>&1; then`,
        `    docker build --quiet --build-arg POSTGRES_IMAGE=${shellQuote(spec.postgresImage)} --tag ${IMAGE_TAG} /opt/${SERVICE} >/dev/null`,
        "fi",
        "",
    );
    return lines.join("\n");
}

/** The oneshot unit: the backup container's `run`, with the env files, the CA and a volume for its cache and state. */
export function renderRegionCopyUnit(spec: RegionCopySpec): string {
    const runDir = spec.runDir ?? `/run/${SERVICE}`;
    return [
        "[Unit]",
        "Description=alicerce second-region copy (pg_dump and Spaces into an encrypted restic repository)",
        "After=docker.service network-online.target",
        "Requires=docker.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        // A first copy of large buckets can take hours; the next night's timer waits for it.
        "TimeoutStartSec=6h",
        `ExecStartPre=-/usr/bin/docker rm --force ${SERVICE}`,
        `ExecStartPre=/usr/local/sbin/${SERVICE}-prepare`,
        [
            "ExecStart=/usr/bin/docker run --rm",
            `--name ${SERVICE}`,
            `--env-file /etc/${SERVICE}/copy.env`,
            `--env-file ${runDir}/secrets.env`,
            `--volume ${SERVICE}-work:/work`,
            `--volume /etc/${SERVICE}/database-ca.crt:/etc/ssl/alicerce/database-ca.crt:ro`,
            "--cap-drop ALL --security-opt no-new-privileges",
            "--log-driver journald --log-opt tag={{.Name}}",
            `${IMAGE_TAG} run`,
        ].join(" \\\n    "),
        `ExecStopPost=/bin/rm -f ${runDir}/secrets.env`,
        "",
    ].join("\n");
}

/** The timer: every night, and at the next boot if the droplet was off at that time (`Persistent=`, systemd.timer(5)). */
export function renderRegionCopyTimer(): string {
    return [
        "[Unit]",
        "Description=alicerce second-region copy, nightly",
        "",
        "[Timer]",
        `OnCalendar=${REGION_COPY_CALENDAR}`,
        "Persistent=true",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

/**
 * The copy droplet's whole first-boot script (pure): docker and the backup job's Dockerfile and script
 * (components/docker/backup, the single host's own), the non-secret environment and the CA, the prepare
 * script, the unit and its timer. No secret is in it: the only credential is the bootstrap key, whose one
 * grant is `read` on the config bucket (as on the app droplets).
 */
export function renderRegionCopyUserData(spec: RegionCopySpec): string {
    const host = digitalOceanSpacesHost({
        region: spec.region,
        configBucket: spec.configBucket,
        secretsObject: REGION_COPY_SECRETS_OBJECT,
        bootstrapAccessKey: spec.bootstrapAccessKey,
        bootstrapSecretKey: spec.bootstrapSecretKey,
    });
    const heredoc = (file: string, body: string, mode: string) => [
        `cat > ${shellQuote(file)} <<'${HEREDOC}'`,
        body.trimEnd(),
        HEREDOC,
        `chmod ${mode} ${shellQuote(file)}`,
    ];
    const files: Record<string, string> = {
        Dockerfile: fs.readFileSync(path.join(BACKUP_DIR, "Dockerfile"), "utf8"),
        "backup.sh": fs.readFileSync(path.join(BACKUP_DIR, "backup.sh"), "utf8"),
    };
    for (const [name, body] of Object.entries({ ...files, ca: spec.databaseCa })) {
        if (body.split("\n").includes(HEREDOC)) throw new Error(`region copy: ${name} contains the line ${HEREDOC}`);
    }
    if (!/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/.test(spec.databaseCa))
        throw new Error("region copy: the database CA is not a PEM certificate");
    const env = Object.entries(regionCopyEnvironment(spec))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => {
            if (/[\r\n]/.test(v)) throw new Error(`region copy: ${k} contains a line break`);
            return `${k}=${v}`;
        });
    return [
        "#!/bin/bash",
        "# First boot (digitalocean): the nightly second-region copy. Rendered by alicerce; secrets are fetched at each run, never written here.",
        "set -euo pipefail",
        "umask 022",
        "",
        "# Packages",
        ...host.install,
        "systemctl enable --now docker",
        "",
        "# The backup job's image (the single host's own Dockerfile and script), built before the first run",
        `install -d -m 0755 /opt/${SERVICE}`,
        ...heredoc(`/opt/${SERVICE}/Dockerfile`, files.Dockerfile, "0644"),
        ...heredoc(`/opt/${SERVICE}/backup.sh`, files["backup.sh"], "0755"),
        "",
        "# Non-secret environment (root-only) and the database's CA (public)",
        `install -d -m 0700 /etc/${SERVICE}`,
        ...heredoc(`/etc/${SERVICE}/copy.env`, env.join("\n"), "0600"),
        ...heredoc(`/etc/${SERVICE}/database-ca.crt`, spec.databaseCa, "0644"),
        "",
        "# Secrets and the image, before every run",
        ...heredoc(`/usr/local/sbin/${SERVICE}-prepare`, renderRegionCopyPrepare(spec), "0700"),
        "",
        "# The job under systemd, nightly",
        ...heredoc(`/etc/systemd/system/${SERVICE}.service`, renderRegionCopyUnit(spec), "0644"),
        ...heredoc(`/etc/systemd/system/${SERVICE}.timer`, renderRegionCopyTimer(), "0644"),
        "systemctl daemon-reload",
        `systemctl enable --now ${SERVICE}.timer`,
        // A first copy now, so the heartbeat the uptime check watches exists from the first hours, not the first night.
        `systemctl start --no-block ${SERVICE}.service`,
        "",
    ].join("\n");
}

/** Arguments of {@link RegionCopy}. */
export interface RegionCopyArgs {
    readonly region: string;
    readonly secondRegion: string;
    readonly vpcId: pulumi.Input<string>;
    /** The copy droplet's own tag (its firewall applies to it; the database firewall trusts it), made by the caller before the database. */
    readonly tag: pulumi.Input<string>;
    /** The droplet's name. */
    readonly dropletName: string;
    readonly labelTags: string[];
    readonly sshKeyFingerprints: readonly string[];
    readonly adminCidrs: readonly string[];
    readonly configBucket: pulumi.Input<string>;
    readonly bootstrapAccessKey: pulumi.Input<string>;
    readonly bootstrapSecretKey: pulumi.Input<string>;
    readonly copyBucket: pulumi.Input<string>;
    /** The Spaces key that reads the sources and writes the copy bucket. */
    readonly copyAccessKey: pulumi.Input<string>;
    readonly copySecretKey: pulumi.Input<string>;
    readonly assetsBucket: pulumi.Input<string>;
    readonly backupsBucket: pulumi.Input<string>;
    /** The app's database URL (secret; private host, TLS). */
    readonly databaseUrl: pulumi.Input<string>;
    readonly databaseClusterId: pulumi.Input<string>;
    readonly postgresImage: string;
    readonly retentionDays: number;
    readonly backupHost: string;
    /** Where the heartbeat's uptime alert goes; undefined: the check exists, no alert (no `alicerce:alertEmail`). */
    readonly alertEmail?: string;
    readonly label: string;
    /** Pulumi `protect` on the repository password (losing it loses every copy). */
    readonly protect: boolean;
}

/**
 * The nightly copy to the second region on DigitalOcean, which has no managed scheduler that runs a container
 * (App Platform jobs run only before/after a deploy, Functions have no PostgreSQL client and a 15-minute limit):
 * one small droplet in the stack's VPC whose systemd timer runs the single host's backup job (restic: encrypted,
 * deduplicated, retention, a verified repository) against the managed database (private host, TLS verify-full)
 * and the assets and backups buckets, into a restic repository in the second region's bucket. A DigitalOcean
 * uptime check watches a heartbeat object the job rewrites after each good night and deletes after a failed one;
 * the bucket expires it after {@link HEARTBEAT_EXPIRY_DAYS} days, so a droplet that stopped running also alerts.
 */
export class RegionCopy extends pulumi.ComponentResource {
    public readonly dropletUrn: pulumi.Output<string>;
    public readonly heartbeatUrl: pulumi.Output<string>;

    constructor(name: string, args: RegionCopyArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:RegionCopy", name, {}, opts);
        // Alphanumeric (an env file takes it literally); 48 of 62 symbols is ~285 bits.
        const resticPassword = new random.RandomPassword(
            `${name}-repository-password`,
            { length: 48, special: false },
            { parent: this, protect: args.protect },
        );
        const db = pulumi.output(args.databaseUrl).apply((u) => {
            const url = new URL(u);
            return {
                host: url.hostname,
                port: Number(url.port),
                user: decodeURIComponent(url.username),
                name: decodeURIComponent(url.pathname.slice(1)),
                password: decodeURIComponent(url.password),
            };
        });
        const secrets: Record<string, pulumi.Input<string>> = {
            PGPASSWORD: db.password,
            RESTIC_PASSWORD: resticPassword.result,
            AWS_ACCESS_KEY_ID: args.copyAccessKey,
            AWS_SECRET_ACCESS_KEY: args.copySecretKey,
            RCLONE_CONFIG_STORE_ACCESS_KEY_ID: args.copyAccessKey,
            RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: args.copySecretKey,
            RCLONE_CONFIG_COPY_ACCESS_KEY_ID: args.copyAccessKey,
            RCLONE_CONFIG_COPY_SECRET_ACCESS_KEY: args.copySecretKey,
        };
        new digitalocean.SpacesBucketObject(
            `${name}-secrets`,
            {
                region: args.region,
                bucket: args.configBucket,
                key: REGION_COPY_SECRETS_OBJECT,
                acl: "private",
                contentType: "application/json",
                content: pulumi.secret(pulumi.output(secrets).apply((values) => secretsDocument(values))),
            },
            { parent: this },
        );
        const { inboundRules, outboundRules } = dropletFirewallRules(undefined, args.adminCidrs);
        const firewall = new digitalocean.Firewall(`${name}-firewall`, { tags: [args.tag], inboundRules, outboundRules }, { parent: this });
        // https://docs.digitalocean.com/reference/api/digitalocean/#tag/Databases/operation/databases_get_ca
        const ca = digitalocean.getDatabaseCaOutput({ clusterId: args.databaseClusterId }, { parent: this });
        const userData = pulumi.secret(
            pulumi
                .all([
                    args.configBucket,
                    args.bootstrapAccessKey,
                    args.bootstrapSecretKey,
                    args.copyBucket,
                    args.assetsBucket,
                    args.backupsBucket,
                    db,
                    ca.certificate,
                ])
                .apply(([configBucket, bootstrapAccessKey, bootstrapSecretKey, copyBucket, assetsBucket, backupsBucket, d, certificate]) =>
                    renderRegionCopyUserData({
                        region: args.region,
                        secondRegion: args.secondRegion,
                        configBucket,
                        bootstrapAccessKey,
                        bootstrapSecretKey,
                        copyBucket,
                        assetsBucket,
                        backupsBucket,
                        database: { host: d.host, port: d.port, user: d.user, name: d.name },
                        databaseCa: certificate,
                        postgresImage: args.postgresImage,
                        retentionDays: args.retentionDays,
                        backupHost: args.backupHost,
                        secretNames: Object.keys(secrets),
                    }),
                ),
        );
        const droplet = new digitalocean.Droplet(
            `${name}-droplet`,
            {
                name: args.dropletName,
                size: REGION_COPY_SIZE,
                region: args.region,
                image: DROPLET_IMAGE,
                vpcUuid: args.vpcId,
                tags: [args.tag, ...args.labelTags],
                sshKeys: [...args.sshKeyFingerprints],
                userData,
                monitoring: true,
                ipv6: false,
            },
            { parent: this, dependsOn: [firewall] },
        );
        this.heartbeatUrl = pulumi.interpolate`https://${args.copyBucket}.${args.secondRegion}.digitaloceanspaces.com/${HEARTBEAT_KEY}`;
        const check = new digitalocean.UptimeCheck(
            `${name}-heartbeat`,
            { name: `${args.label} second-region copy`, target: this.heartbeatUrl, type: "https", regions: ["us_east", "eu_west"], enabled: true },
            { parent: this },
        );
        if (args.alertEmail !== undefined) {
            new digitalocean.UptimeAlert(
                `${name}-heartbeat-down`,
                // The object is gone from every region at once (deleted or expired), so one region is enough to alert.
                {
                    name: `${args.label} second-region copy failed or stopped`,
                    checkId: check.id,
                    type: "down",
                    period: "10m",
                    notifications: [{ emails: [args.alertEmail] }],
                },
                { parent: this },
            );
        }
        // The project takes the droplet's URN (`do:droplet:<id>`), as for the other members.
        this.dropletUrn = pulumi.interpolate`do:droplet:${droplet.id}`;
        this.registerOutputs({ dropletUrn: this.dropletUrn, heartbeatUrl: this.heartbeatUrl });
    }
}
