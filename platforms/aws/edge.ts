import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { ProviderSecrets, StackSettings } from "../../stacks";
import { Dns, DnsRecordSpec } from "../../components/cloudflare/dns";
import { APP_SECRETS_VERSION_VARIABLE, appEnvironment, awsAppEnvironment, DB_CA_PATH, proxyHopsEnvironment } from "../../components/shared/app-contract";
import type { SecretEnv } from "../../components/shared/userdata";
import { Certificate } from "../../components/aws/certificate";
import { AppServers, architectureOf, ComputePool, DEFAULT_HEALTH_CHECK_GRACE_SECONDS, dockerPlatform } from "../../components/aws/compute";
import { awsWorkerEnvironment, workerCommandOf } from "../../components/shared/app-contract";
import { LoadBalancer, type LoadBalancerIpAddressType } from "../../components/aws/loadBalancer";
import { ecrRepositoryArn, parseEcrImage } from "../../components/aws/ecr";
import { dashboardNameOf, Monitoring, rolloutBakeSeconds } from "../../components/aws/monitoring";
import { InstanceEdge } from "../../components/aws/origin";
import { Registry } from "../../components/aws/registry";
import { Waf } from "../../components/aws/waf";
import { hostsOf } from "../../components/shared/hosts";
import { hostKey, PUBLIC_PREFIX, validationDns } from "./cdn";

type In<T> = pulumi.Input<T>;

/**
 * What the edge needs from the foundation and data components (KMS key,
 * network, buckets, secrets, database), by the names those components
 * expose, so the components themselves can be passed.
 */
export interface EdgeDependencies {
    readonly kms: { readonly keyArn: In<string> };
    readonly network: {
        readonly vpcId: In<string>;
        readonly publicSubnetIds: In<In<string>[]>;
        readonly appSubnetIds: In<In<string>[]>;
        readonly appSubnetsArePublic: boolean;
        readonly appSecurityGroupId: In<string>;
    };
    /** The storage component; when it is a resource, the load balancer waits for it (the logs bucket policy must exist before access logs are enabled). */
    readonly storage: { readonly logsBucketName: In<string>; readonly assetsBucketName: In<string>; readonly assetsBucketArn: In<string> };
    readonly secrets: { readonly sessionSecretArn: In<string>; readonly appEnvSecretArn?: In<string>; readonly appEnvVersionId?: In<string> };
    readonly database: {
        readonly writerAddress: In<string>;
        /** The read replica's address; absent without a replica (the app then reads from the writer). */
        readonly readerAddress?: In<string>;
        readonly port: In<number>;
        readonly masterSecretArn: In<string>;
        readonly dbName: In<string>;
        readonly identifier: In<string>;
        /** The read replica's identifier; derived from `readerAddress` when absent. */
        readonly replicaIdentifier?: In<string>;
    };
    /** The app servers' AMI id, resolved once per run (`resolveAmi`); absent, the latest Amazon Linux 2023 is read. */
    readonly amiId?: In<string>;
    /** p-aws-workers: the queue and the worker pool's settings, where the tier has them. */
    readonly queue?: QueueDependencies;
    /** `https://<distribution>`: the app hands out CDN URLs for public uploads (CDN_BASE_URL). */
    readonly cdnBaseUrl?: In<string>;
}

const cloudflareProviders = new WeakMap<StackSettings, { zoneId: string; provider: cloudflare.Provider }>();
/** The stack's one Cloudflare provider (the edge and the CDN share it), or undefined without a zone. */
export function cloudflareFor(settings: StackSettings, credentials: ProviderSecrets): { zoneId: string; provider: cloudflare.Provider } | undefined {
    if (settings.cloudflareZoneId === undefined) return undefined;
    if (!cloudflareProviders.has(settings)) {
        cloudflareProviders.set(settings, {
            zoneId: settings.cloudflareZoneId,
            provider: new cloudflare.Provider("cloudflare", { apiToken: credentials.cloudflareApiToken }),
        });
    }
    return cloudflareProviders.get(settings);
}

// --- p-aws-workers ---
/** What the worker pool and the queue alarms need. */
export interface QueueDependencies {
    readonly cache: {
        /** The secret holding `{"authToken", "url"}` (the app's `REDIS_URL` is its `.url`). */
        readonly secretArn: In<string>;
        readonly replicationGroupId: string;
        /** The member cluster ids (CloudWatch's `CacheClusterId`). */
        readonly memberClusterIds: readonly string[];
        readonly primaryEndpoint: In<string>;
    };
    readonly workerSecurityGroupId: In<string>;
    readonly workers: { readonly instanceType: string; readonly minInstances: number; readonly maxInstances: number; readonly backlogPerInstance: number };
}

