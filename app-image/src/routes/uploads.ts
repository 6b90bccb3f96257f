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
 * Creates the S3 client; `endpoint` and `forcePathStyle` make it work with DigitalOcean Spaces or MinIO.
 *
 * @param assets - bucket settings
 * @param region - signing region
 */
export function createS3Client(assets: AssetsConfig, region: string): S3Client {
  return new S3Client({
    region,
    ...(assets.endpoint === undefined ? {} : { endpoint: assets.endpoint }),
    forcePathStyle: assets.forcePathStyle,
  });
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
