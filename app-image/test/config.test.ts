import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, parseConfig, type Env } from '../src/config.js';
import { decodeCursor, encodeCursor } from '../src/cursor.js';
import { sslOptions } from '../src/db.js';
import { cached } from '../src/secrets.js';

const password = randomBytes(12).toString('hex');
const key = randomBytes(32).toString('hex');
const dbArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b3c-AbCdEf';
const appArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:alicerce/app-XyZ123';

/** A valid URL-style environment. */
const base: Env = {
  DATABASE_URL: `postgres://app:${password}@db.internal:5433/notes`,
  SESSION_SIGNING_KEY: key,
  ASSETS_BUCKET: 'assets',
  AWS_REGION: 'eu-west-1',
};

/** A valid Secrets-Manager-style environment (as the AWS stack passes it). */
const aws: Env = {
  DB_SECRET_ARN: dbArn,
  DB_HOST: 'writer.cluster.rds.amazonaws.com',
  DB_NAME: 'app',
  DB_READER_HOST: 'reader.cluster-ro.rds.amazonaws.com',
  APP_SECRET_ARN: appArn,
  ASSETS_BUCKET: 'assets',
  AWS_REGION: 'eu-west-1',
};

function issuesOf(env: Env): string[] {
  const result = parseConfig(env);
  assert.equal(result.ok, false, 'expected the configuration to be rejected');
  return result.ok ? [] : result.issues.map((i) => i.variable);
}

function configOf(env: Env) {
  const result = parseConfig(env);
  if (!result.ok) assert.fail(`expected a valid configuration, got ${JSON.stringify(result.issues)}`);
  return result.config;
}

