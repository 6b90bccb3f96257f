/**
 * npm run migrate -- --from <docker|connection> --to <aws|digitalocean|connection> [flags] [--force]
 *
 * Moves a stack's data (the PostgreSQL database and the uploaded objects)
 * from a single host (or any PostgreSQL and S3-compatible bucket) into an AWS
 * or DigitalOcean stack: a consistent pg_dump of the source with a manifest
 * of every table's row count and checksum taken in the same snapshot,
 * pg_restore into the target in one transaction through a private path (an
 * SSM port-forwarding session to RDS through an app instance; a trusted
 * source for this machine's address only, removed afterwards, on
 * DigitalOcean, where it restores as the stack's own database user into the
 * stack's database), the objects copied with rclone, then every table,
 * sequence, large object and object of the target compared with the source. Refuses a target that holds data
 * unless --force. Only reads the source. Prints the time of each step.
 * Secrets come from the environment, never from arguments (see docs/migration.md).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { bucketDigest, bucketSize, type Bucket, listFiles, rclone, rcloneRemote, treeBytes } from "./lib/objects";
import {
    compareDigests,
    consistentDump,
    contents,
    type DatabaseDigest,
    digestDatabase,
    digestFiles,
    dumpExtensions,
    dumpSchemas,
    listWithoutExtensions,
    freePort,
    parseManifest,
    pgEnvFromUrl,
    type PgEnv,
    psql,
    restoreDump,
} from "./lib/postgres";
import { parseFlags, run, Steps } from "./lib/proc";
import { printVerifiedCopy, verifiedCopy, type VerifiedCopyReport } from "./lib/report";

const VALUES = [
    "from",
    "to",
    "ssh",
    "prefix",
    "region",
    "instance",
    "rds-endpoint",
    "db-secret-arn",
    "db-name",
    "cluster-id",
    "my-ip",
    "ca-file",
    "bucket",
    "s3-endpoint",
    "spaces-endpoint",
    "pg-bin",
    "json",
] as const;
const USAGE = `usage: npm run migrate -- --from docker --ssh alicerce@<host> --prefix <project>-<stack>
                          | --from connection   (SOURCE_DATABASE_URL, SOURCE_S3_ENDPOINT, SOURCE_S3_BUCKET, SOURCE_S3_ACCESS_KEY_ID, SOURCE_S3_SECRET_ACCESS_KEY)
                        --to aws --region <r> --instance <i-…> --rds-endpoint <host> --db-secret-arn <arn> --ca-file <rds bundle> --bucket <assets bucket> [--db-name app] [--s3-endpoint URL]
                          | --to digitalocean --cluster-id <uuid> --my-ip <this machine's IPv4> --ca-file <cluster CA> --spaces-endpoint https://<region>.digitaloceanspaces.com --bucket <assets bucket> [--db-name app]
                              (TARGET_S3_ACCESS_KEY_ID, TARGET_S3_SECRET_ACCESS_KEY; the database user's password is read with doctl)
                          | --to connection   (TARGET_DATABASE_URL, TARGET_S3_ENDPOINT, TARGET_S3_BUCKET, TARGET_S3_ACCESS_KEY_ID, TARGET_S3_SECRET_ACCESS_KEY)
                        [--force] [--pg-bin DIR] [--json FILE]`;

/**
 * Run by `sh -c` inside a single host's backup container: brings the
 * migration's own copy of the uploads bucket up to date (`rclone sync` with
 * the job's read-only key, into `$WORK_DIR/migrate-uploads`, kept between a
 * rehearsal and the final sync) and streams it as a tar archive to stdout.
 * Never the nightly backup's copy (`$UPLOADS_STAGING`): a backup running at
 * the same time would store a half-synced tree.
 */
export const DOCKER_OBJECTS_SCRIPT =
    'dir="${WORK_DIR:-/work}/migrate-uploads" && mkdir -p "$dir" && rclone sync --retries 3 "store:$UPLOADS_BUCKET" "$dir" && tar -C "$dir" -cf - .';

/** What a migration found and how long it took, also written as JSON with --json. */
export interface MigrationReport extends VerifiedCopyReport {
    /** With --force: tables and sequences only the target has (not in the dump, left as they were). */
    readonly kept: string[];
}

