import { strict as assert } from "assert";
import {
    AlarmSpec,
    alarmSpecs,
    AlarmTargets,
    dashboardBody,
    dashboardNameOf,
    FIVE_XX_RATE,
    ROLLOUT_ALARM_KEYS,
    rolloutBakeSeconds,
    rolloutWindow,
    unhealthyWindow,
} from "./monitoring";

/**
 * A tiny evaluator for the metric math used here (IF, FILL, + - * /, >),
 * one datapoint at a time: a metric without data makes IF's condition and
 * any arithmetic on it empty, as in CloudWatch, unless FILL gives a value.
 */
function evalMetricMath(expression: string, values: Record<string, number | undefined>): number | undefined {
    const js = expression.replace(/FILL\((\w+), (\d+)\)|\b(requests|target5xx|elb5xx)\b/g, (_m, filled?: string, fill?: string, bare?: string) =>
        filled !== undefined ? `(v.${filled} ?? ${fill})` : `v.${bare}`,
    );
    const IF = (cond: number | boolean | undefined, a: number, b: number) => (cond === undefined || Number.isNaN(cond) ? undefined : cond ? a : b);
    return new Function("v", "IF", `return ${js};`)(values, IF);
}

const TARGETS: AlarmTargets = {
    autoScalingGroupName: "alicerce-app-asg-a1b2c3d",
    loadBalancerArnSuffix: "app/alicerce-lb-alb/50dc6c495c0c9188",
    targetGroupArnSuffix: "targetgroup/alicerce-lb-app/73e2d6bc24d8a067",
    dbIdentifier: "alicerce-prod-db",
    dbReplicaIdentifier: "alicerce-prod-db-replica",
    dbStorageGb: 50,
};

const OPTIONS = { launchGraceSeconds: 300 };

/**
 * CloudWatch's M-of-N evaluation over one-minute datapoints (oldest first):
 * the alarm is in ALARM at minute i when at least `datapointsToAlarm` of the
 * last `evaluationPeriods` datapoints breach. Returns the first minute it
 * fires, or -1. (CloudWatch: "Evaluating an alarm", datapoints to alarm.)
 */
function firesAt(spec: AlarmSpec, series: number[]): number {
    const n = spec.evaluationPeriods;
    const m = spec.datapointsToAlarm ?? n;
    const breaching = (v: number) => (spec.comparison === "GreaterThanThreshold" ? v > spec.threshold : v < spec.threshold);
    for (let i = n - 1; i < series.length; i++) {
        if (series.slice(i - n + 1, i + 1).filter(breaching).length >= m) return i;
    }
    return -1;
}

