/**
 * Uploads: `POST /api/uploads` hands out a presigned S3 PUT URL so clients
 * upload straight to the assets bucket, never through the service;
 * `POST /api/uploads/:id/complete` queues the object's verification;
 * `GET /api/uploads/:id` shows its state and, once verified, where to fetch it
 * (the CDN for public objects, a presigned GET for private ones).
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { AssetsConfig, CdnConfig } from '../config.js';
import type { Queryable } from '../db.js';
import { HttpError } from '../errors.js';
import { enqueueVerification, type VerifyJobData } from '../queue.js';

/** Largest upload a presigned URL allows, in bytes. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Lifetime of a presigned URL, in seconds. */
export const UPLOAD_URL_TTL_SECONDS = 300;

/** Lifetime of a presigned download URL, in seconds. */
export const DOWNLOAD_URL_TTL_SECONDS = 300;

/** Who may read an object: `public` objects are served by the CDN, `private` ones only through presigned URLs. */
export type Visibility = 'public' | 'private';

/** Key prefix of private uploads. */
export const PRIVATE_PREFIX = 'uploads/';

/** What the client must do with the answer. */
export interface UploadTicket {
  /** Upload id, for `/api/uploads/:id` and `/complete`. */
  id: string;
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
export function createS3Client(
  assets: AssetsConfig,
  region: string,
  endpoint: string | undefined = assets.endpoint,
): S3Client {
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
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-100);
  return cleaned === '' ? 'file' : cleaned;
}

/**
 * The CDN URL of a public object: the base URL and the key, each segment
 * percent-encoded (the CDN's origin path maps straight to the bucket's keys).
 *
 * @param baseUrl - `CDN_BASE_URL`, no trailing slash
 * @param key - object key
 */
