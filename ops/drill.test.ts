import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { drill, pickSnapshots, type Snapshot } from "./drill";
import { LocalS3, seedSql } from "./lib/local-servers";
import { listFiles, rclone, rcloneRemote } from "./lib/objects";
import { BACKUP_SCRIPT, clientEnv, compareDigests, digestDatabase, parseManifest, psql, ScratchCluster } from "./lib/postgres";
import { run } from "./lib/proc";

// The restore drill, end to end with real parts only: a real PostgreSQL holding
// several tables (bytea, jsonb, numeric, timestamptz, a second schema), uploads
// in an S3-compatible store (s3rver), the real backup.sh with Debian's restic
// into an encrypted repository in a second S3-compatible store (s3rver over
// HTTPS), then the database dropped and the bucket emptied, and `npm run drill`'s
// code restoring from the repository alone.
// pg_dump --snapshot and pg_export_snapshot(): https://www.postgresql.org/docs/current/app-pgdump.html,
// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION
// restic backup --time, dump, restore: https://restic.readthedocs.io/en/stable/040_backup.html,
// https://restic.readthedocs.io/en/stable/050_restore.html

/** An independent checksum (not backup.sh's): every row's text in key order, per table, and its count. */
async function ordered(pg: ScratchCluster["pg"]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [table, key] of [
        ["customers", "id"],
        ["documents", "id"],
        ["events", "id"],
        ["billing.invoices", "number"],
        ["empty_table", "id"],
    ]) {
        out[table] = await psql(
            pg,
            `SET bytea_output = 'hex'; SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.${key})), '-') FROM ${table} t`,
        );
    }
    return out;
}

