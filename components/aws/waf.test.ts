import { strict as assert } from "assert";
import { MANAGED_RULE_GROUPS, wafRules } from "./waf";

describe("waf: rules", () => {
    const rules = wafRules(2000);

    it("runs the four AWS managed groups, then a per-IP rate limit, each with its own metric", () => {
        assert.deepEqual(
            rules.map((r) => r.name),
            [...MANAGED_RULE_GROUPS, "rate-limit-per-ip"],
        );
        assert.deepEqual(MANAGED_RULE_GROUPS.slice().sort(), [
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet",
        ]);
        assert.deepEqual(
            rules.map((r) => r.priority),
            [0, 1, 2, 3, 4],
        );
        for (const r of rules) assert.equal((r.visibilityConfig as any).metricName, r.name);
        const rate = rules[4] as any;
        assert.deepEqual(rate.action, { block: {} });
        assert.deepEqual(rate.statement.rateBasedStatement, { limit: 2000, aggregateKeyType: "IP", evaluationWindowSec: 300 });
    });

    it("lets managed groups block as shipped, except the common set's 8 KB body limit, which only counts", () => {
        for (const r of rules.slice(0, 4) as any[]) {
            assert.deepEqual(r.overrideAction, { none: {} });
            assert.equal(r.statement.managedRuleGroupStatement.vendorName, "AWS");
        }
        const common = (rules[1] as any).statement.managedRuleGroupStatement;
        assert.deepEqual(common.ruleActionOverrides, [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]);
        for (const r of [rules[0], rules[2], rules[3]] as any[]) assert.equal(r.statement.managedRuleGroupStatement.ruleActionOverrides, undefined);
    });

    it("behind Cloudflare, counts per visitor (CF-Connecting-IP), not per Cloudflare edge address", () => {
        const rate = (wafRules(2000, "CF-Connecting-IP")[4] as any).statement.rateBasedStatement;
        assert.deepEqual(rate, {
            limit: 2000,
            aggregateKeyType: "FORWARDED_IP",
            forwardedIpConfig: { headerName: "CF-Connecting-IP", fallbackBehavior: "MATCH" },
            evaluationWindowSec: 300,
        });
        assert.deepEqual(wafRules(2000, "CF-Connecting-IP").slice(0, 4), rules.slice(0, 4), "the managed groups are the same");
    });

    it("refuses a rate limit WAF would refuse", () => {
        assert.throws(() => wafRules(5), /from 10 to/);
        assert.throws(() => wafRules(100.5), /whole number/);
    });
});
