import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { run } from "./proc";

/**
 * backup.sh, the single host's backup job: its `dump`, `digest` and
 * `digest-files` commands are the one definition of a consistent dump and of
 * the table and object checksums, shared by the nightly backup, the drill and
 * the migration.
 */
export const BACKUP_SCRIPT = path.join(__dirname, "..", "..", "components", "docker", "backup", "backup.sh");

/** libpq's connection variables (https://www.postgresql.org/docs/current/libpq-envars.html). */
export type PgEnv = Record<"PGHOST" | "PGPORT" | "PGUSER" | "PGDATABASE", string> &
    Partial<Record<"PGPASSWORD" | "PGHOSTADDR" | "PGSSLMODE" | "PGSSLROOTCERT", string>>;

/**
 * A `postgres://user:password@host:port/db?sslmode=…` URL as libpq variables,
 * so no password ever appears in a process's arguments (`ps` shows them).
 */
export function pgEnvFromUrl(url: string, what: string): PgEnv {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`${what}: not a URL; use postgres://user:password@host:5432/database`);
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
        throw new Error(`${what}: "${u.protocol}" is not postgres:; use postgres://user:password@host:5432/database`);
    const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
    if (!u.hostname || !u.username || !database)
        throw new Error(`${what}: needs a host, a user and a database; use postgres://user:password@host:5432/database`);
    const env: PgEnv = {
        PGHOST: u.hostname.replace(/^\[|\]$/g, ""),
        PGPORT: u.port || "5432",
        PGUSER: decodeURIComponent(u.username),
        PGDATABASE: database,
    };
    if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
    const sslmode = u.searchParams.get("sslmode");
    if (sslmode) env.PGSSLMODE = sslmode;
    const root = u.searchParams.get("sslrootcert");
    if (root) env.PGSSLROOTCERT = root;
    return env;
}

/** The environment a PostgreSQL client runs in: ours without any PG* variable of the user's, plus these. */
export function clientEnv(pg: PgEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));
    return { ...base, TZ: "UTC", ...pg, ...extra };
}

/** Every table's row count and checksum (backup.sh's manifest lines). */
export type TableDigest = Map<string, { readonly rows: number; readonly checksum: string }>;
/** Every sequence's `last_value` and `is_called`, by name. */
export type SequenceDigest = Map<string, { readonly lastValue: string; readonly isCalled: boolean }>;
/** The large objects' count and checksum. */
export interface LargeObjectDigest {
    readonly count: number;
    readonly checksum: string;
}
/** Every object's sha256, by key. */
export type ObjectDigest = Map<string, string>;

/** What backup.sh records of a database: tables, sequences and large objects. */
export interface DatabaseDigest {
    readonly tables: TableDigest;
    readonly sequences: SequenceDigest;
    /** Undefined in a manifest written before backup.sh recorded sequences and large objects. */
    readonly largeObjects?: LargeObjectDigest;
}

/** A whole manifest: the database's digest and the objects'. */
export interface Manifest extends DatabaseDigest {
    readonly objects: ObjectDigest;
}

/** Parses backup.sh's manifest lines (`table`, `sequence`, `large-objects` and `object`); other lines are an error. */
export function parseManifest(text: string): Manifest {
    const tables: TableDigest = new Map();
    const sequences: SequenceDigest = new Map();
    const objects: ObjectDigest = new Map();
    let largeObjects: LargeObjectDigest | undefined;
    for (const line of text.split("\n")) {
        if (line === "") continue;
        const f = line.split("\t");
        if (f[0] === "table" && f.length === 4) tables.set(f[1], { rows: Number(f[2]), checksum: f[3] });
        else if (f[0] === "sequence" && f.length === 4 && (f[3] === "t" || f[3] === "f")) sequences.set(f[1], { lastValue: f[2], isCalled: f[3] === "t" });
        else if (f[0] === "large-objects" && f.length === 3) largeObjects = { count: Number(f[1]), checksum: f[2] };
        else if (f[0] === "object" && f.length === 3) objects.set(f[1], f[2]);
        else throw new Error(`manifest line not understood: ${JSON.stringify(line.slice(0, 120))}`);
    }
    return { tables, sequences, largeObjects, objects };
}

