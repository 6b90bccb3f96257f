import type * as docker from "@pulumi/docker";
import type { ContainerLimit } from "./limits";

/** What {@link hardening} needs to know about a container. */
export interface HardeningOptions {
    readonly limit: ContainerLimit;
    /** Capabilities the process needs after `drop ALL` (none for most). */
    readonly addCapabilities?: readonly string[];
    /** Writable scratch directories on tmpfs (the root filesystem is read-only). */
    readonly tmpfs?: readonly string[];
    /** The restart policy; one-shot jobs use "no". */
    readonly restart?: "unless-stopped" | "no";
}

/** The log rotation every container gets: json-file, 5 files of 10 MB. */
export const LOG_OPTS = { "max-size": "10m", "max-file": "5" } as const;

/**
 * The container settings every service shares: a read-only root filesystem
 * with tmpfs scratch space, all capabilities dropped, no privilege
 * escalation, memory (no swap on top) and CPU limits, restart policy and log
 * rotation. Pure: the result is spread into `docker.Container` args.
 */
export function hardening(options: HardeningOptions): Partial<docker.ContainerArgs> {
    return {
        readOnly: true,
        tmpfs: Object.fromEntries((options.tmpfs ?? ["/tmp"]).map((dir) => [dir, "rw,noexec,nosuid,size=64m"])),
        capabilities: { drops: ["ALL"], adds: [...(options.addCapabilities ?? [])] },
        securityOpts: ["no-new-privileges:true"],
        memory: options.limit.memoryMb,
        memorySwap: options.limit.memoryMb,
        cpus: String(options.limit.cpus),
        restart: options.restart ?? "unless-stopped",
        logDriver: "json-file",
        logOpts: { ...LOG_OPTS },
        // An init reaps zombies and forwards SIGTERM, so `docker stop` is a clean shutdown.
        init: true,
    };
}
