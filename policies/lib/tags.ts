/**
 * The tag keys every taggable resource carries: one definition for the
 * program (`components/shared/tags.ts` builds the standard tags on it) and
 * the policy pack (`required-tags` checks them unless its config names
 * others). It lives in the pack so the pack stays publishable on its own.
 */

/** The required tag keys, in the order they are shown. */
export const REQUIRED_TAG_KEYS = ["Project", "Environment", "Owner", "CostCenter", "ManagedBy"] as const;
/** A required tag key. */
export type RequiredTagKey = (typeof REQUIRED_TAG_KEYS)[number];

/**
 * The tag alicerce puts on the AWS instance edge's Elastic IP and ingress rule (components/aws/origin.ts): the
 * policy pack admits the internet through that rule (on port 80, in a stack with no load balancer), the cost model
 * prices that address as the origin and the plan's diff knows its release needs a refresh.
 */
export const EDGE_TAG = { key: "alicerce:edge", value: "instance" } as const;

/** Whether a resource (its type and recorded inputs) carries {@link EDGE_TAG}. */
export function hasEdgeTag(inputs: { readonly tags?: unknown } | undefined): boolean {
    const tags = inputs?.tags as Record<string, unknown> | undefined;
    return tags?.[EDGE_TAG.key] === EDGE_TAG.value;
}

/** Whether a resource is the instance edge's Elastic IP. */
export function isEdgeAddress(r: { readonly type: string; readonly inputs: { readonly tags?: unknown } }): boolean {
    return r.type === "aws:ec2/eip:Eip" && hasEdgeTag(r.inputs);
}
