import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { cidrOverlaps, isPrivateCidr, MAX_AZS, parseCidr } from "../components/shared/cidr";
import { isInternetRange, IPV4_MIN_PREFIX } from "../policies/lib/cidr";
import { StandardTags, standardTags } from "../components/shared/tags";
import { DIGITALOCEAN_PLATFORM_SERVICES, DIGITALOCEAN_REGION_SERVICES, digitalOceanRegionsWith, NEAREST_REGISTRY_REGION } from "./digitalocean-regions";
import {
    DIGITALOCEAN_PITR_DAYS,
    parseRestoreFrom,
    restoreProblems,
    restoreSlug,
    type RestoreSettings,
    restoreTimeWarning,
    secondRegionProblems,
} from "./restore";
import { APP_ENV_NAME, DEFAULT_APP_SHAPE, PLATFORM_VARIABLES, type AppShape } from "../components/shared/app-contract";
import { HostPlan, hostsOf, planHosts } from "../components/shared/hosts";
import * as fs from "fs";
import * as nodePath from "path";
import { CONFIG_KEYS, configSchema, DIGITALOCEAN_ONLY_KEYS, RawConfig, REGIONS, REQUIRED_HINTS, SECRET_KEYS, VPS_REGIONS } from "./schema";
import type { AwsCachePreset, AwsWorkersPreset, EdgeMode } from "./tiers"; // p-aws-workers
import {
    Cloud,
    ComputePreset,
    ContainerLimitPreset,
    ContainerRole,
    DatabasePreset,
    ManagedCloud,
    NetworkPreset,
    Tier,
    TIER_PRESETS,
    TierPreset,
    VpsCloud,
} from "./tiers";

export { CLOUDS, CONTAINER_ROLES, MANAGED_CLOUDS, TIERS, TIER_PRESETS, VPS_CLOUDS } from "./tiers";
export type { Cloud, ContainerLimitPreset, ContainerRole, Egress, ManagedCloud, Tier, TierPreset, VpsCloud } from "./tiers";
export { AL2023_AMI_NAME } from "./schema";
export type { RawConfig } from "./schema";
export type { RestoreKind, RestoreSettings } from "./restore";

/** How config messages describe "the internet", as the policy pack defines it (policies/lib/cidr.ts). */
const INTERNET_MEANING = `a prefix shorter than /${IPV4_MIN_PREFIX} is the internet to the policy pack`;

/** The config namespace: every key is `alicerce:<key>`. */
export const NAMESPACE = "alicerce";

/** The VPC range used when `alicerce:vpcCidr` is not set. */
export const DEFAULT_VPC_CIDR = "10.20.0.0/16";

/** Compute after tier defaults and stack overrides. */
export interface ComputeSettings extends Omit<ComputePreset, "instanceType"> {
    /** EC2 instance type (AWS) or droplet size slug (DigitalOcean). */
    readonly instanceType: string;
}

/** DigitalOcean queue workers after tier defaults and stack overrides (p-do-docker-workers). */
export interface DropletWorkerSettings {
    readonly instanceType: string;
    readonly minInstances: number;
    readonly maxInstances: number;
    readonly cpuTargetPercent: number;
}

/** The database after tier defaults and stack overrides. */
export interface DatabaseSettings extends Omit<DatabasePreset, "instanceClass" | "highAvailability"> {
    /** RDS instance class (AWS) or managed database size slug (DigitalOcean). */
    readonly instanceClass: string;
    /** A synchronous standby in another AZ (RDS Multi-AZ, DO standby node), for this stack's cloud. */
    readonly highAvailability: boolean;
}

/** Docker's default bridge network on every droplet; a VPC range overlapping it makes the VPC unreachable from containers. */
export const DOCKER_BRIDGE_CIDR = "172.17.0.0/16";

/** The Docker engine `cloud: docker` deploys to when `alicerce:dockerHost` and `alicerce:vps` are unset. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** What every stack has, whatever its cloud. */
interface CommonSettings {
    readonly project: string;
    readonly stack: string;
    readonly tier: Tier;
    readonly owner: string;
    readonly costCenter: string;
    readonly budgetUsd: number;
    readonly alertEmail?: string;
    readonly domain?: string;
    /** A prebuilt image to run instead of building `app-image/`. */
    readonly image?: string;
    readonly logRetentionDays: number;
    readonly protectData: boolean;
    readonly tags: StandardTags;
    /** Things that are allowed but a reviewer should see (shown by the plan and as a stack output). */
    readonly warnings: readonly string[];
    /** A database restored beside the stack's own one (`alicerce:restoreFrom`), and whether the app uses it. */
    readonly restore?: RestoreSettings;
    /** The team's own app: its shape, plain settings and the names (only) of its secrets. */
    readonly app: AppSettings;
    // --- host names and the static frontend (p-app-hosts) ---
    /** Every served name (alicerce:domain, alicerce:hosts, alicerce:wildcardHost) and the service answering it. */
    readonly hosts: HostPlan;
    /** The built SPA's directory (absolute), when a name is routed to the frontend. */
    readonly frontendPath?: string;
    /** cloud docker: Caddy answers ACME DNS-01 through this provider (wildcards). */
    readonly acmeDns?: "cloudflare";
}

/** The team's own app, from `alicerce:app*` (defaults: `app-image/`'s shape, no extra settings). */
export interface AppSettings extends AppShape {
    /** `alicerce:appEnv`: plain settings, written where the platform's own plain variables are. */
    readonly env: Readonly<Record<string, string>>;
    /** The names in `alicerce:appSecrets` (values come from {@link readProviderSecrets}, as secrets). */
    readonly secretNames: readonly string[];
    /** `alicerce:appPath`, relative to the project directory: the build context instead of `app-image/`. */
    readonly buildContext?: string;
}

/** A stack on a managed cloud (AWS, DigitalOcean), validated, with tier defaults applied. Components get slices of this. */
export interface StackSettings extends CommonSettings {
    readonly cloud: ManagedCloud;
    readonly region: string;
    readonly cloudflareZoneId?: string;
    /** The app's DNS records go through Cloudflare's proxy (and, on AWS, the load balancer admits only Cloudflare). */
    readonly cloudflareProxied: boolean;
    /** AWS: who may reach the load balancer on 80/443, when set; otherwise Cloudflare's ranges (proxied) or anyone. */
    readonly lbIngressCidrs?: readonly string[];
    readonly vpcCidr: string;
    /**
     * AWS: the zones pinned in `alicerce:availabilityZones`, already cut to the tier's AZ count; unset when the
     * stack has not pinned them (the program then looks them up and warns with the command that pins them).
     */
    readonly availabilityZones?: readonly string[];
    /** AWS: the pinned Amazon Linux 2023 AMI name (`alicerce:amiName`); unset, the program uses the latest and warns. */
    readonly amiName?: string;
    readonly compute: ComputeSettings;
    readonly database: DatabaseSettings;
    readonly network: NetworkPreset;
    /** IPv4 ranges allowed to SSH to app servers; empty (the default) closes port 22. */
    readonly adminCidrs: readonly string[];
    /** DigitalOcean: an uploaded certificate (custom or Cloudflare origin) for HTTPS instead of Let's Encrypt. */
    readonly certificateName?: string;
    /** DigitalOcean: the account's one container registry, pushed to when the image is built. */
    readonly registryName?: string;
    /** DigitalOcean: this stack creates the registry (protected, kept on destroy); otherwise it only pushes to it. */
    readonly createRegistry: boolean;
    /** DigitalOcean: where a created registry stores images (the registry region nearest the stack's). */
    readonly registryRegion?: string;
    /** DigitalOcean: SSH keys (fingerprints) put on app droplets. */
    readonly sshKeyFingerprints: readonly string[];
    /** AWS: deletion protection on the load balancer. */
    readonly loadBalancerDeletionProtection: boolean;
    readonly waf: boolean;
    readonly alarms: boolean;
    /** AWS: a CloudTrail trail of management events into the logs bucket. */
    readonly auditTrail: boolean;
    /** Where copies of the database backups and the buckets go (`alicerce:secondRegion`), never the stack's region. */
    readonly secondRegion?: string;
    // --- p-aws-workers ---
    /** AWS: the worker pool, or undefined where the tier has none (the same field names as the preset's). */
    readonly awsWorkers?: AwsWorkersSettings;
    /** AWS: ElastiCache for Valkey, or undefined where the tier has no queue. */
    readonly awsCache?: AwsCacheSettings;
    // --- end p-aws-workers ---
    /** DigitalOcean: the queue workers' droplet pool, or undefined where the tier has no queue (p-do-docker-workers). */
    readonly workers?: DropletWorkerSettings;
    /** DigitalOcean: the queue's managed Valkey size, or undefined (p-do-docker-workers). */
    readonly cache?: { readonly size: string };
    /** A CDN in front of public uploads (p-app-hosts). */
    readonly cdn: boolean;
    /** q-budget-aws: AWS: behind Cloudflare's proxy, the load balancer has public IPv6 addresses only. */
    readonly loadBalancerIpv6Only: boolean;
    /** q-budget-aws: AWS: keep the WAF's log group where the tier has no WAF. */
    readonly keepWafLogGroup: boolean;
    /** q-budget-aws: AWS: a CloudWatch dashboard. */
    readonly dashboard: boolean;
    /**
     * AWS: where traffic reaches the app (`load-balancer`, or `instance`: one instance holding an Elastic IP, no
     * load balancer). Always `load-balancer` with a domain (HTTPS) and on the other clouds.
     */
    readonly edge: EdgeMode;
}

