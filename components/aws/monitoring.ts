import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ORIGIN_METRIC } from "./origin";

/** One metric an alarm reads. */
export interface AlarmMetric {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, string>;
    /** `Average`, `Maximum`, `Sum`, or a percentile such as `p95`. */
    readonly stat: string;
}

/** One alarm, as data. */
export interface AlarmSpec {
    /** Short, stable, used in the logical name. */
    readonly key: string;
    /** What the on-call person reads in the email. */
    readonly description: string;
    /** A single metric, or metric math over named metrics. */
    readonly metric: AlarmMetric | { readonly expression: string; readonly label: string; readonly metrics: Record<string, AlarmMetric> };
    readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
    readonly threshold: number;
    /** Seconds per datapoint. */
    readonly period: number;
    /** Datapoints looked at (period x this = "for N minutes"). */
    readonly evaluationPeriods: number;
    /**
     * Breaching datapoints among the last `evaluationPeriods` that fire the alarm ("M of N"; at most `evaluationPeriods`).
     * @default evaluationPeriods (all of them, consecutive)
     */
    readonly datapointsToAlarm?: number;
    /**
     * Mail the alert email on ALARM and OK.
     * @default true (false for an alarm that only gates rollouts: another alarm pages for the same symptom)
     */
    readonly notify?: boolean;
    /** What no data means: quiet traffic is not an outage. */
    readonly treatMissingData: "notBreaching" | "breaching" | "missing";
}

/** The names alarms are built over (resolved values, not Outputs: this is pure). */
export interface AlarmTargets {
    readonly autoScalingGroupName: string;
    /** The load balancer's pieces; empty strings with the instance edge (`origin`), whose alarms read no ALB metric. */
    readonly loadBalancerArnSuffix: string;
    readonly targetGroupArnSuffix: string;
    /** q-budget-aws: the instance edge's Elastic IP allocation (the dimension of its health metric); undefined behind a load balancer. */
    readonly origin?: { readonly allocationId: string };
    readonly dbIdentifier: string;
    /** The read replica, when there is one (replica lag is measured there). */
    readonly dbReplicaIdentifier?: string;
    /** The database's allocated storage, for the free-storage threshold. */
    readonly dbStorageGb: number;
    /** p-aws-workers: the queue the workers report on and the cache's nodes, where the stack has them. */
    readonly queue?: QueueTargets;
}

// --- p-aws-workers ---
/** The queue and cache the alarms watch (plain names: ours, not computed). */
export interface QueueTargets {
    /** The BullMQ queue (the EMF metrics' `Queue` dimension). */
    readonly queueName: string;
    /** The cache's member clusters (`CacheClusterId`): the primary moves on failover, so alarms take the worst node. */
    readonly cacheClusterIds: readonly string[];
}

/** The namespace the worker's EMF metrics land in (app-image METRICS_NAMESPACE default). */
export const QUEUE_NAMESPACE = "Alicerce/Queue";

/**
 * The queue and cache alarms: backlog (`QueueDepth` above 1000 for 15
 * minutes: the workers are not keeping up even at their maximum), the
 * oldest waiting job older than 15 minutes (missing data breaches: no
 * worker reporting means nothing is processed), new dead letters
 * (`FailedJobs` counts the kept dead letters, so the alarm is on its
 * increase), cache memory above 80% on any node (with `noeviction` a full
 * cache refuses new jobs) and any eviction (there should be none).
 */
