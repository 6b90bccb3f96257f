import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hardening, networking } from "./container";
import { IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";

/** The object store's name on the data network (and on the storage network nginx shares with it). */
export const OBJECT_STORE_ALIAS = "objectstore";
/** SeaweedFS's S3 port (`weed server -s3` default). */
export const OBJECT_STORE_PORT = 8333;
/**
 * Where the object store's data volume is mounted in its container: a path
 * the image does not have. The image creates `/data` owned by its user
 * seaweed (uid 1000, mode 0755) and declares `VOLUME /data`
 * (docker/Dockerfile.go_build in seaweedfs/seaweedfs); Docker copies a mount
 * point's contents and owner into an empty named volume on first mount
 * (https://docs.docker.com/engine/storage/volumes/, "Populate a volume using
 * a container"), so a volume mounted there would be owned by uid 1000, which
 * this container's root, without CAP_DAC_OVERRIDE, cannot write. A path the
 * image lacks gets a root-owned volume. (The image's own `/data` volume stays
 * an unused anonymous volume.)
 */
export const OBJECT_STORE_MOUNT = "/srv/objectstore";
/**
 * SeaweedFS's own directory inside the volume. A subdirectory, so files a
 * previous server left at the volume's root are never touched.
 */
export const OBJECT_STORE_DATA_DIR = `${OBJECT_STORE_MOUNT}/seaweedfs`;

/** One identity of SeaweedFS's static S3 configuration (`-s3.config`). */
export interface S3Identity {
    readonly name: string;
    readonly credentials: { readonly accessKey: string; readonly secretKey: string }[];
    /** `Admin`, `Read`, `Write`, `List`, `Tagging`; `Action:bucket` limits an action to one bucket. */
    readonly actions: string[];
}

/** What {@link s3Identities} builds the configuration from. */
export interface S3IdentityOptions {
    readonly adminAccessKey: string;
    readonly adminSecretKey: string;
    readonly appAccessKey: string;
    readonly appSecretKey: string;
    readonly backupAccessKey: string;
    readonly backupSecretKey: string;
    readonly assetsBucket: string;
}

/**
 * SeaweedFS's S3 identities: an admin (bucket creation), the app, limited to
 * reading, writing and listing its own bucket, and the backup job, limited to
 * reading and listing that bucket (it copies the objects out each night and
 * can change nothing; weed/s3api/auth_credentials.go checks `Action:bucket`
 * against the request's bucket). No `anonymous`
 * identity, so unsigned requests are refused. Format:
 * https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API ("Static
 * Configuration"; `Action:bucket` scoping as in docker/compose/s3.json and
 * the wiki's AWS-IAM-CLI page). Holds secrets: callers keep it secret.
 */
export function s3Identities(o: S3IdentityOptions): { identities: S3Identity[] } {
    const scoped = (action: string) => `${action}:${o.assetsBucket}`;
    return {
        identities: [
            {
                name: "alicerce-admin",
                credentials: [{ accessKey: o.adminAccessKey, secretKey: o.adminSecretKey }],
                actions: ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                name: "alicerce-app",
                credentials: [{ accessKey: o.appAccessKey, secretKey: o.appSecretKey }],
                actions: ["Read", "Write", "List", "Tagging"].map(scoped),
            },
            { name: "alicerce-backup", credentials: [{ accessKey: o.backupAccessKey, secretKey: o.backupSecretKey }], actions: ["Read", "List"].map(scoped) },
        ],
    };
}

/**
 * The object store's start command. The identities arrive in an environment
 * variable and are written to tmpfs by the shell's builtin printf (the root
 * filesystem is read-only; no secret in a process's arguments). Master,
 * volume server and filer listen on loopback only: the S3 port, which checks
 * signatures, is the one thing other containers reach.
 */
export function objectStoreCommand(): string[] {
    const weed = [
        // glog's global flag (weed/glog/glog.go): logs go to stderr (Docker's rotated json-file log), not to
        // files in os.TempDir() (weed/glog/glog_file.go) that would fill the 64 MB /tmp tmpfs, which counts
        // against the memory limit. Global flags come before the subcommand.
        "weed",
        "-logtostderr=true",
        "server",
        `-dir=${OBJECT_STORE_DATA_DIR}`,
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        // 0: as many volumes as the disk holds; each bucket is a collection with its own volumes.
        "-volume.max=0",
        // Small volumes: the image's entrypoint would preallocate 1 GB ones, too much for a small VPS disk.
        "-master.volumeSizeLimitMB=256",
        "-s3",
        `-s3.port=${OBJECT_STORE_PORT}`,
        "-s3.ip.bind=0.0.0.0",
        "-s3.config=/tmp/s3.json",
        // A bucket that still holds uploads is never deleted by one call.
        "-s3.allowDeleteBucketNotEmpty=false",
    ];
    return [
        [
            "umask 077",
            `mkdir -p ${OBJECT_STORE_DATA_DIR}`,
            `printf '%s' "$S3_IDENTITIES" > /tmp/s3.json`,
            `cd ${OBJECT_STORE_DATA_DIR}`,
            `exec ${weed.join(" ")}`,
        ].join(" && "),
    ];
}

/**
 * The object store's environment. The image's filer.toml keeps the filer's
 * metadata in `/data/filerldb2` (docker/filer.toml); `WEED_LEVELDB2_DIR`
 * (SeaweedFS reads `WEED_<SECTION>_<KEY>` over its TOML files, as its Helm
 * chart does) moves it under {@link OBJECT_STORE_DATA_DIR} with the rest.
 * `GOMEMLIMIT` makes the Go runtime collect before the container's memory
 * limit kills it. Holds the identities' secrets: the caller keeps it secret.
 */
export function objectStoreEnvironment(identitiesJson: string, limit: ContainerLimit): string[] {
    return [
        `S3_IDENTITIES=${identitiesJson}`,
        "WEED_LEVELDB2_ENABLED=true",
        `WEED_LEVELDB2_DIR=${OBJECT_STORE_DATA_DIR}/filerldb2`,
        `GOMEMLIMIT=${Math.floor(limit.memoryMb * 0.8)}MiB`,
    ];
}

/** The public route that carries presigned uploads from browsers to the object store. */
export interface PublicUploadRoute {
    /** Requests whose path starts with this go to the object store unchanged (path-style `/<bucket>/<key>`). */
    readonly pathPrefix: string;
    /** `host:port` of the object store on the storage network. */
    readonly upstream: string;
    /** The only methods a presigned upload needs. */
    readonly methods: readonly string[];
}

/**
 * The proxy route for presigned uploads. The app signs URLs for the public
 * host (`S3_PUBLIC_ENDPOINT`), path-style, so a browser PUTs to
 * `https://<host>/<bucket>/<key>`. SigV4 signs the path and the Host header,
 * so the proxy must pass both through unchanged: no prefix stripping, and
 * `Host` as the client sent it.
 */
export function publicUploadRoute(bucket: string): PublicUploadRoute {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`bucket "${bucket}" is not an S3 bucket name`);
    return { pathPrefix: `/${bucket}/`, upstream: `${OBJECT_STORE_ALIAS}:${OBJECT_STORE_PORT}`, methods: ["PUT"] };
}

