/**
 * Schema migrations, applied at start under a PostgreSQL advisory lock so that
 * several instances starting together apply each migration exactly once.
 *
 * @packageDocumentation
 */
import type pg from 'pg';

/** One forward-only migration. */
export interface Migration {
  /** Strictly increasing version number. */
  version: number;
  /** Short description, stored in `schema_migrations`. */
  name: string;
  /** SQL to run, inside a transaction. */
  sql: string;
}

/** The service's migrations, oldest first. Append; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create notes',
    sql: `
      CREATE TABLE notes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        body text NOT NULL DEFAULT '' CHECK (char_length(body) <= 10000),
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
  {
    version: 2,
    name: 'create uploads and upload_verifications',
    sql: `
      CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        object_key text NOT NULL UNIQUE,
        filename text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL CHECK (size > 0),
        visibility text NOT NULL CHECK (visibility IN ('public', 'private')),
        -- pending: URL issued; queued: marked complete, waiting for a worker; verified / rejected: result recorded;
        -- failed: dead-lettered, verification could not run after the last attempt.
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued', 'verified', 'rejected', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX uploads_status_idx ON uploads (status, updated_at);
      -- One row per upload, ever: the primary key is what makes a job that runs twice record once.
      CREATE TABLE upload_verifications (
        upload_id uuid PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
        outcome text NOT NULL CHECK (outcome IN ('verified', 'rejected')),
        reason text,
        sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        actual_size bigint,
        stored_content_type text,
        detected_content_type text,
        job_id text NOT NULL,
        attempt integer NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
];

/** Advisory lock key: any constant shared by all instances of this service. */
export const MIGRATION_LOCK_KEY = 7_262_716_101;

/** Minimal logger interface (pino-compatible). */
export interface InfoLogger {
  /** Logs at info level. */
  info(obj: object, msg: string): void;
}

/**
 * Applies pending migrations.
 *
 * Takes a session-level `pg_advisory_lock` on one writer connection: other
 * instances wait on the lock, then find nothing left to do. (This needs a
 * direct connection or a session-mode pooler, not a transaction-mode one.)
 *
 * @param pool - writer pool
 * @param logger - receives one line per applied migration
 * @param migrations - migrations to apply, defaults to {@link MIGRATIONS}
 * @returns the versions applied by this call
 */
export async function migrate(
  pool: pg.Pool,
  logger: InfoLogger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  let locked = false;
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    locked = true;
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      applied.push(m.version);
      logger.info({ migration: m.version, name: m.name }, 'migration applied');
    }
    return applied;
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    if (locked) {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {
        broken = true;
      });
    }
    // A connection in an unknown state is destroyed; closing it also drops the lock.
    client.release(broken ? true : undefined);
  }
}