export function queueAlarmSpecs(q: QueueTargets): AlarmSpec[] {
    const queue = { Queue: q.queueName };
    const node = (metricName: string, stat: string) =>
        Object.fromEntries(q.cacheClusterIds.map((id, i) => [`n${i}`, { namespace: "AWS/ElastiCache", metricName, dimensions: { CacheClusterId: id }, stat }]));
    const ids = q.cacheClusterIds.map((_, i) => `n${i}`).join(", ");
    return [
        {
            key: "queue-depth",
            description:
                "Queue: more than 1000 jobs waiting for 15 minutes. The workers are at their maximum or failing; check the worker logs, raise workersMax.",
            metric: { namespace: QUEUE_NAMESPACE, metricName: "QueueDepth", dimensions: queue, stat: "Maximum" },
            comparison: "GreaterThanThreshold",
            threshold: 1000,
            period: 60,
            evaluationPeriods: 15,
            treatMissingData: "missing",
        },
        {
            key: "queue-oldest-job",
            description: "Queue: the oldest waiting job is over 15 minutes old, or no worker has reported for 5 minutes. Check the worker group and its logs.",
            metric: { namespace: QUEUE_NAMESPACE, metricName: "OldestJobAgeSeconds", dimensions: queue, stat: "Maximum" },
            comparison: "GreaterThanThreshold",
            threshold: 900,
            period: 60,
            evaluationPeriods: 5,
            treatMissingData: "breaching",
        },
        {
            key: "queue-failed-jobs",
            description: "Queue: new dead letters (a job failed its last attempt). GET /api/uploads/:id shows lastError; the worker logs say why.",
            metric: {
                expression: "DIFF(failed)",
                label: "new dead letters",
                metrics: { failed: { namespace: QUEUE_NAMESPACE, metricName: "FailedJobs", dimensions: queue, stat: "Maximum" } },
            },
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: 300,
            evaluationPeriods: 1,
            treatMissingData: "notBreaching",
        },
        {
            key: "cache-memory",
            description: "Cache: a Valkey node above 80% of its memory for 5 minutes. With noeviction a full cache refuses new jobs; raise cacheNodeType.",
            metric: { expression: `MAX([${ids}])`, label: "memory used % (worst node)", metrics: node("DatabaseMemoryUsagePercentage", "Maximum") },
            comparison: "GreaterThanThreshold",
            threshold: 80,
            period: 60,
            evaluationPeriods: 5,
            treatMissingData: "missing",
        },
        {
            key: "cache-evictions",
            description: "Cache: keys were evicted (maxmemory-policy should be noeviction: check the parameter group); queued jobs may be lost.",
            metric: { expression: `SUM([${ids}])`, label: "evictions (all nodes)", metrics: node("Evictions", "Sum") },
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: 300,
            evaluationPeriods: 1,
            treatMissingData: "notBreaching",
        },
    ];
}
// --- end p-aws-workers ---

const GIB = 1024 ** 3;

/** The 5xx rate in percent over every request the load balancer answered, routed or not. */
export const FIVE_XX_RATE =
    "IF(FILL(requests, 0) + FILL(elb5xx, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0)), 0)";

/**
 * The alarms that stop an instance refresh when they fire during a rollout:
 * requests failing, and an instance failing its health checks for longer
 * than any normal launch takes, are what a bad image causes. A normal launch
 * is registered with the target group before its container is up and fails
 * health checks for 1-3 minutes, so neither alarm may fire within the launch
 * grace period (see {@link rolloutWindow}).
 */
export const ROLLOUT_ALARM_KEYS = ["rollout-errors", "unhealthy-hosts"] as const;

/**
 * The instance edge's rollout gate: its health metric's explicit failures (0), missing data not breaching. A new
 * instance takes the address only once healthy (the launch hook keeps it out of service until then), so the gate
 * fires for a release that turns unhealthy after; silence (nobody reports yet, as when a stack moves to the
 * instance edge and no instance runs the reporter) does not fail a refresh, while `origin-unhealthy` pages on it.
 */
export const ORIGIN_ROLLOUT_ALARM_KEYS = ["origin-rollout"] as const;

/** The load balancer's alarms, which the instance edge does not have (it has `origin-unhealthy` instead). */
export const LOAD_BALANCER_ALARM_KEYS = ["latency-p95", "errors-5xx", "rollout-errors", "unhealthy-hosts", "healthy-hosts"] as const;

/** The alarm keys that gate an instance refresh, for a stack with or without a load balancer. */
export function rolloutAlarmKeys(instanceEdge: boolean): readonly string[] {
    return instanceEdge ? ORIGIN_ROLLOUT_ALARM_KEYS : ROLLOUT_ALARM_KEYS;
}

