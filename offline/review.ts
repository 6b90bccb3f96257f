/**
 * The review report of `npm run plan`: the cost table against the stack's
 * budget, the policy report and the architecture diagram, as console text
 * and as one Markdown document ready for a pull-request comment. Pure: takes
 * recorded runs, no Pulumi runtime.
 */
import { assumptionsForTier, costByComponent, CostEstimate, CostTarget, estimateCost, formatUsd } from "../policies/lib/cost";
import type { StackRun } from "./index";
import { renderMermaid } from "./diagram";
import { countByType } from "./report";
import { diffMarkdown, formatDelta, type StackDiff } from "./diff";
import { redactSecrets } from "./secrets";
import { KNOWN_AFTER_UP, MockValues, OutputRow, outputRows } from "./unknowns";

/** The first line of the PR comment: the workflow finds its own comment by it and updates it in place. */
export const COMMENT_MARKER = "<!-- alicerce-plan -->";

/** One finding of the offline policy run. */
export interface PolicyFinding {
    /** The policy's kebab-case name. */
    readonly policy: string;
    readonly enforcementLevel: "advisory" | "mandatory" | "remediate" | "disallowed";
    /** The resource's URN, or undefined for a stack policy. */
    readonly urn?: string;
    readonly message: string;
}

/**
 * What the offline policy runner reports for one stack. The plan shows it
 * when given one (see `scripts/plan.ts`: the integration point).
 */
export interface PolicyReport {
    /** How many policies ran. */
    readonly policies: number;
    readonly findings: readonly PolicyFinding[];
}

/** Everything the review shows for one stack. */
export interface StackReview {
    readonly stack: string;
    readonly cloud: string;
    readonly tier: string;
    readonly region: string;
    /** Where it runs, as the headings say it: `in us-east-1`, `on a DigitalOcean droplet in nyc3`, `on a Docker host you bring`. */
    readonly where: string;
    readonly budgetUsd?: number;
    readonly cost: CostEstimate;
    readonly policy?: PolicyReport;
    readonly diagram: string;
    readonly warnings: readonly string[];
    readonly resourceCounts: readonly [string, number][];
    /** The stack outputs: secrets as `[secret]`, what only `up` knows as "(known after up)". */
    readonly outputs: readonly OutputRow[];
}

/** The price table a run's config selects (a single Docker host is priced by the cloud of its VPS, if any). */
export function costTarget(config: Readonly<Record<string, string>>): CostTarget {
    const cloud = config["alicerce:cloud"] === "docker" ? config["alicerce:vps"] : config["alicerce:cloud"];
    return cloud === "digitalocean"
        ? { cloud: "digitalocean", region: config["alicerce:region"] }
        : { cloud: "aws", region: config["alicerce:region"] ?? "us-east-1" };
}

/** Whose bill a stack's resources are on: a cloud, or (a single Docker host with no VPS) only the host's owner. */
export type BilledBy = "aws" | "digitalocean" | "docker";

/** The cloud that bills a run's resources: `alicerce:cloud`, or for a Docker host the cloud of its VPS, or none. */
export function billedBy(config: Readonly<Record<string, string>>): BilledBy {
    const cloud = config["alicerce:cloud"] === "docker" ? (config["alicerce:vps"] ?? "docker") : config["alicerce:cloud"];
    return cloud === "digitalocean" || cloud === "docker" ? cloud : "aws";
}

/**
 * Which cloud each usage assumption of the cost model is about, by its
 * wording (policies/lib/cost/assumptions.ts `describeAssumptions`): a stack
 * is shown only its own cloud's lines and those of every cloud.
 * test/plan-report.test.ts checks that every line the model writes is
 * classified here, so a new line cannot slip through unseen.
 */