describe("monitoring: alarms from the runbooks", () => {
    const specs = alarmSpecs(TARGETS, OPTIONS);
    const by = (key: string) => specs.find((s) => s.key === key)!;
    const minutes = (key: string) => (by(key).period * by(key).evaluationPeriods) / 60;

    it("fires at the runbooks' thresholds and durations", () => {
        const table: [string, number, number, string][] = [
            ["app-cpu", 80, 5, "GreaterThanThreshold"],
            ["app-memory", 85, 5, "GreaterThanThreshold"],
            ["latency-p95", 2, 3, "GreaterThanThreshold"],
            ["errors-5xx", 5, 2, "GreaterThanThreshold"],
            ["healthy-hosts", 1, 2, "LessThanThreshold"],
            ["db-cpu", 80, 5, "GreaterThanThreshold"],
            ["db-replica-lag", 30, 5, "GreaterThanThreshold"],
        ];
        for (const [key, threshold, mins, comparison] of table) {
            assert.equal(by(key).threshold, threshold, key);
            assert.equal(minutes(key), mins, key);
            assert.equal(by(key).comparison, comparison, key);
        }
        assert.equal((by("latency-p95").metric as any).stat, "p95");
        assert.equal((by("app-memory").metric as any).namespace, "CWAgent");
    });

    it("computes the 5xx rate over every answered request: a full outage (only ELB 503s, no RequestCount) reads 100%, no traffic 0%", () => {
        const m = by("errors-5xx").metric as any;
        assert.equal(m.expression, FIVE_XX_RATE);
        assert.deepEqual(Object.keys(m.metrics).sort(), ["elb5xx", "requests", "target5xx"]);
        assert.deepEqual(
            [m.metrics.requests.metricName, m.metrics.target5xx.metricName, m.metrics.elb5xx.metricName],
            ["RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"],
        );
        assert.equal(by("errors-5xx").treatMissingData, "notBreaching");
        // Evaluate the expression as CloudWatch would, with a missing metric as undefined.
        const rate = (requests?: number, target5xx?: number, elb5xx?: number) => evalMetricMath(m.expression, { requests, target5xx, elb5xx });
        const table: [number | undefined, number | undefined, number | undefined, number][] = [
            [undefined, undefined, 120, 100], // no healthy target: every request an ELB 503, RequestCount has no data
            [undefined, undefined, undefined, 0], // no traffic
            [0, 0, 0, 0],
            [1000, 30, undefined, 3],
            [900, 0, 100, 10], // 100 unrouted 503s of 1000 answered requests
        ];
        for (const [requests, target5xx, elb5xx, expected] of table)
            assert.equal(rate(requests, target5xx, elb5xx), expected, `${requests}/${target5xx}/${elb5xx}`);
        assert.ok((rate(undefined, undefined, 120) ?? 0) > by("errors-5xx").threshold, "an outage fires the alarm");
    });

    it("alarms when no instance is healthy, counting silence as an outage", () => {
        const s = by("healthy-hosts");
        assert.deepEqual(s.metric, {
            namespace: "AWS/ApplicationELB",
            metricName: "HealthyHostCount",
            dimensions: { LoadBalancer: TARGETS.loadBalancerArnSuffix, TargetGroup: TARGETS.targetGroupArnSuffix },
            stat: "Minimum",
        });
        assert.deepEqual([s.comparison, s.threshold, s.treatMissingData], ["LessThanThreshold", 1, "breaching"]);
    });

    it("stops rollouts on failing requests and failing health checks, alarms that exist in every stack", () => {
        assert.deepEqual([...ROLLOUT_ALARM_KEYS], ["rollout-errors", "unhealthy-hosts"]);
        for (const key of ROLLOUT_ALARM_KEYS)
            assert.ok(
                alarmSpecs({ ...TARGETS, dbReplicaIdentifier: undefined }, OPTIONS).some((s) => s.key === key),
                key,
            );
        for (const key of ROLLOUT_ALARM_KEYS)
            assert.ok(!JSON.stringify(by(key).metric).includes(TARGETS.autoScalingGroupName), `${key} must not wait for the group it gates`);
    });

    // A new instance registers with the target group at launch and fails /healthz until docker, the agent and the
    // image pull are done (1-3 minutes; the health check grace period allows 5). ELB UnHealthyHostCount counts it
    // meanwhile (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
    for (const grace of [120, 300, 600]) {
        it(`rollout gates (grace ${grace} s): a window longer than the grace period, so a normal launch never fails a refresh`, () => {
            const gates = alarmSpecs(TARGETS, { launchGraceSeconds: grace }).filter((s) => (ROLLOUT_ALARM_KEYS as readonly string[]).includes(s.key));
            assert.equal(gates.length, ROLLOUT_ALARM_KEYS.length);
            for (const g of gates) {
                assert.ok(
                    (g.datapointsToAlarm ?? g.evaluationPeriods) * g.period > grace,
                    `${g.key}: ${g.datapointsToAlarm} x ${g.period} s must outlast ${grace} s`,
                );
                assert.deepEqual(
                    { period: g.period, datapointsToAlarm: g.datapointsToAlarm, evaluationPeriods: g.evaluationPeriods },
                    g.key === "unhealthy-hosts" ? unhealthyWindow(grace) : rolloutWindow(grace),
                    g.key,
                );
            }
            // The refresh lets new instances serve longer than the gates take to fire, so the old fleet is still there when they do.
            assert.ok(rolloutBakeSeconds(grace) > rolloutWindow(grace).datapointsToAlarm * 60 + 60);
            assert.ok(rolloutBakeSeconds(grace) > unhealthyWindow(grace).datapointsToAlarm * 60 + 60);
            const unhealthy = gates.find((g) => g.key === "unhealthy-hosts")!;
            const minutes = Math.ceil(grace / 60);
            // Scale-outs: one instance unhealthy for the whole grace period; three minutes later, two launched together.
            const normal = [0, 0, ...Array(minutes).fill(1), 0, 0, 0, ...Array(minutes).fill(2), 0, 0, 0];
            assert.equal(firesAt(unhealthy, normal), -1, "a normal launch does not fire the gate (nor page)");
            // A bad image: the instance never gets healthy; the group replaces it after the grace period (the target is
            // deregistered: UnHealthyHostCount counts only registered targets), and the next fails too. The gap between
            // cycles is the termination, the launch and the registration: usually 1-2 minutes, up to 4 when EC2 is slow
            // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html; ELB
            // UnHealthyHostCount, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
            // 7 of 9 (the former window) missed a 3-minute gap, and the refresh then waited forever.
            for (const gap of [1, 2, 3, 4]) {
                const bad = Array.from({ length: 60 }, (_, i) => (i % (minutes + gap) < minutes ? 1 : 0));
                const at = firesAt(unhealthy, bad);
                assert.ok(at > 0, `a release whose instances never get healthy fails the refresh (relaunch gap ${gap} min)`);
                assert.ok(at < unhealthy.evaluationPeriods + minutes + gap, `within a window and a cycle (gap ${gap}): fired at minute ${at}`);
            }
            // Two launches back to back, or together: still no alarm.
            assert.equal(firesAt(unhealthy, [0, ...Array(2 * minutes).fill(1), 0, 0]), -1, "two launches back to back");
            const errors = gates.find((g) => g.key === "rollout-errors")!;
            assert.equal(errors.notify, false, "the gate notifies nobody: errors-5xx pages for the same symptom after 2 minutes");
            assert.deepEqual(errors.metric, by("errors-5xx").metric, "the same 5xx rate as the paging alarm");
        });
    }

    it("names the dashboard with the characters CloudWatch allows (a stack may be acme.prod)", () => {
        const cases: [string, string, string][] = [
            ["alicerce", "prod", "alicerce-prod"],
            ["alicerce", "acme.prod", "alicerce-acme-prod"],
            ["alicerce", "org/team@prod", "alicerce-org-team-prod"],
            ["alicerce", "dev_2", "alicerce-dev_2"],
        ];
        for (const [project, stack, name] of cases) {
            assert.equal(dashboardNameOf(project, stack), name);
            assert.match(dashboardNameOf(project, stack), /^[A-Za-z0-9_-]{1,255}$/);
        }
    });

    it("alarms on free storage below 10% of allocated, never below 2 GiB", () => {
        assert.equal(by("db-free-storage").threshold, Math.round(50 * 1024 ** 3 * 0.1));
        assert.equal(alarmSpecs({ ...TARGETS, dbStorageGb: 20 }, OPTIONS).find((s) => s.key === "db-free-storage")!.threshold, 2 * 1024 ** 3);
        assert.equal(by("db-free-storage").comparison, "LessThanThreshold");
    });

    it("measures replica lag on the replica, and only when there is one", () => {
        assert.deepEqual((by("db-replica-lag").metric as any).dimensions, { DBInstanceIdentifier: "alicerce-prod-db-replica" });
        assert.ok(!alarmSpecs({ ...TARGETS, dbReplicaIdentifier: undefined }, OPTIONS).some((s) => s.key === "db-replica-lag"));
        assert.equal(new Set(specs.map((s) => s.key)).size, specs.length, "keys are unique (they name resources)");
    });

    it("builds one dashboard over the same load balancer, group and database", () => {
        const body = JSON.parse(dashboardBody(TARGETS, "us-east-1"));
        assert.equal(body.widgets.length, 6);
        const text = JSON.stringify(body);
        for (const v of [TARGETS.loadBalancerArnSuffix, TARGETS.autoScalingGroupName, TARGETS.dbIdentifier, TARGETS.dbReplicaIdentifier!])
            assert.ok(text.includes(v), v);
        for (const w of body.widgets) assert.equal(w.properties.region, "us-east-1");
    });
});
