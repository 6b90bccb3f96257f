/**
 * The pack stands alone: `pulumi policy publish` uploads the policies/
 * folder and Pulumi Cloud runs it with its own package.json
 * (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/get-started/#publishing-to-pulumi-cloud),
 * and `pulumi preview --policy-pack policies` runs it from that folder. So
 * every file the pack loads, following imports from policies/index.ts, is
 * inside policies/, and every package it loads is a dependency of
 * policies/package.json (or part of Node). Imports are read with
 * TypeScript's own pre-processor (`ts.preProcessFile`): `import`,
 * `import type`, `export ... from`, `import "x"`, `import()` and `require()`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../../offline";

const PACK = path.join(ROOT, "policies");

/** The module specifiers a source text imports, in every form. */
export function importsOf(text: string): string[] {
    return ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
}

/** The file a relative specifier names (`./lib/stack` -> `lib/stack.ts`), undefined if none. */
function resolveRelative(from: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(from), spec);
    return [base, `${base}.ts`, `${base.replace(/\.js$/, "")}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

/** The package a bare specifier loads (`@pulumi/policy/proxy` -> `@pulumi/policy`). */
function packageOf(spec: string): string {
    const parts = spec.split("/");
    return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Every file the pack loads from `entry`, and the packages they import. */
function closure(entry: string): { files: string[]; packages: Map<string, string[]>; problems: string[] } {
    const files = new Set<string>();
    const packages = new Map<string, string[]>();
    const problems: string[] = [];
    const queue = [entry];
    while (queue.length > 0) {
        const file = queue.pop()!;
        if (files.has(file)) continue;
        files.add(file);
        for (const spec of importsOf(fs.readFileSync(file, "utf8"))) {
            const where = path.relative(PACK, file);
            if (spec.startsWith(".")) {
                const target = resolveRelative(file, spec);
                if (!target) problems.push(`${where} imports ${spec}, which resolves to no file`);
                else if (path.relative(PACK, target).startsWith(".."))
                    problems.push(`${where} imports ${spec}, outside the pack (${path.relative(ROOT, target)})`);
                else queue.push(target);
            } else {
                const name = packageOf(spec);
                packages.set(name, [...(packages.get(name) ?? []), where]);
            }
        }
    }
    return { files: [...files].map((f) => path.relative(PACK, f)).sort(), packages, problems };
}

describe("policy pack: stands alone (publishable with pulumi policy publish)", () => {
    it("the import scan sees every form a module can load another in (it is not blind)", () => {
        const text = [
            'import { a } from "./a";',
            'import type { B } from "../b";',
            'import "./side-effect";',
            'export { c } from "./c";',
            'export * from "./d";',
            'const e = require("./e");',
            'const f = import("./f");',
            'import g = require("./g");',
            'import * as aws from "@pulumi/aws";',
        ].join("\n");
        assert.deepEqual(importsOf(text).sort(), ["../b", "./a", "./c", "./d", "./e", "./f", "./g", "./side-effect", "@pulumi/aws"].sort());
    });

    it("loads no file outside policies/, following every import from policies/index.ts", () => {
        const { files, problems } = closure(path.join(PACK, "index.ts"));
        assert.deepEqual(problems, []);
        // The scan reaches the whole pack: every policy module and the shared lists the program also reads.
        for (const must of ["pack.ts", "encryption.ts", "security.ts", "tagging.ts", "cost.ts", "lib/tiers.ts", "lib/tags.ts", "lib/cost/index.ts"]) {
            assert.ok(files.includes(must), `${must} is reached from index.ts`);
        }
        assert.ok(!files.some((f) => /(^|\/)tests?\/|\.test\.ts$/.test(f)), `the pack loads no test file: ${files.join(", ")}`);
    });

    it("loads only packages its own package.json declares (or Node's own modules)", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
        const declared = new Set(Object.keys(pkg.dependencies ?? {}));
        const { packages } = closure(path.join(PACK, "index.ts"));
        const undeclared = [...packages]
            .filter(([name]) => !declared.has(name) && !name.startsWith("node:") && !builtinModules.includes(name))
            .map(([name, from]) => `${name} (imported by ${from.join(", ")})`);
        assert.deepEqual(undeclared, [], "add them to policies/package.json with the root's version, or stop importing them");
        assert.ok(packages.has("@pulumi/policy") && packages.has("@pulumi/aws"), "the scan sees the pack's packages");
    });

    it("its own folder holds what publish needs: PulumiPolicy.yaml, package.json, a lock file and a tsconfig for index.ts", () => {
        for (const f of ["PulumiPolicy.yaml", "package.json", "package-lock.json", "tsconfig.json", "index.ts"])
            assert.ok(fs.existsSync(path.join(PACK, f)), f);
        const tsconfig = JSON.parse(fs.readFileSync(path.join(PACK, "tsconfig.json"), "utf8"));
        assert.deepEqual(tsconfig.files, ["index.ts"]);
    });
});