export const ASSUMPTION_CLOUDS: readonly [RegExp, BilledBy | "any"][] = [
    [/^no price table for /, "aws"],
    [/^\d+ hours a month$/, "any"],
    [/^traffic: /, "any"],
    [/ leaves the origin per request/, "any"],
    [/load balancer capacity unit \(LCU\)/, "aws"],
    [/ of requests read an S3 object/, "aws"],
    [/ bytes of application log per request/, "aws"],
    [/ KMS requests per key /, "aws"],
    [/ through each NAT gateway$/, "aws"],
    [/ inspected by each WAF web ACL$/, "aws"],
    [/ stored per S3 bucket /, "aws"],
    [/ stored per container repository$/, "aws"],
    [/ through each VPC interface endpoint$/, "aws"],
    [/ Enhanced Monitoring logs /, "aws"],
    [/ through each CDN distribution /, "any"],
    [/^on-demand prices/, "any"],
    [/^an Auto Scaling group /, "aws"],
    [/^custom metrics: /, "aws"],
    [/^DigitalOcean: /, "digitalocean"],
    [/ replicated per bucket to a second region/, "aws"],
    // describeDigitalOceanAssumptions: a DigitalOcean estimate's own lines.
    [/^droplet transfer: /, "digitalocean"],
    [/^load balancer: billed per node/, "digitalocean"],
    [/^Spaces: /, "digitalocean"],
    [/^container registry: /, "digitalocean"],
    [/^managed PostgreSQL and Valkey: /, "digitalocean"],
    [/^on-demand list prices/, "digitalocean"],
    [/^an autoscale pool /, "digitalocean"],
];

/** The cloud an assumption line is about, or undefined when {@link ASSUMPTION_CLOUDS} does not know it. */
export function assumptionCloud(line: string): BilledBy | "any" | undefined {
    return ASSUMPTION_CLOUDS.find(([re]) => re.test(line))?.[1];
}

/** What a Docker host with no VPS states instead of a cloud's assumptions. */
export const DOCKER_HOST_ASSUMPTION =
    "a Docker host you bring: its own cost (hardware and power, or a server's bill) is not in the estimate; the containers add nothing";

/** The estimate as a stack of this cloud reads it: its own price table's name and only its own assumption lines. */
export function ownCloudEstimate(cost: CostEstimate, billed: BilledBy): CostEstimate {
    if (billed === "docker") return { ...cost, priceTable: "a Docker host you bring", assumptions: [DOCKER_HOST_ASSUMPTION] };
    return { ...cost, assumptions: cost.assumptions.filter((a) => [billed, "any", undefined].includes(assumptionCloud(a))) };
}

/** The review of one recorded run. */
export function reviewOf(run: StackRun, policy?: PolicyReport): StackReview {
    const budget = Number(run.config["alicerce:budgetUsd"]);
    const mock = new MockValues(run.mockValues);
    return {
        stack: run.stack,
        cloud: run.config["alicerce:cloud"],
        tier: run.config["alicerce:tier"],
        region: run.config["alicerce:region"],
        where: whereText(run.config),
        budgetUsd: Number.isFinite(budget) ? budget : undefined,
        cost: ownCloudEstimate(estimateCost(run.resources, costTarget(run.config), assumptionsForTier(run.config["alicerce:tier"])), billedBy(run.config)),
        policy: policy && { ...policy, findings: policy.findings.map((f) => ({ ...f, message: mock.text(f.message) })) },
        diagram: renderMermaid(run.resources, { mask: (s) => mock.text(s) }),
        warnings: run.logs.filter((l) => l.severity === "warning" || l.severity === "error").map((l) => `${l.severity}: ${mock.text(l.message)}`),
        resourceCounts: countByType(run.resources),
        outputs: outputRows(
            redactSecrets(run.outputs, run.outputSecretPaths ?? []),
            mock,
            run.logs.map((l) => l.message),
        ),
    };
}

/** Where a stack runs: `in us-east-1`; a Docker host `on a DigitalOcean droplet in nyc3` or `on a Docker host you bring`. */
export function whereText(config: Readonly<Record<string, string>>): string {
    const region = config["alicerce:region"];
    if (config["alicerce:cloud"] !== "docker") return region ? `in ${region}` : "in its provider's default region";
    const billed = billedBy(config);
    if (billed === "docker") return "on a Docker host you bring";
    return `on ${billed === "digitalocean" ? "a DigitalOcean droplet" : "an EC2 instance"}${region ? ` in ${region}` : ""}`;
}

