import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { awsVpsMachine } from "../../components/aws/vps-machine";
import { digitalOceanVpsMachine } from "../../components/digitalocean/vps-machine";
import * as random from "@pulumi/random";
import type { ConfigView, DockerStackSettings, ProviderSecrets } from "../../stacks";
import { architectureOf as awsArchitectureOf } from "../../components/aws/compute";
import type { CommonOutputs, Platform } from "../contract";
import { AppReplicas } from "../../components/docker/app";
import { Backups } from "../../components/docker/backups";
import { VpsHost } from "../../components/docker/host";
import { dockerLabels, stableDockerLabels } from "../../components/docker/labels";
import { HostNetworks } from "../../components/docker/networks";
import { ObjectStore } from "../../components/docker/objectstore";
import { StorageSetup } from "../../components/docker/storage-setup";
import { Postgres } from "../../components/docker/postgres";
import { ReverseProxy } from "../../components/docker/proxy";
import { Redis } from "../../components/docker/redis";
import { TlsEdge } from "../../components/docker/tls-edge";

/** The stack outputs of a single-host platform (no secret among them). */
export interface DockerOutputs extends CommonOutputs {
    /** The Docker engine the stack deploys to (`unix://...`, or `ssh://...` of the host alicerce created). */
    readonly dockerHost: pulumi.Output<string>;
    /** The host's public address (a domain's A record points here), or `localhost` for the local engine. */
    readonly hostAddress: pulumi.Output<string>;
    /** How many app containers run behind nginx. */
    readonly appReplicas: number;
    /** The name of each container, by role (`app`: one per replica). */
    readonly containers: {
        readonly postgres: pulumi.Output<string>;
        readonly redis: pulumi.Output<string>;
        readonly objectStore: pulumi.Output<string>;
        readonly storageSetup: pulumi.Output<string>;
        readonly nginx: pulumi.Output<string>;
        readonly caddy?: pulumi.Output<string>;
        readonly backup: pulumi.Output<string>;
        readonly app: pulumi.Output<string>[];
        /** One per queue worker (p-do-docker-workers). */
        readonly workers: pulumi.Output<string>[];
    };
    /** The named volumes holding the stack's data, by role. */
    readonly volumes: {
        readonly postgres: pulumi.Output<string>;
        readonly redis: pulumi.Output<string>;
        readonly objectStore: pulumi.Output<string>;
        readonly certificates?: pulumi.Output<string>;
    };
    /** The restic repository backups go to (a volume on the host, or an `s3:` URL). */
    readonly backupRepository: pulumi.Output<string>;
}

/** The SSH options the Docker provider uses for `ssh://` hosts: trust a new host key on first use, fail fast. */
export const SSH_OPTS = ["-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=30"];

/**
 * The address browsers reach a host given by `dockerHost` at: the host of an
 * `ssh://` or `tcp://` URL, `localhost` for the local socket. Presigned
 * upload URLs are signed for it when there is no domain.
 */
export function dockerHostAddress(dockerHost: string): string {
    const url = new URL(dockerHost);
    if (url.protocol === "unix:" || url.protocol === "npipe:" || url.hostname === "") return "localhost";
    // An IPv6 address keeps its brackets: it goes into URLs.
    return url.hostname;
}

/** Groups the whole single-host stack, so no resource sits directly under the Pulumi stack. */
class SingleHost extends pulumi.ComponentResource {
    constructor(name: string, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:docker:SingleHost", name, {}, opts);
    }
}

/**
 * Composes the `docker` platform: optionally a VPS to run on, then on the
 * Docker host an internal data network, an edge network and a storage
 * network, PostgreSQL, Redis, SeaweedFS (S3) and its bucket setup, the
 * backup job, N app replicas, nginx in front and, with a domain, Caddy in
 * front of nginx for TLS (ACME). Every Docker object carries the standard
 * tags as labels.
 */