// --- p-aws-workers ---
/** AWS workers after tier defaults and stack overrides. */
export interface AwsWorkersSettings extends Omit<AwsWorkersPreset, "instanceType"> {
    readonly instanceType: string;
}
/** AWS cache after tier defaults and stack overrides. */
export interface AwsCacheSettings extends Omit<AwsCachePreset, "nodeType"> {
    readonly nodeType: string;
}

/** Keys of the AWS worker pool and cache. */
const AWS_QUEUE_KEYS = ["workersInstanceType", "workersMin", "workersMax", "cacheNodeType"] as const;

/**
 * ElastiCache node families Valkey runs on (current generation only; T1/T2, M1-M4, C1, R3/R4 are previous
 * generation): https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html
 */
export const VALKEY_NODE_FAMILIES = ["t3", "t4g", "m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g", "c7gn"] as const;

/** Rules of the AWS worker pool and cache: sizes, ranges, and a worker or cache key on a tier without a queue. */
function awsQueueRules(ctx: RuleContext): void {
    const { raw, value, say, preset, tier } = ctx;
    const hasQueue = preset !== undefined && preset.awsCache.nodeType !== null && preset.awsWorkers.instanceType !== null;
    if (preset !== undefined && !hasQueue) {
        for (const key of AWS_QUEUE_KEYS) {
            if (raw[key] !== undefined)
                say(
                    key,
                    `applies to a tier with a queue (ElastiCache and workers), and the ${tier} tier on aws has none; remove it, or move the stack to the prod tier`,
                );
        }
        return;
    }
    const min = value("workersMin") ?? preset?.awsWorkers.minInstances;
    const max = value("workersMax") ?? preset?.awsWorkers.maxInstances;
    if (min !== undefined && max !== undefined && min > max) {
        say(raw.workersMin !== undefined ? "workersMin" : "workersMax", `gives workersMin ${min} above workersMax ${max}; make workersMin at most workersMax`);
    }
    const workerType = value("workersInstanceType");
    if (workerType !== undefined && !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(workerType))
        say("workersInstanceType", "is not an EC2 instance type; use e.g. t4g.micro");
    const nodeType = value("cacheNodeType");
    if (nodeType !== undefined) {
        const family = nodeType.split(".")[1];
        if (!(VALKEY_NODE_FAMILIES as readonly string[]).includes(family)) {
            say(
                "cacheNodeType",
                `is a ${family} node, which ElastiCache for Valkey does not run on; use a current-generation type of ${VALKEY_NODE_FAMILIES.join(", ")}, e.g. cache.t4g.small`,
            );
        }
    }
    // The worker type's architecture against the app servers' is checked by platforms/aws (architectureOf).
}
// --- end p-aws-workers ---

/** The single Docker host of a `docker` stack. */
export interface SingleHostSettings {
    /** The Docker engine to use (`unix://...` or `ssh://user@host`); unset when `vps` creates the host. */
    readonly dockerHost?: string;
    /** The cloud the host is created on, if alicerce creates it. */
    readonly vps?: VpsCloud;
    /** The VM size (droplet slug or EC2 type) when `vps` is set. */
    readonly hostSize?: string;
    /** IPv4 ranges allowed to SSH to a created host (empty without `vps`). */
    readonly adminCidrs: readonly string[];
    /** The operator's SSH public key, installed on a created host. */
    readonly sshPublicKey?: string;
    /** App containers behind nginx. */
    readonly appReplicas: number;
    /** Queue worker containers (same image, worker command), next to the app's (p-do-docker-workers). */
    readonly workerReplicas: number;
    /** Each worker container's ceiling. */
    readonly workerLimit: ContainerLimitPreset;
    /** Each container's memory and CPU ceiling (the tier's). */
    readonly containerLimits: { readonly [R in ContainerRole]: ContainerLimitPreset };
}

/** Daily backups a single host keeps when `alicerce:backupRetentionDays` is not set. */
export const DEFAULT_BACKUP_RETENTION_DAYS = 30;

/** The single host's backups (restic). */
export interface SingleHostBackupSettings {
    /** Daily snapshots kept. */
    readonly retentionDays: number;
    /** An off-host S3 repository (its secret key comes from {@link readProviderSecrets}); unset: a volume on the host. */
    readonly repository?: { readonly url: string; readonly accessKeyId: string };
}

/** A `docker` stack: the whole platform on one Docker host. */
export interface DockerStackSettings extends CommonSettings {
    readonly cloud: "docker";
    /** The VPS region; only with `singleHost.vps`. */
    readonly region?: string;
    readonly singleHost: SingleHostSettings;
    readonly backups: SingleHostBackupSettings;
}

/** Any stack's settings; `cloud` tells which. */
export type Settings = StackSettings | DockerStackSettings;

/**
 * Bad stack configuration. Thrown before any resource is declared; the
 * message lists every problem, one per line. A `RunError`, so Pulumi prints
 * the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        /** One line per problem: `alicerce:<key>: "<value>" <what is wrong>; <what is allowed>`. */
        public readonly problems: readonly string[],
    ) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

const INSTANCE_TYPE_SHAPE: { readonly [C in ManagedCloud]: { re: RegExp; example: string } } = {
    aws: { re: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, example: "an EC2 instance type such as t4g.small" },
    digitalocean: { re: /^[a-z0-9]+(-[a-z0-9]+)+$/, example: "a droplet size slug such as s-1vcpu-2gb" },
};

const DB_CLASS_SHAPE: { readonly [C in ManagedCloud]: { re: RegExp; example: string } } = {
    aws: { re: /^db\.[a-z0-9-]+\.[a-z0-9]+$/, example: "an RDS instance class such as db.t4g.small" },
    digitalocean: { re: /^db-[a-z0-9]+(-[a-z0-9]+)+$/, example: "a database size slug such as db-s-1vcpu-2gb" },
};

/**
 * The project name as AWS resource names take it: it prefixes the load
 * balancer and target group names (`<project>-lb-alb-<7 random>`, at most
 * 32 characters, letters, digits and '-', never starting `internal-`) and
 * the ECR repository (lowercase).
 */
export const AWS_PROJECT_NAME = /^(?!internal(-|$))[a-z][a-z0-9-]{0,15}$/;

const CLOUD_NAMES: { readonly [C in ManagedCloud]: string } = { aws: "AWS", digitalocean: "DigitalOcean" };

const DIGITALOCEAN_SERVICE_NAMES = {
    droplets: "droplets",
    vpc: "VPC",
    loadBalancers: "load balancers",
    databases: "managed databases",
    spaces: "Spaces",
} as const;

/** Keys that configure managed services, which a single Docker host does not have. */
const MANAGED_ONLY_KEYS = [
    "vpcCidr",
    "minInstances",
    "maxInstances",
    "dbInstanceClass",
    "dbStorageGb",
    "dbHighAvailability",
    "egress",
    "cloudflareZoneId",
    "cloudflareProxied",
    "lbIngressCidrs",
    "alertEmail",
] as const;
/** Keys only the AWS platform reads. */
const AWS_ONLY_KEYS = ["availabilityZones", "amiName", "edge"] as const;
/** Keys of the `docker` cloud only. */
const DOCKER_ONLY_KEYS = [
    "dockerHost",
    "vps",
    "sshPublicKey",
    "appReplicas",
    "backupRepository",
    "backupAccessKeyId",
    "backupSecretAccessKey",
    "backupRetentionDays",
] as const;

