/**
 * The verification job: stream an uploaded object from storage, check it
 * against what the client declared, hash it, and record the result once.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { FileTypeParser, supportedMimeTypes } from 'file-type';
import type pg from 'pg';

/** The declared facts of an upload, from its row. */
export interface DeclaredUpload {
  /** Upload id. */
  id: string;
  /** Object key. */
  objectKey: string;
  /** Content type the client declared. */
  contentType: string;
  /** Size in bytes the client declared. */
  size: number;
}

/** What the object turned out to be. */
export interface Inspection {
  /** `verified` when size and type match the declaration, else `rejected`. */
  outcome: 'verified' | 'rejected';
  /** Why it was rejected. */
  reason: string | undefined;
  /** Hex SHA-256 of the whole object; `undefined` when it was not read to the end (absent or too large). */
  sha256: string | undefined;
  /** Bytes read; `undefined` when the object is absent. */
  actualSize: number | undefined;
  /** The object's stored `Content-Type`. */
  storedContentType: string | undefined;
  /** Type detected from the first bytes (file-type), when it is one file-type knows. */
  detectedContentType: string | undefined;
}

/** Bytes file-type needs to see to recognise any type it supports (its README: "4100 bytes"). */
const SNIFF_BYTES = 4100;

/**
 * Streams the object and inspects it. Reading stops past the declared size,
 * so a wrong object cannot make the worker read gigabytes.
 *
 * The content type must be the declared one both in the object's metadata
 * and, for the types file-type can recognise from their magic numbers (PNG,
 * JPEG, PDF, ZIP, ...), in the bytes themselves; for a type it cannot
 * recognise (text/plain, application/json, ...), the bytes must not look
 * like one it can (except `application/octet-stream`, which any bytes are).
 *
 * @param s3 - S3 client (the service's own endpoint)
 * @param bucket - assets bucket
 * @param upload - declared key, type and size
 * @returns the inspection; throws only when storage could not be read (a reason to retry)
 */
export async function inspectObject(s3: S3Client, bucket: string, upload: DeclaredUpload): Promise<Inspection> {
  let body: Readable;
  let storedContentType: string | undefined;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: upload.objectKey }));
    body = out.Body as Readable;
    storedContentType = out.ContentType;
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') {
      return {
        outcome: 'rejected',
        reason: 'object not found in storage',
        sha256: undefined,
        actualSize: undefined,
        storedContentType: undefined,
        detectedContentType: undefined,
      };
    }
    throw err;
  }
  const hash = createHash('sha256');
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let tooLarge = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > upload.size) {
      tooLarge = true;
      body.destroy();
      break;
    }
    hash.update(chunk);
    if (headBytes < SNIFF_BYTES) {
      head.push(chunk);
      headBytes += chunk.length;
    }
  }
  const detected = await new FileTypeParser().fromBuffer(Buffer.concat(head).subarray(0, SNIFF_BYTES));
  const detectedContentType = detected?.mime;
  const result = (reason: string | undefined): Inspection => ({
    outcome: reason === undefined ? 'verified' : 'rejected',
    reason,
    sha256: tooLarge ? undefined : hash.digest('hex'),
    actualSize: size,
    storedContentType,
    detectedContentType,
  });
  if (tooLarge) return result(`larger than the declared ${upload.size} bytes`);
  if (size !== upload.size) return result(`size ${size} bytes, declared ${upload.size}`);
  const declared = upload.contentType.toLowerCase();
  const stored = storedContentType?.split(';')[0]?.trim().toLowerCase();
  if (stored !== declared) return result(`stored content type ${stored ?? 'none'}, declared ${declared}`);
  if ((supportedMimeTypes as ReadonlySet<string>).has(declared)) {
    if (detectedContentType !== declared)
      return result(`content looks like ${detectedContentType ?? 'an unknown type'}, declared ${declared}`);
  } else if (detectedContentType !== undefined && declared !== 'application/octet-stream') {
    // application/octet-stream is "any bytes": whatever they look like matches it.
    return result(`content looks like ${detectedContentType}, declared ${declared}`);
  }
  return result(undefined);
}