const sequenceState = (s: { lastValue: string; isCalled: boolean }) => `${s.lastValue}${s.isCalled ? "" : " (not yet called)"}`;

/**
 * A sequence is behind the manifest when it would hand out a value the
 * recorded one already passed. backup.sh reads sequences (not transactional)
 * just before pg_dump does: with writes going on, the dump's value may be
 * ahead of the manifest's, never behind. Ascending sequences (serial,
 * identity); a descending one matches only when nothing wrote during the dump.
 */
function behind(a: { lastValue: string; isCalled: boolean }, e: { lastValue: string; isCalled: boolean }): boolean {
    const [av, ev] = [BigInt(a.lastValue), BigInt(e.lastValue)];
    return av < ev || (av === ev && e.isCalled && !a.isCalled);
}

/**
 * Every difference between what was recorded and what is there, one line each;
 * empty when equal. Only the parts `actual` holds are compared; sequences and
 * large objects only when `expected` recorded them (older manifests did not).
 */
export function compareDigests(
    expected: { readonly tables: TableDigest; readonly objects: ObjectDigest; readonly sequences?: SequenceDigest; readonly largeObjects?: LargeObjectDigest },
    actual: { tables?: TableDigest; sequences?: SequenceDigest; largeObjects?: LargeObjectDigest; objects?: ObjectDigest },
): string[] {
    const out: string[] = [];
    if (actual.tables) {
        for (const [name, e] of expected.tables) {
            const a = actual.tables.get(name);
            if (!a) out.push(`table ${name}: missing (expected ${e.rows} rows)`);
            else if (a.rows !== e.rows) out.push(`table ${name}: ${a.rows} rows, expected ${e.rows}`);
            else if (a.checksum !== e.checksum) out.push(`table ${name}: ${a.rows} rows as expected, but their checksum differs`);
        }
        for (const name of actual.tables.keys()) if (!expected.tables.has(name)) out.push(`table ${name}: not in the source`);
    }
    if (actual.sequences && expected.largeObjects) {
        for (const [name, e] of expected.sequences ?? []) {
            const a = actual.sequences.get(name);
            if (!a) out.push(`sequence ${name}: missing (expected at ${sequenceState(e)})`);
            else if (behind(a, e)) out.push(`sequence ${name}: at ${sequenceState(a)}, expected at least ${sequenceState(e)}`);
        }
        for (const name of actual.sequences.keys()) if (!expected.sequences?.has(name)) out.push(`sequence ${name}: not in the source`);
    }
    if (actual.largeObjects && expected.largeObjects) {
        const [a, e] = [actual.largeObjects, expected.largeObjects];
        if (a.count !== e.count) out.push(`large objects: ${a.count}, expected ${e.count}`);
        else if (a.checksum !== e.checksum) out.push(`large objects: ${a.count} as expected, but their checksum differs`);
    }
    if (actual.objects) {
        for (const [key, sha] of expected.objects) {
            const a = actual.objects.get(key);
            if (a === undefined) out.push(`object ${key}: missing`);
            else if (a !== sha) out.push(`object ${key}: sha256 ${a}, expected ${sha}`);
        }
        for (const key of actual.objects.keys()) if (!expected.objects.has(key)) out.push(`object ${key}: not in the source`);
    }
    return out;
}

/** Row counts and checksums of every table, every sequence's state and the large objects' checksum, of the database `pg` names. */
export async function digestDatabase(pg: PgEnv): Promise<DatabaseDigest> {
    const m = parseManifest(await run("sh", [BACKUP_SCRIPT, "digest"], { env: clientEnv(pg) }));
    return { tables: m.tables, sequences: m.sequences, largeObjects: m.largeObjects };
}

/** Row counts and checksums of every table of the database `pg` names. */
export async function digestTables(pg: PgEnv): Promise<TableDigest> {
    return (await digestDatabase(pg)).tables;
}

/** The sha256 of every file under `dir`, keyed by its path relative to `dir` (an object key). */
export async function digestFiles(dir: string): Promise<ObjectDigest> {
    return parseManifest(await run("sh", [BACKUP_SCRIPT, "digest-files", dir])).objects;
}

