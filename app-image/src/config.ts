/**
 * Configuration from environment variables.
 *
 * {@link parseConfig} is a pure function: it takes an environment map and returns
 * either a complete {@link AppConfig} or the full list of problems, so a bad
 * deployment fails at start with every mistake named at once.
 *
 * @packageDocumentation
 */

/** TLS policy for database connections, named after libpq's `sslmode`. */
export type DbSslMode = 'disable' | 'require' | 'verify-full';

/** Pino log levels accepted by `LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Where to reach one PostgreSQL server; user and password are absent when they come from Secrets Manager. */
export interface DbEndpoint {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /** Database name; `undefined` lets the server default to the user name. */
  database: string | undefined;
  /** User name, when given in a URL. */
  user?: string;
  /** Password, when given in a URL. */
  password?: string;
}

/** How the database user and password are obtained. */
export type DbCredentialSource = { kind: 'inline' } | { kind: 'secretsManager'; secretArn: string };

/** Database settings: the writer, the optional reader, credentials and TLS. */
export interface DatabaseConfig {
  /** The primary: every write goes here. */
  writer: DbEndpoint;
  /** The replica for reads; `undefined` means reads go to the writer. */
  reader: DbEndpoint | undefined;
  /** Where the user name and password come from. */
  credentials: DbCredentialSource;
  /** TLS policy. */
  sslMode: DbSslMode;
  /** Optional PEM bundle (for example the RDS CA bundle) to verify the server certificate. */
  sslCaFile: string | undefined;
  /** Maximum connections per pool (writer and reader each). */
  poolMax: number;
}

/** How the session signing key is obtained. */
export type SigningKeySource = { kind: 'inline'; key: string } | { kind: 'secretsManager'; secretArn: string };

/** S3 (or S3-compatible) settings for presigned uploads. */
export interface AssetsConfig {
  /** Bucket that receives uploads. */
  bucket: string;
  /** Custom endpoint for Spaces or a self-hosted S3 server; `undefined` means AWS S3. */
  endpoint: string | undefined;
  /** Use path-style URLs (`https://host/bucket/key`), which self-hosted S3 servers need. */
  forcePathStyle: boolean;
  /**
   * The endpoint presigned URLs are signed for, when clients reach the store
   * by another name than the service does (a single host: the service talks
   * to `http://objectstore:8333`, browsers to the public host, whose proxy
   * routes `/<bucket>/` to the store). `undefined`: the same as `endpoint`.
   */
  publicEndpoint: string | undefined;
}

/** Redis (or Valkey) connection for the job queue and the shared rate limit. */
export interface RedisConfig {
  /** `redis://` or `rediss://` (TLS) URL; user name and password, when any, are in it. */
  url: string;
  /** Whether the URL asks for TLS (`rediss://`). */
  tls: boolean;
  /** Optional PEM bundle to verify the server certificate (for a provider's private CA). */
  tlsCaFile: string | undefined;
}

/** Settings of the upload-verification queue and its workers. */
export interface QueueConfig {
  /** How many times a job is tried before it is dead-lettered. */
  attempts: number;
  /** First retry delay in milliseconds; doubled on each further attempt. */
  backoffMs: number;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  /** How long a job's lock lasts without renewal: a killed worker's job is retried after about this long. */
  lockMs: number;
  /**
   * How many times a job may be found stalled (its worker gone, its lock expired) and put back before BullMQ fails
   * it for good with "job stalled more than allowable limit" (the Worker's `maxStalledCount`).
   */
  maxStalledCount: number;
}

/** Shared rate limit on `/api/` routes. */
export interface RateLimitConfig {
  /** Requests one client may make per window (all instances together). */
  points: number;
  /** Window length in seconds. */
  windowSeconds: number;
}

/** CDN for public objects. */
export interface CdnConfig {
  /** Base URL of the CDN (no trailing slash), or `undefined`: public objects get presigned URLs too. */
  baseUrl: string | undefined;
  /** Key prefix of public objects, ending in `/`: the CDN serves this prefix of the bucket. */
  publicPrefix: string;
  /** Canned ACL signed into public uploads (`public-read` for a Spaces CDN), or `undefined` (CloudFront with origin access control). */
  publicAcl: 'public-read' | undefined;
}

/** Queue metrics the worker reports. */
export interface MetricsConfig {
  /** Whether to print CloudWatch Embedded Metric Format lines on stdout. */
  emf: boolean;
  /** How often to measure the queue, in milliseconds. */
  intervalMs: number;
  /** CloudWatch namespace of the EMF metrics. */
  namespace: string;
}