/** The `origin-unhealthy` alarm: 3 one-minute datapoints (the reporter runs every minute; one late report does not page). */
export const ORIGIN_ALARM_MINUTES = 3;

/**
 * The evaluation of the `rollout-errors` gate for a launch grace period: one-minute
 * datapoints, firing when more minutes breach than the grace period lasts
 * (300 s: 7 of the last 9 minutes), so the errors of a new instance that is
 * still booting never trip it and a release that keeps failing requests
 * does. The unhealthy-hosts gate has a longer window ({@link unhealthyWindow}).
 */
export function rolloutWindow(launchGraceSeconds: number): { period: number; datapointsToAlarm: number; evaluationPeriods: number } {
    const datapointsToAlarm = Math.floor(launchGraceSeconds / 60) + 2;
    return { period: 60, datapointsToAlarm, evaluationPeriods: datapointsToAlarm + 2 };
}

/**
 * The evaluation of the `unhealthy-hosts` gate for a launch grace period of
 * m minutes: one-minute datapoints, firing at 2m + 1 breaching minutes of the
 * last 2m + 9 (300 s: 11 of 19). A normal launch is unhealthy for at most
 * the grace period, so even two launches at once or back to back (a second
 * scale-out) breach 2m minutes at most and never fire it. An image that
 * never gets healthy repeats a cycle: unhealthy until the grace period ends,
 * then termination and a relaunch, healthy-looking for 1-4 minutes between
 * (no target registered); three such cycles fill the window, so it fires
 * however slow the relaunch is within those 4 minutes. A tighter ratio (7 of
 * 9) misses a cycle whose gap is one minute longer than usual, and the
 * refresh then waits forever: the load balancer sends no traffic to an
 * unhealthy target, so `rollout-errors` cannot fire either.
 */
export function unhealthyWindow(launchGraceSeconds: number): { period: number; datapointsToAlarm: number; evaluationPeriods: number } {
    const m = Math.ceil(launchGraceSeconds / 60);
    return { period: 60, datapointsToAlarm: 2 * m + 1, evaluationPeriods: 2 * m + 9 };
}

/**
 * How long an instance refresh lets new instances serve before it counts
 * them done (and terminates old ones): the longer of the rollout gates'
 * breaching minutes (unhealthy-hosts), plus a minute for the load
 * balancer's metrics to arrive and two for the alarm to evaluate and the
 * refresh to notice (300 s grace: 14 minutes).
 */
export function rolloutBakeSeconds(launchGraceSeconds: number, instanceEdge = false): number {
    // The instance edge's gate is the origin alarm alone: its minutes, a minute of delay and two to evaluate.
    if (instanceEdge) return (ORIGIN_ALARM_MINUTES + 3) * 60;
    const w = [rolloutWindow(launchGraceSeconds), unhealthyWindow(launchGraceSeconds)];
    return Math.max(...w.map((x) => (x.datapointsToAlarm + 3) * x.period));
}

/** What the alarms' durations depend on besides the names they watch. */
export interface AlarmOptions {
    /** The app servers' health check grace period in seconds (how long a normal launch may be unhealthy). */
    readonly launchGraceSeconds: number;
}

/**
 * A CloudWatch dashboard name for a project and stack: dashboard names take
 * letters, digits, `-` and `_` only (a stack may be named `acme.prod`), up
 * to 255 characters.
 */