/** What every rule reads: the raw keys, each key's value when it parsed on its own, and where problems go. */
interface RuleContext {
    readonly raw: Readonly<Record<string, string>>;
    /** The Pulumi project name. */
    readonly project: string;
    /** The value of a key that parsed on its own: cross-key rules run on those, so every problem shows at once. */
    readonly value: <K extends keyof RawConfig>(key: K) => RawConfig[K] | undefined;
    /** Reports a problem with a key's value, in the house format. */
    readonly say: (key: string, problem: string) => void;
    /** Reports a required key that is not set. */
    readonly missing: (key: keyof RawConfig, why: string) => void;
    /** Reports a problem line as it is. */
    readonly report: (line: string) => void;
    /** f18: the namespace a key was read from (`alicerce`, or the project's name); the project's for a key not set. */
    readonly ns: (key: string) => string;
    readonly cloud?: RawConfig["cloud"];
    readonly tier?: Tier;
    readonly preset?: TierPreset;
    readonly region?: string;
    /** The VPS's cloud (docker with `alicerce:vps`). */
    readonly vps?: VpsCloud;
    /** The cloud whose regions and sizes apply: the managed cloud itself, or the VPS's cloud for docker. */
    readonly sizedOn?: ManagedCloud;
}

/**
 * Loading: the `alicerce:` keys out of Pulumi's config map (keys of other
 * namespaces are ignored), parsed by the schema; every single-key problem
 * goes to `problems`.
 */
function loadConfig(allConfig: Readonly<Record<string, string>>, project: string, problems: string[]) {
    const raw: Record<string, string> = {};
    // f18: the namespace each key was read from, so a problem names the key as the user wrote it (`acme-web:tier`).
    const from: Record<string, string> = {};
    // p-plan-tool: `pulumi config set tier prod` writes `<project>:tier`; a renamed project reads its own namespace,
    // and `alicerce:` keeps working (the project's own key wins when both are set).
    for (const namespace of projectNamespaces(project)) {
        for (const [key, value] of Object.entries(allConfig)) {
            if (key.startsWith(`${namespace}:`)) {
                raw[key.slice(namespace.length + 1)] = value;
                from[key.slice(namespace.length + 1)] = namespace;
            }
        }
    }
    // A key not set is named in the namespace `pulumi config set` writes: the project's.
    const ns = (key: string) => from[key] ?? projectNamespaces(project)[projectNamespaces(project).length - 1];
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, ns)));

    const value = <K extends keyof RawConfig>(key: K): RawConfig[K] | undefined => {
        const r = configSchema.shape[key].safeParse(raw[key]);
        return r.success ? (r.data as RawConfig[K]) : undefined;
    };
    const cloud = value("cloud");
    const tier = value("tier");
    const vps = cloud === "docker" ? value("vps") : undefined;
    const ctx: RuleContext = {
        raw,
        project,
        value,
        say: (key, problem) => problems.push(`${ns(key)}:${key}: ${shown(key, raw)} ${problem}`),
        missing: (key, why) => problems.push(`${ns(key)}:${key}: not set; it is required${why}: set ${REQUIRED_HINTS[key] ?? "a value"}`),
        ns,
        report: (line) => problems.push(line),
        cloud,
        tier,
        preset: tier ? TIER_PRESETS[tier] : undefined,
        region: value("region"),
        vps,
        sizedOn: cloud === "docker" ? vps : cloud,
    };
    return { ctx, parsed };
}

/** Rules of every cloud: the region and sizes of the cloud that sizes the stack, keys of another cloud, internet-wide ranges, what the tier requires. */
function commonRules(ctx: RuleContext): void {
    const { raw, value, say, missing, cloud, tier, preset, region, vps, sizedOn, report } = ctx;
    if (sizedOn && raw.region === undefined) missing("region", cloud === "docker" ? " with alicerce:vps" : "");
    const accepted = sizedOn ? (cloud === "docker" ? VPS_REGIONS : REGIONS)[sizedOn] : [];
    if (sizedOn && region && !accepted.includes(region)) {
        const offered = sizedOn === "digitalocean" ? DIGITALOCEAN_REGION_SERVICES[region] : undefined;
        const lacking = offered && DIGITALOCEAN_PLATFORM_SERVICES.filter((s) => !offered.includes(s));
        say(
            "region",
            lacking && lacking.length > 0
                ? `is a DigitalOcean region without ${lacking.map((s) => DIGITALOCEAN_SERVICE_NAMES[s]).join(", ")}, which this stack uses; use one of ${accepted.join(", ")}`
                : `is not a region of ${CLOUD_NAMES[sizedOn]}; use one of ${accepted.join(", ")}`,
        );
    }
    if (cloud === "docker" && !vps && raw.region !== undefined) {
        say("region", "has no meaning for a Docker host you bring; remove it, or set alicerce:vps to create the host in that region");
    }
    for (const [key, shapes] of [
        ["instanceType", INSTANCE_TYPE_SHAPE],
        ["dbInstanceClass", DB_CLASS_SHAPE],
    ] as const) {
        const given = value(key);
        if (sizedOn && given !== undefined && !shapes[sizedOn].re.test(given)) say(key, `is not valid on ${sizedOn}; use ${shapes[sizedOn].example}`);
    }

    if (cloud !== undefined && cloud !== "aws") {
        for (const key of AWS_ONLY_KEYS) {
            if (raw[key] !== undefined) say(key, `is only used on aws; remove it from this ${cloud} stack`);
        }
    }
    for (const cidr of value("lbIngressCidrs") ?? []) {
        try {
            parseCidr(cidr);
            if (isInternetRange(cidr))
                say("lbIngressCidrs", `includes ${cidr}, which is everyone (${INTERNET_MEANING}); remove the key to admit everyone, or list narrower ranges`);
        } catch (err) {
            say("lbIngressCidrs", `includes ${cidr}, which is not a valid network (${(err as Error).message}); use e.g. 203.0.113.0/24`);
        }
    }
    for (const cidr of value("adminCidrs") ?? []) {
        try {
            parseCidr(cidr);
            if (isInternetRange(cidr))
                say(
                    "adminCidrs",
                    `opens SSH${cloud === "docker" ? " (the Docker API)" : ""} to the whole internet with ${cidr} (${INTERNET_MEANING}); list your office or VPN ranges`,
                );
        } catch (err) {
            say("adminCidrs", `holds ${cidr}, which is not a valid network (${(err as Error).message}); use e.g. 203.0.113.0/24`);
        }
    }

    if (preset?.requiresDomain) {
        // A Docker host has no alerting to send to alertEmail, so only its domain (HTTPS) is required.
        for (const key of cloud === "docker" ? (["domain"] as const) : (["domain", "alertEmail"] as const)) {
            if (raw[key] === undefined) {
                report(
                    `${NAMESPACE}:${key}: not set; the ${tier} tier serves HTTPS and pages someone, so it needs ${key === "domain" ? "a domain (e.g. app.example.com)" : "an alert email"}`,
                );
            }
        }
    }
}

// --- restore and second region ---
/** The moment restore times are checked against; tests set it. */
export const clock = { now: (): Date => new Date() };

/**
 * Rules of `alicerce:restoreFrom`, `alicerce:useRestoredDatabase` and
 * `alicerce:secondRegion` (stacks/restore.ts): the source's form for the
 * cloud, a point in time inside the window, never a switch to a database that
 * does not exist (nor the removal of the one the app uses), a second region
 * that is another region of the same cloud.
 */
function restoreRules(ctx: RuleContext): void {
    const { raw, value, say, cloud, preset, region } = ctx;
    const from = value("restoreFrom");
    if (from !== undefined && cloud !== undefined) {
        for (const p of restoreProblems(from, cloud, restoreWindowDays(cloud, preset), clock.now())) say("restoreFrom", p);
    }
    if (value("useRestoredDatabase") === true && raw.restoreFrom === undefined) {
        say(
            "useRestoredDatabase",
            "switches the app to a restored database, but alicerce:restoreFrom is not set: there is none, and if the app used one, removing the source would delete it; set alicerce:useRestoredDatabase false first (the app goes back to the stack's own database), or set alicerce:restoreFrom back",
        );
    }
    if (raw.secondRegion !== undefined && cloud === "docker")
        say("secondRegion", "applies to aws and digitalocean; on a single host set alicerce:backupRepository to a bucket in another region");
    const second = value("secondRegion");
    if (second !== undefined && (cloud === "aws" || cloud === "digitalocean")) {
        const accepted = cloud === "aws" ? REGIONS.aws : digitalOceanRegionsWith(["spaces"]);
        for (const p of secondRegionProblems(second, region, accepted, CLOUD_NAMES[cloud])) say("secondRegion", p);
    }
}
/** The point-in-time window restore times are checked against: RDS backup retention; DigitalOcean's 7 days. */
function restoreWindowDays(cloud: Cloud, preset: TierPreset | undefined): number {
    return cloud === "aws" ? (preset?.database.backupRetentionDays ?? 0) : DIGITALOCEAN_PITR_DAYS;
}
// --- end restore and second region ---
/** Where `alicerce:appPath` is resolved from (the directory holding Pulumi.yaml, where the CLI runs the program). */
export const PROJECT_DIR = nodePath.join(__dirname, "..");

