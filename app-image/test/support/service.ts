/**
 * Runs the compiled service (`dist/main.js`) as a child process, the way the
 * container does, and reads its JSON log lines.
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, type PgCluster } from './postgres.js';

/** The app-image folder. */
export const APP_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A running service process. */
export interface ServiceProcess {
  /** Child process. */
  readonly child: ChildProcess;
  /** Port it listens on. */
  readonly port: number;
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** Parsed JSON log lines so far. */
  readonly logs: LogLine[];
  /** Everything written to stdout and stderr, raw. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for a log line matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends SIGTERM and waits for exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const children = new Set<ServiceProcess>();

/** Random, run-time generated secrets the tests hand to the service. */
export const testSecrets = {
  signingKey: randomBytes(32).toString('base64url'),
  awsAccessKeyId: 'AKIA' + randomBytes(8).toString('hex').toUpperCase(),
  awsSecretAccessKey: randomBytes(30).toString('base64url'),
};

/**
 * Environment for the service: the given database, a custom S3 endpoint
 * (nothing is sent to it: presigning is local) and random credentials.
 *
 * @param cluster - test cluster
 * @param database - database name
 * @param withReplica - whether to pass DATABASE_READER_URL
 */
export function serviceEnv(cluster: PgCluster, database: string, withReplica = true): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: cluster.url(database, 'primary'),
    ...(withReplica ? { DATABASE_READER_URL: cluster.url(database, 'replica') } : {}),
    DB_SSL_MODE: 'require',
    SESSION_SIGNING_KEY: testSecrets.signingKey,
    ASSETS_BUCKET: 'test-assets',
    S3_ENDPOINT: 'http://127.0.0.1:9000',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: testSecrets.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: testSecrets.awsSecretAccessKey,
  };
}

/**
 * Spawns `node dist/main.js` (or `opts.script`) with only the given environment (plus PATH).
 *
 * @param env - service environment; PORT and HOST are added
 * @param opts - `waitForListening` (default true) waits for the "Server listening" line;
 *   `discardOutputAfterStart` drops log lines once listening (benchmarks log a lot)
 */
export async function startService(
  env: Record<string, string>,
  opts: { waitForListening?: boolean; port?: number; discardOutputAfterStart?: boolean; script?: string } = {},
): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const script = opts.script ?? 'dist/main.js';
  const child = spawn(process.execPath, [script], {
    cwd: APP_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let raw = '';
  const waiters = new Set<() => void>();
  let pending = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    raw += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, level: 'raw' });
      }
    }
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    children.delete(service);
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (hasExited || child.exitCode !== null) {
          cleanup();
          reject(new Error(`service exited before the expected log line; output:\n${raw}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`expected log line not seen within ${timeoutMs} ms; output:\n${raw}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const service: ServiceProcess = {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    output: () => raw,
    exited,
    waitForLog,
    async stop(timeoutMs = 30_000) {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  children.add(service);
  if (opts.waitForListening ?? true) {
    const ready = script === 'dist/worker.js' ? 'worker started' : 'Server listening';
    await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith(ready));
  }
  if (opts.discardOutputAfterStart === true) {
    child.stdout?.off('data', onData).resume();
    child.stderr?.off('data', onData).resume();
  }
  return service;
}

/**
 * Spawns the worker, `node dist/worker.js`, the command its containers run.
 *
 * @param env - worker environment; PORT and HOST are added
 * @param opts - as {@link startService}
 */
export function startWorker(
  env: Record<string, string>,
  opts: { waitForListening?: boolean; port?: number; discardOutputAfterStart?: boolean } = {},
): Promise<ServiceProcess> {
  return startService(env, { ...opts, script: 'dist/worker.js' });
}

/** Stops every service process still running. */
export async function stopAllServices(): Promise<void> {
  await Promise.allSettled([...children].map((s) => s.stop(10_000)));
}
