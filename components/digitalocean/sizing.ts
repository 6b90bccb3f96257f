/**
 * DigitalOcean sizing and scheduling rules: pure functions, no Pulumi. The
 * numbers come from DigitalOcean's documentation; each says where it binds.
 */

/** The app servers' size and scaling, as the platform resolves them from the tier and the stack. */
export interface AppServerSizing {
    /** Droplet size slug. */
    readonly instanceType: string;
    readonly minInstances: number;
    readonly maxInstances: number;
    /** Average CPU the autoscale pool keeps the droplets at. */
    readonly cpuTargetPercent: number;
}

/** Memory of a DigitalOcean size slug (`db-s-2vcpu-4gb` -> 4), or undefined for a shape it does not know. */
export function slugMemoryGb(slug: string): number | undefined {
    const match = /-(\d+)gb$/.exec(slug);
    return match ? Number(match[1]) : undefined;
}

/** PostgreSQL major version for new clusters (DigitalOcean's newest GA major at the time of writing; `doctl databases options versions`). */
export const POSTGRES_VERSION = "17";

/** Valkey major version: the only one DigitalOcean offers for new clusters (it retired managed Redis for Valkey). */
export const VALKEY_VERSION = "8";

export { APP_PORT, HEALTH_PATH, SHUTDOWN_TIMEOUT_MS } from "../shared/app-contract";

/** The port droplets publish the app on, and the load balancer targets. */
export const DROPLET_PORT = 80;

/**
 * Backend connections a managed PostgreSQL plan allows: 25 per GiB of RAM,
 * 3 of them reserved for DigitalOcean's maintenance.
 */
export function postgresConnectionLimit(slug: string): number {
    const memory = slugMemoryGb(slug);
    if (memory === undefined) throw new Error(`"${slug}" is not a DigitalOcean database size slug such as db-s-1vcpu-2gb`);
    return memory * 25 - 3;
}

/** How a plan's connections are shared between the app's own pools and the PgBouncer pool. */
export interface ConnectionBudget {
    /** `DB_POOL_MAX`: connections each app process opens to the primary (and to the replica). */
    readonly appPoolMax: number;
    /** The PgBouncer pool's size, for jobs and tools that can live with transaction pooling. */
    readonly pgbouncerSize: number;
}

/**
 * The app connects straight to the primary: it takes a session-level
 * advisory lock for migrations and sends `statement_timeout` as a startup
 * parameter, and PgBouncer in transaction mode breaks the first and rejects
 * the second. So 70% of the plan's connections go to the app (split across
 * the most droplets the pool may run, at most 10 each, the app's default),
 * 20% to the PgBouncer pool, and the rest stays free for `psql` and
 * migrations from a laptop.
 */
export function connectionBudget(slug: string, maxInstances: number): ConnectionBudget {
    const limit = postgresConnectionLimit(slug);
    const appPoolMax = Math.min(10, Math.floor((limit * 0.7) / maxInstances));
    if (appPoolMax < 2) {
        throw new Error(`${slug} allows ${limit} connections: too few for ${maxInstances} app droplets; use a larger database plan or fewer instances`);
    }
    return { appPoolMax, pgbouncerSize: Math.max(1, Math.floor(limit * 0.2)) };
}

/** Primary plus one standby when the tier wants high availability (DigitalOcean allows up to two standbys). */
export function databaseNodeCount(highAvailability: boolean): number {
    return highAvailability ? 2 : 1;
}

/** The weekly maintenance window of every managed database: Sunday 04:00 UTC, the quietest hour for the Americas and Europe. */
export const MAINTENANCE_WINDOW = { day: "sunday", hour: "04:00" } as const;

/** Memory the autoscaler steers towards, as a fraction (the API takes 0.05-1). */
export const MEMORY_TARGET = 0.75;

/**
 * The autoscale pool's `config` for a tier's compute. `scaleOnMemory` false
 * leaves `target_memory_utilization` unset (terraform-provider-digitalocean
 * digitalocean/dropletautoscale/resource_droplet_autoscale.go: optional; godo
 * droplet_autoscale.go sends it `omitempty`), so the pool steers on CPU alone.
 */
export function autoscaleConfig(compute: Pick<AppServerSizing, "minInstances" | "maxInstances" | "cpuTargetPercent">, scaleOnMemory = true) {
    return {
        minInstances: compute.minInstances,
        maxInstances: compute.maxInstances,
        // The API takes a fraction from 0.05 to 1, not a percentage.
        targetCpuUtilization: compute.cpuTargetPercent / 100,
        ...(scaleOnMemory ? { targetMemoryUtilization: MEMORY_TARGET } : {}),
        // At least as long as a droplet takes to boot, install Docker and pass health checks, or the pool thrashes.
        cooldownMinutes: 5,
    };
}
