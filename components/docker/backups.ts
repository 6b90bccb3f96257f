import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_IMAGE_CONTEXT, backupEnvironment } from "./backup";
import { hardening, networking } from "./container";
import type { DockerLabel } from "./labels";
import type { ContainerLimit } from "./limits";
import type { ObjectStore } from "./objectstore";
import type { Postgres } from "./postgres";

/** Arguments of {@link Backups}. */
export interface BackupsArgs {
    readonly namePrefix: string;
    /** The internal data network (PostgreSQL and MinIO). */
    readonly network: pulumi.Input<string>;
    readonly labels: readonly DockerLabel[];
    readonly limit: ContainerLimit;
    readonly postgres: Postgres;
    readonly objectStore: ObjectStore;
    /** Days backups are kept in the backups bucket. @default 30 */
    readonly retentionDays?: number;
    /** Hour (UTC) of the nightly run. @default 3 */
    readonly hourUtc?: number;
    /** What the scheduler waits for (the buckets, made by StorageSetup). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The backup image (pg_dump 17 and mc, built on the host from
 * `components/docker/backup/`) and the
 * scheduler container running `backup.sh schedule`: a nightly pg_dump and
 * uploads archive into the backups bucket, pruned after `retentionDays`.
 */
export class Backups extends pulumi.ComponentResource {
    public readonly schedulerName: pulumi.Output<string>;
    public readonly imageName: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:Backups", name, {}, opts);
        const image = new docker.Image(`${name}-image`, {
            imageName: `${args.namePrefix}-backup:local`,
            build: { context: BACKUP_IMAGE_CONTEXT },
            // Built on the Docker host itself; no registry is involved.
            skipPush: true,
        }, { parent: this });

        const pg = args.postgres;
        const store = args.objectStore;
        const envs = pulumi.secret(
            pulumi
                .all({
                    host: pg.host, port: pg.port.apply(String), database: pg.database, user: pg.user, password: pg.password,
                    endpoint: store.endpoint, rootUser: store.rootUser, rootPassword: store.rootPassword,
                    assetsBucket: store.assetsBucket, backupsBucket: store.backupsBucket,
                    appAccessKey: store.appAccessKey, appSecretKey: store.appSecretKey,
                })
                .apply(({ host, port, database, user, password, endpoint, rootUser, rootPassword, assetsBucket, backupsBucket, appAccessKey, appSecretKey }) =>
                    backupEnvironment({
                        postgres: { host, port: Number(port), database, user, password },
                        minio: { endpoint, rootUser, rootPassword },
                        assetsBucket, backupsBucket, appAccessKey, appSecretKey,
                        retentionDays: args.retentionDays, hourUtc: args.hourUtc,
                    }),
                ),
        );
        const common = {
            image: image.repoDigest,
            envs,
            ...networking([{ name: args.network }]),
            labels: [...args.labels],
        };

        // Dumps and upload archives are staged on disk: tmpfs pages count against the memory limit.
        const work = new docker.Volume(`${name}-work`, { name: `${args.namePrefix}-backup-work`, labels: [...args.labels] }, { parent: this });
        const scheduler = new docker.Container(`${name}-scheduler`, {
            ...common,
            name: `${args.namePrefix}-backup`,
            command: ["schedule"],
            healthcheck: { tests: ["CMD", "/usr/local/bin/backup.sh", "health"], interval: "5m", timeout: "10s", retries: 1, startPeriod: "1m" },
            volumes: [{ volumeName: work.name, containerPath: "/work" }],
            ...hardening({ limit: args.limit, tmpfs: ["/tmp"] }),
        }, { parent: this, deleteBeforeReplace: true, additionalSecretOutputs: ["envs"], dependsOn: args.dependsOn });

        this.schedulerName = scheduler.name;
        this.imageName = image.imageName;
        this.registerOutputs({ schedulerName: this.schedulerName, imageName: this.imageName });
    }
}