/** A dump of `pg` and its table manifest, both from one snapshot of the database (backup.sh dump). */
export async function consistentDump(pg: PgEnv, dumpFile: string, manifestFile: string, pgBin?: string): Promise<void> {
    await run("sh", [BACKUP_SCRIPT, "dump", dumpFile, manifestFile], { env: clientEnv(pg, pgBin ? { PATH: `${pgBin}:${process.env.PATH}` } : {}) });
}

/** How many tables the database holds outside the system schemas, how many rows they hold in all, and its large objects. */
export async function contents(pg: PgEnv): Promise<{ tables: number; rows: number; largeObjects: number }> {
    const d = await digestDatabase(pg);
    return { tables: d.tables.size, rows: [...d.tables.values()].reduce((n, t) => n + t.rows, 0), largeObjects: d.largeObjects?.count ?? 0 };
}

/** The directory of the newest PostgreSQL server binaries here (Debian's layout), or PG_BIN. */
export function findPgBin(): string {
    if (process.env.PG_BIN) return process.env.PG_BIN;
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions.length === 0)
        throw new Error(
            "no PostgreSQL server binaries (initdb) found under /usr/lib/postgresql; install postgresql (its major version at least the dump's), or set PG_BIN",
        );
    return path.join(root, versions[0], "bin");
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/**
 * A throwaway PostgreSQL server in a directory of its own, listening on
 * loopback only on a free port, with a generated scram password. Run as the
 * `postgres` user when we are root (initdb and the server refuse root).
 */
export class ScratchCluster {
    private constructor(
        readonly dir: string,
        readonly pg: PgEnv,
        private readonly bin: string,
    ) {}

    /** Starts one in a new directory under the system's temporary directory; `stop` removes it. */
    static async start(
        o: { database?: string; user?: string; bin?: string; ssl?: { readonly certFile: string; readonly keyFile: string } } = {},
    ): Promise<ScratchCluster> {
        const bin = o.bin ?? findPgBin();
        const user = o.user ?? "app";
        const password = crypto.randomBytes(18).toString("base64url");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-pg-"));
        const data = path.join(dir, "data");
        const pwfile = path.join(dir, "pw");
        fs.writeFileSync(pwfile, password + "\n", { mode: 0o600 });
        const ssl: string[] = [];
        if (o.ssl) {
            fs.copyFileSync(o.ssl.certFile, path.join(dir, "server.crt"));
            fs.copyFileSync(o.ssl.keyFile, path.join(dir, "server.key"));
            fs.chmodSync(path.join(dir, "server.key"), 0o600);
            ssl.push("-c ssl=on", `-c ssl_cert_file=${dir}/server.crt`, `-c ssl_key_file=${dir}/server.key`);
        }
        if (process.getuid?.() === 0) {
            const uid = Number((await run("id", ["-u", "postgres"])).trim());
            const gid = Number((await run("id", ["-g", "postgres"])).trim());
            for (const f of [dir, pwfile, ...(o.ssl ? [path.join(dir, "server.crt"), path.join(dir, "server.key")] : [])]) fs.chownSync(f, uid, gid);
        }
        const port = await freePort();
        const as = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? run("runuser", ["-u", "postgres", "--", cmd, ...args]) : run(cmd, args));
        try {
            await as(path.join(bin, "initdb"), [
                "-D",
                data,
                "-U",
                user,
                "--auth=scram-sha-256",
                `--pwfile=${pwfile}`,
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ]);
        } finally {
            fs.rmSync(pwfile, { force: true });
        }
        await as(path.join(bin, "pg_ctl"), [
            "-D",
            data,
            "-l",
            path.join(dir, "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, ...ssl].join(" "),
            "start",
        ]);
        const cluster = new ScratchCluster(dir, { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: "postgres" }, bin);
        const database = o.database ?? "app";
        await run(path.join(bin, "createdb"), [database], { env: clientEnv(cluster.pg) });
        (cluster.pg as { PGDATABASE: string }).PGDATABASE = database;
        return cluster;
    }

