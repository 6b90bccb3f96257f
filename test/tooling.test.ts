import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ESLint } from "eslint";
import * as prettier from "prettier";

const ROOT = path.resolve(__dirname, "..");
const readJson = (p: string) => JSON.parse(fs.readFileSync(path.join(ROOT, p), "utf8"));

describe("tooling: engines, formatter and linter", () => {
    // @pulumi/pulumi declares the Node range it runs on in its package.json `engines` (npm: engines field,
    // https://docs.npmjs.com/cli/v10/configuring-npm/package-json#engines); ours must not promise more.
    it("declares the Node range @pulumi/pulumi requires, and .nvmrc picks a version inside it", () => {
        const required: string = readJson("node_modules/@pulumi/pulumi/package.json").engines.node;
        assert.equal(readJson("package.json").engines.node, required);
        assert.equal(readJson("policies/package.json").engines.node, required);
        assert.equal(readJson("package-lock.json").packages[""].engines.node, required);
        const min = Number(/^>=(\d+)/.exec(required)?.[1]);
        const nvm = Number(fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim());
        assert.ok(nvm >= min, `.nvmrc ${nvm} is below ${required}`);
    });

    it("CI runs lint and format:check, and both scripts exist", () => {
        const scripts = readJson("package.json").scripts;
        assert.equal(scripts.lint, "eslint .");
        assert.equal(scripts["format:check"], "prettier --check .");
        assert.equal(scripts.format, "prettier --write .");
        const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
        assert.match(ci, /^step "lint" npm run --silent lint$/m);
        assert.match(ci, /^step "format" npm run --silent format:check$/m);
    });

    it("Prettier keeps the program's style (4 spaces, double quotes, 160 columns) and the app's (2 spaces, single quotes)", async () => {
        const ugly = "const x = {'a': 1, b: [1,2]}\nexport function f(a: string) { return a }\n";
        const program = await prettier.format(ugly, { ...(await prettier.resolveConfig(path.join(ROOT, "components/shared/x.ts"))), filepath: "x.ts" });
        assert.equal(program, "const x = { a: 1, b: [1, 2] };\nexport function f(a: string) {\n    return a;\n}\n");
        const app = await prettier.format(ugly, { ...(await prettier.resolveConfig(path.join(ROOT, "app-image/src/x.ts"))), filepath: "x.ts" });
        assert.equal(app, "const x = { a: 1, b: [1, 2] };\nexport function f(a: string) {\n  return a;\n}\n");
        const long = `foo(${'"' + "a".repeat(70) + '"'}, ${'"' + "b".repeat(70) + '"'});\n`; // 155 columns: stays on one line
        assert.equal(await prettier.format(long, { ...(await prettier.resolveConfig(path.join(ROOT, "index.ts"))), filepath: "x.ts" }), long);
    });

    it("Prettier leaves generated files, the URN snapshot, the lock file and Markdown alone", async () => {
        const ignorePath = path.join(ROOT, ".prettierignore");
        for (const file of [
            "policies/lib/taggable-types.ts",
            "policies/generated/taggable-types.ts",
            "test/fixtures/urns/prod.txt",
            "package-lock.json",
            "README.md",
            "node_modules/x/index.ts",
        ]) {
            assert.equal((await prettier.getFileInfo(path.join(ROOT, file), { ignorePath })).ignored, true, file);
        }
        assert.equal((await prettier.getFileInfo(path.join(ROOT, "index.ts"), { ignorePath })).ignored, false);
    });

    it("ESLint flags a floating promise and an unused variable, but not pulumi.log.* or `_`-prefixed bindings", async function () {
        this.timeout(120_000);
        // A tiny project beside the tree, so type-aware rules run without building the whole program.
        const dir = fs.mkdtempSync(path.join(ROOT, ".lint-probe-"));
        try {
            fs.writeFileSync(
                path.join(dir, "tsconfig.json"),
                JSON.stringify({ extends: "../tsconfig.json", include: ["probe.ts"], compilerOptions: { rootDir: "." } }),
            );
            const probe = path.join(dir, "probe.ts");
            fs.writeFileSync(
                probe,
                [
                    'import * as pulumi from "@pulumi/pulumi";',
                    'pulumi.log.warn("fire and forget is fine");',
                    "async function save(): Promise<void> {}",
                    "save();",
                    "const unused = 1;",
                    "const _kept = 2;",
                    "",
                ].join("\n"),
            );
            const eslint = new ESLint({
                cwd: ROOT,
                ignore: false, // the probe folder is ignored by `npm run lint`, not here
                overrideConfig: { languageOptions: { parserOptions: { project: [path.join(dir, "tsconfig.json")], tsconfigRootDir: dir } } },
            });
            const [result] = await eslint.lintFiles([probe]);
            const found = result.messages.map((m) => `${m.line} ${m.ruleId}`).sort();
            assert.deepEqual(found, ["4 @typescript-eslint/no-floating-promises", "5 @typescript-eslint/no-unused-vars"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the ESLint config lints itself clean", () => {
        execFileSync(path.join(ROOT, "node_modules/.bin/eslint"), ["eslint.config.mjs"], { cwd: ROOT, stdio: "pipe", timeout: 60_000 });
    });
});
