import { strict as assert } from "assert";
import { alarmSpecs, AlarmTargets, dashboardBody } from "./monitoring";

const TARGETS: AlarmTargets = {
    autoScalingGroupName: "alicerce-app-asg-a1b2c3d",
    loadBalancerArnSuffix: "app/alicerce-lb-alb/50dc6c495c0c9188",
    targetGroupArnSuffix: "targetgroup/alicerce-lb-app/73e2d6bc24d8a067",
    dbIdentifier: "alicerce-prod-db",
    dbReplicaIdentifier: "alicerce-prod-db-replica",
    dbStorageGb: 50,
};

describe("monitoring: alarms from the runbooks", () => {
    const specs = alarmSpecs(TARGETS);
    const by = (key: string) => specs.find((s) => s.key === key)!;
    const minutes = (key: string) => (by(key).period * by(key).evaluationPeriods) / 60;

    it("fires at the runbooks' thresholds and durations", () => {
        const table: [string, number, number, string][] = [
            ["app-cpu", 80, 5, "GreaterThanThreshold"],
            ["app-memory", 85, 5, "GreaterThanThreshold"],
            ["latency-p95", 2, 3, "GreaterThanThreshold"],
            ["errors-5xx", 5, 2, "GreaterThanThreshold"],
            ["unhealthy-hosts", 0, 2, "GreaterThanThreshold"],
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

    it("computes the 5xx rate over the request count, safe when there is no traffic", () => {
        const m = by("errors-5xx").metric as any;
        assert.match(m.expression, /IF\(requests > 0, 100 \* \(FILL\(target5xx, 0\) \+ FILL\(elb5xx, 0\)\) \/ requests, 0\)/);
        assert.deepEqual(Object.keys(m.metrics).sort(), ["elb5xx", "requests", "target5xx"]);
        assert.equal(m.metrics.requests.metricName, "RequestCount");
        assert.equal(by("errors-5xx").treatMissingData, "notBreaching");
    });

    it("alarms on free storage below 10% of allocated, never below 2 GiB", () => {
        assert.equal(by("db-free-storage").threshold, Math.round(50 * 1024 ** 3 * 0.1));
        assert.equal(alarmSpecs({ ...TARGETS, dbStorageGb: 20 }).find((s) => s.key === "db-free-storage")!.threshold, 2 * 1024 ** 3);
        assert.equal(by("db-free-storage").comparison, "LessThanThreshold");
    });

    it("measures replica lag on the replica, and only when there is one", () => {
        assert.deepEqual((by("db-replica-lag").metric as any).dimensions, { DBInstanceIdentifier: "alicerce-prod-db-replica" });
        assert.ok(!alarmSpecs({ ...TARGETS, dbReplicaIdentifier: undefined }).some((s) => s.key === "db-replica-lag"));
        assert.equal(new Set(specs.map((s) => s.key)).size, specs.length, "keys are unique (they name resources)");
    });

    it("builds one dashboard over the same load balancer, group and database", () => {
        const body = JSON.parse(dashboardBody(TARGETS, "us-east-1"));
        assert.equal(body.widgets.length, 6);
        const text = JSON.stringify(body);
        for (const v of [TARGETS.loadBalancerArnSuffix, TARGETS.autoScalingGroupName, TARGETS.dbIdentifier, TARGETS.dbReplicaIdentifier!]) assert.ok(text.includes(v), v);
        for (const w of body.widgets) assert.equal(w.properties.region, "us-east-1");
    });
});
