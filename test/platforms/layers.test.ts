import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** Every non-test TypeScript file under `dir`, relative to the repository root. */
function sources(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
            const rel = path.join(d, entry.name);
            if (entry.isDirectory()) walk(rel);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(rel);
        }
    };
    walk(dir);
    return out;
}

/** The repository-relative targets of a file's relative imports and re-exports (static, `import type` and `require` alike). */
export function importsOf(file: string, text = fs.readFileSync(path.join(ROOT, file), "utf8")): string[] {
    const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]);
    return specifiers
        .filter((s) => s.startsWith("."))
        .map((s) =>
            path
                .relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s))
                .split(path.sep)
                .join("/"),
        );
}

/** Layer `from` imports nothing in any of `forbidden` (folders, repository-relative). */
function violations(from: string, forbidden: string[]): string[] {
    return sources(from).flatMap((file) =>
        importsOf(file)
            .filter((target) => forbidden.some((f) => target === f || target.startsWith(`${f}/`)))
            .map((target) => `${file} imports ${target}`),
    );
}

describe("layers: who may import whom", () => {
    it("finds relative imports of every form (the scanner itself)", () => {
        const text = `import { a } from "../../stacks";\nimport type { B } from "../../stacks/tiers";\nexport { c } from '../x';\nconst d = require("../../platforms/aws");\nimport "../side";`;
        assert.deepEqual(importsOf("components/aws/f.ts", text), ["stacks", "stacks/tiers", "components/x", "platforms/aws", "components/side"]);
    });

    it("components/ never imports stacks/ or platforms/: components take their own typed args", () => {
        assert.deepEqual(violations("components", ["stacks", "platforms", "index"]), []);
    });

    it("stacks/ never imports a cloud's components or the platforms: the platforms apply their own rules (validate)", () => {
        // components/shared holds cloud-neutral facts (CIDR math, tag keys) that config validation shares with the components.
        assert.deepEqual(
            violations("stacks", ["components/aws", "components/digitalocean", "components/docker", "components/cloudflare", "platforms", "index"]),
            [],
        );
    });

    it("platforms/ never import each other (each cloud composes its own components)", () => {
        for (const cloud of ["aws", "digitalocean", "docker"]) {
            const others = ["aws", "digitalocean", "docker"].filter((c) => c !== cloud).map((c) => `platforms/${c}`);
            assert.deepEqual(violations(`platforms/${cloud}`, others), []);
        }
    });
});
