/**
 * `npm run plan -- --stack <name> | --all [--json <file>] [--markdown <file>] [--set key=value ...] [--policy-config <file>]`:
 * what a stack would create, what it would cost a month against its budget,
 * what the policies say and a diagram of its architecture, computed offline
 * by running the real program under mocks. No Pulumi CLI, no cloud account.
 * A thin command line: the engine is offline/ (offline/plan.ts).
 */
import * as fs from "fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { stackFiles } from "../offline";
import { blocksUp, planStack, planText, StackPlan } from "../offline/plan";
import { reviewMarkdown } from "../offline/review";
import { ConfigError } from "../stacks";

interface Args {
    stacks: string[];
    json?: string;
    markdown?: string;
    /** `--set alicerce:tier=growth`: what the stacks would be with this config (nothing is written). */
    overrides: Record<string, string>;
    /** `--policy-config <file>`: per-policy levels and settings, as `pulumi preview --policy-pack-config` takes. */
    policyConfig?: string;
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
    const plans: StackPlan[] = [];
    for (const stack of args.stacks) {
        let plan: StackPlan;
        try {
            plan = await planStack(stack, { overrides: args.overrides, policyConfig });
        } catch (err) {
            if (err instanceof ConfigError) {
                console.error(`plan: stack ${stack}: ${err.message}`);
                return 1;
            }
            throw err;
        }
        plans.push(plan);
        console.log(planText(plan).join("\n"));
    }

    if (args.json) {
        const documents = plans.map((p) => p.json);
        fs.writeFileSync(args.json, JSON.stringify(documents.length === 1 ? documents[0] : documents, null, 2) + "\n");
        console.log(`\nwrote ${args.json}`);
    }
    if (args.markdown) {
        fs.writeFileSync(args.markdown, reviewMarkdown(plans.map((p) => p.review)));
        console.log(`wrote ${args.markdown}`);
    }
    // Like `pulumi up` with the pack: a mandatory violation fails the plan.
    return plans.some(blocksUp) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
