import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hardening } from "./container";
import { IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";

/** Arguments of {@link ObjectStore}. */
export interface ObjectStoreArgs {
    readonly namePrefix: string;
    /** The internal data network. */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    /** @default false */
    readonly protectData?: boolean;
    /** The bucket the app stores uploads in. @default "assets" */
    readonly assetsBucket?: string;
    /** The bucket backups go to. @default "backups" */
    readonly backupsBucket?: string;
}

/**
 * MinIO, S3-compatible, on the data network. The root credentials are
 * generated; the app gets its own user limited to the assets bucket (created
 * by the backup image's `setup`, see {@link Backups}).
 *
 * MinIO runs as root inside its container: a fresh named volume is owned by
 * root and the image has no other user. All capabilities are dropped, so
 * root there cannot do more than own its files.
 */
export class ObjectStore extends pulumi.ComponentResource {
    /** The S3 endpoint on the data network. */
    public readonly endpoint: pulumi.Output<string>;
    public readonly rootUser: pulumi.Output<string>;
    /** Secret. */
    public readonly rootPassword: pulumi.Output<string>;
    /** The app's access key (not secret) and secret key (secret). */
    public readonly appAccessKey: pulumi.Output<string>;
    public readonly appSecretKey: pulumi.Output<string>;
    public readonly assetsBucket: pulumi.Output<string>;
    public readonly backupsBucket: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    /** The data volume's name (the backup job mounts it read-only). */
    public readonly volume: pulumi.Output<string>;

    constructor(name: string, args: ObjectStoreArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:ObjectStore", name, {}, opts);
        const rootPassword = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent: this, protect: args.protectData });
        const appSecret = new random.RandomPassword(`${name}-app-secret`, { length: 40, special: false }, { parent: this, protect: args.protectData });
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.minio, keepLocally: true }, { parent: this });
        const volume = new docker.Volume(`${name}-data`, { name: `${args.namePrefix}-minio`, labels: [...args.labels] }, { parent: this, protect: args.protectData });
        const rootUser = "alicerce-root";
        const container = new docker.Container(`${name}`, {
            name: `${args.namePrefix}-minio`,
            image: image.imageId,
            command: ["server", "/data", "--address", ":9000", "--console-address", "127.0.0.1:9001"],
            envs: pulumi.secret(rootPassword.result.apply((p) => [`MINIO_ROOT_USER=${rootUser}`, `MINIO_ROOT_PASSWORD=${p}`, "MINIO_BROWSER=off", "MC_CONFIG_DIR=/tmp/mc"])),
            networkMode: args.network,
            networksAdvanced: [{ name: args.network, aliases: ["minio"] }],
            volumes: [{ volumeName: volume.name, containerPath: "/data" }],
            healthcheck: { tests: ["CMD", "mc", "ready", "local"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "20s" },
            wait: true,
            waitTimeout: 120,
            stopTimeout: 30,
            labels: [...args.labels],
            ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
        }, { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"] });

        this.endpoint = pulumi.output("http://minio:9000");
        this.rootUser = pulumi.output(rootUser);
        this.rootPassword = pulumi.secret(rootPassword.result);
        this.appAccessKey = pulumi.output("alicerce-app");
        this.appSecretKey = pulumi.secret(appSecret.result);
        this.assetsBucket = pulumi.output(args.assetsBucket ?? "assets");
        this.backupsBucket = pulumi.output(args.backupsBucket ?? "backups");
        this.containerName = container.name;
        this.volume = volume.name;
        this.registerOutputs({
            endpoint: this.endpoint, rootUser: this.rootUser, rootPassword: this.rootPassword,
            appAccessKey: this.appAccessKey, appSecretKey: this.appSecretKey,
            assetsBucket: this.assetsBucket, backupsBucket: this.backupsBucket, containerName: this.containerName, volume: this.volume,
        });
    }
}
