import * as fs from "fs";
import * as path from "path";
import { run } from "./proc";

/** An S3-compatible bucket and how to reach it. */
export interface Bucket {
    /** `https://…` of an S3-compatible server; unset: AWS S3 of `region`. */
    readonly endpoint?: string;
    readonly bucket: string;
    /** rclone's S3 provider name (https://rclone.org/s3/#s3-provider). @default "Other", "AWS" without an endpoint */
    readonly provider?: string;
    readonly region?: string;
    /** Unset: rclone's env_auth (the AWS credential chain: profile, SSO, instance role). */
    readonly accessKeyId?: string;
    /** Secret. */
    readonly secretAccessKey?: string;
}

/**
 * An rclone remote named `name` as environment variables
 * (`RCLONE_CONFIG_<NAME>_*`, https://rclone.org/docs/#config-file): no key
 * is ever in a process's arguments or in a config file on disk.
 */
export function rcloneRemote(name: string, b: Bucket): Record<string, string> {
    const p = `RCLONE_CONFIG_${name.toUpperCase()}_`;
    const env: Record<string, string> = {
        [`${p}TYPE`]: "s3",
        [`${p}PROVIDER`]: b.provider ?? (b.endpoint ? "Other" : "AWS"),
        [`${p}REGION`]: b.region ?? "us-east-1",
        // Never create a bucket or test for it: the bucket is the stack's (or the user's), keys may lack the right.
        [`${p}NO_CHECK_BUCKET`]: "true",
    };
    if (b.endpoint) env[`${p}ENDPOINT`] = b.endpoint;
    if (b.accessKeyId !== undefined && b.secretAccessKey !== undefined) {
        env[`${p}ACCESS_KEY_ID`] = b.accessKeyId;
        env[`${p}SECRET_ACCESS_KEY`] = b.secretAccessKey;
    } else env[`${p}ENV_AUTH`] = "true";
    return env;
}

/** rclone with these remotes, in our environment otherwise (proxy and CA settings pass through). */
export function rclone(args: readonly string[], remotes: Record<string, string>): Promise<string> {
    // rclone's S3 backend fails on AWS_CA_BUNDLE ("LoadCustomCABundleError: ... unsupported transport",
    // rclone 1.60); the same bundle is given as its own --ca-cert instead.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RCLONE_CONFIG_") && k !== "AWS_CA_BUNDLE"));
    const ca = process.env.AWS_CA_BUNDLE ? ["--ca-cert", process.env.AWS_CA_BUNDLE] : [];
    return run("rclone", ["--retries", "3", "--low-level-retries", "5", ...ca, ...args], { env: { ...base, ...remotes } });
}

/** How many objects a bucket holds, and their bytes (`rclone size`). */
export async function bucketSize(remote: string, bucket: string, remotes: Record<string, string>): Promise<{ count: number; bytes: number }> {
    return JSON.parse(await rclone(["size", "--json", `${remote}:${bucket}`], remotes)) as { count: number; bytes: number };
}

/** The sha256 of every object of a bucket, read back in full (`rclone hashsum SHA256 --download`: S3 keeps no sha256). */
export async function bucketDigest(remote: string, bucket: string, remotes: Record<string, string>): Promise<Map<string, string>> {
    const out = await rclone(["hashsum", "SHA256", "--download", `${remote}:${bucket}`], remotes);
    const digest = new Map<string, string>();
    for (const line of out.split("\n")) {
        const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
        if (m) digest.set(m[2], m[1]);
        else if (line.trim() !== "") throw new Error(`rclone hashsum: line not understood: ${JSON.stringify(line.slice(0, 120))}`);
    }
    return digest;
}

/** Every file under a directory, as paths relative to it (object keys). */
export function listFiles(dir: string): string[] {
    // Not readdirSync's `recursive` with `withFileTypes`: Node 20 returns incomplete lists with both.
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const p = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) out.push(p);
        }
    };
    walk("");
    return out.sort();
}

/** Bytes of every file under a directory. */
export function treeBytes(dir: string): number {
    return listFiles(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}
