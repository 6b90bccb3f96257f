/**
 * Runs the pack's policies against a recorded offline run, offline, building
 * the arguments CrossGuard would build: resource properties behind the same
 * unknown-checking proxy, the provider resource's properties (how
 * `defaultTags` become visible), resource options, and for stack policies
 * every resource with its parent, dependencies and property dependencies.
 * Per-policy enforcement levels and policy config follow the format of
 * `pulumi preview --policy-pack-config <file>`.
 *
 * CrossGuard gives stack policies the resources' outputs; the recorded run
 * has their inputs, so {@link stackProperties} adds what the mocks (offline/outputs.ts)
 * answered for each resource (its id, ARN, name and computed properties):
 * the values the program's references resolved to, which the policies match
 * links against. Those answers are what the provider reads back after
 * Create (a bucket reports S3's default SSE-S3 encryption, a security group
 * only its inline rules); with `refreshed` they are what a later read
 * reports (a group lists the rules of separate rule resources too).
 */
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyPackConfig,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import type { RecordedResource } from "./index";
import { mockOutputs, refreshedStates } from "./outputs";
import { STACK_TYPE } from "../policies/lib/stack";
import { PACK_NAME, POLICIES } from "../policies/pack";
import { closest } from "./suggest";

const proxy = proxyModule as unknown as {
    unknownCheckingProxy<T>(value: T): T;
    UnknownValueError: new (...args: any[]) => Error;
    unknownStringValue: string;
};

/** The levels a violation is reported at. */
export type ViolationLevel = "advisory" | "mandatory";

/** One policy violation, as `npm run plan` and the tests see it. */
export interface PolicyViolation {
    readonly policy: string;
    readonly level: ViolationLevel;
    /** The resource in violation; absent when the stack as a whole is. */
    readonly urn?: string;
    readonly type?: string;
    readonly name?: string;
    readonly message: string;
}

/** What the policies run against: the resources of an offline run (and its config and outputs). */
export interface PolicyInput {
    readonly resources: readonly RecordedResource[];
    /** The stack outputs (CrossGuard shows them as the stack resource's properties). */
    readonly outputs?: Readonly<Record<string, unknown>>;
    /** The stack config; `<package>:<key>` entries configure the default providers. */
    readonly config?: Readonly<Record<string, string>>;
}

/** Options of {@link runPolicies}. */
export interface RunPoliciesOptions {
    /** Per-policy config, as in `--policy-pack-config`: `{ "alb-waf": "advisory", "required-tags": { "requiredTags": [...] } }`. */
    readonly config?: PolicyPackConfig;
    /** The policies to run (default: the whole pack). */
    readonly policies?: Policies;
    /**
     * Show stack policies the outputs as after `pulumi refresh` (rules of
     * separate resources read back into their security group, a bucket's
     * encryption from its configuration resource) instead of as after Create.
     * @default false
     */
    readonly refreshed?: boolean;
}

class NotApplicable extends Error {}

const NO_OPTIONS = { aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

/** Recorded values as the engine sends them: unknowns become the engine's sentinel. */
function engineValue(value: unknown): any {
    if (pulumi.isUnknown(value)) return proxy.unknownStringValue;
    if (Array.isArray(value)) return value.map(engineValue);
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, engineValue(v)]),
        );
    }
    return value;
}

const props = (value: unknown): Record<string, any> => proxy.unknownCheckingProxy(engineValue(value ?? {}));

/**
 * A resource's properties as a stack policy sees them: the stack's outputs
 * for the stack; for a cloud resource its inputs plus what the offline
 * mocks answered (`id`, `arn`, computed properties), as after `pulumi up`.
 */
export function stackProperties(r: RecordedResource, input: PolicyInput): Record<string, unknown> {
    if (r.type === STACK_TYPE) return { ...input.outputs };
    if (!r.custom || r.type.startsWith("pulumi:")) return r.inputs;
    const region = input.config?.["alicerce:region"] ?? "us-east-1";
    const { id, state } = mockOutputs({ type: r.type, name: r.name, inputs: r.inputs, provider: r.provider, id: "", custom: true }, region);
    return { ...state, id };
}

/** `urn::id` -> `urn`. */
function providerUrn(reference: string): string {
    return reference.slice(0, reference.lastIndexOf("::"));
}

/** The enforcement level a policy runs at under the given config (its own entry, else `all`, else its default). */
export function levelOf(policy: { name: string; enforcementLevel?: EnforcementLevel }, config: PolicyPackConfig = {}): EnforcementLevel {
    const c = config[policy.name];
    const configured = typeof c === "string" ? c : c?.enforcementLevel;
    const all = config.all;
    return configured ?? (typeof all === "string" ? all : all?.enforcementLevel) ?? policy.enforcementLevel ?? "advisory";
}

