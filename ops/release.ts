/**
 * `npm run release -- --rollback [--stack <name>] [--yes]`: returns a stack to the image of its previous
 * successful update. `npm run release -- --to <repo@sha256:...>` pins a given one.
 *
 * Uses only the Pulumi CLI (the state is the record of releases): `pulumi stack history --json` lists the
 * updates, newest first; `pulumi stack export --version <n>` gives that update's checkpoint, whose root
 * stack resource holds the outputs of the time, `image` among them (every platform exports the image it ran,
 * by digest). The digest is then pinned with `pulumi config set alicerce:image` and rolled out with
 * `pulumi up`, which rolls the instances as any release does (an instance refresh on AWS, a new droplet
 * template on DigitalOcean, replicas one at a time on a single host). To go forward again:
 * `pulumi config rm alicerce:image` (the directory in alicerce:appPath is built again) and `pulumi up`.
 */
import { spawnSync } from "child_process";

/** An image pinned by digest, as the stacks export it. */
const IMAGE_BY_DIGEST = /^[a-z0-9]+([._\/:-][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;

/** What `pulumi stack history --json` lists per update (the fields read here). */
interface UpdateInfo {
    readonly version: number;
    readonly kind: string;
    readonly result: string;
}

/** The parsed command line. */
export interface ReleaseArgs {
    readonly rollback: boolean;
    readonly to?: string;
    readonly stack?: string;
    readonly yes: boolean;
}

/** Parses `--rollback`, `--to <image>`, `--stack <name>`, `--yes`; throws on anything else. */
export function parseArgs(argv: readonly string[]): ReleaseArgs {
    let rollback = false;
    let to: string | undefined;
    let stack: string | undefined;
    let yes = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--rollback") rollback = true;
        else if (a === "--yes") yes = true;
        else if (a === "--to") to = argv[++i];
        else if (a === "--stack") stack = argv[++i];
        else throw new Error(`unknown argument ${JSON.stringify(a)}; use --rollback or --to <repo@sha256:...>, with --stack <name> and --yes`);
    }
    if (rollback === (to !== undefined)) throw new Error("use exactly one of --rollback and --to <repo@sha256:...>");
    if (to !== undefined && !IMAGE_BY_DIGEST.test(to))
        throw new Error(`--to ${JSON.stringify(to)} is not an image pinned by digest; use repository@sha256:<64 hex>`);
    return { rollback, to, stack, yes };
}

/** The successful updates, newest first (history may list refreshes, previews and failed updates too). */
export function successfulUpdates(history: readonly UpdateInfo[]): number[] {
    return history
        .filter((u) => u.kind === "update" && u.result === "succeeded")
        .sort((a, b) => b.version - a.version)
        .map((u) => u.version);
}

/** The `image` output of a checkpoint (`pulumi stack export`), from its root stack resource. */
export function imageOfCheckpoint(checkpoint: any): string | undefined {
    const root = (checkpoint?.deployment?.resources ?? []).find((r: any) => r.type === "pulumi:pulumi:Stack");
    const image = root?.outputs?.image;
    return typeof image === "string" ? image : undefined;
}

function pulumi(args: string[], stack: string | undefined, capture: boolean): string {
    const full = [...args, ...(stack ? ["--stack", stack] : [])];
    const r = spawnSync("pulumi", full, { encoding: "utf8", stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit" });
    if (r.error) throw new Error(`pulumi ${full.join(" ")}: ${r.error.message} (is the Pulumi CLI installed and on PATH?)`);
    if (r.status !== 0) throw new Error(`pulumi ${full.join(" ")} failed (exit ${r.status})`);
    return r.stdout ?? "";
}

/** Finds the image to return to, pins it and runs `pulumi up`. Returns the image pinned. */
export function release(args: ReleaseArgs, log: (line: string) => void = console.log): string {
    let target = args.to;
    if (args.rollback) {
        const versions = successfulUpdates(JSON.parse(pulumi(["stack", "history", "--json"], args.stack, true)));
        if (versions.length < 2) throw new Error(`the stack has ${versions.length} successful update(s): there is no previous release to return to`);
        const exportVersion = (v: number) => {
            try {
                return JSON.parse(pulumi(["stack", "export", "--version", String(v)], args.stack, true));
            } catch (err) {
                // Only Pulumi Cloud exports earlier deployments; a self-managed backend (s3://, file://, --local) refuses:
                // "the current backend ... does not provide the ability to export previous deployments" (pulumi/pulumi
                // pkg/cmd/pulumi stack_export.go, SpecificDeploymentExporter).
                throw new Error(
                    `${(err as Error).message}: this backend keeps no earlier deployments to read (only Pulumi Cloud does); roll back with npm run release -- --to <image@sha256:...> (the digest your CI pushed before, or the image output of an earlier pulumi up log)`,
                );
            }
        };
        const current = imageOfCheckpoint(exportVersion(versions[0]));
        // The newest earlier update that ran another image (a config-only update ran the same one).
        for (const v of versions.slice(1)) {
            const image = imageOfCheckpoint(exportVersion(v));
            if (image !== undefined && image !== current) {
                target = image;
                log(`update ${v} ran ${image} (now: ${current ?? "unknown"})`);
                break;
            }
        }
        if (target === undefined)
            throw new Error(`no earlier successful update ran another image than ${current ?? "the current one"}; nothing to roll back to`);
        if (!IMAGE_BY_DIGEST.test(target)) {
            throw new Error(
                `the previous release's image ${JSON.stringify(target)} is not pullable by digest (a single host's local build); roll back the app's code and run pulumi up`,
            );
        }
    }
    pulumi(["config", "set", "alicerce:image", target!], args.stack, false);
    log(`pinned alicerce:image ${target}; rolling out with pulumi up`);
    pulumi(["up", ...(args.yes ? ["--yes"] : [])], args.stack, false);
    return target!;
}

if (require.main === module) {
    try {
        release(parseArgs(process.argv.slice(2)));
    } catch (err) {
        console.error(`release: ${(err as Error).message}`);
        process.exit(1);
    }
}
