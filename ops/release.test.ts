/**
 * `npm run release -- --rollback`, run for real against a stub `pulumi` on PATH that answers
 * `stack history --json` and `stack export --version <n>` (flags as documented:
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/ "--version: Previous stack version to export")
 * and records every call.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageOfCheckpoint, parseArgs, successfulUpdates } from "./release";

const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/clinic-api";
const img = (c: string) => `${REPO}@sha256:${c.repeat(64)}`;
const checkpoint = (image: string) => ({
    version: 3,
    deployment: {
        resources: [
            { urn: "urn:pulumi:prod::alicerce::pulumi:pulumi:Stack::alicerce-prod", type: "pulumi:pulumi:Stack", outputs: { image, url: "https://x" } },
        ],
    },
});

/** Runs ops/release.ts with a stub pulumi whose history and checkpoints are given; returns the exit, stderr and calls. */
function runRelease(args: string[], history: object[], images: Record<number, string>, upExit = 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
    const calls = path.join(dir, "calls.log");
    for (const [v, image] of Object.entries(images)) fs.writeFileSync(path.join(dir, `v${v}.json`), JSON.stringify(checkpoint(image)));
    fs.writeFileSync(path.join(dir, "history.json"), JSON.stringify(history));
    fs.writeFileSync(
        path.join(dir, "pulumi"),
        [
            "#!/bin/bash",
            `echo "pulumi $*" >> ${calls}`,
            `case "$1 $2" in`,
            `  "stack history") cat ${dir}/history.json ;;`,
            `  "stack export") cat ${dir}/v$4.json ;;`,
            `  "up "*|"up --yes") exit ${upExit} ;;`,
            "esac",
        ].join("\n"),
        { mode: 0o755 },
    );
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "release.ts"), ...args], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
    });
    const log = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, calls: log };
}

const update = (version: number, result = "succeeded", kind = "update") => ({ version, kind, result, startTime: 0, message: "" });

describe("npm run release -- --rollback (stub pulumi on PATH)", function () {
    this.timeout(60_000);

    it("pins the image of the newest earlier successful update that ran another image, then runs up", () => {
        // 7: current; 6: a failed update; 5: config-only (same image); 4: the previous release.
        const r = runRelease(
            ["--rollback", "--stack", "prod", "--yes"],
            [update(7), update(6, "failed"), update(5), update(4), update(3, "succeeded", "refresh")],
            { 7: img("b"), 5: img("b"), 4: img("a") },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, [
            "pulumi stack history --json --stack prod",
            "pulumi stack export --version 7 --stack prod",
            "pulumi stack export --version 5 --stack prod",
            "pulumi stack export --version 4 --stack prod",
            `pulumi config set alicerce:image ${img("a")} --stack prod`,
            "pulumi up --yes --stack prod",
        ]);
    });

    it("refuses when there is no earlier release, and never runs up", () => {
        const r = runRelease(["--rollback"], [update(2), update(1, "failed")], { 2: img("b") });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /no previous release to return to/);
        assert.ok(!r.calls.some((c) => c.startsWith("pulumi up") || c.startsWith("pulumi config set")));
    });

    it("on a self-managed backend (no earlier deployments to export) says how to roll back with --to, and never runs up", () => {
        // pulumi stack export --version N: only Pulumi Cloud implements it; s3://, file:// and --local refuse
        // ("does not provide the ability to export previous deployments", pulumi/pulumi stack_export.go). The stub's export fails here.
        const r = runRelease(["--rollback"], [update(2), update(1)], {});
        assert.equal(r.status, 1);
        assert.match(r.stderr, /only Pulumi Cloud does\); roll back with npm run release -- --to <image@sha256:\.\.\.>/);
        assert.ok(!r.calls.some((c) => c.startsWith("pulumi up") || c.startsWith("pulumi config set")));
    });

    it("refuses a previous image that cannot be pulled by digest (a single host's local build)", () => {
        const r = runRelease(["--rollback"], [update(2), update(1)], { 2: `sha256:${"b".repeat(64)}`, 1: `sha256:${"a".repeat(64)}` });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /not pullable by digest/);
    });

    it("fails when pulumi up fails (the rollout's own failure is the command's)", () => {
        const r = runRelease(["--to", img("c")], [], {}, 255);
        assert.equal(r.status, 1);
        assert.deepEqual(r.calls, [`pulumi config set alicerce:image ${img("c")}`, "pulumi up"]);
    });

    it("parses its arguments strictly", () => {
        assert.throws(() => parseArgs([]), /exactly one of --rollback and --to/);
        assert.throws(() => parseArgs(["--to", `${REPO}:latest`]), /not an image pinned by digest/);
        assert.throws(() => parseArgs(["--rollbak"]), /unknown argument/);
        assert.deepEqual(successfulUpdates([update(1), update(3), update(2, "failed")]), [3, 1]);
        assert.equal(imageOfCheckpoint(checkpoint(img("a"))), img("a"));
        assert.equal(imageOfCheckpoint({}), undefined);
    });
});
