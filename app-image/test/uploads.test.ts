import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { AssetsConfig } from '../src/config.js';
import { createPresignClient, createS3Client, presignUpload } from '../src/routes/uploads.js';

// s3rver's fixed credentials (its README); it checks SigV4 signatures, presigned query ones included.
const S3RVER_KEY = 'S3RVER';
const BUCKET = 'alicerce-uploads';

describe('presigned uploads against a real S3-compatible server (s3rver on loopback)', function () {
  let server: S3rver;
  let port: number;
  let dir: string;
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  let assets: AssetsConfig;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    ({ port } = await server.run());
    // The SDK's default credential chain reads these, as it does in the container.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_KEY;
    // The service reaches the store by one name, browsers by another (the public host).
    assets = {
      bucket: BUCKET,
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      publicEndpoint: `http://localhost:${port}`,
    };
  });

  after(async function () {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
  });

  // @aws-sdk/client-s3 >= 3.729 adds flexible checksums by default (requestChecksumCalculation WHEN_SUPPORTED):
  // https://github.com/aws/aws-sdk-js-v3/issues/6810 ; the presigned URL then carries a checksum of an empty body.
  it('signs URLs with no checksum parameters, for the public host', async function () {
    const ticket = await presignUpload(createPresignClient(assets, 'us-east-1'), BUCKET, {
      filename: 'a.txt',
      contentType: 'text/plain',
      size: 5,
    });
    const url = new URL(ticket.url);
    const params = [...url.searchParams.keys()].map((k) => k.toLowerCase());
    assert.deepEqual(
      params.filter((k) => k.startsWith('x-amz-checksum') || k === 'x-amz-sdk-checksum-algorithm'),
      [],
      ticket.url,
    );
    assert.equal(url.host, `localhost:${port}`, 'signed for the public endpoint');
    assert.equal(
      url.pathname.startsWith(`/${BUCKET}/uploads/`),
      true,
      'path-style, so one public path prefix routes every upload',
    );
  });

  it('a browser-style PUT of a real body to the presigned URL succeeds and reads back identical', async function () {
    const body = randomBytes(64 * 1024);
    const ticket = await presignUpload(createPresignClient(assets, 'us-east-1'), BUCKET, {
      filename: 'photo.bin',
      contentType: 'application/octet-stream',
      size: body.length,
    });
    const put = await fetch(ticket.url, { method: ticket.method, headers: ticket.headers, body });
    assert.equal(put.status, 200, await put.text());

    const got = await createS3Client(assets, 'us-east-1').send(
      new GetObjectCommand({ Bucket: BUCKET, Key: ticket.key }),
    );
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(bytes.equals(body), true, 'the object differs from what was uploaded');
  });
});
