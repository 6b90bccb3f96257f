import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import ignore from "@balena/dockerignore";
import { PACKAGE_ROOT } from "../shared/package-root";

/** A CPU architecture as docker names the platform. */
export type Platform = "linux/arm64" | "linux/amd64";

/** Arguments of {@link Registry}. */
export interface RegistryArgs {
    /** The KMS key that encrypts the images at rest. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * Images kept; older ones expire. A running instance pulls nothing after
     * boot, but a scale-out needs its image, so keep more than a few deploys' worth.
     * @default 30
     */
    readonly keepImages?: number;
    /**
     * Untagged layers (left behind by interrupted pushes) expire after this many days.
     * @default 7
     */
    readonly untaggedDays?: number;
    /**
     * A prebuilt image pinned by digest (CI pushes it): nothing is built here.
     * @default undefined (build {@link RegistryArgs.buildContext})
     */
    readonly image?: string;
    /**
     * The docker build context (its `Dockerfile` inside), relative to the
     * project directory (where `Pulumi.yaml` is, the directory Pulumi runs the
     * program and the docker provider in), so the image's inputs are the same
     * from every checkout. An absolute path inside the project is made relative.
     * @default "app-image"
     */
    readonly buildContext?: string;
    /** The platform the instances run: arm64 for Graviton. */
    readonly platform: Platform;
    /**
     * Delete the repository even when it holds images, on `pulumi destroy`.
     * @default false (the data of growth and prod is protected; images can be rebuilt, but a failed destroy is clearer)
     */
    readonly forceDelete?: boolean;
}

/** The repository root (the alicerce package's, from source or from the compiled entry). */
const ROOT = PACKAGE_ROOT;

/**
 * A path as the image resource records it: relative to the project root,
 * with `/` separators. The docker provider resolves it against its working
 * directory, the project directory, so every checkout records the same
 * string (an absolute path differs per checkout, and a changed input makes
 * the provider rebuild and re-push the same immutable tag).
 */
export function projectRelative(p: string, root: string = ROOT): string {
    const rel = (path.isAbsolute(p) ? path.relative(root, p) : path.normalize(p)).replace(/[\\/]+$/, "");
    if (rel === "" || rel === ".") return ".";
    if (rel.startsWith("..") || path.isAbsolute(rel))
        throw new Error(`build context ${p} is outside the project ${root}; put it inside (the image's inputs must not depend on where the checkout is)`);
    return rel.split(path.sep).join("/");
}

/** The args with their defaults. */
export function withDefaults(args: RegistryArgs): Required<Omit<RegistryArgs, "image">> & Pick<RegistryArgs, "image"> {
    return {
        kmsKeyArn: args.kmsKeyArn,
        keepImages: args.keepImages ?? 30,
        untaggedDays: args.untaggedDays ?? 7,
        image: args.image,
        buildContext: projectRelative(args.buildContext ?? "app-image"),
        platform: args.platform,
        forceDelete: args.forceDelete ?? false,
    };
}

/**
 * The ECR lifecycle policy: untagged images expire after `untaggedDays`,
 * and only the newest `keep` images are kept. ECR requires the rule that
 * selects `any` tag status to have the highest priority number.
 */
export function lifecyclePolicy(keep: number, untaggedDays: number): string {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`keepImages ${keep} must be a whole number above 0`);
    if (!Number.isInteger(untaggedDays) || untaggedDays < 1) throw new Error(`untaggedDays ${untaggedDays} must be a whole number above 0`);
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `expire untagged images after ${untaggedDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedDays },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `keep the newest ${keep} images`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    });
}

/** One file of a build context: its path relative to the context, its bytes and permission bits. */
export interface ContextFile {
    readonly path: string;
    readonly content: Buffer | string;
    /** Permission bits (`0o644`); the provider's context hash includes them. @default 0o644 */
    readonly mode?: number;
    /** A symbolic link (hashed by its target path; its own mode is always 777). */
    readonly symlink?: boolean;
}

/**
 * The warning for a build context with group- or other-writable files, or
 * undefined. Git records only 644 and 755, but a checkout made under umask
 * 0002 (the default on Ubuntu desktops) has 664 and 775 files; the tag and
 * the provider's context hash both include the modes, so that checkout
 * builds a new image of the same commit, and the fleet rolls.
 */
export function writableContextWarning(files: readonly ContextFile[], buildContext: string): string | undefined {
    const writable = files.filter((f) => !f.symlink && ((f.mode ?? 0o644) & 0o022) !== 0).map((f) => `${f.path} (${((f.mode ?? 0o644) & 0o777).toString(8)})`);
    if (writable.length === 0) return undefined;
    const shown = writable.slice(0, 3).join(", ") + (writable.length > 3 ? ` and ${writable.length - 3} more` : "");
    return `${buildContext}/ has group- or other-writable files (${shown}), which git never records: the image tag follows file modes, so this checkout builds a new image and rolls the fleet; run \`chmod -R go-w ${buildContext}\` before pulumi, and set \`umask 022\` in your shell profile`;
}

/**
 * The image tag for a build context and platform: a hash of its files
 * (path, permission bits and content) and the architecture
 * (`ctx-<hash>-arm64`). Tags are immutable in the repository, so each
 * distinct context and platform gets its own tag (a build for another
 * instance architecture must not reuse one) and an unchanged context pushes
 * nothing. Independent of file order.
 *
 * The provider rebuilds (and pushes this tag again, which ECR refuses) when
 * its own hash of the context changes: pulumi-docker hashes every file
 * `.dockerignore` lets through, with its mode, and the Dockerfile
 * (provider/provider.go hashContext). So the tag covers at least that: every
 * file {@link readContext} returns.
 */