/** Where the data comes from. Only read: nothing here writes or deletes source data. */
interface Source {
    readonly description: string;
    dump(dumpFile: string, manifestFile: string): Promise<void>;
    /** Copies every object into `dir` (keys as paths); undefined when the source has no bucket. */
    readonly copyObjects?: (dir: string) => Promise<void>;
    /** The source bucket's object count, to check the copy is whole. */
    readonly objectCount?: () => Promise<number>;
}

/** Where the data goes, once the path to it is open. */
interface OpenTarget {
    readonly pg: PgEnv;
    /** rclone remote `to:` */
    readonly remotes: Record<string, string>;
    readonly bucket?: string;
    /** Why a step failed when the path itself is to blame (a trusted source removed under us), or undefined. */
    readonly explain?: (err: Error) => Promise<Error | undefined>;
    close(): Promise<void>;
}

interface Target {
    readonly description: string;
    open(print: (l: string) => void): Promise<OpenTarget>;
}

const env = (name: string): string | undefined => (process.env[name] === "" ? undefined : process.env[name]);

function bucketFromEnv(prefix: "SOURCE" | "TARGET", problems: string[], required: boolean): Bucket | undefined {
    const bucket = env(`${prefix}_S3_BUCKET`);
    const endpoint = env(`${prefix}_S3_ENDPOINT`);
    const keyId = env(`${prefix}_S3_ACCESS_KEY_ID`);
    const secret = env(`${prefix}_S3_SECRET_ACCESS_KEY`);
    if (!bucket) {
        if (required || endpoint || keyId) problems.push(`${prefix}_S3_BUCKET: not set; the bucket of uploaded files`);
        return undefined;
    }
    if (!endpoint) problems.push(`${prefix}_S3_ENDPOINT: not set; the bucket's S3 endpoint, e.g. https://nyc3.digitaloceanspaces.com`);
    if (!keyId || !secret) problems.push(`${prefix}_S3_ACCESS_KEY_ID and ${prefix}_S3_SECRET_ACCESS_KEY: not set; a key for bucket ${bucket}`);
    return { bucket, endpoint, accessKeyId: keyId, secretAccessKey: secret, provider: "Other" };
}

/** The AWS CLI commands of the SSM path to RDS (pure: tested without AWS). */
export function awsCommands(o: { region: string; instance: string; rdsEndpoint: string; localPort: number; secretArn: string }): {
    secret: string[];
    session: string[];
} {
    return {
        // The RDS-managed master secret: JSON with username and password (never printed, never an argument).
        secret: ["secretsmanager", "get-secret-value", "--region", o.region, "--secret-id", o.secretArn, "--query", "SecretString", "--output", "text"],
        // Session Manager port forwarding to a remote host through the instance's SSM agent: no inbound port
        // anywhere, RDS reached only from the instance's security group.
        // https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding
        session: [
            "ssm",
            "start-session",
            "--region",
            o.region,
            "--target",
            o.instance,
            "--document-name",
            "AWS-StartPortForwardingSessionToRemoteHost",
            "--parameters",
            JSON.stringify({ host: [o.rdsEndpoint], portNumber: ["5432"], localPortNumber: [String(o.localPort)] }),
        ],
    };
}

/** The doctl commands of the trusted-source path and of the stack user's connection (pure: tested without DigitalOcean). */
export function doctlCommands(o: { clusterId: string; myIp: string; dbName: string }): {
    list: string[];
    append: string[];
    remove: (uuid: string) => string[];
    connection: string[];
    user: string[];
    dbs: string[];
} {
    // https://docs.digitalocean.com/reference/doctl/reference/databases/firewalls/
    return {
        list: ["databases", "firewalls", "list", o.clusterId, "--output", "json"],
        append: ["databases", "firewalls", "append", o.clusterId, "--rule", `ip_addr:${o.myIp}`],
        remove: (uuid) => ["databases", "firewalls", "remove", o.clusterId, "--uuid", uuid],
        // The cluster's public host and port (its user is doadmin, its database defaultdb: neither is used).
        // https://docs.digitalocean.com/reference/doctl/reference/databases/connection/
        connection: ["databases", "connection", o.clusterId, "--output", "json"],
        // The stack's database user (named like its database) with its password, which the API returns.
        // https://docs.digitalocean.com/reference/doctl/reference/databases/user/get/
        user: ["databases", "user", "get", o.clusterId, o.dbName, "--output", "json"],
        // https://docs.digitalocean.com/reference/doctl/reference/databases/db/list/
        dbs: ["databases", "db", "list", o.clusterId, "--output", "json"],
    };
}

