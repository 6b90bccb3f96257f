import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { APP_PORT, type AppShape, HEALTH_PATH, singleHostAppEnvironment, STOP_TIMEOUT_SECONDS, workerCommandOf } from "../shared/app-contract";
import { AppSecrets, secretFileVariables, secretMountArgs } from "./app-secrets";
import { hardening, networking } from "./container";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import type { ObjectStore } from "./objectstore";
import type { Postgres } from "./postgres";
import type { Redis } from "./redis";
import { PACKAGE_ROOT } from "../shared/package-root";

/** The app image's build context. */
export const APP_IMAGE_CONTEXT = path.join(PACKAGE_ROOT, "app-image");

/** Arguments of {@link AppReplicas}. */
export interface AppReplicasArgs {
    readonly namePrefix: string;
    /** The edge network (nginx in front, and the app's way out). */
    readonly edgeNetwork: pulumi.Input<string>;
    /** The internal data network (PostgreSQL, Redis, the object store). */
    readonly dataNetwork: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    /** Per replica. */
    readonly limit: ContainerLimit;
    /** How many containers; each is reachable on the edge network as `app-<n>`. A plain number: it decides how many resources exist. */
    readonly replicas: number;
    /** Where the app's database is (the running one, or a restored one in the same server). */
    readonly postgres: Pick<Postgres, "user" | "password" | "host" | "port" | "database">;
    readonly redis: Redis;
    readonly objectStore: ObjectStore;
    /** The assets bucket, from storage setup: resolves only once the bucket exists and the app's key works. */
    readonly assetsBucket: pulumi.Input<string>;
    /**
     * The stack's public URL (`https://<domain>` or `http://<address>`). The
     * app signs upload URLs for it; the proxy routes `/<bucket>/` to the
     * object store (objectstore.ts publicUploadRoute).
     */
    readonly publicUrl: pulumi.Input<string>;
    /** A prebuilt image to pull instead of building `app-image/` on the host. */
    readonly image?: string;
    /** Things that must exist before the app starts (the buckets, made by storage setup). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The secret protection of the session key, as for data. @default false */
    readonly protectData?: boolean;
    /** Queue worker containers (same image, worker command, data network only). @default 0 */
    readonly workers?: number;
    /** Each worker's ceiling. @default the app's `limit` */
    readonly workerLimit?: ContainerLimit;
    /**
     * The team's own app (p-app-env): its build context (relative to the project), shape, plain settings and secrets.
     * @default app-image/, its shape, no extra settings
     */
    readonly app?: {
        readonly buildContext?: string;
        readonly shape?: AppShape;
        readonly env?: Readonly<Record<string, string>>;
        /** `alicerce:appSecrets`, as one secret Output. */
        readonly secrets?: pulumi.Input<Record<string, string>>;
        /** The secrets' names (plain): each becomes a file in /run/secrets and a `<NAME>_FILE` variable (app-secrets.ts). */
        readonly secretNames?: readonly string[];
    };
}

/** The name of worker container `i` (0-based) in Pulumi and its label. */
export function workerAlias(i: number): string {
    return `worker-${i + 1}`;
}

/**
 * The container healthcheck for the team's image: it may have no node, so
 * the probe tries node, then wget (busybox and Debian), then curl.
 */