    /** Stops the server at once and removes its directory (its data is thrown away). */
    async stop(): Promise<void> {
        const args = ["-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "-t", "30", "stop"];
        const cmd = path.join(this.bin, "pg_ctl");
        await (process.getuid?.() === 0 ? run("runuser", ["-u", "postgres", "--", cmd, ...args]) : run(cmd, args)).catch(() => undefined);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Runs SQL with psql against `pg`, stopping at the first error; resolves with the unaligned, tuples-only output. */
export async function psql(pg: PgEnv, sql: string): Promise<string> {
    return (await run("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"], { env: clientEnv(pg), input: sql })).trim();
}

/**
 * pg_restore of a custom-format dump in one transaction; `clean` drops the objects it recreates first;
 * `useList` restores only the entries of that list (`pg_restore --use-list`, e.g. {@link listWithoutExtensions}).
 */
export async function restoreDump(pg: PgEnv, dumpFile: string, o: { clean?: boolean; pgBin?: string; useList?: string } = {}): Promise<void> {
    const bin = o.pgBin ? path.join(o.pgBin, "pg_restore") : "pg_restore";
    await run(
        bin,
        [
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            ...(o.clean ? ["--clean", "--if-exists"] : []),
            ...(o.useList ? [`--use-list=${o.useList}`] : []),
            `--dbname=${pg.PGDATABASE}`,
            dumpFile,
        ],
        { env: clientEnv(pg) },
    );
}

/** The schemas a custom-format dump creates (its `SCHEMA` entries; `public` is never one: every database has it). */
export async function dumpSchemas(dumpFile: string, pgBin?: string): Promise<string[]> {
    const list = await run(pgBin ? path.join(pgBin, "pg_restore") : "pg_restore", ["--list", dumpFile]);
    // TOC lines: `<id>; <catalog oid> <oid> SCHEMA - <name> <owner>` (https://www.postgresql.org/docs/current/app-pgrestore.html, --list)
    return [...list.matchAll(/^\d+; \d+ \d+ SCHEMA - (\S+)/gm)].map((m) => m[1]);
}

/** TOC lines of an extension and of its comment (`pg_restore --list`): `<id>; 3079 <oid> EXTENSION - <name> <owner>`, `<id>; 0 0 COMMENT - EXTENSION <name> ...`. */
const EXTENSION_ENTRY = /^\d+; \d+ \d+ (EXTENSION - (\S+)|COMMENT - EXTENSION (\S+))/;

/**
 * The extensions a custom-format dump creates (its `EXTENSION` entries), each with the
 * statement pg_restore would run for it (`CREATE EXTENSION IF NOT EXISTS <name> WITH SCHEMA <schema>`),
 * read from the dump itself (`pg_restore --use-list` of those entries, `--file=-`).
 * Creating an extension and `COMMENT ON EXTENSION` need rights an application user does not
 * hold on a managed database (DigitalOcean: the database's owner, doadmin): the operator runs
 * these statements first, and the restore leaves the entries out ({@link listWithoutExtensions}).
 */
export async function dumpExtensions(dumpFile: string, work: string, pgBin?: string): Promise<{ name: string; statement: string }[]> {
    const bin = pgBin ? path.join(pgBin, "pg_restore") : "pg_restore";
    const lines = (await run(bin, ["--list", dumpFile])).split("\n");
    const entries = lines.filter((l) => /^\d+; \d+ \d+ EXTENSION - /.test(l));
    if (entries.length === 0) return [];
    const list = path.join(work, "extensions.list");
    fs.writeFileSync(list, entries.join("\n") + "\n");
    const sql = await run(bin, [`--use-list=${list}`, "--file=-", dumpFile]);
    return entries.map((l) => {
        const name = l.match(EXTENSION_ENTRY)![2];
        const statement = sql.split("\n").find((s) => new RegExp(`^CREATE EXTENSION IF NOT EXISTS "?${name.replace(/[^A-Za-z0-9_-]/g, "")}"?( |;)`).test(s));
        return { name, statement: statement ?? `CREATE EXTENSION IF NOT EXISTS "${name}";` };
    });
}

/** Writes a `pg_restore --use-list` file of every entry of the dump except its EXTENSION and COMMENT - EXTENSION ones; returns how many were left out. */
export async function listWithoutExtensions(dumpFile: string, listFile: string, pgBin?: string): Promise<number> {
    const lines = (await run(pgBin ? path.join(pgBin, "pg_restore") : "pg_restore", ["--list", dumpFile])).split("\n");
    const kept = lines.filter((l) => !EXTENSION_ENTRY.test(l));
    fs.writeFileSync(listFile, kept.join("\n") + "\n");
    return lines.length - kept.length;
}
