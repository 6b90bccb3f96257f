/**
 * The tiers our users plan in, as typed data. A stack picks one with
 * `alicerce:tier`; moving a stack from one tier to the next is an in-place
 * upgrade, so nothing here may decide a name, an identifier or a CIDR.
 *
 * Sizes are starting points chosen for cost first (see README "Tiers"); every
 * compute and database size can be overridden per stack.
 */
import { TIERS, type Tier } from "../policies/lib/tiers";

/** The clouds a stack can target. `docker` is one Docker host (local, or a VPS over SSH) running the whole stack. */
export const CLOUDS = ["aws", "digitalocean", "docker"] as const;
/** A cloud a stack can target. */
export type Cloud = (typeof CLOUDS)[number];

/** The clouds with managed services (load balancer, managed PostgreSQL, object storage). */
export const MANAGED_CLOUDS = ["aws", "digitalocean"] as const;
/** A cloud with managed services. */
export type ManagedCloud = (typeof MANAGED_CLOUDS)[number];

/** Where a `docker` stack can create its host (`alicerce:vps`): the managed clouds, as one plain VM. */
export const VPS_CLOUDS = MANAGED_CLOUDS;
/** A cloud a `docker` stack can create its VPS on. */
export type VpsCloud = ManagedCloud;

/** The tiers, in upgrade order: defined once, with the policy pack that reads them back. */
export { TIERS, type Tier };

/**
 * A value given once per cloud (instance types and database classes differ).
 * `Docker` is the type of the `docker` entry: `null` where the value has no
 * meaning on a single Docker host (it has no instance type or database class
 * of its own; its VPS size is in {@link SingleHostPreset}).
 */
export type PerCloud<T, Docker = T> = { readonly [C in ManagedCloud]: T } & { readonly docker: Docker };

/** The egress modes, cheapest first. */
export const EGRESS_MODES = ["public-subnets", "nat-instance", "nat-single", "nat-per-az"] as const;
/** How private instances reach the internet (ECR, Secrets Manager, SSM, OS updates). */
export type Egress = (typeof EGRESS_MODES)[number];

/**
 * AWS: where traffic reaches the app. `load-balancer`: an ALB in front of the Auto Scaling group.
 * `instance`: no load balancer; the one app instance holds an Elastic IP it takes at boot once its app is healthy
 * (docs/aws-edge.md, "Instance edge"). Plain HTTP only: with `alicerce:domain` the edge is the load balancer.
 */
export const EDGE_MODES = ["load-balancer", "instance"] as const;
/** An edge of {@link EDGE_MODES}. */
export type EdgeMode = (typeof EDGE_MODES)[number];

/** App servers. */
export interface ComputePreset {
    /** EC2 instance type (AWS) or droplet size slug (DigitalOcean); none on a Docker host. */
    readonly instanceType: PerCloud<string, null>;
    /** Fewest instances running. */
    readonly minInstances: number;
    /** Most instances the autoscaler may run. */
    readonly maxInstances: number;
    /** Average CPU the autoscaler steers towards, in percent. */
    readonly cpuTargetPercent: number;
}

/** The PostgreSQL primary and its copies. */
export interface DatabasePreset {
    /** RDS instance class (AWS) or managed database size slug (DigitalOcean); none on a Docker host (a container). */
    readonly instanceClass: PerCloud<string, null>;
    /** Allocated storage in GB (AWS gp3 starts at 20 GB). */
    readonly storageGb: number;
    /** Storage autoscaling ceiling in GB; equal to `storageGb` turns autoscaling off. */
    readonly maxStorageGb: number;
    /**
     * A synchronous standby in another AZ (RDS Multi-AZ, DO standby node).
     * Doubles the instance price. Per cloud: DigitalOcean standby nodes need a
     * 2 GB plan ($30 a node), so its growth tier runs one 1 GB node ($15).
     */
    readonly highAvailability: PerCloud<boolean, null>;
    /** An asynchronous read replica serving the app's reads. */
    readonly readReplica: boolean;
    /** Automated backup retention in days (point-in-time restore window). */
    readonly backupRetentionDays: number;
    /**
     * Days long-term copies (weekly snapshots in an AWS Backup vault under the
     * stack key) are kept; 0 for none. Objects in the backups bucket never
     * expire by tier: a tier move may only lengthen a retention.
     */
    readonly longTermBackupDays: number;
    /** Refuse `pulumi destroy` and console deletes of the database. */
    readonly deletionProtection: boolean;
    /**
     * RDS Performance Insights with 7 days of history (free; Database
     * Insights Standard). RDS for PostgreSQL supports it on every class,
     * db.t4g.micro included (unlike MySQL and MariaDB).
     */
    readonly performanceInsights: boolean;
    /** Enhanced monitoring every 60 s and PostgreSQL logs exported to CloudWatch Logs (billed as log ingestion). */
    readonly enhancedMonitoring: boolean;
}

