import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

// These tests run the real backup.sh with the real restic (Debian's; the image
// ships the restic project's own build) against a real PostgreSQL server and a
// real restic repository in a temporary directory, and the uploads from a real
// S3 server (s3rver, on loopback) through Debian's rclone (the image ships
// rclone's own build). Only `sleep` is replaced, in the scheduler test, so a
// "night" passes at once.
// rclone sync/copy and its S3 remote from RCLONE_CONFIG_<REMOTE>_* variables:
// https://rclone.org/commands/rclone_sync/, https://rclone.org/docs/#config-file, https://rclone.org/s3/
// restic's commands and flags: https://restic.readthedocs.io/en/stable/045_working_with_repos.html
// and https://restic.readthedocs.io/en/stable/060_forget.html (forget --keep-daily, --group-by, --prune).

const SCRIPT = path.join(__dirname, "backup", "backup.sh");
const PG_BIN = ["17", "16", "15"].map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(path.join(d, "initdb")));
const DAY_MS = 86_400_000;

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Runs as the `postgres` user: initdb and the server refuse root. */
/**
 * Starts s3rver in its own process (the tests run the script synchronously,
 * which would stall a server in this one) on a free loopback port, with the
 * given options (JavaScript source of the object passed to `new S3rver`,
 * reading `process.env`); resolves with the process and its port.
 */