describe("npm run drill (restore drill against real PostgreSQL, restic and S3-compatible stores)", function () {
    this.timeout(300_000);
    let db: ScratchCluster;
    let store: LocalS3;
    let backups: LocalS3;
    let dir = "";
    const resticPassword = crypto.randomBytes(24).toString("base64url");
    const savedEnv = { ...process.env };
    let repository = "";
    let storeRemote: Record<string, string> = {};
    let original: Record<string, string> = {};
    let originalObjects = new Map<string, string>();
    const marker = `marker-${crypto.randomBytes(8).toString("hex")}`;

    const sha = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    async function bucketObjects(bucket: string): Promise<Map<string, string>> {
        const copy = fs.mkdtempSync(path.join(dir, "copy-"));
        await rclone(["copy", `store:${bucket}`, copy], storeRemote);
        const out = new Map<string, string>();
        for (const f of listFiles(copy)) out.set(f, sha(path.join(copy, f)));
        fs.rmSync(copy, { recursive: true });
        return out;
    }
    const backupEnv = (): NodeJS.ProcessEnv =>
        clientEnv(db.pg, {
            RESTIC_REPOSITORY: repository,
            RESTIC_PASSWORD: resticPassword,
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            SSL_CERT_FILE: backups.certFile,
            UPLOADS_BUCKET: "alicerce-uploads",
            ...storeRemote,
            WORK_DIR: path.join(dir, "work"),
            STATE_DIR: path.join(dir, "state"),
            BACKUP_HOST: "alicerce-vps-example",
            CHECK_SUBSET: "100%",
            // rclone 1.60's S3 backend fails on a custom AWS_CA_BUNDLE (this machine sets one); the image has none.
            AWS_CA_BUNDLE: "",
        });

    before(async () => {
        assert.match(execFileSync("restic", ["version"], { encoding: "utf8" }), /^restic \d/, "restic not found; apt-get install -y restic");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-drill-test-"));
        db = await ScratchCluster.start();
        await psql(db.pg, seedSql(2) + `INSERT INTO customers (name, profile) VALUES ('${marker}', '{}');`);
        store = await LocalS3.start(path.join(dir, "store"), { buckets: ["alicerce-uploads"] });
        backups = await LocalS3.start(path.join(dir, "backups"), { tls: true, buckets: ["acme-backups"] });
        repository = `s3:${backups.endpoint}/acme-backups/vps`;
        storeRemote = {
            ...rcloneRemote("store", {
                endpoint: store.endpoint,
                bucket: "alicerce-uploads",
                provider: "Other",
                accessKeyId: "S3RVER",
                secretAccessKey: "S3RVER",
            }),
        };
        const files = path.join(dir, "files");
        for (let i = 0; i < 25; i++) {
            const key = i % 5 === 0 ? `avatars/user ${i}.png` : `docs/contract ${i}.pdf`;
            fs.mkdirSync(path.dirname(path.join(files, key)), { recursive: true });
            fs.writeFileSync(path.join(files, key), crypto.randomBytes(1000 + i * 7919));
        }
        await rclone(["copy", files, "store:alicerce-uploads"], storeRemote);

        // The nightly backup, for real.
        await run("sh", [BACKUP_SCRIPT, "run"], { env: backupEnv() });
        original = await ordered(db.pg);
        originalObjects = await bucketObjects("alicerce-uploads");
        assert.equal(originalObjects.size, 25);
        assert.equal(original.customers.split(" ")[0], "2001");

        // Wipe: the database dropped and made again empty, every object deleted, the backup job's copy gone.
        await psql({ ...db.pg, PGDATABASE: "postgres" }, "DROP DATABASE app; CREATE DATABASE app;");
        await rclone(["delete", "store:alicerce-uploads"], storeRemote);
        fs.rmSync(path.join(dir, "work"), { recursive: true, force: true });
        assert.equal(await psql(db.pg, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), "0");
        assert.equal((await bucketObjects("alicerce-uploads")).size, 0);

        Object.assign(process.env, {
            RESTIC_PASSWORD: resticPassword,
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            SSL_CERT_FILE: backups.certFile,
        });
    });

    after(async () => {
        for (const k of ["RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SSL_CERT_FILE", "DRILL_TARGET_URL"]) {
            if (savedEnv[k] === undefined) delete process.env[k];
            else process.env[k] = savedEnv[k];
        }
        await db?.stop();
        store?.stop();
        backups?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the repository is encrypted: no object in the backup bucket holds the marker row", () => {
        const root = path.join(dir, "backups", "data");
        let files = 0;
        for (const f of listFiles(root)) {
            files++;
            assert.ok(!fs.readFileSync(path.join(root, f)).includes(marker), `${f} holds plain text from the database`);
        }
        assert.ok(files > 5, `only ${files} files in the backup bucket`);
    });

    it("restores the wiped database and uploads from the backup alone: equal counts and checksums, every step timed", async () => {
        process.env.DRILL_TARGET_URL = `postgres://${db.pg.PGUSER}:${db.pg.PGPASSWORD}@127.0.0.1:${db.pg.PGPORT}/app`;
        const uploads = path.join(dir, "restored-uploads");
        const lines: string[] = [];
        const report = await drill(
            ["--repository", repository, "--database-url-env", "DRILL_TARGET_URL", "--uploads-dir", uploads, "--host", "alicerce-vps-example"],
            (l) => lines.push(l),
        );
        assert.deepEqual(report.differences, []);
        assert.equal(report.ok, true);
        assert.equal(report.tables, 5);
        assert.equal(report.objects, 25);
        // Independently of backup.sh's checksums: every row, in key order, equal to the original.
        assert.deepEqual(await ordered(db.pg), original);
        // The objects: each file's sha256 equal to the original object's; copied back, the bucket equals the original.
        const restored = new Map<string, string>();
        for (const f of listFiles(uploads)) restored.set(f, sha(path.join(uploads, f)));
        assert.deepEqual(restored, originalObjects);
        await rclone(["copy", uploads, "store:alicerce-uploads"], storeRemote);
        assert.deepEqual(await bucketObjects("alicerce-uploads"), originalObjects);
        // The time of each step is printed, and the total.
        for (const step of [
            "read the dump from the repository",
            "restore the database (pg_restore, one transaction)",
            "checksum every table",
            "restore the uploaded files",
            "checksum every object",
        ]) {
            assert.ok(
                lines.some((l) => new RegExp(`^  ${step.replace(/[()]/g, "\\$&")}: \\d+\\.\\d\\d s$`).test(l)),
                `no time printed for "${step}":\n${lines.join("\n")}`,
            );
        }
        assert.ok(
            lines
                .join("\n")
                .split("\n")
                .some((l) => /^total\s+\d+\.\d\d s$/.test(l)),
            lines.join("\n"),
        );
        assert.ok(!lines.join("\n").includes(resticPassword) && !lines.join("\n").includes(db.pg.PGPASSWORD!), "a password was printed");
    });

    it("into a scratch PostgreSQL of its own by default, leaving nothing behind", async () => {
        const json = path.join(dir, "report.json");
        const before = fs.readdirSync(os.tmpdir()).filter((e) => e.startsWith("alicerce-pg-") || e.startsWith("alicerce-drill-")).length;
        const report = await drill(["--repository", repository, "--json", json], () => undefined);
        assert.equal(report.ok, true, report.differences.join("\n"));
        assert.equal(report.rows, 2001 + 800 + 6000 + 400);
        assert.deepEqual(JSON.parse(fs.readFileSync(json, "utf8")).ok, true);
        assert.equal(fs.readdirSync(os.tmpdir()).filter((e) => e.startsWith("alicerce-pg-") || e.startsWith("alicerce-drill-")).length, before);
    });

    it("latest: a newer dump whose run stored no manifest (a run that failed after the dump) is passed over for the newest dump with one", async () => {
        // backup.sh run stores the dump, then the uploads, then the manifest, each a restic snapshot of the same --time;
        // a run that fails in between leaves a dump alone. https://restic.readthedocs.io/en/stable/040_backup.html (--time, --tag)
        const restic = (args: string[], input?: string) => run("restic", args, { env: backupEnv(), input });
        const before = JSON.parse(await restic(["snapshots", "--json"])) as Snapshot[];
        const good = before.find((s) => s.tags?.includes("postgres"))!;
        const later = new Date(Date.parse(good.time) + 3_600_000).toISOString().replace("T", " ").slice(0, 19);
        await restic(
            ["backup", "--host", "alicerce-vps-example", "--tag", "postgres", "--time", later, "--stdin", "--stdin-filename", "app.dump"],
            "not a dump",
        );
        const orphan = (JSON.parse(await restic(["snapshots", "--json"])) as Snapshot[]).find((s) => !before.some((b) => b.id === s.id))!;
        try {
            const report = await drill(["--repository", repository], () => undefined);
            assert.equal(report.ok, true, report.differences.join("\n"));
            assert.equal(report.snapshot.id, good.id);
            // Named explicitly, the orphan is refused with the reason.
            await assert.rejects(
                drill(["--repository", repository, "--snapshot", orphan.short_id], () => undefined),
                new RegExp(`snapshot ${orphan.short_id} \\(.*\\) has no manifest`),
            );
        } finally {
            await restic(["forget", orphan.id]);
        }
    });

    it("refuses to restore into a database that holds tables", async () => {
        process.env.DRILL_TARGET_URL = `postgres://${db.pg.PGUSER}:${db.pg.PGPASSWORD}@127.0.0.1:${db.pg.PGPORT}/app`;
        const rowsBefore = await ordered(db.pg);
        await assert.rejects(
            drill(["--repository", repository, "--database-url-env", "DRILL_TARGET_URL"], () => undefined),
            /already has 5 tables \(9201 rows\); the drill restores only into an empty database/,
        );
        assert.deepEqual(await ordered(db.pg), rowsBefore);
    });

    it("fails, naming each difference, when the restored data differs from the manifest", async () => {
        // The run's manifest replaced by one recording a different count and a different object.
        const restic = (args: string[], input?: string) => run("restic", args, { env: backupEnv(), input });
        const snaps = JSON.parse(await restic(["snapshots", "--json"])) as { id: string; time: string; tags: string[] }[];
        const manifest = snaps.find((s) => s.tags.includes("manifest"))!;
        const text = await restic(["dump", manifest.id, "/manifest.tsv"]);
        const parsed = parseManifest(text);
        assert.equal(parsed.tables.get("public.events")!.rows, 6000);
        const key = [...parsed.objects.keys()][3];
        const altered = text.replace("\tpublic.events\t6000\t", "\tpublic.events\t6001\t").replace(parsed.objects.get(key)!, "0".repeat(64));
        await restic(["forget", manifest.id]);
        const at = new Date(manifest.time).toISOString().replace("T", " ").slice(0, 19);
        await restic(["backup", "--host", "alicerce-vps-example", "--tag", "manifest", "--time", at, "--stdin", "--stdin-filename", "manifest.tsv"], altered);
        const report = await drill(["--repository", repository], () => undefined);
        assert.equal(report.ok, false);
        assert.deepEqual(report.differences, [
            "table public.events: 6000 rows, expected 6001",
            `object ${key}: sha256 ${parsed.objects.get(key)}, expected ${"0".repeat(64)}`,
        ]);
    });

    it("refuses bad input before touching anything, all problems at once", async () => {
        const saved = process.env.RESTIC_PASSWORD;
        delete process.env.RESTIC_PASSWORD;
        try {
            await assert.rejects(
                drill(["--bogus", "--uploads-dir", __dirname], () => undefined),
                (err: Error) => {
                    assert.match(err.message, /--bogus: unknown flag/);
                    assert.match(err.message, /--repository: not set/);
                    assert.match(err.message, /RESTIC_PASSWORD: not set/);
                    assert.match(err.message, /--uploads-dir: .* is not empty/);
                    return true;
                },
            );
        } finally {
            process.env.RESTIC_PASSWORD = saved;
        }
    });
});