/** Messages of libpq and the kernel when a connection is refused, cut or never answered. */
const CONNECTION_LOST =
    /server closed the connection unexpectedly|could not connect to server|connection to server .* failed|Connection refused|Connection reset|timeout expired|no pg_hba\.conf entry|SSL SYSCALL error|EOF detected|terminating connection/i;

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
        let exited = false;
        child.once("exit", (code) => {
            exited = true;
            reject(
                new Error(
                    `the SSM session ended before the port opened (exit ${code}); is the session-manager-plugin installed, and may you start sessions on the instance?`,
                ),
            );
        });
        const attempt = () => {
            if (exited) return;
            const s = net.connect(port, "127.0.0.1");
            s.once("connect", () => {
                s.destroy();
                resolve();
            });
            s.once("error", () => {
                s.destroy();
                if (Date.now() > deadline) reject(new Error(`the SSM session did not open port ${port} in ${timeoutMs / 1000} s`));
                else setTimeout(attempt, 250);
            });
        };
        attempt();
    });
}

/** Reads the flags and the environment; every problem at once, before anything is touched. */
export function plan(argv: readonly string[]): { source: Source; target: Target; force: boolean; pgBin?: string; json?: string } {
    const { flags, problems } = parseFlags(argv, { values: VALUES, booleans: ["force"] });
    const need = (name: (typeof VALUES)[number], hint: string) => {
        const v = flags.get(name);
        if (!v) problems.push(`--${name}: not set; ${hint}`);
        return v ?? "";
    };
    let source: Source | undefined;
    const from = flags.get("from");
    if (from === "connection") {
        const url = env("SOURCE_DATABASE_URL");
        let pg: PgEnv | undefined;
        if (!url) problems.push("SOURCE_DATABASE_URL: not set; postgres://user:password@host:5432/database of the source");
        else {
            try {
                pg = pgEnvFromUrl(url, "SOURCE_DATABASE_URL");
            } catch (err) {
                problems.push((err as Error).message);
            }
        }
        const b = bucketFromEnv("SOURCE", problems, false);
        const remotes = b ? rcloneRemote("from", b) : {};
        source = {
            description: pg ? `database ${pg.PGDATABASE} on ${pg.PGHOST}:${pg.PGPORT}${b ? ` and bucket ${b.bucket}` : ""}` : "",
            dump: (dumpFile, manifestFile) => consistentDump(pg!, dumpFile, manifestFile, flags.get("pg-bin")),
            // rclone copy reads the source and writes only the local directory: nothing is deleted anywhere.
            copyObjects: b ? async (dir) => void (await rclone(["copy", `from:${b.bucket}`, dir], remotes)) : undefined,
            objectCount: b ? async () => (await bucketSize("from", b.bucket, remotes)).count : undefined,
        };
    } else if (from === "docker") {
        const ssh = need("ssh", "the single host's deploy login, e.g. alicerce@203.0.113.10");
        const prefix = need("prefix", "the stack's name prefix (<project>-<stack>, e.g. alicerce-vps-example)");
        if (prefix && !/^[a-z0-9][a-z0-9-]*$/.test(prefix))
            problems.push(`--prefix: "${prefix}" is not a container name prefix; use <project>-<stack>, e.g. alicerce-vps-example`);
        if (ssh && !/^[A-Za-z0-9._-]+@[A-Za-z0-9.:\[\]-]+$/.test(ssh)) problems.push(`--ssh: "${ssh}" is not user@host`);
        // Through the backup container, over SSH: it holds pg_dump of the server's major version, the
        // database password and a key that may only read the bucket; nothing is published on the host.
        const backup = `${prefix}-backup`;
        const remote = (args: string[], stdoutFile?: string) => run("ssh", ["-o", "BatchMode=yes", ssh, "docker", "exec", backup, ...args], { stdoutFile });
        source = {
            description: `stack ${prefix} on ${ssh.split("@")[1]}`,
            dump: async (dumpFile, manifestFile) => {
                try {
                    await remote(["backup.sh", "dump", "/work/migrate.dump", "/work/migrate.tsv"]);
                    await remote(["cat", "/work/migrate.dump"], dumpFile);
                    await remote(["cat", "/work/migrate.tsv"], manifestFile);
                } finally {
                    // The scratch copies on the backup job's work volume, not source data.
                    await remote(["rm", "-f", "/work/migrate.dump", "/work/migrate.tsv"]).catch(() => undefined);
                }
            },
            copyObjects: async (dir) => {
                const tar = path.join(dir, "..", "objects.tar");
                await remote(["sh", "-c", DOCKER_OBJECTS_SCRIPT], tar);
                await run("tar", ["-C", dir, "-xf", tar]);
                fs.rmSync(tar);
            },
        };
    } else
        problems.push(
            from
                ? `--from: "${from}" is not a source; use docker or connection`
                : "--from: not set; use docker (a single-host stack, over SSH) or connection (SOURCE_* variables)",
        );

    let target: Target | undefined;
    const to = flags.get("to");
    if (to === "connection") {
        const url = env("TARGET_DATABASE_URL");
        if (!url) problems.push("TARGET_DATABASE_URL: not set; postgres://user:password@host:5432/database of the target");
        let pg: PgEnv | undefined;
        try {
            pg = url ? pgEnvFromUrl(url, "TARGET_DATABASE_URL") : undefined;
        } catch (err) {
            problems.push((err as Error).message);
        }
        const b = bucketFromEnv("TARGET", problems, source?.copyObjects !== undefined);
        target = {
            description: pg ? `database ${pg.PGDATABASE} on ${pg.PGHOST}:${pg.PGPORT}${b ? ` and bucket ${b.bucket}` : ""}` : "",
            open: async () => ({ pg: pg!, remotes: b ? rcloneRemote("to", b) : {}, bucket: b?.bucket, close: async () => undefined }),
        };
    } else if (to === "aws") {
        const region = need("region", "the stack's AWS region");
        const instance = need("instance", "an app instance id (i-…) of the stack: the SSM session goes through it");
        const rdsEndpoint = need("rds-endpoint", "the RDS writer's address (stack output)");
        const secretArn = need("db-secret-arn", "the RDS-managed master secret's ARN (stack output)");
        const ca = need("ca-file", "the RDS certificate bundle: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
        const bucket = need("bucket", "the stack's assets bucket");
        if (instance && !/^i-[0-9a-f]{8,17}$/.test(instance)) problems.push(`--instance: "${instance}" is not an instance id; use i- and 8 or 17 hex digits`);
        if (ca && !fs.existsSync(ca)) problems.push(`--ca-file: ${ca} does not exist`);
        target = {
            description: `RDS ${rdsEndpoint} (through ${instance}) and bucket ${bucket}`,
            open: async (print) => {
                const localPort = await freePort();
                const cmds = awsCommands({ region, instance, rdsEndpoint, localPort, secretArn });
                const secret = JSON.parse(await run("aws", cmds.secret)) as { username: string; password: string };
                print(`  aws ${cmds.session.join(" ")}`);
                const session = spawn("aws", cmds.session, { stdio: ["ignore", "ignore", "inherit"] });
                try {
                    await waitForPort(localPort, session, 60_000);
                } catch (err) {
                    session.kill();
                    throw err;
                }
                // libpq connects to hostaddr (the tunnel) and checks the certificate against host (RDS's name).
                const pg: PgEnv = {
                    PGHOST: rdsEndpoint,
                    PGHOSTADDR: "127.0.0.1",
                    PGPORT: String(localPort),
                    PGUSER: secret.username,
                    PGPASSWORD: secret.password,
                    PGDATABASE: flags.get("db-name") ?? "app",
                    PGSSLMODE: "verify-full",
                    PGSSLROOTCERT: ca,
                };
                // --s3-endpoint: another S3 endpoint than the region's (an interface VPC endpoint), addressed path-style.
                const s3Endpoint = flags.get("s3-endpoint");
                const ended = new Promise<void>((resolve) => session.once("exit", () => resolve()));
                const close = async () => {
                    session.kill("SIGTERM");
                    await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
                };
                return { pg, remotes: rcloneRemote("to", { bucket, region, endpoint: s3Endpoint, provider: s3Endpoint ? "Other" : "AWS" }), bucket, close };
            },
        };
    } else if (to === "digitalocean") {
        const clusterId = need("cluster-id", "the database cluster's id (doctl databases list)");
        const myIp = need("my-ip", "this machine's public IPv4 address (trusted sources take no IPv6)");
        const ca = need("ca-file", "the cluster's CA certificate (doctl databases get-ca <cluster-id>)");
        const endpoint = need("spaces-endpoint", "https://<region>.digitaloceanspaces.com");
        const bucket = need("bucket", "the stack's assets bucket (Space)");
        // The stack's database and its user share one name (components/digitalocean/database.ts, appName).
        const dbName = flags.get("db-name") ?? "app";
        if (dbName === "defaultdb" || dbName === "doadmin")
            problems.push(
                `--db-name: "${dbName}" is the cluster's own, not the stack's; use the stack's database (app unless the stack names it otherwise): the app reads only that one, as the user of the same name`,
            );
        else if (!/^[A-Za-z0-9_-]{1,63}$/.test(dbName)) problems.push(`--db-name: "${dbName}" is not a database name; use the stack's database, e.g. app`);
        if (env("TARGET_DATABASE_URL"))
            problems.push(
                "TARGET_DATABASE_URL: not used with --to digitalocean; unset it: the command connects as the stack's database user, whose password it reads with doctl",
            );
        if (myIp && !net.isIPv4(myIp)) problems.push(`--my-ip: "${myIp}" is not an IPv4 address; DigitalOcean trusted sources take IPv4 only`);
        if (ca && !fs.existsSync(ca)) problems.push(`--ca-file: ${ca} does not exist`);
        if (!env("TARGET_S3_ACCESS_KEY_ID") || !env("TARGET_S3_SECRET_ACCESS_KEY"))
            problems.push("TARGET_S3_ACCESS_KEY_ID and TARGET_S3_SECRET_ACCESS_KEY: not set; a Spaces key for the bucket");
        target = {
            description: `database ${dbName} (as user ${dbName}) of DigitalOcean cluster ${clusterId} and Space ${bucket}`,
            open: async (print) => {
                const cmds = doctlCommands({ clusterId, myIp, dbName });
                const doctl = async <T>(args: string[]) => JSON.parse(await run("doctl", args)) as T;
                const names = (await doctl<{ name: string }[]>(cmds.dbs)).map((d) => d.name);
                if (!names.includes(dbName))
                    throw new Error(`--db-name: cluster ${clusterId} has no database "${dbName}" (it has ${names.join(", ")}); use the stack's database`);
                // The API returns a PostgreSQL user's password (doctl databases user get); an array of one.
                const users = await doctl<{ name: string; password?: string }[] | { name: string; password?: string }>(cmds.user);
                const user = (Array.isArray(users) ? users : [users]).find((u) => u.name === dbName);
                if (!user?.password)
                    throw new Error(`cluster ${clusterId} has no user "${dbName}" with a password; the stack's database user is named like its database`);
                const conn = await doctl<{ host: string; port: number }>(cmds.connection);

                type Rule = { uuid: string; type: string; value: string };
                const rules = async () => doctl<Rule[] | null>(cmds.list).then((r) => r ?? []);
                const mine = (r: Rule) => r.type === "ip_addr" && r.value === myIp;
                const existing = (await rules()).find(mine);
                let added: string | undefined;
                if (!existing) {
                    print(`  doctl ${cmds.append.join(" ")}`);
                    await run("doctl", cmds.append);
                    added = (await rules()).find(mine)?.uuid;
                    if (!added) throw new Error(`the trusted-source rule for ${myIp} did not appear on cluster ${clusterId}`);
                }
                const ruleGone = async () => !(await rules()).some(mine);
                return {
                    // As the stack's own user, into the stack's database: the restored tables are the app's (pg_restore --no-owner
                    // makes the connecting user their owner). doadmin is no superuser on DigitalOcean and the app user only holds
                    // USAGE, CREATE on schema public: tables doadmin restored would be closed to the app.
                    pg: {
                        PGHOST: conn.host,
                        PGPORT: String(conn.port),
                        PGUSER: dbName,
                        PGPASSWORD: user.password,
                        PGDATABASE: dbName,
                        PGSSLMODE: "verify-full",
                        PGSSLROOTCERT: ca,
                    },
                    remotes: rcloneRemote("to", {
                        bucket,
                        endpoint,
                        provider: "DigitalOcean",
                        accessKeyId: env("TARGET_S3_ACCESS_KEY_ID"),
                        secretAccessKey: env("TARGET_S3_SECRET_ACCESS_KEY"),
                    }),
                    bucket,
                    explain: async (err) => {
                        if (!CONNECTION_LOST.test(err.message)) return undefined;
                        const gone = await ruleGone().catch(() => false);
                        return new Error(
                            gone
                                ? `the connection to cluster ${clusterId} dropped: the trusted source for ${myIp} is gone. The rule is outside the stack's DatabaseFirewall, and a \`pulumi up\` of the stack resets the firewall to its own rules. The restore runs in one transaction, so the database is as before or whole; run the migration again, with no \`pulumi up\` while it runs. (${err.message.split("\n").at(-1)})`
                                : `the connection to cluster ${clusterId} dropped (the trusted source for ${myIp} is still there: check this machine's public address and network); the restore runs in one transaction, so the database is as before or whole; run the migration again. (${err.message.split("\n").at(-1)})`,
                        );
                    },
                    close: async () => {
                        if (!added) return;
                        if (await ruleGone()) {
                            print(`  the trusted-source rule ${added} is already gone`);
                            return;
                        }
                        print(`  doctl ${cmds.remove(added).join(" ")}`);
                        await run("doctl", cmds.remove(added));
                    },
                };
            },
        };
    } else problems.push(to ? `--to: "${to}" is not a target; use aws, digitalocean or connection` : "--to: not set; use aws, digitalocean or connection");

    if (problems.length) throw new Error([...problems, USAGE].join("\n"));
    return { source: source!, target: target!, force: flags.has("force"), pgBin: flags.get("pg-bin"), json: flags.get("json") };
}

/** Runs the migration; `argv` are the arguments after `--`. */
export async function migrate(argv: readonly string[], print: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<MigrationReport> {
    const p = plan(argv);
    const steps = new Steps(print);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-migrate-"));
    print(`from ${p.source.description}\nto   ${p.target.description}`);
    let open: OpenTarget | undefined;
    try {
        open = await steps.step("open the private path to the target", () => p.target.open(print));
        const t = open;
        try {
            return await transfer(p, t, work, steps, print);
        } catch (err) {
            throw (await t.explain?.(err as Error)) ?? err;
        }
    } finally {
        await open?.close().catch((err: Error) => print(`warning: closing the path to the target failed: ${err.message}`));
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** Tables and sequences the target has and the dump lacks: left alone by --force, listed, not compared. */
function onlyInTarget(expected: DatabaseDigest, actual: DatabaseDigest): { kept: string[]; compared: DatabaseDigest } {
    const tables = new Map([...actual.tables].filter(([n]) => expected.tables.has(n)));
    const sequences = new Map([...actual.sequences].filter(([n]) => expected.sequences.has(n)));
    const kept = [
        ...[...actual.tables.keys()].filter((n) => !tables.has(n)).map((n) => `table ${n}`),
        ...[...actual.sequences.keys()].filter((n) => !sequences.has(n)).map((n) => `sequence ${n}`),
    ];
    return { kept, compared: { tables, sequences, largeObjects: actual.largeObjects } };
}

/** The steps after the path is open: check, dump, restore, copy, verify. */
async function transfer(p: ReturnType<typeof plan>, t: OpenTarget, work: string, steps: Steps, print: (line: string) => void): Promise<MigrationReport> {
    await steps.step("check the target holds no data", async () => {
        const c = await contents(t.pg);
        const objects = t.bucket ? (await bucketSize("to", t.bucket, t.remotes)).count : 0;
        const held = [
            c.tables > 0 ? `database ${t.pg.PGDATABASE} has ${c.tables} tables (${c.rows} rows)` : "",
            c.largeObjects > 0 ? `database ${t.pg.PGDATABASE} has ${c.largeObjects} large objects` : "",
            objects > 0 ? `bucket ${t.bucket} holds ${objects} objects` : "",
        ].filter(Boolean);
        if (held.length === 0) return;
        if (!p.force)
            throw new Error(
                `the target already holds data: ${held.join("; ")}. Nothing was changed. To replace the tables the dump holds (and add objects beside the bucket's), run again with --force`,
            );
        print(`  --force: ${held.join("; ")}; the dump's tables are dropped and recreated, other objects are kept`);
    });

    const dumpFile = path.join(work, "source.dump");
    const manifestFile = path.join(work, "manifest.tsv");
    await steps.step("dump the source (one snapshot, with its manifest)", () => p.source.dump(dumpFile, manifestFile));
    const expected = parseManifest(fs.readFileSync(manifestFile, "utf8"));
    // Checked before any change, every problem at once.
    const refused: string[] = [];
    // The dump's other schemas are created by the target's user: refused if it may not.
    const schemas = await dumpSchemas(dumpFile, p.pgBin);
    if (schemas.length > 0 && (await psql(t.pg, "SELECT has_database_privilege(current_database(), 'CREATE')")) !== "t") {
        refused.push(
            `the dump creates schema ${schemas.join(", ")}, and user ${t.pg.PGUSER} may not create schemas in database ${t.pg.PGDATABASE}. Nothing was changed. ` +
                `Let it, as the database's owner (doadmin on DigitalOcean): GRANT CREATE ON DATABASE ${t.pg.PGDATABASE} TO ${t.pg.PGUSER}; then run again`,
        );
    }
    // Extensions: created beforehand by the database's owner, never by the restore (a managed database's app
    // user may not CREATE EXTENSION, nor COMMENT ON one it does not own): the restore leaves their entries out.
    const extensions = await dumpExtensions(dumpFile, work, p.pgBin);
    if (extensions.length > 0) {
        const present = new Set((await psql(t.pg, "SELECT extname FROM pg_extension")).split("\n"));
        const missing = extensions.filter((e) => !present.has(e.name));
        if (missing.length > 0) {
            refused.push(
                `the dump uses extension ${missing.map((e) => e.name).join(", ")}, which database ${t.pg.PGDATABASE} lacks. Nothing was changed. ` +
                    `The migration never creates extensions (user ${t.pg.PGUSER} may not on a managed database, nor comment on them): create them as the database's owner ` +
                    `(doadmin on DigitalOcean, which offers a listed set: https://docs.digitalocean.com/products/databases/postgresql/details/supported-extensions/), connected to database ${t.pg.PGDATABASE}: ` +
                    `${missing.map((e) => e.statement).join(" ")} then run again`,
            );
        }
    }
    if (refused.length > 0) throw new Error(refused.join("\n"));
    const useList = path.join(work, "restore.list");
    await listWithoutExtensions(dumpFile, useList, p.pgBin);
    await steps.step("restore into the target (pg_restore, one transaction)", () => restoreDump(t.pg, dumpFile, { clean: p.force, pgBin: p.pgBin, useList }));
    const restored = await steps.step("checksum every target table", () => digestDatabase(t.pg));
    // With --force the target's own tables the dump lacks are kept: listed, not a difference.
    const { kept, compared } = p.force ? onlyInTarget(expected, restored) : { kept: [], compared: restored };
    const tables = compared.tables;
    const differences = compareDigests({ ...expected, objects: new Map() }, compared);
    for (const k of kept) print(`  ${k}: only in the target (kept)`);

    let objects = 0;
    let objectBytes = 0;
    if (p.source.copyObjects && t.bucket) {
        const staging = path.join(work, "objects");
        fs.mkdirSync(staging);
        await steps.step("copy the objects out of the source", () => p.source.copyObjects!(staging));
        const copied = await steps.step("checksum the copied objects", () => digestFiles(staging));
        if (p.source.objectCount) {
            const n = await p.source.objectCount();
            if (n !== copied.size) differences.push(`the source bucket holds ${n} objects, ${copied.size} were copied`);
        }
        await steps.step("copy the objects into the target bucket", () => rclone(["copy", staging, `to:${t.bucket}`], t.remotes));
        const landed = await steps.step("checksum every target object (read back)", () => bucketDigest("to", t.bucket!, t.remotes));
        // Objects the target held before (kept under --force) are not the source's: compare the source's keys only.
        const mine = p.force ? new Map([...landed].filter(([k]) => copied.has(k))) : landed;
        differences.push(...compareDigests({ tables: new Map(), objects: copied }, { objects: mine }));
        objects = copied.size;
        objectBytes = listFiles(staging).length ? treeBytes(staging) : 0;
    }

    const report: MigrationReport = { ...verifiedCopy({ tables, dumpFile, objects, objectBytes, differences, steps }), kept };
    printVerifiedCopy(
        print,
        steps,
        report,
        { passed: "migration verified: every table and object of the target equals the source's", failed: "migration FAILED verification" },
        p.json,
    );
    return report;
}

if (require.main === module) {
    migrate(process.argv.slice(2)).then(
        (r) => process.exit(r.ok ? 0 : 1),
        (err: Error) => {
            process.stderr.write(`migrate: ${err.message}\n`);
            process.exit(2);
        },
    );
}
