/**
 * The upload-verification queue for real: the API (`dist/main.js`) and the
 * worker (`dist/worker.js`) as child processes, a real redis-server and the
 * test PostgreSQL on loopback, s3rver as the object store, with a small HTTP
 * proxy in front of it that the tests make fail on demand.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type pg from 'pg';
import S3rver from 's3rver';
import { QUEUE_METRICS } from '../src/metrics.js';
import { QUEUE_PREFIX, VERIFY_QUEUE, verifyJobId, type VerifyJobData } from '../src/queue.js';
import { freePort, sharedCluster, type PgCluster } from './support/postgres.js';
import { nextRedisDb, sharedRedis, type RedisServer } from './support/redis.js';
import { serviceEnv, startService, startWorker, type LogLine, type ServiceProcess } from './support/service.js';

// s3rver's fixed credentials (its README).
const S3RVER_KEY = 'S3RVER';
const BUCKET = 'alicerce-queue-test';
// A real 1x1 PNG, so file-type recognises it by its magic number.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Forwards to s3rver; fails (503) the next `failNext` requests, or all while `failAll`. */
class FlakyProxy {
  failNext = 0;
  failAll = false;
  failures = 0;
  server!: Server;
  port = 0;
  constructor(private readonly target: number) {}
  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      if (this.failAll || this.failNext > 0) {
        if (this.failNext > 0) this.failNext -= 1;
        this.failures += 1;
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>',
        );
        return;
      }
      // Headers verbatim, Host included: the SigV4 signature covers it.
      const upstream = httpRequest(
        { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface UploadView {
  id: string;
  key: string;
  status: string;
  attempts: number;
  lastError: string | null;
  visibility: string;
  verification: { outcome: string; reason: string | null; sha256: string | null; actualSize: number | null } | null;
  url: string | null;
}

describe('upload verification queue: API and worker processes, real Redis, PostgreSQL and S3 (s3rver)', function () {
  this.timeout(120_000);
  let cluster: PgCluster;
  let redis: RedisServer;
  let database: string;
  let redisDb: number;
  let s3: S3rver;
  let s3Port: number;
  let s3Dir: string;
  let proxy: FlakyProxy;
  let queue: Queue<VerifyJobData>;
  let api: ServiceProcess;
  const workers: ServiceProcess[] = [];
  const locks: pg.Client[] = [];

  const baseEnv = (): Record<string, string> => ({
    ...serviceEnv(cluster, database, false),
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    ASSETS_BUCKET: BUCKET,
    S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    S3_FORCE_PATH_STYLE: 'true',
    REDIS_URL: redis.url(redisDb),
    // The tests poll; the rate limit has its own test.
    RATE_LIMIT_POINTS: '1000000',
    // Attempts and backoff are options of the job, set by whoever adds it: the API.
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '200',
  });
  const workerEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...baseEnv(),
    // The worker reads storage through the proxy; one SDK attempt per job attempt, so the job's retries are the ones seen.
    S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
    AWS_MAX_ATTEMPTS: '1',
    WORKER_LOCK_MS: '1500',
    SHUTDOWN_TIMEOUT_MS: '20000',
    METRICS_INTERVAL_MS: '60000',
    ...extra,
  });
  const spawnWorker = async (extra: Record<string, string> = {}) => {
    const w = await startWorker(workerEnv(extra));
    workers.push(w);
    return w;
  };

  before(async function () {
    [cluster, redis] = await Promise.all([sharedCluster(), sharedRedis()]);
    database = await cluster.createDatabase('queue');
    redisDb = nextRedisDb();
    s3Dir = mkdtempSync(join(tmpdir(), 's3rver-queue-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: BUCKET }],
    });
    ({ port: s3Port } = await s3.run());
    proxy = new FlakyProxy(s3Port);
    await proxy.start();
    queue = new Queue<VerifyJobData>(VERIFY_QUEUE, { connection: redis.client(redisDb), prefix: QUEUE_PREFIX });
    api = await startService(baseEnv());
  });

  afterEach(async function () {
    proxy.failAll = false;
    proxy.failNext = 0;
    for (const c of locks.splice(0)) await c.end().catch(() => undefined);
    await Promise.all(workers.splice(0).map((w) => w.stop(10_000)));
  });

  after(async function () {
    await api?.stop();
    await queue?.close();
    await proxy?.stop();
    await s3?.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  /** Asks for an upload URL, PUTs the bytes, returns the upload id. */
  async function upload(
    body: Buffer,
    contentType: string,
    extra: { visibility?: string; filename?: string } = {},
    service = api,
  ): Promise<string> {
    const res = await fetch(`${service.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        filename: extra.filename ?? 'file.bin',
        contentType,
        size: body.length,
        ...(extra.visibility === undefined ? {} : { visibility: extra.visibility }),
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const ticket = await json<{ id: string; url: string; headers: Record<string, string> }>(res);
    const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body });
    assert.equal(put.status, 200, await put.text());
    return ticket.id;
  }

  async function complete(id: string, expected = 202, service = api): Promise<void> {
    const res = await fetch(`${service.baseUrl}/api/uploads/${id}/complete`, { method: 'POST' });
    assert.equal(
      res.status,
      expected,
      `${await res.text()}\n${res.status >= 500 ? service.output().slice(-3000) : ''}`,
    );
  }

  async function view(id: string): Promise<UploadView> {
    const res = await fetch(`${api.baseUrl}/api/uploads/${id}`);
    assert.equal(res.status, 200);
    return json<UploadView>(res);
  }

  async function waitForStatus(id: string, statuses: string[], timeoutMs = 30_000): Promise<UploadView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await view(id);
      if (statuses.includes(v.status)) return v;
      if (Date.now() > deadline)
        throw new Error(`upload ${id} still ${v.status} after ${timeoutMs} ms: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const verificationRows = async (id: string) =>
    (
      await cluster.admin<{ n: string }>('SELECT count(*) AS n FROM upload_verifications WHERE upload_id = $1', [id], {
        database,
      })
    ).rows[0]?.n;

  /**
   * Holds the worker mid-job: an uncommitted verification row for the upload, from the test, makes the worker's
   * own INSERT ... ON CONFLICT wait at the record step (after streaming and hashing) until the test rolls back.
   */
  async function holdRecord(id: string): Promise<pg.Client> {
    const client = await cluster.adminClient({ database });
    locks.push(client);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO upload_verifications (upload_id, outcome, job_id, attempt) VALUES ($1, 'rejected', 'held-by-test', 0)`,
      [id],
    );
    return client;
  }

  async function waitForBlockedWorker(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await cluster.admin<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO upload_verifications%' AND application_name LIKE 'alicerce-app%'`,
        [database],
      );
      if (Number(rows[0]?.n) > 0) return;
      if (Date.now() > deadline) throw new Error('no worker reached the record step');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const logged = (w: ServiceProcess, msg: string) => (l: LogLine) => l.msg === msg;

  it('enqueue and process: the worker streams the object, checks size and type, records its SHA-256; a private object is then served by a presigned URL', async function () {
    const worker = await spawnWorker();
    const id = await upload(PNG, 'image/png', { filename: 'dot.png' });
    assert.equal((await view(id)).status, 'pending');
    await complete(id);
    const v = await waitForStatus(id, ['verified', 'rejected']);
    assert.equal(v.status, 'verified', JSON.stringify(v));
    assert.equal(v.verification?.sha256, createHash('sha256').update(PNG).digest('hex'));
    assert.equal(v.verification?.actualSize, PNG.length);
    assert.equal(await verificationRows(id), '1');
    assert.ok(v.url !== null && v.url.includes('X-Amz-Signature='), 'private: a presigned GET');
    const got = await fetch(v.url);
    assert.equal(Buffer.from(await got.arrayBuffer()).equals(PNG), true);
    await worker.waitForLog(logged(worker, 'upload verification recorded'));
  });

  it('rejects an object whose bytes are not the declared type (recorded, not retried)', async function () {
    await spawnWorker();
    const id = await upload(Buffer.from('plain text pretending to be a picture'), 'image/png');
    await complete(id);
    const v = await waitForStatus(id, ['verified', 'rejected']);
    assert.equal(v.status, 'rejected');
    assert.match(v.verification?.reason ?? '', /declared image\/png/);
    assert.equal(v.url, null, 'a rejected object is not handed out');
    assert.equal(v.attempts, 1);
  });

  it('retries after a thrown error (storage answered 503) with backoff, then records once', async function () {
    const worker = await spawnWorker();
    proxy.failNext = 1;
    const id = await upload(PNG, 'image/png');
    await complete(id);
    const v = await waitForStatus(id, ['verified', 'rejected', 'failed']);
    assert.equal(v.status, 'verified', JSON.stringify(v));
    assert.equal(proxy.failures >= 1, true);
    assert.equal(v.attempts, 2, 'recorded by the second attempt');
    assert.equal(await verificationRows(id), '1');
    await worker.waitForLog((l) => l.msg === 'attempt failed: will retry' && l.uploadId === id);
    const job = await queue.getJob(verifyJobId(id));
    assert.equal(job?.attemptsStarted, 2, 'a failed attempt, then the one that succeeded');
    assert.equal(job?.attemptsMade, 2);
  });

  it('dead-letters after the last attempt, visible through the API; completing again retries it', async function () {
    const worker = await spawnWorker();
    proxy.failAll = true;
    const id = await upload(PNG, 'image/png');
    await complete(id);
    const v = await waitForStatus(id, ['failed', 'verified']);
    assert.equal(v.status, 'failed');
    assert.equal(v.attempts, 3, 'JOB_ATTEMPTS of the API that enqueued it');
    assert.match(v.lastError ?? '', /503|SlowDown|injected/);
    assert.equal(v.verification, null);
    const job = await queue.getJob(verifyJobId(id));
    assert.equal(await job?.getState(), 'failed', "in BullMQ's failed set");
    await worker.waitForLog((l) => l.msg === 'job dead-lettered' && l.uploadId === id);
    const metrics = await json<{ failed: number }>(await fetch(`${worker.baseUrl}/metrics`));
    assert.equal(metrics.failed >= 1, true, JSON.stringify(metrics));

    proxy.failAll = false;
    await complete(id);
    const again = await waitForStatus(id, ['verified']);
    assert.equal(again.verification?.sha256, createHash('sha256').update(PNG).digest('hex'));
  });

  it('a worker killed mid-job (SIGKILL): the job is retried by another worker and recorded once', async function () {
    const first = await spawnWorker();
    const id = await upload(PNG, 'image/png');
    const lock = await holdRecord(id);
    await complete(id);
    await waitForBlockedWorker();
    first.child.kill('SIGKILL');
    await first.exited;
    await lock.query('ROLLBACK');
    const second = await spawnWorker();
    const v = await waitForStatus(id, ['verified', 'rejected', 'failed']);
    assert.equal(v.status, 'verified', JSON.stringify(v));
    assert.equal(await verificationRows(id), '1');
    const job = await queue.getJob(verifyJobId(id));
    assert.equal(job?.attemptsStarted, 2, 'started by the killed worker, then by the second');
    assert.equal(job?.attemptsMade, 1, 'a stall is not a failed attempt: only the finished run counts');
    await second.waitForLog((l) => l.msg === 'upload verification recorded' && l.uploadId === id);
  });

  /**
   * Makes an upload's job stall until BullMQ fails it for good. The test holds the record step (see holdRecord), so
   * each worker that takes the job blocks there; the test SIGKILLs it (and ends its database session, which would
   * otherwise wait on the lock) and starts another. That worker's stalled-job check, BullMQ's
   * moveStalledJobsToWait Lua script (node_modules/bullmq/dist/esm/commands/moveStalledJobsToWait-9.lua), finds the
   * job in the active list with no lock, increments its stall count (`HINCRBY jobKey stc 1`) and puts it back to
   * wait; once `stalledCount > maxStalledJobCount` (the Worker's maxStalledCount) it also sets the deferred failure
   * "job stalled more than allowable limit" (`HSET jobKey defa`). The next worker that takes such a job does not run
   * the processor: Worker.processJob sees getUnrecoverableErrorMessage(job) (node_modules/bullmq/dist/esm/classes/
   * worker.js) and moves it to the failed set with an UnrecoverableError, emitting only the Worker's 'failed' event.
   *
   * @returns how many times the job stalled, and the worker that failed it (still running)
   */
  async function stallUntilFailed(
    id: string,
    extra: Record<string, string>,
  ): Promise<{ stalls: number; last: ServiceProcess; lock: pg.Client }> {
    const lock = await holdRecord(id);
    await complete(id);
    const blockedPids = async () =>
      (
        await cluster.admin<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name LIKE 'alicerce-app%'
              AND query LIKE '%INSERT INTO upload_verifications%'`,
          [database],
        )
      ).rows.map((r) => r.pid);
    for (let stalls = 0; ; stalls += 1) {
      if (stalls > 6) throw new Error('the job never failed: maxStalledCount is not applied');
      const w = await spawnWorker(extra);
      const deadline = Date.now() + 30_000;
      let state: string | undefined;
      for (;;) {
        state = await (await queue.getJob(verifyJobId(id)))?.getState();
        if (state === 'failed') return { stalls, last: w, lock };
        if ((await blockedPids()).length > 0) break;
        if (Date.now() > deadline) throw new Error(`job ${state} after 30 s: neither failed nor running`);
        await new Promise((r) => setTimeout(r, 50));
      }
      w.child.kill('SIGKILL');
      await w.exited;
      // The killed worker's session still waits on the test's lock: end it, as a lost host's would end.
      for (const pid of await blockedPids()) await cluster.admin('SELECT pg_terminate_backend($1)', [pid]);
      while ((await blockedPids()).length > 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a job that stalls more than MAX_STALLED_COUNT times is dead-lettered, visible through the API with its reason', async function () {
    // BullMQ fails such a job without running the processor (see stallUntilFailed), so the processor's own failure
    // path never runs: the Worker's 'failed' event must record the dead letter.
    const id = await upload(PNG, 'image/png');
    const { stalls, last } = await stallUntilFailed(id, { MAX_STALLED_COUNT: '1' });
    const v = await waitForStatus(id, ['failed', 'verified', 'rejected'], 15_000);
    assert.equal(v.status, 'failed', JSON.stringify(v));
    assert.match(v.lastError ?? '', /job stalled more than allowable limit/);
    assert.equal(v.verification, null);
    // moveStalledJobsToWait fails it when stalledCount > maxStalledJobCount: with 1, on its second stall.
    assert.equal(stalls, 2, 'MAX_STALLED_COUNT=1: put back after the first stall, failed after the second');
    const job = await queue.getJob(verifyJobId(id));
    assert.equal(job?.failedReason, 'job stalled more than allowable limit');
    assert.equal(await verificationRows(id), '0');
    await last.waitForLog((l) => l.msg === 'job dead-lettered' && l.uploadId === id);
  });

  it('completing again an upload whose job BullMQ failed for stalling (row still queued) runs it once and records once', async function () {
    const id = await upload(PNG, 'image/png');
    const { last, lock } = await stallUntilFailed(id, { MAX_STALLED_COUNT: '0' });
    const failed = await queue.getJob(verifyJobId(id));
    assert.equal(failed?.failedReason, 'job stalled more than allowable limit');
    // Drained: whatever its 'failed' listener records is written before it exits.
    await last.stop(10_000);
    // The row as a worker that died right after BullMQ failed the job leaves it (or a worker without the listener):
    // queued, with the job in the failed set. The upload is not final, so completing again must run it again.
    await cluster.admin(`UPDATE uploads SET status = 'queued' WHERE id = $1 AND status IN ('queued', 'failed')`, [id], {
      database,
    });
    await lock.query('ROLLBACK');
    const worker = await spawnWorker();
    await complete(id);
    const v = await waitForStatus(id, ['verified', 'rejected', 'failed']);
    assert.equal(v.status, 'verified', JSON.stringify(v));
    assert.equal(v.verification?.sha256, createHash('sha256').update(PNG).digest('hex'));
    assert.equal(await verificationRows(id), '1');
    const job = await queue.getJob(verifyJobId(id));
    assert.equal(await job?.getState(), 'completed');
    assert.equal(job?.attemptsStarted, 1, 'a fresh job, run once');
    await worker.waitForLog((l) => l.msg === 'upload verification recorded' && l.uploadId === id);
    // Completing once more changes nothing: the result is final.
    await complete(id, 200);
    assert.equal(await verificationRows(id), '1');
    assert.equal(
      worker
        .output()
        .split('\n')
        .filter((l) => l.includes('upload verification recorded') && l.includes(id)).length,
      1,
      'recorded once',
    );
  });

  it('SIGTERM drains: the running job finishes and is recorded, no new job is taken, the worker exits 0', async function () {
    const worker = await spawnWorker();
    const running = await upload(PNG, 'image/png');
    const lock = await holdRecord(running);
    await complete(running);
    await waitForBlockedWorker();
    worker.child.kill('SIGTERM');
    await worker.waitForLog(logged(worker, 'draining: no new jobs, waiting for running ones'));
    const later = await upload(PNG, 'image/png');
    await complete(later);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(worker.child.exitCode, null, 'still running while its job runs');
    assert.equal(
      await (await queue.getJob(verifyJobId(later)))?.getState(),
      'waiting',
      'no new job taken while draining',
    );
    await lock.query('ROLLBACK');
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
    assert.equal((await view(running)).status, 'verified');
    assert.equal(
      await (await queue.getJob(verifyJobId(running)))?.getState(),
      'completed',
      'acknowledged, not left to stall',
    );
    assert.equal(await verificationRows(running), '1');
    // The next worker picks up what the drained one left.
    await spawnWorker();
    assert.equal((await waitForStatus(later, ['verified'])).status, 'verified');
  });

  it('a job run twice records once (a second job for an upload already recorded changes nothing)', async function () {
    const worker = await spawnWorker();
    const id = await upload(PNG, 'image/png');
    await complete(id);
    await waitForStatus(id, ['verified']);
    // Completing again adds nothing (same job id), and a job added under another id finds the record.
    await complete(id, 200);
    const dup = await queue.add('verify', { uploadId: id }, { jobId: `dup-${id}` });
    const deadline = Date.now() + 20_000;
    while ((await dup.getState()) !== 'completed') {
      if (Date.now() > deadline) throw new Error('duplicate job did not complete');
      await new Promise((r) => setTimeout(r, 100));
    }
    const done = await queue.getJob(`dup-${id}`);
    assert.deepEqual(done?.returnvalue, { outcome: 'already-recorded', recorded: false });
    assert.equal(await verificationRows(id), '1');
    await worker.waitForLog((l) => l.msg === 'already recorded' && l.uploadId === id);
  });

  it('reports queue depth, oldest waiting age and failures as CloudWatch EMF lines and on GET /metrics', async function () {
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
    const worker = await spawnWorker({
      WORKER_CONCURRENCY: '1',
      METRICS_EMF: 'true',
      METRICS_INTERVAL_MS: '200',
      METRICS_NAMESPACE: 'Test/Queue',
    });
    const blocked = await upload(PNG, 'image/png');
    const lock = await holdRecord(blocked);
    await complete(blocked);
    await waitForBlockedWorker();
    const waiting = [await upload(PNG, 'image/png'), await upload(PNG, 'image/png')];
    for (const id of waiting) await complete(id);
    const line = await worker.waitForLog((l) => {
      const aws = l._aws as { CloudWatchMetrics?: unknown } | undefined;
      return (
        aws !== undefined &&
        l[QUEUE_METRICS.depth] === 2 &&
        l[QUEUE_METRICS.active] === 1 &&
        (l[QUEUE_METRICS.oldestAge] as number) >= 1
      );
    });
    const aws = line._aws as {
      Timestamp: unknown;
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
    };
    assert.equal(typeof aws.Timestamp, 'number');
    assert.ok(Math.abs((aws.Timestamp as number) - Date.now()) < 60_000, 'milliseconds since the epoch');
    const directive = aws.CloudWatchMetrics[0]!;
    assert.equal(directive.Namespace, 'Test/Queue');
    assert.deepEqual(directive.Dimensions, [['Queue']]);
    assert.equal(line.Queue, VERIFY_QUEUE);
    for (const m of directive.Metrics) {
      assert.equal(typeof line[m.Name], 'number', `${m.Name} is a number member of the root`);
      assert.ok(['Count', 'Seconds'].includes(m.Unit));
    }
    assert.deepEqual(directive.Metrics.map((m) => m.Name).sort(), Object.values(QUEUE_METRICS).sort());
    // The EMF line is the whole log event: one JSON object, nothing before or after it.
    assert.ok(
      worker
        .output()
        .split('\n')
        .some((raw) => raw.startsWith('{"_aws":') && raw.endsWith('}')),
    );
    const http = await json<Record<string, number>>(await fetch(`${worker.baseUrl}/metrics`));
    assert.equal(http.depth, 2);
    assert.equal(http.active, 1);
    assert.ok((http.oldestAgeSeconds ?? 0) >= 1);
    await lock.query('ROLLBACK');
    for (const id of waiting) await waitForStatus(id, ['verified']);
  });

  it('shares one rate limit across two API processes through Redis, keyed by the address the proxy appended', async function () {
    const env = { ...baseEnv(), RATE_LIMIT_POINTS: '4', RATE_LIMIT_WINDOW_SECONDS: '60' };
    const [a, b] = await Promise.all([startService(env), startService(env)]);
    try {
      const get = (s: ServiceProcess, xff: string) =>
        fetch(`${s.baseUrl}/api/notes?limit=1`, { headers: { 'x-forwarded-for': xff } });
      const client = `203.0.113.${randomBytes(1)[0]! % 200}`;
      const remaining: string[] = [];
      for (const s of [a, b, a, b]) {
        const res = await get(s, client);
        assert.equal(res.status, 200);
        remaining.push(res.headers.get('ratelimit-remaining') ?? '');
      }
      assert.deepEqual(remaining, ['3', '2', '1', '0'], 'one budget across both instances');
      const limited = await get(a, client);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      // A client cannot pick a fresh bucket by sending its own X-Forwarded-For: the right-most entry counts.
      assert.equal((await get(b, `198.51.100.1, ${client}`)).status, 429);
      assert.equal((await get(b, '198.51.100.77')).status, 200, 'another client is not limited');
      const store = redis.client(redisDb);
      try {
        assert.ok(Number(await store.get(`alicerce:rl:api:${client}`)) >= 5, 'the count lives in Redis, shared');
      } finally {
        store.disconnect();
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('connects over TLS with AUTH (rediss://:password@host, CA from REDIS_TLS_CA_FILE), as ElastiCache and Valkey require', async function () {
    const tlsEnv = { REDIS_URL: redis.tlsUrl(redisDb), REDIS_TLS_CA_FILE: redis.caFile };
    const tlsApi = await startService({ ...baseEnv(), ...tlsEnv });
    try {
      await spawnWorker(tlsEnv);
      const id = await upload(PNG, 'image/png', {}, tlsApi);
      await complete(id, 202, tlsApi);
      assert.equal((await waitForStatus(id, ['verified', 'rejected', 'failed'])).status, 'verified');
      assert.ok(!tlsApi.output().includes(redis.password), 'the Redis password is never logged');
      assert.ok(!workers[0]!.output().includes(redis.password), 'the Redis password is never logged');
    } finally {
      await tlsApi.stop();
    }
  });

  it('public uploads go under the public prefix and are handed out as CDN URLs once verified', async function () {
    const cdnApi = await startService({ ...baseEnv(), CDN_BASE_URL: 'https://cdn.example.test/' });
    try {
      await spawnWorker();
      const id = await upload(PNG, 'image/png', { visibility: 'public', filename: 'logo.png' }, cdnApi);
      await complete(id, 202, cdnApi);
      const v = await waitForStatus(id, ['verified']);
      assert.equal(v.key, `public/${id}/logo.png`);
      const res = await fetch(`${cdnApi.baseUrl}/api/uploads/${id}`);
      const body = await json<UploadView>(res);
      assert.equal(body.url, `https://cdn.example.test/public/${id}/logo.png`);
    } finally {
      await cdnApi.stop();
    }
  });
});
