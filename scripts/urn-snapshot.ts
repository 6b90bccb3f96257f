/**
 * Writes the URN snapshot the URN-stability test compares against: for each
 * shipped stack, one `<type> <urn>` line per resource, sorted, in
 * `test/fixtures/urns/<stack>.txt`.
 *
 * Take it only from a tree whose URNs are deployed (before a refactor, never
 * after): `npm run urns:snapshot`. The test then proves the refactor keeps
 * every stateful resource at its URN or behind an alias.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, runStack, stackFiles } from "../offline";

export const SNAPSHOT_DIR = path.join(ROOT, "test", "fixtures", "urns");

async function main(): Promise<void> {
    fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
    for (const stack of stackFiles()) {
        const run = await runStack(stack);
        const lines = run.resources.map((r) => `${r.type} ${r.urn}`).sort();
        fs.writeFileSync(path.join(SNAPSHOT_DIR, `${stack}.txt`), lines.join("\n") + "\n");
        console.log(`${stack}: ${lines.length} URNs`);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
