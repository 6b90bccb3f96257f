/**
 * `npm run plan -- --stack <name> [--json <file>]`: what a stack would
 * create, computed offline by running the real program under mocks. No
 * Pulumi CLI, no cloud account.
 */
import * as fs from "fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { hasMandatory, runPolicies } from "../policies/offline";
import { POLICIES } from "../policies/pack";
import { ConfigError } from "../stacks";
import { runStack, stackFiles } from "../test/harness";
import { countByType, planJson, renderPolicyReport, renderTree } from "./report";

interface Args {
    stack: string;
    json?: string;
    /** A policy pack config file, as `pulumi preview --policy-pack-config` takes. */
    policyConfig?: string;
}

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "dev" };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if ((flag === "--stack" || flag === "--json" || flag === "--policy-config") && (value === undefined || value.startsWith("--"))) {
            throw new Error(`${flag} needs a value`);
        }
        if (flag === "--stack") args.stack = argv[++i];
        else if (flag === "--json") args.json = argv[++i];
        else if (flag === "--policy-config") args.policyConfig = argv[++i];
        else throw new Error(`unknown argument ${flag}; use --stack <name>, --json <file> and --policy-config <file>`);
    }
    if (!stackFiles().includes(args.stack)) throw new Error(`no stack "${args.stack}"; stacks: ${stackFiles().join(", ")}`);
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
    const started = process.hrtime.bigint();
    let run;
    try {
        run = await runStack(args.stack);
    } catch (err) {
        if (err instanceof ConfigError) {
            console.error(`plan: stack ${args.stack}: ${err.message}`);
            return 1;
        }
        throw err;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));

    console.log(`alicerce plan — stack ${run.stack}: ${run.config["alicerce:cloud"]} / ${run.config["alicerce:tier"]} in ${run.config["alicerce:region"]}`);
    console.log(`(offline: the real program under mocks; computed in ${ms.toFixed(0)} ms)\n`);
    for (const log of run.logs.filter((l) => l.severity !== "info")) console.log(`${log.severity}: ${log.message}`);
    console.log(`\nResources (${custom.length} cloud resources, ${run.resources.length - custom.length} components and providers):`);
    for (const line of renderTree(run.resources)) console.log(`  ${line}`);
    console.log("\nBy type:");
    for (const [type, count] of countByType(run.resources)) console.log(`  ${String(count).padStart(4)}  ${type}`);

    const policyConfig: PolicyPackConfig = args.policyConfig ? JSON.parse(fs.readFileSync(args.policyConfig, "utf8")) : {};
    const violations = await runPolicies(run, { config: policyConfig });
    console.log("");
    for (const line of renderPolicyReport(violations, POLICIES.length)) console.log(line);

    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify({ ...planJson(run), policyViolations: violations }, null, 2) + "\n");
        console.log(`\nwrote ${args.json}`);
    }
    return hasMandatory(violations) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
