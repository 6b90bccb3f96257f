/**
 * Builds the application in-process against the test cluster, with logs captured.
 *
 * @packageDocumentation
 */
import { Writable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { DbSslMode } from '../../src/config.js';
import { createPools, type Pools } from '../../src/db.js';
import { createLogger } from '../../src/logger.js';
import { migrate } from '../../src/migrations.js';
import type { Queue } from 'bullmq';
import type { CdnConfig } from '../../src/config.js';
import type { VerifyJobData } from '../../src/queue.js';
import { createRateLimiter } from '../../src/rate-limit.js';
import { buildApp, type AppDeps } from '../../src/server.js';
import { APP_ROLE, type PgCluster } from './postgres.js';
import { testSecrets } from './service.js';

/**
 * The queue, rate-limit, proxy and CDN parts of the app's dependencies, as the
 * defaults give them (no Redis: an in-memory limiter generous enough not to
 * get in the way of other tests).
 */
export function appExtras(
  overrides: { queue?: Queue<VerifyJobData>; cdn?: CdnConfig; points?: number } = {},
): Pick<AppDeps, 'queue' | 'rateLimiter' | 'rateLimit' | 'trustProxyHops' | 'cdn'> {
  const rateLimit = { points: overrides.points ?? 1_000_000, windowSeconds: 60 };
  return {
    queue: overrides.queue,
    rateLimiter: createRateLimiter(undefined, rateLimit),
    rateLimit,
    trustProxyHops: 1,
    cdn: overrides.cdn ?? { baseUrl: undefined, publicPrefix: 'public/', publicAcl: undefined },
  };
}

/** An in-process app and what it was built from. */
export interface TestApp {
  /** The Fastify instance (use `inject`, or `listen`). */
  app: FastifyInstance;
  /** Its pools. */
  pools: Pools;
  /** Raw log output so far. */
  logText(): string;
  /** Closes the app and the pools. */
  close(): Promise<void>;
}

/**
 * Creates pools on the cluster (writer on the primary, reader on the replica
 * unless `withReplica` is false), migrates, and builds the app.
 */
export async function buildTestApp(
  cluster: PgCluster,
  database: string,
  opts: { withReplica?: boolean; sslMode?: DbSslMode; ca?: string; migrate?: boolean; writerPort?: number } = {},
): Promise<TestApp> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  const logger = createLogger('info', stream);
  const creds = { user: APP_ROLE, password: cluster.appPassword };
  const pools = createPools(
    {
      writer: { host: '127.0.0.1', port: opts.writerPort ?? cluster.primaryPort, database },
      reader: opts.withReplica === false ? undefined : { host: '127.0.0.1', port: cluster.replicaPort, database },
      credentials: { kind: 'inline' },
      sslMode: opts.sslMode ?? 'require',
      sslCaFile: undefined,
      poolMax: 5,
    },
    { writer: creds, reader: creds },
    opts.ca,
    logger,
  );
  if (opts.migrate ?? true) await migrate(pools.writer, logger);
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    credentials: { accessKeyId: testSecrets.awsAccessKeyId, secretAccessKey: testSecrets.awsSecretAccessKey },
  });
  const app = buildApp(
    { pools, s3, bucket: 'test-assets', signingKey: testSecrets.signingKey, ...appExtras() },
    logger,
  );
  await app.ready();
  return {
    app,
    pools,
    logText: () => text,
    async close() {
      await app.close();
      await pools.close();
    },
  };
}