/** The BullMQ queue the workers run and report on (app-image/src/queue.ts VERIFY_QUEUE). */
export const WORKER_QUEUE = "upload-verify";
/** The EMF metrics the worker prints (app-image/src/metrics.ts: namespace `Alicerce/Queue`, dimension `Queue`). */
export const QUEUE_METRICS = {
    namespace: "Alicerce/Queue",
    dimension: "Queue",
    depth: "QueueDepth",
    oldestAge: "OldestJobAgeSeconds",
    failed: "FailedJobs",
} as const;
/** `REDIS_URL` from the cache's secret, fetched at every start into the tmpfs secrets file (never into the user data). */
export function redisUrlSecret(secretArn: string): SecretEnv {
    return { env: "REDIS_URL", source: secretArn, key: ".url" };
}
// --- end p-aws-workers ---

/** Who may reach the load balancer, decided from the stack's settings. */
export type IngressChoice = { readonly kind: "anyone" } | { readonly kind: "listed"; readonly cidrs: readonly string[] } | { readonly kind: "cloudflare" };

/**
 * Who may reach the load balancer: the listed ranges when
 * `alicerce:lbIngressCidrs` is set; else Cloudflare's published ranges when
 * the app's records go through Cloudflare's proxy (anything else reaching
 * the load balancer directly would bypass Cloudflare's WAF and TLS); else anyone.
 */
export function ingressChoice(s: Pick<StackSettings, "lbIngressCidrs" | "cloudflareZoneId" | "cloudflareProxied">): IngressChoice {
    if (s.lbIngressCidrs !== undefined) return { kind: "listed", cidrs: s.lbIngressCidrs };
    if (s.cloudflareZoneId !== undefined && s.cloudflareProxied) return { kind: "cloudflare" };
    return { kind: "anyone" };
}

/**
 * The load balancer's address type (q-budget-aws): IPv6 only when the tier asks for it and Cloudflare's proxy is
 * the only client (Cloudflare reaches origins over IPv6: https://blog.cloudflare.com/always-on-ipv6/, "proxied to
 * the backend over whichever IP version the backend infrastructure can accept"). Listed ranges are IPv4 and
 * anyone includes IPv4-only clients, so those keep IPv4.
 */
export function loadBalancerIpAddressType(s: Pick<StackSettings, "loadBalancerIpv6Only">, ingress: IngressChoice): LoadBalancerIpAddressType {
    return s.loadBalancerIpv6Only && ingress.kind === "cloudflare" ? "dualstack-without-public-ipv4" : "ipv4";
}

/** The header Cloudflare's proxy puts the visitor's IP in. */
export const CLOUDFLARE_CLIENT_IP_HEADER = "CF-Connecting-IP";

/** The RDS CA bundle every region's certificates chain to (public). */
export const RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** What the edge exports. */
export interface EdgeOutputs {
    readonly url: pulumi.Output<string>;
    /** The load balancer's name; absent with the instance edge. */
    readonly loadBalancerDnsName?: pulumi.Output<string>;
    /** q-budget-aws: the instance edge's Elastic IP (the app's address); absent behind a load balancer. */
    readonly originAddress?: pulumi.Output<string>;
    readonly autoScalingGroupName: pulumi.Output<string>;
    /** The image the instances run, with its digest. */
    readonly image: pulumi.Output<string>;
    readonly repositoryUrl: pulumi.Output<string>;
    readonly alarmTopicArn: pulumi.Output<string>;
    /** The CloudWatch dashboard, where the tier has one. */
    readonly dashboardName?: pulumi.Output<string>;
    readonly wafWebAclArn?: pulumi.Output<string>;
    /** Records to create by hand when no Cloudflare zone is configured: ACM validation and the app's CNAME. */
    readonly dnsRecordsToCreate?: pulumi.Output<{ name: string; type: string; value: string }[]>;
    /** p-aws-workers: the worker pool's Auto Scaling group, where the tier has workers. */
    readonly workersAutoScalingGroupName?: pulumi.Output<string>;
    /** p-aws-workers: the Valkey primary endpoint (TLS, auth token in the secret), where the tier has a queue. */
    readonly cacheEndpoint?: pulumi.Output<string>;
}

