import * as fs from "fs";
import type { Steps, StepTiming } from "./proc";

/** What a drill and a migration both report: the copy verified against what it should equal, and the time each step took. */
export interface VerifiedCopyReport {
    readonly ok: boolean;
    readonly tables: number;
    readonly rows: number;
    readonly dumpBytes: number;
    readonly objects: number;
    readonly objectBytes: number;
    readonly differences: string[];
    readonly steps: StepTiming[];
    readonly totalSeconds: number;
}

/** Bytes as mebibytes, one decimal (`12.3 MB`). */
export const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** The common part of the report, from the checksummed tables, the dump file, the objects and the differences found. */
export function verifiedCopy(p: {
    readonly tables: ReadonlyMap<string, { readonly rows: number }>;
    readonly dumpFile: string;
    readonly objects: number;
    readonly objectBytes: number;
    readonly differences: string[];
    readonly steps: Steps;
}): VerifiedCopyReport {
    return {
        ok: p.differences.length === 0,
        tables: p.tables.size,
        rows: [...p.tables.values()].reduce((n, t) => n + t.rows, 0),
        dumpBytes: fs.statSync(p.dumpFile).size,
        objects: p.objects,
        objectBytes: p.objectBytes,
        differences: p.differences,
        steps: [...p.steps.timings],
        totalSeconds: p.steps.total(),
    };
}

/** Prints the step table, the sizes and the verdict; writes the report as JSON when asked. */
export function printVerifiedCopy(
    print: (line: string) => void,
    steps: Steps,
    report: VerifiedCopyReport,
    verdict: { readonly passed: string; readonly failed: string },
    json?: string,
): void {
    print("");
    print(steps.summary());
    print(`${report.tables} tables, ${report.rows} rows (dump ${mb(report.dumpBytes)}), ${report.objects} objects (${mb(report.objectBytes)})`);
    print(report.ok ? verdict.passed : `${verdict.failed}:\n  ${report.differences.join("\n  ")}`);
    if (json) fs.writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
}
