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
export type DbCredentialSource =
  | { kind: 'inline' }
  | { kind: 'secretsManager'; secretArn: string };

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
export type SigningKeySource =
  | { kind: 'inline'; key: string }
  | { kind: 'secretsManager'; secretArn: string };

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
  /** Key used to sign pagination cursors. */
  signingKey: SigningKeySource;
  /** Upload bucket settings. */
  assets: AssetsConfig;
}

/** One invalid or missing variable. */
export interface ConfigIssue {
  /** Name of the environment variable (or variables) at fault. */
  variable: string;
  /** What is wrong, without echoing secret values. */
  message: string;
}

/** Result of {@link parseConfig}. */
export type ConfigResult =
  | { ok: true; config: AppConfig }
  | { ok: false; issues: ConfigIssue[] };

/** Thrown by {@link loadConfig}; its message lists every issue, one per line. */
export class ConfigError extends Error {
  /** Every problem found. */
  readonly issues: ConfigIssue[];

  /** @param issues - every problem found, in the order checked */
  constructor(issues: ConfigIssue[]) {
    super(
      'Invalid configuration:\n' + issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n'),
    );
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
 * @returns the configuration, or every issue found
 */
export function parseConfig(env: Env): ConfigResult {
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
    return SECRET_ARN.test(raw) ? raw : fail(name, 'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)');
  };

  const port = int('PORT', 8080, 1, 65535);
  const host = get('HOST') ?? '0.0.0.0';
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', 25000, 0, 600000);
  const poolMax = int('DB_POOL_MAX', 10, 1, 1000);

  const database = parseDatabase(get, fail, arn, poolMax);
  const signingKey = parseSigningKey(get, fail, arn);

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
    (database?.credentials.kind === 'secretsManager') ||
    signingKey?.kind === 'secretsManager' ||
    endpoint === undefined;
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

  if (issues.length > 0 || database === undefined || signingKey === undefined || bucket === undefined || awsRegion === undefined) {
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
    },
  };
}

/**
 * Like {@link parseConfig}, but throws.
 *
 * @param env - the environment, usually `process.env`
 * @returns the configuration
 * @throws {@link ConfigError} listing every bad variable
 */
export function loadConfig(env: Env): AppConfig {
  const result = parseConfig(env);
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
    return fail(
      'DATABASE_URL, DB_SECRET_ARN',
      'set DATABASE_URL, or DB_SECRET_ARN with DB_HOST and DB_NAME',
    );
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
