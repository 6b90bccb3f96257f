import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hardening, networking } from "./container";
import { IMAGE_USERS, IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";

/** Redis's name on the data network. */
export const REDIS_ALIAS = "redis";

/** Arguments of {@link Redis}. */
export interface RedisArgs {
    readonly namePrefix: string;
    /** The internal data network. */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    /** Memory and CPU ceiling; Redis's maxmemory is 80% of it. */
    readonly limit: ContainerLimit;
    /** @default false */
    readonly protectData?: boolean;
}

/**
 * The Redis start command: the password is written to a config file on
 * tmpfs by the shell's builtin printf, so it never appears in a process's
 * arguments (visible to every user of the host in `ps`).
 */
export function redisCommand(limit: ContainerLimit): string[] {
    const maxMemoryMb = Math.floor(limit.memoryMb * 0.8);
    return [
        "sh",
        "-c",
        [
            `umask 077`,
            `printf 'requirepass %s\\n' "$REDISCLI_AUTH" > /tmp/auth.conf`,
            // noeviction: sessions and queues must fail loudly rather than vanish when memory runs out.
            `exec redis-server /tmp/auth.conf --appendonly yes --appendfsync everysec --maxmemory ${maxMemoryMb}mb --maxmemory-policy noeviction --dir /data`,
        ].join(" && "),
    ];
}

/** Redis with append-only persistence on a named volume, password-protected, on the data network. */
export class Redis extends pulumi.ComponentResource {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** Secret. */
    public readonly password: pulumi.Output<string>;
    public readonly volume: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: RedisArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:Redis", name, {}, opts);
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, protect: args.protectData });
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.redis, keepLocally: true }, { parent: this });
        const volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.namePrefix}-redis`, labels: [...args.labels] },
            { parent: this, protect: args.protectData },
        );
        const container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-redis`,
                image: image.imageId,
                user: IMAGE_USERS.redis,
                command: redisCommand(args.limit),
                // redis-cli reads REDISCLI_AUTH, so the healthcheck needs no password argument either.
                envs: pulumi.secret(password.result.apply((p) => [`REDISCLI_AUTH=${p}`])),
                ...networking([{ name: args.network, aliases: [REDIS_ALIAS] }]),
                volumes: [{ volumeName: volume.name, containerPath: "/data" }],
                healthcheck: { tests: ["CMD-SHELL", "redis-cli ping | grep -q PONG"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "10s" },
                wait: true,
                waitTimeout: 60,
                stopTimeout: 30,
                // The provider stops a container it destroys only with destroyGraceSeconds; without it, SIGKILL at once (see stop-grace.test.ts).
                destroyGraceSeconds: 30,
                labels: [...args.labels],
                ...hardening({ limit: args.limit }),
            },
            { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"] },
        );

        this.host = pulumi.output(REDIS_ALIAS);
        this.port = pulumi.output(6379);
        this.password = pulumi.secret(password.result);
        this.volume = volume.name;
        this.containerName = container.name;
        this.registerOutputs({ host: this.host, port: this.port, password: this.password, volume: this.volume, containerName: this.containerName });
    }
}
