import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

/** The droplet metric alerts: type, threshold and description, over 5 minutes. */
export const DROPLET_ALERTS = [
    { key: "cpu", type: "v1/insights/droplet/cpu", value: 80, description: "app droplet CPU above 80% for 5 minutes" },
    { key: "memory", type: "v1/insights/droplet/memory_utilization_percent", value: 85, description: "app droplet memory above 85% for 5 minutes" },
] as const;

/**
 * The queue's alerts (p-do-docker-workers): worker droplets' CPU and memory
 * by their tag, and the Valkey cluster's memory and CPU by its id
 * (`v1/dbaas/alerts/...` types, the database alerts DigitalOcean offers:
 * @pulumi/digitalocean monitorAlert.d.ts `type`). Queue depth, oldest-job
 * age and failed jobs are not DigitalOcean metrics: the workers export them
 * on `/metrics` (app-image/README.md), and the API turns them into the
 * status of `/healthz/queue`, which an uptime check watches (`queueHealthUrl`).
 */
export const WORKER_ALERTS = [
    {
        key: "worker-cpu",
        type: "v1/insights/droplet/cpu",
        value: 90,
        description: "worker droplet CPU above 90% for 5 minutes (the pool is at its maximum, or jobs are stuck)",
    },
    { key: "worker-memory", type: "v1/insights/droplet/memory_utilization_percent", value: 85, description: "worker droplet memory above 85% for 5 minutes" },
] as const;

/** Valkey alerts: memory matters most, with noeviction a full cache refuses new jobs. */
export const CACHE_ALERTS = [
    {
        key: "cache-memory",
        type: "v1/dbaas/alerts/memory_utilization_alerts",
        value: 75,
        description: "Valkey memory above 75% (at 100% it refuses new jobs: noeviction)",
    },
    { key: "cache-cpu", type: "v1/dbaas/alerts/cpu_alerts", value: 80, description: "Valkey CPU above 80%" },
] as const;

/**
 * How long `/healthz/queue` must answer an error from every region before
 * the queue alert emails (an UptimeAlert `period`: 2m, 3m, 5m, 10m, 15m, 30m
 * or 1h, @pulumi/digitalocean uptimeAlert.d.ts). Five minutes: shorter than
 * the app's 15-minute window for dead letters (QUEUE_HEALTH_FAILED_WINDOW_SECONDS),
 * so one failed job pages once; a backlog must last 5 minutes.
 */
export const QUEUE_ALERT_PERIOD = "5m";

/** Latency the uptime alert fires above, in milliseconds. */
export const LATENCY_THRESHOLD_MS = 2000;

/** Arguments of {@link Alerts}. */
export interface AlertsArgs {
    /** Where alerts go. DigitalOcean only sends to addresses of members of the team that owns the account. */
    readonly email: string;
    /** The droplets watched, by tag. */
    readonly appTag: pulumi.Input<string>;
    /** The worker droplets, by tag. @default undefined (no workers) */
    readonly workerTag?: pulumi.Input<string>;
    /** The Valkey cluster's id. @default undefined (no cache) */
    readonly cacheClusterId?: pulumi.Input<string>;
    /** The health URL the uptime check probes (`https://domain/healthz`). */
    readonly healthUrl: pulumi.Input<string>;
    /**
     * The app's queue health URL (`https://domain/healthz/queue`, app-image/README.md), probed where the stack has a
     * queue: DigitalOcean has no custom metrics, so the app turns backlog, oldest-job age and dead letters into a 503.
     * @default undefined (no queue, no check)
     */
    readonly queueHealthUrl?: pulumi.Input<string>;
    /** `https` or `http`, matching the URL. */
    readonly checkType: "http" | "https";
    /** Shown in alert names. */
    readonly label: string;
}