/** The VPC layout. */
export interface NetworkPreset {
    /** Availability zones used (at most what the region has). */
    readonly azCount: number;
    /** How app instances reach the internet. */
    readonly egress: Egress;
}

/** A container's ceiling on a single host. */
export interface ContainerLimitPreset {
    /** Hard memory limit in MB (swap is not allowed on top). */
    readonly memoryMb: number;
    /** CPUs the container may use, e.g. 0.5. */
    readonly cpus: number;
}

/** The containers of a single host. */
export const CONTAINER_ROLES = ["postgres", "redis", "objectStore", "app", "nginx", "caddy", "backup"] as const;
/** A container of a single host. */
export type ContainerRole = (typeof CONTAINER_ROLES)[number];

/** The `docker` cloud: everything on one host. */
export interface SingleHostPreset {
    /** App containers behind nginx (least_conn). Two or more let a replaced container drain while the other serves. */
    readonly appReplicas: number;
    /**
     * The VM created when `alicerce:vps` is set: droplet size or EC2 instance
     * type. It runs PostgreSQL, Redis, SeaweedFS, nginx and the app replicas, so it
     * is one size above the managed tiers' app servers.
     */
    readonly hostSize: { readonly [V in VpsCloud]: string };
    /**
     * Each container's ceiling, sized so that the sum (with the app replicas)
     * fits the VPS memory with room for the OS and Docker itself: a runaway
     * container is killed alone instead of taking the host down.
     */
    readonly containerLimits: { readonly [R in ContainerRole]: ContainerLimitPreset };
}

// --- p-aws-workers (issue 15 on AWS): the worker pool and the ElastiCache for Valkey queue/cache ---
/** AWS workers: an Auto Scaling group with no load balancer running the app image's worker command. */
export interface AwsWorkersPreset {
    /** EC2 instance type of a worker; `null`: no worker pool at this tier (then no cache either needs to exist). */
    readonly instanceType: string | null;
    /** Fewest workers running. */
    readonly minInstances: number;
    /** Most workers the autoscaler may run. */
    readonly maxInstances: number;
    /** Jobs waiting per InService worker the backlog target tracking steers towards (`QueueDepth` / `GroupInServiceInstances`). */
    readonly backlogPerInstance: number;
}

/** AWS: ElastiCache for Valkey, the queue (BullMQ) and shared rate limit store. */
export interface AwsCachePreset {
    /** ElastiCache node type; `null`: no cache at this tier (and so no workers: they need a queue). */
    readonly nodeType: string | null;
    /** Nodes: one primary plus replicas. Two or more turn on Multi-AZ with automatic failover. */
    readonly nodes: number;
    /** Days of daily snapshots kept (ElastiCache keeps at most 35). */
    readonly snapshotRetentionDays: number;
}
// --- end p-aws-workers ---
// ---- p-do-docker-workers: queue workers and the queue's cache (DigitalOcean, single host) ----
/** A pool of queue workers on DigitalOcean (droplets running the app image's worker command, no load balancer). */
export interface DropletWorkerPreset {
    /** Droplet size slug. */
    readonly instanceType: string;
    readonly minInstances: number;
    readonly maxInstances: number;
    /** Average CPU the autoscale pool steers towards, in percent (DigitalOcean pools scale on CPU and memory only). */
    readonly cpuTargetPercent: number;
}

/** Queue workers per cloud: `null` where the tier has none (no queue there). */
export interface WorkersPreset {
    readonly digitalocean: DropletWorkerPreset | null;
    /**
     * Worker containers on a single host (its Redis container is always there), each with its own ceiling:
     * counted in the host's memory budget (components/docker/limits.ts totalMemoryMb).
     */
    readonly docker: { readonly replicas: number; readonly limit: ContainerLimitPreset };
}

/** The queue's Valkey/Redis per cloud: `null` where the tier has none. */
export interface CachePreset {
    /** Managed Valkey size slug (one node). */
    readonly digitalocean: { readonly size: string } | null;
}
// ---- end p-do-docker-workers ----