/**
 * Rules of the team's own app: names of settings and secrets (POSIX, no
 * collision with a platform variable or with each other), values an env
 * file can hold, an image to run a release command in, the build directory.
 */
function appRules(ctx: RuleContext): void {
    const { raw, value, say } = ctx;
    const env = value("appEnv") ?? {};
    const secrets = value("appSecrets") ?? {};
    for (const [key, map] of [
        ["appEnv", env],
        ["appSecrets", secrets],
    ] as const) {
        for (const [name, v] of Object.entries(map)) {
            if (!APP_ENV_NAME.test(name))
                say(
                    key,
                    `has ${JSON.stringify(name)}, not a portable environment variable name; use uppercase letters, digits and '_', not starting with a digit (e.g. JWT_SECRET)`,
                );
            const platform = PLATFORM_VARIABLES[name];
            if (platform !== undefined) say(key, `has ${name}, which the platform sets itself (${name}: ${platform}); rename yours (e.g. APP_${name})`);
            // Docker's --env-file and the secrets document take one line per variable.
            if (/[\n\r\0]/.test(v))
                say(key, `has ${name} with a line break or NUL in its value; put one line per variable (encode multi-line values, e.g. base64)`);
            if (key === "appSecrets" && v === "")
                say(key, `has ${name} empty; set it with pulumi config set --secret --path alicerce:appSecrets.${name} <value>`);
        }
    }
    for (const name of Object.keys(env)) {
        if (name in secrets) say("appEnv", `has ${name}, which alicerce:appSecrets also sets; keep it in one of them`);
    }
    const appPath = value("appPath");
    const outside = appPath !== undefined && (nodePath.isAbsolute(appPath) || nodePath.normalize(appPath).startsWith(".."));
    // The image's inputs must not depend on where the checkout is (components/aws/registry.ts projectRelative).
    if (outside) say("appPath", "is outside the project; put your app's directory inside it (a subdirectory or a git submodule, e.g. apps/api)");
    else if (appPath !== undefined && !fs.existsSync(nodePath.join(PROJECT_DIR, appPath, "Dockerfile"))) {
        say(
            "appPath",
            `has no Dockerfile (looked for ${nodePath.join(appPath, "Dockerfile")} under the project); point it at the directory your docker-compose file's build: names`,
        );
    }
    if (raw.appReleaseCommand !== undefined && raw.image === undefined && raw.appPath === undefined) {
        say(
            "appReleaseCommand",
            "is set, but no image contains it: app-image/ has no release step; set alicerce:appPath (your app's directory) or alicerce:image (your app's image by digest)",
        );
    }
    // The workers run the app's image with app-image/'s worker command unless told otherwise: the team's image has no dist/worker.js.
    const { cloud, preset } = ctx;
    const workers =
        cloud === "aws"
            ? preset?.awsWorkers.instanceType != null
            : cloud === "digitalocean"
              ? preset?.workers.digitalocean != null
              : cloud === "docker" && (value("workersReplicas") ?? preset?.workers.docker.replicas ?? 0) > 0;
    if (raw.appPath !== undefined && raw.workersCommand === undefined && workers) {
        say(
            "appPath",
            `builds your own app, and the ${ctx.tier} tier runs queue workers from its image with app-image/'s worker command (node dist/worker.js); set alicerce:workersCommand to your worker's command (e.g. '["node","worker.js"]')${cloud === "docker" ? ", or alicerce:workersReplicas 0" : ""}`,
        );
    }
    if (raw.imageArchitecture !== undefined && raw.image === undefined) {
        say("imageArchitecture", "describes alicerce:image, which is not set (a built image always matches the instance type); remove it");
    }
}

/** The config namespaces the program reads, weakest first: `alicerce`, then the project's own name (`Pulumi.yaml` `name`). */
export function projectNamespaces(project: string): string[] {
    return project && project !== NAMESPACE ? [NAMESPACE, project] : [NAMESPACE];
}

/**
 * p-plan-tool: the providers' own config namespaces. The program creates
 * explicit providers, which do not read them (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration):
 * `aws:profile` and `digitalocean:token` are passed to them
 * ({@link readProviderSecrets}); `aws:region` must agree with the region the
 * stack deploys to, or it is refused.
 */
