/**
 * npm run drill -- --repository <restic repository> [--host <snapshot host>] [--snapshot <id>|latest]
 *                  [--database-url-env NAME] [--uploads-dir DIR] [--pg-bin DIR] [--json FILE] [--keep]
 *
 * Restores a single-host stack's backup from its restic repository alone, into
 * a throwaway PostgreSQL server started here (or an empty database whose URL
 * is in the environment variable --database-url-env names), and the uploaded
 * files into a scratch directory (or --uploads-dir), then compares every
 * table's row count and checksum and every object's sha256 with the manifest
 * the backup recorded from the same snapshot of the database. Prints the time
 * each step took; exits 1 if anything differs or fails. Reads the repository,
 * writes nothing to it and touches no running stack.
 *
 * The repository's password comes from RESTIC_PASSWORD or RESTIC_PASSWORD_FILE,
 * an s3: repository's keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
 * (as restic itself reads them): never from arguments.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    compareDigests,
    digestDatabase,
    digestFiles,
    findPgBin,
    parseManifest,
    pgEnvFromUrl,
    type PgEnv,
    restoreDump,
    ScratchCluster,
    contents,
} from "./lib/postgres";
import { treeBytes } from "./lib/objects";
import { parseFlags, run, Steps } from "./lib/proc";
import { printVerifiedCopy, verifiedCopy, type VerifiedCopyReport } from "./lib/report";

export interface Snapshot {
    readonly id: string;
    readonly short_id: string;
    readonly time: string;
    readonly host: string;
    readonly tags?: string[];
    readonly paths: string[];
}

/** What a drill found, also written as JSON with --json. */
export interface DrillReport extends VerifiedCopyReport {
    readonly snapshot: { readonly id: string; readonly time: string; readonly host: string };
}

const USAGE =
    "usage: npm run drill -- --repository <restic repository> [--host <snapshot host>] [--snapshot <id>|latest] [--database-url-env NAME] [--uploads-dir DIR] [--pg-bin DIR] [--json FILE] [--keep]";

/**
 * The database snapshot to restore and the manifest and uploads snapshots of
 * the same run (same time and host). `latest` is the newest dump that has a
 * manifest of its run: a run that failed after storing its dump (the
 * repository unreachable for the rest) leaves a dump without one, which
 * cannot be verified.
 */
export function pickSnapshots(all: readonly Snapshot[], wanted: string): { dumps: number; dump?: Snapshot; manifest?: Snapshot; uploads?: Snapshot } {
    const dumps = all.filter((s) => s.tags?.includes("postgres")).sort((a, b) => a.time.localeCompare(b.time));
    const sameRun = (dump: Snapshot, tag: string) => all.find((s) => s.tags?.includes(tag) && s.time === dump.time && s.host === dump.host);
    const dump = wanted === "latest" ? dumps.filter((d) => sameRun(d, "manifest")).at(-1) : dumps.find((s) => s.id.startsWith(wanted) || s.short_id === wanted);
    if (!dump) return { dumps: dumps.length };
    return { dumps: dumps.length, dump, manifest: sameRun(dump, "manifest"), uploads: sameRun(dump, "uploads") };
}