describe('config: parseConfig', () => {
  it('applies the documented defaults', () => {
    const c = configOf(base);
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.shutdownTimeoutMs, 25000);
    assert.equal(c.database.sslMode, 'require');
    assert.equal(c.database.poolMax, 10);
    assert.equal(c.database.reader, undefined, 'no reader: reads fall back to the writer');
    assert.equal(c.assets.forcePathStyle, false);
    assert.equal(c.assets.endpoint, undefined);
  });

  it('parses DATABASE_URL and DATABASE_READER_URL, decoding the password', () => {
    const encoded = 'p@ss/w:rd%' + password;
    const c = configOf({
      ...base,
      DATABASE_URL: `postgresql://app:${encodeURIComponent(encoded)}@writer:6000/db1`,
      DATABASE_READER_URL: `postgresql://app:${encodeURIComponent(encoded)}@reader/db1`,
    });
    assert.deepEqual(c.database.writer, {
      host: 'writer',
      port: 6000,
      database: 'db1',
      user: 'app',
      password: encoded,
    });
    assert.deepEqual(c.database.reader, {
      host: 'reader',
      port: 5432,
      database: 'db1',
      user: 'app',
      password: encoded,
    });
    assert.deepEqual(c.database.credentials, { kind: 'inline' });
  });

  it('parses the Secrets Manager style used on AWS', () => {
    const c = configOf(aws);
    assert.deepEqual(c.database.credentials, { kind: 'secretsManager', secretArn: dbArn });
    assert.deepEqual(c.database.writer, { host: aws.DB_HOST, port: 5432, database: 'app' });
    assert.deepEqual(c.database.reader, { host: aws.DB_READER_HOST, port: 5432, database: 'app' });
    assert.deepEqual(c.signingKey, { kind: 'secretsManager', secretArn: appArn });
    assert.equal(c.awsRegion, 'eu-west-1');
  });

  const sslTable: { name: string; env: Env; expected: string }[] = [
    { name: 'default', env: {}, expected: 'require' },
    { name: 'explicit disable', env: { DB_SSL_MODE: 'disable' }, expected: 'disable' },
    { name: 'explicit verify-full', env: { DB_SSL_MODE: 'verify-full' }, expected: 'verify-full' },
    {
      name: 'from the URL',
      env: { DATABASE_URL: `${base.DATABASE_URL}?sslmode=verify-full` },
      expected: 'verify-full',
    },
    {
      name: 'DB_SSL_MODE wins over the URL',
      env: { DATABASE_URL: `${base.DATABASE_URL}?sslmode=disable`, DB_SSL_MODE: 'require' },
      expected: 'require',
    },
  ];
  for (const row of sslTable) {
    it(`DB_SSL_MODE: ${row.name} gives ${row.expected}`, () => {
      assert.equal(configOf({ ...base, ...row.env }).database.sslMode, row.expected);
    });
  }

  it('uses us-east-1 for a custom S3 endpoint when nothing else needs AWS', () => {
    const { AWS_REGION: _, ...rest } = base;
    const c = configOf({ ...rest, S3_ENDPOINT: 'https://nyc3.digitaloceanspaces.com', S3_FORCE_PATH_STYLE: 'true' });
    assert.equal(c.awsRegion, 'us-east-1');
    assert.equal(c.assets.forcePathStyle, true);
    assert.equal(c.assets.endpoint, 'https://nyc3.digitaloceanspaces.com');
  });

  it('takes a public endpoint for presigned URLs beside the internal one', () => {
    const { AWS_REGION: _, ...rest } = base;
    const c = configOf({
      ...rest,
      S3_ENDPOINT: 'http://objectstore:8333',
      S3_PUBLIC_ENDPOINT: 'https://app.example.com',
      S3_FORCE_PATH_STYLE: 'true',
    });
    assert.equal(c.assets.endpoint, 'http://objectstore:8333');
    assert.equal(c.assets.publicEndpoint, 'https://app.example.com');
    assert.equal(configOf(base).assets.publicEndpoint, undefined);
  });

  it('treats blank variables as unset', () => {
    assert.equal(configOf({ ...base, PORT: '', DB_SSL_MODE: '  ' }).port, 8080);
  });

  const bad: { name: string; env: Env; variables: string[] }[] = [
    { name: 'non-numeric PORT', env: { ...base, PORT: 'http' }, variables: ['PORT'] },
    { name: 'PORT out of range', env: { ...base, PORT: '70000' }, variables: ['PORT'] },
    { name: 'unknown LOG_LEVEL', env: { ...base, LOG_LEVEL: 'verbose' }, variables: ['LOG_LEVEL'] },
    {
      name: 'negative SHUTDOWN_TIMEOUT_MS',
      env: { ...base, SHUTDOWN_TIMEOUT_MS: '-1' },
      variables: ['SHUTDOWN_TIMEOUT_MS'],
    },
    { name: 'unknown DB_SSL_MODE', env: { ...base, DB_SSL_MODE: 'prefer' }, variables: ['DB_SSL_MODE'] },
    {
      name: 'unsupported sslmode in URL',
      env: { ...base, DATABASE_URL: `${base.DATABASE_URL}?sslmode=allow` },
      variables: ['DATABASE_URL'],
    },
    {
      name: 'CA file with TLS disabled',
      env: { ...base, DB_SSL_MODE: 'disable', DB_SSL_CA_FILE: '/ca.pem' },
      variables: ['DB_SSL_CA_FILE'],
    },
    {
      name: 'no database at all',
      env: { SESSION_SIGNING_KEY: key, ASSETS_BUCKET: 'a', AWS_REGION: 'eu-west-1' },
      variables: ['DATABASE_URL, DB_SECRET_ARN'],
    },
    {
      name: 'URL and secret together',
      env: { ...base, DB_SECRET_ARN: dbArn },
      variables: ['DATABASE_URL, DB_SECRET_ARN'],
    },
    { name: 'URL with DB_HOST', env: { ...base, DB_HOST: 'x' }, variables: ['DB_HOST'] },
    { name: 'not a URL', env: { ...base, DATABASE_URL: 'app:secret@host' }, variables: ['DATABASE_URL'] },
    { name: 'wrong URL scheme', env: { ...base, DATABASE_URL: 'mysql://a:b@h/d' }, variables: ['DATABASE_URL'] },
    { name: 'bad reader URL', env: { ...base, DATABASE_READER_URL: 'nope' }, variables: ['DATABASE_READER_URL'] },
    {
      name: 'reader URL alone',
      env: { ...aws, DATABASE_READER_URL: base.DATABASE_URL },
      variables: ['DATABASE_READER_URL'],
    },
    {
      name: 'secret without host and name',
      env: { ...aws, DB_HOST: undefined, DB_NAME: undefined },
      variables: ['DB_HOST', 'DB_NAME'],
    },
    { name: 'bad DB_PORT', env: { ...aws, DB_PORT: '0' }, variables: ['DB_PORT'] },
    { name: 'malformed secret ARN', env: { ...aws, DB_SECRET_ARN: 'my-secret' }, variables: ['DB_SECRET_ARN'] },
    {
      name: 'malformed app secret ARN',
      env: { ...aws, APP_SECRET_ARN: 'arn:aws:s3:::bucket' },
      variables: ['APP_SECRET_ARN'],
    },
    {
      name: 'no signing key',
      env: { ...base, SESSION_SIGNING_KEY: undefined },
      variables: ['APP_SECRET_ARN, SESSION_SIGNING_KEY'],
    },
    {
      name: 'both signing key sources',
      env: { ...base, APP_SECRET_ARN: appArn },
      variables: ['APP_SECRET_ARN, SESSION_SIGNING_KEY'],
    },
    { name: 'short signing key', env: { ...base, SESSION_SIGNING_KEY: 'short' }, variables: ['SESSION_SIGNING_KEY'] },
    { name: 'no bucket', env: { ...base, ASSETS_BUCKET: undefined }, variables: ['ASSETS_BUCKET'] },
    { name: 'bad S3_ENDPOINT', env: { ...base, S3_ENDPOINT: 'objectstore:8333' }, variables: ['S3_ENDPOINT'] },
    {
      name: 'bad S3_PUBLIC_ENDPOINT',
      env: { ...base, S3_ENDPOINT: 'http://objectstore:8333', S3_PUBLIC_ENDPOINT: 'app.example.com' },
      variables: ['S3_PUBLIC_ENDPOINT'],
    },
    {
      name: 'S3_PUBLIC_ENDPOINT without S3_ENDPOINT',
      env: { ...base, S3_PUBLIC_ENDPOINT: 'https://app.example.com' },
      variables: ['S3_PUBLIC_ENDPOINT'],
    },
    {
      name: 'bad S3_FORCE_PATH_STYLE',
      env: { ...base, S3_FORCE_PATH_STYLE: 'maybe' },
      variables: ['S3_FORCE_PATH_STYLE'],
    },
    { name: 'AWS S3 without region', env: { ...base, AWS_REGION: undefined }, variables: ['AWS_REGION'] },
    {
      name: 'secrets without region',
      env: { ...aws, AWS_REGION: undefined, S3_ENDPOINT: 'http://objectstore:8333' },
      variables: ['AWS_REGION'],
    },
    { name: 'bad DB_POOL_MAX', env: { ...base, DB_POOL_MAX: '0' }, variables: ['DB_POOL_MAX'] },
  ];
  for (const row of bad) {
    it(`rejects ${row.name}`, () => {
      assert.deepEqual(issuesOf(row.env), row.variables);
    });
  }

  it('lists every bad variable at once and never echoes secrets', () => {
    const env: Env = {
      PORT: 'x',
      LOG_LEVEL: 'loud',
      DATABASE_URL: `not a url ${password}`,
      SESSION_SIGNING_KEY: 'tiny-secret-value',
      S3_FORCE_PATH_STYLE: 'perhaps',
    };
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.map((i) => i.variable),
          [
            'PORT',
            'LOG_LEVEL',
            'DATABASE_URL',
            'SESSION_SIGNING_KEY',
            'ASSETS_BUCKET',
            'S3_FORCE_PATH_STYLE',
            'AWS_REGION',
          ],
        );
        for (const name of [
          'PORT',
          'LOG_LEVEL',
          'DATABASE_URL',
          'SESSION_SIGNING_KEY',
          'ASSETS_BUCKET',
          'AWS_REGION',
        ]) {
          assert.match(err.message, new RegExp(`- ${name}: `));
        }
        assert.doesNotMatch(err.message, new RegExp(password));
        assert.doesNotMatch(err.message, /tiny-secret-value/);
        return true;
      },
    );
  });
});

