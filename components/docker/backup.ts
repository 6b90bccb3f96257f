import * as path from "path";
import { IMAGES } from "./images";
import { PACKAGE_ROOT } from "../shared/package-root";

/** The build context of the backup image (Dockerfile and backup.sh). */
export const BACKUP_IMAGE_CONTEXT = path.join(PACKAGE_ROOT, "components", "docker", "backup");

/** Where the backup container sees things. */
export const BACKUP_PATHS = {
    /** The local restic repository (a Docker volume) when no off-host repository is given. */
    repository: "/repository",
    /**
     * The uploads bucket's copy on the work volume, object keys as file names
     * (rclone sync from the object store's S3 API); kept between runs so a
     * night copies only the objects that changed.
     */
    uploads: "/work/uploads",
    /** Scratch space for the dump and restic's cache (a Docker volume). */
    work: "/work",
} as const;

/** The restic version in the image (`restic/restic`, the restic project's own image); see the Dockerfile. */
export const RESTIC_IMAGE = IMAGES.restic;
/** The rclone version in the image (`rclone/rclone`, rclone's own image); see the Dockerfile. */
export const RCLONE_IMAGE = IMAGES.rclone;

/** The bucket of uploaded files and the read-only S3 identity the backup job copies it with. */
export interface UploadsSource {
    /** The object store's S3 endpoint (`http://objectstore:8333`). */
    readonly endpoint: string;
    readonly bucket: string;
    /** A key that may read and list the bucket, and nothing else. */
    readonly accessKeyId: string;
    /** Secret. */
    readonly secretAccessKey: string;
    /** rclone's S3 provider name. @default "SeaweedFS" */
    readonly provider?: string;
}

/** Where backups go: the local repository on the host, or an S3-compatible bucket. */
export interface BackupRepository {
    /** A restic repository: `/repository` (the local volume) or `s3:https://<endpoint>/<bucket>[/<path>]`. */
    readonly url: string;
    /** An `s3:` repository's access key id. */
    readonly accessKeyId?: string;
    /** An `s3:` repository's secret key. Secret. */
    readonly secretAccessKey?: string;
}

/** What the backup job's environment is made of. */
export interface BackupEnvironmentOptions {
    readonly postgres: { readonly host: string; readonly port: number; readonly database: string; readonly user: string; readonly password: string };
    readonly repository: BackupRepository;
    /** The repository's encryption password. Secret. */
    readonly resticPassword: string;
    /** The host name recorded in each snapshot (the stack's name prefix): restores select by it. */
    readonly snapshotHost: string;
    /** The uploaded files' bucket, copied object by object and backed up with the dump; unset: the dump only. */
    readonly uploads?: UploadsSource;
    /** Daily snapshots kept (`restic forget --keep-daily`). @default 30 */
    readonly retentionDays?: number;
    /** Hour of the day (UTC) the nightly backup runs. @default 3 */
    readonly hourUtc?: number;
    /** Share of the repository's data re-read by `restic check` each night. @default "5%" */
    readonly checkSubset?: string;
    /** The container's memory limit: restic (Go) is told to stay within 75% of it (GOMEMLIMIT). */
    readonly memoryMb?: number;
}

/**
 * The backup container's environment (`KEY=value` lines), as backup.sh and
 * restic read it. Holds credentials: the caller marks the whole list secret.
 * restic reads its password from RESTIC_PASSWORD: Docker has no secrets
 * without swarm, and a file would have to be written by the same provider
 * from the same state. rclone reads its `store:` remote from
 * `RCLONE_CONFIG_STORE_*` (https://rclone.org/docs/#config-file, "Config
 * file" environment variables), so no key is ever in a process's arguments.
 */
export function backupEnvironment(o: BackupEnvironmentOptions): string[] {
    const retention = o.retentionDays ?? 30;
    const hour = o.hourUtc ?? 3;
    const subset = o.checkSubset ?? "5%";
    if (!Number.isInteger(retention) || retention < 1) throw new Error(`retentionDays ${retention} is not a whole number of days`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error(`hourUtc ${hour} is not an hour 0-23`);
    if (!/^(\d{1,2}(\.\d+)?%|100%|\d+\/\d+|\d+[kKmMgGtT])$/.test(subset))
        throw new Error(`checkSubset ${subset} is not n/t, x% or a size (restic check --read-data-subset)`);
    const s3 = o.repository.url.startsWith("s3:");
    if (s3 !== (o.repository.accessKeyId !== undefined && o.repository.secretAccessKey !== undefined)) {
        throw new Error(`repository ${o.repository.url}: an s3: repository needs an access key id and a secret key, and only an s3: repository takes them`);
    }
    return [
        `PGHOST=${o.postgres.host}`,
        `PGPORT=${o.postgres.port}`,
        `PGDATABASE=${o.postgres.database}`,
        `PGUSER=${o.postgres.user}`,
        `PGPASSWORD=${o.postgres.password}`,
        `RESTIC_REPOSITORY=${o.repository.url}`,
        `RESTIC_PASSWORD=${o.resticPassword}`,
        ...(s3 ? [`AWS_ACCESS_KEY_ID=${o.repository.accessKeyId}`, `AWS_SECRET_ACCESS_KEY=${o.repository.secretAccessKey}`] : []),
        `UPLOADS_BUCKET=${o.uploads?.bucket ?? ""}`,
        `UPLOADS_STAGING=${BACKUP_PATHS.uploads}`,
        ...(o.uploads
            ? [
                  "RCLONE_CONFIG_STORE_TYPE=s3",
                  `RCLONE_CONFIG_STORE_PROVIDER=${o.uploads.provider ?? "SeaweedFS"}`,
                  `RCLONE_CONFIG_STORE_ENDPOINT=${o.uploads.endpoint}`,
                  `RCLONE_CONFIG_STORE_ACCESS_KEY_ID=${o.uploads.accessKeyId}`,
                  `RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY=${o.uploads.secretAccessKey}`,
                  "RCLONE_CONFIG_STORE_REGION=us-east-1",
              ]
            : []),
        `BACKUP_HOST=${o.snapshotHost}`,
        `RETENTION_DAYS=${retention}`,
        `CHECK_SUBSET=${subset}`,
        `BACKUP_HOUR_UTC=${hour}`,
        // The Go runtime collects harder near this soft limit instead of growing into the OOM killer.
        ...(o.memoryMb ? [`GOMEMLIMIT=${Math.floor(o.memoryMb * 0.75)}MiB`] : []),
    ];
}
