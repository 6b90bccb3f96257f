/**
 * A stack as stack policies see it: resources as plain data, the links
 * between them, and the stack's tier.
 *
 * In @pulumi/aws v7 a bucket's encryption, public-access block and WAF
 * association are separate resources that point at it by a property
 * (`bucket`, `resourceArn`), so "is this bucket encrypted" is a question
 * about two resources. A link is followed by the property's dependencies
 * (exact: the engine records which resources a property's value came from)
 * and by value (the property equals the target's id, ARN or name). A link
 * that cannot be known yet (preview) is reported as {@link UNKNOWN}, and the
 * rules then stay silent rather than guess.
 */
import type { PolicyResource } from "@pulumi/policy";
import { isUnknown, plain, UNKNOWN, Unknown } from "./values";

/** The tiers, as the program exports them in the `tier` stack output. */
export const TIERS = ["mvp", "growth", "prod"] as const;
/** A tier name. */
export type Tier = (typeof TIERS)[number];

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
     * The candidates that `from`'s property `prop` points at, by the
     * property's dependencies and by value: `valueKeys` are the candidate's
     * properties a matching value may equal (`id`, `arn`, `bucket`), `pick`
     * extracts the reference from a structured property (`launchTemplate.id`).
     * {@link UNKNOWN} when the value is unknown and no dependency says where it came from.
     */
    targets(from: Node, prop: string, candidates: readonly Node[], valueKeys: readonly string[], pick: (v: any) => unknown = (v) => v): Node[] | Unknown {
        const depUrns = new Set((from.resource.propertyDependencies?.[prop] ?? []).map((r) => r.urn));
        const byDependency = candidates.filter((c) => depUrns.has(c.urn));

        const raw = from.props[prop];
        const value = isUnknown(raw) ? UNKNOWN : pick(raw);
        const refs: unknown[] = Array.isArray(value) ? value : [value];
        // With dependencies recorded, an unknown value can only have come from them.
        if (refs.some(isUnknown) && depUrns.size === 0) return UNKNOWN;
        const byValue = candidates.filter((c) =>
            refs.some((ref) => typeof ref === "string" && ref !== "" && valueKeys.some((k) => c.props[k] === ref)),
        );
        return [...new Set([...byDependency, ...byValue])];
    }

    /**
     * The stack's tier, from the `tier` stack output. {@link UNKNOWN} while
     * unknown; `prod` (the strictest) when the program exports no valid tier,
     * so a missing output tightens the rules rather than loosening them.
     */
    tier(): Tier | Unknown {
        const stack = this.nodes.find((n) => n.type === STACK_TYPE);
        const tier = stack?.props?.tier;
        if (isUnknown(tier)) return UNKNOWN;
        return (TIERS as readonly unknown[]).includes(tier) ? (tier as Tier) : "prod";
    }
}