/** Arguments of {@link ObjectStore}. */
export interface ObjectStoreArgs {
    readonly namePrefix: string;
    /** The internal data network (app, backups, setup). */
    readonly network: pulumi.Input<string>;
    /** The internal network shared with the reverse proxy only, for presigned uploads. */
    readonly storageNetwork: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    /** @default false */
    readonly protectData?: boolean;
    /**
     * The bucket the app stores uploads in. Its name is also the public path
     * prefix of presigned uploads (`/<bucket>/...`), so it must not clash with
     * a path the app serves. @default "alicerce-uploads"
     */
    readonly assetsBucket?: string;
    /** The bucket backups go to. @default "backups" */
    readonly backupsBucket?: string;
}

/**
 * SeaweedFS (Apache-2.0, official multi-arch image `chrislusf/seaweedfs`) as
 * the S3-compatible object store, on the data network. One `weed server`
 * process runs master, volume server, filer and the S3 gateway. Credentials
 * are generated; the app's identity is limited to the assets bucket. The
 * buckets themselves are created by {@link StorageSetup}.
 *
 * Runs as root inside its container with all capabilities dropped: root
 * owns the data volume, which is mounted at {@link OBJECT_STORE_MOUNT}, a
 * path the image does not create (the image's own user, seaweed, owns its
 * `/data`).
 */
