/**
 * `GET /healthz/queue`: the queue's alarms as an HTTP status, for monitors
 * that can only probe a URL (DigitalOcean Uptime has no custom metrics). The
 * same three checks as the CloudWatch queue alarms on AWS
 * (components/aws/monitoring.ts): backlog, oldest waiting job, dead letters.
 *
 * @packageDocumentation
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { QueueHealthConfig } from './config.js';
import { queueStats, type VerifyJobData } from './queue.js';

/** Which check failed. */
export type QueueCheck = 'depth' | 'oldestAge' | 'recentFailed';

/** The body of `/healthz/queue` when there is a queue. */
export interface QueueHealth {
  status: 'ok' | 'unhealthy';
  depth: number;
  oldestAgeSeconds: number;
  /** Dead letters that failed within the window. */
  recentFailed: number;
  /** Checks over their threshold, empty when healthy. */
  failing: QueueCheck[];
  thresholds: QueueHealthConfig;
}

/** Most dead letters read per request; a count at this figure means "this many or more". */
export const RECENT_FAILED_SCAN = 100;

/**
 * Counts jobs that failed for good within the last `windowSeconds`, up to
 * {@link RECENT_FAILED_SCAN}. BullMQ keeps its failed set as a sorted set
 * scored by the time each job finished (`moveToFinished` in bullmq's Lua
 * scripts: `ZADD <failed> <finishedOn> <id>`), so the newest come first
 * (`asc = false`) and the scan stops at the first one older than the window.
 */
export async function recentFailures(
  queue: Queue<VerifyJobData>,
  windowSeconds: number,
  now: () => number = Date.now,
): Promise<number> {
  const since = now() - windowSeconds * 1000;
  const newest = await queue.getJobs(['failed'], 0, RECENT_FAILED_SCAN - 1, false);
  let count = 0;
  for (const job of newest) {
    if (job === undefined) continue;
    if ((job.finishedOn ?? job.timestamp) < since) break;
    count += 1;
  }
  return count;
}

/**
 * Measures the queue and compares each figure with its threshold.
 *
 * @param queue - the verification queue
 * @param config - thresholds
 * @param now - clock, for tests
 */
export async function queueHealth(
  queue: Queue<VerifyJobData>,
  config: QueueHealthConfig,
  now: () => number = Date.now,
): Promise<QueueHealth> {
  const [stats, recentFailed] = await Promise.all([
    queueStats(queue, now),
    recentFailures(queue, config.failedWindowSeconds, now),
  ]);
  const failing: QueueCheck[] = [];
  if (stats.depth > config.maxDepth) failing.push('depth');
  if (stats.oldestAgeSeconds > config.maxOldestAgeSeconds) failing.push('oldestAge');
  if (recentFailed > 0) failing.push('recentFailed');
  return {
    status: failing.length === 0 ? 'ok' : 'unhealthy',
    depth: stats.depth,
    oldestAgeSeconds: stats.oldestAgeSeconds,
    recentFailed,
    failing,
    thresholds: config,
  };
}

/**
 * Registers `GET /healthz/queue`: 200 when every check passes, 503 when one
 * fails or Redis cannot be read, and 200 `{ queue: 'none' }` without a queue
 * (a tier without Redis has nothing to watch). The body holds counts only.
 */
export function registerQueueHealth(
  app: FastifyInstance,
  queue: Queue<VerifyJobData> | undefined,
  config: QueueHealthConfig,
): void {
  app.get('/healthz/queue', async (request, reply) => {
    if (queue === undefined) return { status: 'ok', queue: 'none' };
    let health: QueueHealth;
    try {
      health = await queueHealth(queue, config);
    } catch (err) {
      // The error names the Redis host: it stays in the log.
      request.log.warn({ err }, 'queue health unavailable');
      return reply.code(503).send({ status: 'unavailable', failing: ['redis'] });
    }
    if (health.status !== 'ok') request.log.warn({ queueHealth: health }, 'queue unhealthy');
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });
}
