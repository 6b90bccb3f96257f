import { strict as assert } from "assert";
import { estimateCost, formatUsd, FREE_TYPES, PRICED_TYPES } from "../../policies/lib/cost";
import { costJson, COMMENT_MARKER, costTarget, reviewMarkdown, reviewOf, stackMarkdown } from "../../offline/review";
import { fixturePlatform } from "../fixtures/platform";
import { runStack, stackFiles, StackRun } from "../../offline";
import { stackRun } from "./whole-stack.test";

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 0.005, `${what}: ${actual} is not ${expected}`);

describe("review: cost, diagram and report on recorded runs", () => {
    describe("a complete AWS platform declared with the real resources (test/fixtures/platform.ts)", () => {
        let run: StackRun;
        before(async () => {
            run = await runStack("dev", { program: fixturePlatform });
        });

        it("costs what was computed by hand from its inputs", () => {
            const e = estimateCost(run.resources, { cloud: "aws", region: "us-east-1" });
            assert.deepEqual(e.unpriced, []);
            const by = new Map(e.lines.map((l) => [`${l.name}|${l.basis.split(":")[0]}`, l.monthlyUsd]));
            const component = (c: string) => e.lines.filter((l) => l.component === c).reduce((s, l) => s + l.monthlyUsd, 0);
            // web: 2 × t4g.small 0.0168 × 730 = 24.528; EBS 2 × 20 GB × 0.08 = 3.20 (private subnets: no public IPv4);
            // ALB 16.425 + 1 LCU 5.84 = 22.265, its 2 addresses 7.30; WAF 5 + 3 rules + 2 M requests × 0.60 = 9.20;
            // NAT 32.85 + 10 GB × 0.045 = 33.30, its Elastic IP 3.65; interface endpoint 2 AZ × 7.30 + 1 GB × 0.01 = 14.61.
            near(component("web"), 24.528 + 3.2 + 22.265 + 7.3 + 9.2 + 33.3 + 3.65 + 14.61, "web = 118.053");
            // data: primary 0.032 × 730 × 2 = 46.72, 50 GB × 0.115 × 2 = 11.50, Enhanced Monitoring 0.05 GB × 0.50 = 0.025;
            // replica 23.36 + 50 GB × 0.115 = 5.75; bucket 0.115; key 1; secret 0.40; backup 50 GB × 0.095 = 4.75.
            // Requests: the bucket's 10,000 GET + 10,000 PUT 0.054, the key's 20,000 requests 0.06, the secret's 10,000 calls 0.05.
            near(component("data"), 46.72 + 11.5 + 0.025 + 23.36 + 5.75 + 0.115 + 1 + 0.4 + 4.75 + 0.054 + 0.06 + 0.05, "data = 93.784");
            // ops: alarm 0.10; 30-day log group 0.50 + 1 GB × 0.03 = 0.53; dashboard 3; topic free.
            near(component("ops"), 0.1 + 0.53 + 3, "ops = 3.63");
            near(e.total, 215.467, "total");
            // Scaled out: 3 instances (+12.264 compute, +1.60 EBS), storage to 200 GB on primary (+34.50) and replica (+17.25).
            // ... and WAF requests at three times the traffic (+2 × 1.20).
            near(e.totalMax, 215.467 + 12.264 + 1.6 + 34.5 + 17.25 + 2.4, "total when scaled out");
            assert.ok(by.has("web-asg|2 × (1-3 when scaling) t4g.small at $0.0168/h × 730 h"), [...by.keys()].join("\n"));
            assert.ok(e.free.some((f) => f.type === "aws:ec2/launchTemplate:LaunchTemplate"));
        });

        it("draws the request path and the data the compute uses, from what was recorded", () => {
            const diagram = reviewOf(run).diagram;
            const has = (s: string) => assert.ok(diagram.includes(s), `diagram lacks ${s}:\n${diagram}`);
            assert.ok(diagram.startsWith("flowchart LR\n"));
            has(`waf_web_waf{{"web-waf<br/>WAF web ACL<br/>3 rules"}}`);
            has(`app_web_asg["web-asg<br/>Auto Scaling group<br/>1-3 × t4g.small"]`);
            has(`db_data_db[("data-db<br/>RDS PostgreSQL primary, Multi-AZ<br/>db.t4g.small")]`);
            for (const edge of [
                "users --> waf_web_waf",
                "waf_web_waf --> lb_web_alb",
                "lb_web_alb --> app_web_asg",
                "app_web_asg -->|SQL| db_data_db",
                "db_data_db -.->|replication| db_data_db_replica",
                "app_web_asg -.->|reads| db_data_db_replica",
                "app_web_asg --> bucket_data_uploads",
                "app_web_asg -->|reads secrets| secrets",
                "app_web_asg -->|egress| nat",
            ])
                has(edge);
            assert.ok(!diagram.includes("dns"), "no DNS record was declared, so no DNS box");
        });

        it("renders the Markdown report with the cost table, the diagram and the budget verdict", () => {
            const review = reviewOf(run);
            const md = stackMarkdown(review);
            // The report prices at the stack's tier traffic (mvp: 100 requests a minute): 0.067 LCU instead of 1, data transfer out, WAF requests.
            assert.match(md, /⚠️ \*\*\$213\.35 \(up to \$289\.88\) a month\*\*.*OVER the \$36\.20 budget by \$177\.15/);
            assert.match(md, /\| web \| \$116\.00 \| \$139\.84 \|/);
            assert.ok(md.includes("```mermaid\nflowchart LR\n"));
            const json = costJson(review);
            assert.equal(json.totalUsd, 213.35);
            assert.equal(json.withinBudget, false);
        });
    });

    describe("every shipped stack", () => {
        for (const stack of stackFiles()) {
            it(`Pulumi.${stack}.yaml: every resource type it creates is priced or explicitly free`, async () => {
                const run = await stackRun(stack);
                const types = new Set(run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:")).map((r) => r.type));
                const neither = [...types].filter((t) => !PRICED_TYPES.includes(t) && FREE_TYPES[t] === undefined);
                assert.deepEqual(neither, [], "add a price (policies/lib/cost) or a FREE_TYPES entry with the reason");
                const estimate = estimateCost(run.resources, costTarget(run.config));
                assert.deepEqual(estimate.unpriced, [], "priced types whose inputs could not be priced");
            });

            it(`Pulumi.${stack}.yaml: the Markdown report renders with its budget, cost total and diagram`, async () => {
                const run = await stackRun(stack);
                const review = reviewOf(run);
                const md = reviewMarkdown([review]);
                assert.ok(md.startsWith(`${COMMENT_MARKER}\n`));
                assert.ok(md.includes(`## \`${stack}\` — ${run.config["alicerce:cloud"]} / ${run.config["alicerce:tier"]}`));
                assert.ok(md.includes(`| **total** | **${formatUsd(review.cost.total)}** |`));
                assert.ok(md.includes(formatUsd(Number(run.config["alicerce:budgetUsd"]))));
                assert.ok(md.includes("```mermaid\nflowchart LR\n"));
                assert.equal(review.budgetUsd, Number(run.config["alicerce:budgetUsd"]));
            });
        }
    });
});
