/**
 * The upload-verification queue (BullMQ on Redis/Valkey): its name, how jobs
 * are added, and the figures the alarms watch.
 *
 * @packageDocumentation
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { QueueConfig } from './config.js';

/** Name of the queue. */
export const VERIFY_QUEUE = 'upload-verify';

/**
 * Prefix of every BullMQ key. The braces are a Redis Cluster hash tag: all of
 * the queue's keys land in one slot, which BullMQ's multi-key scripts need on
 * a cluster-mode ElastiCache or Valkey; on a single node they change nothing.
 */
export const QUEUE_PREFIX = '{alicerce}';

/** The data of one job. */
export interface VerifyJobData {
  /** Id of the row in `uploads`. */
  uploadId: string;
}

/** Job id of an upload's verification: one job per upload, however many times it is enqueued. */
export function verifyJobId(uploadId: string): string {
  return `verify-${uploadId}`;
}

/**
 * Options of every verification job: retries with exponential backoff
 * (`backoffMs`, then twice that, ...); completed jobs kept a day, failed ones
 * (the dead letters) a week, both bounded in number.
 *
 * @param queue - attempts and backoff
 */
export function verifyJobOptions(queue: QueueConfig): JobsOptions {
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/**
 * Opens the queue for adding jobs and reading counts.
 *
 * @param connection - an ioredis instance or options
 * @param queue - attempts and backoff, the jobs' defaults
 */
export function openVerifyQueue(connection: ConnectionOptions, queue: QueueConfig): Queue<VerifyJobData> {
  return new Queue<VerifyJobData>(VERIFY_QUEUE, {
    connection,
    prefix: QUEUE_PREFIX,
    defaultJobOptions: verifyJobOptions(queue),
  });
}

/**
 * Adds the verification of an upload. The job id is derived from the upload,
 * so adding it again while the job exists (waiting, running, retrying or
 * completed) adds nothing. A job in BullMQ's failed set is removed first, so a
 * client can ask again: whether the worker dead-lettered it after its last
 * attempt, or BullMQ failed it without running it ("job stalled more than
 * allowable limit", when it stalled more than `MAX_STALLED_COUNT` times) and
 * the upload's row was left `queued`. The caller calls this only for an upload
 * that is not final (`pending`, `queued`, `failed`): the record itself is
 * idempotent, so a job run again records once.
 *
 * @param queue - the verification queue
 * @param uploadId - upload to verify
 * @returns whether a failed job was removed (and a fresh one added)
 */
export async function enqueueVerification(queue: Queue<VerifyJobData>, uploadId: string): Promise<boolean> {
  const jobId = verifyJobId(uploadId);
  let retried = false;
  const existing = await queue.getJob(jobId);
  if (existing !== undefined && (await existing.isFailed())) {
    try {
      await existing.remove();
      retried = true;
    } catch (err) {
      // Another request removed it first (and added the new job), or a worker holds it: fine unless it is still failed.
      if (await existing.isFailed()) throw err;
    }
  }
  await queue.add('verify', { uploadId }, { jobId });
  return retried;
}

/** Queue figures for alarms and scaling. */
export interface QueueStats {
  /** Jobs waiting to run, including those waiting out a retry backoff (`waiting + prioritized + delayed`). */
  depth: number;
  /** Jobs running now. */
  active: number;
  /** Jobs past their last attempt and kept as dead letters. */
  failed: number;
  /** Age in seconds of the oldest job waiting to run (by when it was first added); 0 when none waits. */
  oldestAgeSeconds: number;
}

/**
 * Reads the queue's counts and the age of its oldest waiting job.
 *
 * @param queue - the verification queue
 * @param now - clock, for tests
 */
export async function queueStats(queue: Queue<VerifyJobData>, now: () => number = Date.now): Promise<QueueStats> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
  // Oldest first (asc = true) in each state that waits to run; one job from each is enough.
  const candidates = await Promise.all(
    (['waiting', 'prioritized', 'delayed'] as const).map((state) => queue.getJobs([state], 0, 0, true)),
  );
  const timestamps = candidates
    .flat()
    .filter((j) => j !== undefined)
    .map((j) => j.timestamp);
  const oldest = timestamps.length === 0 ? undefined : Math.min(...timestamps);
  return {
    depth: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
    active: counts.active ?? 0,
    failed: counts.failed ?? 0,
    oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((now() - oldest) / 1000)),
  };
}