/** Thresholds of `/healthz/queue` (any figure above its threshold answers 503). */
export interface QueueHealthConfig {
  /** Waiting jobs (`waiting + prioritized + delayed`) above which the queue is unhealthy. */
  maxDepth: number;
  /** Age in seconds of the oldest waiting job above which the queue is unhealthy. */
  maxOldestAgeSeconds: number;
  /** Dead letters (jobs failed for good) counted over this many seconds back; any one is unhealthy. */
  failedWindowSeconds: number;
}

/** The defaults: the AWS alarms' thresholds (1000 jobs, 15 minutes) and a 15-minute window for dead letters. */
export const QUEUE_HEALTH_DEFAULTS: QueueHealthConfig = {
  maxDepth: 1000,
  maxOldestAgeSeconds: 900,
  failedWindowSeconds: 900,
};

/** Which process the configuration is for: the HTTP API or the queue worker. */
export type ProcessRole = 'api' | 'worker';

/** The validated configuration of the service. */
export interface AppConfig {
  /** TCP port to listen on. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Minimum level of log lines written. */
  logLevel: LogLevel;
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownTimeoutMs: number;
  /** AWS region for Secrets Manager and S3 request signing. */
  awsRegion: string;
  /** Database settings. */
  database: DatabaseConfig;
  /** Key used to sign pagination cursors; `undefined` for the worker, which signs nothing. */
  signingKey: SigningKeySource | undefined;
  /** Upload bucket settings. */
  assets: AssetsConfig;
  /** Redis/Valkey; `undefined` only for the API without a queue (uploads cannot be verified, rate limit per instance). */
  redis: RedisConfig | undefined;
  /** Queue and worker settings. */
  queue: QueueConfig;
  /** Shared rate limit. */
  rateLimit: RateLimitConfig;
  /** Proxies in front of the service whose `X-Forwarded-For` entries are trusted (the load balancer or reverse proxy). */
  trustProxyHops: number;
  /** CDN for public objects. */
  cdn: CdnConfig;
  /** Queue metrics (worker). */
  metrics: MetricsConfig;
  /** Thresholds of `GET /healthz/queue` (API). */
  queueHealth: QueueHealthConfig;
}

/** One invalid or missing variable. */
export interface ConfigIssue {
  /** Name of the environment variable (or variables) at fault. */
  variable: string;
  /** What is wrong, without echoing secret values. */
  message: string;
}

/** Result of {@link parseConfig}. */
export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; issues: ConfigIssue[] };

/** Thrown by {@link loadConfig}; its message lists every issue, one per line. */
export class ConfigError extends Error {
  /** Every problem found. */
  readonly issues: ConfigIssue[];

