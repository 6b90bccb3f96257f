/**
 * Test harness: a throw-away PostgreSQL primary with TLS and a streaming
 * replica, in a temporary directory, on free loopback ports.
 *
 * Works as root (CI) by running the server binaries as the `postgres` OS user,
 * and as an ordinary user by running them directly.
 *
 * @packageDocumentation
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  appendFileSync,
  chownSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Role the service connects as (owner of the test databases). */
export const APP_ROLE = 'app';

/** A running primary + replica pair. */
export interface PgCluster {
  /** Temporary directory holding data, sockets, certificate and logs. */
  readonly dir: string;
  /** TCP port of the primary. */
  readonly primaryPort: number;
  /** TCP port of the replica. */
  readonly replicaPort: number;
  /** Self-signed server certificate (PEM): the CA for `verify-full`. */
  readonly caFile: string;
  /** Randomly generated password of {@link APP_ROLE}. */
  readonly appPassword: string;
  /** `postgres://` URL for the app role on the primary or the replica. */
  url(database: string, server?: 'primary' | 'replica'): string;
  /** Runs SQL as superuser over the Unix socket; no TLS, no password. */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    opts?: { server?: 'primary' | 'replica'; database?: string },
  ): Promise<pg.QueryResult<T>>;
  /** A connected superuser client (caller ends it). */
  adminClient(opts?: { server?: 'primary' | 'replica'; database?: string }): Promise<pg.Client>;
  /** Creates a fresh database owned by the app role and waits until the replica has it. */
  createDatabase(prefix: string): Promise<string>;
  /** Waits until the replica has replayed everything the primary has written so far. */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Stops the replica (fast shutdown). */
  stopReplica(): Promise<void>;
  /** Starts the replica again and waits until it accepts connections. */
  startReplica(): Promise<void>;
  /** Stops both servers and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const TIMEOUT_MS = 60_000;

/**
 * Finds the PostgreSQL server binaries: `pg_config --bindir`, else the newest
 * `/usr/lib/postgresql/N/bin` (Debian keeps them off PATH).
 */
export function findPgBinDir(): string {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = fromConfig.status === 0 ? fromConfig.stdout.trim() : '';
  if (dir !== '' && existsSync(join(dir, 'initdb'))) return dir;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) {
    throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql');
  }
  return join(root, versions[0], 'bin');
}

/** Asks the kernel for a free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function run(cmd: string, args: string[], timeoutMs = TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Starts a TLS-enabled primary and a streaming replica.
 *
 * Everything is torn down if any step fails.
 */
