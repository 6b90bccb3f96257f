/**
 * Queue metrics as CloudWatch Embedded Metric Format (EMF) lines.
 *
 * An EMF document is one JSON object per log event: CloudWatch Logs extracts
 * the metrics it declares, so the worker needs no AWS SDK call and no
 * `cloudwatch:PutMetricData` permission; the awslogs log driver (which sends
 * each stdout line as one event through PutLogEvents) is enough. Structure per
 * the specification, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html :
 * a root `_aws` object with `Timestamp` (milliseconds since the epoch) and
 * `CloudWatchMetrics`, an array of directives each with a `Namespace`,
 * `Dimensions` (an array of dimension sets, each an array of root member
 * names) and `Metrics` (`Name` and `Unit`); every named dimension and metric
 * is a member of the root object. The `x-amzn-logs-format: json/emf` header
 * is optional with PutLogEvents (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_PutLogEvents.html).
 *
 * @packageDocumentation
 */
import type { QueueStats } from './queue.js';

/** Metric names, shared with the alarms and dashboards. */
export const QUEUE_METRICS = {
  depth: 'QueueDepth',
  oldestAge: 'OldestJobAgeSeconds',
  failed: 'FailedJobs',
  active: 'ActiveJobs',
} as const;

/** Dimension naming the queue. One value per queue, not per worker, so every worker's points form one metric. */
export const QUEUE_DIMENSION = 'Queue';

/**
 * Builds one EMF document for the queue's figures.
 *
 * @param namespace - CloudWatch namespace, e.g. `Alicerce/Queue`
 * @param queue - queue name (the dimension's value)
 * @param stats - figures to report
 * @param timestampMs - when they were measured
 */
export function emfDocument(
  namespace: string,
  queue: string,
  stats: QueueStats,
  timestampMs: number,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[QUEUE_DIMENSION]],
          Metrics: [
            { Name: QUEUE_METRICS.depth, Unit: 'Count' },
            { Name: QUEUE_METRICS.oldestAge, Unit: 'Seconds' },
            { Name: QUEUE_METRICS.failed, Unit: 'Count' },
            { Name: QUEUE_METRICS.active, Unit: 'Count' },
          ],
        },
      ],
    },
    [QUEUE_DIMENSION]: queue,
    [QUEUE_METRICS.depth]: stats.depth,
    [QUEUE_METRICS.oldestAge]: stats.oldestAgeSeconds,
    [QUEUE_METRICS.failed]: stats.failed,
    [QUEUE_METRICS.active]: stats.active,
  };
}
