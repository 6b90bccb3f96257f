/**
 * Queue benchmark: upload-verification jobs through real Redis (redis-server),
 * PostgreSQL (the test harness's primary, TLS) and s3rver, processed by
 * worker processes (`node dist/worker.js`, the command the worker containers run).
 *
 * For each scenario it stores N objects and their upload rows, adds N jobs at
 * once (as N clients marking uploads complete), and reads BullMQ's own
 * timestamps of every job: queue latency is `processedOn - timestamp` (added
 * to picked up), end to end is `finishedOn - timestamp`; jobs/s is N over the
 * time from the first add to the last finish. Figures are printed, never asserted.
 *
 * Usage: npm run bench:queue  (BENCH_JOBS=1000, BENCH_OBJECT_KIB=64, BENCH_PACED_RATE=20 by default)
 *
 * @packageDocumentation
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import pg from 'pg';
import S3rver from 's3rver';
import { migrate } from '../src/migrations.js';
import { QUEUE_PREFIX, VERIFY_QUEUE, verifyJobId, type VerifyJobData } from '../src/queue.js';
import { APP_ROLE, startCluster } from '../test/support/postgres.js';
import { startRedis } from '../test/support/redis.js';
import { serviceEnv, startWorker, type ServiceProcess } from '../test/support/service.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const OBJECT_BYTES = Number(process.env.BENCH_OBJECT_KIB ?? 64) * 1024;
const BUCKET = 'bench-assets';

const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 20);

/** Burst scenarios add every job at once (backlog: queue latency is mostly waiting behind other jobs); paced ones add `rate` jobs a second. */
const SCENARIOS: { name: string; workers: number; concurrency: number; rate?: number }[] = [
  { name: 'burst, 1 worker x concurrency 1', workers: 1, concurrency: 1 },
  { name: 'burst, 1 worker x concurrency 8', workers: 1, concurrency: 8 },
  { name: 'burst, 2 workers x concurrency 8', workers: 2, concurrency: 8 },
  { name: `paced ${PACED_RATE} jobs/s, 1 worker x concurrency 8`, workers: 1, concurrency: 8, rate: PACED_RATE },
];

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const redis = await startRedis();
  const s3Dir = mkdtempSync(join(tmpdir(), 's3rver-bench-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port: s3Port } = await s3rver.run();
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${s3Port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const rows: string[] = [];
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const database = await cluster.createDatabase('qbench');
      const db = index + 1;
      const pool = new pg.Pool({
        host: '127.0.0.1',
        port: cluster.primaryPort,
        database,
        user: APP_ROLE,
        password: cluster.appPassword,
        ssl: { rejectUnauthorized: false },
        max: 10,
      });
      await migrate(pool, { info: () => undefined });
      const body = randomBytes(OBJECT_BYTES);
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, JOBS - i) }, async () => {
            const id = randomUUID();
            const key = `uploads/${id}/bench.bin`;
            await s3.send(
              new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/octet-stream' }),
            );
            await pool.query(
              `INSERT INTO uploads (id, object_key, filename, content_type, size, visibility, status) VALUES ($1, $2, 'bench.bin', 'application/octet-stream', $3, 'private', 'queued')`,
              [id, key, body.length],
            );
            ids.push(id);
          }),
        );
      }
      const env = {
        ...serviceEnv(cluster, database, false),
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        ASSETS_BUCKET: BUCKET,
        S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        REDIS_URL: redis.url(db),
        WORKER_CONCURRENCY: String(scenario.concurrency),
      };
      const workers: ServiceProcess[] = [];
      for (let w = 0; w < scenario.workers; w++)
        workers.push(await startWorker(env, { discardOutputAfterStart: true }));
      const connection = redis.client(db);
      const queue = new Queue<VerifyJobData>(VERIFY_QUEUE, { connection, prefix: QUEUE_PREFIX });
      const started = Date.now();
      const jobOpts = (uploadId: string) => ({
        jobId: verifyJobId(uploadId),
        attempts: 5,
        backoff: { type: 'exponential' as const, delay: 5000 },
        removeOnComplete: false,
      });
      if (scenario.rate === undefined) {
        await queue.addBulk(ids.map((uploadId) => ({ name: 'verify', data: { uploadId }, opts: jobOpts(uploadId) })));
      } else {
        for (const [i, uploadId] of ids.entries()) {
          const due = started + (i * 1000) / scenario.rate;
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          await queue.add('verify', { uploadId }, jobOpts(uploadId));
        }
      }
      let failed = 0;
      for (;;) {
        const counts = await queue.getJobCounts('completed', 'failed');
        failed = counts.failed ?? 0;
        if ((counts.completed ?? 0) + failed >= JOBS) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const jobs = await queue.getJobs(['completed', 'failed'], 0, -1);
      const waits = jobs.map((j) => (j.processedOn ?? 0) - j.timestamp).sort((a, b) => a - b);
      const ends = jobs.map((j) => (j.finishedOn ?? 0) - j.timestamp).sort((a, b) => a - b);
      const lastFinish = Math.max(...jobs.map((j) => j.finishedOn ?? 0));
      const seconds = (lastFinish - started) / 1000;
      const recorded = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM upload_verifications')).rows[0]?.n;
      rows.push(
        `| ${scenario.name} | ${JOBS} | ${(JOBS / seconds).toFixed(0)} | ${percentile(waits, 50)} | ${percentile(waits, 95)} | ${percentile(ends, 50)} | ${percentile(ends, 95)} | ${recorded} | ${failed} |`,
      );
      await queue.close();
      connection.disconnect();
      await Promise.all(workers.map((w) => w.stop()));
      await pool.end();
    }
  } finally {
    await s3rver.close();
    rmSync(s3Dir, { recursive: true, force: true });
    await redis.stop();
    await cluster.stop();
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\n${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${JOBS} jobs of ${OBJECT_BYTES / 1024} KiB objects per scenario\n`,
  );
  console.log(
    '| scenario | jobs | jobs/s | queue latency p50 ms | p95 ms | end to end p50 ms | p95 ms | recorded | failed |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(r);
}

await main();
// The S3 client's keep-alive sockets and the queue's connections would keep the process alive.
process.exit(0);
