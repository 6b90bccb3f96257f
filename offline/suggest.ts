/**
 * "Did you mean" for the command line: the closest known name by edit
 * distance (fast-levenshtein, the implementation eslint's option parser uses).
 */
import { get as distance } from "fast-levenshtein";

/** The known name closest to `input`, if it is close enough to be a likely typo (two edits, or a third of its length, and no more than 3). */
export function closest(input: string, known: readonly string[]): string | undefined {
    let best: { name: string; d: number } | undefined;
    for (const name of known) {
        const d = distance(input.toLowerCase(), name.toLowerCase());
        if (best === undefined || d < best.d) best = { name, d };
    }
    if (!best) return undefined;
    return best.d <= Math.min(3, Math.max(2, Math.ceil(Math.max(input.length, best.name.length) / 3))) ? best.name : undefined;
}

/** `; did you mean "dev"?` or nothing. */
export function didYouMean(input: string, known: readonly string[]): string {
    const match = closest(input, known);
    return match ? `; did you mean "${match}"?` : "";
}
