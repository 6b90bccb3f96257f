import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, loadSettings, TIERS } from ".";
import { isInternetRange } from "../policies/lib/cidr";
import { REQUIRED_TAG_KEYS as PACK_TAG_KEYS } from "../policies/lib/tags";
import { TIERS as PACK_TIERS } from "../policies/lib/tiers";
import { DEFAULT_REQUIRED_TAG_KEYS } from "../policies/tagging";
import { REQUIRED_TAG_KEYS } from "../components/shared/tags";

const AWS: Record<string, string> = {
    "alicerce:cloud": "aws",
    "alicerce:tier": "mvp",
    "alicerce:region": "us-east-1",
    "alicerce:owner": "team-platform",
    "alicerce:costCenter": "cc-1001",
    "alicerce:budgetUsd": "36.2",
};
const DO: Record<string, string> = {
    ...AWS,
    "alicerce:cloud": "digitalocean",
    "alicerce:region": "nyc3",
    "alicerce:sshKeyFingerprints": "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99",
    "alicerce:registryName": "acme",
};
const VPS: Record<string, string> = {
    ...AWS,
    "alicerce:cloud": "docker",
    "alicerce:vps": "digitalocean",
    "alicerce:region": "nyc3",
    "alicerce:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBexample operator",
};

/** The problems loadSettings reports for a config, [] when it accepts it. */
function problems(config: Record<string, string>): string[] {
    try {
        loadSettings(config, "alicerce", "dev");
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return [...err.problems];
    }
}

// "The internet" is defined once, in policies/lib/cidr.ts (isInternetRange): the pack flags a rule open to any range
// shorter than /8 (IPv4) or /16 (IPv6) in policies/security.ts and policies/encryption.ts, and config must refuse
// the same ranges before a plan is made, or `alicerce:adminCidrs=0.0.0.0/1` passes validation and then fails the plan.
describe("shared facts: one definition for the program and the policy pack", () => {
    for (const range of ["0.0.0.0/1", "128.0.0.0/1", "::/1", "0.0.0.0/0", "10.0.0.0/7"]) {
        it(`config refuses ${range} wherever the pack would flag it as the internet`, () => {
            assert.equal(isInternetRange(range), true, `the pack treats ${range} as the internet`);
            for (const [cloud, base, key] of [
                ["digitalocean", DO, "adminCidrs"],
                ["docker", VPS, "adminCidrs"],
                ["aws", AWS, "lbIngressCidrs"],
            ] as const) {
                const found = problems({ ...base, [`alicerce:${key}`]: range }).filter((p) => p.startsWith(`alicerce:${key}:`));
                assert.equal(found.length, 1, `${cloud} ${key}=${range} must be refused once, got ${JSON.stringify(found)}`);
            }
        });
    }

    it("config accepts a /8 admin range, which the pack does not flag", () => {
        assert.equal(isInternetRange("10.0.0.0/8"), false);
        assert.deepEqual(problems({ ...DO, "alicerce:adminCidrs": "10.0.0.0/8" }), []);
        assert.deepEqual(problems({ ...VPS, "alicerce:adminCidrs": "203.0.113.0/24" }), []);
    });

    it("the program's tiers and tag keys are the pack's own lists (the same objects, not copies)", () => {
        assert.equal(TIERS, PACK_TIERS);
        assert.equal(REQUIRED_TAG_KEYS, PACK_TAG_KEYS);
        assert.equal(DEFAULT_REQUIRED_TAG_KEYS, PACK_TAG_KEYS);
    });
});

/** Relative imports of a module, resolved to .ts files. */
function relativeImports(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)].map((m) => m[1]);
    return specs.map((spec) => {
        const base = path.resolve(path.dirname(file), spec);
        const found = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
        assert.ok(found, `${file} imports ${spec}, which resolves to no .ts file`);
        return found;
    });
}

describe("the policy pack stands alone", () => {
    // The pack is published and run by `pulumi preview --policy-pack policies/` from its own folder
    // (https://www.pulumi.com/docs/iac/using-pulumi/crossguard/get-started/#running-locally): whatever it imports must be inside it.
    it("imports nothing outside policies/, following every import from policies/index.ts", () => {
        const root = path.resolve(__dirname, "../policies");
        const seen = new Set<string>();
        const queue = [path.join(root, "index.ts")];
        while (queue.length > 0) {
            const file = queue.pop()!;
            if (seen.has(file)) continue;
            seen.add(file);
            for (const dep of relativeImports(file)) {
                assert.ok(dep.startsWith(root + path.sep), `${path.relative(root, file)} imports ${path.relative(root, dep)}, outside the pack`);
                queue.push(dep);
            }
        }
        assert.ok(
            [...seen].some((f) => f.endsWith(path.join("lib", "tiers.ts"))),
            "the pack reads the shared tier list",
        );
    });
});