describe("pickSnapshots", () => {
    const snap = (id: string, time: string, tag: string, host = "h"): Snapshot => ({
        id: id.padEnd(64, "0"),
        short_id: id,
        time,
        host,
        tags: [tag],
        paths: [`/${tag}`],
    });
    it("latest is the newest dump with a manifest of the same time and host; none at all is told apart from none verifiable", () => {
        const all = [
            snap("d1", "2026-03-01T03:00:00Z", "postgres"),
            snap("m1", "2026-03-01T03:00:00Z", "manifest"),
            snap("u1", "2026-03-01T03:00:00Z", "uploads"),
            snap("d2", "2026-03-02T03:00:00Z", "postgres"),
            snap("m2", "2026-03-02T03:00:00Z", "manifest", "other"),
            snap("d3", "2026-03-03T03:00:00Z", "postgres"),
        ];
        const p = pickSnapshots(all, "latest");
        assert.deepEqual([p.dump?.short_id, p.manifest?.short_id, p.uploads?.short_id, p.dumps], ["d1", "m1", "u1", 3]);
        assert.deepEqual(pickSnapshots(all, "d3").manifest, undefined);
        assert.deepEqual(
            pickSnapshots(
                all.filter((s) => !s.tags?.includes("manifest")),
                "latest",
            ),
            { dumps: 3 },
        );
        assert.deepEqual(pickSnapshots([], "latest"), { dumps: 0 });
    });
});

