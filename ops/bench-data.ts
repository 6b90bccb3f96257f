/**
 * npm run bench:data -- [--scale N] [--objects M] [--object-kb K]
 *
 * Times the backup, the restore drill and the migration at a stated data size,
 * on this machine, with real parts on loopback: PostgreSQL servers started
 * here, s3rver as every S3-compatible store (devDependency), restic and rclone.
 * `--scale 1` is 4,600 rows in 5 tables (about 1.5 MB of dump); objects are
 * random bytes (incompressible). Prints the size and every step's time; the
 * figures are this machine's, with no network in between: add your link's
 * transfer time (dump + objects / bandwidth) for a real host.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { drill } from "./drill";
import { LocalS3, seedSql } from "./lib/local-servers";
import { rclone, rcloneRemote } from "./lib/objects";
import { BACKUP_SCRIPT, clientEnv, psql, ScratchCluster } from "./lib/postgres";
import { parseFlags, run, Steps } from "./lib/proc";
import { mb } from "./lib/report";
import { migrate } from "./migrate";

async function main(): Promise<void> {
    const { flags, problems } = parseFlags(process.argv.slice(2), { values: ["scale", "objects", "object-kb"], booleans: [] });
    const scale = Number(flags.get("scale") ?? "20");
    const count = Number(flags.get("objects") ?? "100");
    const kb = Number(flags.get("object-kb") ?? "256");
    for (const [k, v] of [
        ["scale", scale],
        ["objects", count],
        ["object-kb", kb],
    ] as const)
        if (!Number.isInteger(v) || v < 1) problems.push(`--${k}: "${v}" is not a whole number of 1 or more`);
    if (problems.length) throw new Error(problems.join("\n"));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-bench-"));
    const quiet = () => undefined;
    const [source, target] = await Promise.all([ScratchCluster.start(), ScratchCluster.start()]);
    const [store, backups, dest] = await Promise.all([
        LocalS3.start(path.join(dir, "store"), { buckets: ["alicerce-uploads"] }),
        LocalS3.start(path.join(dir, "backups"), { tls: true, buckets: ["backups"] }),
        LocalS3.start(path.join(dir, "dest"), { buckets: ["assets"] }),
    ]);
    const saved = { ...process.env };
    try {
        const setup = new Steps(quiet);
        await setup.step("seed", async () => {
            await psql(source.pg, seedSql(scale));
            const files = path.join(dir, "files");
            fs.mkdirSync(files);
            for (let i = 0; i < count; i++) fs.writeFileSync(path.join(files, `object-${i}.bin`), crypto.randomBytes(kb * 1024));
            await rclone(
                ["copy", files, "store:alicerce-uploads"],
                rcloneRemote("store", { endpoint: store.endpoint, bucket: "alicerce-uploads", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }),
            );
            fs.rmSync(files, { recursive: true });
        });
        const dbSize = await psql(source.pg, "SELECT pg_size_pretty(pg_database_size(current_database()))");
        const rows = 4600 * scale;
        console.log(`data: ${rows} rows in 5 tables (database ${dbSize} on disk), ${count} objects of ${kb} KB (${((count * kb) / 1024).toFixed(1)} MB)`);

        const password = crypto.randomBytes(24).toString("base64url");
        const repository = `s3:${backups.endpoint}/backups/bench`;
        const backup = new Steps(quiet);
        await backup.step("backup.sh run (dump, uploads, manifest, prune, check 5%)", () =>
            run("sh", [BACKUP_SCRIPT, "run"], {
                env: clientEnv(source.pg, {
                    RESTIC_REPOSITORY: repository,
                    RESTIC_PASSWORD: password,
                    AWS_ACCESS_KEY_ID: "S3RVER",
                    AWS_SECRET_ACCESS_KEY: "S3RVER",
                    SSL_CERT_FILE: backups.certFile,
                    AWS_CA_BUNDLE: "",
                    UPLOADS_BUCKET: "alicerce-uploads",
                    ...rcloneRemote("store", { endpoint: store.endpoint, bucket: "alicerce-uploads", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }),
                    WORK_DIR: path.join(dir, "work"),
                    STATE_DIR: path.join(dir, "state"),
                    BACKUP_HOST: "bench",
                }),
            }),
        );
        console.log(`\nbackup\n${backup.summary()}`);

        Object.assign(process.env, {
            RESTIC_PASSWORD: password,
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            SSL_CERT_FILE: backups.certFile,
        });
        const d = await drill(["--repository", repository], quiet);
        console.log(
            `\nrestore drill (${d.ok ? "passed" : "FAILED"})\n${d.steps.map((s) => `${s.step.padEnd(56)} ${s.seconds.toFixed(2).padStart(8)} s`).join("\n")}\n${"total".padEnd(56)} ${d.totalSeconds.toFixed(2).padStart(8)} s`,
        );
        for (const k of ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SSL_CERT_FILE"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }

        const url = (c: ScratchCluster) => `postgres://${c.pg.PGUSER}:${c.pg.PGPASSWORD}@127.0.0.1:${c.pg.PGPORT}/app`;
        Object.assign(process.env, {
            SOURCE_DATABASE_URL: url(source),
            SOURCE_S3_ENDPOINT: store.endpoint,
            SOURCE_S3_BUCKET: "alicerce-uploads",
            SOURCE_S3_ACCESS_KEY_ID: "S3RVER",
            SOURCE_S3_SECRET_ACCESS_KEY: "S3RVER",
            TARGET_DATABASE_URL: url(target),
            TARGET_S3_ENDPOINT: dest.endpoint,
            TARGET_S3_BUCKET: "assets",
            TARGET_S3_ACCESS_KEY_ID: "S3RVER",
            TARGET_S3_SECRET_ACCESS_KEY: "S3RVER",
        });
        const m = await migrate(["--from", "connection", "--to", "connection"], quiet);
        console.log(
            `\nmigration (${m.ok ? "verified" : "FAILED"}; dump ${mb(m.dumpBytes)})\n${m.steps.map((s) => `${s.step.padEnd(56)} ${s.seconds.toFixed(2).padStart(8)} s`).join("\n")}\n${"total".padEnd(56)} ${m.totalSeconds.toFixed(2).padStart(8)} s`,
        );
        console.log(
            `\n${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; PostgreSQL ${await psql(source.pg, "SHOW server_version")}; ${(await run("restic", ["version"])).trim()}; ${(await run("rclone", ["version"])).split("\n")[0]}`,
        );
    } finally {
        await Promise.all([source.stop(), target.stop()]);
        for (const s of [store, backups, dest]) s.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err: Error) => {
    process.stderr.write(`bench:data: ${err.message}\n`);
    process.exit(1);
});
