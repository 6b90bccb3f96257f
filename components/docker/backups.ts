import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_IMAGE_CONTEXT, BACKUP_PATHS, backupEnvironment, RCLONE_IMAGE, RESTIC_IMAGE } from "./backup";
import { hardening, networking } from "./container";
import { IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import type { Postgres } from "./postgres";

/** An off-host restic repository in an S3-compatible bucket. */
export interface OffHostRepository {
    /** `s3:https://<endpoint>/<bucket>[/<path>]`. */
    readonly url: string;
    readonly accessKeyId: pulumi.Input<string>;
    /** Secret. */
    readonly secretAccessKey: pulumi.Input<string>;
}

/** Arguments of {@link Backups}. */
export interface BackupsArgs {
    readonly namePrefix: string;
    /** The internal data network (PostgreSQL and the object store). */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    readonly postgres: Postgres;
    /**
     * The uploaded files: the bucket, copied each night object by object
     * through the object store's S3 API (a consistent copy of each object,
     * which the server's raw files are not) with a key that may only read
     * and list it, then backed up with the database.
     */
    readonly uploads: {
        readonly endpoint: pulumi.Input<string>;
        readonly bucket: pulumi.Input<string>;
        readonly accessKeyId: pulumi.Input<string>;
        /** Secret. */
        readonly secretAccessKey: pulumi.Input<string>;
    };
    /**
     * Where snapshots go. Unset: a restic repository in a Docker volume on the
     * host (lost with the host). Set: an S3-compatible bucket off the host.
     */
    readonly repository?: OffHostRepository;
    /** Daily snapshots kept (`restic forget --keep-daily`). @default 30 */
    readonly retentionDays?: number;
    /** Hour (UTC) of the nightly run. @default 3 */
    readonly hourUtc?: number;
    /** Pulumi `protect` on the repository volume and its password. @default false */
    readonly protectData?: boolean;
    /** What the scheduler waits for (the buckets, made by StorageSetup). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** A NEW database restored beside the running one (`alicerce:restoreFrom`), by a one-shot container. */
    readonly restore?: SingleHostRestore;
}

/** A restore on the single host: a restic snapshot of the stack's repository, or a dump file on the host. */
export interface SingleHostRestore {
    readonly kind: "restic" | "dump";
    /** The snapshot id or `latest`; or the dump's absolute path on the host. */
    readonly source: string;
    /** 8 hex digits of the source: the new database's name and the container's logical name carry it. */
    readonly slug: string;
    /**
     * `alicerce:useRestoredDatabase`: the app writes the restored database, so the nightly
     * backup dumps it (and its manifest) instead of the stack's own, now unused, one.
     * @default false
     */
    readonly active?: boolean;
}

/** Where a dump file's directory is mounted (read-only) in the restore container. */
export const RESTORE_SOURCE_DIR = "/restore-source";

/** The database a restore makes: the running database's name plus the source's slug, never the running one. */
export function restoredDatabaseName(database: string, slug: string): string {
    return `${database}_restored_${slug}`;
}

/**
 * Fails with the restore container's own words when it exited non-zero (the app then never starts on it).
 * The Docker provider keeps an exited container (`must_run` false) and reports its create as done
 * whatever the exit code, so nothing runs the restore again by itself: the message names the
 * container's URN for `pulumi up --replace` once the cause is fixed (docs/data-recovery.md).
 */
export function checkRestore(exitCode: number | undefined, logs: string | undefined, urn?: string): void {
    if (exitCode === 0) return;
    const retry = urn
        ? `fix the cause (below), then run the restore again with: pulumi up --replace '${urn}' (or remove alicerce:restoreFrom)`
        : "fix the cause (below), then run the restore again with pulumi up --replace <urn of the restore container> (or remove alicerce:restoreFrom)";
    throw new Error(`the restore container exited ${exitCode ?? "without a code"}; the running database is untouched; ${retry}:\n${logs ?? ""}`);
}

/**
 * The backup image (pg_dump of the server's own postgres image plus restic and rclone,
 * built on the host from `components/docker/backup/`) and the scheduler
 * container running `backup.sh schedule`:
 * each night a verified pg_dump and the uploaded files (copied from the
 * object store's S3 API with rclone) go into an encrypted
 * restic repository, followed by `restic forget --keep-daily --prune` and
 * `restic check`. A failed step fails the run and the container's health.
 */
export class Backups extends pulumi.ComponentResource {
    public readonly schedulerName: pulumi.Output<string>;
    public readonly imageName: pulumi.Output<string>;
    /** The restic repository: an s3: URL, or the Docker volume holding it. */
    public readonly repository: pulumi.Output<string>;
    /** The repository's encryption password. Secret; without it no backup can be read. */
    public readonly password: pulumi.Output<string>;
    /** The database the restore made, once the restore container succeeded (`alicerce:restoreFrom`). */
    public readonly restoredDatabase?: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:Backups", name, {}, opts);
        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: `${args.namePrefix}-backup:local`,
                // pg_dump must be at least the server's major version: the same image the server runs.
                build: { context: BACKUP_IMAGE_CONTEXT, args: { POSTGRES_IMAGE: IMAGES.postgres, RESTIC_IMAGE, RCLONE_IMAGE } },
                // Built on the Docker host itself; no registry is involved.
                skipPush: true,
            },
            { parent: this },
        );

        const pg = args.postgres;
        const common = {
            image: image.repoDigest,
            labels: [...args.labels],
        };

        // The encryption key of every backup: replacing it makes the repository unreadable.
        const password = new random.RandomPassword(`${name}-restic-password`, { length: 48, special: false }, { parent: this, protect: args.protectData });
        // The dump is staged on disk (tmpfs pages count against the memory limit); restic's cache lives there too.
        const work = new docker.Volume(`${name}-work`, { name: `${args.namePrefix}-backup-work`, labels: [...args.labels] }, { parent: this });
        const local = args.repository
            ? undefined
            : new docker.Volume(
                  `${name}-repository`,
                  { name: `${args.namePrefix}-backups`, labels: [...args.labels] },
                  { parent: this, protect: args.protectData },
              );
        const repositoryUrl = args.repository?.url ?? BACKUP_PATHS.repository;
        // The data network is internal (no route out): an off-host bucket needs a way out, on a
        // network of the backup job's own, so it shares no network with nginx or the app.
        const egress = args.repository
            ? new docker.Network(
                  `${name}-egress`,
                  { name: `${args.namePrefix}-backup-egress`, driver: "bridge", internal: false, labels: [...args.labels] },
                  { parent: this },
              )
            : undefined;

        const envsFor = (db: pulumi.Input<string>) =>
            pulumi.secret(
                pulumi
                    .all([
                        pg.host,
                        pg.port,
                        db,
                        pg.user,
                        pg.password,
                        password.result,
                        pulumi.all([args.repository?.accessKeyId ?? "", args.repository?.secretAccessKey ?? ""]),
                        pulumi.all([args.uploads.endpoint, args.uploads.bucket, args.uploads.accessKeyId, args.uploads.secretAccessKey]),
                    ])
                    .apply(
                        ([
                            host,
                            port,
                            database,
                            user,
                            dbPassword,
                            resticPassword,
                            [accessKeyId, secretAccessKey],
                            [uploadsEndpoint, bucket, uploadsKeyId, uploadsSecret],
                        ]) =>
                            backupEnvironment({
                                postgres: { host, port, database, user, password: dbPassword },
                                repository: args.repository ? { url: repositoryUrl, accessKeyId, secretAccessKey } : { url: repositoryUrl },
                                resticPassword,
                                uploads: { endpoint: uploadsEndpoint, bucket, accessKeyId: uploadsKeyId, secretAccessKey: uploadsSecret },
                                snapshotHost: args.namePrefix,
                                retentionDays: args.retentionDays,
                                hourUtc: args.hourUtc,
                                memoryMb: args.limit.memoryMb,
                            }),
                    ),
            );
        const envs = envsFor(pg.database);

        // --- restore: a one-shot container that makes the NEW database before the app starts on it ---
        if (args.restore) {
            const r = args.restore;
            const database = pg.database.apply((d) => restoredDatabaseName(d, r.slug));
            const hostDir = r.kind === "dump" ? r.source.slice(0, r.source.lastIndexOf("/")) || "/" : undefined;
            const source = r.kind === "dump" ? `${RESTORE_SOURCE_DIR}/${r.source.slice(r.source.lastIndexOf("/") + 1)}` : r.source;
            const restore = new docker.Container(
                `${name}-restore-${r.slug}`,
                {
                    ...common,
                    ...networking([{ name: args.network }, ...(egress ? [{ name: egress.name, gwPriority: 1 }] : [])]),
                    envs: pulumi.secret(pulumi.all([envs, database]).apply(([e, d]) => [...e, `RESTORE_DATABASE=${d}`])),
                    name: `${args.namePrefix}-restore-${r.slug}`,
                    hostname: args.namePrefix,
                    command: ["restore-new", r.kind, source],
                    attach: true,
                    logs: true,
                    mustRun: false,
                    volumes: [
                        { volumeName: work.name, containerPath: BACKUP_PATHS.work },
                        ...(local ? [{ volumeName: local.name, containerPath: BACKUP_PATHS.repository, readOnly: true }] : []),
                        ...(hostDir ? [{ hostPath: hostDir, containerPath: RESTORE_SOURCE_DIR, readOnly: true }] : []),
                    ],
                    ...hardening({ limit: args.limit, restart: "no", tmpfs: ["/tmp"] }),
                },
                { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn },
            );
            this.restoredDatabase = pulumi.all([restore.exitCode, restore.containerLogs, database, restore.urn]).apply(([code, logs, d, urn]) => {
                checkRestore(code, logs, urn);
                return d;
            });
        }
        // --- end restore ---

        // alicerce:useRestoredDatabase: the nightly dump, its name and its manifest follow the database the app writes.
        const schedulerEnvs = args.restore?.active && this.restoredDatabase ? envsFor(this.restoredDatabase) : envs;
        const scheduler = new docker.Container(
            `${name}-scheduler`,
            {
                ...common,
                // The data network first: it is the default gateway only when there is no egress network.
                ...networking([{ name: args.network }, ...(egress ? [{ name: egress.name, gwPriority: 1 }] : [])]),
                envs: schedulerEnvs,
                name: `${args.namePrefix}-backup`,
                // restic records the host name in snapshots; backup.sh sets it explicitly, this keeps `restic` by hand consistent.
                hostname: args.namePrefix,
                command: ["schedule"],
                healthcheck: { tests: ["CMD", "/usr/local/bin/backup.sh", "health"], interval: "5m", timeout: "10s", retries: 1, startPeriod: "1m" },
                volumes: [
                    { volumeName: work.name, containerPath: BACKUP_PATHS.work },
                    ...(local ? [{ volumeName: local.name, containerPath: BACKUP_PATHS.repository }] : []),
                ],
                ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
            },
            { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn },
        );

        this.schedulerName = scheduler.name;
        this.imageName = image.imageName;
        this.repository = local ? local.name : pulumi.output(repositoryUrl);
        this.password = pulumi.secret(password.result);
        this.registerOutputs({
            schedulerName: this.schedulerName,
            imageName: this.imageName,
            repository: this.repository,
            password: this.password,
        });
    }
}
