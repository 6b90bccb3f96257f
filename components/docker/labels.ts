import * as pulumi from "@pulumi/pulumi";
import { STABLE_TAG_KEYS, type StandardTags } from "../shared/tags";

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

/**
 * Docker volumes keep only the labels that never change for the stack's
 * life (Project, Environment, ManagedBy): `labels` is ForceNew on a volume
 * (terraform-provider-docker, internal/provider/resource_docker_volume.go),
 * so an Owner or CostCenter label would make an ownership change delete and
 * recreate the volume, and the data in it. `ignoreChanges` keeps volumes
 * made with the full label set from being replaced when it narrows.
 * Applied to every volume under the single host, whichever component declares it.
 */
export const stableVolumeLabels: pulumi.ResourceTransformation = (args) => {
    if (args.type !== "docker:index/volume:Volume") return undefined;
    const stable: readonly string[] = STABLE_TAG_KEYS;
    const labels: unknown = args.props.labels;
    return {
        props: { ...args.props, labels: Array.isArray(labels) ? (labels as DockerLabel[]).filter((l) => stable.includes(l.label)) : labels },
        opts: pulumi.mergeOptions(args.opts, { ignoreChanges: ["labels"] }),
    };
};