export function contextTag(files: readonly ContextFile[], platform: Platform): string {
    const hash = crypto.createHash("sha256");
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        hash.update(`${file.path}\0${((file.mode ?? 0o644) & 0o777).toString(8)}\0`);
        hash.update(crypto.createHash("sha256").update(file.content).digest("hex"));
        hash.update("\0");
    }
    return `ctx-${hash.digest("hex").slice(0, 20)}-${platform.split("/")[1]}`;
}

/** Files that shape the build even when `.dockerignore` keeps them out of the context. */
const ALWAYS_HASHED = new Set(["Dockerfile", ".dockerignore"]);

/**
 * The files of a build context on disk as the docker provider hashes them:
 * everything `.dockerignore` does not exclude, by Docker's own matching
 * rules (@balena/dockerignore: patterns anchored at the context root,
 * `*`, `**`, `!` exceptions), plus the Dockerfile and `.dockerignore`
 * always. Nothing else is skipped: a file docker would send (a stray
 * `.DS_Store`, an unlisted `node_modules`) changes the provider's hash, so
 * it must change the tag too. Symlinks count by their target path, as the
 * provider hashes them. An absent directory gives no files.
 */
export function readContext(dir: string): ContextFile[] {
    if (!fs.existsSync(dir)) return [];
    const ignoreFile = path.join(dir, ".dockerignore");
    const patterns = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8").split(/\r?\n/) : [];
    const ig = ignore().add(patterns);
    // Without `!` exceptions an excluded directory holds nothing docker sends, so it need not be walked.
    const exceptions = patterns.some((p) => p.trim().startsWith("!"));
    const files: ContextFile[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const relPath = rel ? `${rel}/${entry.name}` : entry.name;
            const full = path.join(dir, relPath);
            if (entry.isDirectory()) {
                if (!exceptions && ig.ignores(relPath)) continue;
                walk(relPath);
                continue;
            }
            if (ig.ignores(relPath) && !ALWAYS_HASHED.has(relPath)) continue;
            if (entry.isSymbolicLink()) files.push({ path: relPath, content: `symlink:${fs.readlinkSync(full)}`, mode: 0o777, symlink: true });
            else if (entry.isFile()) files.push({ path: relPath, content: fs.readFileSync(full), mode: fs.statSync(full).mode & 0o777 });
        }
    };
    walk("");
    return files;
}

/**
 * The app's container registry and image: a private ECR repository (scan
 * on push, immutable tags, KMS encryption, a lifecycle policy) and either
 * the image built from `app-image/` and pushed there, or a prebuilt image
 * CI passes in (`alicerce:image`). {@link Registry.imageRef} is always
 * pinned by digest, so a new image means a new launch template version.
 */
export class Registry extends pulumi.ComponentResource {
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly repositoryArn: pulumi.Output<string>;
    public readonly repositoryName: pulumi.Output<string>;
    /** The image the instances run, `repository@sha256:<digest>`. */
    public readonly imageRef: pulumi.Output<string>;
    /** The tag the build pushed (`ctx-<hash of app-image/>-<arch>`), or undefined for a prebuilt image. */
    public readonly imageTag: pulumi.Output<string | undefined>;

    constructor(name: string, args: RegistryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Registry", name, {}, opts);
        const a = withDefaults(args);

        const repo = new aws.ecr.Repository(
            `${name}-repo`,
            {
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: a.kmsKeyArn }],
                forceDelete: a.forceDelete,
            },
            { parent: this },
        );
        new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, { repository: repo.name, policy: lifecyclePolicy(a.keepImages, a.untaggedDays) }, { parent: this });

        this.repositoryUrl = repo.repositoryUrl;
        this.repositoryArn = repo.arn;
        this.repositoryName = repo.name;

        if (a.image !== undefined) {
            this.imageRef = pulumi.output(a.image);
            this.imageTag = pulumi.output(undefined);
        } else {
            const files = readContext(path.join(ROOT, a.buildContext));
            if (files.length === 0) {
                pulumi.log.warn(`${a.buildContext}/ is missing or empty: the image build will fail at \`pulumi up\`; add the app or set alicerce:image`, this);
            }
            const writable = writableContextWarning(files, a.buildContext);
            if (writable !== undefined) pulumi.log.warn(writable, this);
            const tag = contextTag(files, a.platform);
            // The token comes from the registry's own account and region; it lasts 12 hours, enough for one `up`.
            const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
            const registry = { server: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) };
            const dockerProvider = new docker.Provider(
                `${name}-docker`,
                { registryAuth: [{ address: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }] },
                { parent: this },
            );
            const image = new docker.Image(
                `${name}-image`,
                {
                    imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
                    // Paths relative to the project directory, so every checkout gives the provider the same inputs.
                    build: { context: a.buildContext, dockerfile: `${a.buildContext}/Dockerfile`, platform: a.platform },
                    registry,
                },
                { parent: this, provider: dockerProvider },
            );
            this.imageRef = image.repoDigest;
            this.imageTag = pulumi.output(tag);
        }

        this.registerOutputs({
            repositoryUrl: this.repositoryUrl,
            repositoryArn: this.repositoryArn,
            repositoryName: this.repositoryName,
            imageRef: this.imageRef,
            imageTag: this.imageTag,
        });
    }
}
