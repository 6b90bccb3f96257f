import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contextTag, lifecyclePolicy, Platform, projectRelative, readContext } from "./registry";

const ARM: Platform = "linux/arm64";

describe("registry: pure helpers", () => {
    it("keeps the newest N images and expires untagged ones, with the 'any' rule last as ECR requires", () => {
        const policy = JSON.parse(lifecyclePolicy(30, 7));
        const [untagged, any] = policy.rules;
        assert.deepEqual(untagged.selection, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 });
        assert.deepEqual(any.selection, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 });
        assert.ok(any.rulePriority > untagged.rulePriority);
        assert.throws(() => lifecyclePolicy(0, 7), /keepImages 0/);
    });

    it("tags a build context by its content: order-independent, and any change in a path or a byte gives a new tag", () => {
        const files = [
            { path: "Dockerfile", content: "FROM node:22" },
            { path: "src/main.ts", content: "listen(8080)" },
        ];
        const tag = contextTag(files, ARM);
        assert.match(tag, /^ctx-[0-9a-f]{20}-arm64$/);
        assert.equal(contextTag([...files].reverse(), ARM), tag);
        assert.notEqual(contextTag([files[0], { ...files[1], content: "listen(8081)" }], ARM), tag);
        assert.notEqual(contextTag([files[0], { ...files[1], path: "src/server.ts" }], ARM), tag);
        assert.notEqual(contextTag([files[0]], ARM), tag);
    });

    it("tags each platform apart (the repository's tags are immutable), the same platform alike", () => {
        const files = [{ path: "Dockerfile", content: "FROM node:22" }];
        const cases: [Platform, Platform, boolean][] = [
            ["linux/arm64", "linux/amd64", false],
            ["linux/amd64", "linux/arm64", false],
            ["linux/arm64", "linux/arm64", true],
            ["linux/amd64", "linux/amd64", true],
        ];
        for (const [a, b, same] of cases) assert.equal(contextTag(files, a) === contextTag(files, b), same, `${a} vs ${b}`);
        assert.match(contextTag(files, "linux/amd64"), /^ctx-[0-9a-f]{20}-amd64$/);
        assert.ok(contextTag(files, "linux/amd64").length <= 128, "ECR tags are at most 128 characters");
    });

    it("reads a context as docker sends it: what .dockerignore excludes (Docker's patterns) left out, the Dockerfile always in", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
        try {
            fs.mkdirSync(path.join(dir, "src"));
            fs.mkdirSync(path.join(dir, "node_modules", "x"), { recursive: true });
            fs.mkdirSync(path.join(dir, "test"));
            fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM node:22");
            fs.writeFileSync(path.join(dir, "src", "main.ts"), "x");
            fs.writeFileSync(path.join(dir, "node_modules", "x", "index.js"), "x");
            fs.writeFileSync(path.join(dir, "test", "a.test.ts"), "x");
            fs.writeFileSync(path.join(dir, ".dockerignore"), "# comment\nnode_modules\ntest\n*.md\nDockerfile\n.dockerignore\n");
            assert.deepEqual(
                readContext(dir)
                    .map((f) => f.path)
                    .sort(),
                [".dockerignore", "Dockerfile", "src/main.ts"],
            );
            const before = contextTag(readContext(dir), ARM);
            fs.writeFileSync(path.join(dir, "node_modules", "x", "index.js"), "changed");
            assert.equal(contextTag(readContext(dir), ARM), before, "a local npm install does not change the tag");
            fs.writeFileSync(path.join(dir, "src", "main.ts"), "changed");
            const afterSource = contextTag(readContext(dir), ARM);
            assert.notEqual(afterSource, before);
            fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM node:24");
            assert.notEqual(contextTag(readContext(dir), ARM), afterSource, "the Dockerfile counts even when .dockerignore lists it");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual(readContext(path.join(os.tmpdir(), "no-such-context-dir")), []);
    });

    // pulumi-docker rebuilds when its hash of the context changes: every file .dockerignore lets through (Docker's
    // pattern rules), with its mode (pulumi/pulumi-docker provider/provider.go, hashContext/hashPath). If the tag
    // left any of those out, a checkout that differs only there would rebuild and push the same tag, which an
    // immutable ECR repository refuses (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html).
    it("changes the tag whenever the provider's context hash changes: unlisted files, modes, glob patterns", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
        try {
            fs.mkdirSync(path.join(dir, "src", "docs"), { recursive: true });
            fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM node:22");
            fs.writeFileSync(path.join(dir, "src", "main.ts"), "x");
            fs.writeFileSync(path.join(dir, ".dockerignore"), "**/*.log\n.env.*\nsrc/docs\n");
            const base = contextTag(readContext(dir), ARM);
            // Excluded by patterns docker applies: no change.
            fs.writeFileSync(path.join(dir, "src", "debug.log"), "x");
            fs.writeFileSync(path.join(dir, ".env.local"), "SECRET=x");
            fs.writeFileSync(path.join(dir, "src", "docs", "notes.txt"), "x");
            assert.equal(contextTag(readContext(dir), ARM), base, "files docker does not send do not change the tag");
            // Sent by docker, so hashed by the provider: each changes the tag.
            fs.writeFileSync(path.join(dir, ".DS_Store"), "x");
            const withStray = contextTag(readContext(dir), ARM);
            assert.notEqual(withStray, base, "a stray file docker sends changes the tag");
            fs.mkdirSync(path.join(dir, "node_modules", "x"), { recursive: true });
            fs.writeFileSync(path.join(dir, "node_modules", "x", "index.js"), "x");
            const withModules = contextTag(readContext(dir), ARM);
            assert.notEqual(withModules, withStray, "node_modules counts when .dockerignore does not list it");
            fs.chmodSync(path.join(dir, "src", "main.ts"), 0o755);
            assert.notEqual(contextTag(readContext(dir), ARM), withModules, "a mode change counts, as in the provider's hash");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("records the build context relative to the project, the same from every checkout", () => {
        assert.equal(projectRelative("app-image"), "app-image");
        assert.equal(projectRelative("./app-image/"), "app-image");
        assert.equal(projectRelative("/work/a/alicerce/app-image", "/work/a/alicerce"), "app-image");
        assert.equal(projectRelative("/home/me/src/alicerce/app-image", "/home/me/src/alicerce"), "app-image");
        assert.throws(() => projectRelative("/elsewhere/app", "/work/a/alicerce"), /outside the project/);
    });
});
