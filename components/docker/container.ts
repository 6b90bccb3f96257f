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

/** One network a container joins, with the names it answers to there. */
export interface NetworkAttachment {
    readonly name: import("@pulumi/pulumi").Input<string>;
    /** DNS names of the container on this network (Docker's embedded DNS). */
    readonly aliases?: readonly string[];
    /** Docker picks the default route from the attachment with the highest priority (Engine 28+). */
    readonly gwPriority?: number;
}

/**
 * The network settings of a container: every network through
 * `networksAdvanced`, none through `networkMode`.
 *
 * terraform-provider-docker (resource_docker_container_funcs.go, create)
 * passes `network_mode` to ContainerCreate with an empty NetworkingConfig,
 * so the container joins that network without aliases; it then disconnects
 * the default `bridge` and calls NetworkConnect once per `networks_advanced`
 * entry. For a network the container already has, Docker's
 * updateNetworkSettings returns early ("Avoid duplicate config",
 * moby daemon/container_operations.go): the aliases are dropped silently.
 * Leaving `network_mode` at the provider's default ("bridge") makes every
 * network, aliases included, come from NetworkConnect, and the provider
 * removes the default bridge again.
 */
export function networking(attachments: readonly NetworkAttachment[]): Partial<docker.ContainerArgs> {
    if (attachments.length === 0) throw new Error("a container needs at least one network");
    return {
        networksAdvanced: attachments.map((a) => ({
            name: a.name,
            ...(a.aliases && a.aliases.length > 0 ? { aliases: [...a.aliases] } : {}),
            ...(a.gwPriority !== undefined ? { gwPriority: a.gwPriority } : {}),
        })),
    };
}
