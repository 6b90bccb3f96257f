/**
 * Pure renderers for `npm run plan`: the resource tree, counts by type and
 * the JSON document. No Pulumi runtime here; they take a recorded run.
 */
import { aliasUrns } from "./aliases";
import type { RecordedResource, StackRun } from "./index";
import { redactSecrets } from "./secrets";
import { MockValues } from "./unknowns";

/** Resource options that change what `up` and `destroy` do to a resource, as the plan JSON shows them. */
export interface PlanResourceOptions {
    /** `pulumi destroy` and any replacement refuse to delete it. */
    readonly protect: boolean;
    /** Every URN besides its own that the engine matches it to in the state (declared aliases and those inherited from its parents). */
    readonly aliases: readonly string[];
    /** Deleting it from the program leaves the cloud resource in place. */
    readonly retainOnDelete: boolean;
    /** A replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /** Input properties whose changes `up` ignores. */
    readonly ignoreChanges: readonly string[];
    /** Input properties whose changes force a replacement. */
    readonly replaceOnChanges: readonly string[];
}

/** One resource in the plan JSON. */
export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** True for a provider-managed resource, false for a component or the stack (absent in plans written before it was recorded). */
    readonly custom?: boolean;
    /** Inputs, secret values replaced by `"[secret]"`. */
    readonly inputs: Record<string, unknown>;
    readonly options: PlanResourceOptions;
}

/** The JSON document `npm run plan -- --json <file>` writes (one per stack). */
export interface PlanJson {
    stack: string;
    cloud: string;
    tier: string;
    resources: PlanResource[];
    /** The stack outputs, secret values replaced by `"[secret]"`. */
    outputs: Record<string, unknown>;
    /** Which outputs hold a value only a real `up` knows (the mocks' stand-in is kept in `outputs`), as dotted paths. */
    knownAfterUp?: { outputs: string[] };
    /** What the program logged as warnings and errors (`pulumi.log.warn`), stand-ins read "(known after up)", in order. */
    warnings: { severity: "warning" | "error"; message: string }[];
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

/** The JSON plan, secret values (inputs and outputs) replaced by `"[secret]"`. */
export function planJson(run: StackRun): PlanJson {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const memo = new Map<string, string[]>();
    const mock = new MockValues(run.mockValues);
    return {
        stack: run.stack,
        cloud: run.config["alicerce:cloud"],
        tier: run.config["alicerce:tier"],
        resources: run.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent ?? null,
            custom: r.custom,
            inputs: redactSecrets(r.inputs, r.secretPaths),
            options: {
                protect: r.options.protect,
                aliases: aliasUrns(r, byUrn, memo).slice(1),
                retainOnDelete: r.options.retainOnDelete,
                deleteBeforeReplace: r.options.deleteBeforeReplace,
                ignoreChanges: [...r.options.ignoreChanges],
                replaceOnChanges: [...r.options.replaceOnChanges],
            },
        })),
        outputs: redactSecrets(run.outputs, run.outputSecretPaths ?? []),
        // The outputs keep the mocks' stand-ins (a diff of two plans compares them); this says which ones they are.
        knownAfterUp: { outputs: mock.paths(redactSecrets(run.outputs, run.outputSecretPaths ?? [])) },
        warnings: run.logs
            .filter((l): l is { severity: "warning" | "error"; message: string } => l.severity === "warning" || l.severity === "error")
            .map((l) => ({ severity: l.severity, message: mock.text(l.message) })),
    };
}