/** Everything a tier decides. */
export interface TierPreset {
    readonly compute: ComputePreset;
    readonly database: DatabasePreset;
    readonly network: NetworkPreset;
    readonly singleHost: SingleHostPreset;
    /** AWS: deletion protection on the load balancer (a console or API delete is refused until it is turned off). Free. */
    readonly loadBalancerDeletionProtection: boolean;
    /** A WAF web ACL in front of the load balancer. */
    readonly waf: boolean;
    /** A domain (and so HTTPS) is required: a tier that serves real users has no plain-HTTP mode. */
    readonly requiresDomain: boolean;
    /**
     * Alerts mailed to `alertEmail` (CloudWatch alarms on AWS, which exist
     * regardless because they also stop a bad rollout; DigitalOcean monitor
     * alerts).
     */
    readonly alarms: boolean;
    /** Days application and infrastructure logs are kept in CloudWatch Logs (AWS; DigitalOcean keeps no logs for us). */
    readonly logRetentionDays: number;
    /** Pulumi `protect` on data (database, buckets, key, secrets): `pulumi destroy` stops before deleting them. */
    readonly protectData: boolean;
    /**
     * An audit trail of the account's management events (AWS CloudTrail, all
     * regions, log file validation, encrypted with the stack key, into the
     * logs bucket). The first copy of management events is free.
     */
    readonly auditTrail: boolean;
    // --- p-aws-workers ---
    /** AWS: the worker pool (see {@link AwsWorkersPreset}). */
    readonly awsWorkers: AwsWorkersPreset;
    /** AWS: the Valkey queue/cache (see {@link AwsCachePreset}). */
    readonly awsCache: AwsCachePreset;
    // --- end p-aws-workers ---
    /** Queue workers (p-do-docker-workers). */
    readonly workers: WorkersPreset;
    /** The queue's managed Valkey (p-do-docker-workers). */
    readonly cache: CachePreset;
    // --- CDN (p-app-hosts) ---
    /**
     * A CDN in front of public uploads (CloudFront with origin access control
     * on AWS, the Spaces CDN on DigitalOcean); the app hands out CDN URLs.
     * A static frontend gets a CDN whatever this says (it is how it is served).
     */
    readonly cdn: boolean;
    // ---- q-budget-aws: the AWS edge (issue 17) ----
    /**
     * AWS: behind Cloudflare's proxy (`cloudflareZoneId`, proxied), the load balancer faces the internet over IPv6
     * only (`dualstack-without-public-ipv4`): no public IPv4 address, $3.65 a month saved per AZ. Cloudflare reaches
     * origins over IPv6; clients keep reaching Cloudflare over both. Without the proxy the load balancer stays IPv4.
     */
    readonly loadBalancerIpv6Only: boolean;
    /**
     * AWS: keep the WAF's log group when the tier has no WAF (`waf` false): a stack moved down from, or deployed
     * when, the tier had one holds WAF logs until their retention ends. Idle, it costs nothing but stored logs.
     */
    readonly keepWafLogGroup: boolean;
    /** AWS: a CloudWatch dashboard of the app, load balancer and database ($3 a month; the alarms exist without it). */
    readonly dashboard: boolean;
    /**
     * AWS: the edge without a domain ({@link EDGE_MODES}). mvp: `instance` (the load balancer and its two
     * addresses are $23.73 of a $36.20 budget); with `alicerce:domain` every tier uses the load balancer (HTTPS).
     */
    readonly edge: EdgeMode;
    // ---- end q-budget-aws ----
}

