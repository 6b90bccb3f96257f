/**
 * Worker entry point: `node dist/worker.js`, from the same image as the API.
 *
 * Validates configuration (REDIS_URL required), migrates, runs the
 * upload-verification jobs, reports queue metrics (a log line, CloudWatch EMF
 * lines when `METRICS_EMF=true`, and `GET /metrics` on `PORT`), and drains on
 * SIGTERM: no new job is taken, running ones finish and are recorded, then it
 * exits 0; after `SHUTDOWN_TIMEOUT_MS` it exits 1 without acknowledging what is
 * still running, so those jobs are retried elsewhere once their lock expires
 * (their database transaction never committed: nothing is half-recorded).
 *
 * @packageDocumentation
 */
import { readFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { describe, resolveDbCredentials } from './bootstrap.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { createPools, type Pools } from './db.js';
import { createLogger } from './logger.js';
import { emfDocument } from './metrics.js';
import { migrate } from './migrations.js';
import {
  openVerifyQueue,
  QUEUE_PREFIX,
  queueStats,
  VERIFY_QUEUE,
  type QueueStats,
  type VerifyJobData,
} from './queue.js';
import { createRedis } from './redis.js';
import { createS3Client } from './routes/uploads.js';
import { createSecretsClient, type SecretsClient } from './secrets.js';
import { createVerifyProcessor, failureMessage, recordDeadLetter, type VerifyJobResult } from './verify.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env, 'worker');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('info').fatal({ issues: err.issues }, err.message);
    process.exit(1);
  }
  const logger: Logger = createLogger(config.logLevel).child({ role: 'worker' });
  const redisConfig = config.redis!;
  logger.info({ config: { ...describe(config), queue: config.queue, metrics: config.metrics } }, 'starting');

  let secretsClient: SecretsClient | undefined;
  const secrets = () => (secretsClient ??= createSecretsClient(config.awsRegion));
  let pools: Pools | undefined;
  try {
    const credentials = await resolveDbCredentials(config, secrets);
    const ca = config.database.sslCaFile === undefined ? undefined : readFileSync(config.database.sslCaFile, 'utf8');
    // The worker reads only what it writes: no replica.
    pools = createPools({ ...config.database, reader: undefined }, credentials, ca, logger);
    const applied = await migrate(pools.writer, logger);
    logger.info({ applied }, 'migrations done');

    const workerConnection = createRedis(redisConfig, 'worker');
    const statsConnection = createRedis(redisConfig, 'producer');
    for (const c of [workerConnection, statsConnection]) {
      c.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
    }
    const processor = createVerifyProcessor({
      pool: pools.writer,
      s3: createS3Client(config.assets, config.awsRegion),
      bucket: config.assets.bucket,
      logger,
    });
    const worker = new Worker<VerifyJobData, VerifyJobResult>(VERIFY_QUEUE, (job) => processor(job), {
      connection: workerConnection,
      prefix: QUEUE_PREFIX,
      concurrency: config.queue.concurrency,
      lockDuration: config.queue.lockMs,
      stalledInterval: config.queue.lockMs,
      // A job found stalled more than this many times is failed by BullMQ itself, without running the processor.
      maxStalledCount: config.queue.maxStalledCount,
      autorun: false,
    });
    worker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'worker error'));
    // 'failed' is emitted after every failed attempt, including the ones BullMQ fails without running the processor
    // (a job that stalled more than maxStalledCount times: Worker.processJob -> getUnrecoverableErrorMessage). When
    // the job is now in the failed set for good, the upload is dead-lettered in PostgreSQL with the reason.
    const pending = new Set<Promise<void>>();
    const writer = pools.writer;
    worker.on('failed', (job, err) => {
      if (job === undefined) return;
      const p = (async () => {
        if (!(await job.isFailed())) return; // retried later (delayed or waiting): not a dead letter
        await recordDeadLetter(writer, job.data.uploadId, job.attemptsMade, failureMessage(err));
        logger.error(
          { jobId: job.id, uploadId: job.data.uploadId, attempts: job.attemptsMade, err: { message: err.message } },
          'job dead-lettered',
        );
      })()
        .catch((e: unknown) =>
          logger.warn(
            {
              jobId: job.id,
              uploadId: job.data.uploadId,
              err: { message: e instanceof Error ? e.message : String(e) },
            },
            'could not record the dead letter',
          ),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    });
    worker.on('stalled', (jobId) =>
      logger.warn({ jobId }, 'job stalled (its worker stopped without finishing): put back in the queue'),
    );
    const queue = openVerifyQueue(statsConnection, config.queue);

    const measure = async (): Promise<QueueStats> => queueStats(queue);
    const report = async () => {
      try {
        const stats = await measure();
        logger.info({ queue: VERIFY_QUEUE, ...stats }, 'queue metrics');
        if (config.metrics.emf) {
          // One whole JSON object per line: each becomes one CloudWatch Logs event.
          writeSync(1, JSON.stringify(emfDocument(config.metrics.namespace, VERIFY_QUEUE, stats, Date.now())) + '\n');
        }
      } catch (err) {
        logger.warn(
          { err: { message: err instanceof Error ? err.message : String(err) } },
          'queue metrics unavailable',
        );
      }
    };
    const metricsTimer = setInterval(() => void report(), config.metrics.intervalMs);
    void report();

    const http = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/healthz') return send(200, { status: 'ok' });
      if (req.method === 'GET' && req.url === '/metrics') {
        measure().then(
          (stats) => send(200, { queue: VERIFY_QUEUE, ...stats }),
          () => send(503, { error: 'queue unavailable' }),
        );
        return;
      }
      send(404, { error: 'Not Found' });
    });
    await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
    void worker.run();
    logger.info({ port: config.port, queue: VERIFY_QUEUE, concurrency: config.queue.concurrency }, 'worker started');
    installShutdown({
      worker,
      http,
      metricsTimer,
      pools,
      logger,
      timeoutMs: config.shutdownTimeoutMs,
      close: async () => {
        // Dead letters being recorded finish before the pools close.
        await Promise.allSettled([...pending]);
        await queue.close();
        workerConnection.disconnect();
        statsConnection.disconnect();
      },
    });
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await pools?.close().catch(() => undefined);
    process.exit(1);
  }
}

function installShutdown(s: {
  worker: Worker<VerifyJobData, VerifyJobResult>;
  http: Server;
  metricsTimer: NodeJS.Timeout;
  pools: Pools;
  logger: Logger;
  timeoutMs: number;
  close: () => Promise<void>;
}): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    s.logger.info({ signal, timeoutMs: s.timeoutMs }, 'draining: no new jobs, waiting for running ones');
    const deadline = setTimeout(() => {
      // Not acknowledged: the jobs' locks expire and another worker runs them again; their transactions never committed.
      s.logger.error({ timeoutMs: s.timeoutMs }, 'running jobs did not finish in time; exiting without them');
      process.exit(1);
    }, s.timeoutMs);
    try {
      clearInterval(s.metricsTimer);
      // Stops fetching, waits for running jobs to finish and be acknowledged.
      await s.worker.close();
      s.http.close();
      await s.close();
      await s.pools.close();
      clearTimeout(deadline);
      s.logger.info('stopped');
      process.exit(0);
    } catch (err) {
      s.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (sig) => void stop(sig));
  process.on('SIGINT', (sig) => void stop(sig));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(1);
});

await main();
