/**
 * What a change changes: two plans of a stack (two git refs, two stacks, or
 * two tiers of one stack) compared resource by resource, as `pulumi preview`
 * would: added, updated, replaced, deleted, with the inputs that changed, and
 * whether a replacement or deletion hits a resource that holds data or is
 * protected. Pure: takes the JSON documents `npm run plan -- --json` writes
 * (offline/report.ts), so a plan recorded at another commit compares too.
 */
import { isDeepStrictEqual } from "util";
import { formatUsd } from "../policies/lib/cost";
import { isEdgeAddress } from "../policies/lib/tags";
import { holdsData, replacingInputs } from "./force-new";
import type { PlanJson, PlanResource } from "./report";

/** What `up` would do to one resource. */
export type DiffKind = "add" | "update" | "replace" | "delete";

/** One resource that changes. */
export interface DiffEntry {
    readonly kind: DiffKind;
    readonly type: string;
    readonly name: string;
    /** The URN after the change (before it, for a deletion). */
    readonly urn: string;
    /** Top-level inputs whose value differs (empty for additions and deletions). */
    readonly changedInputs: readonly string[];
    /** The changed inputs that force the replacement (ForceNew, or declared `replaceOnChanges`). */
    readonly replacingInputs: readonly string[];
    /** The resource holds data (offline/force-new.ts `holdsData`: a `STATEFUL_TYPES` type, or the single Docker host's VM). */
    readonly stateful: boolean;
    /** The resource is protected (before the change): `up` refuses to replace or delete it. */
    readonly protected: boolean;
    /** A replacement or deletion of a stateful or protected resource: data lost, or an `up` that fails. */
    readonly dataLoss: boolean;
}

/** Two plans of one stack compared. */
export interface StackDiff {
    /** What is compared, e.g. `main` -> working tree, or `dev` -> `dev at tier prod`. */
    readonly before: string;
    readonly after: string;
    /** Most serious first: data-holding replacements and deletions, then replacements, deletions, updates, additions. */
    readonly entries: readonly DiffEntry[];
    readonly counts: Readonly<Record<DiffKind, number>>;
    /** Monthly estimates (USD); null where that side has no priced plan. */
    readonly costBefore: number | null;
    readonly costAfter: number | null;
    readonly costDelta: number | null;
    /** What to do for `up` to carry out this change (steps the plan alone cannot show); empty when nothing. */
    readonly notes: readonly string[];
}

/**
 * What the user must know or do for `up` to carry out a change, beyond the resources it lists:
 * - the instance edge's Elastic IP deleted (a move to growth, a domain, `alicerce:edge load-balancer`): its
 *   instance associated it itself (components/aws/origin.ts), so Pulumi's state does not know it is in use;
 *   terraform-provider-aws deletes an `aws_eip` by disassociating only the association its state records, then
 *   ReleaseAddress, which EC2 refuses for an address in use in a VPC (InvalidIPAddress.InUse;
 *   internal/service/ec2/vpc_eip.go resourceEIPDelete, EC2 API ReleaseAddress). A refresh reads the association
 *   first (resourceEIPRead sets association_id).
 * - a load balancer deleted where the instance edge's address is created: the app's address changes.
 */
export function changeNotes(deleted: readonly PlanResource[], added: readonly PlanResource[]): string[] {
    const notes: string[] = [];
    const edge = deleted.filter(isEdgeAddress);
    if (edge.length > 0)
        notes.push(
            `run this change as \`pulumi up --refresh\`: ${edge.map((r) => r.name).join(", ")} is the instance edge's Elastic IP, which its instance associated itself; without a refresh Pulumi does not know it is in use and EC2 refuses to release it (InvalidIPAddress.InUse). The app's address then moves to the load balancer (stack output url).`,
        );
    if (added.some(isEdgeAddress) && deleted.some((r) => r.type === "aws:lb/loadBalancer:LoadBalancer"))
        notes.push(
            "the app's address moves from the load balancer's name to the instance edge's Elastic IP (stack output url), once the new instance is healthy and takes it; the load balancer's name stops answering when this `up` deletes it. To keep the load balancer: `pulumi config set alicerce:edge load-balancer`.",
        );
    return notes;
}

/**
 * The URN without its stack and project, so two stacks (or a renamed
 * project) compare resource by resource: `urn:pulumi:S::P::type::name`.
 */
const key = (urn: string) => urn.replace(/^urn:pulumi:[^:]*::[^:]*::/, "");

const ORDER: Record<DiffKind, number> = { replace: 0, delete: 1, update: 2, add: 3 };

