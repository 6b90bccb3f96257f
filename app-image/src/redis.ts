/**
 * Redis/Valkey connections (ioredis) for the job queue and the shared rate limit.
 *
 * TLS and AUTH come from the URL, as ElastiCache (in-transit encryption, auth
 * token) and DigitalOcean's managed Valkey hand them out:
 * `rediss://:TOKEN@host:6379` (or `rediss://USER:PASSWORD@host:25061`).
 * ioredis turns `rediss://` into a TLS connection that checks the server's
 * certificate and host name against Node's CA store, plus `REDIS_TLS_CA_FILE`
 * when the provider signs with its own CA.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.js';

/** What a connection is for: each wants a different failure behaviour. */
export type RedisUse =
  /** BullMQ worker: commands wait for a reconnect forever (BullMQ requires `maxRetriesPerRequest: null`). */
  | 'worker'
  /** BullMQ producer in the API: fail a request quickly rather than hang it while Redis is away. */
  | 'producer'
  /** Rate limiter: no offline queue; while Redis is away the in-memory insurance limiter answers. */
  | 'rateLimit';

/**
 * Options for one use, from the URL settings.
 *
 * @param config - URL and CA file
 * @param use - what the connection is for
 */
export function redisOptions(config: RedisConfig, use: RedisUse): RedisOptions {
  const ca = config.tlsCaFile === undefined ? undefined : readFileSync(config.tlsCaFile, 'utf8');
  return {
    connectionName: `alicerce-${use}`,
    ...(config.tls ? { tls: ca === undefined ? {} : { ca } } : {}),
    connectTimeout: 5000,
    // Reconnect with a capped backoff, forever: a failover or a maintenance window must not kill the process.
    retryStrategy: (times: number) => Math.min(times * 200, 5000),
    ...(use === 'worker'
      ? { maxRetriesPerRequest: null }
      : use === 'producer'
        ? { maxRetriesPerRequest: 1, enableOfflineQueue: true }
        : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  };
}

/**
 * Opens a connection (lazily: the first command connects).
 *
 * @param config - URL and CA file
 * @param use - what the connection is for
 */
export function createRedis(config: RedisConfig, use: RedisUse): Redis {
  return new Redis(config.url, { ...redisOptions(config, use), lazyConnect: false });
}

/**
 * The URL without its password, for logs.
 *
 * @param url - a redis:// or rediss:// URL
 */
export function redactRedisUrl(url: string): string {
  const u = new URL(url);
  if (u.password !== '') u.password = 'redacted';
  return u.toString();
}
