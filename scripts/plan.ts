/**
 * `npm run plan`: what a stack would create, what it would cost a month
 * against its budget, what the policies say and a diagram of its
 * architecture, computed offline by running the real program under mocks;
 * with `--diff`, what a change changes. No Pulumi CLI, no cloud account.
 * A thin command line (`--help`): the engine is offline/ (offline/plan.ts).
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { displayPath, explainUnresolved, ROOT, stackEnvironments, StackFileError, stackFiles } from "../offline";
import { diffPlans, diffText, formatDelta, StackDiff } from "../offline/diff";
import { plansAtRef } from "../offline/git-ref";
import { blocksUp, planStack, planText, StackPlan } from "../offline/plan";
import { policyConfigProblems } from "../offline/policies";
import type { PlanJson } from "../offline/report";
import { PlanRow, reviewMarkdown, statusOf, violationsText } from "../offline/review";
import { didYouMean } from "../offline/suggest";
import { formatUsd } from "../policies/lib/cost";
import { ConfigError, TIERS } from "../stacks";

const HELP = `npm run plan -- [options]

What a stack would create, cost and be allowed to do, computed offline (the
real program under Pulumi's mocks; no Pulumi CLI, no cloud account).

  -s, --stack <name|file>   plan this stack: a name (Pulumi.<name>.yaml beside Pulumi.yaml) or a
                            Pulumi.<name>.yaml path (another directory's too); repeatable; default dev
      --all                 plan every stack; a stack that fails still gets its row
      --json <file|->       write the JSON plan (one document, or an array for several stacks); - for stdout
      --markdown <file>     write the Markdown report (the pull-request comment)
      --set <ns:key=value>  plan with this config on top of the stack file's (nothing is written); repeatable
      --policy-config <file>  per-policy levels and settings, as pulumi preview --policy-pack-config
      --diff <git-ref>      compare with the same stacks at a git ref (e.g. origin/main): created, updated,
                            replaced, deleted, the inputs that changed, data at risk, cost before/after
      --diff-stack <name>   compare the stack with another stack (before = <name>, after = the stack)
      --diff-tier <tier>    compare the stack as it is (before) with the same stack at <tier> (after)
  -h, --help                this help

Exit status: 0; 1 when a stack fails validation or a mandatory policy (the
reports are written first); 2 for a bad command line.
Flags take their value as the next argument or after "=" (--stack=prod).`;

interface Args {
    stacks: string[];
    /** The directory of a stack given as a `Pulumi.<stack>.yaml` path outside the project. */
    stackDirs: Record<string, string>;
    all: boolean;
    json?: string;
    markdown?: string;
    /** `--set alicerce:tier=growth`: what the stacks would be with this config (nothing is written). */
    overrides: Record<string, string>;
    /** `--policy-config <file>`: per-policy levels and settings, as `pulumi preview --policy-pack-config` takes. */
    policyConfig?: string;
    diffRef?: string;
    diffStack?: string;
    diffTier?: string;
    help: boolean;
}

class UsageError extends Error {}

const VALUED = ["--stack", "--json", "--markdown", "--set", "--policy-config", "--diff", "--diff-stack", "--diff-tier"];
const FLAGS = [...VALUED, "--all", "--help"];

/** Parses the command line; throws a {@link UsageError} naming every problem it finds first. */
export function parseArgs(argv: string[], stacks: readonly string[] = stackFiles()): Args {
    const args: Args = { stacks: [], stackDirs: {}, all: false, overrides: {}, help: false };
    const problems: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        let flag = argv[i];
        let value: string | undefined;
        const eq = flag.startsWith("--") ? flag.indexOf("=") : -1;
        if (eq > 0) [flag, value] = [flag.slice(0, eq), flag.slice(eq + 1)];
        if (flag === "-s") flag = "--stack";
        if (flag === "-h") flag = "--help";
        if (VALUED.includes(flag) && value === undefined) {
            value = argv[i + 1];
            // `--json -` is stdout; any other value starting with "-" is the next flag.
            if (value === undefined || (value.startsWith("-") && !(flag === "--json" && value === "-"))) throw new UsageError(`${flag} needs a value`);
            i++;
        } else if (!VALUED.includes(flag) && value !== undefined) throw new UsageError(`${flag} takes no value`);
        if (flag === "--stack") {
            const file = stackPath(value!);
            if (typeof file === "string") problems.push(file);
            else if (file) {
                args.stacks.push(file.stack);
                if (file.dir !== ROOT) args.stackDirs[file.stack] = file.dir;
            } else args.stacks.push(value!);
        } else if (flag === "--all") args.all = true;
        else if (flag === "--help") args.help = true;
        else if (flag === "--json") args.json = value;
        else if (flag === "--markdown") args.markdown = value;
        else if (flag === "--policy-config") args.policyConfig = value;
        else if (flag === "--diff") args.diffRef = value;
        else if (flag === "--diff-stack") args.diffStack = value;
        else if (flag === "--diff-tier") args.diffTier = value;
        else if (flag === "--set") {
            const [key, ...rest] = value!.split("=");
            if (!key.includes(":") || rest.length === 0) throw new UsageError(`--set takes namespace:key=value, e.g. alicerce:tier=growth; got "${value}"`);
            args.overrides[key] = rest.join("=");
        } else throw new UsageError(`unknown argument ${flag}${didYouMean(flag, FLAGS)} (see --help)`);
    }
    if (args.help) return args;
    if (args.all) args.stacks.push(...stacks);
    if (args.stacks.length === 0 && problems.length === 0) args.stacks.push("dev");
    for (const stack of [...args.stacks, ...(args.diffStack ? [args.diffStack] : [])]) {
        if (!stacks.includes(stack) && !args.stackDirs[stack]) problems.push(`no stack "${stack}"${didYouMean(stack, stacks)} (stacks: ${stacks.join(", ")})`);
    }
    if (args.diffTier !== undefined && !(TIERS as readonly string[]).includes(args.diffTier)) {
        problems.push(`--diff-tier: "${args.diffTier}" is not a tier${didYouMean(args.diffTier, TIERS)} (tiers: ${TIERS.join(", ")})`);
    }
    if ([args.diffRef, args.diffStack, args.diffTier].filter((d) => d !== undefined).length > 1) problems.push("use one of --diff, --diff-stack, --diff-tier");
    args.stacks = [...new Set(args.stacks)];
    if ((args.diffStack || args.diffTier) && args.stacks.length > 1) problems.push(`--diff-stack and --diff-tier compare one stack; got ${args.stacks.length}`);
    if (problems.length > 0) throw new UsageError(problems.join("\n"));
    return args;
}

