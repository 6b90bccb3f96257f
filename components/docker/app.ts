import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { APP_PORT, HEALTH_PATH, singleHostAppEnvironment, STOP_TIMEOUT_SECONDS } from "../shared/app-contract";
import { hardening, networking } from "./container";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import type { ObjectStore } from "./objectstore";
import type { Postgres } from "./postgres";
import type { Redis } from "./redis";

/** The app image's build context. */
export const APP_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "app-image");

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

    constructor(name: string, args: AppReplicasArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:AppReplicas", name, {}, opts);
        const sessionKey = new random.RandomPassword(`${name}-session-key`, { length: 64, special: false }, { parent: this, protect: args.protectData });
        const imageRef: pulumi.Output<string> = args.image
            ? new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this }).imageId
            : new docker.Image(`${name}-image`, {
                imageName: `${args.namePrefix}-app:local`,
                build: { context: APP_IMAGE_CONTEXT },
                skipPush: true,
            }, { parent: this }).repoDigest;

        const pg = args.postgres;
        const store = args.objectStore;
        const envs = pulumi.secret(
            pulumi
                .all({
                    user: pg.user, password: pg.password, host: pg.host, port: pg.port.apply(String), database: pg.database,
                    redisPassword: args.redis.password, redisHost: args.redis.host, redisPort: args.redis.port.apply(String),
                    endpoint: store.endpoint, publicEndpoint: args.publicUrl, bucket: args.assetsBucket,
                    accessKey: store.appAccessKey, secretKey: store.appSecretKey, session: sessionKey.result,
                })
                .apply(({ user, password, host, port, database, redisPassword, redisHost, redisPort, endpoint, publicEndpoint, bucket, accessKey, secretKey, session }) =>
                    Object.entries(
                        singleHostAppEnvironment({
                            databaseUrl: `postgres://${user}:${password}@${host}:${port}/${database}`,
                            redisUrl: `redis://:${redisPassword}@${redisHost}:${redisPort}/0`,
                            assetsBucket: bucket,
                            s3Endpoint: endpoint,
                            s3PublicEndpoint: publicEndpoint,
                            accessKeyId: accessKey,
                            secretAccessKey: secretKey,
                            sessionKey: session,
                        }),
                    ).map(([key, value]) => `${key}=${value}`),
                ),
        );

        this.upstreams = [];
        this.containerNames = [];
        for (let i = 0; i < args.replicas; i++) {
            const alias = replicaAlias(i);
            const container = new docker.Container(`${name}-${i + 1}`, {
                image: imageRef,
                envs,
                // The edge network is the app's way out: the data network is internal and has no gateway.
                ...networking([
                    { name: args.edgeNetwork, aliases: [alias], gwPriority: 1 },
                    { name: args.dataNetwork },
                ]),
                healthcheck: {
                    tests: ["CMD", "node", "-e", `fetch("http://127.0.0.1:${APP_PORT}${HEALTH_PATH}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
                    interval: "10s",
                    timeout: "3s",
                    retries: 3,
                    startPeriod: "20s",
                },
                wait: true,
                waitTimeout: 120,
                stopTimeout: STOP_TIMEOUT_SECONDS,
                labels: [...args.labels, { label: "alicerce.replica", value: alias }],
                ...hardening({ limit: args.limit }),
            }, { parent: this, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn });
            this.upstreams.push(`${alias}:${APP_PORT}`);
            this.containerNames.push(container.name);
        }
        this.image = imageRef;
        this.registerOutputs({ upstreams: this.upstreams, containerNames: this.containerNames, image: this.image });
    }
}