/** What {@link recordInspection} did. */
export type RecordOutcome = 'recorded' | 'already-recorded' | 'unknown-upload';

/**
 * Records an inspection and the upload's new status in one transaction. The
 * upload row is locked first, and the verification row has the upload id as
 * its primary key, so a job run twice (a retry after a worker was killed
 * between commit and acknowledgement, two workers racing) records once: the
 * second finds the row and changes nothing.
 *
 * @param pool - writer pool
 * @param uploadId - the upload
 * @param inspection - what {@link inspectObject} found
 * @param job - job id and attempt number, kept with the record
 */
export async function recordInspection(
  pool: pg.Pool,
  uploadId: string,
  inspection: Inspection,
  job: { id: string; attempt: number },
): Promise<RecordOutcome> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ status: string }>(
      'SELECT status FROM uploads WHERE id = $1 FOR NO KEY UPDATE',
      [uploadId],
    );
    if (rows[0] === undefined) {
      await client.query('ROLLBACK');
      return 'unknown-upload';
    }
    const inserted = await client.query(
      `INSERT INTO upload_verifications
         (upload_id, outcome, reason, sha256, actual_size, stored_content_type, detected_content_type, job_id, attempt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (upload_id) DO NOTHING`,
      [
        uploadId,
        inspection.outcome,
        inspection.reason ?? null,
        inspection.sha256 ?? null,
        inspection.actualSize ?? null,
        inspection.storedContentType ?? null,
        inspection.detectedContentType ?? null,
        job.id,
        job.attempt,
      ],
    );
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'already-recorded';
    }
    await client.query(
      `UPDATE uploads SET status = $2, attempts = $3, last_error = NULL, updated_at = now() WHERE id = $1`,
      [uploadId, inspection.outcome, job.attempt],
    );
    await client.query('COMMIT');
    return 'recorded';
  } catch (err) {
    broken = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release(broken ? true : undefined);
  }
}

/**
 * Notes a failed attempt on the upload, for the API to show. On the last
 * attempt the upload becomes `failed` (dead-lettered); a recorded result is
 * never overwritten.
 *
 * @param pool - writer pool
 * @param uploadId - the upload
 * @param attempt - number of the attempt that failed (1-based)
 * @param error - its message (no secrets: storage and database errors name hosts and keys, not credentials)
 * @param last - whether no attempt follows
 */
export async function recordFailure(
  pool: pg.Pool,
  uploadId: string,
  attempt: number,
  error: string,
  last: boolean,
): Promise<void> {
  await pool.query(
    `UPDATE uploads SET attempts = $2, last_error = $3, status = CASE WHEN $4 THEN 'failed' ELSE status END, updated_at = now()
      WHERE id = $1 AND status IN ('pending', 'queued', 'failed')`,
    [uploadId, attempt, error.slice(0, 500), last],
  );
}

/**
 * The text kept as an upload's `last_error` for a failed attempt: the error's
 * name and message (no stack).
 *
 * @param err - what the attempt threw, or what BullMQ failed the job with
 */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Records that BullMQ failed a job for good: the upload becomes `failed`
 * (dead-lettered) with the reason, unless its result was recorded meanwhile.
 * The processor does this itself on its last attempt; this is for failures
 * that never reach the processor, such as a job BullMQ fails because it stalled
 * more than `maxStalledCount` times ("job stalled more than allowable limit",
 * set by its moveStalledJobsToWait script and applied by the next worker that
 * takes the job, without running it). Running it twice writes the same row.
 *
 * @param pool - writer pool
 * @param uploadId - the upload
 * @param attempts - attempts BullMQ counted for the job (`attemptsMade`)
 * @param error - why it failed
 */
export async function recordDeadLetter(
  pool: pg.Pool,
  uploadId: string,
  attempts: number,
  error: string,
): Promise<void> {
  await recordFailure(pool, uploadId, attempts, error, true);
}