export function cdnUrl(baseUrl: string, key: string): string {
  return `${baseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Where public objects go, and how they are made readable by the CDN. */
export type Placement = Pick<CdnConfig, 'publicPrefix' | 'publicAcl'>;

const DEFAULT_PLACEMENT: Placement = { publicPrefix: 'public/', publicAcl: undefined };

/**
 * Presigns a PUT of one object. Content type and length are signed, so S3
 * rejects an upload of another size or type than announced. Public objects
 * go under the public prefix (the CDN's path), with the canned ACL when one
 * is configured (a Spaces CDN serves only public-read objects; CloudFront with
 * origin access control needs none and the bucket stays private).
 *
 * @param s3 - S3 client
 * @param bucket - target bucket
 * @param input - file name, content type, size in bytes and visibility (default private)
 * @param now - clock, for tests
 * @param placement - public prefix and ACL
 */
export async function presignUpload(
  s3: S3Client,
  bucket: string,
  input: { filename: string; contentType: string; size: number; visibility?: Visibility },
  now: Date = new Date(),
  placement: Placement = DEFAULT_PLACEMENT,
): Promise<UploadTicket> {
  const id = randomUUID();
  const isPublic = input.visibility === 'public';
  const key = `${isPublic ? placement.publicPrefix : PRIVATE_PREFIX}${id}/${safeFileName(input.filename)}`;
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    ContentType: input.contentType,
    ContentLength: input.size,
    ...(isPublic && placement.publicAcl !== undefined ? { ACL: placement.publicAcl } : {}),
  });
  const url = await getSignedUrl(s3, command, {
    expiresIn: UPLOAD_URL_TTL_SECONDS,
    signableHeaders: new Set(['content-type', 'content-length']),
    signingDate: now,
  });
  return {
    id,
    key,
    url,
    method: 'PUT',
    headers: { 'content-type': input.contentType, 'content-length': String(input.size) },
    expiresAt: new Date(now.getTime() + UPLOAD_URL_TTL_SECONDS * 1000).toISOString(),
  };
}

/** What the upload routes need. */
export interface UploadRouteDeps {
  /** Client that signs URLs (the public endpoint). */
  s3: S3Client;
  /** Assets bucket. */
  bucket: string;
  /** Writer pool: upload rows are written here. */
  writer: pg.Pool;
  /** Reads (replica with fallback). */
  reader: Queryable;
  /** Verification queue, or `undefined` without Redis. */
  queue: Queue<VerifyJobData> | undefined;
  /** CDN settings. */
  cdn: CdnConfig;
}

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } },
} as const;

interface UploadRow {
  id: string;
  object_key: string;
  filename: string;
  content_type: string;
  size: string;
  visibility: Visibility;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
  outcome: string | null;
  reason: string | null;
  sha256: string | null;
  actual_size: string | null;
  recorded_at: Date | null;
}

/**
 * Registers the upload routes.
 *
 * @param app - Fastify instance
 * @param deps - S3 client, bucket, pools, queue and CDN settings
 */
export function registerUploadRoutes(app: FastifyInstance, deps: UploadRouteDeps): void {
  app.post<{ Body: { filename: string; contentType: string; size: number; visibility?: Visibility } }>(
    '/api/uploads',
    {
      schema: {
        body: {
          type: 'object',
          required: ['filename', 'contentType', 'size'],
          additionalProperties: false,
          properties: {
            filename: { type: 'string', minLength: 1, maxLength: 255 },
            contentType: {
              type: 'string',
              maxLength: 100,
              pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$',
            },
            size: { type: 'integer', minimum: 1, maximum: MAX_UPLOAD_BYTES },
            visibility: { type: 'string', enum: ['public', 'private'] },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const visibility = body.visibility ?? 'private';
      const ticket = await presignUpload(deps.s3, deps.bucket, { ...body, visibility }, new Date(), deps.cdn);
      await deps.writer.query(
        `INSERT INTO uploads (id, object_key, filename, content_type, size, visibility) VALUES ($1, $2, $3, $4, $5, $6)`,
        [ticket.id, ticket.key, body.filename, body.contentType.toLowerCase(), body.size, visibility],
      );
      reply.header('location', `/api/uploads/${ticket.id}`);
      return reply.code(201).send({ ...ticket, visibility, status: 'pending' });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/uploads/:id/complete',
    { schema: { params: ID_PARAMS } },
    async (request, reply) => {
      const { id } = request.params;
      if (deps.queue === undefined) throw new HttpError(503, 'upload verification is not configured on this service');
      // pending -> queued; queued stays queued (the job may have been lost with a Redis outage, or failed by BullMQ
      // for stalling too often without the row knowing: enqueue again); failed (dead-lettered) -> queued with a new
      // job. verified and rejected are final.
      const { rows } = await deps.writer.query<{ previous: string }>(
        `UPDATE uploads u SET status = 'queued', completed_at = coalesce(u.completed_at, now()), updated_at = now()
         FROM (SELECT id, status AS previous FROM uploads WHERE id = $1 FOR NO KEY UPDATE) p
        WHERE u.id = p.id AND p.previous IN ('pending', 'queued', 'failed')
        RETURNING p.previous`,
        [id],
      );
      const previous = rows[0]?.previous;
      if (previous === undefined) {
        const current = await deps.writer.query<{ status: string }>('SELECT status FROM uploads WHERE id = $1', [id]);
        const status = current.rows[0]?.status;
        if (status === undefined) throw new HttpError(404, `upload ${id} not found`);
        return reply.code(200).send({ id, status });
      }
      try {
        // Any job of this upload still in BullMQ's failed set is removed and added again (not only when the row
        // says failed: a job failed for stalling never ran the worker's failure path).
        const retried = await enqueueVerification(deps.queue, id);
        if (retried) request.log.info({ uploadId: id, previous }, 'failed verification job queued again');
      } catch (err) {
        request.log.error({ err, uploadId: id }, 'enqueue failed');
        throw new HttpError(503, 'the verification queue is unavailable; retry');
      }
      return reply.code(202).send({ id, status: 'queued' });
    },
  );

  app.get<{ Params: { id: string } }>('/api/uploads/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
    const { rows } = await deps.reader.query<UploadRow>(
      `SELECT u.id, u.object_key, u.filename, u.content_type, u.size, u.visibility, u.status, u.attempts, u.last_error,
              u.created_at, u.completed_at, v.outcome, v.reason, v.sha256, v.actual_size, v.recorded_at
         FROM uploads u LEFT JOIN upload_verifications v ON v.upload_id = u.id
        WHERE u.id = $1`,
      [request.params.id],
    );
    const row = rows[0];
    if (row === undefined) throw new HttpError(404, `upload ${request.params.id} not found`);
    let url: string | null = null;
    if (row.status === 'verified') {
      url =
        row.visibility === 'public' && deps.cdn.baseUrl !== undefined
          ? cdnUrl(deps.cdn.baseUrl, row.object_key)
          : await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.bucket, Key: row.object_key }), {
              expiresIn: DOWNLOAD_URL_TTL_SECONDS,
            });
    }
    return reply.send({
      id: row.id,
      key: row.object_key,
      filename: row.filename,
      contentType: row.content_type,
      size: Number(row.size),
      visibility: row.visibility,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at.toISOString(),
      completedAt: row.completed_at?.toISOString() ?? null,
      verification:
        row.outcome === null
          ? null
          : {
              outcome: row.outcome,
              reason: row.reason,
              sha256: row.sha256,
              actualSize: row.actual_size === null ? null : Number(row.actual_size),
              recordedAt: row.recorded_at?.toISOString() ?? null,
            },
      url,
    });
  });
}
