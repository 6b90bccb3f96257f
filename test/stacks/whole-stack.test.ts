import { strict as assert } from "assert";
import { DIGITALOCEAN_TAG_SELECTORS, DIGITALOCEAN_TAGS_FORCE_NEW } from "../../policies/tagging";
import { digitalOceanTags, REQUIRED_TAG_KEYS, stableTags, standardTags } from "../../components/shared/tags";
import { readStackConfig, stackFiles } from "../../offline";
import { stackRun } from "./runs";

/** Each stack runs once per test process; the tests share the run (see ./runs). */
export { stackRun };

/** DigitalOcean types whose `tags` choose the droplets they apply to rather than label the resource itself. */
const TAG_SELECTORS = new Set(DIGITALOCEAN_TAG_SELECTORS);

const SECRET_NAME = /(password|secret|token|private.?key|signing.?key)$/i;

describe("every shipped stack", () => {
    const stacks = stackFiles();

    it("the repository ships the dev, growth and prod stacks", () => {
        for (const s of ["dev", "growth", "prod"]) assert.ok(stacks.includes(s), `Pulumi.${s}.yaml is missing`);
    });

    for (const stack of stacks) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("runs the real program with the file's own config", async () => {
                const run = await stackRun(stack);
                assert.deepEqual(run.config, readStackConfig(stack).config);
                assert.ok(run.resources.length > 1);
            });

            it("gives every cloud resource a component parent and an explicit provider", async () => {
                const run = await stackRun(stack);
                const stackUrn = run.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
                for (const r of run.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
                    assert.notEqual(r.parent, stackUrn, `${r.type} ${r.name} sits directly under the stack; give it a component parent`);
                    assert.ok(r.provider, `${r.type} ${r.name} uses the default provider (wrong region, no default tags)`);
                }
            });

            it("tags everything through the provider's default tags with the required keys", async () => {
                const run = await stackRun(stack);
                const cfg = run.config;
                for (const p of run.resources.filter((r) => r.type === "pulumi:providers:aws")) {
                    const raw = p.inputs.defaultTags;
                    const tags = (typeof raw === "string" ? JSON.parse(raw) : raw)?.tags ?? {};
                    assert.deepEqual(Object.keys(tags).sort(), [...REQUIRED_TAG_KEYS].sort());
                    assert.equal(tags.Environment, run.stack);
                    assert.equal(tags.Owner, cfg["alicerce:owner"]);
                    assert.equal(tags.CostCenter, cfg["alicerce:costCenter"]);
                    // The stack's region; the second region's provider (alicerce:secondRegion) is the only other one.
                    assert.equal(p.inputs.region, p.name === "second-region-aws" ? cfg["alicerce:secondRegion"] : cfg["alicerce:region"]);
                }
            });

            it("on DigitalOcean, uses one explicit provider and puts the standard tag strings on everything that takes tags", async () => {
                const run = await stackRun(stack);
                const cfg = run.config;
                const providers = run.resources.filter((r) => r.type === "pulumi:providers:digitalocean");
                if (cfg["alicerce:cloud"] !== "digitalocean" && cfg["alicerce:vps"] !== "digitalocean") {
                    assert.equal(providers.length, 0);
                    return;
                }
                assert.equal(providers.length, 1);
                for (const r of run.resources.filter((x) => x.type.startsWith("digitalocean:"))) {
                    assert.ok(r.provider?.startsWith(`${providers[0].urn}::`), `${r.type} ${r.name} does not use the stack's DigitalOcean provider`);
                }
                const standard = standardTags({ project: run.project, stack: run.stack, owner: cfg["alicerce:owner"], costCenter: cfg["alicerce:costCenter"] });
                // Where tags force replacement (a read replica), only the tags that never change: see test/stacks/label-change.test.ts.
                const expectedFor = (type: string) => digitalOceanTags(DIGITALOCEAN_TAGS_FORCE_NEW.includes(type) ? stableTags(standard) : standard);
                const labelled = run.resources.flatMap((r) => {
                    if (r.type === "digitalocean:index/dropletAutoscale:DropletAutoscale") return [{ r, tags: r.inputs.dropletTemplate.tags }];
                    if (r.type.startsWith("digitalocean:") && !TAG_SELECTORS.has(r.type) && Array.isArray(r.inputs.tags)) return [{ r, tags: r.inputs.tags }];
                    return [];
                });
                assert.ok(labelled.length >= (cfg["alicerce:cloud"] === "digitalocean" ? 2 : 1), "the droplets (and the database) carry tags");
                for (const { r, tags } of labelled) {
                    for (const tag of expectedFor(r.type)) assert.ok(tags.includes(tag), `${r.type} ${r.name} lacks the tag ${tag}`);
                }
            });

            it("exports no secret value in plain text", async () => {
                const run = await stackRun(stack);
                const walk = (value: unknown, at: string): void => {
                    if (value && typeof value === "object") {
                        for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k);
                    } else {
                        assert.ok(!SECRET_NAME.test(at), `output ${at} looks secret but is exported in plain text`);
                    }
                };
                walk(run.outputs, "");
            });
        });
    }
});
