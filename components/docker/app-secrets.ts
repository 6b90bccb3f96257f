import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { hardening } from "./container";
import { IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";

/** The script that finishes the secret files (group, modes, app.env, stale files), run by `sh` in an Alpine image. */
export const WRITE_SECRETS_SCRIPT = path.join(__dirname, "secrets", "write.sh");

/** Where the app's containers find one file per secret, and `app.env` (the Docker secrets convention: /run/secrets/<NAME>). */
export const SECRETS_DIR = "/run/secrets";

/**
 * The group that may read the secret files. Every app container joins it
 * (`group_add`), whatever user its image runs as; nothing else on the host
 * or in other containers has it. Not a group of any image alicerce runs.
 */
export const APP_SECRETS_GID = 61000;

/**
 * The `<NAME>_FILE` variables that tell the app where each secret is (paths
 * only: these are the only trace of a secret in `docker inspect`).
 */
export function secretFileVariables(names: readonly string[]): string[] {
    return names.map((n) => `${n}_FILE=${SECRETS_DIR}/${n}`);
}

/** The writer's command line: the script, then `$0`, the directory, the group and the names (never a value). */
export function writerCommand(script: string, names: readonly string[]): string[] {
    return [script, "write-secrets", SECRETS_DIR, String(APP_SECRETS_GID), ...names];
}

/**
 * Checks a finished writer run: the provider's `attach` ignores the exit
 * code (see storage-setup.ts checkStorageSetup), so a failure throws with
 * the run's log (which holds names, never values).
 */
export function checkSecretsWriter(exitCode: number | undefined, logs: string | undefined): void {
    if (exitCode === 0) return;
    const tail = (logs ?? "").trim().split("\n").slice(-20).join("\n");
    throw new Error(
        `writing the app's secret files ${exitCode === undefined ? "did not finish" : `exited with code ${exitCode}`}; its log:\n${tail || "(empty)"}`,
    );
}

/** Arguments of {@link AppSecrets}. */
export interface AppSecretsArgs {
    readonly namePrefix: string;
    /** The secrets' names (`alicerce:appSecrets` keys): plain, they decide how many uploads exist. */
    readonly names: readonly string[];
    /** `alicerce:appSecrets`, as one secret Output. */
    readonly values: pulumi.Input<Record<string, string>>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
}

/**
 * The app's secrets as files, never as environment variables (which
 * `docker inspect` shows to anyone with the Docker socket): a named volume,
 * and a one-shot writer container into which the provider uploads each value
 * before it starts. The app's containers mount the volume read-only and join
 * {@link APP_SECRETS_GID}.
 *
 * Why a writer, and not uploads into the app's containers: the provider
 * uploads with CopyToContainer at `/` (terraform-provider-docker
 * resource_docker_container_funcs.go, create), and Docker refuses an upload
 * to a read-only root filesystem unless the extraction point is in a volume
 * ("container rootfs is marked read-only", moby daemon/archive.go
 * containerExtractToDir). The app's root filesystem stays read-only; the
 * writer's is not, and its volume mount takes the files (Docker mounts a
 * created container's volumes for the copy).
 */
export class AppSecrets extends pulumi.ComponentResource {
    /** The volume's name, for the app's mounts. */
    public readonly volumeName: pulumi.Output<string>;
    /** The writer's id once it succeeded: a label of the app's containers, so a rotated secret replaces them after the files changed. */
    public readonly gate: pulumi.Output<string>;

    constructor(name: string, args: AppSecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:AppSecrets", name, {}, opts);
        if (args.names.length === 0) throw new Error("AppSecrets needs at least one name");
        const script = fs.readFileSync(WRITE_SECRETS_SCRIPT, "utf8");
        // On the host's disk under /var/lib/docker/volumes (root only). A tmpfs volume would lose the files when the
        // writer stops (the local driver unmounts it when no container uses it), before the app mounts it.
        const volume = new docker.Volume(
            `${name}-volume`,
            { name: `${args.namePrefix}-app-secrets`, labels: args.labels.map((l) => ({ label: l.label, value: l.value })) },
            { parent: this },
        );
        // An Alpine image the stack already runs: busybox sh, chgrp, chmod, sed.
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.nginx, keepLocally: true }, { parent: this });
        const values = pulumi.output(args.values);
        const writer = new docker.Container(
            `${name}-writer`,
            {
                name: `${args.namePrefix}-app-secrets-writer`,
                image: image.imageId,
                entrypoints: ["/bin/sh", "-c"],
                command: writerCommand(script, args.names),
                // Uploaded before the container starts (the provider's create); `content` is kept in the state, where Pulumi encrypts it as a secret.
                uploads: args.names.map((n) => ({
                    file: `${SECRETS_DIR}/${n}`,
                    content: pulumi.secret(values.apply((m) => m[n] ?? "")),
                    permissions: "0400",
                })),
                mounts: [{ type: "volume", source: volume.name, target: SECRETS_DIR }],
                networkMode: "none",
                attach: true,
                logs: true,
                mustRun: false,
                labels: [...args.labels, { label: "alicerce.role", value: "secrets-writer" }],
                // chgrp to a group root is not in needs CAP_CHOWN; nothing else.
                ...hardening({ limit: args.limit, restart: "no", addCapabilities: ["CHOWN"] }),
                // The upload goes through `/`, which Docker refuses on a read-only root filesystem (see above).
                readOnly: false,
            },
            // An upload is ForceNew: a rotated value replaces the writer, which rewrites the files.
            { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["uploads"] },
        );
        this.volumeName = volume.name;
        this.gate = pulumi.all([writer.exitCode, writer.containerLogs, writer.id]).apply(([code, logs, id]) => {
            checkSecretsWriter(code, logs);
            return id;
        });
        this.registerOutputs({ volumeName: this.volumeName, gate: this.gate });
    }
}

/** What an app container adds to read the secret files: the volume read-only, the group, and where each file is. */
export function secretMountArgs(secrets: AppSecrets): Partial<docker.ContainerArgs> {
    return {
        mounts: [{ type: "volume", source: secrets.volumeName, target: SECRETS_DIR, readOnly: true }],
        groupAdds: [String(APP_SECRETS_GID)],
    };
}
