/**
 * `POST /api/uploads`: hands out a presigned S3 PUT URL so clients upload
 * straight to the assets bucket, never through the service.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FastifyInstance } from 'fastify';
import type { AssetsConfig } from '../config.js';

/** Largest upload a presigned URL allows, in bytes. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Lifetime of a presigned URL, in seconds. */
export const UPLOAD_URL_TTL_SECONDS = 300;

/** What the client must do with the answer. */
export interface UploadTicket {
  /** Object key the file will have. */
  key: string;
  /** Presigned URL to PUT the file to. */
  url: string;
  /** Always `PUT`. */
  method: 'PUT';
  /** Headers the PUT must carry exactly as given: they are part of the signature. */
  headers: Record<string, string>;
  /** When the URL stops working, ISO 8601. */
  expiresAt: string;
}

/**
 * Creates the S3 client; `endpoint` and `forcePathStyle` make it work with
 * DigitalOcean Spaces or a self-hosted S3 server.
 *
 * Checksums only where S3 requires them: since @aws-sdk/client-s3 3.729 the
 * default (`WHEN_SUPPORTED`) adds `x-amz-checksum-crc32` (of an empty body,
 * at signing time) and `x-amz-sdk-checksum-algorithm` to presigned PUT URLs,
 * which the upload's real body then fails against, and many S3-compatible
 * servers reject. See the SDK's "Data Integrity Protections" notice
 * (https://github.com/aws/aws-sdk-js-v3/issues/6810).
 *
 * @param assets - bucket settings
 * @param region - signing region
 * @param endpoint - the endpoint to use; presigning passes the public one
 */
export function createS3Client(assets: AssetsConfig, region: string, endpoint: string | undefined = assets.endpoint): S3Client {
  return new S3Client({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: assets.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The client that signs upload URLs: the same bucket and credentials, but
 * the endpoint clients reach (`S3_PUBLIC_ENDPOINT`) when it differs from the
 * service's own. SigV4 signs the host, so the URL must be signed for the
 * name the browser will use.
 *
 * @param assets - bucket settings
 * @param region - signing region
 */
export function createPresignClient(assets: AssetsConfig, region: string): S3Client {
  return createS3Client(assets, region, assets.publicEndpoint ?? assets.endpoint);
}

/**
 * Turns a client-supplied file name into a safe last path segment of an object key.
 *
 * @param filename - name as sent by the client
 */
export function safeFileName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-100);
  return cleaned === '' ? 'file' : cleaned;
}

/**
 * Presigns a PUT of one object. Content type and length are signed, so S3
 * rejects an upload of another size or type than announced.
 *
 * @param s3 - S3 client
 * @param bucket - target bucket
 * @param input - file name, content type and size in bytes
 * @param now - clock, for tests
 */
export async function presignUpload(
  s3: S3Client,
  bucket: string,
  input: { filename: string; contentType: string; size: number },
  now: Date = new Date(),
): Promise<UploadTicket> {
  const key = `uploads/${randomUUID()}/${safeFileName(input.filename)}`;
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    ContentType: input.contentType,
    ContentLength: input.size,
  });
  const url = await getSignedUrl(s3, command, {
    expiresIn: UPLOAD_URL_TTL_SECONDS,
    signableHeaders: new Set(['content-type', 'content-length']),
    signingDate: now,
  });
  return {
    key,
    url,
    method: 'PUT',
    headers: { 'content-type': input.contentType, 'content-length': String(input.size) },
    expiresAt: new Date(now.getTime() + UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
  };
}

/**
 * Registers `POST /api/uploads`.
 *
 * @param app - Fastify instance
 * @param deps - S3 client and bucket
 */
export function registerUploadRoutes(app: FastifyInstance, deps: { s3: S3Client; bucket: string }): void {
  app.post<{ Body: { filename: string; contentType: string; size: number } }>(
    '/api/uploads',
    {
      schema: {
        body: {
          type: 'object',
          required: ['filename', 'contentType', 'size'],
          additionalProperties: false,
          properties: {
            filename: { type: 'string', minLength: 1, maxLength: 255 },
            contentType: { type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$' },
            size: { type: 'integer', minimum: 1, maximum: MAX_UPLOAD_BYTES },
          },
        },
      },
    },
    async (request, reply) => {
      const ticket = await presignUpload(deps.s3, deps.bucket, request.body);
      return reply.code(201).send(ticket);
    },
  );
}
