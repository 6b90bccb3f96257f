/**
 * `npm run plan -- --stack <name> [--json <file>] [--set key=value ...]`: what a stack would
 * create, computed offline by running the real program under mocks. No
 * Pulumi CLI, no cloud account.
 */
import * as fs from "fs";
import { ConfigError } from "../stacks";
import { runStack, stackFiles } from "../test/harness";
import { countByType, planJson, renderTree } from "./report";

interface Args {
    stack: string;
    json?: string;
    /** `--set alicerce:tier=growth`: what the stack would be with this config (nothing is written). */
    overrides: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "dev", overrides: {} };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (["--stack", "--json", "--set"].includes(flag) && (value === undefined || value.startsWith("--"))) {
            throw new Error(`${flag} needs a value`);
        }
        if (flag === "--stack") args.stack = argv[++i];
        else if (flag === "--json") args.json = argv[++i];
        else if (flag === "--set") {
            const [key, ...rest] = argv[++i].split("=");
            if (!key.includes(":") || rest.length === 0) throw new Error(`--set takes namespace:key=value, e.g. alicerce:tier=growth; got "${value}"`);
            args.overrides[key] = rest.join("=");
        } else throw new Error(`unknown argument ${flag}; use --stack <name>, --json <file>, --set <key>=<value>`);
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
        run = await runStack(args.stack, { overrides: args.overrides });
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

    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(planJson(run), null, 2) + "\n");
        console.log(`\nwrote ${args.json}`);
    }
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
