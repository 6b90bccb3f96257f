import { createHash } from "crypto";
import type { Cloud } from "./tiers";

/**
 * Restore as configuration (`alicerce:restoreFrom`, `alicerce:useRestoredDatabase`)
 * and the second region (`alicerce:secondRegion`): the pure rules. A restore
 * always makes a NEW database beside the stack's own one, under a name
 * derived from the source ({@link restoreSlug}); the app moves to it only
 * with `useRestoredDatabase: true`, and going back is setting it false. The
 * stack's own database is never an input of a restore.
 */

/** The kinds of restore source, per cloud. */
export const RESTORE_KINDS: { readonly [C in Cloud]: readonly RestoreKind[] } = {
    aws: ["snapshot", "time"],
    digitalocean: ["backup", "time"],
    docker: ["dump", "restic"],
};

export type RestoreKind = "snapshot" | "time" | "backup" | "dump" | "restic";

/** A validated restore source. */
export interface RestoreSettings {
    readonly kind: RestoreKind;
    /** The snapshot id, the UTC time (ISO 8601), `latest`, the dump path or the restic snapshot id. */
    readonly value: string;
    /** 8 hex digits of the source: the restored database's name derives from it, so a new source is a new database. */
    readonly slug: string;
    /** The app uses the restored database. */
    readonly active: boolean;
}

/** Days DigitalOcean keeps backups and point-in-time recovery for managed PostgreSQL (fixed by the service). */
export const DIGITALOCEAN_PITR_DAYS = 7;

/** A UTC time as RDS `RestoreTime` and DigitalOcean `backup_created_at` take it (ISO 8601, `Z`). */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/**
 * An RDS snapshot to restore from: a manual or automated snapshot identifier
 * (`rds:` prefix for automated ones, `awsbackup:` for AWS Backup's) or a
 * shared snapshot's ARN (RestoreDBInstanceFromDBSnapshot `DBSnapshotIdentifier`:
 * "If you are restoring from a shared manual DB snapshot, the DBSnapshotIdentifier must be the ARN").
 */
const RDS_SNAPSHOT = /^((rds:|awsbackup:)?[A-Za-z][A-Za-z0-9-]{0,254}|arn:aws:rds:[a-z0-9-]+:\d{12}:snapshot:(rds:|awsbackup:)?[A-Za-z][A-Za-z0-9-]{0,254})$/;

/** A restic snapshot id (8 hex digits short form up to the full 64) or `latest`. */
const RESTIC_SNAPSHOT = /^(latest|[0-9a-f]{8,64})$/;

/** An absolute path on the host, without `..`. */
const HOST_PATH = /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\/-]+$/;

/** 8 hex digits of `kind:value`: names the restored database, so another source is another database. */
export function restoreSlug(kind: string, value: string): string {
    return createHash("sha256").update(`${kind}:${value}`).digest("hex").slice(0, 8);
}

/** Splits `kind:value` (the schema checked the shape). */
export function parseRestoreFrom(text: string): { kind: RestoreKind; value: string } {
    const colon = text.indexOf(":");
    return { kind: text.slice(0, colon) as RestoreKind, value: text.slice(colon + 1) };
}

/**
 * What is wrong with a restore source on a cloud (problem texts completing
 * `alicerce:restoreFrom: "<value>" ...`). `retentionDays` is the point-in-time
 * window (RDS backup retention; DigitalOcean's 7 days); `now` the current time.
 */
export function restoreProblems(text: string, cloud: Cloud, retentionDays: number, now: Date): string[] {
    const { kind, value } = parseRestoreFrom(text);
    const kinds = RESTORE_KINDS[cloud];
    if (!kinds.includes(kind)) return [`is a ${kind} source, which ${cloud} cannot restore from; use ${kinds.map((k) => `${k}:...`).join(" or ")}`];
    if (kind === "time") {
        if (value === "latest") return cloud === "aws" ? [] : ["uses latest, which is backup:latest on digitalocean; use backup:latest or time:<UTC time>"];
        if (!UTC_TIME.test(value) || Number.isNaN(Date.parse(value)))
            return ["is not a UTC time; use time:2026-11-30T09:41:00Z (ISO 8601, ending in Z) or time:latest"];
        const at = Date.parse(value);
        if (at > now.getTime()) return [`is in the future (now ${now.toISOString()}); use a time in the last ${retentionDays} days`];
        // Older than the window is a warning (restoreTimeWarning), never an error: the restore made
        // days ago stays in the config while the app uses it, and the window moves on every day.
        return [];
    }
    if (kind === "snapshot") {
        const id = value.replace(/^arn:aws:rds:[a-z0-9-]+:\d{12}:snapshot:/, "").replace(/^(rds|awsbackup):/, "");
        if (!RDS_SNAPSHOT.test(value) || id.includes("--") || id.endsWith("-")) {
            return [
                "is not an RDS snapshot identifier; use snapshot:<id> (1-255 letters, digits or '-', first a letter, no '--', not ending in '-'; rds: or awsbackup: prefixes and shared-snapshot ARNs accepted), as `aws rds describe-db-snapshots` lists it",
            ];
        }
        return [];
    }
    if (kind === "backup")
        return value === "latest" ? [] : ["is not a DigitalOcean backup; use backup:latest (the newest daily backup) or time:<UTC time> for a point in time"];
    if (kind === "restic")
        return RESTIC_SNAPSHOT.test(value)
            ? []
            : ["is not a restic snapshot; use restic:latest or restic:<id> (8-64 hex digits, as `backup.sh snapshots` lists them)"];
    // dump
    return HOST_PATH.test(value) && /\.(dump|sql|sql\.gz)$/.test(value)
        ? []
        : ["is not a dump file on the host; use dump:/absolute/path/file.dump (pg_dump custom format, .dump) or .sql / .sql.gz (plain), without '..'"];
}

/**
 * A point in time older than the window (text completing `alicerce:restoreFrom: "<value>" ...`),
 * or undefined. A warning, not an error: once restored, the database exists and the same
 * value stays in the config while the app uses it (refusing it would make the stack
 * undeployable as the window moves on, and removing the key is refused while it is in use);
 * a new restore that old fails at the provider with the provider's own message.
 */
export function restoreTimeWarning(text: string, cloud: Cloud, retentionDays: number, now: Date): string | undefined {
    const { kind, value } = parseRestoreFrom(text);
    if (kind !== "time" || !RESTORE_KINDS[cloud].includes(kind) || !UTC_TIME.test(value) || Number.isNaN(Date.parse(value))) return undefined;
    const oldest = now.getTime() - retentionDays * 86_400_000;
    if (Date.parse(value) >= oldest) return undefined;
    return `is older than the ${retentionDays}-day point-in-time window (oldest ${new Date(oldest).toISOString()}): fine for a database already restored from it; a NEW restore from it fails at the provider: use a later time, or a snapshot${cloud === "aws" ? " (snapshot:<id>, e.g. from the AWS Backup vault)" : ""} kept longer`;
}

/** What is wrong with a second region (texts completing `alicerce:secondRegion: "<value>" ...`). */
export function secondRegionProblems(second: string, primary: string | undefined, accepted: readonly string[], cloudName: string): string[] {
    if (!accepted.includes(second)) return [`is not a region of ${cloudName} for the copies; use one of ${accepted.filter((r) => r !== primary).join(", ")}`];
    if (second === primary)
        return [`is the stack's own region; a regional outage would take the copies too: use another region, e.g. ${accepted.find((r) => r !== primary)}`];
    return [];
}
