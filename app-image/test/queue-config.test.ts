import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseConfig, type Env } from '../src/config.js';
import { emfDocument } from '../src/metrics.js';
import { redisOptions } from '../src/redis.js';
import { cdnUrl } from '../src/routes/uploads.js';

const password = randomBytes(12).toString('hex');
const redisPassword = randomBytes(16).toString('hex');
const base: Env = {
  DATABASE_URL: `postgres://app:${password}@db.internal:5432/app`,
  SESSION_SIGNING_KEY: randomBytes(32).toString('hex'),
  ASSETS_BUCKET: 'assets',
  AWS_REGION: 'eu-west-1',
};

function issues(env: Env, role: 'api' | 'worker' = 'api'): { variable: string; message: string }[] {
  const r = parseConfig(env, role);
  assert.equal(r.ok, false, 'expected a rejection');
  return r.ok ? [] : r.issues;
}

describe('config: queue, rate limit, CDN and metrics variables', () => {
  it('defaults: no Redis for the API, documented limits, private CDN prefix, metrics off', () => {
    const r = parseConfig(base);
    if (!r.ok) assert.fail(JSON.stringify(r.issues));
    const c = r.config;
    assert.equal(c.redis, undefined);
    // maxStalledCount 1: BullMQ's own Worker default (node_modules/bullmq/dist/esm/classes/worker.js constructor).
    assert.deepEqual(c.queue, { attempts: 5, backoffMs: 5000, concurrency: 4, lockMs: 30000, maxStalledCount: 1 });
    assert.deepEqual(c.rateLimit, { points: 300, windowSeconds: 60 });
    assert.equal(c.trustProxyHops, 1);
    assert.deepEqual(c.cdn, { baseUrl: undefined, publicPrefix: 'public/', publicAcl: undefined });
    assert.deepEqual(c.metrics, { emf: false, intervalMs: 60000, namespace: 'Alicerce/Queue' });
  });

  it('the worker needs REDIS_URL and no signing key', () => {
    const { SESSION_SIGNING_KEY: _k, ...noKey } = base;
    assert.deepEqual(
      issues(noKey, 'worker').map((i) => i.variable),
      ['REDIS_URL'],
    );
    const ok = parseConfig({ ...noKey, REDIS_URL: 'redis://cache:6379' }, 'worker');
    assert.equal(ok.ok, true);
  });

  it('rediss:// means TLS, with the password in the URL (ElastiCache auth token, DigitalOcean Valkey user)', () => {
    const r = parseConfig({
      ...base,
      REDIS_URL: `rediss://default:${redisPassword}@cache.example.internal:25061/0`,
      REDIS_TLS_CA_FILE: '/etc/ssl/do-ca.pem',
    });
    if (!r.ok) assert.fail(JSON.stringify(r.issues));
    assert.equal(r.config.redis?.tls, true);
    // ioredis turns rediss:// into tls (ioredis lib/Redis.ts parseOptions): our options add the CA only when given.
    assert.deepEqual(redisOptions({ url: 'rediss://h:6379', tls: true, tlsCaFile: undefined }, 'worker').tls, {
      servername: 'h',
    });
    assert.equal(redisOptions({ url: 'redis://h:6379', tls: false, tlsCaFile: undefined }, 'worker').tls, undefined);
    assert.equal(
      redisOptions({ url: 'redis://h:6379', tls: false, tlsCaFile: undefined }, 'worker').maxRetriesPerRequest,
      null,
      'BullMQ workers require null',
    );
  });

  it('bad values: every problem at once, never echoing the Redis password', () => {
    const found = issues({
      ...base,
      REDIS_URL: `http://:${redisPassword}@cache:6379`,
      REDIS_TLS_CA_FILE: '/ca.pem',
      RATE_LIMIT_POINTS: '0',
      RATE_LIMIT_WINDOW_SECONDS: 'soon',
      TRUST_PROXY_HOPS: '11',
      JOB_ATTEMPTS: '0',
      WORKER_CONCURRENCY: '1000',
      WORKER_LOCK_MS: '10',
      CDN_BASE_URL: 'http://cdn.example.com',
      PUBLIC_PREFIX: '/Public',
      PUBLIC_UPLOAD_ACL: 'authenticated-read',
      METRICS_EMF: 'maybe',
      METRICS_NAMESPACE: ':bad',
    });
    assert.deepEqual(found.map((i) => i.variable).sort(), [
      'CDN_BASE_URL',
      'JOB_ATTEMPTS',
      'METRICS_EMF',
      'METRICS_NAMESPACE',
      'PUBLIC_PREFIX',
      'PUBLIC_UPLOAD_ACL',
      'RATE_LIMIT_POINTS',
      'RATE_LIMIT_WINDOW_SECONDS',
      'REDIS_URL',
      'TRUST_PROXY_HOPS',
      'WORKER_CONCURRENCY',
      'WORKER_LOCK_MS',
    ]);
    assert.ok(!JSON.stringify(found).includes(redisPassword));
  });

  it('MAX_STALLED_COUNT: an integer from 0 (fail on the first stall) to 1000, every bad value reported', () => {
    // BullMQ's Worker throws on a negative or non-number maxStalledCount ("maxStalledCount must be greater or equal
    // than 0", bullmq dist/esm/classes/worker.js); its moveStalledJobsToWait Lua script fails a job once
    // `stalledCount > maxStalledJobCount`, so 0 is meaningful: the first stall fails the job.
    for (const [raw, expected] of [
      ['0', 0],
      ['3', 3],
      [' 1000 ', 1000],
      ['', 1],
    ] as const) {
      const r = parseConfig({ ...base, REDIS_URL: 'redis://cache:6379', MAX_STALLED_COUNT: raw }, 'worker');
      if (!r.ok) assert.fail(`${raw}: ${JSON.stringify(r.issues)}`);
      assert.equal(r.config.queue.maxStalledCount, expected, raw);
    }
    for (const raw of ['-1', '1.5', 'two', '1001', '1e3']) {
      const found = issues({ ...base, MAX_STALLED_COUNT: raw, JOB_ATTEMPTS: '0' });
      assert.deepEqual(found.map((i) => i.variable).sort(), ['JOB_ATTEMPTS', 'MAX_STALLED_COUNT'], raw);
      assert.match(found.find((i) => i.variable === 'MAX_STALLED_COUNT')?.message ?? '', /integer between 0 and 1000/);
    }
  });

  it('REDIS_TLS_CA_FILE only with rediss://', () => {
    assert.deepEqual(
      issues({ ...base, REDIS_URL: 'redis://cache:6379', REDIS_TLS_CA_FILE: '/ca.pem' }).map((i) => i.variable),
      ['REDIS_TLS_CA_FILE'],
    );
  });

  it('CDN URLs: base without trailing slash, each key segment percent-encoded', () => {
    const r = parseConfig({ ...base, CDN_BASE_URL: 'https://d111111abcdef8.cloudfront.net/' });
    if (!r.ok) assert.fail(JSON.stringify(r.issues));
    assert.equal(r.config.cdn.baseUrl, 'https://d111111abcdef8.cloudfront.net');
    assert.equal(
      cdnUrl('https://cdn.example.com', 'public/1/a b#c.png'),
      'https://cdn.example.com/public/1/a%20b%23c.png',
    );
  });

  it('EMF document: every metric and dimension it declares is a member of the root (CloudWatch EMF specification)', () => {
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
    const doc = emfDocument(
      'Alicerce/Queue',
      'upload-verify',
      { depth: 3, active: 1, failed: 2, oldestAgeSeconds: 42 },
      1_780_000_000_000,
    );
    const aws = doc._aws as {
      Timestamp: number;
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
    };
    assert.equal(aws.Timestamp, 1_780_000_000_000);
    for (const d of aws.CloudWatchMetrics) {
      for (const set of d.Dimensions) for (const name of set) assert.equal(typeof doc[name], 'string');
      for (const m of d.Metrics) assert.equal(typeof doc[m.Name], 'number');
      assert.ok(d.Metrics.length <= 100 && d.Dimensions.every((s) => s.length <= 30));
    }
    assert.equal(doc.OldestJobAgeSeconds, 42);
    assert.equal(doc.QueueDepth, 3);
  });
});
