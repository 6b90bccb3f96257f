import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link AppImage}. */
export interface AppImageArgs {
    /** A prebuilt image (`repo@sha256:...`): nothing is built or pushed. */
    readonly prebuilt?: string;
    /** The account's container registry (DigitalOcean allows one per account); required unless `prebuilt`. */
    readonly registryName?: string;
    /**
     * Create the registry here. Only one stack per account does; it is
     * protected and kept on `pulumi destroy` (retainOnDelete), because the
     * account's other stacks pull from it. @default false
     */
    readonly createRegistry?: boolean;
    /** Where a created registry stores images: one of the registry's own regions. */
    readonly registryRegion?: string;
    /** Repository inside the registry; per stack, so stacks sharing the account's registry never collide. */
    readonly repository: string;
    /** The Docker build context (the app's Dockerfile directory). @default "app-image" */
    readonly context?: string;
}

/**
 * The subscription tier of a created registry. Basic (5 repositories, 5 GiB)
 * because each stack pushes to its own repository: starter (free) holds one
 * repository and 500 MiB, too little for two stacks or a few Node images
 * (https://docs.digitalocean.com/products/container-registry/details/pricing/).
 */
export const REGISTRY_TIER = "basic";

/** The Docker registry credentials document DigitalOcean returns: `{"auths":{"registry.digitalocean.com":{"auth":"base64(user:pass)"}}}`. */
export function parseDockerCredentials(json: string): { server: string; username: string; password: string } {
    const doc = JSON.parse(json) as { auths?: Record<string, { auth?: string }> };
    const [server, entry] = Object.entries(doc.auths ?? {})[0] ?? [];
    if (!server || !entry?.auth) throw new Error("DigitalOcean returned registry credentials without an auths entry");
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new Error("DigitalOcean returned registry credentials that are not user:password");
    return { server, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The app image the droplets run, pinned by digest. Either a prebuilt
 * reference, or `app-image/` built for linux/amd64 (droplets are x86) and
 * pushed to a DigitalOcean Container Registry with push credentials from the
 * provider. Droplets get separate read-only credentials (`pullCredentials`)
 * that never leave the private config bucket. Registries cannot be tagged
 * or put in a project.
 */
export class AppImage extends pulumi.ComponentResource {
    /** The image reference by digest. */
    public readonly imageRef: pulumi.Output<string>;
    /** Docker `config.json` with read-only pull credentials (a secret), or undefined for a prebuilt image. */
    public readonly pullCredentials?: pulumi.Output<string>;
    /** The registry endpoint (`registry.digitalocean.com/<name>`), if any. */
    public readonly registryEndpoint?: pulumi.Output<string>;

    constructor(name: string, args: AppImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:AppImage", name, {}, opts);
        if (args.prebuilt !== undefined) {
            this.imageRef = pulumi.output(args.prebuilt);
            this.registerOutputs({ imageRef: this.imageRef });
            return;
        }
        if (args.registryName === undefined) throw new Error("AppImage: registryName is required to build and push an image");
        let registryName: pulumi.Output<string> = pulumi.output(args.registryName);
        if (args.createRegistry ?? false) {
            const registry = new digitalocean.ContainerRegistry(
                `${name}-registry`,
                // Named, not autonamed: the account's other stacks push to it by this name.
                { name: args.registryName, subscriptionTierSlug: REGISTRY_TIER, region: args.registryRegion },
                // Every stack of the account pulls from it: never deleted with this stack.
                { parent: this, protect: true, retainOnDelete: true },
            );
            registryName = registry.name;
        }
        const push = new digitalocean.ContainerRegistryDockerCredentials(
            `${name}-push`,
            // No expiry: the credentials are stored in state and renewed only on refresh (terraform-provider-digitalocean#582), so a short-lived one breaks a later push. A secret in state; rotate by replacing this resource.
            { registryName, write: true },
            { parent: this },
        );
        const pull = new digitalocean.ContainerRegistryDockerCredentials(
            `${name}-pull`,
            // Read-only and long-lived: autoscaled droplets pull at boot long after the deploy. Rotate by replacing this resource.
            { registryName, write: false },
            { parent: this },
        );
        const login = push.dockerCredentials.apply(parseDockerCredentials);
        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: pulumi.interpolate`registry.digitalocean.com/${registryName}/${args.repository}:latest`,
                build: { context: args.context ?? "app-image", platform: "linux/amd64" },
                registry: {
                    server: login.apply((l) => l.server),
                    username: login.apply((l) => l.username),
                    password: pulumi.secret(login.apply((l) => l.password)),
                },
            },
            { parent: this },
        );
        this.imageRef = image.repoDigest;
        this.pullCredentials = pulumi.secret(pull.dockerCredentials);
        this.registryEndpoint = pulumi.interpolate`registry.digitalocean.com/${registryName}`;
        this.registerOutputs({ imageRef: this.imageRef, pullCredentials: this.pullCredentials, registryEndpoint: this.registryEndpoint });
    }
}
