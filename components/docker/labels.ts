import * as pulumi from "@pulumi/pulumi";
import { REQUIRED_TAG_KEYS, STABLE_TAG_KEYS, type StandardTags } from "../shared/tags";

/** A Docker label as the provider takes it. */
export interface DockerLabel {
    readonly label: string;
    readonly value: string;
}

/**
 * The standard tags as Docker labels under the same keys, so
 * `docker ps --filter label=Environment=prod` finds a stack's containers.
 * Owner and CostCenter are dropped again by {@link stableDockerLabels}, since
 * a label change replaces a Docker object.
 */
export function dockerLabels(tags: StandardTags, extra: Readonly<Record<string, string>> = {}): DockerLabel[] {
    return Object.entries({ ...tags, ...extra }).map(([label, value]) => ({ label, value }));
}

/** The Docker object types whose `labels` force replacement (terraform-provider-docker at 83c00e0: internal/provider/resource_docker_volume.go, resource_docker_network.go and resource_docker_container.go all mark `labels` ForceNew). */
export const LABEL_REPLACED_TYPES: readonly string[] = ["docker:index/volume:Volume", "docker:index/network:Network", "docker:index/container:Container"];

/**
 * Docker objects keep only the tag labels that never change for the stack's
 * life (Project, Environment, ManagedBy), plus their own non-tag labels
 * (`alicerce.replica`). `labels` is ForceNew on volumes, networks and
 * containers, so an Owner or CostCenter label would make an ownership change
 * replace them: a volume and the data in it deleted and recreated; a network
 * created again under the same name, which Docker refuses, failing the `up`;
 * PostgreSQL and Redis restarted. `ignoreChanges` keeps objects made with the
 * full label set from being replaced when it narrows (a container replaced
 * for another reason takes the narrowed labels). Applied to every Docker
 * object under the single host, whichever component declares it.
 */
export const stableDockerLabels: pulumi.ResourceTransformation = (args) => {
    if (!LABEL_REPLACED_TYPES.includes(args.type)) return undefined;
    const dropped = REQUIRED_TAG_KEYS.filter((k) => !(STABLE_TAG_KEYS as readonly string[]).includes(k)) as readonly string[];
    const labels: unknown = args.props.labels;
    return {
        props: { ...args.props, labels: Array.isArray(labels) ? (labels as DockerLabel[]).filter((l) => !dropped.includes(l.label)) : labels },
        opts: pulumi.mergeOptions(args.opts, { ignoreChanges: ["labels"] }),
    };
};