  /** @param issues - every problem found, in the order checked */
  constructor(issues: ConfigIssue[]) {
    super('Invalid configuration:\n' + issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Environment map, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

const SSL_MODES: readonly DbSslMode[] = ['disable', 'require', 'verify-full'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;
const MIN_SIGNING_KEY_LENGTH = 32;
const DEFAULT_REGION_FOR_CUSTOM_S3 = 'us-east-1';

/**
 * Validates an environment map and builds the configuration.
 *
 * Pure: reads nothing but `env`. Empty strings count as unset, so a blank
 * variable in a task definition behaves like a missing one.
 *
 * @param env - the environment, usually `process.env`
 * @param role - `api` needs a signing key and may run without Redis; `worker` needs Redis and no signing key
 * @returns the configuration, or every issue found
 */
export function parseConfig(env: Env, role: ProcessRole = 'api'): ConfigResult {
  const issues: ConfigIssue[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fail = (variable: string, message: string): undefined => {
    issues.push({ variable, message });
    return undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      fail(name, `must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      fail(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const arn = (name: string): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    return SECRET_ARN.test(raw)
      ? raw
      : fail(name, 'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)');
  };

  const port = int('PORT', 8080, 1, 65535);
  const host = get('HOST') ?? '0.0.0.0';
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', 25000, 0, 600000);
  const poolMax = int('DB_POOL_MAX', 10, 1, 1000);

  const database = parseDatabase(get, fail, arn, poolMax);
  const signingKey = role === 'worker' ? undefined : parseSigningKey(get, fail, arn);

  const bucket = get('ASSETS_BUCKET') ?? fail('ASSETS_BUCKET', 'is required (the bucket that receives uploads)');
  const endpoint = get('S3_ENDPOINT');
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    fail('S3_ENDPOINT', `must be an http(s) URL (got "${endpoint}")`);
  }
  const publicEndpoint = get('S3_PUBLIC_ENDPOINT');
  if (publicEndpoint !== undefined && !isHttpUrl(publicEndpoint)) {
    fail('S3_PUBLIC_ENDPOINT', `must be an http(s) URL (got "${publicEndpoint}")`);
  }
  if (publicEndpoint !== undefined && endpoint === undefined) {
    fail('S3_PUBLIC_ENDPOINT', 'needs S3_ENDPOINT (AWS S3 URLs are public already)');
  }
  const forcePathStyle = parseBoolean(get('S3_FORCE_PATH_STYLE'), () =>
    fail('S3_FORCE_PATH_STYLE', 'must be true or false'),
  );

  const usesAws =
    database?.credentials.kind === 'secretsManager' || signingKey?.kind === 'secretsManager' || endpoint === undefined;
  let awsRegion = get('AWS_REGION');
  if (awsRegion === undefined) {
    if (usesAws) {
      fail('AWS_REGION', 'is required with DB_SECRET_ARN, APP_SECRET_ARN or AWS S3 (no S3_ENDPOINT)');
    } else {
      awsRegion = DEFAULT_REGION_FOR_CUSTOM_S3;
    }
  } else if (!/^[a-z]{2,}(-[a-z]+)*-?\d*$/.test(awsRegion)) {
    fail('AWS_REGION', `does not look like a region (got "${awsRegion}")`);
  }

  const redis = parseRedis(get, fail, role);
  const queue: QueueConfig = {
    attempts: int('JOB_ATTEMPTS', 5, 1, 100),
    backoffMs: int('JOB_BACKOFF_MS', 5000, 0, 3_600_000),
    concurrency: int('WORKER_CONCURRENCY', 4, 1, 256),
    lockMs: int('WORKER_LOCK_MS', 30_000, 1000, 600_000),
    // BullMQ's own default is 1 (Worker constructor in bullmq dist/esm/classes/worker.js); 0 fails a job on its first stall.
    maxStalledCount: int('MAX_STALLED_COUNT', 1, 0, 1000),
  };
  const rateLimit: RateLimitConfig = {
    points: int('RATE_LIMIT_POINTS', 300, 1, 1_000_000),
    windowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
  };
  const trustProxyHops = int('TRUST_PROXY_HOPS', 1, 0, 10);
  const cdn = parseCdn(get, fail);
  const queueHealth: QueueHealthConfig = {
    maxDepth: int('QUEUE_HEALTH_MAX_DEPTH', QUEUE_HEALTH_DEFAULTS.maxDepth, 0, 100_000_000),
    maxOldestAgeSeconds: int('QUEUE_HEALTH_MAX_OLDEST_SECONDS', QUEUE_HEALTH_DEFAULTS.maxOldestAgeSeconds, 1, 604_800),
    failedWindowSeconds: int(
      'QUEUE_HEALTH_FAILED_WINDOW_SECONDS',
      QUEUE_HEALTH_DEFAULTS.failedWindowSeconds,
      60,
      604_800,
    ),
  };
  const metrics: MetricsConfig = {
    emf: parseBoolean(get('METRICS_EMF'), () => fail('METRICS_EMF', 'must be true or false')),
    intervalMs: int('METRICS_INTERVAL_MS', 60_000, 100, 3_600_000),
    namespace: get('METRICS_NAMESPACE') ?? 'Alicerce/Queue',
  };
  // CloudWatch namespaces: 1-255 characters, not starting with ':' (API_Metric, AWS CloudWatch API reference);
  // kept to the characters the console shows unescaped.
  if (!/^[A-Za-z0-9._/#-][A-Za-z0-9 ._/#:-]{0,254}$/.test(metrics.namespace)) {
    fail(
      'METRICS_NAMESPACE',
      `must be 1-255 characters of letters, digits, space and . _ / # : - not starting with ':' (got "${metrics.namespace}")`,
    );
  }

  if (
    issues.length > 0 ||
    database === undefined ||
    (role === 'api' && signingKey === undefined) ||
    bucket === undefined ||
    awsRegion === undefined
  ) {
    return { ok: false, issues };
  }
  return {
    ok: true,
    config: {
      port,
      host,
      logLevel,
      shutdownTimeoutMs,
      awsRegion,
      database,
      signingKey,
      assets: { bucket, endpoint, forcePathStyle, publicEndpoint },
      redis,
      queue,
      rateLimit,
      trustProxyHops,
      cdn,
      metrics,
      queueHealth,
    },
  };
}

/**
 * Like {@link parseConfig}, but throws.
 *
 * @param env - the environment, usually `process.env`
 * @param role - `api` (the HTTP service) or `worker` (`dist/worker.js`)
 * @returns the configuration
 * @throws {@link ConfigError} listing every bad variable
 */
export function loadConfig(env: Env, role: ProcessRole = 'api'): AppConfig {
  const result = parseConfig(env, role);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}

type Getter = (name: string) => string | undefined;
type Failer = (variable: string, message: string) => undefined;

function parseDatabase(
  get: Getter,
  fail: Failer,
  arn: (name: string) => string | undefined,
  poolMax: number,
): DatabaseConfig | undefined {
  const url = get('DATABASE_URL');
  const readerUrl = get('DATABASE_READER_URL');
  const secretArnRaw = get('DB_SECRET_ARN');
  const awsStyle = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_READER_HOST'].filter((n) => get(n) !== undefined);
  const sslCaFile = get('DB_SSL_CA_FILE');
  const sslModeRaw = get('DB_SSL_MODE');
  if (sslModeRaw !== undefined && !(SSL_MODES as readonly string[]).includes(sslModeRaw)) {
    fail('DB_SSL_MODE', `must be one of ${SSL_MODES.join(', ')} (got "${sslModeRaw}")`);
  }
  if (sslCaFile !== undefined && sslModeRaw === 'disable') {
    fail('DB_SSL_CA_FILE', 'makes no sense with DB_SSL_MODE=disable');
  }

  if (url !== undefined && secretArnRaw !== undefined) {
    return fail('DATABASE_URL, DB_SECRET_ARN', 'set one of them, not both');
  }
  if (url === undefined && secretArnRaw === undefined) {
    if (readerUrl !== undefined) fail('DATABASE_READER_URL', 'needs DATABASE_URL for the writer');
    return fail('DATABASE_URL, DB_SECRET_ARN', 'set DATABASE_URL, or DB_SECRET_ARN with DB_HOST and DB_NAME');
  }

  if (url !== undefined) {
    if (awsStyle.length > 0) {
      fail(awsStyle.join(', '), 'only apply with DB_SECRET_ARN; put everything in DATABASE_URL instead');
    }
    const writer = parseDbUrl(url, 'DATABASE_URL', fail);
    const reader = readerUrl === undefined ? undefined : parseDbUrl(readerUrl, 'DATABASE_READER_URL', fail);
    let sslMode = sslModeRaw as DbSslMode | undefined;
    if (sslMode === undefined && writer !== undefined) {
      // Hosted providers hand out URLs with ?sslmode=...; honour it unless DB_SSL_MODE overrides.
      const fromUrl = new URL(url).searchParams.get('sslmode');
      if (fromUrl === null) sslMode = 'require';
      else if ((SSL_MODES as readonly string[]).includes(fromUrl)) sslMode = fromUrl as DbSslMode;
      else fail('DATABASE_URL', `sslmode=${fromUrl} is not supported; use ${SSL_MODES.join(', ')} or set DB_SSL_MODE`);
    }
    if (writer === undefined || sslMode === undefined || (readerUrl !== undefined && reader === undefined)) {
      return undefined;
    }
    return { writer, reader, credentials: { kind: 'inline' }, sslMode, sslCaFile, poolMax };
  }

  const secretArn = arn('DB_SECRET_ARN');
  if (readerUrl !== undefined) fail('DATABASE_READER_URL', 'needs DATABASE_URL; with DB_SECRET_ARN use DB_READER_HOST');
  const host = get('DB_HOST') ?? fail('DB_HOST', 'is required with DB_SECRET_ARN');
  const database = get('DB_NAME') ?? fail('DB_NAME', 'is required with DB_SECRET_ARN');
  const portRaw = get('DB_PORT');
  let port = 5432;
  if (portRaw !== undefined) {
    if (/^\d+$/.test(portRaw) && Number(portRaw) >= 1 && Number(portRaw) <= 65535) port = Number(portRaw);
    else fail('DB_PORT', `must be an integer between 1 and 65535 (got "${portRaw}")`);
  }
  const readerHost = get('DB_READER_HOST');
  if (secretArn === undefined || host === undefined || database === undefined) return undefined;
  return {
    writer: { host, port, database },
    reader: readerHost === undefined ? undefined : { host: readerHost, port, database },
    credentials: { kind: 'secretsManager', secretArn },
    sslMode: (sslModeRaw as DbSslMode | undefined) ?? 'require',
    sslCaFile,
    poolMax,
  };
}

function parseDbUrl(raw: string, name: string, fail: Failer): DbEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The URL holds a password: never echo it.
    return fail(name, 'is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return fail(name, `must start with postgres:// or postgresql:// (got "${url.protocol}//")`);
  }
  if (url.hostname === '') return fail(name, 'has no host');
  const port = url.port === '' ? 5432 : Number(url.port);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const endpoint: DbEndpoint = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    database: database === '' ? undefined : database,
  };
  if (url.username !== '') endpoint.user = decodeURIComponent(url.username);
  if (url.password !== '') endpoint.password = decodeURIComponent(url.password);
  return endpoint;
}

function parseSigningKey(
  get: Getter,
  fail: Failer,
  arn: (name: string) => string | undefined,
): SigningKeySource | undefined {
  const inline = get('SESSION_SIGNING_KEY');
  const secretArnRaw = get('APP_SECRET_ARN');
  if (inline !== undefined && secretArnRaw !== undefined) {
    return fail('APP_SECRET_ARN, SESSION_SIGNING_KEY', 'set one of them, not both');
  }
  if (secretArnRaw !== undefined) {
    const secretArn = arn('APP_SECRET_ARN');
    return secretArn === undefined ? undefined : { kind: 'secretsManager', secretArn };
  }
  if (inline === undefined) {
    return fail('APP_SECRET_ARN, SESSION_SIGNING_KEY', 'set one of them (the key that signs pagination cursors)');
  }
  if (inline.length < MIN_SIGNING_KEY_LENGTH) {
    return fail('SESSION_SIGNING_KEY', `must be at least ${MIN_SIGNING_KEY_LENGTH} characters`);
  }
  return { kind: 'inline', key: inline };
}

function parseRedis(get: Getter, fail: Failer, role: ProcessRole): RedisConfig | undefined {
  const url = get('REDIS_URL');
  const tlsCaFile = get('REDIS_TLS_CA_FILE');
  if (url === undefined) {
    if (tlsCaFile !== undefined) fail('REDIS_TLS_CA_FILE', 'needs REDIS_URL');
    if (role === 'worker') fail('REDIS_URL', 'is required for the worker (redis:// or rediss:// URL of the queue)');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password: never echo it.
    return fail('REDIS_URL', 'is not a valid URL (expected rediss://:password@host:6379 or redis://host:6379)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return fail('REDIS_URL', `must start with redis:// or rediss:// (got "${parsed.protocol}//")`);
  }
  if (parsed.hostname === '') return fail('REDIS_URL', 'has no host');
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname)) {
    return fail('REDIS_URL', 'path must be a database number such as /0');
  }
  const tls = parsed.protocol === 'rediss:';
  if (tlsCaFile !== undefined && !tls) fail('REDIS_TLS_CA_FILE', 'only applies to a rediss:// REDIS_URL');
  return { url, tls, tlsCaFile };
}

function parseCdn(get: Getter, fail: Failer): CdnConfig {
  const rawBase = get('CDN_BASE_URL');
  let baseUrl: string | undefined;
  if (rawBase !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(rawBase);
    } catch {
      u = undefined;
    }
    if (u === undefined || u.protocol !== 'https:' || u.search !== '' || u.hash !== '') {
      fail(
        'CDN_BASE_URL',
        `must be an https:// URL without query or fragment, e.g. https://d111111abcdef8.cloudfront.net (got "${rawBase}")`,
      );
    } else {
      baseUrl = rawBase.replace(/\/+$/, '');
    }
  }
  const publicPrefix = get('PUBLIC_PREFIX') ?? 'public/';
  // Also the CDN's path pattern (CloudFront: "public/*"), so keep it to characters that need no escaping.
  if (!/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*\/$/.test(publicPrefix) || publicPrefix.startsWith('uploads/')) {
    fail(
      'PUBLIC_PREFIX',
      `must be lower-case path segments of a-z 0-9 _ - ending in "/", other than uploads/ (got "${publicPrefix}")`,
    );
  }
  const acl = get('PUBLIC_UPLOAD_ACL');
  if (acl !== undefined && acl !== 'public-read') {
    fail('PUBLIC_UPLOAD_ACL', `must be public-read or unset (got "${acl}")`);
  }
  return { baseUrl, publicPrefix, publicAcl: acl === 'public-read' ? 'public-read' : undefined };
}

function parseBoolean(raw: string | undefined, onInvalid: () => void): boolean {
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  onInvalid();
  return false;
}

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Minimum length of a signing key, exported for error messages and tests.
 */
export const SIGNING_KEY_MIN_LENGTH = MIN_SIGNING_KEY_LENGTH;