/** "within budget ($X left)" or "over budget by $X". */
export function budgetVerdict(total: number, budget: number | undefined): string {
    if (budget === undefined) return "no budget set";
    const diff = budget - total;
    return diff >= 0 ? `within the ${formatUsd(budget)} budget (${formatUsd(diff)} left)` : `OVER the ${formatUsd(budget)} budget by ${formatUsd(-diff)}`;
}

const range = (monthly: number, max: number) => (max > monthly + 0.005 ? `${formatUsd(monthly)} (up to ${formatUsd(max)})` : formatUsd(monthly));

/** The cost section as console lines. */
export function costText(review: StackReview): string[] {
    const { cost } = review;
    const rows = costByComponent(cost);
    const width = Math.max(9, ...rows.map((r) => r.component.length));
    const lines = [`Estimated monthly cost (${cost.priceTable}, on-demand):`];
    for (const r of rows) lines.push(`  ${r.component.padEnd(width)}  ${range(r.monthlyUsd, r.maxUsd)}`);
    lines.push(`  ${"total".padEnd(width)}  ${range(cost.total, cost.totalMax)}  — ${budgetVerdict(cost.total, review.budgetUsd)}`);
    lines.push(
        `  minimum ${formatUsd(cost.totalMin)} (fewest instances, idle) · typical ${formatUsd(cost.total)} (stated traffic) · scaled out ${formatUsd(cost.totalMax)}`,
    );
    lines.push("  Assumptions:", ...cost.assumptions.map((a) => `    - ${a}`));
    if (cost.unpriced.length > 0) {
        lines.push(`  not priced (the estimate misses these): ${cost.unpriced.map((u) => `${u.name} (${u.type}: ${u.reason})`).join("; ")}`);
    }
    lines.push("  Biggest items:");
    for (const l of [...cost.lines].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 5)) {
        lines.push(`    ${formatUsd(l.monthlyUsd).padStart(8)}  ${l.name}: ${l.basis}`);
    }
    return lines;
}

/** The stack outputs as console lines. */
export function outputsText(outputs: readonly OutputRow[]): string[] {
    if (outputs.length === 0) return ["Outputs: none."];
    const width = Math.max(...outputs.map((o) => o.name.length));
    return [`Outputs ("${KNOWN_AFTER_UP}": only a real up knows the value):`, ...outputs.map((o) => `  ${o.name.padEnd(width)}  ${o.value}`)];
}

