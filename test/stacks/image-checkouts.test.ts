/**
 * The app image's inputs from two checkouts at different paths. The docker
 * provider diffs the image's inputs against the state (pulumi/pulumi-docker
 * provider/provider.go: Diff compares old and new inputs, `build.context`
 * included, plus the context hash Check adds), and any difference rebuilds
 * and pushes the same `ctx-...` tag, which an ECR repository with immutable
 * tags refuses (ImageTagAlreadyExistsException;
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html).
 * So CI and a laptop, at different paths, must produce identical inputs.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../offline";

/** Copies the files a checkout has (tracked and new, not ignored) to `dest`, sharing node_modules by a link. */
function checkout(dest: string): void {
    const list = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter(Boolean);
    for (const rel of list) {
        const from = path.join(ROOT, rel);
        if (!fs.existsSync(from) || !fs.statSync(from).isFile()) continue;
        fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
        fs.copyFileSync(from, path.join(dest, rel));
        fs.chmodSync(path.join(dest, rel), fs.statSync(from).mode & 0o777);
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
}

/** Runs the dev stack under the harness with the checkout as working directory; returns the image's inputs and the warnings. */
function imageRun(dir: string): { image: Record<string, unknown>; warnings: string[] } {
    const script = `
        require("./offline").runStack("dev").then((run) => {
            const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
            const warnings = run.logs.filter((l) => l.severity === "warning").map((l) => l.message);
            process.stdout.write(JSON.stringify({ images: images.map((i) => ({ name: i.name, inputs: i.inputs })), warnings }));
        }, (err) => { console.error(err); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: dir, encoding: "utf8", timeout: 180_000 });
    assert.equal(r.status, 0, `the program failed in ${dir}: ${r.stderr}`);
    const { images, warnings } = JSON.parse(r.stdout);
    assert.equal(images.length, 1, "dev builds one image");
    return { image: images[0], warnings };
}
const imageInputs = (dir: string) => imageRun(dir).image;

describe("the app image from two checkouts at different paths", function () {
    this.timeout(400_000);
    let base: string;
    before(() => {
        base = fs.mkdtempSync(path.join(os.tmpdir(), "checkouts-"));
    });
    after(() => fs.rmSync(base, { recursive: true, force: true }));

    it("has identical inputs (context, Dockerfile, platform, tag), even with files docker ignores lying around in one", () => {
        const ci = path.join(base, "home", "runner", "work", "alicerce", "alicerce");
        const laptop = path.join(base, "Users", "me", "src", "platform");
        checkout(ci);
        checkout(laptop);
        // What a developer's checkout has and CI's does not; .dockerignore keeps all of it out of the build.
        fs.mkdirSync(path.join(laptop, "app-image", "node_modules", "left-pad"), { recursive: true });
        fs.writeFileSync(path.join(laptop, "app-image", "node_modules", "left-pad", "index.js"), "module.exports = 1;");
        fs.writeFileSync(path.join(laptop, "app-image", ".env.local"), "LOCAL_ONLY=1");
        fs.writeFileSync(path.join(laptop, "app-image", "debug.log"), "x");
        const a = imageInputs(ci);
        const b = imageInputs(laptop);
        assert.deepEqual(b, a);
        const build = (a as any).inputs.build;
        assert.equal(build.context, "app-image");
        assert.equal(build.dockerfile, "app-image/Dockerfile");
        assert.ok(!JSON.stringify(a).includes(base), "no absolute path of the checkout in the image's inputs");
    });

    // Git records only 644 and 755; a checkout under umask 0002 (Ubuntu desktops) has 664/775 files. The tag follows
    // the modes, as it must: pulumi-docker hashes each file's mode with its content (provider/provider.go hashPath,
    // fileInfo.Mode()), so a tag that ignored them would be pushed again over an immutable tag. So the program warns.
    it("a checkout with group-writable files (umask 0002) gets another tag, and the program says how to fix it", () => {
        const ci = path.join(base, "ci");
        const desktop = path.join(base, "desktop");
        checkout(ci);
        checkout(desktop);
        const appDir = path.join(desktop, "app-image");
        const walk = (d: string): void => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const full = path.join(d, e.name);
                if (e.isDirectory()) walk(full);
                else if (e.isFile()) fs.chmodSync(full, (fs.statSync(full).mode & 0o777) | 0o020);
            }
        };
        walk(appDir);
        const clean = imageRun(ci);
        const writable = imageRun(desktop);
        const tag = (r: { image: Record<string, unknown> }) =>
            String((r.image as any).inputs.imageName)
                .split(":")
                .at(-1);
        assert.notEqual(tag(writable), tag(clean), "the modes are part of the tag (as of the provider's hash)");
        assert.ok(!clean.warnings.some((w) => w.includes("go-w")), "a clean checkout gets no warning");
        const warning = writable.warnings.find((w) => w.includes("group- or other-writable"));
        assert.ok(warning, `no warning; got: ${writable.warnings.join(" | ")}`);
        assert.match(warning, /run `chmod -R go-w app-image` before pulumi, and set `umask 022`/);
        execFileSync("chmod", ["-R", "go-w", appDir]);
        const fixed = imageRun(desktop);
        assert.equal(tag(fixed), tag(clean), "after the chmod, the same tag as CI");
        assert.ok(!fixed.warnings.some((w) => w.includes("group- or other-writable")));
    });
});
