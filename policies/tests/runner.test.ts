import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { ROOT } from "../../offline";
import { hasMandatory, runPolicies } from "../../offline/policies";
import { POLICIES } from "../pack";
import { compliantStack, UNKNOWN_INPUT } from "./fixtures";
import { expectViolations } from "./helpers";

describe("policy pack: the pack itself", () => {
    it("is a CrossGuard pack whose own package pins the root's versions", () => {
        const dir = path.join(ROOT, "policies");
        assert.equal(parseYaml(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")).runtime, "nodejs");
        const pack = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
        for (const [name, version] of Object.entries<string>({ ...pack.dependencies, ...pack.devDependencies })) {
            assert.equal(version, root.dependencies[name] ?? root.devDependencies[name], `${name} in policies/package.json`);
            assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${name} in policies/package-lock.json`);
        }
        assert.match(fs.readFileSync(path.join(dir, "index.ts"), "utf8"), /new PolicyPack\(PACK_NAME, \{ policies: POLICIES/);
    });

    it("names every policy uniquely in kebab-case, with a description and a level", () => {
        const names = POLICIES.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of POLICIES) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(p.description.length > 20, p.name);
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
        }
    });

    it("is built only in policies/index.ts, which nothing imports", () => {
        const importers: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, e.name);
                if (e.isDirectory()) {
                    if (!["node_modules", ".git", "bin"].includes(e.name)) walk(file);
                } else if (file.endsWith(".ts")) {
                    const text = fs.readFileSync(file, "utf8");
                    if (/new PolicyPack\(/.test(text) && file !== path.join(ROOT, "policies", "index.ts") && !file.endsWith("runner.test.ts"))
                        importers.push(file);
                    if (/from "(\.\.?\/)+(policies\/)?index"/.test(text) && file.includes(`${path.sep}policies${path.sep}`)) importers.push(file);
                }
            }
        };
        walk(ROOT);
        assert.deepEqual(importers, []);
    });
});

describe("policy pack: config and the runner", () => {
    it("overrides a policy's enforcement level, or disables it", async () => {
        const s = compliantStack("prod");
        s.f.remove(s.waf);
        const [violation] = await runPolicies(s.f.input, { config: { "alb-waf": "advisory" } });
        assert.equal(violation.level, "advisory");
        assert.equal(violation.policy, "alb-waf");
        assert.deepEqual(await runPolicies(s.f.input, { config: { "alb-waf": { enforcementLevel: "disabled" } } }), []);
        assert.ok(hasMandatory(await runPolicies(s.f.input)));
        assert.ok(!hasMandatory(await runPolicies(s.f.input, { config: { "alb-waf": "advisory" } })));
    });

    it("reports the resource's URN, type and name", async () => {
        const s = compliantStack();
        s.db.inputs.publiclyAccessible = true;
        const [v] = await runPolicies(s.f.input);
        assert.deepEqual({ urn: v.urn, type: v.type, name: v.name }, { urn: s.db.urn, type: "aws:rds/instance:Instance", name: "db" });
    });

    it("hands policies CrossGuard's unknown-checking properties, so a policy touching an unknown cannot run, as in preview", async () => {
        const s = compliantStack();
        const naive: StackValidationPolicy = {
            name: "naive",
            description: "reads an unknown value directly",
            enforcementLevel: "mandatory",
            validateStack: (args) => void args.resources.find((r) => r.name === "data-encryption")!.props.bucket.length,
        };
        const [v] = await runPolicies(s.f.input, { policies: [naive] });
        assert.equal(v.level, "advisory");
        assert.match(
            v.message,
            /^can't run policy 'naive' from policy pack 'alicerce' during preview: string value at \.bucket can't be known during preview$/,
        );
    });
});

describe("policy pack: a value unknown during preview is never a violation", () => {
    it("a stack whose every input is unknown and unlinked has no violations", async () => {
        for (const tier of ["mvp", "growth", "prod"] as const) {
            const s = compliantStack(tier);
            for (const r of s.f.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:"))) {
                for (const key of Object.keys(r.inputs)) r.inputs[key] = UNKNOWN_INPUT;
                r.propertyDependencies = {};
            }
            await expectViolations(s.f, []);
        }
    });

    it("a violating value that becomes unknown is no longer reported", async () => {
        const s = compliantStack();
        Object.assign(s.db.inputs, {
            storageEncrypted: UNKNOWN_INPUT,
            publiclyAccessible: UNKNOWN_INPUT,
            multiAz: UNKNOWN_INPUT,
            backupRetentionPeriod: UNKNOWN_INPUT,
        });
        s.key.inputs.enableKeyRotation = UNKNOWN_INPUT;
        s.template.inputs.metadataOptions = { httpTokens: UNKNOWN_INPUT };
        s.template.inputs.blockDeviceMappings = [{ deviceName: "/dev/xvda", ebs: { encrypted: UNKNOWN_INPUT } }];
        s.httpsListener.inputs.sslPolicy = UNKNOWN_INPUT;
        s.httpListener.inputs.defaultActions = UNKNOWN_INPUT;
        s.dataEncryption.inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: UNKNOWN_INPUT } }];
        s.dataBlock.inputs.blockPublicPolicy = UNKNOWN_INPUT;
        s.http.inputs.cidrIpv4 = UNKNOWN_INPUT;
        s.doFirewall.inputs.inboundRules = [{ protocol: "tcp", portRange: "22", sourceAddresses: UNKNOWN_INPUT }];
        await expectViolations(s.f, []);
    });
});