export function healthcheckTest(port: number, healthPath: string, ownImage: boolean): string[] {
    const url = `http://127.0.0.1:${port}${healthPath}`;
    if (!ownImage) return ["CMD", "node", "-e", `fetch("${url}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
    return [
        "CMD-SHELL",
        `node -e 'fetch("${url}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' 2>/dev/null || wget -q -O /dev/null '${url}' 2>/dev/null || curl -fsS -o /dev/null '${url}'`,
    ];
}

/**
 * Checks a finished release run (the release command's one-shot container):
 * the provider's `attach` ignores the exit code (see storage-setup.ts
 * checkStorageSetup), so a failure throws here with the run's log, and the
 * replicas, whose inputs wait on this check, are never replaced.
 */
export function checkRelease(exitCode: number | undefined, logs: string | undefined): void {
    if (exitCode === 0) return;
    const tail = (logs ?? "").trim().split("\n").slice(-20).join("\n");
    throw new Error(
        `release command ${exitCode === undefined ? "did not finish" : `exited with code ${exitCode}`}: the app was not rolled out; its log:\n${tail || "(empty)"}`,
    );
}

export { APP_PORT, SHUTDOWN_TIMEOUT_MS } from "../shared/app-contract";

/** The network alias of replica `i` (0-based). */
export function replicaAlias(i: number): string {
    return `app-${i + 1}`;
}

/**
 * The app containers. Not given fixed container names, so a changed image
 * or setting replaces each replica create-before-delete: the new container
 * is healthy (`wait`) before the old one goes, and nginx re-resolves
 * `app-<n>` to it.
 */
export class AppReplicas extends pulumi.ComponentResource {
    /** `host:port` of each replica on the edge network, for nginx. */
    public readonly upstreams: string[];
    public readonly containerNames: pulumi.Output<string>[];
    public readonly image: pulumi.Output<string>;
    /** The worker containers' names. */
    public readonly workerNames: pulumi.Output<string>[];

    constructor(name: string, args: AppReplicasArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:AppReplicas", name, {}, opts);
        const sessionKey = new random.RandomPassword(`${name}-session-key`, { length: 64, special: false }, { parent: this, protect: args.protectData });
        const imageRef: pulumi.Output<string> = args.image
            ? new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this }).imageId
            : new docker.Image(
                  `${name}-image`,
                  {
                      imageName: `${args.namePrefix}-app:local`,
                      build: { context: args.app?.buildContext !== undefined ? path.join(APP_IMAGE_CONTEXT, "..", args.app.buildContext) : APP_IMAGE_CONTEXT },
                      skipPush: true,
                  },
                  { parent: this },
              ).repoDigest;

        const shape = args.app?.shape ?? { port: APP_PORT, healthPath: HEALTH_PATH };
        const ownImage = args.image !== undefined || args.app?.buildContext !== undefined;
        const pg = args.postgres;
        const store = args.objectStore;
        // The team's secrets as files in a volume, never in the containers' environment (docker inspect shows that).
        const secretNames = [...(args.app?.secretNames ?? [])].sort();
        const appSecrets =
            secretNames.length > 0
                ? new AppSecrets(
                      `${name}-secrets`,
                      { namePrefix: args.namePrefix, names: secretNames, values: args.app?.secrets ?? {}, labels: args.labels, limit: args.limit },
                      { parent: this },
                  )
                : undefined;
        const secretFiles = appSecrets === undefined ? {} : secretMountArgs(appSecrets);
        const secretsLabel = appSecrets === undefined ? [] : [{ label: "alicerce.secrets", value: appSecrets.gate }];
        const envs = pulumi.secret(
            pulumi
                .all({
                    user: pg.user,
                    password: pg.password,
                    host: pg.host,
                    port: pg.port.apply(String),
                    database: pg.database,
                    redisPassword: args.redis.password,
                    redisHost: args.redis.host,
                    redisPort: args.redis.port.apply(String),
                    endpoint: store.endpoint,
                    publicEndpoint: args.publicUrl,
                    bucket: args.assetsBucket,
                    accessKey: store.appAccessKey,
                    secretKey: store.appSecretKey,
                    session: sessionKey.result,
                })
                .apply(
                    ({
                        user,
                        password,
                        host,
                        port,
                        database,
                        redisPassword,
                        redisHost,
                        redisPort,
                        endpoint,
                        publicEndpoint,
                        bucket,
                        accessKey,
                        secretKey,
                        session,
                    }) =>
                        Object.entries({
                            ...singleHostAppEnvironment({
                                databaseUrl: `postgres://${user}:${password}@${host}:${port}/${database}`,
                                redisUrl: `redis://:${redisPassword}@${redisHost}:${redisPort}/0`,
                                assetsBucket: bucket,
                                s3Endpoint: endpoint,
                                s3PublicEndpoint: publicEndpoint,
                                accessKeyId: accessKey,
                                secretAccessKey: secretKey,
                                sessionKey: session,
                            }),
                            // p-app-env: names were checked against the platform's (stacks/), so nothing here overrides it.
                            ...(args.app?.env ?? {}),
                            PORT: String(shape.port),
                        })
                            .map(([key, value]) => `${key}=${value}`)
                            .concat(secretFileVariables(secretNames)),
                ),
        );

        // The release command: one run per release (a new image or environment replaces this container), before any replica is replaced.
        let releaseGate: pulumi.Output<string> | undefined;
        if (shape.releaseCommand !== undefined) {
            const release = new docker.Container(
                `${name}-release`,
                {
                    image: imageRef,
                    command: [...shape.releaseCommand],
                    envs,
                    ...networking([{ name: args.edgeNetwork, gwPriority: 1 }, { name: args.dataNetwork }]),
                    attach: true,
                    logs: true,
                    mustRun: false,
                    labels: [...args.labels, { label: "alicerce.role", value: "release" }, ...secretsLabel],
                    ...hardening({ limit: args.limit, restart: "no" }),
                    ...secretFiles,
                },
                { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn },
            );
            releaseGate = pulumi.all([release.exitCode, release.containerLogs, release.id]).apply(([code, logs, id]) => {
                checkRelease(code, logs);
                return id;
            });
        }

        this.upstreams = [];
        this.containerNames = [];
        // One replica at a time: each waits for the previous one's replacement to be healthy (`wait`), so the others keep serving.
        let previous: docker.Container | undefined;
        for (let i = 0; i < args.replicas; i++) {
            const alias = replicaAlias(i);
            const container = new docker.Container(
                `${name}-${i + 1}`,
                {
                    image: imageRef,
                    envs,
                    // The edge network is the app's way out: the data network is internal and has no gateway.
                    ...networking([{ name: args.edgeNetwork, aliases: [alias], gwPriority: 1 }, { name: args.dataNetwork }]),
                    ...waitHealthy(healthcheckTest(shape.port, shape.healthPath, ownImage)),
                    stopTimeout: STOP_TIMEOUT_SECONDS,
                    // The provider stops a container it destroys only with destroyGraceSeconds; without it, SIGKILL at once (see stop-grace.test.ts).
                    destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
                    labels: [
                        ...args.labels,
                        { label: "alicerce.replica", value: alias },
                        ...(releaseGate !== undefined ? [{ label: "alicerce.release", value: releaseGate }] : []),
                        ...secretsLabel,
                    ],
                    ...(shape.command !== undefined ? { command: [...shape.command] } : {}),
                    ...hardening({ limit: args.limit }),
                    ...secretFiles,
                },
                { parent: this, additionalSecretOutputs: ["envs"], dependsOn: [...(args.dependsOn ?? []), ...(previous ? [previous] : [])] },
            );
            previous = container;
            this.upstreams.push(`${alias}:${shape.port}`);
            this.containerNames.push(container.name);
        }
        // Queue workers: the same image and environment with the worker command, on the internal data network only
        // (Redis, PostgreSQL and the object store are there); nothing routes to them, nothing is published.
        this.workerNames = [];
        for (let i = 0; i < (args.workers ?? 0); i++) {
            const alias = workerAlias(i);
            const worker = new docker.Container(
                `${name}-${alias}`,
                {
                    image: imageRef,
                    command: [...workerCommandOf(shape)],
                    envs,
                    ...networking([{ name: args.dataNetwork }]),
                    // app-image's worker serves /healthz on 8080 (app-image/src/worker.ts): wait for it. A team's own worker
                    // (alicerce:workersCommand) promises no HTTP endpoint nor node in its image: Docker's restart policy keeps
                    // it running, and `wait` would fail the create after waitTimeout (kreuzwerker resource_docker_container_funcs.go,
                    // errContainerFailedToBeInHealthyState).
                    ...(shape.workerCommand === undefined
                        ? waitHealthy([
                              "CMD",
                              "node",
                              "-e",
                              `fetch("http://127.0.0.1:${APP_PORT}${HEALTH_PATH}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
                          ])
                        : {}),
                    // Above the worker's drain (SHUTDOWN_TIMEOUT_MS): a running job finishes, or goes back to the queue, before SIGKILL.
                    stopTimeout: STOP_TIMEOUT_SECONDS,
                    destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
                    labels: [...args.labels, { label: "alicerce.worker", value: alias }, ...secretsLabel],
                    ...hardening({ limit: args.workerLimit ?? args.limit }),
                    ...secretFiles,
                },
                { parent: this, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn },
            );
            this.workerNames.push(worker.name);
        }
        this.image = imageRef;
        this.registerOutputs({ upstreams: this.upstreams, containerNames: this.containerNames, workerNames: this.workerNames, image: this.image });
    }
}

/** A Docker healthcheck the provider waits for at create (`wait`): up to 120 s to turn healthy, or the create fails. */
function waitHealthy(tests: string[]): { healthcheck: docker.types.input.ContainerHealthcheck; wait: true; waitTimeout: number } {
    return { healthcheck: { tests, interval: "10s", timeout: "3s", retries: 3, startPeriod: "20s" }, wait: true, waitTimeout: 120 };
}