/** The components the edge made, for tests and for the platform to wire further. */
export interface Edge {
    readonly outputs: EdgeOutputs;
    readonly registry: Registry;
    /** The load balancer; absent with the instance edge. */
    readonly loadBalancer?: LoadBalancer;
    /** q-budget-aws: the instance edge (an Elastic IP and its security group); absent behind a load balancer. */
    readonly instanceEdge?: InstanceEdge;
    readonly servers: AppServers;
    readonly monitoring: Monitoring;
    readonly waf?: Waf;
    readonly certificate?: Certificate;
    /** p-aws-workers: the worker pool, where the tier has one. */
    readonly workers?: ComputePool;
}

/**
 * Where traffic reaches the app on AWS: the image and its registry, the
 * certificate and (with Cloudflare) its validation records, the load
 * balancer, the WAF, the app servers, the alarms and dashboard, and the
 * app's DNS records. Runs after the data components, whose values it takes.
 */
export function deployEdge(settings: StackSettings, provider: aws.Provider, deps: EdgeDependencies, credentials: ProviderSecrets = {}): Edge {
    const opts = { provider };
    const prefix = settings.project;
    const arch = architectureOf(settings.compute.instanceType);

    const registry = new Registry(
        `${prefix}-registry`,
        {
            kmsKeyArn: deps.kms.keyArn,
            image: settings.image,
            platform: dockerPlatform(arch),
            forceDelete: !settings.protectData,
            buildContext: settings.app.buildContext,
        },
        opts,
    );

    const cf = cloudflareFor(settings, credentials);
    // Every name the app answers (alicerce:domain first, then alicerce:hosts and the wildcard routed to it): one certificate, SANs for the rest.
    const appHosts = settings.domain !== undefined ? [settings.domain, ...hostsOf(settings.hosts, "app").filter((h) => h !== settings.domain)] : [];

    let certificate: Certificate | undefined;
    let validationRecordFqdns: pulumi.Output<string[]> | undefined;
    if (settings.domain !== undefined) {
        const domain = settings.domain;
        certificate = new Certificate(`${prefix}-cert`, { domainName: domain, alternativeNames: appHosts.length > 1 ? appHosts.slice(1) : undefined }, opts);
        if (cf) {
            // The first record keeps its key ("app"): its URN predates the other names.
            validationRecordFqdns = validationDns(`${prefix}-acm-validation`, certificate, cf.zoneId, cf.provider, "app");
        }
    }

    const ingress = ingressChoice(settings);
    const cloudflareRanges = ingress.kind === "cloudflare" ? cloudflare.getIpRangesOutput({}, { provider: cf!.provider }) : undefined;
    const ingressCidrs = ingress.kind === "listed" ? [...ingress.cidrs] : cloudflareRanges?.ipv4Cidrs;
    const ipAddressType = loadBalancerIpAddressType(settings, ingress);

    const storageIsResource = pulumi.Resource.isInstance(deps.storage);
    // q-budget-aws: without a domain, a tier (mvp) may serve from the one instance's Elastic IP instead of a load balancer.
    const instanceEdge =
        settings.edge === "instance"
            ? new InstanceEdge(
                  `${prefix}-edge`,
                  {
                      appSecurityGroupId: deps.network.appSecurityGroupId,
                      ingressCidrs: ingress.kind === "listed" ? [...ingress.cidrs] : undefined,
                      ingressDescription: "alicerce:lbIngressCidrs",
                      tags: { ...settings.tags },
                  },
                  opts,
              )
            : undefined;
    if (instanceEdge && (settings.domain !== undefined || !deps.network.appSubnetsArePublic))
        throw new Error("the instance edge serves plain HTTP from a public subnet (stacks/ validation should have refused this)");
    const loadBalancer = instanceEdge
        ? undefined
        : new LoadBalancer(
              `${prefix}-lb`,
              {
                  vpcId: deps.network.vpcId,
                  publicSubnetIds: deps.network.publicSubnetIds,
                  appSecurityGroupId: deps.network.appSecurityGroupId,
                  ingressCidrs,
                  ipAddressType,
                  ...(ipAddressType !== "ipv4" ? { ingressIpv6Cidrs: cloudflareRanges?.ipv6Cidrs } : {}),
                  ingressDescription: ingress.kind === "cloudflare" ? "Cloudflare" : "alicerce:lbIngressCidrs",
                  certificate: certificate ? { arn: certificate.arn, validationRecordFqdns } : undefined,
                  // Routing by host (p-app-hosts): only the app's names reach it; others get a 404 from the listener.
                  appHosts: appHosts.length > 1 ? appHosts : undefined,
                  logsBucketName: deps.storage.logsBucketName,
                  deletionProtection: settings.loadBalancerDeletionProtection,
                  healthPath: settings.app.healthPath,
              },
              { ...opts, dependsOn: storageIsResource ? [deps.storage] : [] },
          );

    // q-budget-aws: a tier without AWS WAF that keeps the WAF's log group keeps the component with the log group only.
    const waf =
        loadBalancer && (settings.waf || settings.keepWafLogGroup)
            ? new Waf(
                  `${prefix}-waf`,
                  {
                      loadBalancerArn: loadBalancer.arn,
                      // Proxied: the load balancer admits only Cloudflare, which names the client in this header.
                      clientIpHeader: ingress.kind === "cloudflare" ? CLOUDFLARE_CLIENT_IP_HEADER : undefined,
                      logRetentionDays: settings.logRetentionDays,
                      kmsKeyArn: deps.kms.keyArn,
                      webAcl: settings.waf,
                  },
                  opts,
              )
            : undefined;

    const db = deps.database;
    const replicaIdentifier = settings.database.readReplica
        ? (db.replicaIdentifier ?? (db.readerAddress !== undefined ? pulumi.output(db.readerAddress).apply((address) => address.split(".")[0]) : undefined))
        : undefined;
    // The group waits for the rollout alarms, and the app alarms read the group's name: it is filled in once the group exists.
    const [groupName, resolveGroupName] = pulumi.deferredOutput<string>();
    const monitoring = new Monitoring(
        `${prefix}-monitoring`,
        {
            // The alarms always exist (they also stop a bad rollout); the tier decides whether they mail anyone.
            alertEmail: settings.alarms ? settings.alertEmail : undefined,
            kmsKeyArn: deps.kms.keyArn,
            region: settings.region,
            autoScalingGroupName: groupName,
            ...(loadBalancer
                ? { loadBalancerArnSuffix: loadBalancer.arnSuffix, targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix }
                : { originAllocationId: instanceEdge!.allocationId }),
            dbIdentifier: db.identifier,
            dbReplicaIdentifier: replicaIdentifier,
            dbStorageGb: settings.database.storageGb,
            dashboardName: dashboardNameOf(settings.project, settings.stack),
            // q-budget-aws
            dashboard: settings.dashboard,
            launchGraceSeconds: DEFAULT_HEALTH_CHECK_GRACE_SECONDS,
            // p-aws-workers: queue and cache alarms, to the same topic.
            ...(deps.queue ? { queue: { queueName: WORKER_QUEUE, cacheClusterIds: deps.queue.cache.memberClusterIds } } : {}),
        },
        opts,
    );

    const env = pulumi
        .all([
            db.masterSecretArn,
            db.writerAddress,
            db.readerAddress,
            db.port,
            db.dbName,
            deps.secrets.sessionSecretArn,
            deps.storage.assetsBucketName,
            deps.secrets.appEnvVersionId,
        ])
        .apply(([dbSecretArn, dbHost, dbReaderHost, dbPort, dbName, appSecretArn, assetsBucket, secretsVersion]) => ({
            ...appEnvironment(
                settings.app,
                awsAppEnvironment({ region: settings.region, dbSecretArn, dbHost, dbReaderHost, dbPort, dbName, appSecretArn, assetsBucket }),
            ),
            // Behind Cloudflare the client is the second address from the right (the load balancer admits only Cloudflare).
            ...proxyHopsEnvironment(ingressChoice(settings).kind === "cloudflare"),
            // A rotated app secret is a new version id: a new launch template version, so the instance refresh restarts every instance.
            ...(secretsVersion !== undefined ? { [APP_SECRETS_VERSION_VARIABLE]: secretsVersion } : {}),
        }))
        // CDN URLs for public uploads (p-app-hosts): the bucket stays private, CloudFront reads the public prefix through OAC.
        .apply((e) => (deps.cdnBaseUrl ? pulumi.output(deps.cdnBaseUrl).apply((base) => ({ ...e, CDN_BASE_URL: base, PUBLIC_PREFIX })) : pulumi.output(e)));
    // p-app-env: each of the team's secrets is fetched by value at start, from the stack's own app-env secret.
    const appEnvSecretArn = deps.secrets.appEnvSecretArn;
    const bootSecrets =
        appEnvSecretArn !== undefined
            ? pulumi.output(appEnvSecretArn).apply((arn) => settings.app.secretNames.map((n): SecretEnv => ({ env: n, source: arn, key: `.${n}` })))
            : [];
    const prebuilt = settings.image !== undefined ? parseEcrImage(settings.image) : undefined;
    if (settings.image !== undefined && prebuilt === undefined)
        throw new Error(`alicerce:image ${settings.image} is not an ECR image (stacks/ validation should have refused it)`);
    const web = {
        subnetIds: deps.network.appSubnetIds,
        subnetsArePublic: deps.network.appSubnetsArePublic,
        securityGroupId: deps.network.appSecurityGroupId,
        instanceType: settings.compute.instanceType,
        minInstances: settings.compute.minInstances,
        maxInstances: settings.compute.maxInstances,
        cpuTargetPercent: settings.compute.cpuTargetPercent,
        image: registry.imageRef,
        amiId: deps.amiId,
        healthCheckGraceSeconds: DEFAULT_HEALTH_CHECK_GRACE_SECONDS,
        rolloutBakeSeconds: rolloutBakeSeconds(DEFAULT_HEALTH_CHECK_GRACE_SECONDS, instanceEdge !== undefined),
        // A prebuilt image may sit in another repository (CI's, another account's): grant pulling from that one.
        repositoryArn: prebuilt ? ecrRepositoryArn(prebuilt) : registry.repositoryArn,
        refreshAlarmNames: monitoring.rolloutAlarmNames,
        env,
        secretArns: [
            db.masterSecretArn,
            deps.secrets.sessionSecretArn,
            ...(appEnvSecretArn !== undefined ? [appEnvSecretArn] : []),
            ...(deps.queue ? [deps.queue.cache.secretArn] : []),
        ],
        // With a queue the API enqueues jobs and shares its rate limit through Valkey.
        bootSecrets: deps.queue ? pulumi.all([bootSecrets, deps.queue.cache.secretArn]).apply(([own, arn]) => [...own, redisUrlSecret(arn)]) : bootSecrets,
        appShape: { containerPort: settings.app.port, command: settings.app.command, releaseCommand: settings.app.releaseCommand },
        assetsBucketArn: deps.storage.assetsBucketArn,
        kmsKeyArn: deps.kms.keyArn,
        region: settings.region,
        logGroupName: `/${settings.project}/${settings.stack}/app`,
        logRetentionDays: settings.logRetentionDays,
        bootFiles: [{ url: RDS_CA_BUNDLE_URL, containerPath: DB_CA_PATH }],
        instanceTags: { ...settings.tags },
    };
    // The web role keeps its type token and URNs either way (AppServers); only the way traffic reaches it differs.
    const servers = loadBalancer
        ? new AppServers(
              `${prefix}-app`,
              {
                  ...web,
                  targetGroupArn: loadBalancer.targetGroupArn,
                  loadBalancerArnSuffix: loadBalancer.arnSuffix,
                  targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix,
              },
              opts,
          )
        : new AppServers(
              `${prefix}-app`,
              {
                  ...web,
                  origin: {
                      allocationId: instanceEdge!.allocationId,
                      allocationArn: instanceEdge!.allocationArn,
                      publicIp: instanceEdge!.publicIp,
                      healthPath: settings.app.healthPath,
                  },
              },
              opts,
          );

    resolveGroupName(servers.autoScalingGroupName);

    // --- p-aws-workers: the worker pool: the same image, the worker command, no load balancer, scaling on backlog ---
    let workers: ComputePool | undefined;
    if (deps.queue) {
        const q = deps.queue;
        workers = new ComputePool(
            `${prefix}-workers`,
            {
                subnetIds: deps.network.appSubnetIds,
                subnetsArePublic: deps.network.appSubnetsArePublic,
                securityGroupId: q.workerSecurityGroupId,
                instanceType: q.workers.instanceType,
                minInstances: q.workers.minInstances,
                maxInstances: q.workers.maxInstances,
                cpuTargetPercent: settings.compute.cpuTargetPercent,
                backlog: {
                    namespace: QUEUE_METRICS.namespace,
                    metricName: QUEUE_METRICS.depth,
                    dimensions: { [QUEUE_METRICS.dimension]: WORKER_QUEUE },
                    // Every worker reports the same queue: the largest report of the minute.
                    stat: "Maximum",
                    targetPerInstance: q.workers.backlogPerInstance,
                },
                command: workerCommandOf(settings.app),
                serviceName: "worker",
                roleDescription: "Worker instances",
                // Nothing reads the workers' memory (the queue alarms watch their work): no agent, $0.74 a month per worker saved.
                cloudWatchAgent: false,
                image: registry.imageRef,
                amiId: deps.amiId,
                repositoryArn: prebuilt ? ecrRepositoryArn(prebuilt) : registry.repositoryArn,
                env: env.apply((e) => awsWorkerEnvironment(e)),
                // The database credentials, the team's own secrets and the queue's URL; not the session key (the worker signs nothing).
                secretArns: [db.masterSecretArn, ...(appEnvSecretArn !== undefined ? [appEnvSecretArn] : []), q.cache.secretArn],
                bootSecrets: pulumi.all([bootSecrets, q.cache.secretArn]).apply(([own, arn]) => [...own, redisUrlSecret(arn)]),
                assetsBucketArn: deps.storage.assetsBucketArn,
                kmsKeyArn: deps.kms.keyArn,
                region: settings.region,
                logGroupName: `/${settings.project}/${settings.stack}/worker`,
                logRetentionDays: settings.logRetentionDays,
                bootFiles: [{ url: RDS_CA_BUNDLE_URL, containerPath: DB_CA_PATH }],
                instanceTags: { ...settings.tags },
            },
            opts,
        );
    }
    // --- end p-aws-workers ---

    let dnsRecordsToCreate: EdgeOutputs["dnsRecordsToCreate"];
    if (settings.domain !== undefined && cf) {
        const records: DnsRecordSpec[] = [
            { key: "app", name: settings.domain, type: "CNAME", content: loadBalancer!.dnsName, proxied: settings.cloudflareProxied },
        ];
        // The app's other names and the wildcard (Cloudflare proxies wildcard records on every plan).
        for (const h of appHosts.slice(1))
            records.push({ key: hostKey(h), name: h, type: "CNAME", content: loadBalancer!.dnsName, proxied: settings.cloudflareProxied });
        new Dns(`${prefix}-dns`, { zoneId: cf.zoneId, records, originTlsSettings: true }, { provider: cf.provider });
    } else if (settings.domain !== undefined && certificate) {
        const domain = settings.domain;
        dnsRecordsToCreate = pulumi.all([certificate.validationRecord(domain), loadBalancer!.dnsName]).apply(([v, lbDns]) => [
            { name: v.name, type: v.type, value: v.value },
            { name: domain, type: "CNAME", value: lbDns },
        ]);
        dnsRecordsToCreate.apply((records) =>
            pulumi.log.warn(
                `create these DNS records at your DNS host (the certificate is issued once the first exists): ${records.map((r) => `${r.name} ${r.type} ${r.value}`).join("; ")}`,
            ),
        );
    }

    const url =
        settings.domain !== undefined
            ? pulumi.output(`https://${settings.domain}`)
            : instanceEdge
              ? pulumi.interpolate`http://${instanceEdge.publicIp}`
              : pulumi.interpolate`http://${loadBalancer!.dnsName}`;
    return {
        registry,
        ...(loadBalancer ? { loadBalancer } : {}),
        ...(instanceEdge ? { instanceEdge } : {}),
        servers,
        monitoring,
        waf,
        certificate,
        workers,
        outputs: {
            url,
            ...(loadBalancer ? { loadBalancerDnsName: loadBalancer.dnsName } : {}),
            ...(instanceEdge ? { originAddress: instanceEdge.publicIp } : {}),
            autoScalingGroupName: servers.autoScalingGroupName,
            image: registry.imageRef,
            repositoryUrl: registry.repositoryUrl,
            alarmTopicArn: monitoring.topicArn,
            ...(monitoring.dashboardName ? { dashboardName: monitoring.dashboardName } : {}),
            ...(waf?.webAclArn ? { wafWebAclArn: waf.webAclArn } : {}),
            ...(dnsRecordsToCreate ? { dnsRecordsToCreate } : {}),
            ...(workers ? { workersAutoScalingGroupName: workers.autoScalingGroupName } : {}),
            ...(deps.queue ? { cacheEndpoint: pulumi.output(deps.queue.cache.primaryEndpoint) } : {}),
        },
    };
}