/** The stack outputs as a collapsed Markdown table. */
export function outputsMarkdown(outputs: readonly OutputRow[]): string[] {
    if (outputs.length === 0) return [];
    const unknown = outputs.filter((o) => o.value.startsWith(KNOWN_AFTER_UP)).length;
    return [
        `<details><summary>Stack outputs (${outputs.length}; ${unknown} known after up)</summary>`,
        "",
        "| output | value |",
        "|---|---|",
        ...outputs.map(
            (o) =>
                `| \`${o.name}\` | ${o.value === KNOWN_AFTER_UP || o.value.startsWith(`${KNOWN_AFTER_UP} ×`) ? `_${cell(o.value)}_` : `\`${cell(o.value)}\``} |`,
        ),
        "",
        "</details>",
        "",
    ];
}

/** The policy section as console lines. */
export function policyText(policy: PolicyReport | undefined): string[] {
    if (!policy) return ["Policies: the offline policy runner is not wired into this plan yet (run `pulumi preview --policy-pack policies`)."];
    if (policy.findings.length === 0) return [`Policies: ${policy.policies} policies, no violations.`];
    return [
        `Policies: ${policy.policies} policies, ${policy.findings.length} finding${policy.findings.length === 1 ? "" : "s"}:`,
        ...policy.findings.map((f) => `  [${f.enforcementLevel}] ${f.policy}${f.urn ? ` (${f.urn.split("::").pop()})` : ""}: ${f.message}`),
    ];
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** One stack's review as Markdown. */
export function stackMarkdown(review: StackReview): string {
    const { cost } = review;
    const over = review.budgetUsd !== undefined && cost.total > review.budgetUsd;
    const out: string[] = [];
    out.push(`## \`${review.stack}\` — ${review.cloud} / ${review.tier} ${review.where}`, "");
    out.push(
        `${over ? "⚠️" : "✅"} **${range(cost.total, cost.totalMax)} a month** (on-demand estimate, ${cost.priceTable}): ${budgetVerdict(cost.total, review.budgetUsd)}.`,
        "",
    );
    if (review.warnings.length > 0) out.push(...review.warnings.map((w) => `> ${cell(w)}`), "");

    out.push("### Cost by component", "", "| component | monthly | when scaled out |", "|---|---:|---:|");
    for (const r of costByComponent(cost)) out.push(`| ${cell(r.component)} | ${formatUsd(r.monthlyUsd)} | ${formatUsd(r.maxUsd)} |`);
    out.push(`| **total** | **${formatUsd(cost.total)}** | **${formatUsd(cost.totalMax)}** |`, "");
    if (cost.unpriced.length > 0) {
        out.push(`**Not priced** (the estimate misses these): ${cost.unpriced.map((u) => `\`${u.name}\` (${u.type}: ${u.reason})`).join(", ")}`, "");
    }
    out.push("<details><summary>Every priced item</summary>", "", "| resource | type | monthly | how |", "|---|---|---:|---|");
    for (const l of [...cost.lines].sort((a, b) => b.monthlyUsd - a.monthlyUsd)) {
        out.push(`| ${cell(l.name)} | \`${l.type}\` | ${range(l.monthlyUsd, l.range?.[1] ?? l.monthlyUsd)} | ${cell(l.basis)} |`);
    }
    out.push("", `Assumptions: ${cost.assumptions.join("; ")}.`, "", "</details>", "");

    out.push("### Policies", "");
    const policy = policyText(review.policy);
    out.push(policy[0], ...policy.slice(1).map((l) => `- ${l.trim()}`), "");

    out.push(...outputsMarkdown(review.outputs));
    out.push("### Architecture", "", "```mermaid", review.diagram, "```", "");
    out.push("<details><summary>Resources by type</summary>", "", "| count | type |", "|---:|---|");
    for (const [type, n] of review.resourceCounts) out.push(`| ${n} | \`${type}\` |`);
    out.push("", "</details>", "");
    return out.join("\n");
}

/** One stack's row in the report: its review, or why it has none; and what it changes, when compared. */
export interface PlanRow {
    readonly stack: string;
    readonly review?: StackReview;
    /** Why the stack could not be planned (bad config: the program's own message). */
    readonly error?: string;
    readonly diff?: StackDiff;
    /** Why the comparison could not be made (a new stack, or a base that fails). */
    readonly diffError?: string;
}

/** "2 mandatory, 1 advisory", or "none". */
export function violationsText(policy: PolicyReport | undefined): string {
    if (!policy) return "—";
    const count = (level: string) => policy.findings.filter((f) => f.enforcementLevel === level).length;
    const parts = [`${count("mandatory")} mandatory`, `${count("advisory")} advisory`].filter((p) => !p.startsWith("0 "));
    return parts.length === 0 ? "none" : parts.join(", ");
}

/** The stack's verdict: fails validation, blocked by a mandatory policy, over budget, or fine. */
export function statusOf(row: PlanRow): string {
    if (row.error !== undefined || !row.review) return "❌ fails validation";
    if (row.review.policy?.findings.some((f) => f.enforcementLevel === "mandatory")) return "⛔ mandatory policy";
    if (row.diff?.entries.some((e) => e.dataLoss)) return "⚠️ replaces data";
    if (row.review.budgetUsd !== undefined && row.review.cost.total > row.review.budgetUsd) return "⚠️ over budget";
    return "✅";
}

