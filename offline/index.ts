/**
 * The offline engine's runner: runs the real program (`index.ts`) for a
 * stack file under Pulumi's mocks and records every resource it registers.
 * `npm run plan` (offline/plan.ts) and the tests are built on it.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { parse as parseYaml } from "yaml";
import { CallOverride, mockCall } from "./calls";
import { mockOutputs } from "./outputs";
import { unwrapSecrets } from "./secrets";

/** The runtime internals the runner drives (marked @internal, so absent from the SDK's typings). */
const settings: {
    setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean, organization: string): void;
    waitForRPCs(): Promise<void>;
    getStack(): string;
    getProject(): string;
} = require("@pulumi/pulumi/runtime/settings");
const state: { getStore(): Record<string, unknown> } = require("@pulumi/pulumi/runtime/state");

/** The repository root (where `Pulumi.yaml` lives). */
export const ROOT = path.resolve(__dirname, "..");

/** One registered resource, as the engine would have seen it. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The parent's URN; undefined only for the stack itself. */
    readonly parent?: string;
    /** True for provider-managed resources, false for components and the stack. */
    readonly custom: boolean;
    /** The explicit provider reference (`urn::id`), if any. */
    readonly provider?: string;
    /** Inputs with secrets unwrapped (see `secretPaths`). */
    readonly inputs: Record<string, any>;
    /** Dotted paths of inputs that were Pulumi secrets (`tags.Token`, `password`). */
    readonly secretPaths: readonly string[];
    /** URNs this resource depends on. */
    readonly dependencies: readonly string[];
    /** For each input property, the URNs its value came from (how policies link a bucket to its configuration). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /**
     * The aliases the program declared, as the engine receives them
     * (`supportsAliasSpecs`): a URN, or a spec resolved against the parent.
     * {@link aliasUrns} expands them with the parents' aliases, as the engine does.
     */
    readonly aliases: readonly AliasSpec[];
    /** Resource options that change what `up` and `destroy` do. */
    readonly options: {
        readonly protect: boolean;
        readonly retainOnDelete: boolean;
        readonly deleteBeforeReplace: boolean;
        readonly ignoreChanges: readonly string[];
        readonly replaceOnChanges: readonly string[];
        /** `customTimeouts` as the engine receives them (`"4h"`), only those the program set. */
        readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    };
}

/** The custom timeouts a registration carries, if the program set any. */
function customTimeouts(req: any): { customTimeouts?: { create?: string; update?: string; delete?: string } } {
    const t = req.getCustomtimeouts?.();
    if (!t) return {};
    const set = Object.fromEntries(
        (["create", "update", "delete"] as const).map((k) => [k, t[`get${k[0].toUpperCase()}${k.slice(1)}`]()]).filter(([, v]) => v),
    );
    return Object.keys(set).length > 0 ? { customTimeouts: set } : {};
}

/** One alias of a resource: a whole URN, or the parts of one (empty parts default to the resource's own). */
export interface AliasSpec {
    readonly urn?: string;
    readonly name?: string;
    readonly type?: string;
    readonly stack?: string;
    readonly project?: string;
    /** The alias's parent URN; `noParent` for an alias at the root of the stack. */
    readonly parentUrn?: string;
    readonly noParent?: boolean;
}

/** A recorded data-source call. */
export interface RecordedCall {
    readonly token: string;
    readonly inputs: Record<string, any>;
}

/** The result of running one stack offline. */
export interface StackRun {
    readonly project: string;
    readonly stack: string;
    /** The config the program saw (`alicerce:tier` -> `"prod"`), stand-ins for secure values. */
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys: readonly string[];
    readonly resources: readonly RecordedResource[];
    readonly calls: readonly RecordedCall[];
    /** Stack outputs, secrets unwrapped (see `outputSecretPaths`). */
    readonly outputs: Record<string, any>;
    /** Dotted paths of outputs that were Pulumi secrets (`databasePassword`, `db.password`). */
    readonly outputSecretPaths: readonly string[];
    /** Log lines the program wrote with `pulumi.log` (warnings and errors). */
    readonly logs: readonly { severity: string; message: string }[];
    /** The stack file the config came from. */
    readonly stackFile?: string;
    /**
     * The stand-ins the mocks made up where only the cloud knows the value
     * after `up` (ids, ARNs, DNS names, addresses, generated names): the
     * reports show "(known after up)" wherever they appear (offline/unknowns.ts).
     */
    readonly mockValues?: readonly string[];
}

