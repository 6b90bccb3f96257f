import * as cloudflare from "@pulumi/cloudflare";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ConfigView, ProviderSecrets, StackSettings } from "../../stacks";
import type { CommonOutputs, Platform } from "../contract";
import { Dns } from "../../components/cloudflare/dns";
import { digitalOceanTags, stableTags } from "../../components/shared/tags";
import { Alerts } from "../../components/digitalocean/alerts";
import { AppImage } from "../../components/digitalocean/appImage";
import { AppServers, DropletPool } from "../../components/digitalocean/appServers";
import { Cache } from "../../components/digitalocean/cache";
import { Database } from "../../components/digitalocean/database";
import { certificatePlan, LoadBalancer } from "../../components/digitalocean/loadBalancer";
import { Network } from "../../components/digitalocean/network";
import { Project } from "../../components/digitalocean/project";
import { slugMemoryGb } from "../../components/digitalocean/sizing";
import { appEnvironment, digitalOceanAppEnvironment, HEALTH_PATH, proxyHopsEnvironment, workerCommandOf } from "../../components/shared/app-contract";
import { hostKey, hostsOf } from "../../components/shared/hosts";
import { Frontend } from "../../components/digitalocean/frontend";

/** Spaces CDN cache lifetime: an hour (3600 s is DigitalOcean's default; allowed: 60, 600, 3600, 86400, 604800). */
export const SPACES_CDN_TTL_SECONDS = 3600;
import { Storage } from "../../components/digitalocean/storage";
import { SecondRegionCopies } from "../../components/digitalocean/second-region";
import { RegionCopy } from "../../components/digitalocean/region-copy";

/** The stack outputs of a DigitalOcean platform (no secret among them). */
export interface DigitalOceanOutputs extends CommonOutputs {
    /** The load balancer's public IPv4 address (the domain's A record points here). */
    readonly loadBalancerIp: pulumi.Output<string>;
    /** The stack's VPC. */
    readonly vpcId: pulumi.Output<string>;
    /** The tag every app droplet carries (firewall and database trusted sources select by it). */
    readonly appTag: pulumi.Output<string>;
    /** The Spaces bucket of database exports. */
    readonly backupsBucket: pulumi.Output<string>;
    /** The private Spaces bucket the droplets fetch their secret environment from at boot. */
    readonly configBucket: pulumi.Output<string>;
    /** The droplet autoscale pool running the app. */
    readonly autoscalePoolId: pulumi.Output<string>;
    /** The queue workers' droplet pool, where the tier has workers (p-do-docker-workers). */
    readonly workerPoolId?: pulumi.Output<string>;
    /** The tag every worker droplet carries (the Valkey and database firewalls trust it). */
    readonly workerTag?: pulumi.Output<string>;
    /** The URN of the stack's DigitalOcean provider. */
    readonly digitaloceanProvider: pulumi.Output<string>;
}

/**
 * Composes the DigitalOcean platform for a stack: one explicit provider
 * (credentials from `DIGITALOCEAN_TOKEN`, `SPACES_ACCESS_KEY_ID` and
 * `SPACES_SECRET_ACCESS_KEY`), then the components in dependency order.
 * Names come from the project and stack, never the tier, so moving a stack
 * up a tier never replaces a database, bucket or secret.
 */