export async function startCluster(): Promise<PgCluster> {
  const bin = findPgBinDir();
  const asRoot = process.getuid?.() === 0;
  // As root, initdb refuses to run: server processes run as the postgres user.
  const pgRun = (tool: string, args: string[], timeoutMs?: number) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], timeoutMs)
      : run(join(bin, tool), args, timeoutMs);

  const dir = mkdtempSync(join(tmpdir(), 'alicerce-pg-'));
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const sockDir = join(dir, 'sock');
  const tlsDir = join(dir, 'tls');
  const caFile = join(tlsDir, 'server.crt');
  const keyFile = join(tlsDir, 'server.key');
  const appPassword = randomBytes(18).toString('base64url');
  const superPassword = randomBytes(18).toString('base64url');
  const running = new Set<string>();
  let stopped = false;

  const pgCtlStop = (dataDir: string, mode: 'fast' | 'immediate') =>
    pgRun('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']).finally(() => running.delete(dataDir));
  const stopSync = () => {
    for (const dataDir of running) {
      const args = ['-D', dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop'];
      if (asRoot) spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args], { timeout: 15_000 });
      else spawnSync(join(bin, 'pg_ctl'), args, { timeout: 15_000 });
    }
    running.clear();
    rmSync(dir, { recursive: true, force: true });
  };
  // Last resort if the test process exits without running its hooks.
  process.once('exit', stopSync);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled([...running].map((d) => pgCtlStop(d, 'immediate')));
    stopSync();
    process.removeListener('exit', stopSync);
  };

  try {
    mkdirSync(sockDir);
    mkdirSync(tlsDir);
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      caFile,
    ]);
    chmodSync(keyFile, 0o600);
    const pwFile = join(dir, 'superuser.pw');
    writeFileSync(pwFile, superPassword + '\n', { mode: 0o600 });
    if (asRoot) {
      const { uid, gid } = pgUser();
      for (const p of [dir, sockDir, tlsDir, keyFile, caFile, pwFile]) chownSync(p, uid, gid);
    }

    await pgRun('initdb', [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwFile}`,
    ]);
    rmSync(pwFile);
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sockDir}'`,
        'ssl = on',
        `ssl_cert_file = '${caFile}'`,
        `ssl_key_file = '${keyFile}'`,
        'max_connections = 200',
        'wal_level = replica',
        'max_wal_senders = 5',
        'hot_standby = on',
        // A throw-away test server: durability is not the point, speed is.
        'fsync = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    // TCP only with TLS; plain TCP is refused, so a client that skips TLS fails loudly.
    writeFileSync(
      join(primaryDir, 'pg_hba.conf'),
      [
        'local all all trust',
        'local replication all trust',
        'hostssl all all 127.0.0.1/32 scram-sha-256',
        'host all all 127.0.0.1/32 reject',
        '',
      ].join('\n'),
    );

    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const startServer = async (dataDir: string, port: number) => {
      running.add(dataDir);
      await pgRun('pg_ctl', [
        '-D',
        dataDir,
        '-o',
        `-p ${port}`,
        '-l',
        join(dir, `${port}.log`),
        '-w',
        '-t',
        '60',
        'start',
      ]);
    };
    await startServer(primaryDir, primaryPort);

    const adminClient = async (opts: { server?: 'primary' | 'replica'; database?: string } = {}) => {
      const client = new pg.Client({
        host: sockDir,
        port: opts.server === 'replica' ? replicaPort : primaryPort,
        user: 'postgres',
        database: opts.database ?? 'postgres',
        connectionTimeoutMillis: 10_000,
      });
      await client.connect();
      return client;
    };
    const admin = async <T extends pg.QueryResultRow>(
      sql: string,
      params: unknown[] = [],
      opts: { server?: 'primary' | 'replica'; database?: string } = {},
    ) => {
      const client = await adminClient(opts);
      try {
        return await client.query<T>(sql, params);
      } finally {
        await client.end();
      }
    };

    {
      const client = await adminClient();
      try {
        await client.query(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD ${client.escapeLiteral(appPassword)}`);
      } finally {
        await client.end();
      }
    }

    await pgRun('pg_basebackup', [
      '-h',
      sockDir,
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    await startServer(replicaDir, replicaPort);

    const waitForReplica = async (timeoutMs = 20_000) => {
      const { rows } = await admin<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const target = rows[0]?.lsn;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await admin<{ caught_up: boolean }>(
          'SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0 AS caught_up',
          [target],
          { server: 'replica' },
        );
        if (r.rows[0]?.caught_up === true) return;
        if (Date.now() > deadline) throw new Error(`replica did not catch up within ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };

    let dbCounter = 0;
    return {
      dir,
      primaryPort,
      replicaPort,
      caFile,
      appPassword,
      url: (database, server = 'primary') =>
        `postgres://${APP_ROLE}:${encodeURIComponent(appPassword)}@127.0.0.1:${server === 'replica' ? replicaPort : primaryPort}/${database}`,
      admin,
      adminClient,
      async createDatabase(prefix) {
        dbCounter += 1;
        const name = `${prefix}_${dbCounter}_${randomBytes(3).toString('hex')}`;
        await admin(`CREATE DATABASE ${name} OWNER ${APP_ROLE}`);
        await waitForReplica();
        return name;
      },
      waitForReplica,
      stopReplica: async () => {
        await pgCtlStop(replicaDir, 'fast');
      },
      startReplica: () => startServer(replicaDir, replicaPort),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function pgUser(): { uid: number; gid: number } {
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gidOut = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (out.status !== 0 || gidOut.status !== 0) {
    throw new Error('running as root needs a "postgres" OS user (apt-get install -y postgresql creates it)');
  }
  return { uid: Number(out.stdout.trim()), gid: Number(gidOut.stdout.trim()) };
}

let shared: Promise<PgCluster> | undefined;

/** The cluster shared by all test files, started on first use. */
export function sharedCluster(): Promise<PgCluster> {
  shared ??= startCluster();
  return shared;
}

/** Stops the shared cluster if it was started (root `afterAll` hook). */
export async function stopSharedCluster(): Promise<void> {
  if (shared === undefined) return;
  const pending = shared;
  shared = undefined;
  const cluster = await pending.catch(() => undefined);
  await cluster?.stop();
}