/** Runs the drill; `argv` are the arguments after `--`. */
export async function drill(argv: readonly string[], print: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<DrillReport> {
    const { flags, problems } = parseFlags(argv, {
        values: ["repository", "host", "snapshot", "database-url-env", "uploads-dir", "pg-bin", "json"],
        booleans: ["keep"],
    });
    const repository = flags.get("repository") ?? process.env.RESTIC_REPOSITORY;
    if (!repository)
        problems.push(
            "--repository: not set; use the stack's backup repository (output backupRepository), e.g. s3:https://nyc3.digitaloceanspaces.com/acme-backups/vps",
        );
    if (!process.env.RESTIC_PASSWORD && !process.env.RESTIC_PASSWORD_FILE)
        problems.push(
            "RESTIC_PASSWORD: not set (nor RESTIC_PASSWORD_FILE); export the repository's password, kept in your password manager (docs/single-host.md, The password)",
        );
    if (repository?.startsWith("s3:") && (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY))
        problems.push("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: not set; an s3: repository needs a key that may read its bucket");
    const urlEnv = flags.get("database-url-env");
    if (urlEnv && !process.env[urlEnv]) problems.push(`--database-url-env: ${urlEnv} is not set in the environment`);
    const uploadsDir = flags.get("uploads-dir");
    if (uploadsDir && fs.existsSync(uploadsDir) && fs.readdirSync(uploadsDir).length > 0)
        problems.push(`--uploads-dir: ${uploadsDir} is not empty; give a new or empty directory`);
    if (problems.length) throw new Error([...problems, USAGE].join("\n"));

    const work = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-drill-"));
    const resticEnv = { ...process.env, RESTIC_REPOSITORY: repository!, RESTIC_CACHE_DIR: path.join(work, "restic-cache") };
    const restic = (args: string[], stdoutFile?: string) => run("restic", args, { env: resticEnv, stdoutFile });
    const steps = new Steps(print);
    let cluster: ScratchCluster | undefined;
    try {
        const pick = await steps.step("open the repository and pick the snapshots", async () => {
            const all = JSON.parse(await restic(["snapshots", "--json", ...(flags.has("host") ? ["--host", flags.get("host")!] : [])])) as Snapshot[];
            const hosts = [...new Set(all.map((s) => s.host))];
            if (hosts.length > 1) throw new Error(`the repository holds snapshots of several hosts (${hosts.join(", ")}); choose one with --host`);
            const wanted = flags.get("snapshot") ?? "latest";
            const picked = pickSnapshots(all, wanted);
            if (!picked.dump) {
                throw new Error(
                    wanted !== "latest"
                        ? `no database snapshot ${wanted}; see restic snapshots --tag postgres`
                        : picked.dumps === 0
                          ? "the repository holds no database snapshot (tag postgres)"
                          : `none of the ${picked.dumps} database snapshots has a manifest of the same run: they were made before backups recorded one, or a run failed before storing it; run a backup (backup.sh run) and drill that`,
                );
            }
            const dump = picked.dump;
            if (!picked.manifest)
                throw new Error(
                    `snapshot ${dump.short_id} (${dump.time}) has no manifest: it was made before backups recorded one, or its run failed before storing it; run a backup (backup.sh run) and drill that`,
                );
            return { dump, manifest: picked.manifest, uploads: picked.uploads };
        });
        print(`  snapshot ${pick.dump.short_id} of ${pick.dump.host} at ${pick.dump.time}`);

        const dumpFile = path.join(work, "restore.dump");
        await steps.step("read the dump from the repository", () =>
            restic(["dump", pick.dump.id, pick.dump.paths[0].startsWith("/") ? pick.dump.paths[0] : `/${pick.dump.paths[0]}`], dumpFile),
        );
        const expected = await steps.step("read the manifest", async () => parseManifest(await restic(["dump", pick.manifest.id, "/manifest.tsv"])));

        // Server binaries only for the scratch server; into a database you name, pg_restore from PATH will do.
        const pgBin = flags.get("pg-bin") ?? (urlEnv ? undefined : findPgBin());
        const target: PgEnv = await steps.step(urlEnv ? "check the target database is empty" : "start a scratch PostgreSQL", async () => {
            if (!urlEnv) {
                cluster = await ScratchCluster.start({ bin: pgBin });
                return cluster.pg;
            }
            const pg = pgEnvFromUrl(process.env[urlEnv]!, urlEnv);
            const c = await contents(pg);
            if (c.tables > 0)
                throw new Error(
                    `${urlEnv}: database ${pg.PGDATABASE} on ${pg.PGHOST} already has ${c.tables} tables (${c.rows} rows); the drill restores only into an empty database`,
                );
            return pg;
        });
        await steps.step("restore the database (pg_restore, one transaction)", () => restoreDump(target, dumpFile, { pgBin }));
        const restored = await steps.step("checksum every table", () => digestDatabase(target));
        const tables = restored.tables;
        const differences = compareDigests(expected, restored);

        let objectBytes = 0;
        let objects = 0;
        if (pick.uploads) {
            const files = uploadsDir ?? path.join(work, "uploads");
            fs.mkdirSync(files, { recursive: true });
            await steps.step("restore the uploaded files", () => restic(["restore", pick.uploads!.id, "--target", files]));
            const digest = await steps.step("checksum every object", () => digestFiles(files));
            differences.push(...compareDigests(expected, { objects: digest }));
            objects = digest.size;
            objectBytes = treeBytes(files);
        } else if (expected.objects.size > 0)
            differences.push(`the manifest lists ${expected.objects.size} objects but no uploads snapshot of the same run exists`);

        const report: DrillReport = {
            ...verifiedCopy({ tables, dumpFile, objects, objectBytes, differences, steps }),
            snapshot: { id: pick.dump.id, time: pick.dump.time, host: pick.dump.host },
        };
        printVerifiedCopy(
            print,
            steps,
            report,
            { passed: "drill passed: every table and object equals the backup's manifest", failed: "drill FAILED" },
            flags.get("json"),
        );
        return report;
    } finally {
        await cluster?.stop();
        if (flags.has("keep")) print(`kept ${work}`);
        else fs.rmSync(work, { recursive: true, force: true });
    }
}

if (require.main === module) {
    drill(process.argv.slice(2)).then(
        (r) => process.exit(r.ok ? 0 : 1),
        (err: Error) => {
            process.stderr.write(`drill: ${err.message}\n`);
            process.exit(2);
        },
    );
}
