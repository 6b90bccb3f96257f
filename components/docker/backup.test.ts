import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.join(__dirname, "backup", "backup.sh");
const PG_BIN = ["17", "16", "15"].map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(path.join(d, "initdb")));

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
function asPostgres(cmd: string, args: string[], input?: string): string {
    return execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { input, encoding: "utf8", timeout: 60_000, stdio: ["pipe", "pipe", "pipe"] });
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
        assert.match(r.stderr, /usage: backup.sh run\|schedule\|setup\|health/);
    });

    describe("against a real PostgreSQL", function () {
        this.timeout(120_000);
        let dir = "";
        let port = 0;
        const password = crypto.randomBytes(18).toString("base64url");
        let started = false;

        before(async () => {
            assert.ok(PG_BIN, "PostgreSQL server binaries not found; apt-get install -y postgresql");
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-backup-"));
            fs.chmodSync(dir, 0o755);
            const data = path.join(dir, "data");
            fs.mkdirSync(data);
            fs.chownSync(data, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })));
            const pwfile = path.join(data, "..", "pw");
            fs.writeFileSync(pwfile, password + "\n", { mode: 0o644 });
            port = await freePort();
            asPostgres(`${PG_BIN}/initdb`, ["-D", data, "-U", "app", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "--no-sync"]);
            fs.rmSync(pwfile);
            asPostgres(`${PG_BIN}/pg_ctl`, ["-D", data, "-l", path.join(data, "server.log"), "-w", "-t", "30", "-o", `-p ${port} -k ${data} -c listen_addresses=127.0.0.1`, "start"]);
            started = true;
        });

        after(() => {
            if (started) spawnSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", path.join(dir, "data"), "-m", "immediate", "-w", "-t", "30", "stop"], { timeout: 40_000 });
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        const env = (extra: Record<string, string> = {}) => ({
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            PGHOST: "127.0.0.1",
            PGPORT: String(port),
            PGUSER: "app",
            PGPASSWORD: password,
            PGDATABASE: "app",
            ...extra,
        });
        const psql = (db: string, sql: string) =>
            execFileSync("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], { env: env(), encoding: "utf8", timeout: 30_000 }).trim();

        it("dumps the database and the uploads; the dump restores into a fresh database with equal row counts", () => {
            psql("postgres", "CREATE DATABASE app");
            psql("app", "CREATE TABLE patients (id serial PRIMARY KEY, name text NOT NULL); CREATE TABLE visits (id serial PRIMARY KEY, patient_id int REFERENCES patients(id), at timestamptz DEFAULT now())");
            psql("app", "INSERT INTO patients (name) SELECT 'p' || g FROM generate_series(1, 1234) g; INSERT INTO visits (patient_id) SELECT 1 + g % 1234 FROM generate_series(1, 5678) g");

            const uploads = path.join(dir, "uploads");
            fs.mkdirSync(path.join(uploads, "avatars"), { recursive: true });
            fs.writeFileSync(path.join(uploads, "avatars", "1.txt"), "an upload");
            const target = path.join(dir, "target");
            const state = path.join(dir, "state");
            fs.mkdirSync(state);
            // An old copy past the 30 days and a recent one: only the old one goes.
            fs.mkdirSync(path.join(target, "postgres"), { recursive: true });
            const old = path.join(target, "postgres", "app-20000101T030000Z.dump");
            const recent = path.join(target, "postgres", "app-recent.dump");
            fs.writeFileSync(old, "old");
            fs.writeFileSync(recent, "recent");
            const day = 86_400;
            fs.utimesSync(old, Date.now() / 1000 - 31 * day, Date.now() / 1000 - 31 * day);
            fs.utimesSync(recent, Date.now() / 1000 - 29 * day, Date.now() / 1000 - 29 * day);

            const r = spawnSync("sh", [SCRIPT, "run"], {
                env: env({ BACKUP_TARGET: `dir:${target}`, UPLOADS_SOURCE: `dir:${uploads}`, WORK_DIR: path.join(dir, "work"), STATE_DIR: state, RETENTION_DAYS: "30" }),
                encoding: "utf8",
                timeout: 60_000,
            });
            assert.equal(r.status, 0, r.stderr);
            assert.ok(!r.stderr.includes(password), "the script logged the password");

            const dumps = fs.readdirSync(path.join(target, "postgres")).filter((f) => /^app-\d{8}T\d{6}Z\.dump$/.test(f));
            assert.equal(dumps.length, 1, `expected one new dump, found ${fs.readdirSync(path.join(target, "postgres")).join(", ")}`);
            assert.ok(!fs.existsSync(old), "a copy older than RETENTION_DAYS was kept");
            assert.ok(fs.existsSync(recent), "a copy within RETENTION_DAYS was pruned");
            const sum = fs.readFileSync(path.join(target, "postgres", `${dumps[0]}.sha256`), "utf8");
            execFileSync("sha256sum", ["-c", "-"], { cwd: path.join(target, "postgres"), input: sum, timeout: 10_000 });

            const archives = fs.readdirSync(path.join(target, "uploads"));
            assert.equal(archives.length, 1);
            const listing = execFileSync("tar", ["-tzf", path.join(target, "uploads", archives[0])], { encoding: "utf8" });
            assert.match(listing, /avatars\/1\.txt/);
            assert.deepEqual(fs.readdirSync(path.join(dir, "work")), [], "the scratch directory was not cleaned");

            psql("postgres", "CREATE DATABASE restored");
            execFileSync("pg_restore", ["--no-owner", "--exit-on-error", "-d", "restored", path.join(target, "postgres", dumps[0])], { env: env(), timeout: 60_000 });
            for (const table of ["patients", "visits"]) {
                const counts = ["app", "restored"].map((db) => Number(psql(db, `SELECT count(*) FROM ${table}`)));
                assert.equal(counts[1], counts[0], `${table}: ${counts[1]} rows restored of ${counts[0]}`);
                assert.ok(counts[0] > 1000);
            }

            assert.equal(spawnSync("sh", [SCRIPT, "health"], { env: env({ STATE_DIR: state }), timeout: 10_000 }).status, 0, "healthy right after a backup");
            const empty = fs.mkdtempSync(path.join(dir, "empty-"));
            assert.equal(spawnSync("sh", [SCRIPT, "health"], { env: env({ STATE_DIR: empty }), timeout: 10_000 }).status, 1, "healthy without any backup or scheduler");
        });

        it("fails, and records no success, when the database is unreachable", () => {
            const state = fs.mkdtempSync(path.join(dir, "state-"));
            const r = spawnSync("sh", [SCRIPT, "run"], {
                env: env({ PGPORT: "1", BACKUP_TARGET: `dir:${path.join(dir, "target2")}`, UPLOADS_SOURCE: "none", WORK_DIR: path.join(dir, "work2"), STATE_DIR: state }),
                encoding: "utf8",
                timeout: 60_000,
            });
            assert.notEqual(r.status, 0);
            assert.ok(!fs.existsSync(path.join(state, "last-success")));
            assert.ok(!fs.existsSync(path.join(dir, "target2", "postgres")), "a failed dump was uploaded");
        });
    });
});