async function startS3rverProcess(options: string, env: Record<string, string>): Promise<{ process: ChildProcess; port: number }> {
    const program = `
        const S3rver = require("s3rver"); const fs = require("fs");
        new S3rver({ address: "127.0.0.1", port: 0, silent: true, ...${options} })
            .run().then((a) => console.log(JSON.stringify(a)), (e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", program], {
        cwd: path.join(__dirname, "..", ".."),
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("s3rver did not start in 20 s")), 20_000);
        child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
        child.stdout.once("data", (line: Buffer) => {
            clearTimeout(timer);
            resolve((JSON.parse(line.toString()) as net.AddressInfo).port);
        });
    });
    return { process: child, port };
}

function asPostgres(cmd: string, args: string[], input?: string): string {
    return execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { input, encoding: "utf8", timeout: 60_000, stdio: ["pipe", "pipe", "pipe"] });
}

/** Every file under `dir`, relative path -> sha256 of its content. */
function treeDigest(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else out[path.relative(dir, p)] = crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return out;
}

interface Snapshot {
    readonly id: string;
    readonly time: string;
    readonly tags?: string[];
    readonly paths: string[];
}

describe("backup.sh", () => {
    it("passes shellcheck (POSIX sh, every warning)", () => {
        const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", SCRIPT], { encoding: "utf8", timeout: 60_000 });
        assert.equal(r.error, undefined, `shellcheck did not run: ${r.error}`);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("refuses an unknown command", () => {
        const r = spawnSync("sh", [SCRIPT, "bogus"], { encoding: "utf8", timeout: 10_000 });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /usage: backup.sh run\|schedule\|health\|snapshots\|restore/);
    });

    describe("health", () => {
        const state = () => fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-health-"));
        const health = (dir: string) => spawnSync("sh", [SCRIPT, "health"], { env: { PATH: process.env.PATH, STATE_DIR: dir }, timeout: 10_000 }).status;

        it("is unhealthy with no backup and no scheduler", () => {
            assert.equal(health(state()), 1);
        });

        it("is healthy after a success within 26 hours, unhealthy after 26 hours", () => {
            const dir = state();
            fs.writeFileSync(path.join(dir, "last-success"), "");
            assert.equal(health(dir), 0);
            const old = (Date.now() - 27 * 3_600_000) / 1000;
            fs.utimesSync(path.join(dir, "last-success"), old, old);
            assert.equal(health(dir), 1);
        });

        it("is unhealthy as soon as a run failed, even with a recent success or a fresh scheduler", () => {
            const dir = state();
            fs.writeFileSync(path.join(dir, "scheduler-started"), "");
            fs.writeFileSync(path.join(dir, "last-success"), "");
            assert.equal(health(dir), 0);
            fs.writeFileSync(path.join(dir, "last-failure"), "");
            assert.equal(health(dir), 1);
        });
    });

    describe("against a real PostgreSQL and a real restic repository", function () {
        this.timeout(180_000);
        let dir = "";
        let port = 0;
        const password = crypto.randomBytes(18).toString("base64url");
        const resticPassword = crypto.randomBytes(24).toString("base64url");
        let passwordFile = "";
        let started = false;
        // A value that must appear in the database and never in the repository's files (encryption).
        const marker = `marker-${crypto.randomBytes(8).toString("hex")}`;

        // The object store: s3rver over plain HTTP on loopback (the single host's object store is
        // http://objectstore:8333 on an internal network), in its own process.
        let store: ChildProcess | undefined;
        let storeEndpoint = "";

        before(async () => {
            assert.ok(PG_BIN, "PostgreSQL server binaries not found; apt-get install -y postgresql");
            assert.equal(spawnSync("rclone", ["version"], { timeout: 10_000 }).status, 0, "rclone not found; apt-get install -y rclone");
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-backup-"));
            fs.chmodSync(dir, 0o755);
            const data = path.join(dir, "data");
            fs.mkdirSync(data);
            fs.chownSync(
                data,
                Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
                Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
            );
            const pwfile = path.join(dir, "pw");
            fs.writeFileSync(pwfile, password + "\n", { mode: 0o644 });
            port = await freePort();
            asPostgres(`${PG_BIN}/initdb`, ["-D", data, "-U", "app", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "--no-sync"]);
            fs.rmSync(pwfile);
            asPostgres(`${PG_BIN}/pg_ctl`, [
                "-D",
                data,
                "-l",
                path.join(data, "server.log"),
                "-w",
                "-t",
                "30",
                "-o",
                `-p ${port} -k ${data} -c listen_addresses=127.0.0.1`,
                "start",
            ]);
            started = true;
            passwordFile = path.join(dir, "restic-password");
            fs.writeFileSync(passwordFile, resticPassword, { mode: 0o600 });

            psql("postgres", "CREATE DATABASE app");
            psql(
                "app",
                "CREATE TABLE patients (id serial PRIMARY KEY, name text NOT NULL); CREATE TABLE visits (id serial PRIMARY KEY, patient_id int REFERENCES patients(id), at timestamptz DEFAULT now(), note text)",
            );
            psql(
                "app",
                `INSERT INTO patients (name) SELECT 'p' || g FROM generate_series(1, 1234) g; INSERT INTO visits (patient_id, note) SELECT 1 + g % 1234, md5(g::text) FROM generate_series(1, 5678) g; INSERT INTO patients (name) VALUES ('${marker}')`,
            );

            const s3 = await startS3rverProcess("{ directory: process.env.S3_DIR }", { S3_DIR: path.join(dir, "objectstore") });
            store = s3.process;
            const storePort = s3.port;
            storeEndpoint = `http://127.0.0.1:${storePort}`;
        });

        after(() => {
            store?.kill();
            if (started)
                spawnSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", path.join(dir, "data"), "-m", "immediate", "-w", "-t", "30", "stop"], {
                    timeout: 40_000,
                });
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        const pgEnv = () => ({
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            // restic reads --time and groups days in local time; the container runs in UTC.
            TZ: "UTC",
            PGHOST: "127.0.0.1",
            PGPORT: String(port),
            PGUSER: "app",
            PGPASSWORD: password,
            PGDATABASE: "app",
        });
        function psql(db: string, sql: string): string {
            return execFileSync("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], {
                env: pgEnv(),
                encoding: "utf8",
                timeout: 30_000,
            }).trim();
        }
        /** Row count and a checksum of every row, in key order. */
        const tableDigest = (db: string, table: string) =>
            psql(db, `SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM ${table} t`);

        /** rclone's `store:` remote, as backupEnvironment sets it; s3rver's fixed key (it may read and write). */
        const storeEnv = (keyId = "S3RVER", secret = "S3RVER", endpoint = storeEndpoint): Record<string, string> => ({
            RCLONE_CONFIG_STORE_TYPE: "s3",
            RCLONE_CONFIG_STORE_PROVIDER: "SeaweedFS",
            RCLONE_CONFIG_STORE_ENDPOINT: endpoint,
            RCLONE_CONFIG_STORE_ACCESS_KEY_ID: keyId,
            RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: secret,
            RCLONE_CONFIG_STORE_REGION: "us-east-1",
        });
        const rclone = (args: string[]) =>
            execFileSync("rclone", args, {
                env: { PATH: process.env.PATH, HOME: dir, ...storeEnv() },
                encoding: "utf8",
                timeout: 60_000,
                stdio: ["ignore", "pipe", "pipe"],
            });
        /** Every object of a bucket, key -> sha256, read back through the S3 API. */
        const bucketDigest = (bucket: string): Record<string, string> => {
            const copy = fs.mkdtempSync(path.join(dir, "bucket-copy-"));
            try {
                rclone(["copy", `store:${bucket}`, copy]);
                return treeDigest(copy);
            } finally {
                fs.rmSync(copy, { recursive: true, force: true });
            }
        };

        /** A fresh case: its own repository, state and scratch directories, and its own bucket of uploads. */
        function fixture(name: string) {
            const base = fs.mkdtempSync(path.join(dir, `${name}-`));
            const f = {
                repo: path.join(base, "repo"),
                state: path.join(base, "state"),
                work: path.join(base, "work"),
                bucket: `uploads-${name}`,
            };
            fs.mkdirSync(f.state);
            const files = path.join(base, "files");
            fs.mkdirSync(path.join(files, "avatars"), { recursive: true });
            fs.writeFileSync(path.join(files, "avatars", "1.png"), crypto.randomBytes(40_000));
            fs.writeFileSync(path.join(files, "contract.pdf"), crypto.randomBytes(120_000));
            rclone(["mkdir", `store:${f.bucket}`]);
            rclone(["copy", files, `store:${f.bucket}`]);
            fs.rmSync(files, { recursive: true });
            return f;
        }
        const scriptEnv = (f: ReturnType<typeof fixture>, extra: Record<string, string> = {}) => ({
            ...pgEnv(),
            HOME: f.state,
            RESTIC_REPOSITORY: f.repo,
            RESTIC_PASSWORD_FILE: passwordFile,
            UPLOADS_BUCKET: f.bucket,
            ...storeEnv(),
            WORK_DIR: f.work,
            STATE_DIR: f.state,
            CHECK_SUBSET: "100%",
            ...extra,
        });
        const script = (args: string[], env: Record<string, string | undefined>): SpawnSyncReturns<string> => {
            const r = spawnSync("sh", [SCRIPT, ...args], { env, encoding: "utf8", timeout: 120_000 });
            assert.equal(r.error, undefined, `backup.sh did not run: ${r.error}`);
            assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), "the script printed the database password");
            assert.ok(!r.stdout.includes(resticPassword) && !r.stderr.includes(resticPassword), "the script printed the repository password");
            return r;
        };
        const restic = (repo: string, args: string[], input?: Buffer) =>
            execFileSync("restic", ["--no-cache", ...args], {
                env: { PATH: process.env.PATH, TZ: "UTC", RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: passwordFile },
                input,
                timeout: 60_000,
                stdio: ["pipe", "pipe", "pipe"],
            });
        const snapshots = (repo: string): Snapshot[] => JSON.parse(restic(repo, ["snapshots", "--json"]).toString()) as Snapshot[];
        const health = (state: string) => spawnSync("sh", [SCRIPT, "health"], { env: { PATH: process.env.PATH, STATE_DIR: state }, timeout: 10_000 }).status;
        const listFiles = (d: string) => Object.keys(treeDigest(d)).sort();

        it("backs up the database and the uploads, encrypted; restores both from the repository alone", () => {
            const f = fixture("success");
            const r = script(["run"], scriptEnv(f));
            assert.equal(r.status, 0, r.stderr);
            assert.ok(fs.existsSync(path.join(f.state, "last-success")), "no last-success after a good run");
            assert.equal(health(f.state), 0, "unhealthy right after a good run");
            assert.deepEqual(
                fs.readdirSync(f.work).filter((e) => e.startsWith("run.")),
                [],
                "the dump was left in the scratch directory",
            );

            const snaps = snapshots(f.repo);
            assert.deepEqual(snaps.map((s) => s.tags?.join(",")).sort(), ["manifest", "postgres", "uploads"]);
            assert.deepEqual(snaps.find((s) => s.tags?.includes("postgres"))!.paths, ["/app.dump"]);
            // One run, one time: the drill pairs a dump with its manifest and uploads by it.
            assert.equal(new Set(snaps.map((s) => s.time)).size, 1);
            // The manifest: every table's rows and checksum (as `backup.sh digest` computes them on the
            // database now), and every object's sha256.
            const manifest = restic(f.repo, ["dump", snaps.find((s) => s.tags?.includes("manifest"))!.id, "/manifest.tsv"]).toString();
            const digest = script(["digest"], scriptEnv(f));
            assert.equal(digest.status, 0, digest.stderr);
            assert.equal(
                manifest
                    .split("\n")
                    .filter((l) => l !== "" && !l.startsWith("object\t"))
                    .join("\n") + "\n",
                digest.stdout,
            );
            assert.match(
                digest.stdout,
                /^sequence\tpublic\.patients_id_seq\t1235\tt\nsequence\tpublic\.visits_id_seq\t5678\tt\ntable\tpublic\.patients\t1235\t\d+\ntable\tpublic\.visits\t5678\t\d+\nlarge-objects\t0\t0\n$/,
            );
            const objectLines = manifest
                .split("\n")
                .filter((l) => l.startsWith("object\t"))
                .map((l) => l.split("\t"));
            assert.deepEqual(
                objectLines.map((l) => l[1]),
                ["avatars/1.png", "contract.pdf"],
            );

            // Encrypted: the marker row is in the dump, but no repository file holds it.
            for (const file of listFiles(f.repo)) {
                assert.ok(!fs.readFileSync(path.join(f.repo, file)).includes(marker), `${file} holds plain text from the database`);
            }

            // Restore into a fresh database from the repository alone: equal counts and checksums.
            psql("postgres", "CREATE DATABASE restored");
            const restored = script(["restore", "latest"], scriptEnv(f, { RESTORE_DATABASE: "restored" }));
            assert.equal(restored.status, 0, restored.stderr);
            for (const table of ["patients", "visits"]) {
                const [original, copy] = ["app", "restored"].map((db) => tableDigest(db, table));
                assert.equal(copy, original, `${table} differs after restore`);
                assert.ok(Number(original.split(" ")[0]) > 1000);
            }

            // The uploads snapshot holds the objects under their keys.
            const uploadsSnapshot = snaps.find((s) => s.tags?.includes("uploads"))!.id;
            const keys = restic(f.repo, ["ls", "--json", uploadsSnapshot])
                .toString()
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { type?: string; path?: string })
                .filter((e) => e.type === "file")
                .map((e) => e.path)
                .sort();
            assert.deepEqual(keys, ["/avatars/1.png", "/contract.pdf"]);

            // The bucket wiped, then restored from a named snapshot: every object back, same sha256.
            const before = bucketDigest(f.bucket);
            assert.equal(Object.keys(before).length, 2);
            rclone(["delete", `store:${f.bucket}`]);
            assert.deepEqual(bucketDigest(f.bucket), {});
            // The nightly key only reads: without a key that may write, restore-uploads refuses, naming what to pass.
            const refused = script(["restore-uploads", uploadsSnapshot], scriptEnv(f));
            assert.notEqual(refused.status, 0);
            assert.match(refused.stderr, /UPLOADS_WRITE_ACCESS_KEY_ID and UPLOADS_WRITE_SECRET_ACCESS_KEY are not set/);
            const files = script(
                ["restore-uploads", uploadsSnapshot],
                scriptEnv(f, { UPLOADS_WRITE_ACCESS_KEY_ID: "S3RVER", UPLOADS_WRITE_SECRET_ACCESS_KEY: "S3RVER" }),
            );
            assert.equal(files.status, 0, files.stderr);
            assert.deepEqual(bucketDigest(f.bucket), before);
            assert.deepEqual(Object.fromEntries(objectLines.map((l) => [l[1], l[2]])), before, "the manifest's sha256 of each object");
            assert.deepEqual(
                fs.readdirSync(f.work).filter((e) => e.startsWith("restore-uploads.")),
                [],
                "the restored files were left in the scratch directory",
            );
        });

        // The object store unreadable: the dump may be stored, but the run fails before retention,
        // so nothing is pruned and no success is recorded (as with the database down).
        for (const [what, env] of [
            ["unreachable", () => storeEnv("S3RVER", "S3RVER", `http://127.0.0.1:${port === 1 ? 2 : 1}`)],
            // s3rver answers an unknown key id 403 InvalidAccessKeyId (it does not check the secret).
            ["refusing the key", () => storeEnv("NOT-A-KEY", "not-the-secret")],
        ] as const) {
            it(`run: the object store ${what} fails the run loudly: nothing pruned, no last-success, health non-zero`, () => {
                const f = fixture(`store-${what.split(" ")[0]}`);
                seedDays(f, [
                    [3, 3],
                    [2, 3],
                ]);
                const before = snapshots(f.repo).map((s) => s.id);
                const r = script(["run"], scriptEnv(f, { ...env(), RETENTION_DAYS: "1", RCLONE_RETRIES: "1", RCLONE_LOW_LEVEL_RETRIES: "1" }));
                assert.notEqual(r.status, 0);
                assert.match(r.stderr, new RegExp(`rclone sync of bucket ${f.bucket} failed[\\s\\S]*backup FAILED`));
                const after = snapshots(f.repo);
                for (const id of before)
                    assert.ok(
                        after.some((s) => s.id === id),
                        `snapshot ${id} was pruned`,
                    );
                assert.ok(!after.some((s) => s.tags?.includes("uploads")), "an uploads snapshot was stored");
                assert.ok(!after.some((s) => s.tags?.includes("manifest")), "a manifest was stored for a failed run");
                assert.ok(!fs.existsSync(path.join(f.state, "last-success")));
                assert.notEqual(health(f.state), 0);
            });
        }

        describe("through an S3-compatible server (s3rver over HTTPS on loopback)", () => {
            // restic's S3 backend (minio-go) signs plain-HTTP uploads with aws-chunked streaming,
            // which s3rver stores undecoded; over TLS it sends plain bodies, as against real S3.
            // https://restic.readthedocs.io/en/stable/030_preparing_a_new_repo.html#amazon-s3
            let server: ChildProcess | undefined;
            let endpoint = "";
            let storeDir = "";
            let certFile = "";

            before(async () => {
                storeDir = fs.mkdtempSync(path.join(dir, "s3-"));
                certFile = path.join(dir, "s3-cert.pem");
                const keyFile = path.join(dir, "s3-key.pem");
                execFileSync(
                    "openssl",
                    [
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        keyFile,
                        "-out",
                        certFile,
                        "-days",
                        "1",
                        "-subj",
                        "/CN=127.0.0.1",
                        "-addext",
                        "subjectAltName=IP:127.0.0.1",
                    ],
                    { stdio: "ignore", timeout: 30_000 },
                );
                const started = await startS3rverProcess(
                    `{ directory: process.env.S3_DIR, key: fs.readFileSync(process.env.S3_KEY), cert: fs.readFileSync(process.env.S3_CERT), configureBuckets: [{ name: "acme-backups" }, { name: "acme-copies" }] }`,
                    { S3_DIR: path.join(storeDir, "data"), S3_KEY: keyFile, S3_CERT: certFile },
                );
                server = started.process;
                const port = started.port;
                endpoint = `s3:https://127.0.0.1:${port}/acme-backups/alicerce`;
            });

            after(() => {
                server?.kill();
            });

            it("backs up, prunes and checks in the bucket, and restores from it alone", () => {
                const f = fixture("s3");
                const s3Env = {
                    RESTIC_REPOSITORY: endpoint,
                    // s3rver's fixed credentials; Go reads SSL_CERT_FILE for the server's self-signed certificate.
                    AWS_ACCESS_KEY_ID: "S3RVER",
                    AWS_SECRET_ACCESS_KEY: "S3RVER",
                    SSL_CERT_FILE: certFile,
                };
                const r = script(["run"], scriptEnv(f, s3Env));
                assert.equal(r.status, 0, r.stderr);
                assert.ok(fs.existsSync(path.join(f.state, "last-success")));
                const objects = listFiles(path.join(storeDir, "data"));
                assert.ok(
                    objects.some((o) => o.startsWith("acme-backups/alicerce/snapshots/")),
                    `no snapshots in the bucket: ${objects.join(", ")}`,
                );
                for (const o of objects)
                    assert.ok(!fs.readFileSync(path.join(storeDir, "data", o)).includes(marker), `${o} holds plain text from the database`);

                psql("postgres", "CREATE DATABASE restored_s3");
                const restored = script(["restore", "latest"], scriptEnv(f, { ...s3Env, RESTORE_DATABASE: "restored_s3" }));
                assert.equal(restored.status, 0, restored.stderr);
                for (const table of ["patients", "visits"]) assert.equal(tableDigest("restored_s3", table), tableDigest("app", table), table);
                const before = bucketDigest(f.bucket);
                rclone(["delete", `store:${f.bucket}`]);
                const restoredFiles = script(
                    ["restore-uploads"],
                    scriptEnv(f, { ...s3Env, UPLOADS_WRITE_ACCESS_KEY_ID: "S3RVER", UPLOADS_WRITE_SECRET_ACCESS_KEY: "S3RVER" }),
                );
                assert.equal(restoredFiles.status, 0, restoredFiles.stderr);
                assert.deepEqual(bucketDigest(f.bucket), before);
                assert.equal(Object.keys(before).length, 2);
            });

            // The DigitalOcean second region (components/digitalocean/region-copy.ts) runs this script with two buckets of the
            // primary region (EXTRA_BUCKETS) and a heartbeat object its uptime check watches (HEARTBEAT_OBJECT), into a restic
            // repository in a bucket on ANOTHER server (here the HTTPS s3rver; the sources are on the plain-HTTP one).
            // rclone rcat / deletefile: https://rclone.org/commands/rclone_rcat/, https://rclone.org/commands/rclone_deletefile/;
            // rclone's S3 `acl` option (public-read for the heartbeat only): https://rclone.org/s3/#s3-acl
            it("second region: the dump, the uploads and an extra bucket into a repository in another bucket; heartbeat on success, gone on failure; restores from it alone", () => {
                const f = fixture("region");
                const exports = "exports-region";
                const files = path.join(dir, "exports-src");
                fs.mkdirSync(path.join(files, "2026"), { recursive: true });
                fs.writeFileSync(path.join(files, "2026", "export-1.csv.gz"), crypto.randomBytes(30_000));
                fs.writeFileSync(path.join(files, "index.json"), `{"marker":"${marker}"}`);
                rclone(["mkdir", `store:${exports}`]);
                rclone(["copy", files, `store:${exports}`]);
                fs.rmSync(files, { recursive: true });
                const copyEnv = {
                    RESTIC_REPOSITORY: endpoint.replace("/acme-backups/alicerce", "/acme-copies/restic"),
                    AWS_ACCESS_KEY_ID: "S3RVER",
                    AWS_SECRET_ACCESS_KEY: "S3RVER",
                    SSL_CERT_FILE: certFile,
                    EXTRA_BUCKETS: `backups=${exports}`,
                    HEARTBEAT_OBJECT: "copy:acme-copies/heartbeat/last-success",
                    RCLONE_CONFIG_COPY_TYPE: "s3",
                    RCLONE_CONFIG_COPY_PROVIDER: "Other",
                    RCLONE_CONFIG_COPY_ENDPOINT: endpoint.replace(/^s3:/, "").replace("/acme-backups/alicerce", ""),
                    RCLONE_CONFIG_COPY_ACCESS_KEY_ID: "S3RVER",
                    RCLONE_CONFIG_COPY_SECRET_ACCESS_KEY: "S3RVER",
                    RCLONE_CONFIG_COPY_REGION: "us-east-1",
                    RCLONE_CONFIG_COPY_ACL: "public-read",
                };
                const heartbeat = path.join(storeDir, "data", "acme-copies", "heartbeat", "last-success._S3rver_object");
                const r = script(["run"], scriptEnv(f, copyEnv));
                assert.equal(r.status, 0, r.stderr);
                assert.ok(fs.existsSync(heartbeat), `no heartbeat object after a successful run: ${listFiles(path.join(storeDir, "data")).join(", ")}`);
                assert.match(fs.readFileSync(heartbeat, "utf8"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
                const listed = JSON.parse(
                    execFileSync("restic", ["--no-cache", "snapshots", "--json"], {
                        env: { PATH: process.env.PATH, TZ: "UTC", RESTIC_PASSWORD_FILE: passwordFile, ...copyEnv },
                        encoding: "utf8",
                        timeout: 60_000,
                    }),
                ) as Snapshot[];
                const kinds = listed.map((s) => (s.tags ?? []).join(",")).sort();
                assert.deepEqual(kinds, ["bucket-backups", "manifest", "postgres", "uploads"]);
                // Encrypted: neither the database's marker nor the export's is readable in the copy bucket.
                for (const o of listFiles(path.join(storeDir, "data", "acme-copies")))
                    assert.ok(!fs.readFileSync(path.join(storeDir, "data", "acme-copies", o)).includes(marker), `${o} holds plain text`);

                // Restore from the copy alone: the database into a new one, the extra bucket into an empty bucket.
                const restoredDb = script(["restore-new", "restic", "latest"], scriptEnv(f, { ...copyEnv, RESTORE_DATABASE: "restored_region" }));
                assert.equal(restoredDb.status, 0, restoredDb.stderr);
                for (const table of ["patients", "visits"]) assert.equal(tableDigest("restored_region", table), tableDigest("app", table), table);
                rclone(["mkdir", "store:exports-restored"]);
                const restoredBucket = script(
                    ["restore-bucket", "backups", "exports-restored"],
                    scriptEnv(f, { ...copyEnv, UPLOADS_WRITE_ACCESS_KEY_ID: "S3RVER", UPLOADS_WRITE_SECRET_ACCESS_KEY: "S3RVER" }),
                );
                assert.equal(restoredBucket.status, 0, restoredBucket.stderr);
                const original = bucketDigest(exports);
                assert.equal(Object.keys(original).length, 2);
                assert.deepEqual(bucketDigest("exports-restored"), original);

                // A failed night (the database refuses the password) deletes the heartbeat at once.
                const failed = script(["run"], scriptEnv(f, { ...copyEnv, PGPASSWORD: "wrong" }));
                assert.notEqual(failed.status, 0);
                assert.ok(!fs.existsSync(heartbeat), "the heartbeat survived a failed run");
            });
        });

        it("restore of a snapshot that does not exist fails and leaves the database as it was", () => {
            const f = fixture("restore-missing");
            assert.equal(script(["run"], scriptEnv(f, { UPLOADS_BUCKET: "" })).status, 0);
            psql("postgres", "CREATE DATABASE untouched");
            psql("untouched", "CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2)");
            const r = script(["restore", "deadbeef"], scriptEnv(f, { RESTORE_DATABASE: "untouched" }));
            assert.notEqual(r.status, 0);
            assert.equal(psql("untouched", "SELECT count(*) FROM keep"), "2");
        });

        // alicerce:restoreFrom on the single host: the one-shot restore container runs `backup.sh restore-new`.
        // The running database must come out untouched whatever happens, and nothing existing is overwritten.
        it("restore-new makes a NEW database from a restic snapshot, the running one untouched; a repeat is a no-op", () => {
            const f = fixture("restore-new");
            assert.equal(script(["run"], scriptEnv(f, { UPLOADS_BUCKET: "" })).status, 0);
            const before = { patients: tableDigest("app", "patients"), visits: tableDigest("app", "visits") };
            // Damage after the backup: the restored database must hold the backup's rows, the running one keeps the damage.
            psql("app", "DELETE FROM visits WHERE id % 2 = 0");
            const damaged = tableDigest("app", "visits");
            const r = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_1a2b3c4d" }));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(tableDigest("app_restored_1a2b3c4d", "patients"), before.patients);
            assert.equal(tableDigest("app_restored_1a2b3c4d", "visits"), before.visits);
            assert.equal(tableDigest("app", "visits"), damaged, "the running database is untouched");
            assert.equal(
                psql("postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'app_restored_1a2b3c4d'"),
                "alicerce-restored-from:restic:latest",
            );
            // The container runs again at each `up` where it is replaced: the same source is a no-op, even after writes.
            psql("app_restored_1a2b3c4d", "INSERT INTO patients (name) VALUES ('written after the switch')");
            const again = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_1a2b3c4d" }));
            assert.equal(again.status, 0, again.stderr);
            assert.equal(psql("app_restored_1a2b3c4d", "SELECT count(*) FROM patients WHERE name = 'written after the switch'"), "1");
        });

        it("restore-new refuses the running database, an existing database of another source, and a failed restore leaves no target", () => {
            const f = fixture("restore-new-refused");
            assert.equal(script(["run"], scriptEnv(f, { UPLOADS_BUCKET: "" })).status, 0);
            const running = tableDigest("app", "patients");
            const intoRunning = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app" }));
            assert.notEqual(intoRunning.status, 0);
            assert.match(intoRunning.stderr, /is the running database app; a restore always makes a new one/);
            psql("postgres", "CREATE DATABASE app_restored_other");
            psql("app_restored_other", "CREATE TABLE keep (id int); INSERT INTO keep VALUES (1)");
            const other = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_other" }));
            assert.notEqual(other.status, 0);
            assert.match(other.stderr, /exists and was not restored from restic:latest; it is never overwritten/);
            assert.equal(psql("app_restored_other", "SELECT count(*) FROM keep"), "1");
            const missing = script(["restore-new", "restic", "deadbeef"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_missing" }));
            assert.notEqual(missing.status, 0);
            assert.equal(psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'app_restored_missing%'"), "0");
            assert.equal(tableDigest("app", "patients"), running);
        });

        it("restore-new makes a NEW database from a dump file (custom format and plain SQL)", () => {
            const f = fixture("restore-new-dump");
            const custom = path.join(dir, "app.dump");
            execFileSync("pg_dump", ["-Fc", "-f", custom, "-d", "app"], { env: pgEnv(), timeout: 60_000 });
            const plain = path.join(dir, "app.sql");
            execFileSync("pg_dump", ["--no-owner", "-f", plain, "-d", "app"], { env: pgEnv(), timeout: 60_000 });
            const want = tableDigest("app", "patients");
            for (const [file, db] of [
                [custom, "app_restored_custom"],
                [plain, "app_restored_plain"],
            ]) {
                const r = script(["restore-new", "dump", file], scriptEnv(f, { RESTORE_DATABASE: db }));
                assert.equal(r.status, 0, r.stderr);
                assert.equal(tableDigest(db, "patients"), want, db);
            }
        });

        // Review of issue 16, minor: `restic:latest` is the newest dump WITH a manifest of its run, as the
        // drill picks (ops/drill.ts pickSnapshots); a run that failed after storing its dump is passed over.
        it("restore-new restic:latest passes over a newer dump of a failed run (no manifest)", () => {
            const f = fixture("restore-new-latest");
            assert.equal(script(["run"], scriptEnv(f, { UPLOADS_BUCKET: "" })).status, 0);
            const want = tableDigest("app", "patients");
            // A later run that stored its dump and died before its manifest: a dump pg_restore cannot read.
            const later = new Date(Date.now() + 3_600_000).toISOString().replace("T", " ").slice(0, 19);
            restic(
                f.repo,
                ["backup", "--host", "alicerce", "--tag", "postgres", "--stdin", "--stdin-filename", "app.dump", "--time", later],
                crypto.randomBytes(4096),
            );
            const r = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_latest" }));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(tableDigest("app_restored_latest", "patients"), want);
        });

        // Review of issue 16, B1: with alicerce:useRestoredDatabase the scheduler dumps the restored database
        // (PGDATABASE=app_restored_<slug>), so its snapshots hold app_restored_<slug>.dump; a restore from them
        // (the restore container still names the stack's own database) reads the dump the snapshot holds.
        it("after the switch the nightly run dumps the restored database, and restore-new restores from those snapshots", () => {
            const f = fixture("restore-new-follow");
            psql("postgres", "CREATE DATABASE app_restored_0f0f0f0f TEMPLATE app");
            psql("app_restored_0f0f0f0f", "INSERT INTO patients (name) VALUES ('written to the restored database')");
            const run = script(["run"], scriptEnv(f, { UPLOADS_BUCKET: "", PGDATABASE: "app_restored_0f0f0f0f" }));
            assert.equal(run.status, 0, run.stderr);
            const dumps = snapshots(f.repo).filter((x) => x.tags?.includes("postgres"));
            assert.deepEqual(dumps[0].paths, ["/app_restored_0f0f0f0f.dump"]);
            const r = script(["restore-new", "restic", "latest"], scriptEnv(f, { RESTORE_DATABASE: "app_restored_1e1e1e1e" }));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(tableDigest("app_restored_1e1e1e1e", "patients"), tableDigest("app_restored_0f0f0f0f", "patients"));
            assert.equal(psql("app_restored_1e1e1e1e", "SELECT count(*) FROM patients WHERE name = 'written to the restored database'"), "1");
        });

        // Review of issue 16, M4: `gzip -dc f | psql -1` commits whatever a truncated file holds (a pipeline's
        // status is its last command's: POSIX Shell Command Language 2.9.2 Pipelines,
        // https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#tag_19_09_02). gzip -t
        // checks the stream and its CRC (https://www.gnu.org/software/gzip/manual/gzip.html#Invoking-gzip);
        // pg_dump ends a plain dump with "-- PostgreSQL database dump complete" (src/bin/pg_dump/pg_backup_archiver.c).
        it("restore-new refuses a truncated .sql.gz or .sql dump and leaves no target", () => {
            const f = fixture("restore-new-truncated");
            const plain = path.join(dir, "full.sql");
            execFileSync("pg_dump", ["--no-owner", "-f", plain, "-d", "app"], { env: pgEnv(), timeout: 60_000 });
            const text = fs.readFileSync(plain, "utf8");
            // Cut after the patients' data (committed by psql -1 as far as it goes), before the visits.
            const cut = text.slice(0, text.indexOf("COPY public.visits"));
            assert.ok(cut.length > 1000 && cut.includes("COPY public.patients"));
            const gz = path.join(dir, "truncated.sql.gz");
            const whole = execFileSync("gzip", ["-c"], { input: text });
            fs.writeFileSync(gz, whole.subarray(0, Math.floor(whole.length * 0.6)));
            const sql = path.join(dir, "truncated.sql");
            fs.writeFileSync(sql, cut);
            // A gzip file that is complete but holds a truncated dump.
            const gzCut = path.join(dir, "cut.sql.gz");
            fs.writeFileSync(gzCut, execFileSync("gzip", ["-c"], { input: cut }));
            for (const [file, db] of [
                [gz, "app_restored_trunc_gz"],
                [sql, "app_restored_trunc_sql"],
                [gzCut, "app_restored_cut_gz"],
            ]) {
                const r = script(["restore-new", "dump", file], scriptEnv(f, { RESTORE_DATABASE: db }));
                assert.notEqual(r.status, 0, `${file} was restored as complete`);
                assert.match(r.stderr, /gzip -t failed|dump complete/);
                assert.equal(psql("postgres", `SELECT count(*) FROM pg_database WHERE datname LIKE '${db}%'`), "0", db);
            }
            // The whole file still restores.
            const ok = path.join(dir, "whole.sql.gz");
            fs.writeFileSync(ok, whole);
            const r = script(["restore-new", "dump", ok], scriptEnv(f, { RESTORE_DATABASE: "app_restored_whole_gz" }));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(tableDigest("app_restored_whole_gz", "visits"), tableDigest("app", "visits"));
        });

        /** A repository holding dumps of earlier days (`[days ago, hour UTC]`), which forget may prune. */
        function seedDays(f: ReturnType<typeof fixture>, days: readonly (readonly [number, number])[]) {
            if (!fs.existsSync(f.repo)) restic(f.repo, ["init"]);
            for (const [ago, hour] of days) {
                const at = new Date(dayStart(ago) + hour * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
                restic(
                    f.repo,
                    ["backup", "--host", "alicerce", "--tag", "postgres", "--stdin", "--stdin-filename", "app.dump", "--time", at],
                    crypto.randomBytes(2048),
                );
            }
        }
        /** Midnight UTC, `ago` days before today. */
        const dayStart = (ago: number) => Math.floor(Date.now() / DAY_MS) * DAY_MS - ago * DAY_MS;

        // The fix for "(run) || log": in that context `set -e` is ignored inside run, so a dead
        // database produced an empty dump that was uploaded, pruning ran and last-success was
        // touched. POSIX, Shell Command Language 2.14 `set -e`: "...the -e setting shall be
        // ignored when executing the compound list following ... || ..."
        // https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#set
        it("scheduler: a night with the database unreachable adds nothing, prunes nothing, records no success, turns unhealthy", () => {
            const f = fixture("schedule-dbdown");
            seedDays(f, [
                [5, 3],
                [4, 3],
                [3, 3],
            ]);
            const before = snapshots(f.repo)
                .map((s) => s.id)
                .sort();
            const packsBefore = listFiles(f.repo);
            // `sleep` returns at once the first time (the night has come) and fails the second, ending the loop.
            const bin = path.join(f.state, "..", "bin");
            fs.mkdirSync(bin);
            const counter = path.join(bin, "count");
            fs.writeFileSync(
                path.join(bin, "sleep"),
                `#!/bin/sh\nn=$(cat '${counter}' 2>/dev/null || echo 0)\necho $((n + 1)) >'${counter}'\n[ "$n" -eq 0 ]\n`,
                { mode: 0o755 },
            );
            const closedPort = String(port === 1 ? 2 : 1);
            const r = script(["schedule"], scriptEnv(f, { PATH: `${bin}:${process.env.PATH}`, PGPORT: closedPort, RETENTION_DAYS: "1" }));
            assert.equal(fs.readFileSync(counter, "utf8").trim(), "2", `the scheduler did not run one night: ${r.stderr}`);
            assert.ok(!fs.existsSync(path.join(f.state, "last-success")), "last-success after a failed night");
            assert.notEqual(health(f.state), 0, "healthy after a failed night");
            assert.deepEqual(
                snapshots(f.repo)
                    .map((s) => s.id)
                    .sort(),
                before,
                "the repository's snapshots changed",
            );
            assert.deepEqual(
                listFiles(f.repo).filter((p) => !p.startsWith("locks/")),
                packsBefore,
                "files were added to or pruned from the repository",
            );
            assert.match(r.stderr, /pg_dump failed[\s\S]*backup FAILED/);
        });

        it("scheduler: a good night stores snapshots, prunes past retention and records success", () => {
            const f = fixture("schedule-ok");
            seedDays(f, [
                [5, 3],
                [4, 3],
                [3, 3],
            ]);
            const bin = path.join(f.state, "..", "bin");
            fs.mkdirSync(bin);
            const counter = path.join(bin, "count");
            fs.writeFileSync(
                path.join(bin, "sleep"),
                `#!/bin/sh\nn=$(cat '${counter}' 2>/dev/null || echo 0)\necho $((n + 1)) >'${counter}'\n[ "$n" -eq 0 ]\n`,
                { mode: 0o755 },
            );
            const r = script(["schedule"], scriptEnv(f, { PATH: `${bin}:${process.env.PATH}`, RETENTION_DAYS: "2" }));
            assert.equal(fs.readFileSync(counter, "utf8").trim(), "2", r.stderr);
            const kinds = snapshots(f.repo)
                .map((s) => s.tags?.join(","))
                .sort();
            assert.deepEqual(
                kinds,
                ["manifest", "postgres", "postgres", "uploads"],
                "keep-daily 2: today's and the latest earlier day's dumps, and today's uploads and manifest",
            );
            assert.ok(fs.existsSync(path.join(f.state, "last-success")));
            assert.equal(health(f.state), 0);
        });

        it("run: the database unreachable leaves the repository untouched, no last-success, health non-zero", () => {
            const f = fixture("dbdown");
            seedDays(f, [
                [3, 3],
                [2, 3],
            ]);
            const before = snapshots(f.repo)
                .map((s) => s.id)
                .sort();
            const filesBefore = listFiles(f.repo);
            // A success from yesterday's run: the failure must still turn health red at once.
            fs.writeFileSync(path.join(f.state, "last-success"), "");
            const stamp = fs.statSync(path.join(f.state, "last-success")).mtimeMs;
            const r = script(["run"], scriptEnv(f, { PGPORT: String(port === 1 ? 2 : 1), RETENTION_DAYS: "1" }));
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /pg_dump failed/);
            assert.deepEqual(
                snapshots(f.repo)
                    .map((s) => s.id)
                    .sort(),
                before,
            );
            assert.deepEqual(
                listFiles(f.repo).filter((p) => !p.startsWith("locks/")),
                filesBefore,
            );
            assert.equal(fs.statSync(path.join(f.state, "last-success")).mtimeMs, stamp, "last-success was touched");
            assert.notEqual(health(f.state), 0);
            assert.deepEqual(
                fs.readdirSync(f.work).filter((e) => e.startsWith("run.")),
                [],
                "the scratch directory was not cleaned",
            );
        });

        it("run: a wrong database password fails the same way", () => {
            const f = fixture("dbauth");
            const r = script(["run"], scriptEnv(f, { PGPASSWORD: "not-the-password" }));
            assert.notEqual(r.status, 0);
            assert.ok(!fs.existsSync(f.repo), "a repository was created although nothing was dumped");
            assert.ok(!fs.existsSync(path.join(f.state, "last-success")));
            assert.notEqual(health(f.state), 0);
        });

        it("run: an unreachable repository fails, records no success, health non-zero", () => {
            const f = fixture("repodown");
            // A repository path below a regular file can be neither opened nor created.
            const blocker = path.join(f.state, "..", "not-a-dir");
            fs.writeFileSync(blocker, "");
            const r = script(["run"], scriptEnv(f, { RESTIC_REPOSITORY: path.join(blocker, "repo") }));
            assert.notEqual(r.status, 0);
            assert.ok(!fs.existsSync(path.join(f.state, "last-success")));
            assert.notEqual(health(f.state), 0);
            assert.deepEqual(
                fs.readdirSync(f.work).filter((e) => e.startsWith("run.")),
                [],
                "the dump was left in the scratch directory",
            );
        });

        it("run: a wrong repository password fails and never creates a second repository", () => {
            const f = fixture("repopass");
            seedDays(f, [[1, 3]]);
            const filesBefore = listFiles(f.repo);
            const wrong = path.join(f.state, "..", "wrong-password");
            fs.writeFileSync(wrong, "not-the-password", { mode: 0o600 });
            const r = script(["run"], scriptEnv(f, { RESTIC_PASSWORD_FILE: wrong }));
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /cannot open the restic repository/);
            assert.deepEqual(
                listFiles(f.repo).filter((p) => !p.startsWith("locks/")),
                filesBefore,
            );
            assert.ok(!fs.existsSync(path.join(f.state, "last-success")));
        });

        it("run: retention keeps one snapshot per day for RETENTION_DAYS days, per kind", () => {
            const f = fixture("retention");
            // Six earlier days, two snapshots on one of them.
            seedDays(f, [
                [9, 3],
                [8, 3],
                [7, 3],
                [6, 3],
                [5, 1],
                [5, 3],
                [2, 3],
            ]);
            const r = script(["run"], scriptEnv(f, { RETENTION_DAYS: "4" }));
            assert.equal(r.status, 0, r.stderr);
            const day = (s: Snapshot) => s.time.slice(0, 10);
            const dumps = snapshots(f.repo).filter((s) => s.tags?.includes("postgres"));
            const expected = [0, 2, 5, 6].map((ago) => new Date(dayStart(ago)).toISOString().slice(0, 10));
            assert.deepEqual(dumps.map(day).sort(), expected.sort(), "keep-daily 4 keeps the newest snapshot of each of the last 4 days that have one");
            assert.equal(snapshots(f.repo).filter((s) => s.tags?.includes("uploads")).length, 1);
        });

        it("run: refuses a retention that is not a whole number of days", () => {
            const f = fixture("badretention");
            const r = script(["run"], scriptEnv(f, { RETENTION_DAYS: "0" }));
            assert.equal(r.status, 1);
            assert.match(r.stderr, /RETENTION_DAYS "0" is not a whole number of days/);
            assert.ok(!fs.existsSync(f.repo));
        });
    });
});
