import type { StandardTags } from "../shared/tags";

/** A Docker label as the provider takes it. */
export interface DockerLabel {
    readonly label: string;
    readonly value: string;
}

/**
 * Docker objects (containers, networks, volumes) carry the standard tags as
 * labels under the same keys, so `docker ps --filter label=Environment=prod`
 * finds a stack's containers and cost/ownership facts travel with them.
 */
export function dockerLabels(tags: StandardTags, extra: Readonly<Record<string, string>> = {}): DockerLabel[] {
    return Object.entries({ ...tags, ...extra }).map(([label, value]) => ({ label, value }));
}
