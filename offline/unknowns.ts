/**
 * What only a real `up` knows. The mocks must answer something for every id,
 * ARN, DNS name, address and generated name (offline/outputs.ts marks each
 * such stand-in), and the program builds outputs, warnings and inputs from
 * them. The reports never show a stand-in as a fact: wherever one appears,
 * they read "(known after up)", as `pulumi preview` shows an unknown output.
 * Pure.
 */
import { MOCK_ACCOUNT_ID } from "./outputs";

/** What a report shows in place of a value only `up` knows. */
export const KNOWN_AFTER_UP = "(known after up)";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Finds the mocks' stand-ins in values and text. */
export class MockValues {
    private readonly pattern?: RegExp;

    /**
     * @param values the stand-ins a run's mocks made up (`StackRun.mockValues`); the mocks'
     * AWS account id is always one (the caller-identity look-up answers it offline).
     */
    constructor(values: Iterable<string> = []) {
        const all = new Set<string>([MOCK_ACCOUNT_ID]);
        for (const v of values) {
            all.add(v);
            // A DNS name is often written without its root dot (`_x1.example.com.` in a CNAME target).
            if (v.endsWith(".") && v.length > 1) all.add(v.slice(0, -1));
        }
        const tokens = [...all].filter((t) => t.length >= 3).sort((a, b) => b.length - a.length);
        // A stand-in counts only as a whole token: `app-id` is not in `myapp-identity`.
        if (tokens.length > 0) this.pattern = new RegExp(`(?<![A-Za-z0-9])(?:${tokens.map(escape).join("|")})(?![A-Za-z0-9])`, "g");
    }

    /** True if the text holds a stand-in. */
    has(text: string): boolean {
        if (!this.pattern) return false;
        this.pattern.lastIndex = 0;
        return this.pattern.test(text);
    }

    /** Free text (a warning, a policy message) with every stand-in replaced by "(known after up)". */
    text(text: string): string {
        return this.pattern ? text.replace(this.pattern, KNOWN_AFTER_UP) : text;
    }

    /** A value with every string that holds a stand-in replaced, whole, by "(known after up)". */
    value(value: unknown): unknown {
        if (typeof value === "string") return this.has(value) ? KNOWN_AFTER_UP : value;
        if (Array.isArray(value)) return value.map((v) => this.value(v));
        if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)]));
        return value;
    }

    /** The dotted paths of the strings in `value` that hold a stand-in (`database.writer`, `subnetIds.public.0`). */
    paths(value: unknown, at = ""): string[] {
        if (typeof value === "string") return this.has(value) ? [at] : [];
        const join = (k: string) => (at ? `${at}.${k}` : k);
        if (Array.isArray(value)) return value.flatMap((v, i) => this.paths(v, join(String(i))));
        if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => this.paths(v, join(k)));
        return [];
    }
}

/** One stack output as the report shows it: its dotted name and its value as text. */
export interface OutputRow {
    readonly name: string;
    readonly value: string;
}

/**
 * The stack outputs as rows for the reports: nested objects flattened to
 * dotted names, secrets as `[secret]`, stand-ins as "(known after up)".
 * `redacted` is the output object with secrets already replaced (offline/secrets.ts);
 * a list of strings all in `shownAbove` (the logged warnings) is named, not repeated.
 */
export function outputRows(redacted: Record<string, unknown>, mock: MockValues, shownAbove: readonly string[] = []): OutputRow[] {
    const rows: OutputRow[] = [];
    const scalar = (v: unknown): string => {
        if (v === null || v === undefined) return "—";
        if (typeof v === "string") return mock.has(v) ? KNOWN_AFTER_UP : v === "" ? '""' : v;
        if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
        return JSON.stringify(mock.value(v));
    };
    const walk = (v: unknown, name: string) => {
        if (Array.isArray(v)) {
            if (v.length === 0) rows.push({ name, value: "(none)" });
            // The program's warnings, which it also logs: the report shows them once, above.
            else if (v.every((x) => typeof x === "string" && shownAbove.includes(x)))
                rows.push({ name, value: `the ${v.length} warning${v.length === 1 ? "" : "s"} above` });
            else if (v.every((x) => x === null || typeof x !== "object")) {
                const shown = v.map(scalar);
                rows.push({ name, value: shown.every((s) => s === KNOWN_AFTER_UP) ? `${KNOWN_AFTER_UP} × ${v.length}` : shown.join(", ") });
            } else v.forEach((x, i) => walk(x, `${name}.${i}`));
        } else if (v !== null && typeof v === "object" && Object.keys(v).length > 0) {
            for (const [k, x] of Object.entries(v)) walk(x, `${name}.${k}`);
        } else rows.push({ name, value: scalar(v) });
    };
    for (const [k, v] of Object.entries(redacted)) walk(v, k);
    return rows;
}
