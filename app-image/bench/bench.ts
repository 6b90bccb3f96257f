/**
 * Benchmark: the compiled service against a real PostgreSQL primary and
 * replica (the test harness's), driven by autocannon on loopback.
 *
 * Prints requests/s and p50/p95/p99 latency for reads (replica) and writes
 * (primary), at full speed and at the users' target rate of 1,000 requests a
 * minute. Figures are printed, never asserted.
 *
 * Usage: npm run bench  (BENCH_DURATION_S=10, BENCH_CONNECTIONS=10 by default)
 *
 * @packageDocumentation
 */
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { startCluster } from '../test/support/postgres.js';
import { serviceEnv, startService } from '../test/support/service.js';

/** Outcome of one scenario. */
interface Row {
  scenario: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

const duration = Number(process.env.BENCH_DURATION_S ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SEED_NOTES = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}

function runScenario(scenario: string, opts: autocannon.Options): Promise<Row> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let errors = 0;
    const instance = autocannon({ duration, connections, ...opts }, (err, result) => {
      if (err) {
        reject(err);
        return;
      }
      latencies.sort((a, b) => a - b);
      resolve({
        scenario,
        requests: latencies.length,
        rps: Math.round(result.requests.average),
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        errors: errors + result.errors + result.timeouts,
      });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode >= 400) errors += 1;
    });
  });
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  let stopService: (() => Promise<void>) | undefined;
  try {
    const database = await cluster.createDatabase('bench');
    const svc = await startService(
      { ...serviceEnv(cluster, database), RATE_LIMIT_POINTS: '1000000' },
      { discardOutputAfterStart: true },
    );
    stopService = () => svc.stop();
    await cluster.admin(
      "INSERT INTO notes (title, body) SELECT 'seed ' || g, repeat('x', 200) FROM generate_series(1, $1) g",
      [SEED_NOTES],
      { database },
    );
    await cluster.waitForReplica();

    const readById: autocannon.Request = {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: `/api/notes/${1 + Math.floor(Math.random() * SEED_NOTES)}` }),
    };
    const write: autocannon.Request = {
      method: 'POST',
      path: '/api/notes',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'bench', body: 'a note written by the benchmark' }),
    };
    const url = svc.baseUrl;
    const targetRate = Math.ceil(1000 / 60);
    const rows: Row[] = [];
    // Warm-up: JIT, pool connections, TLS handshakes.
    await runScenario('warm-up', { url, duration: 3, requests: [readById] });
    rows.push(await runScenario('GET /api/notes/:id (replica), max', { url, requests: [readById] }));
    rows.push(
      await runScenario('GET /api/notes?limit=20 (replica), max', {
        url,
        requests: [{ method: 'GET', path: '/api/notes?limit=20' }],
      }),
    );
    rows.push(await runScenario('POST /api/notes (primary), max', { url, requests: [write] }));
    rows.push(
      await runScenario(`GET /api/notes/:id at ${targetRate} req/s`, {
        url,
        connections: 2,
        overallRate: targetRate,
        requests: [readById],
      }),
    );
    rows.push(
      await runScenario(`POST /api/notes at ${targetRate} req/s`, {
        url,
        connections: 2,
        overallRate: targetRate,
        requests: [write],
      }),
    );

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const { rows: version } = await cluster.admin<{ v: string }>("SELECT current_setting('server_version') AS v");
    console.log(
      `\nalicerce app-image benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), ` +
        `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${version[0]?.v} primary + replica ` +
        `(TLS, fsync off), ${duration} s per scenario, ${connections} connections at max; service, database and load generator share the machine.\n`,
    );
    console.log('| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.requests} | ${r.rps} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`,
      );
    }
  } finally {
    await stopService?.();
    await cluster.stop();
  }
}

await main();
