import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import S3rver from 's3rver';
import { migrate } from '../src/migrations.js';
import { createVerifyProcessor, inspectObject } from '../src/verify.js';
import { APP_ROLE, sharedCluster, type PgCluster } from './support/postgres.js';

const BUCKET = 'alicerce-verify-test';
const quiet = { info: () => undefined, warn: () => undefined };

describe('verification job in-process against PostgreSQL and s3rver', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  let pool: pg.Pool;
  let server: S3rver;
  let dir: string;
  let s3: S3Client;

  before(async function () {
    cluster = await sharedCluster();
    const database = await cluster.createDatabase('verify');
    pool = new pg.Pool({
      host: '127.0.0.1',
      port: cluster.primaryPort,
      database,
      user: APP_ROLE,
      password: cluster.appPassword,
      ssl: { rejectUnauthorized: false },
      max: 6,
    });
    await migrate(pool, quiet);
    dir = mkdtempSync(join(tmpdir(), 's3rver-verify-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });

  after(async function () {
    await pool?.end();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stored(
    body: Buffer,
    contentType: string,
    declared = { contentType, size: body.length },
  ): Promise<string> {
    const id = randomUUID();
    const key = `uploads/${id}/f`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: contentType }));
    await pool.query(
      `INSERT INTO uploads (id, object_key, filename, content_type, size, visibility, status) VALUES ($1, $2, 'f', $3, $4, 'private', 'queued')`,
      [id, key, declared.contentType, declared.size],
    );
    return id;
  }

  it('two runs of the same job at once record once (row lock + primary key), the other finds the record', async function () {
    const body = randomBytes(256 * 1024);
    const id = await stored(body, 'application/octet-stream');
    const run = createVerifyProcessor({ pool, s3, bucket: BUCKET, logger: quiet });
    const job = (n: string) => ({ id: n, data: { uploadId: id }, attemptsMade: 0, opts: { attempts: 3 } });
    const results = await Promise.all([run(job('a')), run(job('b')), run(job('c'))]);
    assert.equal(results.filter((r) => r.recorded).length, 1, JSON.stringify(results));
    const { rows } = await pool.query<{ sha256: string }>(
      'SELECT sha256 FROM upload_verifications WHERE upload_id = $1',
      [id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.sha256, createHash('sha256').update(body).digest('hex'));
    assert.deepEqual(await run(job('d')), { outcome: 'already-recorded', recorded: false });
  });

  it('size checks: smaller than declared, and larger (reading stops past the declared size)', async function () {
    const body = Buffer.from('0123456789');
    const small = await inspectObject(s3, BUCKET, {
      id: 'x',
      objectKey: await keyOf(await stored(body, 'text/plain', { contentType: 'text/plain', size: 11 })),
      contentType: 'text/plain',
      size: 11,
    });
    assert.equal(small.outcome, 'rejected');
    assert.match(small.reason ?? '', /size 10 bytes, declared 11/);
    const large = await inspectObject(s3, BUCKET, {
      id: 'y',
      objectKey: await keyOf(await stored(body, 'text/plain', { contentType: 'text/plain', size: 4 })),
      contentType: 'text/plain',
      size: 4,
    });
    assert.equal(large.outcome, 'rejected');
    assert.equal(large.sha256, undefined);
    assert.match(large.reason ?? '', /larger than the declared 4 bytes/);
  });

  it('a missing object is a recorded rejection, not a retry; a storage error is thrown (retried)', async function () {
    const missing = await inspectObject(s3, BUCKET, {
      id: 'z',
      objectKey: 'uploads/none/f',
      contentType: 'text/plain',
      size: 1,
    });
    assert.equal(missing.outcome, 'rejected');
    const broken = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await assert.rejects(
      inspectObject(broken, BUCKET, { id: 'z', objectKey: 'uploads/none/f', contentType: 'text/plain', size: 1 }),
    );
  });

  async function keyOf(id: string): Promise<string> {
    return (await pool.query<{ object_key: string }>('SELECT object_key FROM uploads WHERE id = $1', [id])).rows[0]!
      .object_key;
  }
});
