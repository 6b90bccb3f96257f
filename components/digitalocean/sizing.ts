/**
 * DigitalOcean sizing and scheduling rules: pure functions, no Pulumi. The
 * numbers come from DigitalOcean's documentation; each says where it binds.
 */
import { slugMemoryGb } from "../../stacks";
import type { ComputeSettings } from "../../stacks";

/** PostgreSQL major version for new clusters (DigitalOcean's newest GA major at the time of writing; `doctl databases options versions`). */
export const POSTGRES_VERSION = "17";

/** Valkey major version: the only one DigitalOcean offers for new clusters (it retired managed Redis for Valkey). */
export const VALKEY_VERSION = "8";

/** The port the app container listens on. */
export const APP_PORT = 8080;

/** The port droplets publish the app on, and the load balancer targets. */
export const DROPLET_PORT = 80;

/** Where the app answers health checks. */
export const HEALTH_PATH = "/healthz";

/**
 * Autoscale pools send a shutdown and destroy the droplet 60 s later; the app
 * must finish in-flight requests well inside that.
 */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Backend connections a managed PostgreSQL plan allows: 25 per GiB of RAM,
 * 3 of them reserved for DigitalOcean's maintenance.
 */
export function postgresConnectionLimit(slug: string): number {
    const memory = slugMemoryGb(slug);
    if (memory === undefined) throw new Error(`"${slug}" is not a DigitalOcean database size slug such as db-s-1vcpu-2gb`);
    return memory * 25 - 3;
}

/**
 * The PgBouncer pool size for the app: 80% of the plan's connections, so
 * migrations, `psql` and the read replica's direct connections still fit.
 */
export function connectionPoolSize(slug: string): number {
    return Math.max(1, Math.floor(postgresConnectionLimit(slug) * 0.8));
}

/** Primary plus one standby when the tier wants high availability (DigitalOcean allows up to two standbys). */
export function databaseNodeCount(highAvailability: boolean): number {
    return highAvailability ? 2 : 1;
}

/** The weekly maintenance window of every managed database: Sunday 04:00 UTC, the quietest hour for the Americas and Europe. */
export const MAINTENANCE_WINDOW = { day: "sunday", hour: "04:00" } as const;

/** Memory the autoscaler steers towards, as a fraction (the API takes 0.05-1). */
export const MEMORY_TARGET = 0.75;

/** The autoscale pool's `config` for a tier's compute. */
export function autoscaleConfig(compute: Pick<ComputeSettings, "minInstances" | "maxInstances" | "cpuTargetPercent">) {
    return {
        minInstances: compute.minInstances,
        maxInstances: compute.maxInstances,
        // The API takes a fraction from 0.05 to 1, not a percentage.
        targetCpuUtilization: compute.cpuTargetPercent / 100,
        targetMemoryUtilization: MEMORY_TARGET,
        // At least as long as a droplet takes to boot, install Docker and pass health checks, or the pool thrashes.
        cooldownMinutes: 5,
    };
}