describe("compareDigests", () => {
    const t = (rows: number, checksum: string) => ({ rows, checksum });
    it("names every missing, extra and changed table and object", () => {
        const expected = {
            tables: new Map([
                ["public.a", t(2, "1")],
                ["public.b", t(1, "2")],
            ]),
            objects: new Map([
                ["k1", "aa"],
                ["k2", "bb"],
            ]),
        };
        assert.deepEqual(
            compareDigests(expected, {
                tables: new Map([
                    ["public.a", t(2, "1")],
                    ["public.b", t(1, "2")],
                ]),
                objects: new Map([
                    ["k1", "aa"],
                    ["k2", "bb"],
                ]),
            }),
            [],
        );
        assert.deepEqual(
            compareDigests(expected, {
                tables: new Map([
                    ["public.a", t(2, "9")],
                    ["public.c", t(0, "0")],
                ]),
                objects: new Map([
                    ["k1", "ab"],
                    ["k3", "cc"],
                ]),
            }),
            [
                "table public.a: 2 rows as expected, but their checksum differs",
                "table public.b: missing (expected 1 rows)",
                "table public.c: not in the source",
                "object k1: sha256 ab, expected aa",
                "object k2: missing",
                "object k3: not in the source",
            ],
        );
    });

    it("backup.sh dump: the manifest describes the dump exactly while writes go on (one exported snapshot)", async function () {
        this.timeout(120_000);
        const [c, copy] = await Promise.all([ScratchCluster.start(), ScratchCluster.start()]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-consistent-"));
        try {
            await psql(c.pg, seedSql(1) + "SELECT lo_from_bytea(0, decode(repeat('ab', 5000), 'hex'));");
            // A writer inserting and updating rows every few milliseconds for the whole dump.
            const writer = run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1"], {
                env: clientEnv(c.pg),
                input: "DO $$ BEGIN FOR i IN 1..4000 LOOP INSERT INTO events (at, kind) VALUES (now(), 'w'); UPDATE customers SET name = name || '.' WHERE id = 1 + i % 1000; COMMIT; PERFORM pg_sleep(0.002); END LOOP; END $$;",
            });
            await new Promise((r) => setTimeout(r, 1000));
            await run("sh", [BACKUP_SCRIPT, "dump", path.join(dir, "d.dump"), path.join(dir, "m.tsv")], { env: clientEnv(c.pg) });
            const during = await psql(c.pg, "SELECT count(*) FROM events");
            await writer;
            const after = await psql(c.pg, "SELECT count(*) FROM events");
            assert.ok(Number(after) > Number(during), "the writer had stopped before the dump ended: nothing proven");
            await run("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "-d", "app", path.join(dir, "d.dump")], {
                env: clientEnv(copy.pg),
            });
            const manifest = parseManifest(fs.readFileSync(path.join(dir, "m.tsv"), "utf8"));
            // Tables and large objects exactly; sequences no lower than recorded (they are outside snapshots).
            assert.equal(manifest.largeObjects?.count, 1);
            assert.ok(manifest.sequences.has("public.events_id_seq"));
            assert.deepEqual(compareDigests(manifest, await digestDatabase(copy.pg)), []);
        } finally {
            await Promise.all([c.stop(), copy.stop()]);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("backup.sh digest records sequences and large objects: setval and lo_put change it, and a restore behind them is a difference", async function () {
        // Sequences are not transactional and a table checksum does not see them; large objects live in pg_largeobject.
        // https://www.postgresql.org/docs/current/functions-sequence.html (setval), https://www.postgresql.org/docs/current/lo-funcs.html (lo_put)
        this.timeout(60_000);
        const c = await ScratchCluster.start();
        const digest = async () => parseManifest(await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(c.pg) }));
        try {
            await psql(
                c.pg,
                "CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT 'r' || g FROM generate_series(1, 5) g; SELECT lo_from_bytea(424242, 'original');",
            );
            const a = await digest();
            assert.deepEqual(a.sequences.get("public.t_id_seq"), { lastValue: "5", isCalled: true });
            assert.equal(a.largeObjects?.count, 1);
            await psql(c.pg, "SELECT setval('t_id_seq', 2)");
            const b = await digest();
            assert.deepEqual(b.tables, a.tables);
            assert.deepEqual(compareDigests(a, b), ["sequence public.t_id_seq: at 2, expected at least 5"]);
            await psql(c.pg, "SELECT setval('t_id_seq', 5); SELECT lo_put(424242, 0, 'O')");
            const d = await digest();
            assert.notEqual(d.largeObjects?.checksum, a.largeObjects?.checksum);
            assert.deepEqual(compareDigests(a, d), ["large objects: 1 as expected, but their checksum differs"]);
            // Ahead of the manifest (ids taken while the dump ran) is no difference; a manifest without these lines compares tables only.
            await psql(c.pg, "SELECT lo_put(424242, 0, 'o'); SELECT setval('t_id_seq', 9)");
            assert.deepEqual(compareDigests(a, await digest()), []);
            assert.deepEqual(compareDigests({ tables: a.tables, objects: new Map() }, b), []);
        } finally {
            await c.stop();
        }
    });

    it("backup.sh digest of money is independent of the server's lc_monetary", async function () {
        // money is printed in lc_monetary's format: https://www.postgresql.org/docs/current/datatype-money.html
        this.timeout(120_000);
        const locales = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-locale-"));
        fs.chmodSync(locales, 0o755);
        // A locale of our own (glibc's localedef, LOCPATH), so the test needs no system locale.
        await run("localedef", ["-i", "de_DE", "-f", "UTF-8", path.join(locales, "de_DE.UTF-8")]).catch((err: Error) => {
            if (!fs.existsSync(path.join(locales, "de_DE.UTF-8", "LC_MONETARY"))) throw err;
        });
        const saved = process.env.LOCPATH;
        process.env.LOCPATH = locales;
        let c: ScratchCluster | undefined;
        try {
            c = await ScratchCluster.start();
            await psql(c.pg, "CREATE TABLE m (id int, price money); INSERT INTO m VALUES (1, 1234.5), (2, -0.25);");
            const a = (await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(c.pg) })).trim();
            await psql(c.pg, "ALTER DATABASE app SET lc_monetary = 'de_DE.UTF-8'");
            // The setting took: money prints in German now.
            assert.match(await psql(c.pg, "SELECT price::text FROM m WHERE id = 1"), /1\.234,50/);
            const b = (await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(c.pg) })).trim();
            assert.equal(b, a);
        } finally {
            if (saved === undefined) delete process.env.LOCPATH;
            else process.env.LOCPATH = saved;
            await c?.stop();
            fs.rmSync(locales, { recursive: true, force: true });
        }
    });

    it("backup.sh digest is independent of the server's output settings and of row order", async function () {
        this.timeout(60_000);
        const c = await ScratchCluster.start();
        try {
            await psql(
                c.pg,
                "CREATE TABLE x (id int, b bytea, at timestamptz, f float8); INSERT INTO x VALUES (1, '\\x0102', '2026-01-01T00:00:00Z', 0.1), (2, NULL, now(), 1e300);",
            );
            const a = (await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(c.pg) })).trim();
            await psql(
                c.pg,
                "ALTER DATABASE app SET bytea_output = 'escape'; ALTER DATABASE app SET TimeZone = 'Asia/Tokyo'; ALTER DATABASE app SET DateStyle = 'SQL, DMY'; ALTER DATABASE app SET extra_float_digits = -3;",
            );
            await psql(c.pg, "CREATE TABLE y AS SELECT * FROM x ORDER BY id DESC; DROP TABLE x; ALTER TABLE y RENAME TO x;");
            const b = (await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(c.pg) })).trim();
            assert.equal(b, a);
            assert.match(a, /^table\tpublic\.x\t2\t\d+\nlarge-objects\t0\t0$/);
        } finally {
            await c.stop();
        }
    });
});