/** Options of {@link runStack}. */
export interface RunOptions {
    /** Run as this project instead of `Pulumi.yaml`'s name (a team that renamed the project). */
    readonly project?: string;
    /** Run under this stack name instead of the file's (to upgrade one stack through the tiers). */
    readonly stackName?: string;
    /** Config to set or (with `undefined`) remove on top of the file's. */
    readonly overrides?: Readonly<Record<string, string | undefined>>;
    /** Run as `pulumi preview` does (`isDryRun()` true). Default false, as `pulumi up`. */
    readonly preview?: boolean;
    /** Data-source answers to use instead of the engine's (by token), e.g. a zone gone from the look-up. */
    readonly callOverrides?: Readonly<Record<string, CallOverride>>;
    /** Another program to run instead of `index.ts` (for the engine's own tests and fixtures). */
    readonly program?: () => Promise<Record<string, unknown>>;
    /** The directory holding `Pulumi.<stack>.yaml` (a test fixture's); default the project's. */
    readonly stackDir?: string;
    /** Extra state the provider returns for one resource (a container's non-zero `exitCode`), on top of the mocks'. */
    readonly answer?: (type: string, name: string, inputs: Record<string, any>) => Record<string, unknown> | undefined;
}

/** A stack file that cannot be read: not there, not YAML, not a mapping. The message names the file. */
export class StackFileError extends Error {}

/** A path as a person reads it: relative to the working directory when under it, else absolute. */
export function displayPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : path.resolve(file);
}

