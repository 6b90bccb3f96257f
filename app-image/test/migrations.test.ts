import assert from 'node:assert/strict';
import { createPools, type Pools } from '../src/db.js';
import { MIGRATION_LOCK_KEY, MIGRATIONS, migrate } from '../src/migrations.js';
import { APP_ROLE, sharedCluster, type PgCluster } from './support/postgres.js';
import { serviceEnv, startService } from './support/service.js';

const quiet = { info: () => undefined, warn: () => undefined };

function poolsFor(cluster: PgCluster, database: string): Pools {
  const creds = { user: APP_ROLE, password: cluster.appPassword };
  return createPools(
    {
      writer: { host: '127.0.0.1', port: cluster.primaryPort, database },
      reader: undefined,
      credentials: { kind: 'inline' },
      sslMode: 'require',
      sslCaFile: undefined,
      poolMax: 2,
    },
    { writer: creds, reader: creds },
    undefined,
    quiet,
  );
}

async function appliedVersions(cluster: PgCluster, database: string): Promise<number[]> {
  const { rows } = await cluster.admin<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
    [],
    { database },
  );
  return rows.map((r) => r.version);
}

async function advisoryLocksHeld(cluster: PgCluster, database: string): Promise<number> {
  const { rows } = await cluster.admin<{ n: string }>(
    `SELECT count(*)::text AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND d.datname = $1`,
    [database],
  );
  return Number(rows[0]?.n);
}

describe('migrations', function () {
  let cluster: PgCluster;

  before(async function () {
    cluster = await sharedCluster();
  });

  it('applies every migration once, then nothing on the next start, and releases the lock', async function () {
    const database = await cluster.createDatabase('mig');
    const pools = poolsFor(cluster, database);
    try {
      assert.deepEqual(
        await migrate(pools.writer, quiet),
        MIGRATIONS.map((m) => m.version),
      );
      assert.deepEqual(await migrate(pools.writer, quiet), []);
      assert.deepEqual(
        await appliedVersions(cluster, database),
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(await advisoryLocksHeld(cluster, database), 0);
    } finally {
      await pools.close();
    }
  });

  it('a failing migration rolls back, records nothing and releases the lock', async function () {
    const database = await cluster.createDatabase('migfail');
    const pools = poolsFor(cluster, database);
    try {
      const broken = [
        ...MIGRATIONS,
        { version: 999, name: 'broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function()' },
      ];
      await assert.rejects(migrate(pools.writer, quiet, broken), /no_such_function/);
      assert.deepEqual(
        await appliedVersions(cluster, database),
        MIGRATIONS.map((m) => m.version),
      );
      const half = await cluster.admin("SELECT to_regclass('half') AS t", [], { database });
      assert.deepEqual(half.rows, [{ t: null }]);
      assert.equal(await advisoryLocksHeld(cluster, database), 0);
      assert.deepEqual(await migrate(pools.writer, quiet), [], 'the lock is free for the next starter');
    } finally {
      await pools.close();
    }
  });

  it('waits for the advisory lock held by another instance', async function () {
    const database = await cluster.createDatabase('miglock');
    const holder = await cluster.adminClient({ database });
    const pools = poolsFor(cluster, database);
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const running = migrate(pools.writer, quiet);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await cluster.admin<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_stat_activity
            WHERE datname = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
          [database],
        );
        if (Number(rows[0]?.n) === 1) break;
        if (Date.now() > deadline) throw new Error('the migrator never waited on the advisory lock');
        await new Promise((r) => setTimeout(r, 50));
      }
      const before = await cluster.admin("SELECT to_regclass('schema_migrations') AS t", [], { database });
      assert.deepEqual(before.rows, [{ t: null }], 'nothing ran while the lock was held');
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      assert.deepEqual(
        await running,
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await holder.end();
      await pools.close();
    }
  });

  it('two service processes starting together on an empty database migrate once and both become ready', async function () {
    const database = await cluster.createDatabase('migrace');
    const env = serviceEnv(cluster, database);
    const [a, b] = await Promise.all([startService(env), startService(env)]);
    try {
      for (const s of [a, b]) {
        const res = await fetch(`${s.baseUrl}/readyz`);
        assert.equal(res.status, 200);
      }
      const appliedLines = [...a.logs, ...b.logs].filter((l) => l.msg === 'migration applied');
      assert.equal(appliedLines.length, MIGRATIONS.length, 'each migration applied by exactly one process');
      assert.deepEqual(
        await appliedVersions(cluster, database),
        MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    assert.deepEqual(await a.exited, { code: 0, signal: null });
    assert.deepEqual(await b.exited, { code: 0, signal: null });
  });
});
