/**
 * Builds the Fastify application. Starting, migrating and signal handling live in `main.ts`.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Queue } from 'bullmq';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { QUEUE_HEALTH_DEFAULTS, type CdnConfig, type QueueHealthConfig, type RateLimitConfig } from './config.js';
import { checkPool, type Pools } from './db.js';
import type { VerifyJobData } from './queue.js';
import { registerQueueHealth } from './queue-health.js';
import { registerRateLimit } from './rate-limit.js';
import { registerNotesRoutes } from './routes/notes.js';
import { registerUploadRoutes } from './routes/uploads.js';

/** Largest accepted request body, in bytes; larger ones get 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** How long `/readyz` waits for each database, in milliseconds. */
export const READY_CHECK_TIMEOUT_MS = 2000;

/** What the application needs from the outside. */
export interface AppDeps {
  /** Writer and reader pools. */
  pools: Pools;
  /** S3 client for presigning. */
  s3: S3Client;
  /** Assets bucket name. */
  bucket: string;
  /** Key that signs list cursors. */
  signingKey: string;
  /** The verification queue; `undefined` without Redis (completing an upload then answers 503). */
  queue: Queue<VerifyJobData> | undefined;
  /** Shared rate limiter (`createRateLimiter`). */
  rateLimiter: RateLimiterAbstract;
  /** The limit, for response headers. */
  rateLimit: RateLimitConfig;
  /** Proxy hops whose `X-Forwarded-For` entry is trusted; 0 trusts none. */
  trustProxyHops: number;
  /** CDN for public objects. */
  cdn: CdnConfig;
  /** Thresholds of `/healthz/queue`. @default QUEUE_HEALTH_DEFAULTS */
  queueHealth?: QueueHealthConfig;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Creates the Fastify instance with all routes, the JSON error handler and request ids.
 *
 * @param deps - pools, S3 client, bucket and signing key
 * @param logger - logger from `createLogger` in `logger.ts`
 */
export function buildApp(deps: AppDeps, logger: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind a load balancer or proxy: the client address is the X-Forwarded-For entry that the last trusted hop
    // appended (the right-most ones). Trusting every hop would let a client choose its own address, and with it
    // its own rate-limit bucket, by sending X-Forwarded-For itself.
    // (What Fastify does with a number, https://fastify.dev/docs/latest/Reference/Server/#trustproxy, as a function
    // because its types omit the number form.)
    trustProxy: deps.trustProxyHops === 0 ? false : (_address: string, hop: number) => hop < deps.trustProxyHops,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      // Reject rather than silently fix input: unknown fields and wrong types are errors.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
    },
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onSend', async (_request, reply) => {
    // Once shutting down, a kept-alive connection would hold the process open: ask the client to drop it.
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.validation !== undefined
        ? 400
        : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
          ? error.statusCode
          : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ status, reason: error.message }, 'request rejected');
    }
    return reply.code(status).send({
      error: STATUS_CODES[status] ?? 'Error',
      message: status >= 500 ? 'internal error' : error.message,
      statusCode: status,
      requestId: request.id,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: STATUS_CODES[404],
      message: `route ${request.method} ${request.url.split('?')[0]} not found`,
      statusCode: 404,
      requestId: request.id,
    }),
  );

  registerRateLimit(app, deps.rateLimiter, deps.rateLimit.points);

  app.get('/healthz', async () => ({ status: 'ok' }));

  registerQueueHealth(app, deps.queue, deps.queueHealth ?? QUEUE_HEALTH_DEFAULTS);

  app.get('/readyz', async (request, reply) => {
    const { writer, replica, readerIsWriter } = deps.pools;
    const [w, r] = await Promise.all([
      checkPool(writer, READY_CHECK_TIMEOUT_MS),
      replica === undefined ? undefined : checkPool(replica, READY_CHECK_TIMEOUT_MS),
    ]);
    const readerCheck = r ?? w;
    // Reads fall back to the writer while the replica is down, so the writer alone decides readiness.
    const ready = w.ok;
    if (!ready) {
      request.log.warn({ writer: w, reader: readerCheck }, 'not ready');
    } else if (!readerCheck.ok) {
      request.log.warn({ reader: readerCheck }, 'replica down: reads served by the writer');
    }
    // Error details stay in the log: they name internal hosts.
    const view = (c: typeof w) => ({ ok: c.ok, ...(c.inRecovery === undefined ? {} : { inRecovery: c.inRecovery }) });
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      writer: view(w),
      reader: { ...view(readerCheck), sameAsWriter: readerIsWriter },
    });
  });

  registerNotesRoutes(app, { writer: deps.pools.writer, reader: deps.pools.reader, signingKey: deps.signingKey });
  registerUploadRoutes(app, {
    s3: deps.s3,
    bucket: deps.bucket,
    writer: deps.pools.writer,
    reader: deps.pools.reader,
    queue: deps.queue,
    cdn: deps.cdn,
  });
  return app;
}
