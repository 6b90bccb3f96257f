import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { ROOT } from "../offline";

const run = promisify(execFile);
const plan = (...args: string[]) =>
    run(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts", "plan.ts"), ...args], {
        cwd: ROOT,
        maxBuffer: 32 * 1024 * 1024,
    });

describe("npm run plan", function () {
    this.timeout(120_000);

    it("prints the resource tree and counts, and writes the JSON document", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-"));
        try {
            const file = path.join(dir, "plan.json");
            const { stdout } = await plan("--stack", "prod", "--json", file);
            assert.match(stdout, /stack prod \(Pulumi\.prod\.yaml\): aws \/ prod in us-east-1/);
            assert.match(stdout, /alicerce-prod {2}\(pulumi:pulumi:Stack\)/);
            const doc = JSON.parse(fs.readFileSync(file, "utf8"));
            assert.equal(doc.stack, "prod");
            assert.equal(doc.cloud, "aws");
            assert.equal(doc.tier, "prod");
            assert.ok(doc.resources.length > 1);
            for (const r of doc.resources) assert.deepEqual(Object.keys(r).sort(), ["custom", "inputs", "name", "options", "parent", "type", "urn"]);
            // Options, outputs and warnings (test/plan-json.test.ts checks their content).
            assert.equal(doc.resources.find((r: { name: string }) => r.name === "database-primary").options.protect, true);
            assert.equal(doc.outputs.tier, "prod");
            assert.ok(Array.isArray(doc.warnings));
            for (const w of doc.warnings) assert.ok(stdout.includes(`${w.severity}: ${w.message}`), `the console shows ${w.message}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("exits non-zero with every validation problem on bad config", async () => {
        const err = await plan("--stack", "dev", "--set", "alicerce:tier=prd", "--set", "alicerce:budgetUsd=lots").then(
            () => assert.fail("plan accepted a bad tier"),
            (e) => e,
        );
        assert.equal(err.code, 1);
        assert.match(err.stderr, /alicerce:tier: "prd" is not a tier; use one of mvp, growth, prod/);
        assert.match(err.stderr, /alicerce:budgetUsd: "lots" is not a number/);
    });

    it("rejects an unknown stack, naming the ones there are", async () => {
        const err = await plan("--stack", "nope").then(
            () => assert.fail("plan accepted an unknown stack"),
            (e) => e,
        );
        assert.equal(err.code, 2);
        assert.match(err.stderr, /no stack "nope" \(stacks: .*dev/);
    });
});

describe("npm run plan: the command line", function () {
    this.timeout(300_000);
    const fail = (...args: string[]) =>
        plan(...args).then(
            (r) => assert.fail(`plan ${args.join(" ")} succeeded: ${r.stdout.slice(-300)}`),
            (e) => e,
        );

    it("--help names every option and exits 0", async () => {
        const { stdout } = await plan("--help");
        for (const flag of [
            "-s, --stack",
            "--all",
            "--json <file|->",
            "--markdown",
            "--set",
            "--policy-config",
            "--diff <git-ref>",
            "--diff-stack",
            "--diff-tier",
        ])
            assert.ok(stdout.includes(flag), flag);
    });

    it("suggests the stack or tier meant, and a mistyped flag", async () => {
        assert.match((await fail("-s", "dve")).stderr, /no stack "dve"; did you mean "dev"\?/);
        assert.match((await fail("--stack=prdo")).stderr, /no stack "prdo"; did you mean "prod"\?/);
        assert.match((await fail("-s", "dev", "--diff-tier", "grwth")).stderr, /"grwth" is not a tier; did you mean "growth"\?/);
        assert.match((await fail("--jsno", "x")).stderr, /unknown argument --jsno; did you mean "--json"\?/);
        const bad = await fail("-s", "dev", "--set", "alicerce:tier=prd");
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /alicerce:tier: "prd" is not a tier; .*did you mean "prod"\?/);
    });

    it("a bad policy config is named, with every problem and no stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-"));
        try {
            const file = path.join(dir, "policy.json");
            fs.writeFileSync(file, JSON.stringify({ "alb-wf": "advisory", "required-tags": "hard" }));
            const err = await fail("-s", "dev", "--policy-config", file);
            assert.equal(err.code, 2);
            assert.match(err.stderr, /alb-wf: is not a policy of the pack alicerce; did you mean "alb-waf"\? use one of/);
            assert.match(err.stderr, /required-tags: "hard" is not an enforcement level/);
            fs.writeFileSync(file, "{ not json");
            const broken = await fail("-s", "dev", "--policy-config", file);
            assert.match(broken.stderr, /--policy-config .*policy\.json: .*JSON/);
            for (const e of [err, broken]) assert.doesNotMatch(e.stderr, /^\s+at /m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    // The engine checks each policy's settings against its configSchema before a preview (pulumi/pulumi
    // sdk/go/common/resource/analyzer/config.go validatePolicyPackConfig, gojsonschema): "<policy>: <problem>".
    it("a policy setting of the wrong type or unknown to the policy is refused, with no stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-"));
        try {
            const file = path.join(dir, "policy.json");
            fs.writeFileSync(file, JSON.stringify({ "required-tags": { requiredTags: "Owner" }, "cost-budget": { limit: 3 } }));
            const err = await fail("-s", "dev", "--policy-config", file);
            assert.equal(err.code, 2);
            assert.match(err.stderr, /required-tags\.requiredTags: "Owner" is not allowed; it must be array/);
            assert.match(err.stderr, /cost-budget\.limit: is not a setting of cost-budget; use budgetUsd, region, tier \(or enforcementLevel\)/);
            assert.doesNotMatch(err.stderr, /^\s+at /m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("takes a stack as a Pulumi.<stack>.yaml path, names the file it read and the file it wrote, and a bad stack file without a stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-"));
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.local.yaml"), path.join(dir, "Pulumi.mine.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  alicerce:cloud: docker\n  alicerce:tier: [mvp\n");
            const md = path.join(dir, "plan.md");
            const err = await fail(
                "-s",
                path.join(dir, "Pulumi.mine.yaml"),
                "-s",
                path.join(dir, "Pulumi.broken.yaml"),
                "-s",
                "Pulumi.local.yaml",
                "--markdown",
                md,
            );
            assert.equal(err.code, 1);
            assert.match(err.stdout, new RegExp(`alicerce plan — stack mine \\(${path.join(dir, "Pulumi.mine.yaml").replace(/[.]/g, "\\.")}\\)`));
            assert.match(err.stdout, /alicerce plan — stack local \(Pulumi\.local\.yaml\)/);
            assert.match(err.stderr, new RegExp(`plan: stack broken: ${path.join(dir, "Pulumi.broken.yaml").replace(/[.]/g, "\\.")}: not valid YAML`));
            assert.doesNotMatch(err.stderr, /^\s+at /m);
            assert.ok(err.stdout.includes(`wrote the Markdown report to ${md}`));
            assert.match(fs.readFileSync(md, "utf8"), /## `broken` — fails validation/);
            const missing = await fail("-s", path.join(dir, "Pulumi.gone.yaml"), "-s", path.join(dir, "stack.yaml"));
            assert.equal(missing.code, 2);
            assert.match(missing.stderr, /Pulumi\.gone\.yaml: no such file/);
            assert.match(missing.stderr, /stack\.yaml: not a stack file; a stack file is named Pulumi\.<stack>\.yaml/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("--all ends with one line: stacks, cloud resources, policy violations, stacks over budget; --json - carries every stack whole", async () => {
        const { stdout, stderr } = await plan("--all", "--json", "-");
        // The JSON of every stack is larger than a pipe takes at once: all of it arrives before the exit.
        const doc = JSON.parse(stdout) as { resources: { custom: boolean; type: string }[]; policy: { findings: unknown[] } }[];
        const resources = doc.reduce((n, d) => n + d.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length, 0);
        const violations = doc.reduce((n, d) => n + d.policy.findings.length, 0);
        const last = stderr.trim().split("\n").at(-1)!;
        assert.match(
            last,
            new RegExp(
                `^${doc.length} stacks: ${doc.length} planned, 0 failed validation, 0 blocked by a mandatory policy; ${resources} cloud resources; ${violations} policy violations \\(0 mandatory, ${violations} advisory\\); \\d+ stacks? over budget\\.$`,
            ),
        );
    });

    it("--json - writes the JSON plan alone on stdout (the report goes to stderr)", async () => {
        const { stdout, stderr } = await plan("--stack=local", "--json", "-");
        const doc = JSON.parse(stdout);
        assert.equal(doc.stack, "local");
        assert.match(stderr, /alicerce plan — stack local/);
    });

    it("a stack that fails validation keeps its row; the others render; both reports are written before exiting 1", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-plan-"));
        try {
            const [md, js] = [path.join(dir, "plan.md"), path.join(dir, "plan.json")];
            // registryName is a DigitalOcean key: the AWS stack refuses it, the DigitalOcean stack plans.
            const err = await fail("-s", "dev", "-s", "do-dev", "--set", "alicerce:registryName=acme", "--markdown", md, "--json", js);
            assert.equal(err.code, 1);
            const report = fs.readFileSync(md, "utf8");
            assert.match(report, /^<!-- alicerce-plan -->/);
            assert.match(report, /\| `dev` \| — \| — \| — \| — \| ❌ fails validation \|/);
            assert.match(report, /\| `do-dev` \| digitalocean \/ mvp \| \$[\d,.]+ \| [^|]+ \| [^|]+ \| [^|]+ \|/);
            assert.match(report, /## `dev` — fails validation\n\n```\n[^`]*alicerce:registryName/);
            assert.match(report, /## `do-dev` — digitalocean/);
            const docs = JSON.parse(fs.readFileSync(js, "utf8"));
            assert.equal(docs[0].stack, "dev");
            assert.match(docs[0].error, /alicerce:registryName/);
            assert.equal(docs[1].stack, "do-dev");
            assert.ok(docs[1].resources.length > 0);
            assert.match(err.stdout, /2 stacks: 1 planned, 1 failed validation, 0 blocked by a mandatory policy;/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("--diff <git-ref> plans the stack at that commit with its own tool and reports the changes and the cost delta", async () => {
        // 55019f0: a commit of this repository whose plan tool predates --diff (and the `custom` field).
        const { stdout } = await plan("-s", "local", "--diff", "55019f0", "--json", "-");
        const doc = JSON.parse(stdout);
        assert.equal(doc.diff.before, "55019f0");
        assert.equal(typeof doc.diff.costBefore, "number");
        assert.equal(typeof doc.diff.costAfter, "number");
        for (const kind of ["add", "update", "replace", "delete"]) assert.equal(typeof doc.diff.counts[kind], "number");
        // Components are not compared as resources.
        assert.ok(doc.diff.entries.every((e: { type: string }) => !/^alicerce:/.test(e.type)));
        const err = await fail("-s", "local", "--diff", "no-such-ref");
        assert.match(err.stderr, /--diff no-such-ref: not a commit, branch or tag/);
    });
});
