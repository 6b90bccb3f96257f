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
