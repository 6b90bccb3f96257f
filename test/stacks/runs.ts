/**
 * Stack runs shared by every test file in one mocha process: each run of the
 * real program happens once, however many tests read it.
 */
import type { Tier } from "../../stacks";
import { Resources, runStack, StackRun } from "../../offline";

const runs = new Map<string, Promise<StackRun>>();

function cached(key: string, run: () => Promise<StackRun>): Promise<StackRun> {
    if (!runs.has(key)) runs.set(key, run());
    return runs.get(key)!;
}

/** The shipped stack file `Pulumi.<stack>.yaml`, run once. */
export function stackRun(stack: string): Promise<StackRun> {
    return cached(`file:${stack}`, () => runStack(stack));
}

/** The stack name {@link tierRun} runs under: one stack moved through the tiers. */
export const UPGRADE_STACK = "upgrade";

/**
 * The dev stack file at `tier`, always under the stack name
 * {@link UPGRADE_STACK} and with the same domain, so the three runs differ
 * only by tier: what one stack looks like before and after `alicerce:tier`
 * changes.
 */
export function tierRun(tier: Tier): Promise<StackRun> {
    return cached(`tier:${tier}`, () =>
        runStack("dev", { stackName: UPGRADE_STACK, overrides: { "alicerce:tier": tier, "alicerce:domain": "app.example.com" } }),
    );
}

/** The recorded resources of a run, with lookup helpers. */
export async function resourcesOf(run: Promise<StackRun>): Promise<Resources> {
    return new Resources((await run).resources);
}

/**
 * The shipped stack file with some keys overridden, run once per distinct override (e.g. dev with
 * `alicerce:edge load-balancer`, to hold mvp's load balancer path to the same rules as the other tiers').
 */
export function overriddenRun(stack: string, overrides: Readonly<Record<string, string>>): Promise<StackRun> {
    return cached(`override:${stack}:${JSON.stringify(overrides)}`, () => runStack(stack, { overrides: { ...overrides } }));
}
