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
            assert.match(stdout, /stack prod: aws \/ prod in us-east-1/);
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
        const err = await plan("--stack", "nope").then(() => assert.fail("plan accepted an unknown stack"), (e) => e);
        assert.equal(err.code, 2);
        assert.match(err.stderr, /no stack "nope"; stacks: .*dev/);
    });
});
