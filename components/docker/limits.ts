/** A container's ceiling. */
export interface ContainerLimit {
    /** Hard memory limit in MB (swap is not allowed on top). */
    readonly memoryMb: number;
    /** CPUs the container may use, e.g. 0.5. */
    readonly cpus: number;
}

/** The containers of a single host. */
export type Role = "postgres" | "redis" | "objectStore" | "app" | "nginx" | "caddy" | "backup";

/** Every container's ceiling (the tier preset's `singleHost.containerLimits`). */
export type ContainerLimits = { readonly [R in Role]: ContainerLimit };

/** Memory in MB of the VPS sizes the tier presets use (droplet slugs and EC2 types). */
export const HOST_MEMORY_MB: Readonly<Record<string, number>> = {
    "s-1vcpu-2gb": 2048,
    "s-2vcpu-4gb": 4096,
    "s-4vcpu-8gb": 8192,
    "t4g.small": 2048,
    "t4g.medium": 4096,
    "t4g.large": 8192,
};

/** The memory all containers may use at most, in MB (Caddy counted: a stack with a domain runs it). */
export function totalMemoryMb(
    l: ContainerLimits,
    appReplicas: number,
    workers: { replicas: number; limit: ContainerLimit } = { replicas: 0, limit: l.app },
): number {
    return (
        l.postgres.memoryMb +
        l.redis.memoryMb +
        l.objectStore.memoryMb +
        l.nginx.memoryMb +
        l.caddy.memoryMb +
        l.backup.memoryMb +
        appReplicas * l.app.memoryMb +
        workers.replicas * workers.limit.memoryMb
    );
}

/** PostgreSQL settings that follow its memory limit (shared_buffers a quarter, effective_cache_size three quarters). */
export function postgresTuning(limit: ContainerLimit): string[] {
    const quarter = Math.floor(limit.memoryMb / 4);
    return ["-c", `shared_buffers=${quarter}MB`, "-c", `effective_cache_size=${quarter * 3}MB`, "-c", "max_connections=100"];
}