/** The enforcement levels a policy config may set. */
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A policy config the pack cannot run with; `problems` holds one line per mistake. */
export class PolicyConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`policy config:\n  ${problems.join("\n  ")}`);
        this.name = "PolicyConfigError";
    }
}

const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * Every mistake in a policy config (empty when it is valid), each line naming
 * the policy, the setting, the value given and what is allowed. The Pulumi
 * CLI checks each policy's settings against its `configSchema` (JSON Schema)
 * before the pack runs (pulumi/pulumi `sdk/go/pkg/resource/analyzer/config.go`,
 * `ValidatePolicyPackConfig`); so does this, with Ajv, and it also refuses
 * settings and policies the pack does not have (a typo the CLI would ignore).
 */
export function policyConfigProblems(config: unknown, policies: Policies = POLICIES): string[] {
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        return [`${JSON.stringify(config)} is not a policy config; use an object of policy names, e.g. {"alb-waf": "advisory"}`];
    }
    const problems: string[] = [];
    const levels = ENFORCEMENT_LEVELS.join(", ");
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const [name, value] of Object.entries(config)) {
        const policy = byName.get(name);
        if (!policy && name !== "all") {
            const near = closest(name, [...byName.keys()]);
            problems.push(
                `${name}: is not a policy of the pack ${PACK_NAME}; ${near ? `did you mean "${near}"? ` : ""}use one of all, ${[...byName.keys()].join(", ")}`,
            );
            continue;
        }
        if (typeof value === "string") {
            if (!ENFORCEMENT_LEVELS.includes(value as EnforcementLevel))
                problems.push(`${name}: ${JSON.stringify(value)} is not an enforcement level; use one of ${levels}`);
            continue;
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            problems.push(`${name}: ${JSON.stringify(value)} is not a policy setting; use an enforcement level (${levels}) or an object of settings`);
            continue;
        }
        const { enforcementLevel, ...settings } = value as Record<string, unknown>;
        if (enforcementLevel !== undefined && !ENFORCEMENT_LEVELS.includes(enforcementLevel as EnforcementLevel)) {
            problems.push(`${name}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not an enforcement level; use one of ${levels}`);
        }
        const schema = policy?.configSchema;
        const known = Object.keys(schema?.properties ?? {});
        for (const key of Object.keys(settings).filter((k) => !known.includes(k))) {
            problems.push(
                `${name}.${key}: is not a setting of ${name}; ${closest(key, known) ? `did you mean "${closest(key, known)}"? ` : ""}${known.length > 0 ? `use ${known.join(", ")} (or enforcementLevel)` : "it takes only enforcementLevel"}`,
            );
        }
        if (!schema) continue;
        const validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [] });
        if (validate(settings)) continue;
        for (const e of validate.errors ?? []) {
            const at = e.instancePath
                .split("/")
                .slice(1)
                .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
            if (e.keyword === "required") at.push(String(e.params.missingProperty));
            const value = at.reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), settings);
            const shown = e.keyword === "required" ? "is not set" : `${JSON.stringify(value)} is not allowed`;
            const allowed = e.keyword === "enum" ? `use one of ${(e.params.allowedValues as unknown[]).join(", ")}` : `it ${e.message}`;
            problems.push(`${[name, ...at].join(".")}: ${shown}; ${allowed}`);
        }
    }
    return problems;
}

/** A policy's config: its schema's defaults, overridden by the pack config (without the level). */
function configOf(policy: { name: string; configSchema?: PolicyConfigSchema }, config: PolicyPackConfig): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => (schema as { default?: unknown }).default !== undefined)
            .map(([key, schema]) => [key, (schema as { default?: unknown }).default]),
    );
    const c = config[policy.name];
    if (typeof c !== "object") return defaults;
    const { enforcementLevel: _level, ...rest } = c;
    return { ...defaults, ...rest };
}

