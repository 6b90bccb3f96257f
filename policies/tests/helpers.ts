import { strict as assert } from "assert";
import type { PolicyPackConfig } from "@pulumi/policy";
import { PolicyInput, runPolicies } from "../../offline/policies";
import type { Fixture } from "./fixtures";

/** A violation as the tests compare it. */
export interface Seen {
    readonly policy: string;
    readonly level: string;
    readonly name?: string;
    readonly message: string;
}

/** Every violation of the whole pack against a fixture or recorded run. */
export async function violations(source: Fixture | PolicyInput, config?: PolicyPackConfig): Promise<Seen[]> {
    const input = "input" in source ? source.input : source;
    return (await runPolicies(input, { config })).map((v) => ({ policy: v.policy, level: v.level, ...(v.name ? { name: v.name } : {}), message: v.message }));
}

/** Asserts the pack reports exactly these violations (in pack order). */
export async function expectViolations(source: Fixture | PolicyInput, expected: Seen[], config?: PolicyPackConfig): Promise<void> {
    assert.deepEqual(await violations(source, config), expected);
}

/** One mandatory violation. */
export const mandatory = (policy: string, name: string, message: string): Seen => ({ policy, level: "mandatory", name, message });
/** One advisory violation. */
export const advisory = (policy: string, name: string, message: string): Seen => ({ policy, level: "advisory", name, message });