function providerConfigRules(allConfig: Readonly<Record<string, string>>, ctx: { cloud?: Cloud; raw: Record<string, string> }, problems: string[]): void {
    const awsRegion = allConfig["aws:region"];
    const usesAws = ctx.cloud === "aws" || (ctx.cloud === "docker" && ctx.raw.vps === "aws");
    if (awsRegion !== undefined && usesAws && awsRegion !== ctx.raw.region) {
        problems.push(
            `aws:region: ${JSON.stringify(awsRegion)} is not the stack's region (${NAMESPACE}:region ${ctx.raw.region === undefined ? "is not set" : JSON.stringify(ctx.raw.region)}); use ${NAMESPACE}:region (the program's provider deploys there) and remove aws:region, or set both to the same region`,
        );
    }
    if (awsRegion !== undefined && !usesAws) {
        problems.push(`aws:region: ${JSON.stringify(awsRegion)} is set but this stack creates nothing on AWS; use ${NAMESPACE}:region, and remove aws:region`);
    }
    // f18: every other key of these namespaces would be silently ignored by the explicit providers: refused (values never shown).
    for (const key of Object.keys(allConfig).sort()) {
        const [namespace, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
        const passed = PROVIDER_KEYS_PASSED[namespace];
        if (passed === undefined || passed.includes(name)) continue;
        const hint = PROVIDER_KEY_HINTS[key] ?? PROVIDER_NAMESPACE_HINTS[namespace];
        problems.push(
            `${key}: is set, but the program's explicit ${namespace} provider does not read it (it passes only ${passed.map((k) => `${namespace}:${k}`).join(", ")}); ${hint}`,
        );
    }
}

/** f18: the provider config keys the program passes to its explicit providers ({@link readProviderSecrets}, aws:region checked above). */
const PROVIDER_KEYS_PASSED: Readonly<Record<string, readonly string[]>> = {
    aws: ["region", "profile"],
    digitalocean: ["token"],
    cloudflare: ["apiToken"],
};

/**
 * f18: what to use instead of a provider key the program does not pass through: the provider's own environment
 * variables, which an explicit provider still reads (terraform-provider-aws via aws-sdk-go-base: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html;
 * terraform-provider-digitalocean digitalocean/provider.go and pulumi-digitalocean provider/resources.go: DIGITALOCEAN_API_URL, SPACES_ACCESS_KEY_ID,
 * SPACES_SECRET_ACCESS_KEY, SPACES_ENDPOINT_URL), or a profile for roles.
 */
const PROVIDER_KEY_HINTS: Readonly<Record<string, string>> = {
    "aws:accessKey": "use the AWS_ACCESS_KEY_ID environment variable, or a profile in ~/.aws/credentials named by aws:profile, and remove aws:accessKey",
    "aws:secretKey": "use the AWS_SECRET_ACCESS_KEY environment variable, or a profile in ~/.aws/credentials named by aws:profile, and remove aws:secretKey",
    "aws:token": "use the AWS_SESSION_TOKEN environment variable, or a profile named by aws:profile, and remove aws:token",
    "aws:assumeRole": "use a profile with role_arn (and source_profile) in ~/.aws/config named by aws:profile, and remove aws:assumeRole",
    "aws:assumeRoles": "use a profile with role_arn (and source_profile) in ~/.aws/config named by aws:profile, and remove aws:assumeRoles",
    "aws:assumeRoleWithWebIdentity":
        "use AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (as CI's OIDC login sets them), and remove aws:assumeRoleWithWebIdentity",
    "aws:allowedAccountIds":
        "check the account with `aws sts get-caller-identity` before `pulumi up` (the provider does not check it), and remove aws:allowedAccountIds",
    "aws:forbiddenAccountIds":
        "check the account with `aws sts get-caller-identity` before `pulumi up` (the provider does not check it), and remove aws:forbiddenAccountIds",
    "aws:sharedCredentialsFiles": "use the AWS_SHARED_CREDENTIALS_FILE environment variable, and remove aws:sharedCredentialsFiles",
    "aws:sharedConfigFiles": "use the AWS_CONFIG_FILE environment variable, and remove aws:sharedConfigFiles",
    "aws:defaultTags": `every resource is already tagged from ${NAMESPACE}:owner and ${NAMESPACE}:costCenter; remove aws:defaultTags`,
    "digitalocean:spacesAccessId": "use the SPACES_ACCESS_KEY_ID environment variable, and remove digitalocean:spacesAccessId",
    "digitalocean:spacesSecretKey": "use the SPACES_SECRET_ACCESS_KEY environment variable, and remove digitalocean:spacesSecretKey",
    "digitalocean:spacesEndpoint": "use the SPACES_ENDPOINT_URL environment variable, and remove digitalocean:spacesEndpoint",
    "digitalocean:apiEndpoint": "use the DIGITALOCEAN_API_URL environment variable, and remove digitalocean:apiEndpoint",
};

/** f18: the hint for any other key of a provider namespace. */
const PROVIDER_NAMESPACE_HINTS: Readonly<Record<string, string>> = {
    aws: "use the AWS SDK's environment variables (AWS_*) or a profile named by aws:profile, and remove it",
    digitalocean: "use the provider's environment variables (DIGITALOCEAN_*, SPACES_*), and remove it",
    cloudflare: "use cloudflare:apiToken (an API token), and remove it",
};

/** Rules of the managed clouds (also run while `alicerce:cloud` itself is invalid, so its other problems still show). */
function managedRules(ctx: RuleContext): void {
    const { raw, value, say, cloud, preset } = ctx;
    if (cloud) {
        for (const key of DOCKER_ONLY_KEYS) {
            if (raw[key] !== undefined) say(key, "applies only when alicerce:cloud is docker; remove it");
        }
    }
    if (cloud !== "docker" && raw.cloudflareProxied !== undefined && raw.cloudflareZoneId === undefined) {
        say("cloudflareProxied", "is set but alicerce:cloudflareZoneId is not; set the zone id, or remove the key");
    }
    const min = value("minInstances") ?? preset?.compute.minInstances;
    const max = value("maxInstances") ?? preset?.compute.maxInstances;
    if (cloud !== "docker" && min !== undefined && max !== undefined && min > max) {
        const key = raw.minInstances !== undefined ? "minInstances" : "maxInstances";
        say(key, `gives minInstances ${min} above maxInstances ${max}; make minInstances at most maxInstances`);
    }
    const vpcCidr = value("vpcCidr");
    if (vpcCidr !== undefined && cloud !== "docker") {
        try {
            if (!isPrivateCidr(parseCidr(vpcCidr))) say("vpcCidr", "is not inside a private range (10/8, 172.16/12, 192.168/16); use e.g. 10.20.0.0/16");
        } catch (err) {
            say("vpcCidr", `is not a valid network (${(err as Error).message}); use e.g. 10.20.0.0/16`);
        }
    }
    if (cloud !== "docker" && raw.cloudflareZoneId !== undefined && raw.domain === undefined) {
        say("cloudflareZoneId", "is set but alicerce:domain is not; set the domain the zone serves, or remove the zone id");
    }
}

/** Rules of the `aws` cloud. */
function awsRules(ctx: RuleContext): void {
    const { raw, value, say, tier, preset, region, project, report } = ctx;
    for (const key of DIGITALOCEAN_ONLY_KEYS) {
        if (raw[key] !== undefined) say(key, "is only used on digitalocean; remove it from this aws stack");
    }
    const image = value("image");
    if (image !== undefined && !image.includes("@sha256:")) {
        say("image", "is not pinned by digest; instances run an exact image, so use registry/repository@sha256:<digest>");
    }
    if (!AWS_PROJECT_NAME.test(project)) {
        report(
            `Pulumi.yaml name: ${JSON.stringify(project)} does not fit AWS resource names; use 1-16 lowercase letters, digits or '-', starting with a letter, not "internal" (it prefixes load balancer names, which AWS limits to 32 characters)`,
        );
    }
    const zones = value("availabilityZones");
    const needed = preset?.network.azCount;
    if (zones !== undefined) {
        const foreign = zones.filter((z) => region !== undefined && !new RegExp(`^${region}[a-z]$`).test(z));
        if (region !== undefined && foreign.length > 0) {
            say(
                "availabilityZones",
                `lists ${foreign.join(", ")}, not a zone of ${region}; use names such as ${region}a, ${region}b (\`aws ec2 describe-availability-zones --region ${region}\`)`,
            );
        }
        const repeated = zones.filter((z, i) => zones.indexOf(z) !== i);
        if (repeated.length > 0) say("availabilityZones", `lists ${[...new Set(repeated)].join(", ")} more than once; list each zone once`);
        if (needed !== undefined && zones.length < needed) {
            say(
                "availabilityZones",
                `lists ${zones.length} zone(s); the ${tier} tier uses ${needed}: append ${needed - zones.length} more at the end (the order ties each subnet to its zone, so never reorder or remove one)`,
            );
        }
        if (zones.length > MAX_AZS) say("availabilityZones", `lists ${zones.length} zones; the VPC layout has room for ${MAX_AZS}`);
    }
    edgeRules(ctx);
}

/**
 * q-budget-aws: the instance edge (no load balancer) serves plain HTTP from one instance holding the stack's
 * Elastic IP, so it takes no domain (HTTPS comes from the load balancer's ACM certificate), exactly one instance
 * (an address points at one instance), and public subnets (an Elastic IP on an instance whose subnet routes out
 * through a NAT answers from the NAT's address, so replies never reach the client).
 */
function edgeRules(ctx: RuleContext): void {
    const { value, say, preset } = ctx;
    const explicit = value("edge");
    const domain = value("domain");
    if (explicit === "instance" && domain !== undefined) {
        say(
            "edge",
            `serves plain HTTP only, and alicerce:domain ${domain} needs HTTPS: use load-balancer (the ALB with an ACM certificate, about $24 a month more) or remove alicerce:domain`,
        );
    }
    if ((explicit ?? preset?.edge) !== "instance" || domain !== undefined) return;
    const min = value("minInstances") ?? preset?.compute.minInstances;
    const max = value("maxInstances") ?? preset?.compute.maxInstances;
    const by = explicit !== undefined ? "alicerce:edge instance" : `the ${ctx.tier} tier's instance edge`;
    // A value the stack sets is that key's problem; one the tier gives is the edge's (the user did not write it).
    const problem = (key: "minInstances" | "maxInstances" | "egress", text: string) =>
        value(key) !== undefined
            ? say(key, `${key === "egress" ? "is not public-subnets" : "is not 1"}; ${text}`)
            : say("edge", `cannot take the ${ctx.tier} tier's ${key} (${preset?.[key === "egress" ? "network" : "compute"][key as never]}): ${text}`);
    for (const [key, n] of [
        ["minInstances", min],
        ["maxInstances", max],
    ] as const) {
        // min above max is its own problem (commonRules); one line is enough.
        if (n !== undefined && n !== 1 && !(min !== undefined && max !== undefined && min > max))
            problem(key, `${by} holds one Elastic IP on one instance: set alicerce:${key} 1, or alicerce:edge load-balancer to run more behind the ALB`);
    }
    const egress = value("egress") ?? preset?.network.egress;
    if (egress !== undefined && egress !== "public-subnets")
        problem(
            "egress",
            `${by} answers from its Elastic IP, which needs the instance in a public subnet: use alicerce:egress public-subnets, or alicerce:edge load-balancer`,
        );
}

/** Rules of the `digitalocean` cloud. */
function digitalOceanRules(ctx: RuleContext): void {
    const { raw, value, say, report } = ctx;
    if (raw.egress !== undefined) say("egress", "is only used on aws (DigitalOcean droplets reach the internet directly); remove it");
    if (raw.lbIngressCidrs !== undefined) {
        say("lbIngressCidrs", "is only used on aws (the load balancer's security group); remove it from this digitalocean stack");
    }
    if (raw.dbStorageGb !== undefined) {
        say(
            "dbStorageGb",
            "is not used on digitalocean: each plan includes its disk and storage autoscaling grows it; pick a larger alicerce:dbInstanceClass for more",
        );
    }
    if (raw.sshKeyFingerprints === undefined) {
        report(
            `${NAMESPACE}:sshKeyFingerprints: not set; DigitalOcean autoscale pools require at least one SSH key (port 22 stays closed unless alicerce:adminCidrs is set): import one with \`doctl compute ssh-key import\` and list its fingerprint`,
        );
    } else if (value("sshKeyFingerprints")?.length === 0) {
        say("sshKeyFingerprints", "is empty; DigitalOcean autoscale pools require at least one SSH key fingerprint");
    }
    // DigitalOcean allows one registry per account (https://docs.digitalocean.com/products/container-registry/details/limits/):
    // every stack names it, exactly one creates it.
    if (raw.image === undefined && raw.registryName === undefined) {
        report(
            `${NAMESPACE}:registryName: not set; the image is built and pushed to the account's one container registry: name it here (lowercase, unique across DigitalOcean), and set alicerce:createRegistry true on the one stack that creates it`,
        );
    }
    if (value("createRegistry") === true && raw.image !== undefined) {
        say("createRegistry", "is set with alicerce:image, which builds and pushes nothing; create the registry from a stack that builds, or remove the key");
    }
    if (raw.cloudflareZoneId !== undefined && raw.domain !== undefined && raw.certificateName === undefined) {
        report(
            `${NAMESPACE}:certificateName: not set; with alicerce:cloudflareZoneId the domain's DNS is at Cloudflare, so DigitalOcean cannot issue Let's Encrypt: upload a Cloudflare origin certificate and name it here`,
        );
    }
    const range = value("vpcCidr");
    if (range !== undefined) {
        try {
            if (cidrOverlaps(parseCidr(range), parseCidr(DOCKER_BRIDGE_CIDR))) {
                say("vpcCidr", `overlaps Docker's bridge network ${DOCKER_BRIDGE_CIDR} on the droplets; use a range in 10.0.0.0/8, e.g. 10.20.0.0/16`);
            }
        } catch {
            // Already reported as an invalid network.
        }
    }
}

/** Rules of the `docker` cloud (one host). */
function dockerRules(ctx: RuleContext): void {
    const { raw, say, missing, vps } = ctx;
    for (const key of MANAGED_ONLY_KEYS) {
        if (raw[key] !== undefined) say(key, "does not apply to cloud docker (one host, no managed services); remove it");
    }
    if (!vps && raw.instanceType !== undefined) say("instanceType", "sizes a host alicerce creates; set alicerce:vps, or remove it");
    if (raw.backupRepository !== undefined) {
        for (const key of ["backupAccessKeyId", "backupSecretAccessKey"] as const) {
            if (raw[key] === undefined) missing(key, " with alicerce:backupRepository");
        }
    } else {
        for (const key of ["backupAccessKeyId", "backupSecretAccessKey"] as const) {
            if (raw[key] !== undefined) say(key, "is only used with alicerce:backupRepository (an off-host bucket); set the repository, or remove the key");
        }
    }
    for (const key of DIGITALOCEAN_ONLY_KEYS) {
        if (key !== "adminCidrs" && raw[key] !== undefined) say(key, "is only used on digitalocean; remove it from this docker stack");
    }
    if (vps) {
        if (raw.dockerHost !== undefined) say("dockerHost", "is set with alicerce:vps, which creates the host and connects to it; remove one");
        if (raw.sshPublicKey === undefined) missing("sshPublicKey", " with alicerce:vps");
        if (raw.adminCidrs === undefined) missing("adminCidrs", " with alicerce:vps (SSH is the Docker API: no default range)");
    } else {
        for (const key of ["sshPublicKey", "adminCidrs"] as const) {
            if (raw[key] !== undefined) say(key, "only applies to a host alicerce creates; set alicerce:vps, or remove it");
        }
    }
}

/** What a platform's own config rules see: the raw keys, the keys that parsed, the tier's preset. */
export interface ConfigView {
    readonly project: string;
    /** Every `alicerce:` key as given, without the namespace. */
    readonly raw: Readonly<Record<string, string>>;
    /** A key's value if it parsed, else undefined (its own problem is already reported). */
    readonly value: <K extends keyof RawConfig>(key: K) => RawConfig[K] | undefined;
    readonly tier?: Tier;
    readonly preset?: TierPreset;
    /** One problem line in the house format: `alicerce:<key>: "<value>" <text>`. */
    readonly problem: (key: string, text: string) => string;
}

/** A platform's own config rules (platforms/<cloud>): one line per problem, none when the config suits it. */
export type CloudRules = (view: ConfigView) => string[];

/**
 * Validates the stack's config and applies the tier's defaults, in three
 * steps: loading ({@link loadConfig}), the rules (of every cloud, then the
 * stack's cloud's), and resolving ({@link resolveSettings}). Pure: takes
 * Pulumi's config map (`alicerce:tier` -> `"prod"`; keys of other
 * namespaces are ignored) and throws one {@link ConfigError} listing every
 * problem, those of the chosen cloud's own `rules` (its platform's
 * `validate`, platforms/<cloud>) included.
 */
export function loadSettings(
    allConfig: Readonly<Record<string, string>>,
    project: string,
    stack: string,
    rules: Partial<Record<Cloud, CloudRules>> = {},
): Settings {
    const problems: string[] = [];
    const { ctx, parsed } = loadConfig(allConfig, project, problems);
    commonRules(ctx);
    restoreRules(ctx);
    appRules(ctx);
    if (ctx.cloud === "docker") dockerRules(ctx);
    else managedRules(ctx);
    if (ctx.cloud === "aws") awsRules(ctx);
    if (ctx.cloud === "aws") awsQueueRules(ctx); // p-aws-workers
    if (ctx.cloud === "digitalocean") digitalOceanRules(ctx);
    workerRules(ctx); // p-do-docker-workers
    hostRules(ctx, allConfig);
    const platformRules = ctx.cloud ? rules[ctx.cloud] : undefined;
    if (platformRules) {
        problems.push(
            ...platformRules({
                project,
                raw: ctx.raw,
                value: ctx.value,
                tier: ctx.tier,
                preset: ctx.preset,
                problem: (key, text) => `${ctx.ns(key)}:${key}: ${shown(key, ctx.raw)} ${text}`,
            }),
        );
    }

    providerConfigRules(allConfig, ctx, problems);
    if (problems.length > 0 || !parsed.success || !ctx.cloud || !ctx.tier || !ctx.preset) throw new ConfigError(problems);
    return resolveSettings(parsed.data, ctx.cloud, ctx.tier, ctx.preset, ctx.vps, project, stack);
}

// --- host names and the static frontend (p-app-hosts) ---
/** Where relative paths in config (alicerce:frontendPath) are resolved: the Pulumi project directory. */
function projectDir(): string {
    return process.cwd();
}

/**
 * Names, routes and the frontend: every name inside alicerce:dnsZone, every
 * route naming a served host and a service, a frontend directory that exists
 * with an index.html, and a wildcard only where something can answer DNS-01
 * (Let's Encrypt issues wildcards only through DNS-01: https://letsencrypt.org/docs/challenge-types/).
 */
function hostRules(ctx: RuleContext, allConfig: Readonly<Record<string, string>>): void {
    const { raw, value, say, cloud } = ctx;
    const { plan, problems } = planHosts({
        domain: value("domain"),
        hosts: value("hosts"),
        wildcard: value("wildcardHost"),
        routes: value("hostRoutes"),
        zone: value("dnsZone"),
    });
    for (const p of problems) say(p.key, p.text);
    // One certificate covers every name: ACM takes 10 names per certificate by default (a quota raised on request,
    // https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html); Let's Encrypt takes 100
    // (https://letsencrypt.org/docs/rate-limits/: names per certificate).
    const maxNames = cloud === "aws" ? 10 : 100;
    if (plan.names.length > maxNames) {
        say(
            raw.hosts !== undefined ? "hosts" : "domain",
            `gives ${plan.names.length} host names (alicerce:domain, alicerce:hosts and alicerce:wildcardHost together), more than the ${maxNames} one ${cloud === "aws" ? "ACM" : "Let's Encrypt"} certificate takes; use a wildcard (alicerce:wildcardHost) for tenant names${cloud === "aws" ? ", or have AWS raise the ACM quota first" : ""}`,
        );
    }
    const frontendHosts = hostsOf(plan, "frontend");
    const dir = value("frontendPath");
    if (frontendHosts.length > 0 && raw.frontendPath === undefined)
        say(
            "hostRoutes",
            `sends ${frontendHosts.join(", ")} to the frontend but alicerce:frontendPath is not set; set the built SPA's directory, e.g. frontend/dist`,
        );
    if (dir !== undefined) {
        const abs = nodePath.resolve(projectDir(), dir);
        if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory())
            say("frontendPath", `is not a directory (looked for ${abs}); build the frontend first, or fix the path`);
        else if (!fs.existsSync(nodePath.join(abs, "index.html")))
            say("frontendPath", `has no index.html (the SPA fallback serves it for every unknown path); point at the build output, e.g. frontend/dist`);
        if (frontendHosts.length === 0)
            say(
                "frontendPath",
                `is set but no name is routed to the frontend; add e.g. alicerce:hostRoutes {"${value("domain") ?? "example.com"}":"frontend"}`,
            );
    }
    // q-frontend: DigitalOcean serves the frontend from Spaces + the Spaces CDN through the droplets' host-routing proxy
    // (components/digitalocean/frontend.ts explains why Spaces alone cannot give the SPA fallback).
    const acmeDns = value("acmeDns");
    if (cloud !== undefined && cloud !== "docker" && raw.acmeDns !== undefined)
        say("acmeDns", "is only used on docker (Caddy's DNS-01); remove it from this stack");
    if (cloud === "docker") {
        if (raw.wildcardHost !== undefined && raw.acmeDns === undefined) {
            say(
                "wildcardHost",
                "needs a DNS provider that answers ACME DNS-01 (a wildcard cannot be validated over HTTP); set alicerce:acmeDns cloudflare and the token with pulumi config set --secret cloudflare:apiToken",
            );
        }
        if (acmeDns === "cloudflare" && allConfig["cloudflare:apiToken"] === undefined) {
            say("acmeDns", "needs a Cloudflare API token with Zone.DNS edit on the zone; set it with pulumi config set --secret cloudflare:apiToken");
        }
    }
}

