import { strict as assert } from "assert";
import { renderPolicyReport } from "./report";

describe("plan: the policy report", () => {
    it("says so when nothing is violated", () => {
        assert.deepEqual(renderPolicyReport([], 23), ["Policies: 23 checked, no violations."]);
    });

    it("lists mandatory violations first, each with level, policy, resource and message", () => {
        const lines = renderPolicyReport(
            [
                { policy: "alb-waf", level: "advisory", type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", message: "no WAF" },
                { policy: "rds-not-public", level: "mandatory", type: "aws:rds/instance:Instance", name: "db", message: "public" },
                { policy: "cost-budget", level: "advisory", message: "over budget" },
            ],
            23,
        );
        assert.deepEqual(lines, [
            "Policies: 23 checked, 1 mandatory and 2 advisory violations (pulumi up would refuse this stack).",
            "  mandatory  rds-not-public  db (aws:rds/instance:Instance)\n             public",
            "  advisory   alb-waf  alb (aws:lb/loadBalancer:LoadBalancer)\n             no WAF",
            "  advisory   cost-budget  (stack)\n             over budget",
        ]);
    });
});
