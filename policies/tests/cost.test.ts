import { strict as assert } from "assert";
import { estimateCost, formatUsd } from "../lib/cost";
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
    it("notes a stack whose estimate is over its budget, with the plan's own figures", async () => {
        const s = budgeted(10);
        const estimate = estimateCost(s.f.resources.map((r) => ({ ...r, custom: r.provider !== undefined })), { cloud: "aws", region: "us-east-1" });
        assert.ok(estimate.total > 10, `the fixture should cost more than $10, costs ${estimate.total}`);
        const range = estimate.totalMax > estimate.total ? ` (up to ${formatUsd(estimate.totalMax)})` : "";
        await expectViolations(s.f, [
            {
                policy: "cost-budget",
                level: "advisory",
                message: `The estimated monthly cost ${formatUsd(estimate.total)}${range} is over the budget of $10.00 (alicerce:budgetUsd) by ${formatUsd(estimate.total - 10)}; run npm run plan for the biggest items, or raise the budget.`,
            },
        ]);
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
            const estimate = estimateCost(run.resources, { cloud: "aws", region: run.outputs.region });
            const flagged = (await runPolicies(run)).some((v) => v.policy === "cost-budget");
            assert.equal(flagged, estimate.total > Number(run.config["alicerce:budgetUsd"]), stack);
        }
    });
});