/** Resolving: a valid config over its tier's preset, with the warnings a reviewer should see. */
function resolveSettings(cfg: RawConfig, cloud: Cloud, tier: Tier, preset: TierPreset, vps: VpsCloud | undefined, project: string, stack: string): Settings {
    const warnings: string[] = [];
    const common = {
        project,
        stack,
        tier,
        owner: cfg.owner,
        costCenter: cfg.costCenter,
        budgetUsd: cfg.budgetUsd,
        alertEmail: cfg.alertEmail,
        domain: cfg.domain,
        image: cfg.image,
        logRetentionDays: preset.logRetentionDays,
        protectData: preset.protectData,
        tags: standardTags({ project, stack, owner: cfg.owner, costCenter: cfg.costCenter }),
        warnings,
        ...(cfg.restoreFrom ? { restore: resolveRestore(cfg.restoreFrom, cfg.useRestoredDatabase ?? false) } : {}),
        app: {
            port: cfg.appPort ?? DEFAULT_APP_SHAPE.port,
            healthPath: cfg.appHealthPath ?? DEFAULT_APP_SHAPE.healthPath,
            ...(cfg.appCommand !== undefined ? { command: cfg.appCommand } : {}),
            ...(cfg.appReleaseCommand !== undefined ? { releaseCommand: cfg.appReleaseCommand } : {}),
            ...(cfg.workersCommand !== undefined ? { workerCommand: cfg.workersCommand } : {}),
            env: cfg.appEnv ?? {},
            // Names only: the values stay Pulumi secrets (readProviderSecrets).
            secretNames: Object.keys(cfg.appSecrets ?? {}).sort(),
            // A pinned image (a rollback: npm run release -- --rollback) wins over building the directory.
            ...(cfg.appPath !== undefined && cfg.image === undefined ? { buildContext: nodePath.normalize(cfg.appPath).split(nodePath.sep).join("/") } : {}),
        },
        hosts: planHosts({ domain: cfg.domain, hosts: cfg.hosts, wildcard: cfg.wildcardHost, routes: cfg.hostRoutes, zone: cfg.dnsZone }).plan,
        ...(cfg.frontendPath ? { frontendPath: nodePath.resolve(projectDir(), cfg.frontendPath) } : {}),
        ...(cfg.acmeDns ? { acmeDns: cfg.acmeDns } : {}),
    };

    // --- restore: a point in time older than the window warns (stacks/restore.ts restoreTimeWarning) ---
    const oldRestore = cfg.restoreFrom ? restoreTimeWarning(cfg.restoreFrom, cloud, restoreWindowDays(cloud, preset), clock.now()) : undefined;
    if (oldRestore) warnings.push(`alicerce:restoreFrom: "${cfg.restoreFrom}" ${oldRestore}`);
    // --- end restore ---
    if (cfg.appPath !== undefined && cfg.image !== undefined) {
        warnings.push(
            `alicerce:image ${cfg.image} is pinned, so alicerce:appPath ${cfg.appPath} is not built (a rollback); \`pulumi config rm alicerce:image\` and \`pulumi up\` build it again`,
        );
    }
    if (cloud === "docker") {
        if (!cfg.domain)
            warnings.push(
                `no alicerce:domain: nginx serves plain HTTP only (allowed below prod; set a domain before real users arrive: Caddy then obtains its certificate on the next up)`,
            );
        else
            warnings.push(
                `alicerce:domain ${cfg.domain}: point its A record at the host (stack output hostAddress); Caddy obtains the certificate over ACME once the name resolves there, and HTTPS fails until then`,
            );
        const existing = vps ? undefined : (cfg.dockerHost ?? DEFAULT_DOCKER_HOST);
        if (existing?.startsWith("ssh://")) {
            warnings.push(
                `alicerce:dockerHost ${existing} is a host you manage: alicerce applies none of a created VPS's hardening there (ufw, fail2ban, unattended upgrades, key-only SSH, Docker log rotation); see docs/single-host.md`,
            );
        }
        if (!cfg.backupRepository) {
            warnings.push(
                `backups are kept in a restic repository on the same host: a lost host loses them too; set alicerce:backupRepository to an S3-compatible bucket (see docs/single-host.md)`,
            );
        }
        return {
            ...common,
            cloud,
            region: vps ? cfg.region : undefined,
            singleHost: {
                dockerHost: vps ? undefined : (cfg.dockerHost ?? DEFAULT_DOCKER_HOST),
                vps,
                hostSize: vps ? (cfg.instanceType ?? preset.singleHost.hostSize[vps]) : undefined,
                adminCidrs: cfg.adminCidrs ?? [],
                sshPublicKey: cfg.sshPublicKey,
                appReplicas: cfg.appReplicas ?? preset.singleHost.appReplicas,
                workerReplicas: cfg.workersReplicas ?? preset.workers.docker.replicas,
                workerLimit: preset.workers.docker.limit,
                containerLimits: preset.singleHost.containerLimits,
            },
            backups: {
                retentionDays: cfg.backupRetentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS,
                repository: cfg.backupRepository ? { url: cfg.backupRepository, accessKeyId: cfg.backupAccessKeyId! } : undefined,
            },
        };
    }

    const edge: EdgeMode = cloud === "aws" && !cfg.domain ? (cfg.edge ?? preset.edge) : "load-balancer";
    if (!cfg.domain)
        warnings.push(
            edge === "instance"
                ? `no alicerce:domain: the app instance serves plain HTTP only, on its Elastic IP (allowed below prod; set a domain before real users arrive: the load balancer then serves HTTPS, about $24 a month more)`
                : `no alicerce:domain: the load balancer serves plain HTTP only (allowed below prod; set a domain before real users arrive)`,
        );
    if (cloud === "aws" && cfg.domain && preset.edge === "instance")
        warnings.push(
            `alicerce:domain ${cfg.domain}: HTTPS comes from a load balancer with an ACM certificate, about $24 a month more than the ${tier} tier's instance edge (plain HTTP on an Elastic IP)`,
        );
    if (cloud === "aws" && cfg.domain && !cfg.cloudflareZoneId) {
        warnings.push(
            `alicerce:domain ${cfg.domain} has no alicerce:cloudflareZoneId: create the certificate's validation record and the app's DNS record at your DNS host (both are stack outputs); the first \`pulumi up\` waits until the certificate is issued`,
        );
    }
    if (cloud === "digitalocean" && cfg.domain && !cfg.cloudflareZoneId) {
        warnings.push(
            `alicerce:domain ${cfg.domain} has no alicerce:cloudflareZoneId: create an A record ${cfg.domain} -> the load balancer's address (stack output loadBalancerIp) in the domain's DigitalOcean DNS zone; Let's Encrypt validates through that zone, so the first \`pulumi up\` fails until the zone is hosted at DigitalOcean`,
        );
    }
    if (!cfg.alertEmail && preset.alarms) warnings.push(`no alicerce:alertEmail: alarms fire but notify nobody`);

    return {
        ...common,
        cloud,
        region: cfg.region!,
        cloudflareZoneId: cfg.cloudflareZoneId,
        cloudflareProxied: cfg.cloudflareProxied ?? cfg.cloudflareZoneId !== undefined,
        lbIngressCidrs: cfg.lbIngressCidrs,
        vpcCidr: cfg.vpcCidr ?? DEFAULT_VPC_CIDR,
        ...(cloud === "aws" && cfg.availabilityZones ? { availabilityZones: cfg.availabilityZones.slice(0, preset.network.azCount) } : {}),
        ...(cloud === "aws" && cfg.amiName ? { amiName: cfg.amiName } : {}),
        compute: {
            ...preset.compute,
            instanceType: cfg.instanceType ?? preset.compute.instanceType[cloud],
            minInstances: cfg.minInstances ?? preset.compute.minInstances,
            maxInstances: cfg.maxInstances ?? preset.compute.maxInstances,
        },
        database: {
            ...preset.database,
            instanceClass: cfg.dbInstanceClass ?? preset.database.instanceClass[cloud],
            highAvailability: cfg.dbHighAvailability ?? preset.database.highAvailability[cloud] ?? false,
            storageGb: cfg.dbStorageGb ?? preset.database.storageGb,
            maxStorageGb: Math.max(cfg.dbStorageGb ?? preset.database.storageGb, preset.database.maxStorageGb),
        },
        network: { ...preset.network, egress: cfg.egress ?? preset.network.egress },
        adminCidrs: cfg.adminCidrs ?? [],
        certificateName: cfg.certificateName,
        registryName: cfg.image === undefined ? cfg.registryName : undefined,
        createRegistry: cfg.image === undefined && (cfg.createRegistry ?? false),
        registryRegion: cloud === "digitalocean" ? NEAREST_REGISTRY_REGION[cfg.region!] : undefined,
        sshKeyFingerprints: cfg.sshKeyFingerprints ?? [],
        loadBalancerDeletionProtection: preset.loadBalancerDeletionProtection,
        waf: preset.waf,
        alarms: preset.alarms,
        auditTrail: preset.auditTrail,
        ...(cfg.secondRegion ? { secondRegion: cfg.secondRegion } : {}),
        // --- p-aws-workers ---
        ...(cloud === "aws" && preset.awsWorkers.instanceType !== null && preset.awsCache.nodeType !== null
            ? {
                  awsWorkers: {
                      ...preset.awsWorkers,
                      instanceType: cfg.workersInstanceType ?? preset.awsWorkers.instanceType,
                      minInstances: cfg.workersMin ?? preset.awsWorkers.minInstances,
                      maxInstances: cfg.workersMax ?? preset.awsWorkers.maxInstances,
                  },
                  awsCache: { ...preset.awsCache, nodeType: cfg.cacheNodeType ?? preset.awsCache.nodeType },
              }
            : {}),
        // --- end p-aws-workers ---
        // p-do-docker-workers
        ...(cloud === "digitalocean" ? droplerWorkerSettings(cfg, preset) : {}),
        // --- CDN (p-app-hosts) ---
        cdn: preset.cdn,
        // q-budget-aws
        loadBalancerIpv6Only: preset.loadBalancerIpv6Only,
        keepWafLogGroup: preset.keepWafLogGroup,
        dashboard: preset.dashboard,
        edge,
    };
}

