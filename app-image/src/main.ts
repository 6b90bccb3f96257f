/**
 * Entry point: validates configuration, loads secrets, migrates, listens, and
 * shuts down gracefully on SIGTERM or SIGINT.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, SIGNING_KEY_MIN_LENGTH, type AppConfig } from './config.js';
import { createPools, type DbCredentials, type Pools } from './db.js';
import { createLogger } from './logger.js';
import { migrate } from './migrations.js';
import { cached, createSecretsClient, fetchJsonSecret, secretField, type SecretsClient } from './secrets.js';
import { buildApp } from './server.js';
import { createPresignClient } from './routes/uploads.js';

/** How long a database password fetched from Secrets Manager is reused (rotation picks up within this). */
const DB_PASSWORD_TTL_MS = 60_000;

async function resolveDbCredentials(config: AppConfig, secrets: () => SecretsClient): Promise<{ writer: DbCredentials; reader: DbCredentials }> {
  const db = config.database;
  if (db.credentials.kind === 'secretsManager') {
    const arn = db.credentials.secretArn;
    const client = secrets();
    const first = await fetchJsonSecret(client, arn);
    const user = secretField(first, 'username', arn);
    // Fail at start, not on the first query, when the secret has no password.
    secretField(first, 'password', arn);
    const password = cached(async () => secretField(await fetchJsonSecret(client, arn), 'password', arn), DB_PASSWORD_TTL_MS);
    const creds = { user, password };
    return { writer: creds, reader: creds };
  }
  const fromUrl = (e: typeof db.writer): DbCredentials => ({ user: e.user ?? 'postgres', password: e.password ?? '' });
  return { writer: fromUrl(db.writer), reader: fromUrl(db.reader ?? db.writer) };
}

async function resolveSigningKey(config: AppConfig, secrets: () => SecretsClient): Promise<string> {
  if (config.signingKey.kind === 'inline') return config.signingKey.key;
  const arn = config.signingKey.secretArn;
  const key = secretField(await fetchJsonSecret(secrets(), arn), 'sessionSigningKey', arn);
  if (key.length < SIGNING_KEY_MIN_LENGTH) {
    throw new Error(`secret ${arn}: sessionSigningKey must be at least ${SIGNING_KEY_MIN_LENGTH} characters`);
  }
  return key;
}

function describe(config: AppConfig): object {
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
    signingKeySource: config.signingKey.kind,
  };
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('info').fatal({ issues: err.issues }, err.message);
    process.exit(1);
  }
  const logger: Logger = createLogger(config.logLevel);
  logger.info({ config: describe(config) }, 'starting');

  let secretsClient: SecretsClient | undefined;
  const secrets = () => (secretsClient ??= createSecretsClient(config.awsRegion));
  let pools: Pools | undefined;
  try {
    const [credentials, signingKey] = await Promise.all([
      resolveDbCredentials(config, secrets),
      resolveSigningKey(config, secrets),
    ]);
    const ca = config.database.sslCaFile === undefined ? undefined : readFileSync(config.database.sslCaFile, 'utf8');
    pools = createPools(config.database, credentials, ca, logger);
    const applied = await migrate(pools.writer, logger);
    logger.info({ applied }, 'migrations done');

    const app = buildApp(
      { pools, s3: createPresignClient(config.assets, config.awsRegion), bucket: config.assets.bucket, signingKey },
      logger,
    );
    await app.listen({ port: config.port, host: config.host });
    installShutdown(app, pools, logger, config.shutdownTimeoutMs);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await pools?.close().catch(() => undefined);
    process.exit(1);
  }
}

function installShutdown(
  app: ReturnType<typeof buildApp>,
  pools: Pools,
  logger: Logger,
  timeoutMs: number,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'in-flight requests did not finish in time; closing connections');
      app.server.closeAllConnections();
      // Not waiting for the pools: their checked-out clients belong to the requests just cut off.
      process.exit(1);
    }, timeoutMs);
    // Connections that turn idle after their last in-flight response would otherwise linger until keep-alive expires.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    try {
      // Stops accepting, answers 503 on kept-alive connections, waits for in-flight requests.
      await app.close();
      clearInterval(reaper);
      await pools.close();
      clearTimeout(deadline);
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(1);
});

await main();