export function dashboardNameOf(project: string, stack: string): string {
    return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/**
 * The alarms of the users' runbooks: app CPU > 80% and memory > 85% for
 * 5 minutes, p95 response time > 2 s for 3 minutes, 5xx > 5% of requests
 * for 2 minutes, a target unhealthy for longer than a launch takes, no
 * healthy target at all, a rollout gate on a sustained 5xx rate, database
 * CPU > 80% for 5 minutes, free storage under 10% (at least 2 GiB), and
 * replica lag > 30 s.
 */
export function alarmSpecs(t: AlarmTargets, o: AlarmOptions): AlarmSpec[] {
    const rollout = rolloutWindow(o.launchGraceSeconds);
    const unhealthy = unhealthyWindow(o.launchGraceSeconds);
    const asg = { AutoScalingGroupName: t.autoScalingGroupName };
    const lb = { LoadBalancer: t.loadBalancerArnSuffix };
    const tg = { LoadBalancer: t.loadBalancerArnSuffix, TargetGroup: t.targetGroupArnSuffix };
    const db = { DBInstanceIdentifier: t.dbIdentifier };
    const alb = (metricName: string, stat: string, dimensions: Record<string, string> = lb): AlarmMetric => ({
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions,
        stat,
    });
    // RequestCount leaves out requests the load balancer could not route (no healthy target: an ELB 503),
    // so those join the denominator; no traffic at all is no error rate, not a division by zero.
    const fiveXxRate: AlarmSpec["metric"] = {
        expression: FIVE_XX_RATE,
        label: "5xx % of requests",
        metrics: {
            requests: alb("RequestCount", "Sum"),
            target5xx: alb("HTTPCode_Target_5XX_Count", "Sum"),
            elb5xx: alb("HTTPCode_ELB_5XX_Count", "Sum"),
        },
    };
    const specs: AlarmSpec[] = [
        {
            key: "app-cpu",
            description: "App servers: average CPU above 80% for 5 minutes. Check the dashboard; if traffic grew, raise maxInstances or the instance type.",
            metric: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: asg, stat: "Average" },
            comparison: "GreaterThanThreshold",
            threshold: 80,
            period: 300,
            evaluationPeriods: 1,
            treatMissingData: "missing",
        },
        {
            key: "app-memory",
            description: "App servers: memory above 85% for 5 minutes (CloudWatch agent). A leak, or the instance type is too small.",
            metric: { namespace: "CWAgent", metricName: "mem_used_percent", dimensions: asg, stat: "Average" },
            comparison: "GreaterThanThreshold",
            threshold: 85,
            period: 60,
            evaluationPeriods: 5,
            treatMissingData: "missing",
        },
        {
            key: "latency-p95",
            description: "Load balancer: p95 target response time above 2 s for 3 minutes. Look at slow queries and the database CPU.",
            metric: alb("TargetResponseTime", "p95"),
            comparison: "GreaterThanThreshold",
            threshold: 2,
            period: 60,
            evaluationPeriods: 3,
            treatMissingData: "notBreaching",
        },
        {
            key: "errors-5xx",
            description: "Load balancer: more than 5% of requests failed with 5xx for 2 minutes (app and load balancer errors, including no healthy instance).",
            metric: fiveXxRate,
            comparison: "GreaterThanThreshold",
            threshold: 5,
            period: 60,
            evaluationPeriods: 2,
            treatMissingData: "notBreaching",
        },
        {
            key: "rollout-errors",
            description: `Rollout gate (notifies nobody; errors-5xx pages): more than 5% of requests failed with 5xx in ${rollout.datapointsToAlarm} of ${rollout.evaluationPeriods} minutes. During an instance refresh this fails the refresh.`,
            metric: fiveXxRate,
            comparison: "GreaterThanThreshold",
            threshold: 5,
            period: rollout.period,
            evaluationPeriods: rollout.evaluationPeriods,
            datapointsToAlarm: rollout.datapointsToAlarm,
            notify: false,
            treatMissingData: "notBreaching",
        },
        {
            key: "unhealthy-hosts",
            description: `Target group: instances have failed /healthz in ${unhealthy.datapointsToAlarm} of the last ${unhealthy.evaluationPeriods} minutes, longer than two launches take. Check the container logs; during an instance refresh this fails the refresh.`,
            metric: alb("UnHealthyHostCount", "Maximum", tg),
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: unhealthy.period,
            evaluationPeriods: unhealthy.evaluationPeriods,
            datapointsToAlarm: unhealthy.datapointsToAlarm,
            treatMissingData: "notBreaching",
        },
        {
            key: "healthy-hosts",
            description:
                "Target group: no instance passes /healthz, so every request fails with 503. Check the container logs and the Auto Scaling group's activity.",
            metric: alb("HealthyHostCount", "Minimum", tg),
            comparison: "LessThanThreshold",
            threshold: 1,
            period: 60,
            evaluationPeriods: 2,
            // The load balancer reports this metric every minute while the group is attached: silence is not health.
            treatMissingData: "breaching",
        },
        {
            key: "db-cpu",
            description: "Database: CPU above 80% for 5 minutes. Check Performance Insights for the top queries, or raise dbInstanceClass.",
            metric: { namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: db, stat: "Average" },
            comparison: "GreaterThanThreshold",
            threshold: 80,
            period: 60,
            evaluationPeriods: 5,
            treatMissingData: "missing",
        },
        {
            key: "db-free-storage",
            description: "Database: free storage below 10% of allocated. Storage autoscaling may be at its ceiling; raise dbStorageGb.",
            metric: { namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: db, stat: "Minimum" },
            comparison: "LessThanThreshold",
            threshold: Math.max(2 * GIB, Math.round(t.dbStorageGb * GIB * 0.1)),
            period: 300,
            evaluationPeriods: 1,
            treatMissingData: "missing",
        },
    ];
    // q-budget-aws: the instance edge has no load balancer, so none of its metrics: the holder of the address reports
    // its app's health instead (components/aws/origin/report.sh).
    if (t.origin !== undefined) {
        const alb = new Set<string>(LOAD_BALANCER_ALARM_KEYS);
        specs.splice(0, specs.length, ...specs.filter((x) => !alb.has(x.key)));
        // One test on the holder's report, read twice: paging on silence too, and gating a rollout on failures only.
        const originBelowOne = {
            metric: {
                namespace: ORIGIN_METRIC.namespace,
                metricName: ORIGIN_METRIC.metricName,
                dimensions: { [ORIGIN_METRIC.dimension]: t.origin.allocationId },
                stat: "Maximum",
            },
            comparison: "LessThanThreshold",
            threshold: 1,
            period: 60,
            evaluationPeriods: ORIGIN_ALARM_MINUTES,
        } as const;
        specs.splice(
            2,
            0,
            {
                key: "origin-unhealthy",
                description: `Instance edge: the instance holding the stack's Elastic IP failed /healthz, or nobody reported holding it, for ${ORIGIN_ALARM_MINUTES} minutes: the app is down. Check the container logs and the Auto Scaling group's activity.`,
                ...originBelowOne,
                // Only the holder reports, every minute: silence is not health.
                treatMissingData: "breaching",
            },
            {
                key: "origin-rollout",
                description: `Rollout gate (notifies nobody; origin-unhealthy pages): the instance holding the stack's Elastic IP reported /healthz failing for ${ORIGIN_ALARM_MINUTES} minutes. During an instance refresh this fails the refresh.`,
                ...originBelowOne,
                notify: false,
                treatMissingData: "notBreaching",
            },
        );
    }
    if (t.dbReplicaIdentifier !== undefined) {
        specs.push({
            key: "db-replica-lag",
            description: "Database: the read replica is more than 30 s behind for 5 minutes; reads may be stale.",
            metric: { namespace: "AWS/RDS", metricName: "ReplicaLag", dimensions: { DBInstanceIdentifier: t.dbReplicaIdentifier }, stat: "Maximum" },
            comparison: "GreaterThanThreshold",
            threshold: 30,
            period: 60,
            evaluationPeriods: 5,
            treatMissingData: "missing",
        });
    }
    if (t.queue !== undefined) specs.push(...queueAlarmSpecs(t.queue)); // p-aws-workers
    return specs;
}

