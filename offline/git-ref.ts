/**
 * The plan of the program as it was at a git ref, for `npm run plan --
 * --diff <ref>`: the ref's tree is exported with `git archive` into a
 * temporary directory (no worktree registered, nothing checked out here),
 * given this checkout's installed node_modules, and that tree's own
 * `scripts/plan.ts` writes its JSON plan, which the diff reads. Running the
 * ref's own tool (in a separate process) plans the ref's program with the
 * ref's own engine, mocks and cost model.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./index";
import type { PlanJson } from "./report";

/** The plans of `stacks` at `ref`; a stack the ref cannot plan maps to the reason. */
export function plansAtRef(
    ref: string,
    stacks: readonly string[],
    options: { overrides?: Readonly<Record<string, string>>; policyConfig?: string } = {},
): Map<string, PlanJson | { error: string }> {
    const result = new Map<string, PlanJson | { error: string }>();
    const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    try {
        git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    } catch {
        throw new Error(`--diff ${ref}: not a commit, branch or tag in this repository (see \`git log --oneline\`)`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-ref-"));
    try {
        const tar = git("archive", "--format=tar", ref);
        execFileSync("tar", ["-x", "-C", dir], { input: tar, maxBuffer: 512 * 1024 * 1024 });
        if (!fs.existsSync(path.join(dir, "scripts", "plan.ts"))) throw new Error(`--diff ${ref}: that commit has no scripts/plan.ts to plan it with`);
        for (const modules of ["node_modules", "policies/node_modules", "app-image/node_modules"]) {
            if (fs.existsSync(path.join(ROOT, modules)) && fs.existsSync(path.dirname(path.join(dir, modules)))) {
                fs.symlinkSync(path.join(ROOT, modules), path.join(dir, modules), "dir");
            }
        }
        const present = stacks.filter((s) => fs.existsSync(path.join(dir, `Pulumi.${s}.yaml`)));
        for (const s of stacks) if (!present.includes(s)) result.set(s, { error: `no Pulumi.${s}.yaml at ${ref} (a new stack)` });
        const planAt = (which: readonly string[]): { docs: PlanJson[]; stderr: string } => {
            const out = path.join(dir, `plan-${which.length === 1 ? which[0] : "all"}.json`);
            const args = [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(dir, "scripts", "plan.ts"), "--json", out];
            for (const s of which) args.push("--stack", s);
            for (const [k, v] of Object.entries(options.overrides ?? {})) args.push("--set", `${k}=${v}`);
            if (options.policyConfig) args.push("--policy-config", path.resolve(options.policyConfig));
            const child = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
            if (!fs.existsSync(out)) return { docs: [], stderr: child.stderr || child.error?.message || `exit ${child.status}` };
            const doc = JSON.parse(fs.readFileSync(out, "utf8"));
            return { docs: (Array.isArray(doc) ? doc : [doc]).filter((d: PlanJson) => d && Array.isArray(d.resources)), stderr: child.stderr };
        };
        if (present.length > 0) {
            let { docs } = planAt(present);
            // An older tool stops at the first stack that fails and writes nothing: plan the stacks one at a time.
            if (docs.length === 0 && present.length > 1) docs = present.flatMap((s) => planAt([s]).docs);
            for (const d of docs) result.set(d.stack, d);
            for (const s of present) {
                if (!result.has(s)) {
                    const why = planAt([s])
                        .stderr.split("\n")
                        .filter((l) => l.trim() && !/^\s+at /.test(l))
                        .slice(0, 5)
                        .join(" ");
                    result.set(s, { error: `the plan at ${ref} failed: ${why}` });
                }
            }
        }
        return result;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
