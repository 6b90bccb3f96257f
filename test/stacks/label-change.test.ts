/**
 * A team hands a stack over: `alicerce:owner` and `alicerce:costCenter`
 * change. Labels must follow in place, never by replacing what holds data.
 * Each shipped stack runs twice under the harness (as shipped, then with
 * both keys changed) and every resource that holds data must keep its URN
 * and every input whose change makes its provider replace it.
 */
import { strict as assert } from "assert";
import { RecordedResource, runStack, stackFiles, StackRun } from "../../offline";
import { REPLACED_ON_CHANGE } from "../../offline/force-new";
import { stackRun } from "./runs";

/** Replacement-triggering inputs of every type that holds data (or that the data sits in), with their sources: offline/force-new.ts. */
const FORCE_NEW_INPUTS = REPLACED_ON_CHANGE;

const held = (run: StackRun) => run.resources.filter((r) => r.type in FORCE_NEW_INPUTS);
const forceNew = (r: RecordedResource) => Object.fromEntries(FORCE_NEW_INPUTS[r.type].map((k) => [k, r.inputs[k]]));

/** The resources whose replacement-triggering inputs differ between two runs of one stack (or that disappear). */
export function replacedBetween(before: StackRun, after: StackRun): string[] {
    const next = new Map(after.resources.map((r) => [r.urn, r]));
    return held(before).flatMap((r) => {
        const n = next.get(r.urn);
        if (!n) return [`${r.type} ${r.name} disappears`];
        const changed = FORCE_NEW_INPUTS[r.type].filter((k) => JSON.stringify(r.inputs[k]) !== JSON.stringify(n.inputs[k]));
        return changed.length > 0 ? [`${r.type} ${r.name} changes ${changed.join(", ")}`] : [];
    });
}

describe("a label change (alicerce:owner, alicerce:costCenter) replaces nothing that holds data", () => {
    for (const stack of stackFiles()) {
        it(`Pulumi.${stack}.yaml: the same stack with a new owner and cost center keeps every data resource's replacement-triggering inputs`, async () => {
            const before = await stackRun(stack);
            const after = await runStack(stack, { overrides: { "alicerce:owner": "team-handover", "alicerce:costCenter": "cc-9999" } });
            assert.equal(after.stack, before.stack);
            assert.ok(held(before).length > 0, `${stack} declares nothing the table tracks: extend FORCE_NEW_INPUTS`);
            // The runs really differ: the new owner reaches the stack's config (and, on the clouds, the tags).
            assert.notDeepEqual(before.config, after.config);
            assert.deepEqual(replacedBetween(before, after), []);
            for (const r of held(before)) assert.deepEqual(forceNew(after.resources.find((x) => x.urn === r.urn)!), forceNew(r));
        });
    }

    it("would catch a replica labelled with the owner (the diff is not blind)", async () => {
        const before = await stackRun("do-prod");
        const replica = before.resources.find((r) => r.type === "digitalocean:index/databaseReplica:DatabaseReplica")!;
        const tampered: StackRun = {
            ...before,
            resources: before.resources.map((r) => (r === replica ? { ...r, inputs: { ...r.inputs, tags: [...r.inputs.tags, "owner:team-handover"] } } : r)),
        };
        assert.deepEqual(replacedBetween(before, tampered), ["digitalocean:index/databaseReplica:DatabaseReplica database-replica changes tags"]);
    });
});
