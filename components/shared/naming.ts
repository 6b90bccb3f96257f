/**
 * Physical names of resources whose name is permanent (changing it replaces
 * the resource): S3 buckets, RDS identifiers, KMS aliases. Pure functions.
 *
 * Names come from the project and stack (and, for globally unique S3 names,
 * the account and region), never from the tier: moving a stack from mvp to
 * prod must not rename, and so replace, anything that holds data.
 */
import { createHash } from "crypto";

/** S3 bucket names are 3-63 characters. */
export const S3_BUCKET_NAME_MAX = 63;
/** RDS DB instance identifiers are 1-63 characters. */
export const RDS_IDENTIFIER_MAX = 63;

/** Eight hex characters of SHA-256: keeps a shortened name unique to its full form. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * Lowercase letters, digits and single hyphens, no hyphen at either end:
 * the shape S3 and RDS both accept. `My_App.v2` -> `my-app-v2`.
 */
export function slug(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/**
 * `head-tail`, shortened to `max` characters when needed by cutting `head`
 * and appending a hash of the full name, so two long names that share a
 * prefix still differ. `tail` is always kept whole.
 */
export function fit(head: string, tail: string, max: number): string {
    const full = tail ? `${head}-${tail}` : head;
    if (full.length <= max) return full;
    const keep = max - (tail ? tail.length + 1 : 0) - 9;
    if (keep < 1) throw new Error(`cannot fit "${full}" into ${max} characters`);
    const cut = `${head.slice(0, keep).replace(/-+$/, "")}-${shortHash(full)}`;
    return tail ? `${cut}-${tail}` : cut;
}

/** What a bucket name is made from. */
export interface BucketNameParts {
    readonly project: string;
    readonly stack: string;
    /** What the bucket holds: `assets`, `backups`, `logs`. */
    readonly purpose: string;
    /** The AWS account id (12 digits): bucket names are global, so the account makes them ours. */
    readonly accountId: string;
    readonly region: string;
}

/**
 * A globally unique, permanent S3 bucket name:
 * `<project>-<stack>-<purpose>-<account>-<region>` (AWS's own suggested
 * pattern), shortened with a hash of the project and stack when longer than
 * 63 characters. Throws if the result breaks any S3 naming rule.
 */
export function s3BucketName(parts: BucketNameParts): string {
    const head = slug(`${parts.project}-${parts.stack}`) || "app";
    const tail = slug(`${parts.purpose}-${parts.accountId}-${parts.region}`);
    const name = fit(head, tail, S3_BUCKET_NAME_MAX);
    const problems = s3BucketNameProblems(name);
    if (problems.length > 0) throw new Error(`bucket name "${name}" ${problems.join("; ")}`);
    return name;
}

/**
 * What is wrong with an S3 general purpose bucket name (empty when valid):
 * 3-63 characters of lowercase letters, digits, `.` and `-`; starts and ends
 * with a letter or digit; no `..`; not an IP address; none of the reserved
 * prefixes and suffixes.
 */
export function s3BucketNameProblems(name: string): string[] {
    const problems: string[] = [];
    if (name.length < 3 || name.length > S3_BUCKET_NAME_MAX) problems.push(`is ${name.length} characters; S3 allows 3 to ${S3_BUCKET_NAME_MAX}`);
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
        problems.push("must be lowercase letters, digits, '.' and '-', starting and ending with a letter or digit");
    if (name.includes("..")) problems.push("must not contain '..'");
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not look like an IP address");
    for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) if (name.startsWith(prefix)) problems.push(`must not start with "${prefix}"`);
    for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) if (name.endsWith(suffix)) problems.push(`must not end with "${suffix}"`);
    return problems;
}

/**
 * A permanent RDS DB instance identifier: `<project>-<stack>-<role>`
 * (`alicerce-prod-db`, `alicerce-prod-db-replica`). RDS allows 1-63
 * letters, digits and hyphens, starting with a letter, with no `--` and no
 * trailing hyphen, and stores it lowercase.
 */
export function rdsIdentifier(project: string, stack: string, role: string): string {
    let head = slug(`${project}-${stack}`) || "app";
    if (!/^[a-z]/.test(head)) head = `db-${head}`;
    const id = fit(head, slug(role), RDS_IDENTIFIER_MAX);
    const problems = rdsIdentifierProblems(id);
    if (problems.length > 0) throw new Error(`RDS identifier "${id}" ${problems.join("; ")}`);
    return id;
}

/** What is wrong with an RDS DB instance identifier (empty when valid). */
export function rdsIdentifierProblems(id: string): string[] {
    const problems: string[] = [];
    if (id.length < 1 || id.length > RDS_IDENTIFIER_MAX) problems.push(`is ${id.length} characters; RDS allows 1 to ${RDS_IDENTIFIER_MAX}`);
    if (!/^[a-z][a-z0-9-]*$/.test(id)) problems.push("must be lowercase letters, digits and '-', starting with a letter");
    if (id.includes("--")) problems.push("must not contain '--'");
    if (id.endsWith("-")) problems.push("must not end with '-'");
    return problems;
}

/** The stack's KMS alias: `alias/<project>-<stack>` (aliases may not start with `alias/aws`). */
export function kmsAliasName(project: string, stack: string): string {
    let name = slug(`${project}-${stack}`) || "app";
    if (name.startsWith("aws")) name = `key-${name}`;
    return `alias/${fit(name, "", 250)}`;
}

/**
 * A readable prefix for names AWS completes with a unique suffix (Secrets
 * Manager `namePrefix`): `<project>-<stack>-<purpose>-`.
 */
export function namePrefix(project: string, stack: string, purpose: string): string {
    return `${fit(slug(`${project}-${stack}`) || "app", slug(purpose), 200)}-`;
}