/** The tier presets. */
export const TIER_PRESETS: { readonly [T in Tier]: TierPreset } = {
    // First paying users: one small instance, single-AZ PostgreSQL, no NAT gateway
    mvp: {
        compute: {
            instanceType: { aws: "t4g.micro", digitalocean: "s-1vcpu-1gb", docker: null },
            minInstances: 1,
            maxInstances: 1,
            cpuTargetPercent: 60,
        },
        database: {
            instanceClass: { aws: "db.t4g.micro", digitalocean: "db-s-1vcpu-1gb", docker: null },
            storageGb: 20,
            maxStorageGb: 20,
            highAvailability: { aws: false, digitalocean: false, docker: null },
            readReplica: false,
            backupRetentionDays: 7,
            longTermBackupDays: 0,
            deletionProtection: false,
            performanceInsights: false,
            enhancedMonitoring: false,
        },
        network: { azCount: 2, egress: "public-subnets" },
        singleHost: {
            appReplicas: 2,
            hostSize: { aws: "t4g.small", digitalocean: "s-1vcpu-2gb" },
            containerLimits: {
                postgres: { memoryMb: 512, cpus: 1 },
                redis: { memoryMb: 128, cpus: 0.25 },
                objectStore: { memoryMb: 256, cpus: 0.5 },
                app: { memoryMb: 256, cpus: 0.5 },
                nginx: { memoryMb: 64, cpus: 0.25 },
                caddy: { memoryMb: 64, cpus: 0.25 },
                backup: { memoryMb: 256, cpus: 0.5 },
            },
        },
        loadBalancerDeletionProtection: false,
        waf: false,
        requiresDomain: false,
        alarms: true,
        logRetentionDays: 14,
        protectData: false,
        auditTrail: false,
        // --- p-aws-workers ---
        // No queue at mvp or growth: the cheapest cache with a failover replica is ~$19 a month, and growth is already over its budget.
        awsWorkers: { instanceType: null, minInstances: 1, maxInstances: 1, backlogPerInstance: 100 },
        awsCache: { nodeType: null, nodes: 1, snapshotRetentionDays: 0 },
        // --- end p-aws-workers ---
        // p-do-docker-workers: no Valkey on DigitalOcean mvp ($15 a month). The mvp host (2 GB) has no room left for a
        // worker container: set alicerce:workersReplicas 1 on a bigger host (a laptop, or growth's 4 GB).
        workers: { digitalocean: null, docker: { replicas: 0, limit: { memoryMb: 256, cpus: 0.5 } } },
        cache: { digitalocean: null },
        // --- CDN (p-app-hosts) ---
        cdn: false,
        // q-budget-aws
        loadBalancerIpv6Only: true,
        keepWafLogGroup: false,
        dashboard: true,
        edge: "instance",
    },
    // A growing customer base: autoscaling 1-3, Multi-AZ PostgreSQL, WAF
    growth: {
        compute: {
            // p-budgets: a 1 GB droplet ($6) keeps do-growth within its $59 (README "Stacks and what they cost")
            // q-budget-aws: t4g.micro (2 vCPU, 1 GiB) carries 300 requests a minute; the group scales to 3 ($6.13 saved)
            instanceType: { aws: "t4g.micro", digitalocean: "s-1vcpu-1gb", docker: null },
            minInstances: 1,
            maxInstances: 3,
            cpuTargetPercent: 60,
        },
        database: {
            // p-budgets: DigitalOcean growth is one 1 GB node (daily backups, 7-day PITR), as our users priced it
            instanceClass: { aws: "db.t4g.micro", digitalocean: "db-s-1vcpu-1gb", docker: null },
            storageGb: 20,
            maxStorageGb: 100,
            highAvailability: { aws: true, digitalocean: false, docker: null },
            readReplica: false,
            backupRetentionDays: 14,
            longTermBackupDays: 0,
            deletionProtection: true,
            performanceInsights: true,
            enhancedMonitoring: false,
        },
        network: { azCount: 2, egress: "public-subnets" },
        singleHost: {
            appReplicas: 2,
            hostSize: { aws: "t4g.medium", digitalocean: "s-2vcpu-4gb" },
            containerLimits: {
                postgres: { memoryMb: 1024, cpus: 1.5 },
                redis: { memoryMb: 256, cpus: 0.5 },
                objectStore: { memoryMb: 512, cpus: 0.5 },
                app: { memoryMb: 512, cpus: 1 },
                nginx: { memoryMb: 128, cpus: 0.5 },
                caddy: { memoryMb: 128, cpus: 0.5 },
                backup: { memoryMb: 256, cpus: 0.5 },
            },
        },
        loadBalancerDeletionProtection: false,
        // q-budget-aws: AWS WAF only in production, as our users plan it; growth sits behind Cloudflare's managed rules
        waf: false,
        requiresDomain: false,
        alarms: true,
        logRetentionDays: 30,
        protectData: true,
        auditTrail: false,
        // --- p-aws-workers ---
        // Growth's budget ($69.20) is already exceeded without them; the app runs without Redis (uploads are not verified, the rate limit is per instance).
        awsWorkers: { instanceType: null, minInstances: 1, maxInstances: 1, backlogPerInstance: 100 },
        awsCache: { nodeType: null, nodes: 1, snapshotRetentionDays: 0 },
        // --- end p-aws-workers ---
        // p-do-docker-workers: our users' $59 DigitalOcean platform includes a 1 GB Redis: Valkey plus one worker droplet.
        workers: {
            // q-do: a 512 MB worker ($4, not $6) keeps do-growth within our users' $59: one Node process streaming objects
            // needs ~120 MB; the pool scales on CPU only (a worker's memory is flat), so the droplet's base use never scales it.
            digitalocean: { instanceType: "s-1vcpu-512mb-10gb", minInstances: 1, maxInstances: 2, cpuTargetPercent: 70 },
            docker: { replicas: 1, limit: { memoryMb: 256, cpus: 0.5 } },
        },
        cache: { digitalocean: { size: "db-s-1vcpu-1gb" } },
        // --- CDN (p-app-hosts) ---
        cdn: false,
        // q-budget-aws
        loadBalancerIpv6Only: true,
        keepWafLogGroup: true,
        dashboard: false,
        edge: "load-balancer",
    },
    // Production: autoscaling 2-5, Multi-AZ PostgreSQL with a read replica, 30-day backups
    prod: {
        compute: {
            // aws: t4g.micro (2 vCPU, 1 GiB) × 2 carries 1,000 requests a minute (17 a second; one Node process per instance,
            // as at growth); the group scales to 5 ($12.26 saved against t4g.small, less memory headroom per instance).
            // digitalocean: s-1vcpu-2gb ($12, not $24): the app is one Node process, which uses one vCPU; two carry 1,000 requests a minute
            instanceType: { aws: "t4g.micro", digitalocean: "s-1vcpu-2gb", docker: null },
            minInstances: 2,
            maxInstances: 5,
            cpuTargetPercent: 50,
        },
        database: {
            instanceClass: { aws: "db.t4g.small", digitalocean: "db-s-2vcpu-4gb", docker: null },
            storageGb: 50,
            maxStorageGb: 200,
            highAvailability: { aws: true, digitalocean: true, docker: null },
            readReplica: true,
            backupRetentionDays: 30,
            longTermBackupDays: 90,
            deletionProtection: true,
            performanceInsights: true,
            enhancedMonitoring: true,
        },
        // q-budget-aws: a NAT instance with the stack's egress Elastic IP ($3.70 instead of $33.30; README "Tiers")
        network: { azCount: 3, egress: "nat-instance" },
        singleHost: {
            appReplicas: 4,
            hostSize: { aws: "t4g.large", digitalocean: "s-4vcpu-8gb" },
            containerLimits: {
                postgres: { memoryMb: 2048, cpus: 2 },
                redis: { memoryMb: 512, cpus: 0.5 },
                objectStore: { memoryMb: 1024, cpus: 1 },
                app: { memoryMb: 768, cpus: 1 },
                nginx: { memoryMb: 128, cpus: 1 },
                caddy: { memoryMb: 128, cpus: 1 },
                backup: { memoryMb: 512, cpus: 1 },
            },
        },
        loadBalancerDeletionProtection: true,
        waf: true,
        requiresDomain: true,
        alarms: true,
        logRetentionDays: 90,
        protectData: true,
        auditTrail: true,
        // --- p-aws-workers ---
        // Prod: two cache.t4g.micro Valkey nodes in two AZs (Multi-AZ, automatic failover) and 1-4 t4g.micro workers scaling on backlog.
        awsWorkers: { instanceType: "t4g.micro", minInstances: 1, maxInstances: 4, backlogPerInstance: 100 },
        awsCache: { nodeType: "cache.t4g.micro", nodes: 2, snapshotRetentionDays: 7 },
        // --- end p-aws-workers ---
        // p-do-docker-workers
        workers: {
            // q-do: two 1 GB workers ($6 each, not $12): still two, so a lost droplet delays no job
            digitalocean: { instanceType: "s-1vcpu-1gb", minInstances: 2, maxInstances: 4, cpuTargetPercent: 60 },
            docker: { replicas: 2, limit: { memoryMb: 256, cpus: 0.5 } },
        },
        cache: { digitalocean: { size: "db-s-1vcpu-2gb" } },
        // --- CDN (p-app-hosts) ---
        cdn: true,
        // q-budget-aws
        loadBalancerIpv6Only: true,
        keepWafLogGroup: true,
        dashboard: true,
        edge: "load-balancer",
    },
};
