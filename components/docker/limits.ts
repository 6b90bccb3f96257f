/** The tiers container limits are given for (the platform passes the stack's). */
export type Tier = "mvp" | "growth" | "prod";

/** A container's ceiling. */
export interface ContainerLimit {
    /** Hard memory limit in MB (swap is not allowed on top). */
    readonly memoryMb: number;
    /** CPUs the container may use, e.g. 0.5. */
    readonly cpus: number;
}

/** The containers of a single host. */
export type Role = "postgres" | "redis" | "objectStore" | "app" | "nginx" | "caddy" | "backup";

/**
 * Limits per tier, sized so that the sum (with the tier's app replicas) fits
 * the tier's VPS memory with room for the OS and Docker itself: a runaway
 * container is killed alone instead of taking the host down.
 */
export const CONTAINER_LIMITS: { readonly [T in Tier]: { readonly [R in Role]: ContainerLimit } } = {
    mvp: {
        postgres: { memoryMb: 512, cpus: 1 },
        redis: { memoryMb: 128, cpus: 0.25 },
        objectStore: { memoryMb: 256, cpus: 0.5 },
        app: { memoryMb: 256, cpus: 0.5 },
        nginx: { memoryMb: 64, cpus: 0.25 },
        caddy: { memoryMb: 64, cpus: 0.25 },
        backup: { memoryMb: 256, cpus: 0.5 },
    },
    growth: {
        postgres: { memoryMb: 1024, cpus: 1.5 },
        redis: { memoryMb: 256, cpus: 0.5 },
        objectStore: { memoryMb: 512, cpus: 0.5 },
        app: { memoryMb: 512, cpus: 1 },
        nginx: { memoryMb: 128, cpus: 0.5 },
        caddy: { memoryMb: 128, cpus: 0.5 },
        backup: { memoryMb: 256, cpus: 0.5 },
    },
    prod: {
        postgres: { memoryMb: 2048, cpus: 2 },
        redis: { memoryMb: 512, cpus: 0.5 },
        objectStore: { memoryMb: 1024, cpus: 1 },
        app: { memoryMb: 768, cpus: 1 },
        nginx: { memoryMb: 128, cpus: 1 },
        caddy: { memoryMb: 128, cpus: 1 },
        backup: { memoryMb: 512, cpus: 1 },
    },
};

/** Memory in MB of the VPS sizes the tier presets use (droplet slugs and EC2 types). */
export const HOST_MEMORY_MB: Readonly<Record<string, number>> = {
    "s-1vcpu-2gb": 2048,
    "s-2vcpu-4gb": 4096,
    "s-4vcpu-8gb": 8192,
    "t4g.small": 2048,
    "t4g.medium": 4096,
    "t4g.large": 8192,
};

/** The memory all containers of a tier may use at most, in MB (Caddy counted: a stack with a domain runs it). */
export function totalMemoryMb(tier: Tier, appReplicas: number): number {
    const l = CONTAINER_LIMITS[tier];
    return l.postgres.memoryMb + l.redis.memoryMb + l.objectStore.memoryMb + l.nginx.memoryMb + l.caddy.memoryMb + l.backup.memoryMb + appReplicas * l.app.memoryMb;
}

/** PostgreSQL settings that follow its memory limit (shared_buffers a quarter, effective_cache_size three quarters). */
export function postgresTuning(limit: ContainerLimit): string[] {
    const quarter = Math.floor(limit.memoryMb / 4);
    return [
        "-c", `shared_buffers=${quarter}MB`,
        "-c", `effective_cache_size=${quarter * 3}MB`,
        "-c", "max_connections=100",
    ];
}