/** A validated `alicerce:restoreFrom` as settings. */
function resolveRestore(text: string, active: boolean): RestoreSettings {
    const { kind, value } = parseRestoreFrom(text);
    return { kind, value, slug: restoreSlug(kind, value), active };
}

// ---- p-do-docker-workers: queue worker keys ----
/** The DigitalOcean workers and cache of a valid config (the rules below refuse workers keys on a tier without a queue). */
function droplerWorkerSettings(cfg: RawConfig, preset: TierPreset): Pick<StackSettings, "workers" | "cache"> {
    const workers = preset.workers.digitalocean;
    const cache = preset.cache.digitalocean;
    if (workers === null || cache === null) return {};
    return {
        workers: {
            instanceType: cfg.workersInstanceType ?? workers.instanceType,
            minInstances: cfg.workersMin ?? workers.minInstances,
            maxInstances: cfg.workersMax ?? workers.maxInstances,
            cpuTargetPercent: workers.cpuTargetPercent,
        },
        cache: { size: cache.size },
    };
}

/** Keys of the DigitalOcean worker pool. */
const DROPLET_WORKER_KEYS = ["workersInstanceType", "workersMin", "workersMax"] as const;

/** The workers keys: each on the cloud that reads it, only where the tier has a queue, min at most max. */
function workerRules(ctx: RuleContext): void {
    const { raw, value, say, cloud, preset, tier } = ctx;
    if (cloud !== "docker" && raw.workersReplicas !== undefined)
        say("workersReplicas", "applies only when alicerce:cloud is docker; use workersMin and workersMax on DigitalOcean");
    for (const key of DROPLET_WORKER_KEYS) {
        if (raw[key] === undefined) continue;
        if (cloud === "docker") say(key, "applies only when alicerce:cloud is digitalocean; use workersReplicas on a single host");
        else if (cloud === "aws")
            continue; // awsQueueRules
        else if (cloud === "digitalocean" && preset !== undefined && preset.workers.digitalocean === null) {
            say(key, `sets workers, but the ${tier} tier has no queue (Valkey) on DigitalOcean; use tier growth or prod, or remove the key`);
        }
    }
    if (cloud !== undefined && cloud !== "aws" && raw.cacheNodeType !== undefined) {
        say(
            "cacheNodeType",
            `applies only when alicerce:cloud is aws (ElastiCache); ${cloud === "digitalocean" ? "the DigitalOcean Valkey size comes from the tier" : "a single host runs its own Redis container"}; remove it`,
        );
    }
    const presetWorkers = cloud === "digitalocean" ? preset?.workers.digitalocean : undefined;
    const min = value("workersMin") ?? presetWorkers?.minInstances;
    const max = value("workersMax") ?? presetWorkers?.maxInstances;
    if (presetWorkers && min !== undefined && max !== undefined && min > max) {
        say(raw.workersMin !== undefined ? "workersMin" : "workersMax", `gives workersMin ${min} above workersMax ${max}; make workersMin at most workersMax`);
    }
}
// ---- end p-do-docker-workers ----

