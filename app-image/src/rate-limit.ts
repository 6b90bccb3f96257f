/**
 * A rate limit shared by every instance of the service, kept in Redis/Valkey
 * with rate-limiter-flexible: one atomic Lua script per request (`SET NX EX`
 * then `INCRBY`), so one client spreading requests over several instances
 * behind the load balancer is limited once. While Redis is unreachable the
 * in-memory insurance limiter answers (per instance), so an outage of the
 * cache never turns into an outage of the API.
 *
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig } from './config.js';

/** Prefix of the limiter's Redis keys (`<prefix>:<client address>`). */
export const RATE_LIMIT_KEY_PREFIX = 'alicerce:rl:api';

/**
 * The limiter: in Redis when a connection is given, else in memory.
 *
 * @param redis - connection with no offline queue (`createRedis(..., 'rateLimit')`), or `undefined`
 * @param config - points per window and window length
 */
export function createRateLimiter(redis: Redis | undefined, config: RateLimitConfig): RateLimiterAbstract {
  const memory = new RateLimiterMemory({
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    points: config.points,
    duration: config.windowSeconds,
  });
  if (redis === undefined) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    points: config.points,
    duration: config.windowSeconds,
    // Not connected: answer from memory at once rather than wait for a reconnect.
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

function setHeaders(reply: FastifyReply, limit: number, res: RateLimiterRes): void {
  // Fields of the IETF RateLimit header draft (draft-ietf-httpapi-ratelimit-headers), as separate headers.
  reply.header('ratelimit-limit', String(limit));
  reply.header('ratelimit-remaining', String(Math.max(0, res.remainingPoints)));
  reply.header('ratelimit-reset', String(Math.ceil(res.msBeforeNext / 1000)));
}

/**
 * Limits every `/api/` request by client address (`request.ip`, which honours
 * `X-Forwarded-For` only from the trusted proxy hops). Over the limit: `429`
 * with `Retry-After`. Health checks are never limited.
 *
 * @param app - Fastify instance
 * @param limiter - from {@link createRateLimiter}
 * @param points - the limit, for the headers
 */
export function registerRateLimit(app: FastifyInstance, limiter: RateLimiterAbstract, points: number): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    let res: RateLimiterRes;
    try {
      res = await limiter.consume(request.ip, 1);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // A store error with no insurance left: let the request through rather than fail it.
        request.log.warn({ err: rejection }, 'rate limiter unavailable');
        return;
      }
      setHeaders(reply, points, rejection);
      reply.header('retry-after', String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
      request.log.info({ client: request.ip }, 'rate limited');
      return reply.code(429).send({
        error: 'Too Many Requests',
        message: `rate limit of ${points} requests exceeded; retry after ${Math.ceil(rejection.msBeforeNext / 1000)} s`,
        statusCode: 429,
        requestId: request.id,
      });
    }
    setHeaders(reply, points, res);
  });
}
