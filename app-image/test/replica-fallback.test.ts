/**
 * Reads survive the replica: the reader falls back to the writer while the
 * replica is unreachable and returns to it once it answers again, tested by
 * stopping a real streaming replica under load.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  isUnreachable,
  readerWithFallback,
  REPLICA_CONNECT_TIMEOUT_MS,
  REPLICA_RETRY_AFTER_MS,
  sslOptions,
} from '../src/db.js';
import { APP_ROLE } from './support/postgres.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { sharedCluster, type PgCluster } from './support/postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Continuous reads from a few concurrent loops, each one recording which server answered or what failed. */
function startLoad(t: TestApp, workers: number) {
  const served: { at: number; port: number }[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const { rows } = await t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
        served.push({ at: Date.now(), port: rows[0]!.port });
        const res = await t.app.inject({ method: 'GET', url: '/api/notes?limit=5' });
        if (res.statusCode !== 200) failures.push(`GET /api/notes: ${res.statusCode} ${res.body}`);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
      await sleep(5);
    }
  };
  const all = Promise.all(Array.from({ length: workers }, loop));
  return {
    served,
    failures,
    portsSince: (at: number) => new Set(served.filter((s) => s.at >= at).map((s) => s.port)),
    /** Waits until `n` reads have been served since `at` (the machine may be slow: bounded, not timed). */
    async readsSince(at: number, n: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (served.filter((s) => s.at >= at).length < n) {
        if (Date.now() > deadline)
          assert.fail(
            `only ${served.filter((s) => s.at >= at).length} reads in ${timeoutMs} ms (failures: ${failures.slice(0, 3).join('; ')})`,
          );
        await sleep(20);
      }
    },
    async stop() {
      running = false;
      await all;
    },
  };
}