export async function deployDigitalOcean(settings: StackSettings, credentials: ProviderSecrets = {}): Promise<DigitalOceanOutputs> {
    // p-plan-tool: `digitalocean:token` set the Pulumi way (an explicit provider does not read it itself).
    const provider = new digitalocean.Provider("digitalocean", credentials.digitaloceanToken ? { token: credentials.digitaloceanToken } : {});
    const randomProvider = new random.Provider("random", {});
    // pulumi-docker connects to the daemon when its provider is configured (pulumi-docker#1106): made only when an image is built.
    const dockerProvider = settings.image === undefined ? new docker.Provider("docker", {}) : undefined;
    const opts = { provider };

    const base = `${settings.project}-${settings.stack}`;
    const labelTags = digitalOceanTags(settings.tags);
    const description = `${settings.project} ${settings.stack} (${settings.owner}, ${settings.costCenter})`;

    const project = new Project("project", { projectName: base, description }, opts);
    const network = new Network(
        "network",
        // p-do-docker-workers: the workers' own tag (their firewall opens no port; the data firewalls trust it).
        {
            region: settings.region,
            ipRange: settings.vpcCidr,
            appTagName: `${base}-app`,
            workerTagName: settings.workers === undefined ? undefined : `${base}-worker`,
            description,
        },
        opts,
    );
    const storage = new Storage(
        "storage",
        {
            region: settings.region,
            appOrigin: settings.domain === undefined ? undefined : `https://${settings.domain}`,
            backupRetentionDays: settings.database.longTermBackupDays > 0 ? settings.database.longTermBackupDays : settings.database.backupRetentionDays,
            protect: settings.protectData,
        },
        opts,
    );
    const image = new AppImage(
        "app-image",
        {
            prebuilt: settings.image,
            registryName: settings.registryName,
            createRegistry: settings.createRegistry,
            registryRegion: settings.registryRegion,
            repository: base,
            context: settings.app.buildContext,
        },
        { providers: dockerProvider === undefined ? [provider] : [provider, dockerProvider] },
    );
    const workerTag = network.workerTag;
    // --- second-region copy: the copy droplet's tag, trusted by the database firewall ---
    const copyTag = settings.secondRegion
        ? new digitalocean.Tag("second-region-copy-tag", { name: `${base}-region-copy` }, { ...opts, parent: network }).name
        : undefined;
    // --- end second-region copy ---
    const database = new Database(
        "database",
        {
            region: settings.region,
            size: settings.database.instanceClass,
            highAvailability: settings.database.highAvailability,
            readReplica: settings.database.readReplica,
            maxInstances: settings.compute.maxInstances,
            vpcId: network.vpcId,
            appTag: network.appTag,
            workerTag,
            copyTag,
            tags: labelTags,
            replicaTags: digitalOceanTags(stableTags(settings.tags)),
            protect: settings.protectData,
            // --- restore: a cluster beside the stack's own one (alicerce:restoreFrom) ---
            ...(settings.restore && (settings.restore.kind === "backup" || settings.restore.kind === "time")
                ? { restore: { at: settings.restore.value, slug: settings.restore.slug, active: settings.restore.active } }
                : {}),
            // --- end restore ---
        },
        opts,
    );
    // p-do-docker-workers: Valkey for the queue and the shared rate limit, where the tier has one.
    const cache =
        settings.cache === undefined || workerTag === undefined
            ? undefined
            : new Cache(
                  "cache",
                  {
                      region: settings.region,
                      size: settings.cache.size,
                      vpcId: network.vpcId,
                      appTag: network.appTag,
                      workerTag,
                      tags: labelTags,
                      protect: settings.protectData,
                  },
                  opts,
              );
    // Behind Cloudflare's proxy the balancer admits Cloudflare's published ranges only, so the app may trust two proxy hops.
    const cf =
        settings.domain !== undefined && settings.cloudflareZoneId !== undefined
            ? new cloudflare.Provider("cloudflare", { apiToken: credentials.cloudflareApiToken })
            : undefined;
    const onlyCloudflare = cf !== undefined && settings.cloudflareProxied;
    const edge = new LoadBalancer(
        "edge",
        {
            region: settings.region,
            vpcId: network.vpcId,
            appTag: network.appTag,
            // q-frontend: the frontend's names reach the droplets through the balancer too, so its certificate covers every name.
            certificate: certificatePlan(settings.domain, settings.certificateName, settings.hosts.names),
            healthPath: settings.app.healthPath,
            ...(onlyCloudflare ? { allowedCidrs: cloudflare.getIpRangesOutput({}, { provider: cf }).ipv4Cidrs } : {}),
        },
        opts,
    );

    // The Spaces CDN in front of the assets bucket (p-app-hosts): it serves only public-read objects, so the app signs that ACL
    // into public uploads (DigitalOcean docs, Spaces CDN: "files must be public to be served through the CDN").
    const cdn = settings.cdn
        ? new digitalocean.Cdn(
              "assets-cdn",
              { origin: pulumi.interpolate`${storage.assetsBucket}.${settings.region}.digitaloceanspaces.com`, ttl: SPACES_CDN_TTL_SECONDS },
              { ...opts, parent: storage },
          )
        : undefined;
    const cdnEnv: Record<string, pulumi.Input<string>> = cdn
        ? { CDN_BASE_URL: pulumi.interpolate`https://${cdn.endpoint}`, PUBLIC_PREFIX: "public/", PUBLIC_UPLOAD_ACL: "public-read" }
        : {};

    const platformEnv = digitalOceanAppEnvironment({
        dbPoolMax: database.appPoolMax,
        assetsBucket: storage.assetsBucket,
        s3Endpoint: storage.s3Endpoint,
        accessKeyId: storage.appAccessKey,
        secretAccessKey: storage.appSecretKey,
        databaseUrl: database.url,
        databasePoolUrl: database.poolUrl,
        databaseReaderUrl: database.readerUrl,
    });
    // p-app-env: the team's plain settings join the user data's env; its secrets join the encrypted secrets document, one key each.
    const env = { ...appEnvironment(settings.app, platformEnv.env), ...cdnEnv, ...proxyHopsEnvironment(onlyCloudflare) };
    const appSecrets = credentials.appSecrets;
    const secrets: Record<string, pulumi.Input<string>> = { ...platformEnv.secrets };
    for (const n of settings.app.secretNames) {
        if (n in secrets) throw new Error(`alicerce:appSecrets ${n} collides with a platform secret (stacks/ validation should have refused it)`);
        if (appSecrets !== undefined) secrets[n] = pulumi.secret(appSecrets.apply((m) => m[n]));
    }
    // REDIS_URL (rediss://, with the password) goes into the secrets document, never the user data.
    if (cache !== undefined) secrets.REDIS_URL = cache.url;

    // q-frontend: the static frontend in its own Spaces bucket behind the Spaces CDN; the droplets' proxy routes its names there.
    const frontendHosts = hostsOf(settings.hosts, "frontend");
    const frontend =
        frontendHosts.length > 0 && settings.frontendPath !== undefined
            ? new Frontend("frontend", { region: settings.region, dir: settings.frontendPath, ttl: SPACES_CDN_TTL_SECONDS }, opts)
            : undefined;

    const app = new AppServers(
        "app",
        {
            region: settings.region,
            compute: settings.compute,
            vpcId: network.vpcId,
            appTag: network.appTag,
            labelTags,
            sshKeyFingerprints: settings.sshKeyFingerprints,
            adminCidrs: settings.adminCidrs,
            loadBalancerId: edge.id,
            configBucket: storage.configBucket,
            bootstrapAccessKey: storage.bootstrapAccessKey,
            bootstrapSecretKey: storage.bootstrapSecretKey,
            image: image.imageRef,
            pullCredentials: image.pullCredentials,
            env,
            secrets,
            appShape: { containerPort: settings.app.port, command: settings.app.command, releaseCommand: settings.app.releaseCommand },
            // PostgreSQL 15+: the app's user may not create tables in `public` of a database doadmin owns; the droplets grant it once per boot.
            databaseBootstrap: { adminUrl: database.adminUrl, sql: database.bootstrapSql, clientImage: database.clientImage },
            projectId: project.id,
            protect: settings.protectData,
            ...(frontend === undefined ? {} : { frontendProxy: { hosts: frontendHosts, cdnEndpoint: frontend.cdnEndpoint } }),
        },
        { providers: [provider, randomProvider] },
    );

    // p-do-docker-workers: the queue workers, from the same image with the worker command, behind no load balancer.
    const workers =
        settings.workers === undefined || workerTag === undefined
            ? undefined
            : new DropletPool(
                  "workers",
                  {
                      region: settings.region,
                      compute: settings.workers,
                      vpcId: network.vpcId,
                      appTag: workerTag,
                      labelTags,
                      sshKeyFingerprints: settings.sshKeyFingerprints,
                      adminCidrs: settings.adminCidrs,
                      configBucket: storage.configBucket,
                      bootstrapAccessKey: storage.bootstrapAccessKey,
                      bootstrapSecretKey: storage.bootstrapSecretKey,
                      image: image.imageRef,
                      pullCredentials: image.pullCredentials,
                      env,
                      secrets,
                      projectId: project.id,
                      protect: settings.protectData,
                      command: workerCommandOf(settings.app),
                      // Workers scale on CPU alone (their memory does not follow the backlog).
                      scaleOnMemory: false,
                      serviceName: "worker",
                      secretsObject: "worker-secrets.json",
                  },
                  { providers: [provider, randomProvider] },
              );

    // With a Cloudflare zone the app's record is managed there (the balancer serves the uploaded certificate
    // validation requires with a zone, so the zone can be Full (strict)); without one the plan warns which record to create.
    if (settings.domain !== undefined && settings.cloudflareZoneId !== undefined) {
        new Dns(
            "dns",
            {
                zoneId: settings.cloudflareZoneId,
                records: [{ key: "app", name: settings.domain, type: "A", content: edge.ip, proxied: settings.cloudflareProxied }],
                originTlsSettings: true,
            },
            { provider: cf! },
        );
        // q-frontend: every other name (alicerce:hosts, the wildcard) to the balancer too; the droplets route by host.
        const others = settings.hosts.names.filter((h) => h !== settings.domain);
        if (others.length > 0) {
            new Dns(
                "dns-hosts",
                {
                    zoneId: settings.cloudflareZoneId,
                    records: others.map((h) => ({ key: hostKey(h), name: h, type: "A" as const, content: edge.ip, proxied: settings.cloudflareProxied })),
                },
                { provider: cf! },
            );
        }
    }

    if (settings.alarms && settings.alertEmail !== undefined) {
        new Alerts(
            "alerts",
            {
                email: settings.alertEmail,
                appTag: network.appTag,
                workerTag,
                cacheClusterId: cache?.clusterId,
                healthUrl: pulumi.interpolate`${edge.url}${settings.app.healthPath ?? HEALTH_PATH}`,
                // f15-alarms: the queue's alarms, as the app's /healthz/queue status, where there is a queue.
                queueHealthUrl: cache === undefined ? undefined : pulumi.interpolate`${edge.url}/healthz/queue`,
                checkType: settings.domain === undefined ? "http" : "https",
                label: base,
            },
            opts,
        );
    }

    const members: pulumi.Input<string>[] = [
        edge.loadBalancerUrn,
        database.clusterUrn,
        storage.assetsBucketUrn,
        storage.backupsBucketUrn,
        storage.configBucketUrn,
    ];
    if (database.replicaUrn !== undefined) members.push(database.replicaUrn);
    // --- restore and second region ---
    if (database.restoredClusterUrn !== undefined) members.push(database.restoredClusterUrn);
    const second = settings.secondRegion
        ? new SecondRegionCopies(
              "second-region",
              {
                  secondRegion: settings.secondRegion,
                  sourceBuckets: [storage.assetsBucket, storage.backupsBucket],
                  keepDays: 90,
                  protect: settings.protectData,
              },
              opts,
          )
        : undefined;
    if (second) members.push(second.bucketUrn);
    // The nightly copy into it (components/digitalocean/region-copy.ts): a small droplet in the VPC, watched by an uptime check.
    if (second && copyTag) {
        const copy = new RegionCopy(
            "second-region-copy",
            {
                region: settings.region,
                secondRegion: settings.secondRegion!,
                vpcId: network.vpcId,
                tag: copyTag,
                dropletName: `${base}-region-copy`,
                labelTags,
                sshKeyFingerprints: settings.sshKeyFingerprints,
                adminCidrs: settings.adminCidrs,
                configBucket: storage.configBucket,
                bootstrapAccessKey: storage.bootstrapAccessKey,
                bootstrapSecretKey: storage.bootstrapSecretKey,
                copyBucket: second.bucket,
                copyAccessKey: second.accessKey,
                copySecretKey: second.secretKey,
                assetsBucket: storage.assetsBucket,
                backupsBucket: storage.backupsBucket,
                databaseUrl: database.url,
                databaseClusterId: settings.restore?.active && database.restoredClusterId !== undefined ? database.restoredClusterId : database.clusterId,
                postgresImage: database.clientImage,
                retentionDays: settings.database.longTermBackupDays > 0 ? settings.database.longTermBackupDays : settings.database.backupRetentionDays,
                backupHost: base,
                alertEmail: settings.alarms ? settings.alertEmail : undefined,
                label: base,
                protect: settings.protectData,
            },
            { providers: [provider, randomProvider] },
        );
        members.push(copy.dropletUrn);
    }
    // --- end restore and second region ---
    if (cache !== undefined) members.push(cache.clusterUrn);
    if (frontend !== undefined) members.push(frontend.bucketUrn);
    project.attach(members);

    return {
        url: edge.url,
        loadBalancerIp: edge.ip,
        vpcId: network.vpcId,
        appTag: network.appTag,
        assetsBucket: storage.assetsBucket,
        backupsBucket: storage.backupsBucket,
        configBucket: storage.configBucket,
        image: image.imageRef,
        autoscalePoolId: app.poolId,
        ...(workers === undefined ? {} : { workerPoolId: workers.poolId, workerTag }),
        digitaloceanProvider: provider.urn,
        ...(second
            ? { secondRegion: { region: settings.secondRegion!, bucket: second.bucket, endpoint: second.endpoint, copyAccessKey: second.accessKey } }
            : {}),
    };
}

