/**
 * `npm run plan -- --stack <name> | --all [--json <file>] [--markdown <file>] [--set key=value ...] [--policy-config <file>]`:
 * what a stack would create, what it would cost a month against its budget,
 * what the policies say and a diagram of its architecture, computed offline
 * by running the real program under mocks. No Pulumi CLI, no cloud account.
 */
import * as fs from "fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { runPolicies } from "../policies/offline";
import { POLICIES } from "../policies/pack";
import { ConfigError } from "../stacks";
import { runStack, stackFiles, StackRun } from "../test/harness";
import { countByType, planJson, renderTree } from "./report";
import { costJson, costText, PolicyReport, policyText, reviewMarkdown, reviewOf, StackReview } from "./review";

interface Args {
    stacks: string[];
    json?: string;
    markdown?: string;
    /** `--set alicerce:tier=growth`: what the stacks would be with this config (nothing is written). */
    overrides: Record<string, string>;
    /** `--policy-config <file>`: per-policy levels and settings, as `pulumi preview --policy-pack-config` takes. */
    policyConfig?: string;
}

/** The pack's policies run offline against a recorded run (policies/offline.ts), as the review shows them. */
async function policyReport(run: StackRun, config: PolicyPackConfig): Promise<PolicyReport> {
    const violations = await runPolicies(run, { config });
    return {
        policies: POLICIES.length,
        findings: violations.map((v) => ({ policy: v.policy, enforcementLevel: v.level, urn: v.urn, message: v.message })),
    };
}

function parseArgs(argv: string[]): Args {
    const args: Args = { stacks: [], overrides: {} };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (["--stack", "--json", "--markdown", "--set", "--policy-config"].includes(flag) && (value === undefined || value.startsWith("--"))) {
            throw new Error(`${flag} needs a value`);
        }
        if (flag === "--stack") args.stacks.push(argv[++i]);
        else if (flag === "--all") args.stacks.push(...stackFiles());
        else if (flag === "--json") args.json = argv[++i];
        else if (flag === "--markdown") args.markdown = argv[++i];
        else if (flag === "--policy-config") args.policyConfig = argv[++i];
        else if (flag === "--set") {
            const [key, ...rest] = argv[++i].split("=");
            if (!key.includes(":") || rest.length === 0) throw new Error(`--set takes namespace:key=value, e.g. alicerce:tier=growth; got "${value}"`);
            args.overrides[key] = rest.join("=");
        } else throw new Error(`unknown argument ${flag}; use --stack <name> (or --all), --json <file>, --markdown <file>, --set <key>=<value>, --policy-config <file>`);
    }
    if (args.stacks.length === 0) args.stacks.push("dev");
    for (const stack of args.stacks) {
        if (!stackFiles().includes(stack)) throw new Error(`no stack "${stack}"; stacks: ${stackFiles().join(", ")}`);
    }
    args.stacks = [...new Set(args.stacks)];
    return args;
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`plan: ${(err as Error).message}`);
        return 2;
    }
    const policyConfig: PolicyPackConfig = args.policyConfig ? JSON.parse(fs.readFileSync(args.policyConfig, "utf8")) : {};
    const reviews: StackReview[] = [];
    let mandatory = false;
    const documents: Record<string, unknown>[] = [];
    for (const stack of args.stacks) {
        const started = process.hrtime.bigint();
        let run;
        try {
            run = await runStack(stack, { overrides: args.overrides });
        } catch (err) {
            if (err instanceof ConfigError) {
                console.error(`plan: stack ${stack}: ${err.message}`);
                return 1;
            }
            throw err;
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const policy = await policyReport(run, policyConfig);
        mandatory = mandatory || policy.findings.some((f) => f.enforcementLevel === "mandatory");
        const review = reviewOf(run, policy);
        reviews.push(review);
        documents.push({ ...planJson(run), cost: costJson(review), policy: review.policy ?? null });
        printRun(run, review, ms);
    }

    if (args.json) {
        const doc = documents.length === 1 ? documents[0] : documents;
        fs.writeFileSync(args.json, JSON.stringify(doc, null, 2) + "\n");
        console.log(`\nwrote ${args.json}`);
    }
    if (args.markdown) {
        fs.writeFileSync(args.markdown, reviewMarkdown(reviews));
        console.log(`wrote ${args.markdown}`);
    }
    // Like `pulumi up` with the pack: a mandatory violation fails the plan.
    return mandatory ? 1 : 0;
}

function printRun(run: StackRun, review: StackReview, ms: number): void {
    const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    console.log(`alicerce plan — stack ${run.stack}: ${run.config["alicerce:cloud"]} / ${run.config["alicerce:tier"]} in ${run.config["alicerce:region"] ?? "no region (a Docker host you bring)"}`);
    console.log(`(offline: the real program under mocks; computed in ${ms.toFixed(0)} ms)\n`);
    for (const log of run.logs.filter((l) => l.severity !== "info")) console.log(`${log.severity}: ${log.message}`);
    console.log(`\nResources (${custom.length} cloud resources, ${run.resources.length - custom.length} components and providers):`);
    for (const line of renderTree(run.resources)) console.log(`  ${line}`);
    console.log("\nBy type:");
    for (const [type, count] of countByType(run.resources)) console.log(`  ${String(count).padStart(4)}  ${type}`);
    console.log("");
    for (const line of costText(review)) console.log(line);
    console.log("");
    for (const line of policyText(review.policy)) console.log(line);
    console.log("\nArchitecture (Mermaid; rendered in the --markdown report):");
    console.log(review.diagram);
    console.log("");
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
