import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalS3, seedSql } from "./lib/local-servers";
import { listFiles, rclone, rcloneRemote } from "./lib/objects";
import { pgEnvFromUrl, psql, ScratchCluster } from "./lib/postgres";
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
        const report = await migrate(["--from", "connection", "--to", "connection", "--force"], () => undefined);
        assert.deepEqual(report.differences, []);
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
                    assert.match(err.message, /TARGET_DATABASE_URL: not set; the cluster's connection URI/);
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

describe("migrate: the private paths' commands", () => {
    it("--from docker: the script run in the backup container passes shellcheck (POSIX sh, every warning) and only reads the bucket", () => {
        const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: DOCKER_OBJECTS_SCRIPT + "\n", encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        // rclone sync writes only its destination (the job's own copy); the bucket is the source.
        assert.match(DOCKER_OBJECTS_SCRIPT, /^rclone sync [^|;]*"store:\$UPLOADS_BUCKET" "\$UPLOADS_STAGING"/);
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

    it("DigitalOcean: one ip_addr trusted source for this machine, removed by its uuid", () => {
        // https://docs.digitalocean.com/reference/doctl/reference/databases/firewalls/append/ and .../remove/
        const c = doctlCommands({ clusterId: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", myIp: "203.0.113.7" });
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