/** Every stack's review as one Markdown document, headed by the comment marker; a stack that failed keeps its row. */
export function reviewMarkdown(rows: readonly (StackReview | PlanRow)[]): string {
    const all: PlanRow[] = rows.map((r) => ("cost" in r ? { stack: r.stack, review: r } : r));
    const compared = all.some((r) => r.diff || r.diffError);
    const summary = all.map((row) => {
        const r = row.review;
        const counts = row.diff?.counts;
        const changes = counts ? `+${counts.add} ~${counts.update} ±${counts.replace} -${counts.delete}` : row.diffError ? "not compared" : "—";
        const delta = compared ? ` ${changes} | ${row.diff ? formatDelta(row.diff.costDelta) : row.diffError ? "new" : "—"} |` : "";
        if (!r) return `| \`${row.stack}\` | — | — |${delta} — | — | ${statusOf(row)} |`;
        return `| \`${r.stack}\` | ${r.cloud} / ${r.tier} | ${formatUsd(r.cost.total)} |${delta} ${r.budgetUsd !== undefined ? formatUsd(r.budgetUsd) : "—"} | ${violationsText(r.policy)} | ${statusOf(row)} |`;
    });
    const sections = all.map((row) => {
        if (!row.review) return [`## \`${row.stack}\` — fails validation`, "", "```", row.error ?? "no plan", "```", ""].join("\n");
        const diff = row.diff ? diffMarkdown(row.diff) : row.diffError ? `### Changes\n\nNot compared: ${cell(row.diffError)}\n` : "";
        const md = stackMarkdown(row.review);
        // The changes go right under the stack's heading and verdict, before the cost tables.
        const at = md.indexOf("### Cost by component");
        return diff && at >= 0 ? md.slice(0, at) + diff + "\n" + md.slice(at) : md + diff;
    });
    return [
        COMMENT_MARKER,
        "# alicerce plan",
        "",
        "Computed offline: the real program under Pulumi's mocks, no cloud account. Costs are on-demand estimates from the recorded inputs.",
        "",
        `| stack | cloud / tier | estimate / month |${compared ? " changes (+create ~update ±replace -delete) | cost change |" : ""} budget | policy violations | |`,
        `|---|---|---:|${compared ? "---|---:|" : ""}---:|---|---|`,
        ...summary,
        "",
        ...dataAtRisk(all),
        ...sections,
    ].join("\n");
}

/**
 * Every stack's replacements and deletions of resources that hold data or
 * are protected, in one block under the summary table: the first thing a
 * reviewer reads, and never cut from a long comment.
 */
function dataAtRisk(rows: readonly PlanRow[]): string[] {
    const risky = rows.flatMap((row) => (row.diff?.entries ?? []).filter((e) => e.dataLoss).map((e) => ({ stack: row.stack, e })));
    if (risky.length === 0) return [];
    return [
        "> [!CAUTION]",
        `> **Data at risk**: ${risky.length} replacement${risky.length === 1 ? "" : "s"} or deletion${risky.length === 1 ? "" : "s"} of resources that hold data or are protected:`,
        ...risky.map(
            ({ stack, e }) =>
                `> - \`${stack}\`: ${e.kind === "replace" ? "replaces" : "deletes"} ${cell(e.name)} (\`${e.type}\`)${e.replacingInputs.length > 0 ? ` because ${e.replacingInputs.map(cell).join(", ")} changed` : ""}`,
        ),
        "",
    ];
}

/** The `cost` section of `npm run plan -- --json`. */
export function costJson(review: StackReview): Record<string, unknown> {
    return {
        priceTable: review.cost.priceTable,
        budgetUsd: review.budgetUsd ?? null,
        totalUsd: round(review.cost.total),
        totalMaxUsd: round(review.cost.totalMax),
        totalMinUsd: round(review.cost.totalMin),
        withinBudget: review.budgetUsd === undefined ? null : review.cost.total <= review.budgetUsd,
        byComponent: costByComponent(review.cost).map((c) => ({ component: c.component, monthlyUsd: round(c.monthlyUsd), maxUsd: round(c.maxUsd) })),
        lines: review.cost.lines.map((l) => ({ ...l, monthlyUsd: round(l.monthlyUsd), ...(l.range ? { range: [round(l.range[0]), round(l.range[1])] } : {}) })),
        assumptions: review.cost.assumptions,
        unpriced: review.cost.unpriced,
    };
}

const round = (n: number) => Math.round(n * 100) / 100;
