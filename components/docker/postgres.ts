import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { hardening, networking } from "./container";
import { IMAGE_USERS, IMAGES } from "./images";
import type { DockerLabel } from "./labels";
import { ContainerLimit, postgresTuning } from "./limits";

/** PostgreSQL's name on the data network. */
export const POSTGRES_ALIAS = "postgres";

/** Arguments of {@link Postgres}. */
export interface PostgresArgs {
    /** Prefix of the Docker object names, unique per stack on the host. */
    readonly namePrefix: string;
    /** The internal data network (no published ports). */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    /** Memory and CPU ceiling; shared_buffers follows the memory. */
    readonly limit: ContainerLimit;
    /** Pulumi `protect` on the data volume: `pulumi destroy` stops before deleting it. @default false */
    readonly protectData?: boolean;
    /** The database and its owner. @default "app" */
    readonly database?: string;
}

/**
 * PostgreSQL in a container on the data network, its data in a named volume.
 * The password is generated (never in code or config) and reaches the
 * container as a secret environment variable (encrypted in Pulumi state).
 */
export class Postgres extends pulumi.ComponentResource {
    /** The host name on the data network. */
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly user: pulumi.Output<string>;
    /** Secret. */
    public readonly password: pulumi.Output<string>;
    /** The data volume's name. */
    public readonly volume: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: PostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:Postgres", name, {}, opts);
        const db = args.database ?? "app";
        // Letters and digits only: the password goes into URLs (DATABASE_URL) unescaped.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, protect: args.protectData });
        const image = new docker.RemoteImage(`${name}-image`, { name: IMAGES.postgres, keepLocally: true }, { parent: this });
        const volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.namePrefix}-pgdata`, labels: [...args.labels] },
            { parent: this, protect: args.protectData },
        );

        const container = new docker.Container(
            `${name}`,
            {
                name: `${args.namePrefix}-postgres`,
                image: image.imageId,
                user: IMAGE_USERS.postgres,
                command: ["postgres", ...postgresTuning(args.limit)],
                envs: pulumi.secret(
                    pulumi.interpolate`${password.result}`.apply((p) => [`POSTGRES_USER=${db}`, `POSTGRES_DB=${db}`, `POSTGRES_PASSWORD=${p}`]),
                ),
                ...networking([{ name: args.network, aliases: [POSTGRES_ALIAS] }]),
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/postgresql/data" }],
                healthcheck: { tests: ["CMD", "pg_isready", "-U", db, "-d", db], interval: "10s", timeout: "5s", retries: 5, startPeriod: "30s" },
                wait: true,
                waitTimeout: 120,
                stopTimeout: 60,
                // The provider stops a container it destroys only with destroyGraceSeconds; without it, SIGKILL at once (see stop-grace.test.ts).
                destroyGraceSeconds: 60,
                labels: [...args.labels],
                ...hardening({ limit: args.limit, tmpfs: ["/tmp", "/var/run/postgresql"] }),
            },
            {
                parent: this,
                // Two servers on one data directory corrupt it: the old container goes before the new one starts.
                deleteBeforeReplace: true,
                additionalSecretOutputs: ["envs"],
            },
        );

        this.host = pulumi.output(POSTGRES_ALIAS);
        this.port = pulumi.output(5432);
        this.database = pulumi.output(db);
        this.user = pulumi.output(db);
        this.password = pulumi.secret(password.result);
        this.volume = volume.name;
        this.containerName = container.name;
        this.registerOutputs({
            host: this.host,
            port: this.port,
            database: this.database,
            user: this.user,
            password: this.password,
            volume: this.volume,
            containerName: this.containerName,
        });
    }
}
