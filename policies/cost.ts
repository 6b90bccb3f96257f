/**
 * The cost guardrail: the stack's estimated monthly cost, from the shared
 * cost model (policies/lib/cost, the same figures `npm run plan`
 * shows), stays within `alicerce:budgetUsd`. Advisory by default: a budget
 * is a plan, not a security boundary; make it mandatory per stack with the
 * pack config.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { assumptionsForTier, budgetAdvice, estimateCost, PricedResource } from "./lib/cost";
import { STACK_TYPE, StackView } from "./lib/stack";
import { isUnknown, UNKNOWN } from "./lib/values";

/** Unknown values become absent for the estimate (the model prices what it knows). */
function known(value: unknown): any {
    if (value === UNKNOWN) return undefined;
    if (Array.isArray(value)) return value.map(known);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, known(v)]));
    return value;
}

/** The estimated monthly cost stays within the stack's budget. */
export const costBudget: StackValidationPolicy = {
    name: "cost-budget",
    description: "The estimated monthly cost stays within alicerce:budgetUsd.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const outputs = view.nodes.find((n) => n.type === STACK_TYPE)?.props ?? {};
        const { cloud, region, budgetUsd, tier } = outputs;
        if (typeof budgetUsd !== "number" || isUnknown(cloud) || isUnknown(region) || (cloud !== "aws" && cloud !== "digitalocean")) return;
        const resources: PricedResource[] = view.nodes.map((n) => ({
            urn: n.urn,
            type: n.type,
            name: n.name,
            parent: n.resource.parent?.urn,
            // Components and the stack have no provider; every cloud resource has one (explicit or default).
            custom: n.resource.provider !== undefined,
            inputs: known(n.props),
            dependencies: n.resource.dependencies.map((d) => d.urn),
        }));
        const where = typeof region === "string" ? region : undefined;
        const target = cloud === "aws" ? { cloud, region: where ?? "us-east-1" } : { cloud, region: where };
        const estimate = estimateCost(resources, target, assumptionsForTier(typeof tier === "string" ? tier : undefined));
        const advice = budgetAdvice(estimate, budgetUsd);
        if (advice !== undefined) reportViolation(advice);
    },
};
