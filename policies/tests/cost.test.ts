import { strict as assert } from "assert";
import { assumptionsForTier, budgetAdvice, estimateCost } from "../lib/cost";
import { runStack, stackFiles } from "../../offline";
import { runPolicies } from "../../offline/policies";
import { compliantStack } from "./fixtures";
import { expectViolations } from "./helpers";

/** The compliant fixture as an AWS stack with a budget. */
function budgeted(budgetUsd: number) {
    const s = compliantStack("prod");
    s.f.outputs.cloud = "aws";
    s.f.outputs.region = "us-east-1";
    s.f.outputs.budgetUsd = budgetUsd;
    s.db.inputs.instanceClass = "db.t4g.small";
    s.db.inputs.allocatedStorage = 50;
    return s;
}

describe("cost-budget", () => {
    it("notes a stack whose estimate is over its budget with its three biggest items and the key that would bring it under", async () => {
        const s = budgeted(10);
        s.f.outputs.tier = "prod";
        const estimate = estimateCost(
            s.f.resources.map((r) => ({ ...r, custom: r.provider !== undefined })),
            { cloud: "aws", region: "us-east-1" },
            assumptionsForTier("prod"),
        );
        assert.ok(estimate.total > 10, `the fixture should cost more than $10, costs ${estimate.total}`);
        const message = budgetAdvice(estimate, 10)!;
        assert.match(
            message,
            /^The estimated monthly cost \$[\d.]+ is over the budget of \$10\.00 \(alicerce:budgetUsd\) by \$[\d.]+\. Biggest items: [^;]+; [^;]+; [^;]+\. To bring it under: /,
        );
        assert.match(message, /alicerce:[a-zA-Z]+ |raise alicerce:budgetUsd/);
        await expectViolations(s.f, [{ policy: "cost-budget", level: "advisory", message }]);
    });

    it("is silent within budget, and mandatory when the pack config says so", async () => {
        await expectViolations(budgeted(10_000).f, []);
        const [v] = await runPolicies(budgeted(10).f.input, { config: { "cost-budget": "mandatory" } });
        assert.equal(v.level, "mandatory");
    });

    it("agrees with the plan on every shipped stack", async () => {
        for (const stack of stackFiles()) {
            const run = await runStack(stack);
            if (run.outputs.cloud !== "aws") continue;
            const estimate = estimateCost(run.resources, { cloud: "aws", region: run.outputs.region }, assumptionsForTier(run.outputs.tier));
            const flagged = (await runPolicies(run)).some((v) => v.policy === "cost-budget");
            assert.equal(flagged, estimate.total > Number(run.config["alicerce:budgetUsd"]), stack);
        }
    });
});
