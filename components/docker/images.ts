/**
 * The official images the single host runs, pinned by tag. Bump them
 * deliberately (a PR), never with `latest`: a pull on another day must not
 * change what runs. PostgreSQL's major version must not change in place: a
 * new major needs a dump and restore (docs/single-host.md).
 */
export const IMAGES = {
    /** PostgreSQL 17 on Alpine; the data directory is /var/lib/postgresql/data (18 moved it). */
    postgres: "postgres:17-alpine",
    /** Redis 7.4 on Alpine (the last BSD-licensed line). */
    redis: "redis:7.4-alpine",
    /** The last MinIO community release published as an image. */
    minio: "minio/minio:RELEASE.2025-04-22T22-12-26Z",
    /** nginx 1.28 stable: `resolve` on upstream servers needs 1.27.3 or later. */
    nginx: "nginx:1.28-alpine",
    /** Caddy 2.11 (Docker official image, maintained by the Caddy team): the TLS edge with ACME when the stack has a domain. */
    caddy: "caddy:2.11-alpine",
} as const;

/** The numeric user ids the official images run as (used with `user:` to start them non-root). */
export const IMAGE_USERS = {
    /** `postgres` in postgres:*-alpine. */
    postgres: "70:70",
    /** `redis` in redis:*-alpine. */
    redis: "999:1000",
    /** `nginx` in nginx:*-alpine. */
    nginx: "101:101",
    /** caddy:*-alpine has no user of its own; its `/data/caddy` and `/config/caddy` are mode 1777, so any uid may write them. */
    caddy: "10001:10001",
} as const;
