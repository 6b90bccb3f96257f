/**
 * A stack as stack policies see it: resources as plain data, the links
 * between them, and the stack's tier.
 *
 * In @pulumi/aws v7 a bucket's encryption, public-access block and WAF
 * association are separate resources that point at it by a property
 * (`bucket`, `resourceArn`), so "is this bucket encrypted" is a question
 * about two resources. A link is followed by value (the property equals the
 * target's id, ARN or name); only while the value is unknown (preview) by the
 * property's dependencies, which say what a value was computed from, not
 * which resource it names. A link that cannot be known yet is reported as
 * {@link UNKNOWN}, and the rules then stay silent for the resources it may
 * point at rather than guess.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TIERS, type Tier } from "./tiers";
import { isUnknown, plain, UNKNOWN, Unknown } from "./values";

export { TIERS, type Tier } from "./tiers";

/** The config of a policy whose rule depends on the tier. */
export interface TierConfig {
    /** The tier the stack is held to; unset: the program's `tier` stack output, else prod. */
    readonly tier?: Tier;
}

/** The `tier` setting of a tier-dependent policy's config schema (no default: unset falls back as {@link StackView.tier} says). */
export const TIER_SETTING = {
    tier: {
        type: "string" as const,
        enum: [...TIERS] as string[],
        description: "The tier the stack is held to (mvp, growth, prod). Unset: the program's `tier` stack output if it exports one, else prod.",
    },
};

/** The type token of the stack itself, whose properties are the stack outputs. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** One resource with its properties as plain data (unknowns as {@link UNKNOWN}). */
export interface Node {
    readonly resource: PolicyResource;
    readonly urn: string;
    readonly name: string;
    readonly type: string;
    readonly props: any;
}

/** The resources of a stack, indexed for stack policies. */
export class StackView {
    readonly nodes: readonly Node[];

    constructor(resources: readonly PolicyResource[]) {
        this.nodes = resources.map((resource) => ({
            resource,
            urn: resource.urn,
            name: resource.name,
            type: resource.type,
            props: plain(resource.props) ?? {},
        }));
    }

    /** The resources of any of these types. */
    ofType(...types: string[]): Node[] {
        return this.nodes.filter((n) => types.includes(n.type));
    }

    /**
     * The candidates that `from`'s property `prop` points at. `valueKeys` are
     * the candidate's properties a reference may equal (`id`, `arn`,
     * `bucket`); `pick` extracts the reference from a structured property
     * (`launchTemplate.id`).
     *
     * A known reference is matched by value only: a value computed from
     * bucket A's id may still resolve to bucket B's name, so the property's
     * dependencies say where a value came from, not what it is. (A linked
     * candidate that exposes none of `valueKeys` cannot be compared, so its
     * dependency stands.) An unknown reference (preview) falls back to the
     * property's dependencies, and is {@link UNKNOWN} when there are none.
     */
    targets(from: Node, prop: string, candidates: readonly Node[], valueKeys: readonly string[], pick: (v: any) => unknown = (v) => v): Node[] | Unknown {
        const depUrns = new Set((from.resource.propertyDependencies?.[prop] ?? []).map((r) => r.urn));
        const raw = from.props[prop];
        const value = isUnknown(raw) ? UNKNOWN : pick(raw);
        const refs: unknown[] = Array.isArray(value) ? value : [value];
        const found = new Set<Node>();
        for (const ref of refs) {
            if (isUnknown(ref)) {
                if (depUrns.size === 0) return UNKNOWN;
                candidates.filter((c) => depUrns.has(c.urn)).forEach((c) => found.add(c));
            } else if (typeof ref === "string" && ref !== "") {
                candidates.filter((c) => valueKeys.some((k) => c.props[k] === ref)).forEach((c) => found.add(c));
            }
        }
        const comparable = (c: Node) => valueKeys.some((k) => typeof c.props[k] === "string" || isUnknown(c.props[k]));
        candidates.filter((c) => depUrns.has(c.urn) && !comparable(c)).forEach((c) => found.add(c));
        return candidates.filter((c) => found.has(c));
    }

    /**
     * The candidates `from` may point at through `prop` while {@link targets}
     * cannot tell (UNKNOWN): those among its property's and its own
     * dependencies. A rule that cannot resolve a link stays silent for these
     * only, and still checks every other candidate.
     */
    mayTarget(from: Node, prop: string, candidates: readonly Node[]): Node[] {
        const urns = new Set([...(from.resource.propertyDependencies?.[prop] ?? []), ...(from.resource.dependencies ?? [])].map((r) => r.urn));
        return candidates.filter((c) => urns.has(c.urn));
    }

    /**
     * The stack's tier: the policy's `tier` setting when the pack config sets
     * one; otherwise the program's `tier` stack output (alicerce exports
     * one), {@link UNKNOWN} while that is unknown; otherwise `prod` (the
     * strictest), so a program that says nothing gets the tightest rules
     * rather than the loosest.
     */
    tier(configured?: unknown): Tier | Unknown {
        if ((TIERS as readonly unknown[]).includes(configured)) return configured as Tier;
        const stack = this.nodes.find((n) => n.type === STACK_TYPE);
        const tier = stack?.props?.tier;
        if (isUnknown(tier)) return UNKNOWN;
        return (TIERS as readonly unknown[]).includes(tier) ? (tier as Tier) : "prod";
    }
}