/** A stack file's YAML document; a {@link StackFileError} naming the file (and the line) when it is not a YAML mapping. */
function readYaml(file: string): Record<string, any> {
    let doc: unknown;
    try {
        doc = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new StackFileError(`${displayPath(file)}: not valid YAML: ${(err as Error).message.split("\n")[0].replace(/:$/, "")}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc))
        throw new StackFileError(`${displayPath(file)}: not a YAML mapping (expected \`config:\` at the top level)`);
    return doc as Record<string, any>;
}

/** Every `Pulumi.<stack>.yaml` in the repository, by stack name. */
export function stackFiles(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The project name from `Pulumi.yaml`. */
export function projectName(): string {
    return parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name;
}

/** f18: the `config:` block of the project's `Pulumi.yaml` (the keys it declares, in its own namespace): beside the stack files, else this repository's. */
export function declaredProjectConfig(dir: string = ROOT): Record<string, { default?: unknown } | null> {
    const file = fs.existsSync(path.join(dir, "Pulumi.yaml")) ? path.join(dir, "Pulumi.yaml") : path.join(ROOT, "Pulumi.yaml");
    return (parseYaml(fs.readFileSync(file, "utf8")).config ?? {}) as Record<string, { default?: unknown } | null>;
}

/**
 * f18: the Pulumi CLI's refusal of a stack that lacks a key the project
 * declares without a default (pulumi/pulumi sdk/go/common/workspace/project.go
 * `ValidateStackConfigAndApplyProjectConfig`, missingStackConfigurationKeysError;
 * its messages are those of project_test.go: "Stack 'dev' is missing
 * configuration value 'values'", "... values 'hello', 'values' and 'world'").
 * A declared key without a namespace belongs to the project's namespace, so
 * after a rename a stack file still written with `alicerce:` keys is refused
 * by every `pulumi preview`; the message says how to rename them. Undefined
 * when nothing is missing.
 */
export function missingProjectConfig(
    stack: string,
    project: string,
    config: Readonly<Record<string, string>>,
    declared: Readonly<Record<string, { default?: unknown } | null>>,
): string | undefined {
    const required = Object.entries(declared)
        .filter(([key, spec]) => !key.includes(":") && (spec === null || spec.default === undefined))
        .map(([key]) => key);
    const missing = required.filter((key) => config[`${project}:${key}`] === undefined).sort();
    if (missing.length === 0) return undefined;
    const quoted = missing.map((k) => `'${k}'`);
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    const cli = `Stack '${stack}' is missing configuration value${missing.length === 1 ? "" : "s"} ${list}`;
    const elsewhere = missing.map((k) => Object.keys(config).find((c) => c.endsWith(`:${k}`) && c !== `${project}:${k}`)).filter((c) => c !== undefined);
    const namespaces = [...new Set(elsewhere.map((c) => c.slice(0, c.indexOf(":"))))];
    const hint =
        namespaces.length > 0
            ? `the stack file sets ${elsewhere.join(", ")}, but the project (Pulumi.yaml name) is ${project}, and the Pulumi CLI reads these keys from its namespace only; rename the stack files' keys: ${namespaces
                  .map((ns) => `sed -i 's/^  ${ns}:/  ${project}:/' Pulumi.*.yaml`)
                  .join("; ")}`
            : `set ${missing.length === 1 ? "it" : "them"}: ${missing.map((k) => `pulumi config set ${project}:${k} <value>`).join("; ")}`;
    return `${cli} (Pulumi.yaml declares ${missing.length === 1 ? "it" : "them"} without a default); ${hint}`;
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the CLI hands config to a program:
 * every value a string (numbers, booleans and objects JSON-encoded) and
 * `secure:` values (encrypted, unreadable here) replaced by stand-ins that
 * are marked secret. A map holding `secure:` values (what
 * `pulumi config set --secret --path key.NAME` writes) reaches the program
 * as one JSON object with every value decrypted, and its whole key is
 * secret (pulumi/pulumi sdk/go/common/resource/config/value.go: an object
 * with a secure value is a secure object value; the engine passes the key
 * in `configSecretKeys`).
 */
export function readStackConfig(stack: string, dir: string = ROOT): { config: Record<string, string>; secretKeys: string[] } {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new StackFileError(`no stack file ${displayPath(file)}; stacks here: ${stackFiles().join(", ")}`);
    const doc = readYaml(file);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries<unknown>(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[key] = `stand-in-for-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
            secretKeys.push(key);
        } else if (value !== null && typeof value === "object" && containsSecure(value)) {
            config[key] = JSON.stringify(standIns(value, key));
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

function containsSecure(value: unknown): boolean {
    if (value === null || typeof value !== "object") return false;
    if (!Array.isArray(value) && "secure" in value && Object.keys(value).length === 1) return true;
    return Object.values(value).some(containsSecure);
}

/** The object with each `{secure: ...}` leaf replaced by a stand-in naming its path. */
function standIns(value: unknown, at: string): unknown {
    if (value === null || typeof value !== "object") return value;
    if (!Array.isArray(value) && "secure" in value && Object.keys(value).length === 1) return `stand-in-for-${at.replace(/[^A-Za-z0-9]/g, "-")}`;
    if (Array.isArray(value)) return value.map((v, i) => standIns(v, `${at}.${i}`));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, standIns(v, `${at}.${k}`)]));
}

/**
 * The Pulumi ESC environments a stack file imports (`environment: [acme/prod]`,
 * or `environment: { imports: [...] }`): https://www.pulumi.com/docs/esc/integrations/infrastructure/pulumi-iac/.
 * Their values live in Pulumi Cloud and are unknown offline.
 */
export function stackEnvironments(stack: string, dir: string = ROOT): string[] {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return [];
    const env = readYaml(file).environment;
    const list: unknown = Array.isArray(env) ? env : env && typeof env === "object" ? (env as { imports?: unknown }).imports : undefined;
    return Array.isArray(list) ? list.map((e) => (typeof e === "string" ? e : Object.keys(e ?? {})[0])).filter((e): e is string => typeof e === "string") : [];
}

/**
 * A config error of a stack that imports ESC environments: a key "not set"
 * in the stack file may well be set by an environment, which the offline
 * plan cannot open, so it says so instead of "not set".
 */
export function explainUnresolved(message: string, environments: readonly string[]): string {
    if (environments.length === 0) return message;
    const names = environments.join(", ");
    return message.replace(
        /^(\s*)([\w-]+:\w+): not set; (.*)$/gm,
        (_line, indent: string, key: string, rest: string) =>
            `${indent}${key}: not resolvable offline: not in the stack file, and it may come from the imported Pulumi ESC environment ${names}, which only the Pulumi CLI can open (plan with --set ${key}=<value>); otherwise ${rest}`,
    );
}

/** Records what the program registers, on top of Pulumi's own mock monitor. */
class RecordingMonitor extends MockMonitor {
    /** Named apart from MockMonitor's own `resources`, which it fills before calling back. */
    readonly recorded = new Map<string, RecordedResource>();
    readonly duplicates: string[] = [];
    /** Where the stack's outputs hold secrets, read from what the SDK sends the engine (the outputs promise unwraps them). */
    stackOutputSecretPaths: string[] = [];

    /**
     * URNs as the engine makes them, not as MockMonitor does (it keeps only
     * the parent's last type): the parent's whole qualified type, nothing for
     * the stack itself. Source: pulumi/pulumi `sdk/go/common/resource/urn.go`
     * (`NewURN`: `parentType + "$" + baseType` unless the parent is the root
     * `pulumi:pulumi:Stack`).
     */
    constructor(mocks: ConstructorParameters<typeof MockMonitor>[0]) {
        super(mocks);
        // MockMonitor declares newUrn private; replaced on the instance.
        (this as any).newUrn = (parent: string, type: string, name: string): string => {
            const qualifiedParent = parent ? parent.split("::")[2] : "";
            const qualified = qualifiedParent && qualifiedParent !== "pulumi:pulumi:Stack" ? `${qualifiedParent}$${type}` : type;
            return `urn:pulumi:${settings.getStack()}::${settings.getProject()}::${qualified}::${name}`;
        };
    }

    override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        await super.registerResource(req, (err: any, response: any) => {
            if (!err) {
                const urn: string = response.getUrn();
                const { value, secretPaths } = unwrapSecrets(deserialize(req.getObject()));
                if (this.recorded.has(urn)) this.duplicates.push(urn);
                this.recorded.set(urn, {
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    provider: req.getProvider() || undefined,
                    inputs: value,
                    secretPaths,
                    dependencies: req.getDependenciesList(),
                    propertyDependencies: propertyDependencies(req),
                    aliases: aliasSpecs(req),
                    options: {
                        protect: req.getProtect?.() ?? false,
                        retainOnDelete: req.getRetainondelete?.() ?? false,
                        deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false,
                        ignoreChanges: req.getIgnorechangesList?.() ?? [],
                        replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
                        ...customTimeouts(req),
                    },
                });
            }
            callback(err, response);
        });
    }

    override registerResourceOutputs(req: any, callback: (err: any, response: any) => void): void {
        if (String(req.getUrn()).split("::")[2] === "pulumi:pulumi:Stack") {
            // The wire form marks secrets with Pulumi's signature; no need to deserialize (resource references stay as they are).
            this.stackOutputSecretPaths = unwrapSecrets(req.getOutputs()?.toJavaScript() ?? {}).secretPaths;
        }
        super.registerResourceOutputs(req, callback);
    }
}

function propertyDependencies(req: any): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.()?.forEach((deps: any, key: string) => {
        const urns: string[] = deps.getUrnsList();
        if (urns.length > 0) result[key] = urns;
    });
    return result;
}

function aliasSpecs(req: any): AliasSpec[] {
    return (req.getAliasesList?.() ?? []).map((alias: any): AliasSpec => {
        if (alias.hasSpec?.()) {
            const spec = alias.getSpec();
            return {
                name: spec.getName() || undefined,
                type: spec.getType() || undefined,
                stack: spec.getStack() || undefined,
                project: spec.getProject() || undefined,
                parentUrn: spec.getParenturn() || undefined,
                noParent: spec.getNoparent() || undefined,
            };
        }
        return { urn: alias.getUrn() };
    });
}

function deserialize(struct: any): Record<string, any> {
    // Keep secrets wrapped here; unwrapSecrets records where they were.
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    // q-frontend: an asset or archive (a FileAsset's `source`) would come back as an object holding a Promise, which reports
    // cannot clone (planJson): record it as plain data instead, `{ asset: { path } }`.
    const plain = (v: any): any => {
        if (Array.isArray(v)) return v.map(plain);
        if (v === null || typeof v !== "object") return v;
        const sig = v[rpc.specialSigKey];
        if (sig === rpc.specialAssetSig || sig === rpc.specialArchiveSig) {
            const { [rpc.specialSigKey]: _sig, ...rest } = v;
            return { [sig === rpc.specialAssetSig ? "asset" : "archive"]: rest };
        }
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    };
    const js = plain(struct?.toJavaScript?.() ?? {});
    // As rpc.deserializeProperties does: an undefined property does not exist.
    return Object.fromEntries(
        Object.entries(js)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, rpc.deserializeProperty(v, true)]),
    );
}

let running: Promise<unknown> = Promise.resolve();

/**
 * Runs the real program for one stack file under mocks and returns what it
 * registered. Throws the program's own error (a `ConfigError` for bad config)
 * and throws if two resources share a URN. Runs are serialised: the Pulumi
 * runtime is process-global.
 */
export function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    const run = running.then(() => runOnce(stack, options));
    running = run.catch(() => undefined);
    return run;
}

async function runOnce(stack: string, options: RunOptions): Promise<StackRun> {
    const project = options.project ?? projectName();
    const stackName = options.stackName ?? stack;
    const { config, secretKeys } = readStackConfig(stack, options.stackDir);
    for (const [key, value] of Object.entries(options.overrides ?? {})) {
        if (value === undefined) delete config[key];
        else config[key] = value;
    }
    // f18: the CLI's own check, before the program runs (ESC environments may set the keys: not checked offline).
    if (stackEnvironments(stack, options.stackDir).length === 0) {
        const missing = missingProjectConfig(stackName, project, config, declaredProjectConfig(options.stackDir));
        if (missing) throw new StackFileError(missing);
    }
    const region = config[`${project}:region`] ?? config["alicerce:region"] ?? "us-east-1";
    const providerRegions = new Map<string, string>();
    const calls: RecordedCall[] = [];
    const mockValues = new Set<string>();
    const logs: { severity: string; message: string }[] = [];
    // The mock monitor loses an invoke error's message on the way back, so failures are kept here too.
    const callFailures: string[] = [];

    const monitor = new RecordingMonitor({
        newResource: (args) => {
            // A resource answers in its provider's region (a second-region provider's resources are there, not in the stack's).
            if (args.type.startsWith("pulumi:providers:") && typeof args.inputs.region === "string") providerRegions.set(args.name, args.inputs.region);
            const providerName = args.provider?.split("::").at(-2);
            const result = mockOutputs(args, (providerName && providerRegions.get(providerName)) || region, mockValues);
            const extra = options.answer?.(args.type, args.name, args.inputs);
            return extra ? { ...result, state: { ...result.state, ...extra } } : result;
        },
        call: (args) => {
            const { value } = unwrapSecrets(args.inputs);
            calls.push({ token: args.token, inputs: value });
            try {
                return mockCall(args.token, value, region, options.callOverrides);
            } catch (err) {
                callFailures.push((err as Error).message);
                throw err;
            }
        },
    });
    settings.setMockOptions(monitor, project, stackName, options.preview ?? false, "organization");
    const store = state.getStore();
    Object.assign(store, {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: true,
    });
    pulumi.runtime.setAllConfig(config, secretKeys);

    const restoreLog = captureLogs(logs);
    try {
        // The same module Pulumi's Node host loads; `export =` a function, so each run calls it afresh.
        const program: () => Promise<Record<string, unknown>> = options.program ?? require(path.join(ROOT, "index.ts"));
        const outputs = await runInPulumiStack(program).catch((err) => {
            // The program's own message (it may wrap the failure, naming a config key) first, then what the call said.
            throw callFailures.length > 0 ? new Error([(err as Error)?.message, ...callFailures].filter(Boolean).join("\n")) : err;
        });
        await settings.waitForRPCs();
        if (monitor.duplicates.length > 0) {
            throw new Error(`duplicate URNs registered (Pulumi would refuse the update):\n  ${monitor.duplicates.join("\n  ")}`);
        }
        const unwrapped = unwrapSecrets(outputs ?? {});
        return {
            project,
            stack: stackName,
            config,
            secretKeys,
            resources: [...monitor.recorded.values()],
            calls,
            outputs: unwrapped.value,
            outputSecretPaths: [...new Set([...unwrapped.secretPaths, ...monitor.stackOutputSecretPaths])].sort(),
            logs,
            mockValues: [...mockValues].sort(),
            stackFile: path.join(options.stackDir ?? ROOT, `Pulumi.${stack}.yaml`),
        };
    } finally {
        await settings.waitForRPCs().catch(() => undefined);
        restoreLog();
    }
}

/** Routes `pulumi.log.warn/error` into `sink` instead of the console while a run lasts. */
function captureLogs(sink: { severity: string; message: string }[]): () => void {
    const log = pulumi.log as any;
    const saved = { warn: log.warn, error: log.error, info: log.info };
    log.warn = (message: string) => void sink.push({ severity: "warning", message });
    log.error = (message: string) => void sink.push({ severity: "error", message });
    log.info = (message: string) => void sink.push({ severity: "info", message });
    return () => Object.assign(log, saved);
}

/** Helpers for tests: the resources of a type, one by logical name, the children of a component. */
export class Resources {
    constructor(readonly all: readonly RecordedResource[]) {}

    ofType(type: string): RecordedResource[] {
        return this.all.filter((r) => r.type === type);
    }

    /** The one resource with this type and name; throws if there is none or several. */
    one(type: string, name?: string): RecordedResource {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }

    byUrn(urn: string): RecordedResource | undefined {
        return this.all.find((r) => r.urn === urn);
    }

    childrenOf(parent: RecordedResource): RecordedResource[] {
        return this.all.filter((r) => r.parent === parent.urn);
    }
}
