/**
 * The pack on another team's program: test/fixtures/foreign-program ("shop")
 * declares plain AWS resources with its own tag convention, under its own
 * project name, with no alicerce config and no alicerce stack outputs. The
 * core rules (encryption, exposure, tagging) judge it on its resources
 * alone; what is project-specific (tag keys, tier, budget) comes from the
 * pack's policy config, as `pulumi preview --policy-pack-config <file>` or
 * `pulumi policy enable <org>/alicerce <version> --config <file>` pass it
 * (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/).
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ROOT, runStack, StackRun } from "../../offline";
import { PolicyConfigError, policyConfigProblems, runPolicies } from "../../offline/policies";
import { POLICIES } from "../pack";

const DIR = path.join(ROOT, "test", "fixtures", "foreign-program");

/** `<level> <policy> <resource>` for each violation, sorted. */
async function verdicts(run: StackRun, config?: PolicyPackConfig): Promise<string[]> {
    return (await runPolicies(run, { config })).map((v) => `${v.level} ${v.policy} ${v.name ?? "(stack)"}`).sort();
}

describe("policy pack: on another program", function () {
    this.timeout(120_000);
    let run: StackRun;
    before(async () => {
        run = await runStack("dev", { project: "shop", stackDir: DIR, program: require(path.join(DIR, "index.ts")) });
        assert.equal(run.project, "shop");
        assert.deepEqual(Object.keys(run.config), ["aws:region"], "no alicerce config");
        assert.deepEqual(Object.keys(run.outputs).sort(), ["orders", "uploads"], "no tier, cloud or budget output");
    });

    it("encryption and exposure rules judge its resources alone; the compliant bucket passes", async () => {
        const core = (await verdicts(run)).filter((v) => !v.includes("required-tags") && !v.includes("prod-database-resilience"));
        assert.deepEqual(core, [
            "mandatory rds-not-public orders",
            "mandatory rds-storage-encrypted orders",
            "mandatory s3-bucket-encryption uploads",
            "mandatory s3-public-access-block uploads",
        ]);
    });

    it("required tags: the default keys unless the pack config names the program's own", async () => {
        const tagged = (await verdicts(run)).filter((v) => v.includes("required-tags"));
        assert.deepEqual(
            tagged,
            ["invoices", "invoices", "orders", "uploads"].map((n) => `mandatory required-tags ${n}`),
        );
        assert.deepEqual(
            (await verdicts(run, { "required-tags": { requiredTags: ["team"] } })).filter((v) => v.includes("required-tags")),
            [],
        );
        const [missing] = await runPolicies(run, { config: { "required-tags": { requiredTags: ["team", "service"] } }, policies: undefined }).then((vs) =>
            vs.filter((v) => v.policy === "required-tags" && v.name === "uploads"),
        );
        assert.match(missing.message, /^aws:s3\/bucket:Bucket "uploads" is missing the tag service; /);
    });

    it("tier rules: prod (the strictest) when nothing says otherwise; the tier from the pack config", async () => {
        assert.deepEqual(
            (await verdicts(run)).filter((v) => v.includes("prod-database-resilience")),
            ["mandatory prod-database-resilience orders", "mandatory prod-database-resilience orders", "mandatory prod-database-resilience orders"],
        );
        const mvp = await verdicts(run, { "prod-database-resilience": { tier: "mvp" } });
        assert.deepEqual(
            mvp.filter((v) => v.includes("prod-database-resilience")),
            [],
        );
    });

    it("cost budget: only with a budget in the pack config, priced in the provider's region", async () => {
        assert.deepEqual(
            (await verdicts(run)).filter((v) => v.includes("cost-budget")),
            [],
        );
        const advice = async (settings: Record<string, unknown>) => {
            const found = (await runPolicies(run, { config: { "cost-budget": { budgetUsd: 1, ...settings } } })).filter((v) => v.policy === "cost-budget");
            assert.equal(found.length, 1);
            assert.equal(found[0].level, "advisory");
            return found[0].message;
        };
        const message = await advice({});
        assert.match(message, /^The estimated monthly cost \$\d+\.\d\d is over the budget of \$1\.00 \(the cost-budget policy's budgetUsd\) by /);
        assert.doesNotMatch(message, /alicerce:/);
        // The stack's aws:region (sa-east-1, dearer than us-east-1) is what is priced, unless the config names a region.
        assert.equal(message, await advice({ region: "sa-east-1" }));
        assert.notEqual(message, await advice({ region: "us-east-1" }));
        assert.deepEqual(
            (await verdicts(run, { "cost-budget": { budgetUsd: 10_000 } })).filter((v) => v.includes("cost-budget")),
            [],
        );
    });

    it("a config that lowers every level to advisory (`all`) leaves nothing mandatory", async () => {
        const all = await verdicts(run, { all: "advisory" });
        assert.ok(all.length >= 4);
        assert.deepEqual(
            all.filter((v) => v.startsWith("mandatory")),
            [],
        );
    });
});

describe("policy pack: a bad policy config", () => {
    // The Pulumi CLI checks each policy's settings against its configSchema before the pack runs
    // (pulumi/pulumi sdk/go/pkg/resource/analyzer/config.go, ValidatePolicyPackConfig).
    const bad = {
        all: "strict",
        "alb-wafs": "advisory",
        "required-tags": { requiredTags: "team" },
        "prod-database-resilience": { tier: "production", enforcementLevel: "warn" },
        "cost-budget": { budgetUsd: -5, currency: "EUR" },
        "s3-bucket-encryption": { logBucketTag: { key: "purpose" } },
        "rds-not-public": 3,
    };
    const expected = [
        'all: "strict" is not an enforcement level; use one of advisory, mandatory, remediate, disabled',
        `alb-wafs: is not a policy of the pack alicerce; did you mean "alb-waf"? use one of all, ${POLICIES.map((p) => p.name).join(", ")}`,
        'required-tags.requiredTags: "team" is not allowed; it must be array',
        'prod-database-resilience.enforcementLevel: "warn" is not an enforcement level; use one of advisory, mandatory, remediate, disabled',
        'prod-database-resilience.tier: "production" is not allowed; use one of mvp, growth, prod',
        "cost-budget.currency: is not a setting of cost-budget; use budgetUsd, region, tier (or enforcementLevel)",
        "cost-budget.budgetUsd: -5 is not allowed; it must be >= 0",
        "s3-bucket-encryption.logBucketTag.value: is not set; it must have required property 'value'",
        "rds-not-public: 3 is not a policy setting; use an enforcement level (advisory, mandatory, remediate, disabled) or an object of settings",
    ];

    it("names every mistake at once (policy, setting, value, what is allowed), before any policy runs", () => {
        const problems = policyConfigProblems(bad);
        assert.equal(problems.length, expected.length, problems.join("\n"));
        assert.deepEqual(problems, expected);
        assert.deepEqual(policyConfigProblems([]), ['[] is not a policy config; use an object of policy names, e.g. {"alb-waf": "advisory"}']);
        assert.deepEqual(policyConfigProblems({ "required-tags": { requiredTags: ["team"] }, "cost-budget": { budgetUsd: 50, tier: "growth" } }), []);
    });

    it("stops the emulator with a PolicyConfigError whose message is the list, not a stack trace", async () => {
        const run = await runStack("dev", { project: "shop", stackDir: DIR, program: require(path.join(DIR, "index.ts")) });
        const err = await runPolicies(run, { config: bad as unknown as PolicyPackConfig }).then(
            () => assert.fail("a bad config must be refused"),
            (e: unknown) => e,
        );
        assert.ok(err instanceof PolicyConfigError, String(err));
        assert.equal(err.message, `policy config:\n  ${err.problems.join("\n  ")}`);
        assert.deepEqual(err.problems, policyConfigProblems(bad));
        assert.doesNotMatch(err.message, /\n\s+at /);
    });
    it("npm run plan --policy-config refuses it the same way: exit 2, the list, no stack trace", async function () {
        this.timeout(120_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-policy-config-"));
        try {
            const file = path.join(dir, "policy.json");
            // Names and levels are right; only the settings are wrong, which the plan's own name/level check let through before.
            const settingsOnly = { "required-tags": { requiredTags: "team" }, "cost-budget": { budgetUsd: -5, currency: "EUR" } };
            fs.writeFileSync(file, JSON.stringify(settingsOnly));
            const plan = [
                require.resolve("ts-node/dist/bin.js"),
                "--transpile-only",
                path.join(ROOT, "scripts", "plan.ts"),
                "-s",
                "dev",
                "--policy-config",
                file,
            ];
            const err: any = await promisify(execFile)(process.execPath, plan, { cwd: ROOT }).then(
                () => assert.fail("the plan must refuse the config"),
                (e: unknown) => e,
            );
            assert.equal(err.code, 2);
            assert.equal(err.stderr, `plan: --policy-config ${file}:\nplan:   ${policyConfigProblems(settingsOnly).join("\nplan:   ")}\n`);
            assert.doesNotMatch(err.stderr, /^\s+at /m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
