/**
 * The tags every resource carries. AWS gets them as key/value tags (through
 * the provider's `defaultTags`, so no resource can miss them); DigitalOcean
 * takes flat tag strings, so the same facts become `key:value` strings.
 */

import type { RequiredTagKey } from "../../policies/lib/tags";

/** The required tag keys, in the order they are shown: defined once, with the policy pack that checks them. */
export { REQUIRED_TAG_KEYS } from "../../policies/lib/tags";

/** The standard tags of a stack. */
export type StandardTags = { readonly [K in RequiredTagKey]: string };

/** What the standard tags are made from. */
export interface TagSource {
    readonly project: string;
    readonly stack: string;
    readonly owner: string;
    readonly costCenter: string;
}

/** The standard tags for a stack. */
export function standardTags(source: TagSource): StandardTags {
    return {
        Project: source.project,
        Environment: source.stack,
        Owner: source.owner,
        CostCenter: source.costCenter,
        ManagedBy: "pulumi",
    };
}

/**
 * DigitalOcean tag strings for the standard tags: `project:alicerce`,
 * `environment:prod`, ... DigitalOcean tags allow letters, digits, `:`, `-`
 * and `_` (at most 255 characters); anything else becomes `-`.
 */
export function digitalOceanTags(tags: Partial<StandardTags>): string[] {
    return Object.entries(tags).map(([key, value]) => `${key.toLowerCase()}:${value}`.replace(/[^A-Za-z0-9:_-]/g, "-").slice(0, 255));
}

/** The tag keys that never change for a stack's life (Owner and CostCenter do: a team hands a stack over). */
export const STABLE_TAG_KEYS = ["Project", "Environment", "ManagedBy"] as const;

/**
 * The standard tags without Owner and CostCenter: for resources that hold
 * data and where a tag change forces replacement (a DigitalOcean read
 * replica's `tags`, a Docker volume's `labels`), so an ownership change
 * never rebuilds them.
 */
export function stableTags(tags: StandardTags): Partial<StandardTags> {
    return Object.fromEntries(STABLE_TAG_KEYS.map((k) => [k, tags[k]]));
}
