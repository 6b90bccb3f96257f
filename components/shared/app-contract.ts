/**
 * The app contract: what every platform promises the container built from
 * `app-image/` (its port, its health path, how long it may drain on
 * SIGTERM) and the environment each hosting strategy gives it. The one
 * place these are written; a test holds every environment here against the
 * app's own `parseConfig` (app-image/src/config.ts).
 */
import type * as pulumi from "@pulumi/pulumi";

/** The port the app listens on (app-image/Dockerfile `EXPOSE 8080`; `PORT` defaults to it). */
export const APP_PORT = 8080;

/** Where the app answers health checks (app-image/src/server.ts). */
export const HEALTH_PATH = "/healthz";

/**
 * How long the app drains in-flight requests on SIGTERM, on every platform.
 * Bounded by the tightest platform: a DigitalOcean autoscale pool destroys a
 * droplet 60 s after the shutdown signal, and the ALB's deregistration delay
 * and the pool's stop timeout must exceed it.
 */
export const SHUTDOWN_TIMEOUT_MS = 25_000;

/** How long the container runtime waits after SIGTERM before SIGKILL: the drain, plus a margin for the process to exit. */
export const STOP_TIMEOUT_SECONDS = Math.ceil(SHUTDOWN_TIMEOUT_MS / 1000) + 5;

/**
 * Proxies in front of the app whose `X-Forwarded-For` entries it trusts
 * (app-image/src/config.ts `TRUST_PROXY_HOPS`, default 1: the load balancer).
 * Behind Cloudflare and the load balancer the header reads `client, edge`:
 * with one hop the client's address would be Cloudflare's edge, and every
 * visitor through one edge would share one rate-limit bucket. Two hops only
 * where the load balancer admits nothing but Cloudflare, or a client could
 * forge the first entry.
 */
export function proxyHopsEnvironment(onlyCloudflareReachesTheLoadBalancer: boolean): Record<string, string> {
    return onlyCloudflareReachesTheLoadBalancer ? { TRUST_PROXY_HOPS: "2" } : {};
}

/** The worker role's command: the same image as the web role (app-image/Dockerfile; app-image/README.md "Worker"). */
export const WORKER_COMMAND = ["node", "--enable-source-maps", "dist/worker.js"] as const;

/** Where the container finds the RDS CA bundle (AWS). */
export const DB_CA_PATH = "/etc/ssl/certs/rds-global-bundle.pem";

/**
 * The container's environment on AWS. Everything here is non-secret:
 * secrets go by ARN (the app reads them from Secrets Manager).
 * `DB_READER_HOST` only with a replica: the app opens a second pool for it,
 * and falls back to the writer without it.
 */
