/**
 * The queue's alarms on DigitalOcean: DigitalOcean Monitoring has no custom
 * metrics, so the app answers `GET /healthz/queue` with 503 when the backlog,
 * the oldest waiting job or recent dead letters pass the AWS alarms'
 * thresholds (app-image/src/queue-health.ts, tested against real Redis in
 * app-image/test/queue-health.test.ts), and an uptime check on that URL
 * emails the stack's alert address when every region sees it down.
 *
 * Provider rules: UptimeCheck `regions` take us_east, us_west, eu_west,
 * se_asia; UptimeAlert `type` is one of latency, down, down_global,
 * ssl_expiry and `period` one of 2m, 3m, 5m, 10m, 15m, 30m, 1h
 * (terraform-provider-digitalocean digitalocean/uptime/resource_uptime_alert.go,
 * @pulumi/digitalocean uptimeAlert.d.ts; API: https://docs.digitalocean.com/reference/api/digitalocean/#tag/Uptime).
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { Resources } from "../../offline";
import { stackRun } from "./runs";

const T = {
    check: "digitalocean:index/uptimeCheck:UptimeCheck",
    uptimeAlert: "digitalocean:index/uptimeAlert:UptimeAlert",
    object: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
};
const PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"];

describe("DigitalOcean: queue alarms through the app's /healthz/queue and an uptime check", () => {
    for (const [stack, domain, email] of [
        ["do-growth", "growth.example.com", "alerts@example.com"],
        ["do-prod", "app.example.com", "oncall@example.com"],
    ] as const) {
        it(`${stack}: checks https://${domain}/healthz/queue from every region and emails ${email} when it is down everywhere for 5 minutes`, async () => {
            const r = new Resources((await stackRun(stack)).resources);
            const check = r.one(T.check, "alerts-queue");
            assert.equal(check.inputs.target, `https://${domain}/healthz/queue`);
            assert.equal(check.inputs.type, "https");
            assert.deepEqual(check.inputs.regions, ["us_east", "us_west", "eu_west", "se_asia"]);
            assert.equal(check.inputs.enabled, true);
            const alert = r.one(T.uptimeAlert, "alerts-queue-down");
            assert.equal(alert.inputs.type, "down_global");
            assert.equal(alert.inputs.period, "5m");
            assert.ok(PERIODS.includes(alert.inputs.period));
            assert.equal(alert.inputs.checkId, `${check.name}-id`, "the alert watches the queue check");
            assert.deepEqual(alert.inputs.notifications, [{ emails: [email] }]);
            // The API that answers the probe has the queue (without REDIS_URL it would always answer 200 "none").
            const secrets = JSON.parse(r.one(T.object, "app-secrets").inputs.content);
            assert.match(secrets.REDIS_URL, /^rediss:\/\//);
            // The existing /healthz check is unchanged beside it.
            assert.equal(r.one(T.check, "alerts-uptime").inputs.target, `https://${domain}/healthz`);
        });
    }

    it("do-dev (no queue at this tier) has no queue check", async () => {
        const r = new Resources((await stackRun("do-dev")).resources);
        assert.equal(r.ofType(T.check).filter((c) => c.name === "alerts-queue").length, 0);
        assert.equal(r.ofType(T.uptimeAlert).filter((a) => a.name === "alerts-queue-down").length, 0);
    });

    it("the path probed is the one the app serves", () => {
        assert.match(readFileSync("app-image/src/queue-health.ts", "utf8"), /app\.get\('\/healthz\/queue'/);
    });
});