describe('reader fallback to the writer', function () {
  describe('isUnreachable: which errors move reads to the writer', function () {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    const cases: [string, unknown, boolean][] = [
      ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5433', 'ECONNREFUSED'), true],
      ['connection reset', withCode('read ECONNRESET', 'ECONNRESET'), true],
      ['admin shutdown (57P01)', withCode('terminating connection due to administrator command', '57P01'), true],
      ['starting up (57P03)', withCode('the database system is starting up', '57P03'), true],
      ['connection exception class 08', withCode('connection failure', '08006'), true],
      ['pg: connection lost', new Error('Connection terminated unexpectedly'), true],
      [
        'pg-pool: connect timeout',
        new Error('Connection terminated due to connection timeout', {
          cause: new Error('Connection terminated unexpectedly'),
        }),
        true,
      ],
      // pg-pool index.js, connect(): a full pool's waiter past connectionTimeoutMillis (load, not an outage).
      ['pg-pool: queued past connectionTimeoutMillis', new Error('timeout exceeded when trying to connect'), false],
      // pg lib/client.js: query_timeout; a slow statement, which the writer would only run again.
      ['pg: query_timeout', new Error('Query read timeout'), false],
      [
        'wrapped cause',
        new Error('Connection terminated due to connection timeout', { cause: withCode('x', 'ETIMEDOUT') }),
        true,
      ],
      ['undefined table (42P01)', withCode('relation "nope" does not exist', '42P01'), false],
      ['syntax error (42601)', withCode('syntax error at or near "SELEC"', '42601'), false],
      ['statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014'), false],
      ['not an error', 'ECONNREFUSED', false],
    ];
    for (const [name, err, expected] of cases) {
      it(`${name}: ${expected ? 'unreachable' : 'an error of the statement'}`, function () {
        assert.equal(isUnreachable(err), expected);
      });
    }
  });

  describe('against a real primary and streaming replica', function () {
    let cluster: PgCluster;
    let database: string;
    let t: TestApp;

    before(async function () {
      cluster = await sharedCluster();
      database = await cluster.createDatabase('fallback');
      t = await buildTestApp(cluster, database);
      for (let i = 0; i < 3; i++)
        await t.app.inject({ method: 'POST', url: '/api/notes', payload: { title: `n${i}` } });
      await cluster.waitForReplica();
    });

    after(async function () {
      await t?.close();
    });

    // pg-pool (node_modules/pg-pool/index.js, connect()): when every client of a full pool is busy, a request waits in
    // the queue and fails after connectionTimeoutMillis with 'timeout exceeded when trying to connect', the same words
    // it once used for a connect timeout. A saturated but healthy replica must keep its reads.
    it('a saturated replica pool (slow queries) is load: reads are not marked down nor moved to the writer', async function () {
      this.timeout(60_000);
      const logsBefore = t.logText().length;
      const slowMs = REPLICA_CONNECT_TIMEOUT_MS + 2000;
      const slow = Array.from({ length: 5 }, () =>
        t.pools.reader.query<{ port: number }>(`SELECT inet_server_port() AS port, pg_sleep(${slowMs / 1000})`),
      );
      await sleep(300);
      const queued = t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
      await assert.rejects(
        queued,
        /timeout exceeded when trying to connect/,
        'the queued read fails on its own, not re-run on the writer',
      );
      for (const r of await Promise.all(slow)) assert.equal(r.rows[0]!.port, cluster.replicaPort);
      const { rows } = await t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
      assert.equal(rows[0]!.port, cluster.replicaPort, 'the next read is still on the replica');
      assert.doesNotMatch(t.logText().slice(logsBefore), /replica unreachable/);
    });

    it('a read past the replica query timeout is not run again on the writer', async function () {
      this.timeout(30_000);
      const replica = new pg.Pool({
        host: '127.0.0.1',
        port: cluster.replicaPort,
        database,
        user: APP_ROLE,
        password: cluster.appPassword,
        ssl: sslOptions('require', undefined),
        max: 2,
        query_timeout: 300,
      });
      replica.on('error', () => undefined);
      const warnings: string[] = [];
      const reader = readerWithFallback(replica, t.pools.writer, {
        warn: (_o, m) => warnings.push(m),
        info: () => undefined,
      });
      try {
        await assert.rejects(reader.query('SELECT inet_server_port() AS port, pg_sleep(1)'), /Query read timeout/);
        assert.deepEqual(warnings, []);
        const { rows } = await reader.query<{ port: number }>('SELECT inet_server_port() AS port');
        assert.equal(rows[0]!.port, cluster.replicaPort);
      } finally {
        await replica.end();
      }
    });

    it('replica stopped under load: every read succeeds on the writer, and reads go back to the replica after it restarts', async function () {
      this.timeout(90_000);
      const load = startLoad(t, 6);
      let restarted = 0;
      try {
        await load.readsSince(0, 30);
        assert.deepEqual(load.portsSince(0), new Set([cluster.replicaPort]), 'with the replica up, reads go to it');

        await cluster.stopReplica();
        // A read answered just before the shutdown may be recorded a moment after it.
        const stopped = Date.now() + 100;
        await load.readsSince(stopped, 50);
        assert.deepEqual(
          load.portsSince(stopped),
          new Set([cluster.primaryPort]),
          'with the replica stopped, the writer serves every read',
        );

        await cluster.startReplica();
        restarted = Date.now();
        const deadline = restarted + REPLICA_RETRY_AFTER_MS + 15_000;
        while (!load.portsSince(restarted).has(cluster.replicaPort)) {
          if (Date.now() > deadline) assert.fail('reads never went back to the replica after it restarted');
          await sleep(100);
        }
        const back = Date.now() + 100;
        await load.readsSince(back, 30);
        assert.deepEqual(load.portsSince(back), new Set([cluster.replicaPort]), 'once back, reads stay on the replica');
      } finally {
        await load.stop();
        if (restarted === 0) await cluster.startReplica().catch(() => undefined);
      }
      assert.deepEqual(load.failures, [], 'no read failed while the replica was stopped or starting');
      assert.ok(load.served.length > 100, `load was light: ${load.served.length} reads`);
      assert.match(t.logText(), /replica unreachable: reads go to the writer/);
      assert.match(t.logText(), /replica reachable again: reads go to the replica/);
    });

    it('idle replica connections dropped by the server (pool error event) move reads to the writer at once', async function () {
      // Fill the reader's pool with idle connections, then end them from the replica's side.
      await Promise.all(Array.from({ length: 3 }, () => t.pools.reader.query('SELECT pg_sleep(0.05)')));
      const { rowCount } = await cluster.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'alicerce-app-reader' AND datname = $1",
        [database],
        { server: 'replica' },
      );
      assert.ok((rowCount ?? 0) > 0, 'the reader had idle connections on the replica');
      await sleep(200);
      const { rows } = await t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
      assert.equal(
        rows[0]!.port,
        cluster.primaryPort,
        'the dropped connections were seen and reads moved to the writer',
      );
    });

    it('an error in the statement itself is not retried on the writer', async function () {
      await sleep(REPLICA_RETRY_AFTER_MS + 100);
      await assert.rejects(
        t.pools.reader.query('SELECT * FROM no_such_table'),
        (err: unknown) => err instanceof pg.DatabaseError && err.code === '42P01',
      );
      const { rows } = await t.pools.reader.query<{ port: number }>('SELECT inet_server_port() AS port');
      assert.equal(rows[0]!.port, cluster.replicaPort, 'reads stay on the replica');
    });
  });
});
