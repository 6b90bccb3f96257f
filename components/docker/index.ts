import * as aws from "@pulumi/aws";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DockerStackSettings, ProviderSecrets } from "../../stacks";
import { AppReplicas } from "./app";
import { Backups } from "./backups";
import { VpsHost } from "./host";
import { dockerLabels } from "./labels";
import { CONTAINER_LIMITS } from "./limits";
import { HostNetworks } from "./networks";
import { ObjectStore } from "./objectstore";
import { Postgres } from "./postgres";
import { ReverseProxy } from "./proxy";
import { Redis } from "./redis";

/** The stack outputs of a single-host platform. */
export type DockerOutputs = Record<string, pulumi.Input<unknown>>;

/** The SSH options the Docker provider uses for `ssh://` hosts: trust a new host key on first use, fail fast. */
export const SSH_OPTS = ["-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=30"];

/** Groups the whole single-host stack, so no resource sits directly under the Pulumi stack. */
class SingleHost extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:SingleHost", name, {}, opts);
    }
}

/**
 * Composes the `docker` platform: optionally a VPS to run on, then on the
 * Docker host an internal data network and an edge network, PostgreSQL,
 * Redis, MinIO, the backup job, N app replicas and nginx in front. Every
 * Docker object carries the standard tags as labels.
 */
export function deployDocker(settings: DockerStackSettings, secrets: ProviderSecrets = {}): DockerOutputs {
    const host = settings.singleHost;
    const namePrefix = `${settings.project}-${settings.stack}`;
    const labels = dockerLabels(settings.tags);
    const limits = CONTAINER_LIMITS[settings.tier];
    const protectData = settings.protectData;

    let vps: VpsHost | undefined;
    if (host.vps) {
        const cloudProvider: pulumi.ProviderResource = host.vps === "aws"
            ? new aws.Provider("aws", { region: settings.region as aws.Region, defaultTags: { tags: { ...settings.tags } } })
            : new digitalocean.Provider("digitalocean", {});
        vps = new VpsHost("host", {
            cloud: host.vps,
            provider: cloudProvider,
            size: host.hostSize!,
            region: settings.region!,
            adminCidrs: host.adminCidrs,
            sshPublicKey: host.sshPublicKey!,
            tags: settings.tags,
            protect: protectData,
        });
    }

    const dockerProvider = new docker.Provider("docker", {
        host: vps ? vps.dockerHost : host.dockerHost!,
        sshOpts: SSH_OPTS,
    });
    const randomProvider = new random.Provider("random", {});
    const root = new SingleHost("single-host", { providers: [dockerProvider, randomProvider] });
    const parent = { parent: root };

    const networks = new HostNetworks("networks", { namePrefix, labels }, parent);
    const common = { namePrefix, labels, protectData };
    const postgres = new Postgres("postgres", { ...common, network: networks.dataNetwork, limit: limits.postgres }, parent);
    const redis = new Redis("redis", { ...common, network: networks.dataNetwork, limit: limits.redis }, parent);
    const objectStore = new ObjectStore("minio", { ...common, network: networks.dataNetwork, limit: limits.minio }, parent);
    const backups = new Backups("backups", {
        namePrefix,
        labels,
        protectData,
        network: networks.dataNetwork,
        limit: limits.backup,
        postgres,
        objectStore,
        // The uploaded files: the object store's data volume, mounted read-only.
        objectStoreVolume: objectStore.volume,
        repository: settings.backups.repository && {
            ...settings.backups.repository,
            // Validated as set (stacks/): getSecret returns it whenever the key is.
            secretAccessKey: secrets.backupSecretAccessKey!,
        },
        retentionDays: settings.backups.retentionDays,
    }, parent);
    const app = new AppReplicas("app", {
        ...common,
        edgeNetwork: networks.edgeNetwork,
        dataNetwork: networks.dataNetwork,
        limit: limits.app,
        replicas: host.appReplicas,
        postgres,
        redis,
        objectStore,
        image: settings.image,
        dependsOn: [backups.setupContainer],
    }, parent);
    const proxy = new ReverseProxy("nginx", {
        namePrefix,
        labels,
        edgeNetwork: networks.edgeNetwork,
        limit: limits.nginx,
        upstreams: app.upstreams,
        domain: settings.domain,
    }, { ...parent, dependsOn: [app] });

    const address = vps ? vps.ipv4Address : pulumi.output("localhost");
    return {
        dockerHost: vps ? vps.dockerHost : host.dockerHost,
        hostAddress: address,
        url: settings.domain ? `https://${settings.domain}` : pulumi.interpolate`http://${address}`,
        appReplicas: host.appReplicas,
        containers: {
            postgres: postgres.containerName,
            redis: redis.containerName,
            minio: objectStore.containerName,
            nginx: proxy.containerName,
            backup: backups.schedulerName,
            app: app.containerNames,
        },
        volumes: { postgres: postgres.volume, redis: redis.volume },
        /** The restic repository (a volume on the host, or an s3: URL). */
        backupRepository: backups.repository,

    };
}
