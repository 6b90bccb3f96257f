import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { LocalS3, seedSql } from "./lib/local-servers";
import { listFiles, rclone, rcloneRemote } from "./lib/objects";
import { pgEnvFromUrl, psql, ScratchCluster } from "./lib/postgres";
import { appSchemaGrants } from "../components/digitalocean/database";
import { awsCommands, DOCKER_OBJECTS_SCRIPT, doctlCommands, migrate, plan } from "./migrate";

// npm run migrate between two real PostgreSQL servers and two S3-compatible stores (s3rver) on loopback.
// pg_dump/pg_restore: https://www.postgresql.org/docs/current/app-pgrestore.html (--single-transaction,
// --clean --if-exists, --exit-on-error); rclone copy never deletes at the destination or the source:
// https://rclone.org/commands/rclone_copy/; rclone hashsum --download: https://rclone.org/commands/rclone_hashsum/

const TABLES: [string, string][] = [
    ["customers", "id"],
    ["documents", "id"],
    ["events", "id"],
    ["billing.invoices", "number"],
];
async function ordered(pg: ScratchCluster["pg"]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [table, key] of TABLES)
        out[table] = await psql(
            pg,
            `SET bytea_output = 'hex'; SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.${key})), '-') FROM ${table} t`,
        );
    return out;
}
const url = (c: ScratchCluster) => `postgres://${c.pg.PGUSER}:${c.pg.PGPASSWORD}@127.0.0.1:${c.pg.PGPORT}/app`;

