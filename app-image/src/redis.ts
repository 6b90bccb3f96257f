/**
 * Redis/Valkey connections (ioredis) for the job queue and the shared rate limit.
 *
 * TLS and AUTH come from the URL, as ElastiCache (in-transit encryption, auth
 * token) and DigitalOcean's managed Valkey hand them out:
 * `rediss://:TOKEN@host:6379` (or `rediss://USER:PASSWORD@host:25061`).
 * ioredis turns `rediss://` into a TLS connection that checks the server's
 * certificate and host name against Node's CA store (never
 * `rejectUnauthorized: false`), plus `REDIS_TLS_CA_FILE` when the server
 * signs with its own CA. Both managed services sign with a public CA that
 * Node's bundled store trusts, so neither needs a CA file: DigitalOcean's
 * Valkey presents a Let's Encrypt certificate
 * (https://docs.digitalocean.com/products/databases/valkey/how-to/connect/:
 * "does not require that you download a CA certificate"; its
 * `digitalocean_database_ca` is the PostgreSQL/MySQL project CA), ElastiCache
 * an Amazon Trust Services one. The URL's host name is also sent as SNI
 * (RFC 6066 server_name), which `tls.connect` leaves out unless told, so an
 * endpoint that picks its certificate by name presents the right one.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
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
  const tls = config.tls ? redisTlsOptions(config) : undefined;
  return {
    connectionName: `alicerce-${use}`,
    ...(tls === undefined ? {} : { tls }),
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
 * TLS options for a `rediss://` URL: SNI from the URL's host name (not for an
 * IP address, which SNI may not carry), the CA file's certificates when one
 * is given; verification stays Node's default (chain and host name).
 *
 * @param config - URL and CA file
 */
export function redisTlsOptions(config: RedisConfig): ConnectionOptions {
  const host = new URL(config.url).hostname.replace(/^\[(.*)\]$/, '$1');
  const ca = config.tlsCaFile === undefined ? undefined : readFileSync(config.tlsCaFile, 'utf8');
  return { ...(isIP(host) === 0 ? { servername: host } : {}), ...(ca === undefined ? {} : { ca }) };
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
