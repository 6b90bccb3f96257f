/**
 * test/ holds tests only: no file outside it (tests named `*.test.ts` aside)
 * imports from it, so the product (the program, `npm run plan`, the policy
 * pack, the offline engine in offline/) never depends on test code. Imports
 * are read with TypeScript's own pre-processor (`ts.preProcessFile`:
 * `import`, `export ... from`, `import()` and `require()` of a literal).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../offline";

/** The folder that holds the infrastructure's tests and their support files. */
const TEST_DIRS = [path.join(ROOT, "test")];
const SKIP = new Set(["node_modules", ".git", "bin", "dist"]);

const inside = (dir: string, file: string) => !path.relative(dir, file).startsWith("..") && !path.isAbsolute(path.relative(dir, file));
const isTestFile = (file: string) => /\.test\.[cm]?[jt]s$/.test(file) || TEST_DIRS.some((dir) => inside(dir, file));

/** Every TypeScript and JavaScript source under `dir`, dependencies and build output left out. */
function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : sources(file);
        return /\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [file] : [];
    });
}

/** The relative imports of a source text that land in a test folder, as `specifier`. */
export function testImports(file: string, text: string): string[] {
    return ts
        .preProcessFile(text, true, true)
        .importedFiles.map((i) => i.fileName)
        .filter((spec) => spec.startsWith("."))
        .filter((spec) => TEST_DIRS.some((dir) => inside(dir, path.resolve(path.dirname(file), spec))));
}

describe("test/ holds tests only", () => {
    it("finds an import of test/ in every form a module can take (the scan is not blind)", () => {
        const file = path.join(ROOT, "scripts", "x.ts");
        const text = [
            'import { runStack } from "../test/harness";',
            'import type { StackRun } from "../test/harness/index";',
            'export { ROOT } from "../test";',
            'const h = require("../test/support/pulumi-host.js");',
            'const l = import("../test/stacks/runs");',
            'import { ROOT } from "../offline";',
            'import * as fs from "fs";',
        ].join("\n");
        assert.deepEqual(testImports(file, text), [
            "../test/harness",
            "../test/harness/index",
            "../test",
            "../test/support/pulumi-host.js",
            "../test/stacks/runs",
        ]);
    });

    it("no file outside test/ (tests aside) imports from test/", () => {
        const files = sources(ROOT).filter((f) => !isTestFile(f));
        // The program, the engine, the scripts and the pack are all scanned.
        for (const must of ["index.ts", "offline/index.ts", "offline/plan.ts", "scripts/plan.ts", "policies/pack.ts"]) {
            assert.ok(files.includes(path.join(ROOT, must)), `${must} is scanned`);
        }
        const offenders = files.flatMap((f) => testImports(f, fs.readFileSync(f, "utf8")).map((spec) => `${path.relative(ROOT, f)} imports ${spec}`));
        assert.deepEqual(offenders, [], "move what they need into offline/ (or another product folder)");
    });
});