/** Runs every policy (or the given ones) against a recorded run; violations in pack order, then by URN. */
export async function runPolicies(recorded: PolicyInput, options: RunPoliciesOptions = {}): Promise<PolicyViolation[]> {
    // Registration order varies between runs; URN order does not.
    const input = { ...recorded, resources: [...recorded.resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)) };
    const policies = options.policies ?? POLICIES;
    const packConfig = options.config ?? {};
    const problems = policyConfigProblems(packConfig, policies);
    if (problems.length > 0) throw new PolicyConfigError(problems);
    const byUrn = new Map(input.resources.map((r) => [r.urn, r]));
    const violations: PolicyViolation[] = [];

    const providerOf = (r: RecordedResource): PolicyProviderResource | undefined => {
        if (r.provider) {
            const p = byUrn.get(providerUrn(r.provider));
            return p ? { type: p.type, name: p.name, urn: p.urn, props: props(p.inputs) } : undefined;
        }
        if (!r.custom || r.type.startsWith("pulumi:")) return undefined;
        // The engine's default provider, configured from the stack's `<package>:` config.
        const pkg = r.type.split(":")[0];
        const settings = Object.fromEntries(
            Object.entries(input.config ?? {})
                .filter(([k]) => k.startsWith(`${pkg}:`))
                .map(([k, v]) => [k.slice(pkg.length + 1), v]),
        );
        return {
            type: `pulumi:providers:${pkg}`,
            name: "default",
            urn: `${r.urn.split("::").slice(0, 2).join("::")}::pulumi:providers:${pkg}::default`,
            props: props(settings),
        };
    };
    const optionsOf = (r: RecordedResource): PolicyResourceOptions => ({
        ...NO_OPTIONS,
        protect: r.options?.protect ?? false,
        ignoreChanges: [...(r.options?.ignoreChanges ?? [])],
        deleteBeforeReplace: r.options?.deleteBeforeReplace,
        parent: r.parent,
    });
    const isType = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    const describe = (policy: string, level: ViolationLevel, message: string, urn?: string): PolicyViolation => {
        const r = urn ? byUrn.get(urn) : undefined;
        return { policy, level, message, ...(urn ? { urn } : {}), ...(r ? { type: r.type, name: r.name } : {}) };
    };
    const run = async (policy: string, body: () => unknown) => {
        try {
            await body();
        } catch (err) {
            if (err instanceof NotApplicable) return;
            if (err instanceof proxy.UnknownValueError) {
                violations.push(describe(policy, "advisory", `can't run policy '${policy}' from policy pack '${PACK_NAME}' during preview: ${err.message}`));
                return;
            }
            throw new Error(`policy ${policy} failed: ${(err as Error).stack ?? err}`);
        }
    };

    // Stack policies see every resource, linked as the engine links them.
    const states = new Map(input.resources.map((r) => [r.urn, stackProperties(r, input)]));
    if (options.refreshed) {
        const custom = input.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
        const refreshed = refreshedStates(custom.map((r) => ({ urn: r.urn, type: r.type, id: String(states.get(r.urn)!.id), state: states.get(r.urn)! })));
        refreshed.forEach((state, urn) => states.set(urn, state));
    }
    const stackResources = new Map<string, PolicyResource>();
    for (const r of input.resources) {
        const p = props(states.get(r.urn));
        stackResources.set(r.urn, {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: p,
            opts: optionsOf(r),
            provider: providerOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: isType(r.type),
            asType: ((cls: unknown) => (isType(r.type)(cls) ? p : undefined)) as PolicyResource["asType"],
        });
    }
    for (const r of input.resources) {
        const resource = stackResources.get(r.urn)!;
        const find = (urns: readonly string[]) => urns.map((u) => stackResources.get(u)).filter((x): x is PolicyResource => x !== undefined);
        resource.parent = r.parent ? stackResources.get(r.parent) : undefined;
        resource.dependencies = find(r.dependencies);
        resource.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, find(urns)]));
    }

    for (const policy of policies) {
        const configured = levelOf(policy, packConfig);
        if (configured === "disabled") continue;
        const level: ViolationLevel = configured === "advisory" ? "advisory" : "mandatory";
        const getConfig = <T extends object>() => configOf(policy, packConfig) as T;

        if ("validateStack" in policy && typeof policy.validateStack === "function") {
            const stackPolicy = policy;
            const args: StackValidationArgs = { resources: [...stackResources.values()], stackTags: new Map(), getConfig, notApplicable };
            await run(policy.name, () => stackPolicy.validateStack(args, (message, urn) => violations.push(describe(policy.name, level, message, urn))));
            continue;
        }
        const resourcePolicy = policy as ResourceValidationPolicy;
        const validations = resourcePolicy.validateResource === undefined ? [] : [resourcePolicy.validateResource].flat();
        for (const r of input.resources) {
            for (const validate of validations) {
                const token = (validate as { __pulumiType?: string }).__pulumiType;
                if (token && token !== r.type) continue;
                const p = props(r.inputs);
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props: p,
                    urn: r.urn,
                    name: r.name,
                    opts: optionsOf(r),
                    provider: providerOf(r),
                    stackTags: new Map(),
                    isType: isType(r.type),
                    asType: ((cls: unknown) => (isType(r.type)(cls) ? p : undefined)) as ResourceValidationArgs["asType"],
                    getConfig,
                    notApplicable,
                };
                await run(policy.name, () => validate(args, (message) => violations.push(describe(policy.name, level, message, r.urn))));
            }
        }
    }
    return violations;
}

/** True if any violation would stop `pulumi up`. */
export function hasMandatory(violations: readonly PolicyViolation[]): boolean {
    return violations.some((v) => v.level === "mandatory");
}
