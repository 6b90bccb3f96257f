/**
 * Test harness: a throw-away redis-server (Debian `redis-server`) on loopback,
 * with a password (AUTH) on a plain port and the same server on a TLS port
 * (self-signed certificate from openssl), as ElastiCache and DigitalOcean's
 * Valkey require TLS and a token.
 *
 * @packageDocumentation
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './postgres.js';

/** A running redis-server. */
export interface RedisServer {
  /** Plain TCP port. */
  readonly port: number;
  /** TLS port. */
  readonly tlsPort: number;
  /** The AUTH password. */
  readonly password: string;
  /** Self-signed certificate (PEM file): the CA for TLS clients. */
  readonly caFile: string;
  /** `redis://:password@127.0.0.1:port/db`. */
  url(db?: number): string;
  /** `rediss://:password@localhost:tlsPort/db`. */
  tlsUrl(db?: number): string;
  /** A client on the plain port (caller quits it). */
  client(db?: number): Redis;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${stderr}`)) : resolve(),
    );
  });
}

/** Starts a server with no persistence (a test needs none). */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'alicerce-redis-'));
  const keyFile = join(dir, 'server.key');
  const caFile = join(dir, 'server.crt');
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
  const password = randomBytes(24).toString('hex');
  const port = await freePort();
  const tlsPort = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      caFile,
      '--tls-key-file',
      keyFile,
      '--tls-auth-clients',
      'no',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      // What a queue needs (issue: no eviction of queue keys); BullMQ warns on anything else.
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = (db = 0) => `redis://:${password}@127.0.0.1:${port}/${db}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = new Redis(url(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // not up yet: the loop tries again
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    tlsPort,
    password,
    caFile,
    url,
    tlsUrl: (db = 0) => `rediss://:${password}@localhost:${tlsPort}/${db}`,
    client: (db = 0) => {
      const c = new Redis(url(db), { maxRetriesPerRequest: null });
      c.on('error', () => undefined); // reconnects by itself; a test that needs it fails on its own command
      return c;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<RedisServer> | undefined;
let dbCounter = 0;

/** The server shared by all test files, started on first use. */
export function sharedRedis(): Promise<RedisServer> {
  shared ??= startRedis();
  return shared;
}

/** A database number no other test file uses (0-15: redis-server's default 16 databases). */
export function nextRedisDb(): number {
  dbCounter += 1;
  if (dbCounter > 15) throw new Error('out of redis databases: raise --databases in test/support/redis.ts');
  return dbCounter;
}

/** Stops the shared server if it was started (root `afterAll` hook). */
export async function stopSharedRedis(): Promise<void> {
  if (shared === undefined) return;
  const pending = shared;
  shared = undefined;
  const server = await pending.catch(() => undefined);
  await server?.stop();
}
