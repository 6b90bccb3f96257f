/**
 * The offline plan of one stack: run the real program under mocks, check it
 * against the policy pack, price it against its budget and draw it. What
 * `npm run plan` (scripts/plan.ts, a thin command line) prints and writes.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import { POLICIES } from "../policies/pack";
import * as path from "path";
import { displayPath, runStack, RunOptions, stackEnvironments, StackRun } from "./index";
import { runPolicies } from "./policies";
import { countByType, planJson, PlanJson, renderTree } from "./report";
import { costJson, costText, outputsText, PolicyReport, policyText, reviewOf, StackReview } from "./review";

/** Options of {@link planStack}. */
export interface PlanOptions {
    /** Config to set on top of the stack file's (`alicerce:tier` -> `growth`); nothing is written. */
    readonly overrides?: RunOptions["overrides"];
    /** Per-policy levels and settings, as `pulumi preview --policy-pack-config` takes them. */
    readonly policyConfig?: PolicyPackConfig;
    /** The directory of `Pulumi.<stack>.yaml` when it is not the project's. */
    readonly stackDir?: string;
}

/** One stack's plan: the recorded run, its review, the JSON document and how long the run took. */
export interface StackPlan {
    readonly run: StackRun;
    readonly review: StackReview;
    /** The document `--json` writes: resources with their options, outputs, warnings, cost and policy findings. */
    readonly json: PlanJson;
    /** Wall-clock milliseconds of the run under mocks. */
    readonly ms: number;
}

/** The pack's policies run offline against a recorded run (offline/policies.ts), as the review shows them. */
export async function policyReport(run: StackRun, config: PolicyPackConfig = {}): Promise<PolicyReport> {
    const violations = await runPolicies(run, { config });
    return {
        policies: POLICIES.length,
        findings: violations.map((v) => ({ policy: v.policy, enforcementLevel: v.level, urn: v.urn, message: v.message })),
    };
}

/** Plans one stack. Throws the program's own error (a `ConfigError` for bad config). */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<StackPlan> {
    const started = process.hrtime.bigint();
    const run = await runStack(stack, { overrides: options.overrides, stackDir: options.stackDir });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return planOfRun(run, options.policyConfig, ms);
}

/** The plan of a run already recorded (the tests' shared runs). */
export async function planOfRun(run: StackRun, policyConfig?: PolicyPackConfig, ms = 0): Promise<StackPlan> {
    const policy = await policyReport(run, policyConfig);
    const review = reviewOf(run, policy);
    return { run, review, json: { ...planJson(run), cost: costJson(review), policy: review.policy ?? null }, ms };
}

/** True if a finding would stop `pulumi up` with the pack (a mandatory violation). */
export function blocksUp(plan: StackPlan): boolean {
    return plan.review.policy?.findings.some((f) => f.enforcementLevel === "mandatory") ?? false;
}

/** The console report of one stack's plan, one line per element. */
export function planText({ run, review, ms }: StackPlan): string[] {
    const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const lines: string[] = [];
    lines.push(
        `alicerce plan — stack ${run.stack}${run.stackFile ? ` (${displayPath(run.stackFile)})` : ""}: ${run.config["alicerce:cloud"]} / ${run.config["alicerce:tier"]} ${review.where}`,
    );
    lines.push(`(offline: the real program under mocks; computed in ${ms.toFixed(0)} ms)`, "");
    lines.push(...review.warnings);
    const environments = run.stackFile ? stackEnvironments(path.basename(run.stackFile).slice(7, -5), path.dirname(run.stackFile)) : [];
    if (environments.length > 0)
        lines.push(
            `note: the stack imports the Pulumi ESC environment ${environments.join(", ")}; its values are not resolved offline (the plan uses the stack file and --set only)`,
        );
    lines.push("", `Resources (${custom.length} cloud resources, ${run.resources.length - custom.length} components and providers):`);
    for (const line of renderTree(run.resources)) lines.push(`  ${line}`);
    lines.push("", "By type:");
    for (const [type, count] of countByType(run.resources)) lines.push(`  ${String(count).padStart(4)}  ${type}`);
    lines.push("", ...costText(review), "", ...policyText(review.policy), "", ...outputsText(review.outputs));
    lines.push("", "Architecture (Mermaid; rendered in the --markdown report):", review.diagram, "");
    return lines;
}