/**
 * Monitoring: CPU > 80% and memory > 85% over 5 minutes on the app
 * droplets (by tag, so autoscaled droplets are covered as they come), and
 * an uptime check on `/healthz` alerting when latency passes 2 s or the app
 * is down from every region. Where the stack has a queue, a second uptime
 * check on `/healthz/queue` alerts when it answers an error from every region
 * for {@link QUEUE_ALERT_PERIOD}. Alert policies and checks cannot be tagged.
 */
export class Alerts extends pulumi.ComponentResource {
    public readonly uptimeCheckId: pulumi.Output<string>;

    constructor(name: string, args: AlertsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Alerts", name, {}, opts);
        for (const alert of DROPLET_ALERTS) {
            new digitalocean.MonitorAlert(
                `${name}-${alert.key}`,
                {
                    type: alert.type,
                    compare: "GreaterThan",
                    value: alert.value,
                    window: "5m",
                    tags: [args.appTag],
                    enabled: true,
                    description: `${args.label}: ${alert.description}`,
                    alerts: { emails: [args.email] },
                },
                { parent: this },
            );
        }
        const watched: [
            readonly { key: string; type: string; value: number; description: string }[],
            { tags?: pulumi.Input<string>[]; entities?: pulumi.Input<string>[] },
        ][] = [];
        if (args.workerTag !== undefined) watched.push([WORKER_ALERTS, { tags: [args.workerTag] }]);
        if (args.cacheClusterId !== undefined) watched.push([CACHE_ALERTS, { entities: [args.cacheClusterId] }]);
        for (const [alerts, target] of watched) {
            for (const alert of alerts) {
                new digitalocean.MonitorAlert(
                    `${name}-${alert.key}`,
                    {
                        type: alert.type,
                        compare: "GreaterThan",
                        value: alert.value,
                        window: "5m",
                        ...target,
                        enabled: true,
                        description: `${args.label}: ${alert.description}`,
                        alerts: { emails: [args.email] },
                    },
                    { parent: this },
                );
            }
        }
        const check = new digitalocean.UptimeCheck(
            `${name}-uptime`,
            // Region values take underscores (us_east); the camelCase ones in the SDK docs are a conversion artefact.
            {
                name: `${args.label} healthz`,
                target: args.healthUrl,
                type: args.checkType,
                regions: ["us_east", "us_west", "eu_west", "se_asia"],
                enabled: true,
            },
            { parent: this },
        );
        new digitalocean.UptimeAlert(
            `${name}-latency`,
            {
                name: `${args.label} latency above ${LATENCY_THRESHOLD_MS / 1000} s`,
                checkId: check.id,
                type: "latency",
                threshold: LATENCY_THRESHOLD_MS,
                comparison: "greater_than",
                period: "5m",
                notifications: [{ emails: [args.email] }],
            },
            { parent: this },
        );
        new digitalocean.UptimeAlert(
            `${name}-down`,
            { name: `${args.label} down everywhere`, checkId: check.id, type: "down_global", period: "2m", notifications: [{ emails: [args.email] }] },
            { parent: this },
        );
        if (args.queueHealthUrl !== undefined) {
            const queueCheck = new digitalocean.UptimeCheck(
                `${name}-queue`,
                {
                    name: `${args.label} queue health`,
                    target: args.queueHealthUrl,
                    type: args.checkType,
                    regions: ["us_east", "us_west", "eu_west", "se_asia"],
                    enabled: true,
                },
                { parent: this },
            );
            new digitalocean.UptimeAlert(
                `${name}-queue-down`,
                {
                    name: `${args.label} queue unhealthy (backlog, oldest job or dead letters)`,
                    checkId: queueCheck.id,
                    type: "down_global",
                    period: QUEUE_ALERT_PERIOD,
                    notifications: [{ emails: [args.email] }],
                },
                { parent: this },
            );
        }
        this.uptimeCheckId = check.id;
        this.registerOutputs({ uptimeCheckId: this.uptimeCheckId });
    }
}
