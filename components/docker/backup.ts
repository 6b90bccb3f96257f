import * as path from "path";

/** The build context of the backup image (Dockerfile and backup.sh). */
export const BACKUP_IMAGE_CONTEXT = path.join(__dirname, "backup");

/** What the backup job's environment is made of. */
export interface BackupEnvironmentOptions {
    readonly postgres: { readonly host: string; readonly port: number; readonly database: string; readonly user: string; readonly password: string };
    readonly minio: { readonly endpoint: string; readonly rootUser: string; readonly rootPassword: string };
    readonly assetsBucket: string;
    readonly backupsBucket: string;
    readonly appAccessKey: string;
    readonly appSecretKey: string;
    /** Days copies are kept. @default 30 */
    readonly retentionDays?: number;
    /** Hour of the day (UTC) the nightly backup runs. @default 3 */
    readonly hourUtc?: number;
}

/**
 * The backup container's environment (`KEY=value` lines), as backup.sh reads
 * it. Holds credentials: the caller marks the whole list secret.
 */
export function backupEnvironment(o: BackupEnvironmentOptions): string[] {
    const retention = o.retentionDays ?? 30;
    const hour = o.hourUtc ?? 3;
    if (!Number.isInteger(retention) || retention < 1) throw new Error(`retentionDays ${retention} is not a whole number of days`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error(`hourUtc ${hour} is not an hour 0-23`);
    const endpoint = new URL(o.minio.endpoint);
    // mc takes an alias's credentials from MC_HOST_<alias>: no config file to write.
    const mcHost = `${endpoint.protocol}//${encodeURIComponent(o.minio.rootUser)}:${encodeURIComponent(o.minio.rootPassword)}@${endpoint.host}`;
    return [
        `PGHOST=${o.postgres.host}`,
        `PGPORT=${o.postgres.port}`,
        `PGDATABASE=${o.postgres.database}`,
        `PGUSER=${o.postgres.user}`,
        `PGPASSWORD=${o.postgres.password}`,
        `MC_HOST_store=${mcHost}`,
        `BACKUP_TARGET=s3`,
        `UPLOADS_SOURCE=s3`,
        `ASSETS_BUCKET=${o.assetsBucket}`,
        `BACKUPS_BUCKET=${o.backupsBucket}`,
        `APP_S3_ACCESS_KEY=${o.appAccessKey}`,
        `APP_S3_SECRET_KEY=${o.appSecretKey}`,
        `RETENTION_DAYS=${retention}`,
        `BACKUP_HOUR_UTC=${hour}`,
    ];
}