/** Compares plan `before` with plan `after` (the JSON documents of one stack). */
export function diffPlans(before: PlanJson, after: PlanJson, labels: { before: string; after: string }): StackDiff {
    const managed = (r: PlanResource) => r.type !== "pulumi:pulumi:Stack" && !isComponent(r);
    const old = new Map(before.resources.filter(managed).map((r) => [key(r.urn), r]));
    const matched = new Set<string>();
    const entries: DiffEntry[] = [];
    const added: PlanResource[] = [];
    for (const r of after.resources.filter(managed)) {
        // The engine matches a resource to the state by its URN or any of its aliases.
        const prior = [r.urn, ...r.options.aliases]
            .map(key)
            .map((k) => (old.has(k) && !matched.has(k) ? k : undefined))
            .find(Boolean);
        if (prior === undefined) {
            entries.push(entry("add", r, [], [], false));
            added.push(r);
            continue;
        }
        matched.add(prior);
        const was = old.get(prior)!;
        if (was.type !== r.type) {
            entries.push(entry("replace", r, ["(type)"], ["(type)"], was.options.protect));
            continue;
        }
        // What `up` ignores (the `ignoreChanges` resource option) is not a change.
        const inputs = withIgnoredChanges(r.inputs, was.inputs, r.options.ignoreChanges);
        const changed = [...new Set([...Object.keys(was.inputs), ...Object.keys(inputs)])].filter((k) => !isDeepStrictEqual(was.inputs[k], inputs[k])).sort();
        if (changed.length === 0) continue;
        const replacing = replacingInputs(r.type, changed, r.options.replaceOnChanges);
        entries.push(entry(replacing.length > 0 ? "replace" : "update", r, changed, replacing, was.options.protect));
    }
    const deleted = [...old].filter(([k]) => !matched.has(k)).map(([, r]) => r);
    for (const r of deleted) entries.push(entry("delete", r, [], [], r.options.protect));
    entries.sort((a, b) => Number(b.dataLoss) - Number(a.dataLoss) || ORDER[a.kind] - ORDER[b.kind] || a.urn.localeCompare(b.urn));
    const counts = { add: 0, update: 0, replace: 0, delete: 0 };
    for (const e of entries) counts[e.kind]++;
    const costBefore = totalOf(before);
    const costAfter = totalOf(after);
    return {
        ...labels,
        entries,
        counts,
        costBefore,
        costAfter,
        costDelta: costBefore === null || costAfter === null ? null : Math.round((costAfter - costBefore) * 100) / 100,
        notes: changeNotes(deleted, added),
    };
}

function entry(kind: DiffKind, r: PlanResource, changedInputs: string[], replacing: string[], wasProtected: boolean): DiffEntry {
    const stateful = holdsData(r);
    const isProtected = wasProtected || (kind !== "add" && r.options.protect);
    return {
        kind,
        type: r.type,
        name: r.name,
        urn: r.urn,
        changedInputs,
        replacingInputs: replacing,
        stateful,
        protected: isProtected,
        dataLoss: (kind === "replace" || kind === "delete") && (stateful || isProtected),
    };
}

/**
 * The new inputs with each `ignoreChanges` path set back to its old value (or removed where the old inputs had none),
 * as the engine does before it diffs (pulumi/pulumi pkg/resource/deploy/step_generator.go `processIgnoreChanges`;
 * https://www.pulumi.com/docs/iac/concepts/resources/options/ignorechanges/, property paths: https://www.pulumi.com/docs/reference/property-paths/). Paths are Pulumi property paths: `userData`,
 * `tags.Name`, `rules[0].port`, `tags["a.b"]`, and `*` (the property paths' wildcard) for every input.
 */
export function withIgnoredChanges(
    inputs: Record<string, unknown>,
    oldInputs: Record<string, unknown>,
    ignoreChanges: readonly string[],
): Record<string, unknown> {
    if (ignoreChanges.includes("*")) return structuredClone(oldInputs);
    const out: Record<string, unknown> = structuredClone(inputs);
    for (const path of ignoreChanges) {
        const parts = propertyPath(path);
        if (parts.length === 0) continue;
        const old = getPath(oldInputs, parts);
        setPath(out, parts, old.found ? structuredClone(old.value) : undefined, old.found);
    }
    return out;
}

/** `a.b[0]["c.d"]` -> `["a", "b", 0, "c.d"]`. */
function propertyPath(path: string): (string | number)[] {
    const parts: (string | number)[] = [];
    const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
    for (let m = re.exec(path); m; m = re.exec(path)) parts.push(m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? m[2] : m[3]);
    return parts;
}

function getPath(root: unknown, parts: readonly (string | number)[]): { found: boolean; value?: unknown } {
    let cur: unknown = root;
    for (const p of parts) {
        if (cur === null || typeof cur !== "object" || !(p in cur)) return { found: false };
        cur = (cur as Record<string | number, unknown>)[p];
    }
    return { found: true, value: cur };
}