/**
 * A `--stack` value that is a path to a stack file (`Pulumi.dev.yaml`,
 * `../infra/Pulumi.prod.yaml`): its stack name and directory; a problem
 * naming the file when it is not one; undefined for a plain stack name.
 */
function stackPath(value: string): { stack: string; dir: string } | string | undefined {
    if (!/[\\/]|\.ya?ml$/.test(value)) return undefined;
    const file = path.resolve(value);
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1];
    if (!stack) return `--stack ${value}: not a stack file; a stack file is named Pulumi.<stack>.yaml`;
    if (!fs.existsSync(file)) return `--stack ${value}: no such file (${file})`;
    return { stack, dir: path.dirname(file) };
}

/** Reads and checks the policy config: a JSON object of known policy names, each a level or an object. */
export function readPolicyConfig(file: string): PolicyPackConfig {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`--policy-config ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
    // Each policy's level and settings against its schema, as the Pulumi CLI checks them (offline/policies.ts): one checker.
    const problems = policyConfigProblems(doc);
    if (problems.length > 0) throw new UsageError(`--policy-config ${file}:\n  ${problems.join("\n  ")}`);
    return doc as PolicyPackConfig;
}

/** The program's message, with "did you mean" after a mistyped tier (`alicerce:tier: "prd" is not a tier; ...`). */
function withTierHint(message: string): string {
    return message.replace(/^(.*:tier: "([^"]*)" is not a tier.*)$/m, (line, _all, tier: string) => line + didYouMean(tier, TIERS));
}

interface Outcome extends PlanRow {
    readonly plan?: StackPlan;
}

/**
 * The one line after the per-stack summary: stacks (planned, failed,
 * blocked), cloud resources in all, policy violations by level, and how many
 * stacks are over their budget.
 */
export function summaryLine(outcomes: readonly PlanRow[]): string {
    const planned = outcomes.filter((o) => o.review);
    const failed = outcomes.length - planned.length;
    const findings = planned.flatMap((o) => o.review!.policy?.findings ?? []);
    const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory").length;
    const blocked = planned.filter((o) => o.review!.policy?.findings.some((f) => f.enforcementLevel === "mandatory")).length;
    const resources = planned.reduce((n, o) => n + o.review!.resourceCounts.reduce((m, [, c]) => m + c, 0), 0);
    const over = planned.filter((o) => o.review!.budgetUsd !== undefined && o.review!.cost.total > o.review!.budgetUsd).length;
    const s = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    return (
        `${s(outcomes.length, "stack")}: ${planned.length} planned, ${failed} failed validation, ${blocked} blocked by a mandatory policy; ` +
        `${s(resources, "cloud resource")}; ${s(findings.length, "policy violation")} (${mandatory} mandatory, ${findings.length - mandatory} advisory); ` +
        `${s(over, "stack")} over budget.`
    );
}

async function main(): Promise<number> {
    let args: Args;
    let policyConfig: PolicyPackConfig = {};
    try {
        args = parseArgs(process.argv.slice(2));
        if (args.help) {
            console.log(HELP);
            return 0;
        }
        if (args.policyConfig) policyConfig = readPolicyConfig(args.policyConfig);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`plan: ${err.message.replace(/\n/g, "\nplan: ")}`);
        return 2;
    }
    const fileOf = (stack: string) => displayPath(path.join(args.stackDirs[stack] ?? ROOT, `Pulumi.${stack}.yaml`));
    // With `--json -` the JSON owns stdout; the console report goes to stderr.
    const say = args.json === "-" ? (s: string) => console.error(s) : (s: string) => console.log(s);

    const plan = async (stack: string, overrides: Record<string, string> = args.overrides): Promise<{ plan?: StackPlan; error?: string }> => {
        try {
            return { plan: await planStack(stack, { overrides, policyConfig, stackDir: args.stackDirs[stack] }) };
        } catch (err) {
            if (err instanceof ConfigError) return { error: explainUnresolved(withTierHint(err.message), stackEnvironments(stack, args.stackDirs[stack])) };
            if (err instanceof StackFileError) return { error: err.message };
            // Anything else is the program failing: keep its message (the stack trace goes to the log) and carry on with the others.
            console.error(err);
            return { error: `the program failed: ${(err as Error)?.message ?? String(err)}` };
        }
    };

    let base: Map<string, PlanJson | { error: string }> | undefined;
    if (args.diffRef) {
        say(`planning ${args.stacks.join(", ")} at ${args.diffRef} ...`);
        try {
            base = plansAtRef(args.diffRef, args.stacks, { overrides: args.overrides, policyConfig: args.policyConfig });
        } catch (err) {
            console.error(`plan: ${(err as Error).message}`);
            return 2;
        }
    }

    const outcomes: Outcome[] = [];
    for (const stack of args.stacks) {
        let before: { label: string; json?: PlanJson; error?: string } | undefined;
        let after: { plan?: StackPlan; error?: string };
        let afterLabel = "this checkout";
        if (args.diffTier) {
            const now = await plan(stack);
            before = { label: `${stack} as configured`, json: now.plan?.json, error: now.error };
            after = await plan(stack, { ...args.overrides, "alicerce:tier": args.diffTier });
            afterLabel = `${stack} at tier ${args.diffTier}`;
        } else {
            after = await plan(stack);
            if (args.diffStack) {
                const other = await plan(args.diffStack);
                before = { label: `stack ${args.diffStack}`, json: other.plan?.json, error: other.error };
                afterLabel = `stack ${stack}`;
            } else if (base) {
                const b = base.get(stack);
                before = { label: args.diffRef!, ...(b && "resources" in b ? { json: b } : { error: b?.error ?? "not planned" }) };
            }
        }
        let diff: StackDiff | undefined;
        let diffError: string | undefined;
        if (before && after.plan) {
            if (before.json) diff = diffPlans(before.json, after.plan.json, { before: before.label, after: afterLabel });
            else diffError = `${before.label}: ${before.error}`;
        }
        const outcome: Outcome = { stack, plan: after.plan, review: after.plan?.review, error: after.error, diff, diffError };
        outcomes.push(outcome);
        if (after.plan) {
            const text = planText(after.plan);
            if (diff) text.push(...diffText(diff), "");
            else if (diffError) text.push(`Changes: not compared (${diffError})`, "");
            say(text.join("\n"));
        } else {
            const error = after.error ?? "";
            console.error(`plan: stack ${stack}${error.startsWith(fileOf(stack)) ? "" : ` (${fileOf(stack)})`}: ${error}`);
        }
    }

    // The reports first, failures and all, so the pull-request comment always has something true to say.
    if (args.json) {
        const documents = outcomes.map((o) =>
            o.plan
                ? { ...o.plan.json, ...(o.diff ? { diff: o.diff } : o.diffError ? { diff: { error: o.diffError } } : {}) }
                : { stack: o.stack, error: o.error },
        );
        const text = JSON.stringify(documents.length === 1 ? documents[0] : documents, null, 2) + "\n";
        // A pipe takes a large document in several writes: wait for it before the process exits.
        if (args.json === "-") await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
        else {
            fs.writeFileSync(args.json, text);
            say(`wrote the JSON plan to ${displayPath(args.json)}`);
        }
    }
    if (args.markdown) {
        fs.writeFileSync(args.markdown, reviewMarkdown(outcomes));
        say(`wrote the Markdown report to ${displayPath(args.markdown)}`);
    }
    const failed = outcomes.filter((o) => !o.plan);
    const blocked = outcomes.filter((o) => o.plan && blocksUp(o.plan));
    if (outcomes.length > 1 || args.all) {
        say("");
        say("Summary:");
        for (const o of outcomes) {
            const cost = o.review ? formatUsd(o.review.cost.total) : "—";
            const delta = o.diff ? ` (${formatDelta(o.diff.costDelta)})` : "";
            say(`  ${o.stack.padEnd(14)} ${cost.padStart(10)}${delta}  violations: ${violationsText(o.review?.policy)}  ${statusOf(o)}`);
        }
        say(summaryLine(outcomes));
    }
    // Like `pulumi up` with the pack: a mandatory violation (or a stack that cannot run) fails the plan.
    return failed.length > 0 || blocked.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
