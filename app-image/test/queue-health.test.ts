/**
 * `GET /healthz/queue` against a real redis-server (Debian `redis-server`) and
 * real BullMQ jobs: the probe DigitalOcean Uptime watches in place of the
 * CloudWatch queue alarms (components/aws/monitoring.ts `queueAlarmSpecs`:
 * depth above 1000, oldest waiting job above 900 s, any new dead letter).
 *
 * Rules relied on: DigitalOcean Uptime counts a check as down when the target
 * answers with an error status, and alerts `down_global` when every region
 * sees it down (https://docs.digitalocean.com/products/uptime/); BullMQ's
 * failed set is a sorted set scored by `finishedOn` (bullmq
 * dist/esm/commands/moveToFinished-14.lua: `ZADD targetSet timestamp jobId`).
 */
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { Queue, Worker, type Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { parseConfig, QUEUE_HEALTH_DEFAULTS, type QueueHealthConfig } from '../src/config.js';
import { createPools, type Pools } from '../src/db.js';
import { createLogger } from '../src/logger.js';
import { QUEUE_PREFIX, VERIFY_QUEUE, type VerifyJobData } from '../src/queue.js';
import { queueHealth } from '../src/queue-health.js';
import { buildApp } from '../src/server.js';
import { appExtras } from './support/app.js';
import { freePort } from './support/postgres.js';
import { nextRedisDb, sharedRedis, type RedisServer } from './support/redis.js';
import { testSecrets } from './support/service.js';

describe('GET /healthz/queue: the queue alarms as an HTTP status (real Redis and BullMQ)', function () {
  let redis: RedisServer;
  let db: number;
  let queue: Queue<VerifyJobData>;
  let pools: Pools;
  const apps: FastifyInstance[] = [];

  /** The app as `main.ts` builds it, with the queue (or none) and thresholds. The route reads no database. */
  async function app(q: Queue<VerifyJobData> | undefined, queueHealth?: QueueHealthConfig): Promise<FastifyInstance> {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    const a = buildApp(
      {
        pools,
        s3,
        bucket: 'b',
        signingKey: testSecrets.signingKey,
        ...appExtras({ queue: q }),
        ...(queueHealth === undefined ? {} : { queueHealth }),
      },
      createLogger('silent'),
    );
    await a.ready();
    apps.push(a);
    return a;
  }

  before(async function () {
    redis = await sharedRedis();
    db = nextRedisDb();
    queue = new Queue<VerifyJobData>(VERIFY_QUEUE, { connection: redis.client(db), prefix: QUEUE_PREFIX });
    // A writer pool on a closed port: pg connects lazily and this route never queries.
    const port = await freePort();
    pools = createPools(
      {
        writer: { host: '127.0.0.1', port, database: 'none' },
        reader: undefined,
        credentials: { kind: 'inline' },
        sslMode: 'disable',
        sslCaFile: undefined,
        poolMax: 1,
      },
      { writer: { user: 'u', password: 'p' }, reader: { user: 'u', password: 'p' } },
      undefined,
      createLogger('silent'),
    );
  });

  beforeEach(async function () {
    await queue.obliterate({ force: true });
  });

  after(async function () {
    for (const a of apps) await a.close();
    await queue?.close();
    await pools?.close();
  });

  it('defaults to the AWS alarms thresholds and reads them from the environment', function () {
    assert.deepEqual(QUEUE_HEALTH_DEFAULTS, { maxDepth: 1000, maxOldestAgeSeconds: 900, failedWindowSeconds: 900 });
    const env = {
      DATABASE_URL: 'postgres://app:pw@db.internal:5432/notes',
      SESSION_SIGNING_KEY: 'k'.repeat(64),
      ASSETS_BUCKET: 'assets',
      AWS_REGION: 'eu-west-1',
    };
    const set = parseConfig(
      {
        ...env,
        QUEUE_HEALTH_MAX_DEPTH: '50',
        QUEUE_HEALTH_MAX_OLDEST_SECONDS: '120',
        QUEUE_HEALTH_FAILED_WINDOW_SECONDS: '600',
      },
      'api',
    );
    assert.ok(set.ok, JSON.stringify(set));
    assert.deepEqual(set.config.queueHealth, { maxDepth: 50, maxOldestAgeSeconds: 120, failedWindowSeconds: 600 });
    const bad = parseConfig({ ...env, QUEUE_HEALTH_FAILED_WINDOW_SECONDS: '5' }, 'api');
    assert.ok(!bad.ok);
    assert.ok(bad.issues.some((i) => i.variable === 'QUEUE_HEALTH_FAILED_WINDOW_SECONDS'));
  });

  it('answers 200 with { queue: "none" } without Redis (a tier with no queue)', async function () {
    const res = await (await app(undefined)).inject({ method: 'GET', url: '/healthz/queue' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', queue: 'none' });
  });

  it('answers 200 with the figures when the queue is healthy', async function () {
    await queue.add('verify', { uploadId: 'a' });
    const res = await (await app(queue)).inject({ method: 'GET', url: '/healthz/queue' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.depth, 1);
    assert.equal(body.recentFailed, 0);
    assert.deepEqual(body.failing, []);
    assert.deepEqual(body.thresholds, QUEUE_HEALTH_DEFAULTS);
    assert.ok(!res.body.includes(redis.password), 'no secret in the body');
  });

  it('answers 503 naming "depth" when the backlog passes QUEUE_HEALTH_MAX_DEPTH', async function () {
    await queue.addBulk([1, 2, 3].map((i) => ({ name: 'verify', data: { uploadId: `d${i}` } })));
    const a = await app(queue, { ...QUEUE_HEALTH_DEFAULTS, maxDepth: 2 });
    const res = await a.inject({ method: 'GET', url: '/healthz/queue' });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().depth, 3);
    assert.deepEqual(res.json().failing, ['depth']);
    // At the threshold it is still healthy (the alarm is "above").
    await (await queue.getJobs(['waiting'], 0, 0, true))[0]?.remove();
    assert.equal((await a.inject({ method: 'GET', url: '/healthz/queue' })).statusCode, 200);
  });

  it('answers 503 naming "oldestAge" when the oldest waiting job is older than QUEUE_HEALTH_MAX_OLDEST_SECONDS', async function () {
    await queue.add('verify', { uploadId: 'old' }, { timestamp: Date.now() - 20 * 60 * 1000 });
    const res = await (await app(queue)).inject({ method: 'GET', url: '/healthz/queue' });
    assert.equal(res.statusCode, 503, res.body);
    assert.ok(res.json().oldestAgeSeconds >= 1200);
    assert.deepEqual(res.json().failing, ['oldestAge']);
  });

  it('answers 503 naming "recentFailed" after a job fails its last attempt, and 200 again once the window has passed', async function () {
    await queue.add('verify', { uploadId: 'bad' }, { attempts: 1 });
    const connection = redis.client(db);
    const worker = new Worker<VerifyJobData>(
      VERIFY_QUEUE,
      async (_job: Job<VerifyJobData>) => {
        throw new Error('boom');
      },
      { connection, prefix: QUEUE_PREFIX },
    );
    const failed = new Promise<void>((resolve) => {
      worker.on('failed', () => resolve());
    });
    try {
      await failed;
    } finally {
      await worker.close();
      await connection.quit().catch(() => undefined);
    }
    const res = await (await app(queue)).inject({ method: 'GET', url: '/healthz/queue' });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().recentFailed, 1);
    assert.equal(res.json().depth, 0);
    assert.deepEqual(res.json().failing, ['recentFailed']);
    // The same dead letter outside the window (the clock moved on): healthy again, the failure stays in the set.
    const later = await queueHealth(queue, QUEUE_HEALTH_DEFAULTS, () => Date.now() + 901_000);
    assert.equal(later.status, 'ok');
    assert.equal(later.recentFailed, 0);
    assert.equal(await queue.getFailedCount(), 1);
  });
});
