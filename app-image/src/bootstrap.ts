/**
 * Start-up steps shared by the API (`main.ts`) and the worker (`worker.ts`):
 * credentials from the environment or Secrets Manager, and the start-up log view.
 *
 * @packageDocumentation
 */
import { SIGNING_KEY_MIN_LENGTH, type AppConfig } from './config.js';
import type { DbCredentials } from './db.js';
import { redactRedisUrl } from './redis.js';
import { cached, fetchJsonSecret, secretField, type SecretsClient } from './secrets.js';

/** How long a database password fetched from Secrets Manager is reused (rotation picks up within this). */
const DB_PASSWORD_TTL_MS = 60_000;

/** Database user and password, from the URL or from Secrets Manager (re-read at most once a minute). */
export async function resolveDbCredentials(
  config: AppConfig,
  secrets: () => SecretsClient,
): Promise<{ writer: DbCredentials; reader: DbCredentials }> {
  const db = config.database;
  if (db.credentials.kind === 'secretsManager') {
    const arn = db.credentials.secretArn;
    const client = secrets();
    const first = await fetchJsonSecret(client, arn);
    const user = secretField(first, 'username', arn);
    // Fail at start, not on the first query, when the secret has no password.
    secretField(first, 'password', arn);
    const password = cached(
      async () => secretField(await fetchJsonSecret(client, arn), 'password', arn),
      DB_PASSWORD_TTL_MS,
    );
    const creds = { user, password };
    return { writer: creds, reader: creds };
  }
  const fromUrl = (e: typeof db.writer): DbCredentials => ({ user: e.user ?? 'postgres', password: e.password ?? '' });
  return { writer: fromUrl(db.writer), reader: fromUrl(db.reader ?? db.writer) };
}

/** The cursor-signing key, inline or from Secrets Manager. */
export async function resolveSigningKey(config: AppConfig, secrets: () => SecretsClient): Promise<string> {
  if (config.signingKey === undefined) throw new Error('no signing key configured');
  if (config.signingKey.kind === 'inline') return config.signingKey.key;
  const arn = config.signingKey.secretArn;
  const key = secretField(await fetchJsonSecret(secrets(), arn), 'sessionSigningKey', arn);
  if (key.length < SIGNING_KEY_MIN_LENGTH) {
    throw new Error(`secret ${arn}: sessionSigningKey must be at least ${SIGNING_KEY_MIN_LENGTH} characters`);
  }
  return key;
}

/** The configuration as logged at start: hosts, no credentials. */
export function describe(config: AppConfig): object {
  const db = config.database;
  return {
    port: config.port,
    writer: `${db.writer.host}:${db.writer.port}/${db.writer.database ?? ''}`,
    reader: db.reader === undefined ? 'writer' : `${db.reader.host}:${db.reader.port}/${db.reader.database ?? ''}`,
    credentials: db.credentials.kind,
    sslMode: db.sslMode,
    sslCaFile: db.sslCaFile ?? null,
    bucket: config.assets.bucket,
    s3Endpoint: config.assets.endpoint ?? 'aws',
    signingKeySource: config.signingKey?.kind ?? null,
    redis: config.redis === undefined ? null : redactRedisUrl(config.redis.url),
    cdn: config.cdn.baseUrl ?? null,
  };
}