/**
 * Reads the declared facts of an upload.
 *
 * @param pool - writer pool (the worker reads what the API just wrote: no replica lag)
 * @param uploadId - the upload
 */
export async function loadUpload(
  pool: pg.Pool,
  uploadId: string,
): Promise<(DeclaredUpload & { status: string }) | undefined> {
  const { rows } = await pool.query<{
    id: string;
    object_key: string;
    content_type: string;
    size: string;
    status: string;
  }>('SELECT id, object_key, content_type, size, status FROM uploads WHERE id = $1', [uploadId]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    objectKey: row.object_key,
    contentType: row.content_type,
    size: Number(row.size),
    status: row.status,
  };
}

/** Minimal logger (pino-compatible). */
export interface JobLogger {
  /** Informational line. */
  info(obj: object, msg: string): void;
  /** Warning line. */
  warn(obj: object, msg: string): void;
}

/** What one run of the job did, kept as the BullMQ job's return value. */
export interface VerifyJobResult {
  /** The upload's outcome, or why nothing was inspected. */
  outcome: 'verified' | 'rejected' | 'already-recorded' | 'unknown-upload';
  /** Whether this run wrote the record. */
  recorded: boolean;
}

/** The parts of a BullMQ job the processor reads. */
export interface VerifyJob {
  /** Job id. */
  id?: string | undefined;
  /** The upload to verify. */
  data: { uploadId: string };
  /** Failed attempts before this one. */
  attemptsMade: number;
  /** The job's options (its attempt budget). */
  opts: { attempts?: number | undefined };
}

/**
 * The processor the worker runs for each job: load the declared facts, stream
 * and inspect the object, record once. A storage or database error is thrown
 * (BullMQ retries it with backoff); before rethrowing, the attempt is noted on
 * the upload, and on the last attempt the upload becomes `failed` in
 * PostgreSQL before BullMQ moves the job to its failed set, so the API never
 * shows a dead letter as still queued.
 *
 * @param deps - writer pool, S3 client (service endpoint), bucket and logger
 */
export function createVerifyProcessor(deps: { pool: pg.Pool; s3: S3Client; bucket: string; logger: JobLogger }) {
  return async (job: VerifyJob): Promise<VerifyJobResult> => {
    const { uploadId } = job.data;
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const jobId = job.id ?? 'unknown';
    try {
      const upload = await loadUpload(deps.pool, uploadId);
      if (upload === undefined) {
        deps.logger.warn({ uploadId, jobId }, 'upload not found: nothing to verify');
        return { outcome: 'unknown-upload', recorded: false };
      }
      if (upload.status === 'verified' || upload.status === 'rejected') {
        deps.logger.info({ uploadId, jobId, status: upload.status }, 'already recorded');
        return { outcome: 'already-recorded', recorded: false };
      }
      deps.logger.info({ uploadId, jobId, attempt }, 'verifying upload');
      const inspection = await inspectObject(deps.s3, deps.bucket, upload);
      const recorded = await recordInspection(deps.pool, uploadId, inspection, { id: jobId, attempt });
      if (recorded !== 'recorded') {
        deps.logger.info({ uploadId, jobId, recorded }, 'already recorded');
        return { outcome: recorded, recorded: false };
      }
      deps.logger.info(
        { uploadId, jobId, attempt, outcome: inspection.outcome, reason: inspection.reason, sha256: inspection.sha256 },
        'upload verification recorded',
      );
      return { outcome: inspection.outcome, recorded: true };
    } catch (err) {
      const message = failureMessage(err);
      deps.logger.warn(
        { uploadId, jobId, attempt, last, err: { message } },
        last ? 'last attempt failed: dead-lettered' : 'attempt failed: will retry',
      );
      await recordFailure(deps.pool, uploadId, attempt, message, last).catch((e: unknown) =>
        deps.logger.warn(
          { uploadId, err: { message: e instanceof Error ? e.message : String(e) } },
          'could not note the failed attempt',
        ),
      );
      throw err;
    }
  };
}