describe('config: TLS options for pg', () => {
  const table = [
    { mode: 'disable', ca: undefined, expected: false },
    { mode: 'require', ca: undefined, expected: { rejectUnauthorized: false } },
    { mode: 'verify-full', ca: undefined, expected: { rejectUnauthorized: true } },
    { mode: 'verify-full', ca: 'PEM', expected: { ca: 'PEM', rejectUnauthorized: true } },
  ] as const;
  for (const row of table) {
    it(`${row.mode}${row.ca === undefined ? '' : ' with a CA'}`, () => {
      assert.deepEqual(sslOptions(row.mode, row.ca), row.expected);
    });
  }

  it('require with a CA checks the chain but not the host name', () => {
    const opts = sslOptions('require', 'PEM');
    assert.ok(opts !== false);
    assert.equal(opts.rejectUnauthorized, true);
    assert.equal(opts.ca, 'PEM');
    assert.equal(opts.checkServerIdentity?.('any.host', {} as never), undefined);
  });
});

describe('cursor signing', () => {
  it('round-trips an id', () => {
    assert.equal(decodeCursor(encodeCursor('42', key), key), '42');
  });

  const tampered = [
    { name: 'another id with the same MAC', make: () => encodeCursor('42', key).replace(/^42/, '43') },
    { name: 'another key', make: () => encodeCursor('42', randomBytes(32).toString('hex')) },
    { name: 'garbage', make: () => 'abc' },
    { name: 'empty MAC', make: () => '42.' },
    { name: 'leading zero id', make: () => '042.' + encodeCursor('42', key).split('.')[1] },
  ];
  for (const row of tampered) {
    it(`rejects ${row.name}`, () => {
      assert.equal(decodeCursor(row.make(), key), undefined);
    });
  }
});

describe('cached secrets', () => {
  it('reuses a value within the TTL and refreshes after it', async () => {
    let now = 0;
    let loads = 0;
    const get = cached(
      async () => `v${++loads}`,
      1000,
      () => now,
    );
    assert.equal(await get(), 'v1');
    now = 999;
    assert.equal(await get(), 'v1');
    now = 1000;
    assert.equal(await get(), 'v2');
    assert.equal(loads, 2);
  });

  it('does not keep a failed load', async () => {
    let loads = 0;
    const get = cached(
      async () => {
        loads += 1;
        if (loads === 1) throw new Error('throttled');
        return 'ok';
      },
      60_000,
      () => 0,
    );
    await assert.rejects(get(), /throttled/);
    assert.equal(await get(), 'ok');
  });
});