export async function deployDocker(settings: DockerStackSettings, secrets: ProviderSecrets = {}): Promise<DockerOutputs> {
    const host = settings.singleHost;
    const namePrefix = `${settings.project}-${settings.stack}`;
    const labels = dockerLabels(settings.tags);
    const limits = host.containerLimits;
    const protectData = settings.protectData;

    let vps: VpsHost | undefined;
    if (host.vps) {
        const cloudProvider: pulumi.ProviderResource =
            host.vps === "aws"
                ? new aws.Provider("aws", {
                      region: settings.region as aws.Region,
                      defaultTags: { tags: { ...settings.tags } },
                      // p-plan-tool: `aws:profile` / `digitalocean:token` set the Pulumi way (explicit providers do not read them).
                      ...(secrets.awsProfile ? { profile: secrets.awsProfile } : {}),
                  })
                : new digitalocean.Provider("digitalocean", secrets.digitaloceanToken ? { token: secrets.digitaloceanToken } : {});
        vps = new VpsHost("host", {
            machine: host.vps === "aws" ? awsVpsMachine : digitalOceanVpsMachine,
            provider: cloudProvider,
            commandProvider: new command.Provider("command", {}),
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
    const root = new SingleHost("single-host", { providers: [dockerProvider, randomProvider], transformations: [stableDockerLabels] });
    const parent = { parent: root };

    const networks = new HostNetworks("networks", { namePrefix, labels }, parent);
    const common = { namePrefix, labels, protectData };
    const postgres = new Postgres("postgres", { ...common, network: networks.dataNetwork, limit: limits.postgres }, parent);
    const redis = new Redis("redis", { ...common, network: networks.dataNetwork, limit: limits.redis }, parent);
    // Renamed from "minio": the alias keeps the URNs of its passwords and data volume.
    const objectStore = new ObjectStore(
        "objectstore",
        {
            ...common,
            network: networks.dataNetwork,
            storageNetwork: networks.storageNetwork,
            limit: limits.objectStore,
        },
        { ...parent, aliases: [{ name: "minio" }] },
    );
    const storage = new StorageSetup("storage-setup", { namePrefix, labels, network: networks.dataNetwork, limit: limits.backup, objectStore }, parent);
    const backups = new Backups(
        "backups",
        {
            namePrefix,
            labels,
            protectData,
            network: networks.dataNetwork,
            limit: limits.backup,
            postgres,
            // The uploaded files: the assets bucket, read through the S3 API with the object store's read-only backup key.
            uploads: {
                endpoint: objectStore.endpoint,
                bucket: storage.assetsBucket,
                accessKeyId: objectStore.backupAccessKey,
                secretAccessKey: objectStore.backupSecretKey,
            },
            repository: settings.backups.repository && {
                ...settings.backups.repository,
                // Validated as set (stacks/): getSecret returns it whenever the key is.
                secretAccessKey: secrets.backupSecretAccessKey!,
            },
            retentionDays: settings.backups.retentionDays,
            dependsOn: [storage.container],
            // --- restore: a new database beside the running one (alicerce:restoreFrom) ---
            ...(settings.restore && (settings.restore.kind === "restic" || settings.restore.kind === "dump")
                ? { restore: { kind: settings.restore.kind, source: settings.restore.value, slug: settings.restore.slug, active: settings.restore.active } }
                : {}),
            // --- end restore ---
        },
        parent,
    );
    const address = vps ? vps.ipv4Address : pulumi.output(dockerHostAddress(host.dockerHost!));
    const publicUrl = settings.domain ? pulumi.output(`https://${settings.domain}`) : pulumi.interpolate`http://${address}`;
    const app = new AppReplicas(
        "app",
        {
            ...common,
            edgeNetwork: networks.edgeNetwork,
            dataNetwork: networks.dataNetwork,
            limit: limits.app,
            replicas: host.appReplicas,
            workers: host.workerReplicas,
            workerLimit: host.workerLimit,
            // alicerce:useRestoredDatabase: the same server and user, the restored database (the running one stays).
            postgres:
                settings.restore?.active && backups.restoredDatabase
                    ? { user: postgres.user, password: postgres.password, host: postgres.host, port: postgres.port, database: backups.restoredDatabase }
                    : postgres,
            redis,
            objectStore,
            assetsBucket: storage.assetsBucket,
            publicUrl,
            image: settings.image,
            dependsOn: [storage.container],
            // p-app-env: the team's app: its build directory, shape, settings and secrets.
            app: {
                buildContext: settings.app.buildContext,
                shape: settings.app,
                env: settings.app.env,
                secrets: secrets.appSecrets,
                // q-frontend: each secret a file in /run/secrets (components/docker/app-secrets.ts), never in the environment.
                secretNames: settings.app.secretNames,
            },
        },
        parent,
    );
    const proxy = new ReverseProxy(
        "nginx",
        {
            namePrefix,
            labels,
            edgeNetwork: networks.edgeNetwork,
            limit: limits.nginx,
            upstreams: app.upstreams,
            storageNetwork: networks.storageNetwork,
            extraLocations: [objectStore.uploadRoute],
            behindTlsEdge: settings.domain !== undefined,
        },
        { ...parent, dependsOn: [app] },
    );
    const tls = settings.domain
        ? new TlsEdge(
              "caddy",
              {
                  namePrefix,
                  labels,
                  edgeNetwork: networks.edgeNetwork,
                  limit: limits.caddy,
                  domain: settings.domain,
                  protectData,
                  dependsOn: [proxy],
                  // Host names, the wildcard and the frontend (p-app-hosts).
                  sites: settings.hosts.routes,
                  frontendPath: settings.frontendPath,
                  // Validated in stacks/: alicerce:acmeDns needs cloudflare:apiToken.
                  dnsChallenge: settings.acmeDns ? { provider: settings.acmeDns, apiToken: secrets.cloudflareApiToken! } : undefined,
              },
              parent,
          )
        : undefined;

    return {
        dockerHost: vps ? vps.dockerHost : pulumi.output(host.dockerHost!),
        hostAddress: address,
        url: publicUrl,
        assetsBucket: storage.assetsBucket,
        image: app.image,
        appReplicas: host.appReplicas,
        containers: {
            postgres: postgres.containerName,
            redis: redis.containerName,
            objectStore: objectStore.containerName,
            storageSetup: storage.container.name,
            nginx: proxy.containerName,
            ...(tls ? { caddy: tls.containerName } : {}),
            backup: backups.schedulerName,
            app: app.containerNames,
            workers: app.workerNames,
        },
        volumes: { postgres: postgres.volume, redis: redis.volume, objectStore: objectStore.volume, ...(tls ? { certificates: tls.volume } : {}) },
        backupRepository: backups.repository,
    };
}

/**
 * The single host's own rule (p-app-env): a prebuilt image must match the
 * created VPS's architecture (DigitalOcean droplets are amd64; an EC2 type's
 * family says). A host you bring is not known here: the pull fails there.
 */
export function validateDocker(view: ConfigView): string[] {
    const imageArch = view.value("imageArchitecture");
    const vps = view.value("vps");
    if (imageArch === undefined || vps === undefined) return [];
    const size = view.value("instanceType") ?? view.preset?.singleHost.hostSize[vps];
    let hostArch: string | undefined = vps === "digitalocean" ? "amd64" : undefined;
    if (vps === "aws" && size) {
        try {
            hostArch = awsArchitectureOf(size) === "arm64" ? "arm64" : "amd64";
        } catch {
            hostArch = undefined;
        }
    }
    return hostArch !== undefined && hostArch !== imageArch
        ? [
              view.problem(
                  "imageArchitecture",
                  `says alicerce:image is ${imageArch}, but the ${vps} host ${size} is ${hostArch}; push a ${hostArch} (or multi-architecture) image`,
              ),
          ]
        : [];
}

/** The single-host platform. */
export const dockerPlatform = {
    cloud: "docker",
    validate: validateDocker,
    deploy: deployDocker,
} satisfies Platform<DockerStackSettings, DockerOutputs>;