/** The CloudWatch dashboard body: traffic, errors and latency, app CPU and memory, database. */
export function dashboardBody(t: AlarmTargets, region: string): string {
    const widget = (title: string, metrics: unknown[][], x: number, y: number, extra: Record<string, unknown> = {}) => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region, metrics, view: "timeSeries", stacked: false, period: 60, ...extra },
    });
    const lb = ["LoadBalancer", t.loadBalancerArnSuffix];
    const db = ["DBInstanceIdentifier", t.dbIdentifier];
    const asg = ["AutoScalingGroupName", t.autoScalingGroupName];
    // q-budget-aws: the instance edge has no load balancer metrics: its health metric and the group's instances instead.
    const edge = t.origin;
    const trafficWidgets = edge
        ? [
              widget(
                  "Origin healthy (1) or not (0), reported by the instance holding the address",
                  [[ORIGIN_METRIC.namespace, ORIGIN_METRIC.metricName, ORIGIN_METRIC.dimension, edge.allocationId, { stat: "Minimum" }]],
                  0,
                  0,
                  { yAxis: { left: { min: 0, max: 1 } } },
              ),
              widget("Instances in service", [["AWS/AutoScaling", "GroupInServiceInstances", ...asg, { stat: "Minimum" }]], 12, 0),
          ]
        : undefined;
    return JSON.stringify({
        widgets: [
            ...(trafficWidgets ?? []),
            ...(trafficWidgets
                ? []
                : [
                      widget(
                          "Requests and 5xx",
                          [
                              ["AWS/ApplicationELB", "RequestCount", ...lb, { stat: "Sum" }],
                              [".", "HTTPCode_Target_5XX_Count", ".", ".", { stat: "Sum" }],
                              [".", "HTTPCode_ELB_5XX_Count", ".", ".", { stat: "Sum" }],
                          ],
                          0,
                          0,
                      ),
                      widget(
                          "Response time (p50, p95, p99)",
                          [
                              ["AWS/ApplicationELB", "TargetResponseTime", ...lb, { stat: "p50" }],
                              ["...", { stat: "p95" }],
                              ["...", { stat: "p99" }],
                          ],
                          12,
                          0,
                      ),
                  ]),
            widget(
                "App CPU and memory (%)",
                [
                    ["AWS/EC2", "CPUUtilization", ...asg],
                    ["CWAgent", "mem_used_percent", ...asg],
                ],
                0,
                6,
                { yAxis: { left: { min: 0, max: 100 } } },
            ),
            ...(trafficWidgets
                ? []
                : [
                      widget(
                          "Healthy and unhealthy instances",
                          [
                              ["AWS/ApplicationELB", "HealthyHostCount", ...lb, "TargetGroup", t.targetGroupArnSuffix, { stat: "Minimum" }],
                              [".", "UnHealthyHostCount", ".", ".", ".", ".", { stat: "Maximum" }],
                          ],
                          12,
                          6,
                      ),
                  ]),
            widget(
                "Database CPU (%) and connections",
                [
                    ["AWS/RDS", "CPUUtilization", ...db],
                    [".", "DatabaseConnections", ".", ".", { yAxis: "right" }],
                ],
                0,
                12,
            ),
            widget(
                "Database free storage and replica lag",
                [
                    ["AWS/RDS", "FreeStorageSpace", ...db, { stat: "Minimum" }],
                    ...(t.dbReplicaIdentifier ? [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", t.dbReplicaIdentifier, { yAxis: "right" }]] : []),
                ],
                12,
                12,
            ),
            // p-aws-workers: the queue and the cache.
            ...(t.queue
                ? [
                      widget(
                          "Queue: waiting, running and dead letters",
                          [
                              [QUEUE_NAMESPACE, "QueueDepth", "Queue", t.queue.queueName, { stat: "Maximum" }],
                              [".", "ActiveJobs", ".", ".", { stat: "Maximum" }],
                              [".", "FailedJobs", ".", ".", { stat: "Maximum", yAxis: "right" }],
                          ],
                          0,
                          18,
                      ),
                      widget(
                          "Queue: oldest waiting job (s)",
                          [[QUEUE_NAMESPACE, "OldestJobAgeSeconds", "Queue", t.queue.queueName, { stat: "Maximum" }]],
                          12,
                          18,
                      ),
                      widget(
                          "Cache memory (%) and evictions",
                          [
                              ...t.queue.cacheClusterIds.map((id) => [
                                  "AWS/ElastiCache",
                                  "DatabaseMemoryUsagePercentage",
                                  "CacheClusterId",
                                  id,
                                  { stat: "Maximum" },
                              ]),
                              ...t.queue.cacheClusterIds.map((id) => ["AWS/ElastiCache", "Evictions", "CacheClusterId", id, { stat: "Sum", yAxis: "right" }]),
                          ],
                          0,
                          24,
                      ),
                  ]
                : []),
        ],
    });
}

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs {
    /** Who gets the alarms (an email subscription they confirm once). Without it the alarms notify nobody. */
    readonly alertEmail?: string;
    /** Encrypts the topic; its policy must let CloudWatch use it, or alarms cannot publish. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly region: string;
    /** The app servers' group; may be a deferred Output (the group itself waits for the rollout alarms). */
    readonly autoScalingGroupName: pulumi.Input<string>;
    /** The load balancer's pieces (CloudWatch dimensions); absent with the instance edge (`originAllocationId`). */
    readonly loadBalancerArnSuffix?: pulumi.Input<string>;
    readonly targetGroupArnSuffix?: pulumi.Input<string>;
    /**
     * q-budget-aws: the instance edge's Elastic IP allocation: its health metric replaces the load balancer's alarms.
     * @default undefined (behind a load balancer)
     */
    readonly originAllocationId?: pulumi.Input<string>;
    readonly dbIdentifier: pulumi.Input<string>;
    /** The read replica's identifier; whether there is one is a plain value (it decides whether the lag alarm exists). */
    readonly dbReplicaIdentifier?: pulumi.Input<string>;
    readonly dbStorageGb: number;
    /** The dashboard's name (unique in the account and region; see {@link dashboardNameOf}). */
    readonly dashboardName: string;
    /**
     * The CloudWatch dashboard ($3 a month; the alarms do not need it). Without it, the same metrics are in the
     * CloudWatch console's automatic dashboards for EC2, ELB and RDS.
     * @default true
     */
    readonly dashboard?: boolean;
    /** The app servers' health check grace period in seconds: the rollout alarms wait longer than this. */
    readonly launchGraceSeconds: number;
    /** p-aws-workers: the queue and cache to alarm on, where the stack has them. */
    readonly queue?: QueueTargets;
}

/**
 * Alarms to an SNS topic (KMS-encrypted) with an email subscription, and one
 * CloudWatch dashboard. The alarm set is {@link alarmSpecs}; each alarm
 * notifies on firing and on recovery.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    /** The dashboard's name; undefined without a dashboard. */
    public readonly dashboardName?: pulumi.Output<string>;
    /** The alarms' names, by key. */
    public readonly alarmNames: Record<string, pulumi.Output<string>>;
    /** The names of the rollout gates ({@link rolloutAlarmKeys}), for the Auto Scaling group's instance refresh. */
    public readonly rolloutAlarmNames: pulumi.Output<string>[];

    constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Monitoring", name, {}, opts);

        const topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: args.kmsKeyArn }, { parent: this });
        if (args.alertEmail !== undefined) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: args.alertEmail }, { parent: this });
        }

        const hasReplica = args.dbReplicaIdentifier !== undefined;
        const instanceEdge = args.originAllocationId !== undefined;
        if (instanceEdge === (args.loadBalancerArnSuffix !== undefined))
            throw new Error("Monitoring: give either the load balancer's pieces or the instance edge's originAllocationId");
        // The group's name is kept apart: the group waits for the rollout alarms (they stop its instance
        // refresh), so only the alarms with the group in their dimensions may wait for the group.
        const others = pulumi
            .all([args.loadBalancerArnSuffix ?? "", args.targetGroupArnSuffix ?? "", args.originAllocationId, args.dbIdentifier, args.dbReplicaIdentifier])
            .apply(([loadBalancerArnSuffix, targetGroupArnSuffix, allocationId, dbIdentifier, dbReplicaIdentifier]) => ({
                loadBalancerArnSuffix,
                targetGroupArnSuffix,
                ...(allocationId !== undefined ? { origin: { allocationId } } : {}),
                dbIdentifier,
                dbReplicaIdentifier,
                dbStorageGb: args.dbStorageGb,
                queue: args.queue,
            }));
        const withGroup = pulumi.all([others, args.autoScalingGroupName]).apply(([o, autoScalingGroupName]): AlarmTargets => ({ ...o, autoScalingGroupName }));
        const withoutGroup = others.apply((o): AlarmTargets => ({ ...o, autoScalingGroupName: "" }));
        // The set of alarms depends only on plain values; placeholders give the keys, the Outputs give the dimensions.
        const GROUP = "<auto-scaling-group>";
        const options: AlarmOptions = { launchGraceSeconds: args.launchGraceSeconds };
        const shape = alarmSpecs(
            {
                autoScalingGroupName: GROUP,
                loadBalancerArnSuffix: "",
                targetGroupArnSuffix: "",
                dbIdentifier: "",
                dbReplicaIdentifier: hasReplica ? "" : undefined,
                dbStorageGb: args.dbStorageGb,
                queue: args.queue,
                ...(instanceEdge ? { origin: { allocationId: "" } } : {}),
            },
            options,
        );

        this.alarmNames = {};
        for (const [i, s] of shape.entries()) {
            const targets = JSON.stringify(s.metric).includes(GROUP) ? withGroup : withoutGroup;
            const spec = targets.apply((t) => alarmSpecs(t, options)[i]);
            const single = "namespace" in s.metric;
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${name}-${s.key}`,
                {
                    alarmDescription: s.description,
                    comparisonOperator: s.comparison,
                    threshold: s.threshold,
                    evaluationPeriods: s.evaluationPeriods,
                    datapointsToAlarm: s.datapointsToAlarm ?? s.evaluationPeriods,
                    treatMissingData: s.treatMissingData,
                    ...((s.notify ?? true) ? { alarmActions: [topic.arn], okActions: [topic.arn] } : {}),
                    ...(single ? singleMetric(s, spec) : metricMath(s, spec)),
                },
                { parent: this },
            );
            this.alarmNames[s.key] = alarm.name;
        }
        this.rolloutAlarmNames = rolloutAlarmKeys(instanceEdge).map((key) => this.alarmNames[key]);

        const dashboard =
            (args.dashboard ?? true)
                ? new aws.cloudwatch.Dashboard(
                      `${name}-dashboard`,
                      { dashboardName: args.dashboardName, dashboardBody: withGroup.apply((t) => dashboardBody(t, args.region)) },
                      { parent: this },
                  )
                : undefined;

        this.topicArn = topic.arn;
        this.dashboardName = dashboard?.dashboardName;
        this.registerOutputs({
            topicArn: this.topicArn,
            dashboardName: this.dashboardName,
            alarmNames: this.alarmNames,
            rolloutAlarmNames: this.rolloutAlarmNames,
        });
    }
}

const isPercentile = (stat: string) => /^p\d+(\.\d+)?$/.test(stat);

/** The MetricAlarm inputs of a single-metric alarm: everything plain but the dimensions. */
function singleMetric(shape: AlarmSpec, spec: pulumi.Output<AlarmSpec>) {
    const m = shape.metric as AlarmMetric;
    return {
        namespace: m.namespace,
        metricName: m.metricName,
        dimensions: spec.apply((s) => (s.metric as AlarmMetric).dimensions),
        period: shape.period,
        // Percentiles go in extendedStatistic, the rest in statistic: AWS takes one or the other.
        ...(isPercentile(m.stat) ? { extendedStatistic: m.stat } : { statistic: m.stat }),
    };
}

/** The MetricAlarm inputs of a metric-math alarm: the expression returns data, its inputs do not. */
function metricMath(shape: AlarmSpec, spec: pulumi.Output<AlarmSpec>) {
    type Math = Exclude<AlarmSpec["metric"], AlarmMetric>;
    const math = shape.metric as Math;
    return {
        metricQueries: [
            { id: "rate", expression: math.expression, label: math.label, returnData: true },
            ...Object.entries(math.metrics).map(([id, m]) => ({
                id,
                returnData: false,
                metric: {
                    namespace: m.namespace,
                    metricName: m.metricName,
                    dimensions: spec.apply((s) => (s.metric as Math).metrics[id].dimensions),
                    stat: m.stat,
                    period: shape.period,
                },
            })),
        ],
    };
}