/**
 * DigitalOcean's own config rules: a database standby node needs a plan of
 * 2 GB or more (https://docs.digitalocean.com/products/databases/postgresql/details/limits/).
 */
export function validateDigitalOcean(view: ConfigView): string[] {
    const { raw, preset } = view;
    // p-app-env: every droplet is x86-64 (https://docs.digitalocean.com/products/droplets/details/features/).
    const archProblems =
        view.value("imageArchitecture") === "arm64"
            ? [
                  view.problem(
                      "imageArchitecture",
                      "says alicerce:image is arm64, but DigitalOcean droplets are amd64 (x86-64); push an amd64 (or multi-architecture) image",
                  ),
              ]
            : [];
    const dbClass = view.value("dbInstanceClass") ?? preset?.database.instanceClass.digitalocean;
    const memoryGb = dbClass ? slugMemoryGb(dbClass) : undefined;
    if ((view.value("dbHighAvailability") ?? preset?.database.highAvailability.digitalocean) && memoryGb !== undefined && memoryGb < 2) {
        const key = raw.dbInstanceClass !== undefined ? "dbInstanceClass" : raw.dbHighAvailability !== undefined ? "dbHighAvailability" : "tier";
        return [
            ...archProblems,
            view.problem(
                key,
                `gives a ${memoryGb} GB database plan with a standby node; DigitalOcean standby nodes need 2 GB or more, use e.g. db-s-1vcpu-2gb`,
            ),
        ];
    }
    return archProblems;
}

/** The DigitalOcean platform. */
export const digitalOceanPlatform = {
    cloud: "digitalocean",
    validate: validateDigitalOcean,
    deploy: deployDigitalOcean,
} satisfies Platform<StackSettings, DigitalOceanOutputs>;