describe("npm run migrate (between real PostgreSQL servers and S3-compatible stores)", function () {
    this.timeout(300_000);
    let dir = "";
    let source: ScratchCluster;
    let target: ScratchCluster;
    let from: LocalS3;
    let to: LocalS3;
    const saved = { ...process.env };
    const remote = (name: string, s: LocalS3, bucket: string) =>
        rcloneRemote(name, { endpoint: s.endpoint, bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    async function objects(name: string, s: LocalS3, bucket: string): Promise<Record<string, string>> {
        const copy = fs.mkdtempSync(path.join(dir, "copy-"));
        await rclone(["copy", `${name}:${bucket}`, copy], remote(name, s, bucket));
        const out: Record<string, string> = {};
        for (const f of listFiles(copy))
            out[f] = crypto
                .createHash("sha256")
                .update(fs.readFileSync(path.join(copy, f)))
                .digest("hex");
        fs.rmSync(copy, { recursive: true });
        return out;
    }
    let sourceRows: Record<string, string> = {};
    let sourceObjects: Record<string, string> = {};

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-migrate-test-"));
        [source, target] = await Promise.all([ScratchCluster.start(), ScratchCluster.start()]);
        await psql(source.pg, seedSql(1));
        [from, to] = await Promise.all([
            LocalS3.start(path.join(dir, "from"), { buckets: ["alicerce-uploads"] }),
            LocalS3.start(path.join(dir, "to"), { buckets: ["acme-prod-assets"] }),
        ]);
        const files = path.join(dir, "files");
        for (let i = 0; i < 30; i++) {
            const key = i % 3 === 0 ? `avatars/user ${i}.png` : `uploads/${i}-report.pdf`;
            fs.mkdirSync(path.dirname(path.join(files, key)), { recursive: true });
            fs.writeFileSync(path.join(files, key), crypto.randomBytes(500 + i * 4099));
        }
        await rclone(["copy", files, "src:alicerce-uploads"], remote("src", from, "alicerce-uploads"));
        sourceRows = await ordered(source.pg);
        sourceObjects = await objects("src", from, "alicerce-uploads");
        assert.equal(Object.keys(sourceObjects).length, 30);
        Object.assign(process.env, {
            SOURCE_DATABASE_URL: url(source),
            SOURCE_S3_ENDPOINT: from.endpoint,
            SOURCE_S3_BUCKET: "alicerce-uploads",
            SOURCE_S3_ACCESS_KEY_ID: "S3RVER",
            SOURCE_S3_SECRET_ACCESS_KEY: "S3RVER",
            TARGET_DATABASE_URL: url(target),
            TARGET_S3_ENDPOINT: to.endpoint,
            TARGET_S3_BUCKET: "acme-prod-assets",
            TARGET_S3_ACCESS_KEY_ID: "S3RVER",
            TARGET_S3_SECRET_ACCESS_KEY: "S3RVER",
        });
    });

    after(async () => {
        for (const k of Object.keys(process.env)) if (/^(SOURCE|TARGET)_/.test(k) && saved[k] === undefined) delete process.env[k];
        await Promise.all([source?.stop(), target?.stop()]);
        from?.stop();
        to?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("moves every row and object, verifies counts and checksums, prints each step's time, and leaves the source as it was", async () => {
        const lines: string[] = [];
        const report = await migrate(["--from", "connection", "--to", "connection"], (l) => lines.push(l));
        assert.deepEqual(report.differences, []);
        assert.equal(report.ok, true);
        assert.equal(report.tables, 5);
        assert.equal(report.rows, 1000 + 400 + 3000 + 200);
        assert.equal(report.objects, 30);
        // Independently of the command's own checks: every row in key order, every object read back.
        assert.deepEqual(await ordered(target.pg), sourceRows);
        assert.deepEqual(await objects("dst", to, "acme-prod-assets"), sourceObjects);
        // Never touches the source.
        assert.deepEqual(await ordered(source.pg), sourceRows);
        assert.deepEqual(await objects("src", from, "alicerce-uploads"), sourceObjects);
        const text = lines.join("\n");
        for (const step of [
            "dump the source (one snapshot, with its manifest)",
            "restore into the target (pg_restore, one transaction)",
            "copy the objects into the target bucket",
            "checksum every target object (read back)",
        ]) {
            assert.ok(
                text.split("\n").some((l) => l === `  ${step}: ${l.split(": ").at(-1)}` && /\d+\.\d\d s$/.test(l)),
                `no time for ${step}:\n${text}`,
            );
        }
        assert.match(text, /^total\s+\d+\.\d\d s$/m);
        assert.ok(!text.includes(source.pg.PGPASSWORD!) && !text.includes(target.pg.PGPASSWORD!), "a password was printed");
    });

    it("refuses a target that already holds data, changing nothing, unless --force", async () => {
        await psql(target.pg, "INSERT INTO events (at, kind) VALUES (now(), 'written on the target')");
        const before = await ordered(target.pg);
        const objectsBefore = await objects("dst", to, "acme-prod-assets");
        await assert.rejects(
            migrate(["--from", "connection", "--to", "connection"], () => undefined),
            /the target already holds data: database app has 5 tables \(4601 rows\); bucket acme-prod-assets holds 30 objects\. Nothing was changed/,
        );
        assert.deepEqual(await ordered(target.pg), before);
        assert.deepEqual(await objects("dst", to, "acme-prod-assets"), objectsBefore);

        // An object only the target has is kept; the dump's tables are replaced by the source's.
        const extra = path.join(dir, "extra");
        fs.mkdirSync(extra);
        fs.writeFileSync(path.join(extra, "only-on-target.txt"), "keep me");
        await rclone(["copy", extra, "dst:acme-prod-assets"], remote("dst", to, "acme-prod-assets"));
        // A table only the target has (the dump lacks it): --force leaves it, reports it as kept, not as a failure.
        await psql(target.pg, "CREATE TABLE audit_log (id serial PRIMARY KEY, note text); INSERT INTO audit_log (note) VALUES ('kept')");
        const lines: string[] = [];
        const report = await migrate(["--from", "connection", "--to", "connection", "--force"], (l) => lines.push(l));
        assert.deepEqual(report.differences, []);
        assert.equal(report.ok, true);
        assert.deepEqual(report.kept, ["table public.audit_log", "sequence public.audit_log_id_seq"]);
        assert.ok(lines.includes("  table public.audit_log: only in the target (kept)"), lines.join("\n"));
        assert.ok(lines.includes("migration verified: every table and object of the target equals the source's"), lines.join("\n"));
        assert.equal(await psql(target.pg, "SELECT note FROM audit_log"), "kept");
        await psql(target.pg, "DROP TABLE audit_log");
        assert.deepEqual(await ordered(target.pg), sourceRows);
        const after = await objects("dst", to, "acme-prod-assets");
        assert.equal(after["only-on-target.txt"], crypto.createHash("sha256").update("keep me").digest("hex"));
        delete after["only-on-target.txt"];
        assert.deepEqual(after, sourceObjects);
        assert.deepEqual(await ordered(source.pg), sourceRows);
        assert.deepEqual(await objects("src", from, "alicerce-uploads"), sourceObjects);
    });

    it("refuses bad input before touching anything, every problem at once", () => {
        const saved = process.env.TARGET_DATABASE_URL;
        delete process.env.TARGET_DATABASE_URL;
        try {
            assert.throws(
                () =>
                    plan([
                        "--from",
                        "docker",
                        "--prefix",
                        "Bad Prefix",
                        "--to",
                        "aws",
                        "--region",
                        "us-east-1",
                        "--instance",
                        "web-1",
                        "--ca-file",
                        "/nonexistent.pem",
                        "--force",
                        "--force",
                    ]),
                (err: Error) => {
                    const lines = err.message.split("\n");
                    for (const expected of [
                        "--force: given twice",
                        "--ssh: not set; the single host's deploy login, e.g. alicerce@203.0.113.10",
                        '--prefix: "Bad Prefix" is not a container name prefix; use <project>-<stack>, e.g. alicerce-vps-example',
                        "--rds-endpoint: not set; the RDS writer's address (stack output)",
                        "--db-secret-arn: not set; the RDS-managed master secret's ARN (stack output)",
                        "--bucket: not set; the stack's assets bucket",
                        '--instance: "web-1" is not an instance id; use i- and 8 or 17 hex digits',
                        "--ca-file: /nonexistent.pem does not exist",
                    ])
                        assert.ok(lines.includes(expected), `missing "${expected}" in:\n${err.message}`);
                    return true;
                },
            );
            assert.throws(
                () => plan(["--from", "connection", "--to", "digitalocean", "--my-ip", "2001:db8::1"]),
                (err: Error) => {
                    assert.match(err.message, /--my-ip: "2001:db8::1" is not an IPv4 address; DigitalOcean trusted sources take IPv4 only/);
                    assert.match(err.message, /--cluster-id: not set/);
                    return true;
                },
            );
            assert.throws(() => plan(["--to", "gcp"]), /--from: not set[\s\S]*--to: "gcp" is not a target; use aws, digitalocean or connection/);
        } finally {
            process.env.TARGET_DATABASE_URL = saved;
        }
    });
});

describe("migrate --to aws: the SSM path's orchestration, against a TLS PostgreSQL behind a local forwarder", function () {
    // A stand-in for the AWS CLI (a script on PATH): `secretsmanager get-secret-value` prints the
    // secret's JSON, `ssm start-session` forwards localPortNumber to the database, as the Session
    // Manager plugin does, and logs when it starts and ends. What is real: the order (secret, session,
    // port open, restore, session ended even on failure), libpq's hostaddr + verify-full against the
    // RDS name through the tunnel, and the copy into the bucket. AWS itself is not exercised.
    this.timeout(300_000);
    let dir = "";
    let source: ScratchCluster;
    let target: ScratchCluster;
    let to: LocalS3;
    const saved = { ...process.env };
    const endpoint = "acme-prod.abc123.us-east-1.rds.amazonaws.com";

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-migrate-aws-"));
        const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore", timeout: 30_000 });
        ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=test RDS CA"]);
        ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${endpoint}`]);
        fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=DNS:${endpoint}\n`);
        ssl([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        ]);
        [source, target] = await Promise.all([
            ScratchCluster.start(),
            ScratchCluster.start({ ssl: { certFile: path.join(dir, "server.crt"), keyFile: path.join(dir, "server.key") } }),
        ]);
        await psql(source.pg, seedSql(1));
        to = await LocalS3.start(path.join(dir, "to"), { buckets: ["acme-prod-assets"] });
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "aws"),
            `#!${process.execPath}
const fs = require("fs"); const net = require("net"); const a = process.argv.slice(2); const log = (l) => fs.appendFileSync(process.env.FAKE_AWS_LOG, l + "\\n");
if (a[0] === "secretsmanager") { log("secret " + a[a.indexOf("--secret-id") + 1]); process.stdout.write(process.env.FAKE_AWS_SECRET); process.exit(0); }
if (a[0] === "ssm") {
  const p = JSON.parse(a[a.indexOf("--parameters") + 1]);
  log("session " + a[a.indexOf("--target") + 1] + " " + p.host[0] + ":" + p.portNumber[0]);
  const server = net.createServer((c) => { const up = net.connect(Number(process.env.FAKE_AWS_DB_PORT), "127.0.0.1"); c.pipe(up).pipe(c); c.on("error", () => up.destroy()); up.on("error", () => c.destroy()); });
  server.listen(Number(p.localPortNumber[0]), "127.0.0.1");
  process.on("SIGTERM", () => { log("session ended"); process.exit(0); });
} else { process.exit(2); }
`,
            { mode: 0o755 },
        );
        Object.assign(process.env, {
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_AWS_LOG: path.join(dir, "aws.log"),
            FAKE_AWS_SECRET: JSON.stringify({ username: target.pg.PGUSER, password: target.pg.PGPASSWORD }),
            FAKE_AWS_DB_PORT: target.pg.PGPORT,
            SOURCE_DATABASE_URL: url(source),
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
        });
        for (const k of ["SOURCE_S3_BUCKET", "SOURCE_S3_ENDPOINT", "SOURCE_S3_ACCESS_KEY_ID", "SOURCE_S3_SECRET_ACCESS_KEY"]) delete process.env[k];
    });

    after(async () => {
        for (const k of ["PATH", "FAKE_AWS_LOG", "FAKE_AWS_SECRET", "FAKE_AWS_DB_PORT", "SOURCE_DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
        await Promise.all([source?.stop(), target?.stop()]);
        to?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const args = (rds: string) => [
        "--from",
        "connection",
        "--to",
        "aws",
        "--region",
        "us-east-1",
        "--instance",
        "i-0123456789abcdef0",
        "--rds-endpoint",
        rds,
        "--db-secret-arn",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
        "--ca-file",
        path.join(dir, "ca.pem"),
        "--bucket",
        "acme-prod-assets",
        "--s3-endpoint",
        to.endpoint,
    ];

    it("refuses a certificate that does not name the endpoint (verify-full through the tunnel), and still ends the session", async () => {
        await assert.rejects(
            migrate(args("other.abc123.us-east-1.rds.amazonaws.com"), () => undefined),
            /does not match host name|server certificate for/,
        );
        assert.deepEqual(fs.readFileSync(path.join(dir, "aws.log"), "utf8").trim().split("\n"), [
            "secret arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
            "session i-0123456789abcdef0 other.abc123.us-east-1.rds.amazonaws.com:5432",
            "session ended",
        ]);
        assert.equal(await psql(target.pg, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), "0");
        fs.rmSync(path.join(dir, "aws.log"));
    });

    it("restores through the session over TLS checked against the RDS name, then ends the session", async () => {
        const report = await migrate(args(endpoint), () => undefined);
        assert.deepEqual(report.differences, []);
        assert.equal(report.rows, 4600);
        assert.deepEqual(await ordered(target.pg), await ordered(source.pg));
        assert.deepEqual(fs.readFileSync(path.join(dir, "aws.log"), "utf8").trim().split("\n"), [
            "secret arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
            `session i-0123456789abcdef0 ${endpoint}:5432`,
            "session ended",
        ]);
    });
});

describe("migrate --to digitalocean: as the stack's own user into the stack's database, through a trusted source (doctl stand-in)", function () {
    // A stand-in for doctl (a script on PATH) answering what the DigitalOcean API returns through doctl's JSON
    // displayers (digitalocean/doctl commands/displayers/database.go): `databases connection` the cluster's
    // public host with doadmin on defaultdb, `databases user get` an array with the user's password,
    // `databases db list`, and the firewall's rules (list, append, remove), kept in a file. The cluster's
    // firewall is a forwarder in front of a real PostgreSQL (TLS, verify-full) that admits connections only
    // while an ip_addr rule for this machine exists, as trusted sources do. The target is made as DigitalOcean
    // makes it (components/digitalocean/database.ts): database `app` created by the admin, a user `app` that is
    // no superuser, holding USAGE, CREATE on schema public (appSchemaGrants). DigitalOcean itself is not exercised.
    this.timeout(300_000);
    const clusterId = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30";
    const myIp = "203.0.113.7";
    const appPassword = crypto.randomBytes(18).toString("base64url");
    let dir = "";
    let source: ScratchCluster;
    let target: ScratchCluster;
    let to: LocalS3;
    let firewall: net.Server;
    const saved = { ...process.env };
    const rulesFile = () => path.join(dir, "rules.json");
    const log = () => fs.readFileSync(path.join(dir, "doctl.log"), "utf8").trim().split("\n");
    /** The target as the app itself connects: user app, no superuser. */
    const asApp = () => ({ ...target.pg, PGUSER: "app", PGPASSWORD: appPassword, PGDATABASE: "app" });
    const args = (...extra: string[]) => [
        "--from",
        "connection",
        "--to",
        "digitalocean",
        "--cluster-id",
        clusterId,
        "--my-ip",
        myIp,
        "--ca-file",
        path.join(dir, "ca.pem"),
        "--spaces-endpoint",
        "http://s3.spaces.test",
        "--bucket",
        "acme-prod-assets",
        ...extra,
    ];

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-migrate-do-"));
        const ssl = (a: string[]) => execFileSync("openssl", a, { cwd: dir, stdio: "ignore", timeout: 30_000 });
        ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=test DO CA"]);
        ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
        fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
        ssl([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        ]);
        [source, target] = await Promise.all([
            ScratchCluster.start(),
            ScratchCluster.start({ user: "doadmin", ssl: { certFile: path.join(dir, "server.crt"), keyFile: path.join(dir, "server.key") } }),
        ]);
        // A large object too: pg_restore recreates it, owned by the restoring user.
        await psql(source.pg, seedSql(1) + "SELECT lo_from_bytea(0, 'a large object');");
        await psql({ ...target.pg, PGDATABASE: "postgres" }, `CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${appPassword}'`);
        await psql(target.pg, appSchemaGrants("app").join(";\n"));
        to = await LocalS3.start(path.join(dir, "to"), { buckets: ["acme-prod-assets"], serviceEndpoint: "spaces.test" });

        fs.writeFileSync(rulesFile(), JSON.stringify([{ uuid: "tag-rule", cluster_uuid: clusterId, type: "tag", value: "acme-prod-app" }]));
        const trusted = () =>
            (JSON.parse(fs.readFileSync(rulesFile(), "utf8")) as { type: string; value: string }[]).some((r) => r.type === "ip_addr" && r.value === myIp);
        firewall = net.createServer((c) => {
            if (!trusted()) return void c.destroy();
            const up = net.connect(Number(target.pg.PGPORT), "127.0.0.1");
            c.pipe(up).pipe(c);
            c.on("error", () => up.destroy());
            up.on("error", () => c.destroy());
        });
        await new Promise<void>((r) => firewall.listen(0, "127.0.0.1", r));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "doctl"),
            `#!${process.execPath}
const fs = require("fs"); const a = process.argv.slice(2); const e = process.env;
const log = (l) => fs.appendFileSync(e.FAKE_DOCTL_LOG, l + "\\n");
const rules = () => JSON.parse(fs.readFileSync(e.FAKE_DOCTL_RULES, "utf8")); const save = (r) => fs.writeFileSync(e.FAKE_DOCTL_RULES, JSON.stringify(r));
const out = (o) => { process.stdout.write(JSON.stringify(o, null, 2)); process.exit(0); };
const fail = (m) => { process.stderr.write("Error: " + m + "\\n"); process.exit(1); };
const cmd = a.slice(0, a[1] === "connection" ? 2 : 3).join(" "); const id = a[a[1] === "connection" ? 2 : 3];
if (id !== e.FAKE_DOCTL_CLUSTER) fail("GET https://api.digitalocean.com/v2/databases/" + id + ": 404 cluster not found");
if (cmd === "databases connection") out({ uri: "postgresql://doadmin:" + e.FAKE_DOCTL_ADMIN_PASSWORD + "@127.0.0.1:" + e.FAKE_DOCTL_PORT + "/defaultdb?sslmode=require", database: "defaultdb", host: "127.0.0.1", port: Number(e.FAKE_DOCTL_PORT), user: "doadmin", password: e.FAKE_DOCTL_ADMIN_PASSWORD, ssl: true });
if (cmd === "databases db list") out([{ name: "defaultdb" }, { name: "app" }]);
if (cmd === "databases user get") { log("user get " + a[4]); if (a[4] !== "app") fail("GET .../users/" + a[4] + ": 404 user not found"); out([{ name: "app", role: "normal", password: e.FAKE_DOCTL_APP_PASSWORD }]); }
if (cmd === "databases firewalls list") { const r = rules(); if (e.FAKE_DOCTL_PULUMI_UP && r.some((x) => x.type === "ip_addr")) { log("pulumi up: firewall reset to the stack's rules"); save(r.filter((x) => x.type !== "ip_addr")); } out(r); }
if (cmd === "databases firewalls append") { const [type, value] = a[a.indexOf("--rule") + 1].split(":"); const r = rules(); r.push({ uuid: "rule-" + Date.now(), cluster_uuid: id, type, value }); save(r); log("append " + type + ":" + value); process.exit(0); }
if (cmd === "databases firewalls remove") { const u = a[a.indexOf("--uuid") + 1]; const r = rules(); if (!r.some((x) => x.uuid === u)) fail("DELETE .../firewall/" + u + ": 404"); save(r.filter((x) => x.uuid !== u)); log("remove " + u); process.exit(0); }
fail("unknown command " + a.join(" "));
`,
            { mode: 0o755 },
        );
        Object.assign(process.env, {
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_DOCTL_LOG: path.join(dir, "doctl.log"),
            FAKE_DOCTL_RULES: rulesFile(),
            FAKE_DOCTL_CLUSTER: clusterId,
            FAKE_DOCTL_PORT: String((firewall.address() as net.AddressInfo).port),
            FAKE_DOCTL_ADMIN_PASSWORD: target.pg.PGPASSWORD,
            FAKE_DOCTL_APP_PASSWORD: appPassword,
            SOURCE_DATABASE_URL: url(source),
            TARGET_S3_ACCESS_KEY_ID: "S3RVER",
            TARGET_S3_SECRET_ACCESS_KEY: "S3RVER",
            // rclone addresses Spaces virtual-hosted (<bucket>.<endpoint>); s3rver takes <bucket>.s3.spaces.test, reached
            // as a proxy (it reads the Host header of an absolute-form request) since the name does not resolve here.
            HTTP_PROXY: to.endpoint,
        });
        for (const k of [
            "SOURCE_S3_BUCKET",
            "SOURCE_S3_ENDPOINT",
            "SOURCE_S3_ACCESS_KEY_ID",
            "SOURCE_S3_SECRET_ACCESS_KEY",
            "TARGET_DATABASE_URL",
            "FAKE_DOCTL_PULUMI_UP",
        ])
            delete process.env[k];
    });

    after(async () => {
        for (const k of Object.keys(process.env)) if (/^(FAKE_DOCTL_|SOURCE_|TARGET_)/.test(k) && saved[k] === undefined) delete process.env[k];
        for (const k of ["PATH", "SOURCE_DATABASE_URL", "TARGET_S3_ACCESS_KEY_ID", "TARGET_S3_SECRET_ACCESS_KEY", "TARGET_DATABASE_URL", "HTTP_PROXY"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
        firewall?.close();
        await Promise.all([source?.stop(), target?.stop()]);
        to?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses the cluster's own database or a URL of its own before touching anything", () => {
        process.env.TARGET_DATABASE_URL = "postgresql://doadmin:x@db.example.com:25060/defaultdb?sslmode=require";
        try {
            assert.throws(
                () => plan(args("--db-name", "defaultdb")),
                (err: Error) => {
                    assert.match(err.message, /^--db-name: "defaultdb" is the cluster's own, not the stack's/m);
                    assert.match(err.message, /^TARGET_DATABASE_URL: not used with --to digitalocean; unset it/m);
                    return true;
                },
            );
        } finally {
            delete process.env.TARGET_DATABASE_URL;
        }
        assert.ok(!fs.existsSync(path.join(dir, "doctl.log")), "doctl ran");
    });

    it("a dump with a schema of its own is refused before any change when the app user may not create schemas; the rule is removed", async () => {
        await assert.rejects(
            migrate(args(), () => undefined),
            /the dump creates schema billing, and user app may not create schemas in database app\. Nothing was changed\. Let it, as the database's owner \(doadmin on DigitalOcean\): GRANT CREATE ON DATABASE app TO app; then run again/,
        );
        assert.equal(await psql(target.pg, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), "0");
        assert.deepEqual(
            (JSON.parse(fs.readFileSync(rulesFile(), "utf8")) as { type: string }[]).map((r) => r.type),
            ["tag"],
        );
        fs.rmSync(path.join(dir, "doctl.log"));
    });

    it("restores as user app into database app: the app owns every table, sequence and large object and may read and write them", async () => {
        await psql(target.pg, "GRANT CREATE ON DATABASE app TO app");
        const lines: string[] = [];
        const report = await migrate(args(), (l) => lines.push(l));
        assert.deepEqual(report.differences, []);
        assert.equal(report.rows, 4600);
        assert.deepEqual(await ordered(target.pg), await ordered(source.pg));
        // Owned by the app's role, not the admin (pg_restore --no-owner: the connecting user owns what it creates).
        // https://www.postgresql.org/docs/current/app-pgrestore.html (--no-owner)
        assert.equal(
            await psql(
                target.pg,
                "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'billing') AND c.relkind IN ('r', 'S')",
            ),
            "app",
        );
        assert.equal(await psql(target.pg, "SELECT string_agg(DISTINCT pg_get_userbyid(lomowner), ',') FROM pg_largeobject_metadata"), "app");
        // As the app connects (no superuser): reads, writes with the restored sequence, reads its large object.
        assert.equal(await psql(asApp(), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"), "f");
        assert.equal(await psql(asApp(), "INSERT INTO customers (name, profile) VALUES ('after the move', '{}') RETURNING id"), "1001");
        assert.equal(await psql(asApp(), "UPDATE billing.invoices SET paid = true WHERE number = 'INV-00000001' RETURNING number"), "INV-00000001");
        assert.equal(await psql(asApp(), "SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata"), "a large object");
        assert.deepEqual(log(), ["user get app", `append ip_addr:${myIp}`, log()[2]]);
        assert.match(log()[2], /^remove rule-\d+$/);
        assert.ok(!lines.join("\n").includes(appPassword), "the app user's password was printed");
        fs.rmSync(path.join(dir, "doctl.log"));
    });

    it("fails with a clear message when a `pulumi up` removes the trusted source during the run, and changes nothing", async () => {
        const before = await ordered(target.pg);
        process.env.FAKE_DOCTL_PULUMI_UP = "1";
        try {
            await assert.rejects(
                migrate(args("--force"), () => undefined),
                /the connection to cluster 9cc10173-e9ea-4176-9dbc-a4cee4c4ff30 dropped: the trusted source for 203\.0\.113\.7 is gone\. The rule is outside the stack's DatabaseFirewall, and a `pulumi up` of the stack resets the firewall to its own rules/,
            );
        } finally {
            delete process.env.FAKE_DOCTL_PULUMI_UP;
        }
        assert.deepEqual(await ordered(target.pg), before);
        // Nothing left to remove: no failing doctl call, no rule left behind.
        assert.ok(!log().some((l) => l.startsWith("remove")), log().join("\n"));
        assert.deepEqual(
            (JSON.parse(fs.readFileSync(rulesFile(), "utf8")) as { type: string }[]).map((r) => r.type),
            ["tag"],
        );
    });

    // Review of issue 16, M3: on DigitalOcean the app user holds only USAGE, CREATE on schema public of a
    // database doadmin owns; CREATE EXTENSION needs CREATE on the database (trusted extensions) or more, and
    // COMMENT ON EXTENSION its ownership (https://www.postgresql.org/docs/current/sql-createextension.html,
    // https://www.postgresql.org/docs/current/sql-comment.html: "you must own the object"). DigitalOcean offers
    // a listed set, created by doadmin (https://docs.digitalocean.com/products/databases/postgresql/details/supported-extensions/).
    // The EXTENSION entries are found with pg_restore --list and left out with --use-list
    // (https://www.postgresql.org/docs/current/app-pgrestore.html).
    it("a source using extensions: refused before any change with the exact CREATE EXTENSION statements; restored once doadmin ran them", async () => {
        await psql(
            source.pg,
            "CREATE EXTENSION citext; CREATE EXTENSION pgcrypto; CREATE TABLE emails (address citext PRIMARY KEY, token text NOT NULL DEFAULT encode(gen_random_bytes(8), 'hex')); INSERT INTO emails (address) VALUES ('Ana@Example.com'), ('bo@example.com')",
        );
        await psql(target.pg, "REVOKE CREATE ON DATABASE app FROM app");
        const before = await ordered(target.pg);
        await assert.rejects(
            migrate(args("--force"), () => undefined),
            (err: Error) => {
                assert.match(err.message, /^the dump creates schema billing, and user app may not create schemas in database app\./m, "every problem at once");
                assert.match(err.message, /^the dump uses extension (citext, pgcrypto|pgcrypto, citext), which database app lacks\. Nothing was changed\./m);
                assert.match(err.message, /doadmin on DigitalOcean/);
                assert.match(err.message, /CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;/);
                assert.match(err.message, /CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;/);
                return true;
            },
        );
        assert.deepEqual(await ordered(target.pg), before);
        // What the operator runs as doadmin; then the migration restores without touching the extensions.
        await psql(target.pg, "GRANT CREATE ON DATABASE app TO app");
        await psql(target.pg, "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public; CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public");
        const report = await migrate(args("--force"), () => undefined);
        assert.deepEqual(report.differences, []);
        assert.equal(await psql(asApp(), "SELECT count(*) FROM emails WHERE address = 'ana@example.com'"), "1", "citext compares as in the source");
        assert.equal(await psql(target.pg, "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'citext'"), "doadmin");
    });
});

describe("migrate: the private paths' commands", () => {
    it("--from docker: the script run in the backup container passes shellcheck (POSIX sh, every warning) and only reads the bucket", () => {
        const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: DOCKER_OBJECTS_SCRIPT + "\n", encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        // rclone sync writes only its destination (the migration's own copy); the bucket is the source.
        assert.match(DOCKER_OBJECTS_SCRIPT, /rclone sync [^|;]*"store:\$UPLOADS_BUCKET" "\$dir"/);
    });

    it("--from docker: the objects are synced into the migration's own copy, never the nightly backup's (UPLOADS_STAGING), and streamed as tar", () => {
        // rclone sync makes the destination equal to the source, deleting what else it holds:
        // https://rclone.org/commands/rclone_sync/. The backup's copy must stay as its run left it.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-migrate-objects-"));
        try {
            const bucket = path.join(dir, "bucket");
            fs.mkdirSync(path.join(bucket, "avatars"), { recursive: true });
            fs.writeFileSync(path.join(bucket, "avatars", "1.png"), "png");
            fs.writeFileSync(path.join(bucket, "report.pdf"), "pdf");
            const staging = path.join(dir, "work", "uploads");
            fs.mkdirSync(staging, { recursive: true });
            fs.writeFileSync(path.join(staging, "being-backed-up.bin"), "nightly");
            // The backup container's environment (components/docker/backup.ts), with rclone's local backend as `store:`.
            const env = {
                PATH: process.env.PATH,
                HOME: dir,
                RCLONE_CONFIG_STORE_TYPE: "local",
                UPLOADS_BUCKET: bucket,
                UPLOADS_STAGING: staging,
                WORK_DIR: path.join(dir, "work"),
            };
            const tar = path.join(dir, "objects.tar");
            const r = spawnSync("sh", ["-c", `(${DOCKER_OBJECTS_SCRIPT}) > "${tar}"`], { env, encoding: "utf8", timeout: 60_000 });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(listFiles(staging), ["being-backed-up.bin"]);
            assert.deepEqual(
                execFileSync("tar", ["-tf", tar], { encoding: "utf8" })
                    .split("\n")
                    .filter((l) => l && !l.endsWith("/"))
                    .sort(),
                ["./avatars/1.png", "./report.pdf"],
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("AWS: port forwarding to the RDS endpoint through the instance's SSM agent; the password comes from Secrets Manager, never an argument", () => {
        const c = awsCommands({
            region: "eu-west-1",
            instance: "i-0123456789abcdef0",
            rdsEndpoint: "acme-prod.abc.eu-west-1.rds.amazonaws.com",
            localPort: 15432,
            secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1",
        });
        // https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding
        assert.deepEqual(c.session.slice(0, 8), [
            "ssm",
            "start-session",
            "--region",
            "eu-west-1",
            "--target",
            "i-0123456789abcdef0",
            "--document-name",
            "AWS-StartPortForwardingSessionToRemoteHost",
        ]);
        assert.deepEqual(JSON.parse(c.session[9]), { host: ["acme-prod.abc.eu-west-1.rds.amazonaws.com"], portNumber: ["5432"], localPortNumber: ["15432"] });
        assert.deepEqual(c.secret, [
            "secretsmanager",
            "get-secret-value",
            "--region",
            "eu-west-1",
            "--secret-id",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1",
            "--query",
            "SecretString",
            "--output",
            "text",
        ]);
    });

    it("DigitalOcean: one ip_addr trusted source for this machine, removed by its uuid; the stack user's password and the public host read with doctl", () => {
        // https://docs.digitalocean.com/reference/doctl/reference/databases/firewalls/append/ and .../remove/
        const c = doctlCommands({ clusterId: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", myIp: "203.0.113.7", dbName: "app" });
        // https://docs.digitalocean.com/reference/doctl/reference/databases/user/get/, .../databases/connection/, .../databases/db/list/
        assert.deepEqual(c.user, ["databases", "user", "get", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "app", "--output", "json"]);
        assert.deepEqual(c.connection, ["databases", "connection", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "--output", "json"]);
        assert.deepEqual(c.dbs, ["databases", "db", "list", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "--output", "json"]);
        assert.deepEqual(c.append, ["databases", "firewalls", "append", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "--rule", "ip_addr:203.0.113.7"]);
        assert.deepEqual(c.remove("79f26d28"), ["databases", "firewalls", "remove", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "--uuid", "79f26d28"]);
        assert.deepEqual(c.list, ["databases", "firewalls", "list", "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", "--output", "json"]);
    });
});

describe("pgEnvFromUrl", () => {
    // libpq environment variables: https://www.postgresql.org/docs/current/libpq-envars.html
    it("turns a URL into libpq variables (the password never becomes an argument), decoding escapes", () => {
        assert.deepEqual(pgEnvFromUrl("postgres://app:p%40ss%2Fw@db.example.com:25060/defaultdb?sslmode=verify-full&sslrootcert=/tmp/ca.pem", "X"), {
            PGHOST: "db.example.com",
            PGPORT: "25060",
            PGUSER: "app",
            PGPASSWORD: "p@ss/w",
            PGDATABASE: "defaultdb",
            PGSSLMODE: "verify-full",
            PGSSLROOTCERT: "/tmp/ca.pem",
        });
        assert.equal(pgEnvFromUrl("postgresql://u@[::1]/d", "X").PGHOST, "::1");
    });

    it("refuses what is not a PostgreSQL URL with a host, a user and a database, naming the variable", () => {
        assert.throws(() => pgEnvFromUrl("mysql://u:p@h/d", "TARGET_DATABASE_URL"), /^Error: TARGET_DATABASE_URL: "mysql:" is not postgres:/);
        assert.throws(() => pgEnvFromUrl("postgres://h:5432/d", "X"), /X: needs a host, a user and a database/);
        assert.throws(() => pgEnvFromUrl("host=h user=u", "X"), /X: not a URL/);
    });
});
