import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

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
     * The docker build context (its `Dockerfile` inside).
     * @default "<repository root>/app-image"
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

/** The repository root (`components/aws/..`). */
const ROOT = path.resolve(__dirname, "..", "..");

/** The args with their defaults. */
export function withDefaults(args: RegistryArgs): Required<Omit<RegistryArgs, "image">> & Pick<RegistryArgs, "image"> {
    return {
        kmsKeyArn: args.kmsKeyArn,
        keepImages: args.keepImages ?? 30,
        untaggedDays: args.untaggedDays ?? 7,
        image: args.image,
        buildContext: args.buildContext ?? path.join(ROOT, "app-image"),
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

/** One file of a build context: its path relative to the context and its bytes. */
export interface ContextFile {
    readonly path: string;
    readonly content: Buffer | string;
}

/**
 * The image tag for a build context and platform: a hash of its files (path
 * and content) and the architecture (`ctx-<hash>-arm64`). Tags are immutable
 * in the repository, so each distinct context and platform gets its own tag
 * (a build for another instance architecture must not reuse one) and an
 * unchanged context pushes nothing. Independent of file order.
 */
export function contextTag(files: readonly ContextFile[], platform: Platform): string {
    const hash = crypto.createHash("sha256");
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        hash.update(`${file.path}\0`);
        hash.update(crypto.createHash("sha256").update(file.content).digest("hex"));
        hash.update("\0");
    }
    return `ctx-${hash.digest("hex").slice(0, 20)}-${platform.split("/")[1]}`;
}

/** Names docker never sends to the build (ours or the usual `.dockerignore` entries). */
const NEVER_IN_CONTEXT = new Set(["node_modules", ".git", "coverage", ".DS_Store"]);

/** Files that shape the build even when `.dockerignore` keeps them out of the context. */
const ALWAYS_HASHED = new Set(["Dockerfile", ".dockerignore"]);

/**
 * The files of a build context on disk, skipping what `.dockerignore` lists
 * by plain name (globs are not interpreted: hashing a file docker skips
 * only costs a needless rebuild) and `node_modules`/`.git`, but always
 * keeping the Dockerfile and `.dockerignore`. An absent directory gives no files.
 */
export function readContext(dir: string): ContextFile[] {
    if (!fs.existsSync(dir)) return [];
    const ignoreFile = path.join(dir, ".dockerignore");
    const ignored = new Set(NEVER_IN_CONTEXT);
    if (fs.existsSync(ignoreFile)) {
        for (const line of fs.readFileSync(ignoreFile, "utf8").split("\n")) {
            const name = line.trim().replace(/^\/+|\/+$/g, "");
            if (name && !name.startsWith("#") && !/[*?[!]/.test(name)) ignored.add(name);
        }
    }
    const files: ContextFile[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const relPath = rel ? `${rel}/${entry.name}` : entry.name;
            if ((ignored.has(entry.name) || ignored.has(relPath)) && !ALWAYS_HASHED.has(relPath)) continue;
            if (entry.isDirectory()) walk(relPath);
            else if (entry.isFile()) files.push({ path: relPath, content: fs.readFileSync(path.join(dir, relPath)) });
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
            const files = readContext(a.buildContext);
            if (files.length === 0) {
                pulumi.log.warn(`${path.relative(ROOT, a.buildContext) || a.buildContext}/ is missing or empty: the image build will fail at \`pulumi up\`; add the app or set alicerce:image`, this);
            }
            const tag = contextTag(files, a.platform);
            // The token comes from the registry's own account and region; it lasts 12 hours, enough for one `up`.
            const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
            const registry = { server: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) };
            const dockerProvider = new docker.Provider(`${name}-docker`, { registryAuth: [{ address: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }] }, { parent: this });
            const image = new docker.Image(
                `${name}-image`,
                {
                    imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
                    // The Dockerfile defaults to <context>/Dockerfile.
                    build: { context: a.buildContext, platform: a.platform },
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
