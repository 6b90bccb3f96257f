/**
 * Entry point: validates configuration, loads secrets, migrates, listens, and
 * shuts down gracefully on SIGTERM or SIGINT.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, resolveDbCredentials, resolveSigningKey } from './bootstrap.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { createPools, type Pools } from './db.js';
import { createLogger } from './logger.js';
import { migrate } from './migrations.js';
import { openVerifyQueue, type VerifyJobData } from './queue.js';
import { createRateLimiter } from './rate-limit.js';
import { createRedis } from './redis.js';
import { createSecretsClient, type SecretsClient } from './secrets.js';
import { buildApp } from './server.js';
import { createPresignClient } from './routes/uploads.js';

/** How long start-up waits for Redis before serving anyway. */
const REDIS_READY_WAIT_MS = 5000;

function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('info').fatal({ issues: err.issues }, err.message);
    process.exit(1);
  }
  const logger: Logger = createLogger(config.logLevel);
  logger.info({ config: describe(config) }, 'starting');

  let secretsClient: SecretsClient | undefined;
  const secrets = () => (secretsClient ??= createSecretsClient(config.awsRegion));
  let pools: Pools | undefined;
  try {
    const [credentials, signingKey] = await Promise.all([
      resolveDbCredentials(config, secrets),
      resolveSigningKey(config, secrets),
    ]);
    const ca = config.database.sslCaFile === undefined ? undefined : readFileSync(config.database.sslCaFile, 'utf8');
    pools = createPools(config.database, credentials, ca, logger);
    const applied = await migrate(pools.writer, logger);
    logger.info({ applied }, 'migrations done');

    let queue: Queue<VerifyJobData> | undefined;
    let rateLimitRedis: Redis | undefined;
    if (config.redis === undefined) {
      logger.warn(
        'REDIS_URL not set: uploads cannot be verified (POST /api/uploads/:id/complete answers 503) and the rate limit is per instance',
      );
    } else {
      queue = openVerifyQueue(createRedis(config.redis, 'producer'), config.queue);
      rateLimitRedis = createRedis(config.redis, 'rateLimit');
      // Without a listener, a lost connection would crash the process; ioredis reconnects by itself.
      rateLimitRedis.on('error', (err) =>
        logger.warn({ err: { message: err.message } }, 'redis (rate limit) connection error'),
      );
      queue.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis (queue) connection error'));
      // Until this connection is ready every instance limits from memory, on its own: wait a little for it.
      if (!(await whenReady(rateLimitRedis, REDIS_READY_WAIT_MS))) {
        logger.warn({ waitedMs: REDIS_READY_WAIT_MS }, 'redis not ready yet: rate limit per instance until it is');
      }
    }
    const app = buildApp(
      {
        pools,
        s3: createPresignClient(config.assets, config.awsRegion),
        bucket: config.assets.bucket,
        signingKey,
        queue,
        rateLimiter: createRateLimiter(rateLimitRedis, config.rateLimit),
        rateLimit: config.rateLimit,
        trustProxyHops: config.trustProxyHops,
        cdn: config.cdn,
        queueHealth: config.queueHealth,
      },
      logger,
    );
    await app.listen({ port: config.port, host: config.host });
    installShutdown(app, pools, logger, config.shutdownTimeoutMs, async () => {
      await queue?.close();
      rateLimitRedis?.disconnect();
    });
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await pools?.close().catch(() => undefined);
    process.exit(1);
  }
}

function installShutdown(
  app: ReturnType<typeof buildApp>,
  pools: Pools,
  logger: Logger,
  timeoutMs: number,
  closeQueue: () => Promise<void>,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'in-flight requests did not finish in time; closing connections');
      app.server.closeAllConnections();
      // Not waiting for the pools: their checked-out clients belong to the requests just cut off.
      process.exit(1);
    }, timeoutMs);
    // Connections that turn idle after their last in-flight response would otherwise linger until keep-alive expires.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    try {
      // Stops accepting, answers 503 on kept-alive connections, waits for in-flight requests.
      await app.close();
      clearInterval(reaper);
      await closeQueue().catch((err: unknown) => logger.warn({ err }, 'closing the queue connection failed'));
      await pools.close();
      clearTimeout(deadline);
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(1);
});

await main();