/** Credentials of providers other than the cloud's own, from their config namespaces (set with `pulumi config set --secret`). */
export interface ProviderSecrets {
    /** `cloudflare:apiToken`; an explicit Cloudflare provider does not read its config namespace itself. */
    readonly cloudflareApiToken?: pulumi.Output<string>;
    /** `alicerce:backupSecretAccessKey`: the off-host backup bucket's secret key (single host). */
    readonly backupSecretAccessKey?: pulumi.Output<string>;
    /** `alicerce:appSecrets`: the app's secret variables, name to value, as one secret Output (empty map when unset). */
    readonly appSecrets?: pulumi.Output<Record<string, string>>;
    /** `aws:profile`: the shared-credentials profile the explicit AWS provider uses. */
    readonly awsProfile?: string;
    /** `digitalocean:token`: the API token the explicit DigitalOcean provider uses (else `DIGITALOCEAN_TOKEN`). */
    readonly digitaloceanToken?: pulumi.Output<string>;
}

/** Reads {@link ProviderSecrets} from the stack's config, as secrets. Not pure: call it from the program only. */
export function readProviderSecrets(): ProviderSecrets {
    // f18: the explicit provider's `token` input wins over DIGITALOCEAN_TOKEN (terraform-provider-digitalocean
    // digitalocean/provider.go: the env var is only the default of `token`), so a token in the stack file also
    // overrides the read-only token CI exports for previews (docs/deploy-digitalocean.md).
    if (new pulumi.Config("digitalocean").get("token") !== undefined) {
        pulumi.log.warn(
            "digitalocean:token is set in the stack: it overrides DIGITALOCEAN_TOKEN, so CI's read-only preview token is not used; remove it from stacks that CI previews (pulumi config rm digitalocean:token)",
        );
    }
    return {
        cloudflareApiToken: new pulumi.Config("cloudflare").getSecret("apiToken"),
        backupSecretAccessKey:
            new pulumi.Config(pulumi.getProject()).getSecret("backupSecretAccessKey") ?? new pulumi.Config(NAMESPACE).getSecret("backupSecretAccessKey"),
        appSecrets:
            new pulumi.Config(pulumi.getProject()).getSecretObject<Record<string, string>>("appSecrets") ??
            new pulumi.Config(NAMESPACE).getSecretObject<Record<string, string>>("appSecrets") ??
            pulumi.secret<Record<string, string>>({}),
        awsProfile: new pulumi.Config("aws").get("profile"),
        digitaloceanToken: new pulumi.Config("digitalocean").getSecret("token"),
    };
}

/** One zod issue as message lines in the house format. */
function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, string>, ns: (key: string) => string = () => NAMESPACE): string[] {
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => {
            const near = closest(key, CONFIG_KEYS);
            return `${ns(key)}:${key}: ${JSON.stringify(raw[key])} is not a known key${near ? ` (did you mean ${ns(key)}:${near}?)` : ""}; known keys: ${CONFIG_KEYS.join(", ")}`;
        });
    }
    const key = String(issue.path[0] ?? "");
    if (raw[key] === undefined) {
        return [`${ns(key)}:${key}: not set; it is required: set ${REQUIRED_HINTS[key as keyof RawConfig] ?? "a value"}`];
    }
    return [`${ns(key)}:${key}: ${shown(key, raw)} ${issue.message}`];
}

/** A key's value as problems quote it; a secret key's value is never shown. */
function shown(key: string, raw: Record<string, string>): string {
    return SECRET_KEYS.has(key) ? "(secret)" : JSON.stringify(raw[key]);
}

/** The known key nearest to a typo, if any is within two edits. */
function closest(key: string, known: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, i) => i);
        for (let i = 1; i <= a.length; i++) {
            let prev = row[0];
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const cur = row[j];
                row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
                prev = cur;
            }
        }
        return row[b.length];
    };
    const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
    return best && best.d <= 2 ? best.k : undefined;
}
