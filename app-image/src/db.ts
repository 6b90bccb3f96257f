/**
 * PostgreSQL pools: one for the writer (primary), one for the reader (replica).
 *
 * @packageDocumentation
 */
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { DatabaseConfig, DbEndpoint, DbSslMode } from './config.js';

/** User name and password; the password may be a function so rotated secrets are picked up. */
export interface DbCredentials {
  /** Database user. */
  user: string;
  /** Password, or a function returning the current one. */
  password: string | (() => Promise<string>);
}

/** The writer and reader pools. */
export interface Pools {
  /** Pool on the primary. */
  writer: pg.Pool;
  /** Pool on the replica, or the writer pool itself when no replica is configured. */
  reader: pg.Pool;
  /** True when reads go to the writer. */
  readerIsWriter: boolean;
  /** Closes both pools (once each). */
  close(): Promise<void>;
}

/** Minimal logger interface (pino-compatible). */
export interface WarnLogger {
  /** Logs a warning. */
  warn(obj: object, msg: string): void;
}

/**
 * Builds the `ssl` option of `pg` for a TLS mode, following libpq's meaning of the names.
 *
 * @param mode - `disable`: plain TCP; `require`: TLS without checking the certificate
 *   (unless a CA is given, then the chain is checked but not the host name);
 *   `verify-full`: TLS, chain and host name checked
 * @param ca - PEM bundle to trust, for example the RDS CA bundle
 * @returns `false` or TLS options
 */
export function sslOptions(mode: DbSslMode, ca: string | undefined): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return ca === undefined
        ? { rejectUnauthorized: false }
        : { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return ca === undefined ? { rejectUnauthorized: true } : { ca, rejectUnauthorized: true };
  }
}

/**
 * Creates the writer and reader pools. Connections are opened lazily.
 *
 * @param config - database configuration
 * @param credentials - user and password (from the URL or from Secrets Manager)
 * @param ca - contents of `DB_SSL_CA_FILE`, if any
 * @param logger - receives errors of idle connections (for example a server restart)
 */
export function createPools(
  config: DatabaseConfig,
  credentials: { writer: DbCredentials; reader: DbCredentials },
  ca: string | undefined,
  logger: WarnLogger,
): Pools {
  const make = (endpoint: DbEndpoint, creds: DbCredentials, role: 'writer' | 'reader'): pg.Pool => {
    const pool = new pg.Pool({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.database === undefined ? {} : { database: endpoint.database }),
      user: creds.user,
      password: creds.password,
      ssl: sslOptions(config.sslMode, ca),
      max: config.poolMax,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      statement_timeout: 15000,
      keepAlive: true,
      application_name: `alicerce-app-${role}`,
    });
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on('error', (err) => logger.warn({ err, pool: role }, 'idle database connection failed'));
    return pool;
  };
  const writer = make(config.writer, credentials.writer, 'writer');
  const reader = config.reader === undefined ? writer : make(config.reader, credentials.reader, 'reader');
  let closing: Promise<void> | undefined;
  return {
    writer,
    reader,
    readerIsWriter: reader === writer,
    close() {
      closing ??= Promise.all([writer.end(), reader === writer ? undefined : reader.end()]).then(() => undefined);
      return closing;
    },
  };
}

/** Result of a readiness probe on one pool. */
export interface DbCheck {
  /** Whether the server answered in time. */
  ok: boolean;
  /** `pg_is_in_recovery()`: true on a replica. */
  inRecovery?: boolean;
  /** Why the check failed. */
  error?: string;
}

/**
 * Runs a trivial query on a pool, bounded in time.
 *
 * @param pool - pool to probe
 * @param timeoutMs - how long to wait
 */
export async function checkPool(pool: pg.Pool, timeoutMs: number): Promise<DbCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([
      pool.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery'),
      timeout,
    ]);
    return { ok: true, inRecovery: result.rows[0]?.in_recovery === true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