export class ObjectStore extends pulumi.ComponentResource {
    /** The S3 endpoint on the data network. */
    public readonly endpoint: pulumi.Output<string>;
    /** The admin identity's access key (not secret). */
    public readonly rootUser: pulumi.Output<string>;
    /** The admin identity's secret key. Secret. */
    public readonly rootPassword: pulumi.Output<string>;
    /** The app's access key (not secret) and secret key (secret). */
    public readonly appAccessKey: pulumi.Output<string>;
    public readonly appSecretKey: pulumi.Output<string>;
    /** The backup job's read-only identity (Read + List on the assets bucket): access key (not secret) and secret key (secret). */
    public readonly backupAccessKey: pulumi.Output<string>;
    public readonly backupSecretKey: pulumi.Output<string>;
    public readonly assetsBucket: pulumi.Output<string>;
    public readonly backupsBucket: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    /** The data volume's name (mounted at {@link OBJECT_STORE_MOUNT}; SeaweedFS's files under {@link OBJECT_STORE_DATA_DIR}). */
    public readonly volume: pulumi.Output<string>;
    /** The server container: setup and the app wait for it to be healthy. */
    public readonly container: docker.Container;
    /** What the reverse proxy routes to the object store for presigned uploads. */
    public readonly uploadRoute: PublicUploadRoute;

    constructor(name: string, args: ObjectStoreArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:ObjectStore", name, {}, opts);
        const assetsBucket = args.assetsBucket ?? "alicerce-uploads";
        const rootPassword = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent: this, protect: args.protectData });
        const appSecret = new random.RandomPassword(`${name}-app-secret`, { length: 40, special: false }, { parent: this, protect: args.protectData });
        // The backup job's read-only key; replacing it only changes the next night's credentials.
        const backupSecret = new random.RandomPassword(`${name}-backup-secret`, { length: 40, special: false }, { parent: this });
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.objectStore, keepLocally: true }, { parent: this });
        // The volume keeps its Docker name from the MinIO days: renaming would replace it (and its data).
        const volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.namePrefix}-minio`, labels: [...args.labels] },
            { parent: this, protect: args.protectData },
        );
        const adminUser = "alicerce-admin";
        const appUser = "alicerce-app";
        const backupUser = "alicerce-backup";
        const identities = pulumi.all([rootPassword.result, appSecret.result, backupSecret.result]).apply(([admin, app, backup]) =>
            JSON.stringify(
                s3Identities({
                    adminAccessKey: adminUser,
                    adminSecretKey: admin,
                    appAccessKey: appUser,
                    appSecretKey: app,
                    backupAccessKey: backupUser,
                    backupSecretKey: backup,
                    assetsBucket,
                }),
            ),
        );
        this.container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-objectstore`,
                image: image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: objectStoreCommand(),
                envs: pulumi.secret(identities.apply((json) => objectStoreEnvironment(json, args.limit))),
                ...networking([
                    { name: args.network, aliases: [OBJECT_STORE_ALIAS] },
                    { name: args.storageNetwork, aliases: [OBJECT_STORE_ALIAS] },
                ]),
                volumes: [{ volumeName: volume.name, containerPath: OBJECT_STORE_MOUNT }],
                // /healthz answers once the S3 gateway serves (weed/s3api/s3api_server.go registerRouter).
                healthcheck: {
                    tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${OBJECT_STORE_PORT}/healthz`],
                    interval: "10s",
                    timeout: "5s",
                    retries: 5,
                    startPeriod: "30s",
                },
                wait: true,
                waitTimeout: 180,
                stopTimeout: 30,
                // The provider stops a container it destroys only with destroyGraceSeconds; without it, SIGKILL at once (see stop-grace.test.ts).
                destroyGraceSeconds: 30,
                labels: [...args.labels],
                ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
            },
            { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"] },
        );

        this.endpoint = pulumi.output(`http://${OBJECT_STORE_ALIAS}:${OBJECT_STORE_PORT}`);
        this.rootUser = pulumi.output(adminUser);
        this.rootPassword = pulumi.secret(rootPassword.result);
        this.appAccessKey = pulumi.output(appUser);
        this.appSecretKey = pulumi.secret(appSecret.result);
        this.backupAccessKey = pulumi.output(backupUser);
        this.backupSecretKey = pulumi.secret(backupSecret.result);
        this.assetsBucket = pulumi.output(assetsBucket);
        this.backupsBucket = pulumi.output(args.backupsBucket ?? "backups");
        this.containerName = this.container.name;
        this.volume = volume.name;
        this.uploadRoute = publicUploadRoute(assetsBucket);
        this.registerOutputs({
            endpoint: this.endpoint,
            rootUser: this.rootUser,
            rootPassword: this.rootPassword,
            appAccessKey: this.appAccessKey,
            appSecretKey: this.appSecretKey,
            backupAccessKey: this.backupAccessKey,
            backupSecretKey: this.backupSecretKey,
            assetsBucket: this.assetsBucket,
            backupsBucket: this.backupsBucket,
            containerName: this.containerName,
            volume: this.volume,
            uploadRoute: this.uploadRoute,
        });
    }
}
