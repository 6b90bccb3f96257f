import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { hardening, networking } from "./container";
import { IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import type { ObjectStore } from "./objectstore";
import { PACKAGE_ROOT } from "../shared/package-root";

/** The setup script, run by `sh` in the rclone image. */
export const STORAGE_SETUP_SCRIPT = path.join(PACKAGE_ROOT, "components", "docker", "storage", "setup.sh");

/** What {@link storageSetupEnvironment} needs. */
export interface StorageSetupEnvironmentOptions {
    readonly endpoint: string;
    readonly adminAccessKey: string;
    readonly adminSecretKey: string;
    readonly appAccessKey: string;
    readonly appSecretKey: string;
    readonly assetsBucket: string;
    readonly buckets: readonly string[];
    /** rclone's S3 provider name. @default "SeaweedFS" */
    readonly provider?: string;
}

/** The setup container's environment (`KEY=value`). Holds credentials: the caller keeps it secret. */
export function storageSetupEnvironment(o: StorageSetupEnvironmentOptions): string[] {
    const remote = (name: string, accessKey: string, secretKey: string) => [
        `RCLONE_CONFIG_${name}_TYPE=s3`,
        `RCLONE_CONFIG_${name}_PROVIDER=${o.provider ?? "SeaweedFS"}`,
        `RCLONE_CONFIG_${name}_ENDPOINT=${o.endpoint}`,
        `RCLONE_CONFIG_${name}_ACCESS_KEY_ID=${accessKey}`,
        `RCLONE_CONFIG_${name}_SECRET_ACCESS_KEY=${secretKey}`,
        `RCLONE_CONFIG_${name}_REGION=us-east-1`,
    ];
    return [
        ...remote("STORE", o.adminAccessKey, o.adminSecretKey),
        ...remote("APP", o.appAccessKey, o.appSecretKey),
        // The app's identity may not create buckets: rclone must not try (it would on a first write otherwise).
        "RCLONE_CONFIG_APP_NO_CHECK_BUCKET=true",
        `BUCKETS=${o.buckets.join(" ")}`,
        `ASSETS_BUCKET=${o.assetsBucket}`,
        // rclone looks for a config file under $HOME; the root filesystem is read-only.
        "HOME=/tmp",
    ];
}

/**
 * Checks a finished setup run. terraform-provider-docker's `attach` only
 * waits for the container to stop (ContainerWait, WaitConditionNotRunning)
 * and ignores its exit code; the code is read back as `exit_code`
 * (resource_docker_container_funcs.go, create and read). A run that failed,
 * or never finished, throws with its log, which fails `pulumi up`.
 */
export function checkStorageSetup(exitCode: number | undefined, logs: string | undefined): void {
    if (exitCode === 0) return;
    const tail = (logs ?? "").trim().split("\n").slice(-20).join("\n");
    throw new Error(`storage setup ${exitCode === undefined ? "did not finish" : `exited with code ${exitCode}`}; its log:\n${tail || "(empty)"}`);
}

/** Arguments of {@link StorageSetup}. */
export interface StorageSetupArgs {
    readonly namePrefix: string;
    /** The internal data network, where the object store is. */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    readonly objectStore: ObjectStore;
}

/**
 * A one-shot rclone container that creates the object store's buckets and
 * proves the app's key reads and writes its bucket. It starts after the
 * server is healthy (the server container `wait`s on its healthcheck), runs
 * to the end during `pulumi up` (`attach`), and a failure fails the update.
 *
 * It runs again whenever the server container is replaced, or the script,
 * buckets or credentials change: all of them are inputs of the container,
 * which the provider replaces on any change. The script is idempotent, so a
 * run on a server that is already set up changes nothing.
 */
export class StorageSetup extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** The assets bucket's name, known only once setup succeeded: the app takes it from here, so it waits for (and fails with) setup. */
    public readonly assetsBucket: pulumi.Output<string>;

    constructor(name: string, args: StorageSetupArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:StorageSetup", name, {}, opts);
        const store = args.objectStore;
        const script = fs.readFileSync(STORAGE_SETUP_SCRIPT, "utf8");
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.rclone, keepLocally: true }, { parent: this });
        const envs = pulumi.secret(
            pulumi
                .all({
                    endpoint: store.endpoint,
                    admin: store.rootUser,
                    adminSecret: store.rootPassword,
                    app: store.appAccessKey,
                    appSecret: store.appSecretKey,
                    assets: store.assetsBucket,
                    backups: store.backupsBucket,
                    server: store.container.id,
                })
                .apply(({ endpoint, admin, adminSecret, app, appSecret, assets, backups, server }) => [
                    ...storageSetupEnvironment({
                        endpoint,
                        adminAccessKey: admin,
                        adminSecretKey: adminSecret,
                        appAccessKey: app,
                        appSecretKey: appSecret,
                        assetsBucket: assets,
                        buckets: [assets, backups],
                    }),
                    // A new server (new container id) gets its buckets again; an unchanged one is not touched.
                    `STORE_CONTAINER=${server}`,
                    `SETUP_SCRIPT_SHA256=${createHash("sha256").update(script).digest("hex")}`,
                ]),
        );
        this.container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-storage-init`,
                image: image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: [script],
                envs,
                ...networking([{ name: args.network }]),
                // nobody: rclone needs no privilege, only $HOME on tmpfs.
                user: "65534:65534",
                attach: true,
                logs: true,
                mustRun: false,
                labels: [...args.labels],
                ...hardening({ limit: args.limit, restart: "no", tmpfs: ["/tmp"] }),
            },
            { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"], dependsOn: [store.container] },
        );

        this.assetsBucket = pulumi.all([this.container.exitCode, this.container.containerLogs, store.assetsBucket]).apply(([code, logs, bucket]) => {
            checkStorageSetup(code, logs);
            return bucket;
        });
        this.registerOutputs({ assetsBucket: this.assetsBucket });
    }
}
