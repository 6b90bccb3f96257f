/**
 * The official images the single host runs. Bump them deliberately (a PR),
 * never with `latest`: a pull on another day must not change what runs.
 * PostgreSQL's major version must not change in place: a new major needs a
 * dump and restore (docs/single-host.md).
 */
export const IMAGES = {
    /** PostgreSQL 17 on Alpine; the data directory is /var/lib/postgresql/data (18 moved it). */
    postgres: "postgres:17-alpine",
    /** Redis 7.4 on Alpine (the last BSD-licensed line). */
    redis: "redis:7.4-alpine",
    /** SeaweedFS, the S3-compatible object store (replaces MinIO, whose images were withdrawn). */
    objectStore: "chrislusf/seaweedfs:4.48",
    /** restic, copied into the backup image (components/docker/backup/Dockerfile): the restic project's own image. */
    restic: "restic/restic:0.18.1",
    /** rclone, which creates the buckets (storage setup). */
    rclone: "rclone/rclone:1.75.1",
    /** nginx 1.28 stable: `resolve` on upstream servers needs 1.27.3 or later. */
    nginx: "nginx:1.28-alpine",
    /** Caddy 2.11 (Docker official image, maintained by the Caddy team): the TLS edge with ACME when the stack has a domain. */
    caddy: "caddy:2.11-alpine",
} as const;

/** Why an image may be used, and how it is pinned. */
export interface AllowedImage {
    /** Why this image, from whom, under which license. */
    readonly reason: string;
    /** `digest`: `@sha256:` checked against a source; `version`: an exact release tag; `line`: a maintained minor line, patch updates pulled in. */
    readonly pinned: "digest" | "version" | "line";
}

/**
 * Every image reference the single host's program and the repository's
 * Dockerfiles may use (test: components/docker/images.test.ts). An image
 * that leaves its publisher (as MinIO's did in 2026) is removed here first.
 * No digest is listed: none could be checked against the registries from
 * where this list is kept, so images are pinned by exact version tag where
 * the publisher tags versions, and by maintained line otherwise.
 */
export const ALLOWED_IMAGES: Readonly<Record<string, AllowedImage>> = {
    [IMAGES.postgres]: { reason: "Docker Official Image (PostgreSQL license); 17.x line gets the minor (security) releases", pinned: "line" },
    [IMAGES.redis]: { reason: "Docker Official Image; 7.4 is the last BSD-3-Clause Redis line", pinned: "line" },
    [IMAGES.objectStore]: {
        reason: "SeaweedFS's own image (Apache-2.0, amd64 + arm64, released monthly); S3 API with SigV4 presigned URLs and per-bucket identities",
        pinned: "version",
    },
    [IMAGES.restic]: {
        reason: "the restic project's own image (BSD-2-Clause, amd64 + arm64); its static binary is copied into the backup image",
        pinned: "version",
    },
    [IMAGES.rclone]: { reason: "rclone's own image (MIT, amd64 + arm64); `rclone mkdir` creates buckets idempotently on any S3 server", pinned: "version" },
    [IMAGES.nginx]: { reason: "Docker Official Image (BSD-2-Clause); 1.28 stable line", pinned: "line" },
    [IMAGES.caddy]: {
        reason: "Docker Official Image maintained with the Caddy team (Apache-2.0, amd64 + arm64); automatic HTTPS (ACME) in front of nginx when the stack has a domain",
        pinned: "line",
    },
    "node:22.23.3-bookworm-slim": { reason: "Docker Official Image (MIT); base of app-image, Node 22 LTS", pinned: "version" },
};

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
