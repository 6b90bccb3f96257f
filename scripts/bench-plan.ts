/**
 * `npm run bench:plan`: how long the offline plan takes per stack (first run,
 * which loads and compiles the program, then the median of warm runs, with
 * the cost estimate and the report included) and how long the whole infra
 * test suite takes. Prints figures; asserts nothing.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT, runStack, stackFiles } from "../offline";
import { reviewMarkdown, reviewOf } from "../offline/review";

const WARM_RUNS = 5;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
    const started = process.hrtime.bigint();
    const value = await f();
    return [value, Number(process.hrtime.bigint() - started) / 1e6];
}

async function planOnce(stack: string): Promise<number> {
    const run = await runStack(stack);
    return reviewMarkdown([reviewOf(run)]).length;
}

async function main(): Promise<void> {
    console.log(`node ${process.version}, ${require("os").cpus().length} CPUs (shared)\n`);
    console.log("plan per stack (run under mocks + cost + diagram + Markdown):");
    console.log(`  ${"stack".padEnd(10)} ${"resources".padStart(9)} ${"first".padStart(9)} ${`warm (median of ${WARM_RUNS})`.padStart(22)}`);
    for (const stack of stackFiles()) {
        const [, first] = await timed(() => planOnce(stack));
        const warm: number[] = [];
        for (let i = 0; i < WARM_RUNS; i++) warm.push((await timed(() => planOnce(stack)))[1]);
        warm.sort((a, b) => a - b);
        const resources = (await runStack(stack)).resources.length;
        console.log(
            `  ${stack.padEnd(10)} ${String(resources).padStart(9)} ${`${first.toFixed(0)} ms`.padStart(9)} ${`${warm[Math.floor(WARM_RUNS / 2)].toFixed(0)} ms`.padStart(22)}`,
        );
    }

    console.log("\ninfra test suite (npx mocha, every test, one process):");
    const started = process.hrtime.bigint();
    const mocha = spawnSync(process.execPath, [require.resolve("mocha/bin/mocha.js"), "--reporter", "dot"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = `${mocha.stdout}`.match(/\d+ passing[^\n]*|\d+ failing/g) ?? [];
    console.log(`  ${seconds.toFixed(1)} s wall clock (${summary.join(", ") || `exit ${mocha.status}`}) in ${path.relative(process.cwd(), ROOT) || "."}`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
