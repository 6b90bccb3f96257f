/**
 * Pure renderers for `npm run plan`: the resource tree, counts by type and
 * the JSON document. No Pulumi runtime here; they take a recorded run.
 */
import type { RecordedResource, StackRun } from "../test/harness";
import { redactSecrets } from "../test/harness/secrets";

/** The JSON document `npm run plan -- --json <file>` writes. */
export interface PlanJson {
    stack: string;
    cloud: string;
    tier: string;
    resources: { urn: string; type: string; name: string; parent: string | null; inputs: Record<string, unknown> }[];
    [section: string]: unknown;
}

/** The resources as a tree under their parents (components), one line each. */
export function renderTree(resources: readonly RecordedResource[]): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    const urns = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, prefix: string) => {
        const kids = children.get(parent) ?? [];
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
            lines.push(`${prefix}${branch}${r.name}  (${r.type})`);
            walk(r.urn, parent === undefined ? "" : prefix + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    return lines;
}

/** Provider-managed resources counted by type, most first, then by name. */
export function countByType(resources: readonly RecordedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) if (r.custom && !r.type.startsWith("pulumi:providers:")) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The JSON plan, secret values replaced by `"[secret]"`. */
export function planJson(run: StackRun): PlanJson {
    return {
        stack: run.stack,
        cloud: run.config["alicerce:cloud"],
        tier: run.config["alicerce:tier"],
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            inputs: redactSecrets(r.inputs, r.secretPaths),
        })),
    };
}

/** What the policy report shows of one violation (policies/offline.ts `PolicyViolation`). */
export interface ReportedViolation {
    readonly policy: string;
    readonly level: "advisory" | "mandatory";
    readonly type?: string;
    readonly name?: string;
    readonly message: string;
}

/**
 * The policy report: a summary line, then one line per violation (level,
 * policy, resource, message), mandatory ones first.
 */
export function renderPolicyReport(violations: readonly ReportedViolation[], policyCount: number): string[] {
    const mandatory = violations.filter((v) => v.level === "mandatory");
    const advisory = violations.filter((v) => v.level === "advisory");
    const summary =
        violations.length === 0
            ? `Policies: ${policyCount} checked, no violations.`
            : `Policies: ${policyCount} checked, ${mandatory.length} mandatory and ${advisory.length} advisory violation${violations.length === 1 ? "" : "s"}${mandatory.length > 0 ? " (pulumi up would refuse this stack)" : ""}.`;
    const lines = [...mandatory, ...advisory].map((v) => {
        const resource = v.name ? `${v.name} (${v.type})` : "(stack)";
        return `  ${v.level.padEnd(9)}  ${v.policy}  ${resource}\n             ${v.message}`;
    });
    return [summary, ...lines];
}