function setPath(root: Record<string, unknown>, parts: readonly (string | number)[], value: unknown, present: boolean): void {
    let cur: unknown = root;
    for (const p of parts.slice(0, -1)) {
        if (cur === null || typeof cur !== "object") return;
        if (!(p in cur)) {
            if (!present) return;
            (cur as Record<string | number, unknown>)[p] = typeof p === "number" ? [] : {};
        }
        cur = (cur as Record<string | number, unknown>)[p];
    }
    if (cur === null || typeof cur !== "object") return;
    const last = parts[parts.length - 1];
    if (present) (cur as Record<string | number, unknown>)[last] = value;
    else delete (cur as Record<string | number, unknown>)[last];
}

/** Components (and the stack) are not provider resources: their own "inputs" are not sent to a cloud. */
function isComponent(r: PlanResource): boolean {
    // Plans written before `custom` was recorded: this program's components are `alicerce:<cloud>:<Name>`.
    return r.custom === undefined ? /^alicerce:[a-z]+:[A-Za-z]+$/.test(r.type) : !r.custom;
}

function totalOf(plan: PlanJson): number | null {
    const total = (plan.cost as { totalUsd?: unknown } | undefined)?.totalUsd;
    return typeof total === "number" ? total : null;
}

const VERB: Record<DiffKind, string> = { add: "+ create", update: "~ update", replace: "+- replace", delete: "- delete" };

/** A money delta with its sign: `+$12.00`, `-$3.50`, `$0.00`. */
export function formatDelta(delta: number | null): string {
    if (delta === null) return "—";
    if (Math.abs(delta) < 0.005) return formatUsd(0);
    return `${delta > 0 ? "+" : "-"}${formatUsd(Math.abs(delta))}`;
}

function line(e: DiffEntry): string {
    const flags = [e.stateful ? "holds data" : "", e.protected ? "protected" : ""].filter(Boolean).join(", ");
    const why = e.kind === "replace" ? ` because ${e.replacingInputs.join(", ")} changed` : e.kind === "update" ? `: ${e.changedInputs.join(", ")}` : "";
    const also =
        e.kind === "replace" && e.changedInputs.length > e.replacingInputs.length
            ? ` (also ${e.changedInputs.filter((k) => !e.replacingInputs.includes(k)).join(", ")})`
            : "";
    return `${VERB[e.kind]} ${e.name} (${e.type})${flags ? ` [${flags}]` : ""}${why}${also}`;
}

/** The diff as console lines. */
export function diffText(diff: StackDiff): string[] {
    const { counts } = diff;
    const lines = [
        `Changes ${diff.before} -> ${diff.after}: ${counts.add} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete.`,
    ];
    const loss = diff.entries.filter((e) => e.dataLoss);
    if (loss.length > 0) {
        lines.push(
            `  DATA AT RISK: ${loss.length} replacement${loss.length === 1 ? "" : "s"} or deletion${loss.length === 1 ? "" : "s"} of resources that hold data or are protected:`,
        );
    }
    for (const e of diff.entries) lines.push(`  ${line(e)}`);
    lines.push(
        `  Monthly cost: ${diff.costBefore === null ? "—" : formatUsd(diff.costBefore)} -> ${diff.costAfter === null ? "—" : formatUsd(diff.costAfter)} (${formatDelta(diff.costDelta)})`,
    );
    for (const note of diff.notes) lines.push(`  Note: ${note}`);
    return lines;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The diff as Markdown: data-holding replacements called out first, the rest in a table. */
export function diffMarkdown(diff: StackDiff): string {
    const { counts } = diff;
    const out = [
        `### Changes (${cell(diff.before)} → ${cell(diff.after)})`,
        "",
        `**${counts.add}** to create, **${counts.update}** to update, **${counts.replace}** to replace, **${counts.delete}** to delete. Monthly cost ${diff.costBefore === null ? "—" : formatUsd(diff.costBefore)} → ${diff.costAfter === null ? "—" : formatUsd(diff.costAfter)} (**${formatDelta(diff.costDelta)}**).`,
        "",
    ];
    const loss = diff.entries.filter((e) => e.dataLoss);
    if (loss.length > 0) {
        out.push("> [!CAUTION]", "> These replace or delete resources that hold data or are protected:");
        for (const e of loss) out.push(`> - ${cell(line(e))}`);
        out.push("");
    }
    for (const note of diff.notes) out.push("> [!IMPORTANT]", `> ${cell(note)}`, "");
    if (diff.entries.length > 0) {
        out.push("<details><summary>Every change</summary>", "", "| | resource | type | inputs |", "|---|---|---|---|");
        for (const e of diff.entries) {
            const inputs =
                e.kind === "replace"
                    ? `${e.replacingInputs.map((k) => `**${k}**`).join(", ")}${e.changedInputs.length > e.replacingInputs.length ? `, ${e.changedInputs.filter((k) => !e.replacingInputs.includes(k)).join(", ")}` : ""}`
                    : e.changedInputs.join(", ");
            out.push(`| ${VERB[e.kind]}${e.dataLoss ? " ⚠️" : ""} | ${cell(e.name)} | \`${e.type}\` | ${cell(inputs)} |`);
        }
        out.push("", "</details>", "");
    }
    return out.join("\n");
}
