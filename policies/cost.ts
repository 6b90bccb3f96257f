/**
 * The cost guardrail: the stack's estimated monthly cost, from the shared
 * cost model (policies/lib/cost, the same figures `npm run plan`
 * shows), stays within the budget: the policy's `budgetUsd` setting, or
 * `alicerce:budgetUsd` (the program's stack output). Advisory by default: a budget
 * is a plan, not a security boundary; make it mandatory per stack with the
 * pack config.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { assumptionsForTier, budgetAdvice, estimateCost, PricedResource } from "./lib/cost";
import { STACK_TYPE, StackView, Tier, TIER_SETTING } from "./lib/stack";
import { isUnknown, plain, UNKNOWN, Unknown } from "./lib/values";

/** Unknown values become absent for the estimate (the model prices what it knows). */
function known(value: unknown): any {
    if (value === UNKNOWN) return undefined;
    if (Array.isArray(value)) return value.map(known);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, known(v)]));
    return value;
}

/** The config of {@link costBudget}. */
export interface CostBudgetConfig {
    /** The monthly budget in USD; unset: the program's `budgetUsd` stack output, else no budget. */
    readonly budgetUsd?: number;
    /** The region prices are read for; unset: the `region` stack output, else the AWS provider's region, else us-east-1. */
    readonly region?: string;
    /** The tier whose usage assumptions (traffic) are priced; unset: the `tier` stack output, else the default assumptions. */
    readonly tier?: Tier;
}

/** The cloud the stack runs on: the `cloud` stack output, else the provider of its resources. */
function cloudOf(view: StackView, output: unknown): "aws" | "digitalocean" | undefined | Unknown {
    if (isUnknown(output) || output === "aws" || output === "digitalocean") return output;
    // A program that names another target (alicerce's `docker`) is priced by that target's own model, not here.
    if (output !== undefined) return undefined;
    const packages = new Set(view.nodes.filter((n) => n.resource.provider !== undefined).map((n) => n.type.split(":")[0]));
    if (packages.has("aws") && !packages.has("digitalocean")) return "aws";
    if (packages.has("digitalocean") && !packages.has("aws")) return "digitalocean";
    return undefined;
}

/** The region of the stack's AWS resources, from their provider (explicit or default). */
function providerRegion(view: StackView): unknown {
    const aws = view.nodes.find((n) => n.type.startsWith("aws:") && n.resource.provider !== undefined);
    return aws ? plain(aws.resource.provider?.props)?.region : undefined;
}

/**
 * The estimated monthly cost stays within the stack's budget: the pack
 * config's `budgetUsd`, or the program's `budgetUsd` stack output (what
 * alicerce exports from `alicerce:budgetUsd`). No budget, no check.
 */
export const costBudget: StackValidationPolicy = {
    name: "cost-budget",
    description: "The estimated monthly cost stays within the budget (the policy's budgetUsd setting, or alicerce:budgetUsd).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            budgetUsd: { type: "number", minimum: 0, description: "The monthly budget in USD. Unset: the program's `budgetUsd` stack output, else no check." },
            region: {
                type: "string",
                minLength: 1,
                description: "The region to price (us-east-1, sa-east-1, nyc3, ...). Unset: the `region` stack output, else the AWS provider's region.",
            },
            tier: {
                ...TIER_SETTING.tier,
                description: "The tier whose traffic assumptions are priced. Unset: the `tier` stack output, else the default assumptions.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<CostBudgetConfig>();
        const view = new StackView(args.resources);
        const outputs = view.nodes.find((n) => n.type === STACK_TYPE)?.props ?? {};
        const budgetUsd = config.budgetUsd ?? outputs.budgetUsd;
        const cloud = cloudOf(view, outputs.cloud);
        const region = config.region ?? (outputs.region !== undefined ? outputs.region : providerRegion(view));
        if (typeof budgetUsd !== "number" || isUnknown(cloud) || cloud === undefined || isUnknown(region)) return;
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
        const tier = config.tier ?? outputs.tier;
        const estimate = estimateCost(resources, target, assumptionsForTier(typeof tier === "string" ? tier : undefined));
        const advice = budgetAdvice(estimate, budgetUsd, config.budgetUsd !== undefined ? "the cost-budget policy's budgetUsd" : "alicerce:budgetUsd");
        if (advice !== undefined) reportViolation(advice);
    },
};
