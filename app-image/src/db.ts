/**
 * PostgreSQL pools: one for the writer (primary), one for the reader (replica),
 * and the reader's fallback to the writer while the replica is unreachable.
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

/** What runs a read: a pool, or the reader with its fallback. */
export interface Queryable {
  /** Runs one statement. */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The writer and reader pools. */
export interface Pools {
  /** Pool on the primary. */
  writer: pg.Pool;
  /**
   * Where reads go: the replica, falling back to the writer while the replica
   * is unreachable ({@link readerWithFallback}); the writer pool itself when
   * no replica is configured.
   */
  reader: Queryable;
  /** Pool on the replica, or undefined when reads go to the writer. */
  replica: pg.Pool | undefined;
  /** True when reads go to the writer. */
  readerIsWriter: boolean;
  /** Closes both pools (once each). */
  close(): Promise<void>;
}

/** Minimal logger interface (pino-compatible). */
export interface WarnLogger {
  /** Logs a warning. */
  warn(obj: object, msg: string): void;
  /** Logs an informational message. */
  info(obj: object, msg: string): void;
}

/** How long reads stay on the writer after the replica failed, before the replica is tried again. */
export const REPLICA_RETRY_AFTER_MS = 5000;
/** How long the reader waits for a connection to the replica before reading from the writer instead. */
export const REPLICA_CONNECT_TIMEOUT_MS = 2000;
/**
 * Client-side bound on a query to the replica: past the server's own
 * `statement_timeout` (15 s), no answer means the server or its zone is gone
 * (a dropped connection can otherwise hang until TCP gives up).
 */
export const REPLICA_QUERY_TIMEOUT_MS = 20_000;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// PostgreSQL SQLSTATEs: class 08 (connection exception); 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now (starting up, shutting down, not yet accepting connections).
const UNREACHABLE_SQLSTATES = /^(08...|57P0[123])$/;
// What pg and pg-pool throw themselves when a server goes away or never answers. A connect that times out fails
// with "Connection terminated due to connection timeout" (pg-pool newClient). Not here: pg-pool's "timeout exceeded
// when trying to connect", thrown only when every client of a full pool stayed busy past connectionTimeoutMillis
// (pg-pool index.js, the _isFull() branch of connect): that is load, and moving reads to the writer would move the
// load there; nor pg's "Query read timeout" (query_timeout): a slow statement, which the writer would run again.
const UNREACHABLE_MESSAGES = ['Connection terminated', 'is not queryable'];
/** pg-pool's error for a request that waited for a free client of a full pool past connectionTimeoutMillis. */
const POOL_QUEUE_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * Whether an error means the server could not be reached or went away
 * (a read may then be retried elsewhere), as opposed to an error in the
 * statement itself.
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNREACHABLE_SQLSTATES.test(code))) return true;
  if (UNREACHABLE_MESSAGES.some((m) => err.message.includes(m))) return true;
  return err.cause !== undefined && err.cause !== err && isUnreachable(err.cause);
}

/**
 * Reads from the replica, and from the writer while the replica is
 * unreachable. A read that fails because the replica cannot be reached
 * (refused, connect timed out, shut down, connection lost: {@link isUnreachable}) is
 * run again on the writer, and reads go straight to the writer for
 * `retryAfterMs`; the next read after that tries the replica again, and
 * reads stay there once it answers. An idle replica connection dropped by
 * the server (the pool's `error` event) switches reads over too. Errors in
 * the statement itself are not retried, nor a statement past the replica's
 * query timeout, nor a read that waited too long for a free connection of a
 * full replica pool (a busy replica is not a lost one).
 *
 * Only for reads: a statement is run twice if the replica fails mid-way.
 */
export function readerWithFallback(
  replica: pg.Pool,
  writer: pg.Pool,
  logger: WarnLogger,
  retryAfterMs: number = REPLICA_RETRY_AFTER_MS,
): Queryable {
  let downUntil = 0;
  let onWriter = false;
  const markDown = (err: unknown) => {
    downUntil = Date.now() + retryAfterMs;
    if (!onWriter) logger.warn({ err, retryAfterMs }, 'replica unreachable: reads go to the writer');
    onWriter = true;
  };
  replica.on('error', (err) => {
    if (isUnreachable(err)) markDown(err);
  });
  return {
    async query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
      if (Date.now() < downUntil) return writer.query<R>(text, values);
      let result: pg.QueryResult<R>;
      try {
        result = await replica.query<R>(text, values);
      } catch (err) {
        // A read that queued for a busy replica pool while the replica was found unreachable goes to the writer;
        // a queue timeout of a busy, healthy replica fails the read (load, not an outage).
        if (err instanceof Error && err.message === POOL_QUEUE_TIMEOUT && Date.now() < downUntil)
          return writer.query<R>(text, values);
        if (!isUnreachable(err)) throw err;
        markDown(err);
        return writer.query<R>(text, values);
      }
      if (onWriter && Date.now() >= downUntil) {
        onWriter = false;
        logger.info({}, 'replica reachable again: reads go to the replica');
      }
      return result;
    },
  };
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
    const reader = role === 'reader';
    const pool = new pg.Pool({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.database === undefined ? {} : { database: endpoint.database }),
      user: creds.user,
      password: creds.password,
      ssl: sslOptions(config.sslMode, ca),
      max: config.poolMax,
      // The reader gives up sooner: the writer answers its reads meanwhile.
      connectionTimeoutMillis: reader ? REPLICA_CONNECT_TIMEOUT_MS : 5000,
      ...(reader ? { query_timeout: REPLICA_QUERY_TIMEOUT_MS } : {}),
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
  const replica = config.reader === undefined ? undefined : make(config.reader, credentials.reader, 'reader');
  let closing: Promise<void> | undefined;
  return {
    writer,
    reader: replica === undefined ? writer : readerWithFallback(replica, writer, logger),
    replica,
    readerIsWriter: replica === undefined,
    close() {
      closing ??= Promise.all([writer.end(), replica?.end()]).then(() => undefined);
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
export async function checkPool(pool: Queryable, timeoutMs: number): Promise<DbCheck> {
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