export function awsAppEnvironment(p: {
    region: string;
    dbSecretArn: string;
    dbHost: string;
    dbReaderHost?: string;
    dbPort: number;
    dbName: string;
    appSecretArn: string;
    assetsBucket: string;
}): Record<string, string> {
    return {
        AWS_REGION: p.region,
        DB_SECRET_ARN: p.dbSecretArn,
        DB_HOST: p.dbHost,
        ...(p.dbReaderHost !== undefined ? { DB_READER_HOST: p.dbReaderHost } : {}),
        DB_PORT: String(p.dbPort),
        DB_NAME: p.dbName,
        DB_SSL_MODE: "verify-full",
        DB_SSL_CA_FILE: DB_CA_PATH,
        APP_SECRET_ARN: p.appSecretArn,
        ASSETS_BUCKET: p.assetsBucket,
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
}

// --- p-aws-workers ---
/**
 * The worker's environment on AWS: the app's, less what the worker does not
 * use (it signs nothing, so no `APP_SECRET_ARN`; it never reads a replica, so
 * no `DB_READER_HOST`), plus its queue metrics as CloudWatch Embedded Metric
 * Format lines on stdout (the `awslogs` driver turns them into metrics).
 * `REDIS_URL` is not here: it holds the auth token, so it is fetched from
 * Secrets Manager at every start (user data only names the secret).
 */
export function awsWorkerEnvironment(app: Readonly<Record<string, string>>): Record<string, string> {
    const { APP_SECRET_ARN: _signing, DB_READER_HOST: _reader, ...env } = app;
    return { ...env, METRICS_EMF: "true" };
}
// --- end p-aws-workers ---

/** The container's environment on DigitalOcean, split by where each part may be written. */
export interface DigitalOceanAppEnvironment {
    /** Non-secret: written into the user data (visible to anyone who can read the pool's template). */
    readonly env: Record<string, pulumi.Input<string>>;
    /** Secret: only in the private config bucket, fetched at every start. */
    readonly secrets: Record<string, pulumi.Input<string>>;
}

/**
 * The container's environment on DigitalOcean. Without a replica the app
 * reads from the writer: a second URL to the primary would only double its
 * connections. The session key is not here: the app servers generate it.
 */
export function digitalOceanAppEnvironment(p: {
    dbPoolMax: number;
    assetsBucket: pulumi.Input<string>;
    s3Endpoint: pulumi.Input<string>;
    accessKeyId: pulumi.Input<string>;
    secretAccessKey: pulumi.Input<string>;
    databaseUrl: pulumi.Input<string>;
    databasePoolUrl: pulumi.Input<string>;
    databaseReaderUrl?: pulumi.Input<string>;
}): DigitalOceanAppEnvironment {
    return {
        env: {
            NODE_ENV: "production",
            DB_SSL_MODE: "require",
            DB_POOL_MAX: String(p.dbPoolMax),
            ASSETS_BUCKET: p.assetsBucket,
            S3_ENDPOINT: p.s3Endpoint,
            // Spaces ignores the region in SigV4 requests to its own endpoint; S3 clients still insist on one.
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: p.accessKeyId,
            SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        },
        secrets: {
            DATABASE_URL: p.databaseUrl,
            DATABASE_POOL_URL: p.databasePoolUrl,
            AWS_SECRET_ACCESS_KEY: p.secretAccessKey,
            ...(p.databaseReaderUrl !== undefined ? { DATABASE_READER_URL: p.databaseReaderUrl } : {}),
        },
    };
}

/** The variable DigitalOcean app servers set to the session key they generate. */
export const SESSION_KEY_VARIABLE = "SESSION_SIGNING_KEY";

/**
 * The container's environment on a single Docker host (secret as a whole:
 * it carries the database password and keys).
 */
export function singleHostAppEnvironment(p: {
    databaseUrl: string;
    redisUrl: string;
    assetsBucket: string;
    s3Endpoint: string;
    s3PublicEndpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    sessionKey: string;
}): Record<string, string> {
    return {
        NODE_ENV: "production",
        PORT: String(APP_PORT),
        DATABASE_URL: p.databaseUrl,
        // One host, no replica: reads go to the primary.
        DATABASE_READER_URL: p.databaseUrl,
        // TLS off only because this hop is the internal bridge network inside one kernel; never across hosts.
        DB_SSL_MODE: "disable",
        REDIS_URL: p.redisUrl,
        ASSETS_BUCKET: p.assetsBucket,
        S3_ENDPOINT: p.s3Endpoint,
        // Browsers cannot reach the data network: upload URLs are signed for the public host.
        S3_PUBLIC_ENDPOINT: p.s3PublicEndpoint,
        S3_FORCE_PATH_STYLE: "true",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: p.accessKeyId,
        AWS_SECRET_ACCESS_KEY: p.secretAccessKey,
        [SESSION_KEY_VARIABLE]: p.sessionKey,
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    };
}

// --- The team's own app (alicerce:appEnv, appSecrets, appPort, appHealthPath, appCommand, appReleaseCommand) ---

/**
 * A portable environment variable name (POSIX.1-2017 Base Definitions 8.1,
 * https://pubs.opengroup.org/onlinepubs/9699919799/basedefs/V1_chap08.html:
 * uppercase letters, digits and `_`, not starting with a digit). Docker's
 * `--env-file` and systemd take the same set.
 */
export const APP_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Every variable a platform sets itself, with what it carries: a team's
 * `alicerce:appEnv` or `alicerce:appSecrets` entry of the same name would
 * silently override (or be overridden by) the platform's, so it is an error
 * naming both. Held against each strategy's environment by a test.
 */
export const PLATFORM_VARIABLES: Readonly<Record<string, string>> = {
    NODE_ENV: "the runtime mode",
    PORT: "the port the app listens on (alicerce:appPort)",
    AWS_REGION: "the region of the cloud's APIs",
    AWS_ACCESS_KEY_ID: "the object store's access key",
    AWS_SECRET_ACCESS_KEY: "the object store's secret key",
    DB_SECRET_ARN: "the database credentials' secret (AWS)",
    DB_HOST: "the database writer",
    DB_READER_HOST: "the database reader",
    DB_PORT: "the database port",
    DB_NAME: "the database name",
    DB_SSL_MODE: "the database TLS mode",
    DB_SSL_CA_FILE: "the database CA bundle",
    DB_POOL_MAX: "the connection pool size",
    APP_SECRET_ARN: "the session key's secret (AWS)",
    ASSETS_BUCKET: "the assets bucket",
    S3_ENDPOINT: "the object store endpoint",
    S3_PUBLIC_ENDPOINT: "the object store's public endpoint",
    S3_FORCE_PATH_STYLE: "the object store addressing",
    DATABASE_URL: "the app's database connection",
    DATABASE_POOL_URL: "the pooled database connection",
    DATABASE_READER_URL: "the read replica connection",
    REDIS_URL: "the Redis/Valkey connection",
    TRUST_PROXY_HOPS: "the proxies in front of the app (the load balancer, and Cloudflare where it proxies)",
    SESSION_SIGNING_KEY: "the generated session key",
    SHUTDOWN_TIMEOUT_MS: "the graceful shutdown the platforms' stop timeouts are sized for",
    ALICERCE_SECRETS_VERSION: "the version of the app's secrets (AWS), which rolls the instances when one changes",
};

/** The variable carrying the version id of the app's secrets on AWS (a change rolls the fleet). */
export const APP_SECRETS_VERSION_VARIABLE = "ALICERCE_SECRETS_VERSION";

/** The app's own shape: what the platforms read from the container instead of assuming `app-image/`. */
export interface AppShape {
    /** The port the app listens on inside the container (`PORT` is set to it). @default 8080 */
    readonly port: number;
    /** The path load balancers and the single host's health check probe. @default "/healthz" */
    readonly healthPath: string;
    /** The container's command (replaces the image's CMD); unset, the image's own. */
    readonly command?: readonly string[];
    /**
     * Runs once per release in the new image, with the app's whole environment, before any new
     * instance starts serving (database migrations); a non-zero exit stops the rollout.
     */
    readonly releaseCommand?: readonly string[];
    /** The queue workers' command (`alicerce:workersCommand`); unset, app-image/'s {@link WORKER_COMMAND}. */
    readonly workerCommand?: readonly string[];
}

/** The command a queue worker runs: the team's own, or app-image/'s worker. */
export function workerCommandOf(shape: AppShape | undefined): readonly string[] {
    return shape?.workerCommand ?? WORKER_COMMAND;
}

/** The shape of `app-image/`. */
export const DEFAULT_APP_SHAPE: AppShape = { port: APP_PORT, healthPath: HEALTH_PATH };

/**
 * The app's environment from stack config, split by where it may be written:
 * `env` is plain (`alicerce:appEnv`); `secretNames` are only names (the
 * values travel as Pulumi secrets, `alicerce:appSecrets`, to each cloud's
 * secret store, never into user data, outputs, logs or the plan).
 */
export interface AppConfigEnvironment {
    readonly env: Readonly<Record<string, string>>;
    readonly secretNames: readonly string[];
}

/**
 * The platform's environment with the team's plain settings added, and
 * `PORT` when the app listens elsewhere than 8080. Names were checked against
 * {@link PLATFORM_VARIABLES} before anything was declared; a collision here
 * is a bug, so it throws.
 */
export function appEnvironment<V>(
    app: { readonly env: Readonly<Record<string, string>>; readonly port: number },
    platform: Record<string, V>,
): Record<string, V | string> {
    const clash = Object.keys(app.env).filter((n) => n in platform);
    if (clash.length > 0)
        throw new Error(`app settings ${clash.join(", ")} collide with the platform's own variables (stacks/ validation should have refused them)`);
    return { ...platform, ...app.env, ...(app.port !== APP_PORT ? { PORT: String(app.port) } : {}) };
}
