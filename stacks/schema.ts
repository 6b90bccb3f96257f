import { z } from "zod";
import { DIGITALOCEAN_PLATFORM_SERVICES, DIGITALOCEAN_VPS_SERVICES, digitalOceanRegionsWith } from "./digitalocean-regions";
import { CLOUDS, EDGE_MODES, EGRESS_MODES, TIERS, VPS_CLOUDS } from "./tiers";
import { HOST_NAME, WILDCARD_NAME } from "../components/shared/hosts";

/**
 * The `alicerce:` configuration keys, one zod schema each. Pulumi hands every
 * config value over as a string (numbers and booleans too), so numeric keys
 * coerce from strings. Each message completes the sentence
 * `alicerce:<key>: "<value>" ...` and says what is allowed.
 */

const AWS_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "mx-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-east-1",
    "me-south-1",
    "me-central-1",
    "il-central-1",
    "af-south-1",
] as const;

/** Regions accepted per managed cloud (commercial AWS regions; DigitalOcean regions with every service the platform uses: see digitalocean-regions.ts). */
export const REGIONS: { readonly aws: readonly string[]; readonly digitalocean: readonly string[] } = {
    aws: AWS_REGIONS,
    digitalocean: digitalOceanRegionsWith(DIGITALOCEAN_PLATFORM_SERVICES),
};

/** An Amazon Linux 2023 AMI name as Amazon publishes it (`al2023-ami-2023.12.20260710.0-kernel-6.1-arm64`); the suffix is the architecture. */
export const AL2023_AMI_NAME = /^al2023-ami-(minimal-)?2023\.\d+\.\d{8}\.\d+-kernel-\d+\.\d+-(arm64|x86_64)$/;

/** Regions a single Docker host may be created in (`alicerce:vps`): it needs only a VM. */
export const VPS_REGIONS: { readonly aws: readonly string[]; readonly digitalocean: readonly string[] } = {
    aws: AWS_REGIONS,
    digitalocean: digitalOceanRegionsWith(DIGITALOCEAN_VPS_SERVICES),
};

const wholeNumber = (min: number, max: number) =>
    z.coerce
        .number({ error: `is not a number; use a whole number from ${min} to ${max}` })
        .int({ error: `is not a whole number; use a whole number from ${min} to ${max}` })
        .min(min, { error: `is out of range; use a whole number from ${min} to ${max}` })
        .max(max, { error: `is out of range; use a whole number from ${min} to ${max}` });

/** Tag values must be valid both as AWS tag values and inside DigitalOcean tag strings. */
const tagValue = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
    error: "is not a valid tag value; use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
});

/**
 * A list key. Pulumi hands a YAML list over as JSON (`["a","b"]`); a
 * comma-separated string (`pulumi config set alicerce:adminCidrs 1.2.3.4/32,5.6.7.0/24`)
 * is accepted too. Each item is checked with `item`.
 */
const stringList = (item: RegExp, error: string) =>
    z.string().transform((text, ctx) => {
        let items: unknown = undefined;
        const trimmed = text.trim();
        if (trimmed.startsWith("[")) {
            try {
                items = JSON.parse(trimmed);
            } catch {
                items = undefined;
            }
        } else {
            items = trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim());
        }
        if (!Array.isArray(items) || !items.every((i) => typeof i === "string" && item.test(i))) {
            ctx.addIssue({ code: "custom", message: error });
            return z.NEVER;
        }
        return items as string[];
    });

/**
 * A map key (`alicerce:appEnv`). Pulumi hands a YAML map over as a JSON
 * object string, and a secret map (`pulumi config set --secret --path
 * appSecrets.JWT_SECRET ...`) as the same JSON with decrypted values, its
 * whole key marked secret (pulumi/pulumi sdk/go/common/resource/config/value.go:
 * an object holding a `secure:` value is a secure object value).
 * Values must be strings (quote numbers in YAML).
 */
const stringMap = (error: string) =>
    z.string().transform((text, ctx) => {
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            parsed = undefined;
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === "string")) {
            ctx.addIssue({ code: "custom", message: error });
            return z.NEVER;
        }
        return parsed as Record<string, string>;
    });

/** A command: a JSON list of arguments (`["npm","run","migrate"]`) or a plain string split on spaces. */
const commandLine = z.string().transform((text, ctx) => {
    const trimmed = text.trim();
    let items: unknown;
    if (trimmed.startsWith("[")) {
        try {
            items = JSON.parse(trimmed);
        } catch {
            items = undefined;
        }
    } else {
        items = trimmed.split(/\s+/).filter((s) => s !== "");
    }
    if (!Array.isArray(items) || items.length === 0 || !items.every((i) => typeof i === "string" && i !== "" && !/[\n\r\0]/.test(i))) {
        ctx.addIssue({ code: "custom", message: 'is not a command; use a JSON list of arguments, e.g. ["npm","run","migrate"], one line each' });
        return z.NEVER;
    }
    return items as string[];
});

/** The schema of every `alicerce:` key. Unknown keys are errors (a typo must not silently fall back to a default). */
export const configSchema = z.strictObject({
    cloud: z.enum(CLOUDS, { error: `is not a cloud; use one of ${CLOUDS.join(", ")}` }),
    tier: z.enum(TIERS, { error: `is not a tier; use one of ${TIERS.join(", ")}` }),
    /** Required for aws and digitalocean, and for docker with `vps`; meaningless for a Docker host you bring. */
    region: z
        .string()
        .regex(/^[a-z0-9-]+$/, { error: "is not a region name" })
        .optional(),
    owner: tagValue,
    costCenter: tagValue,
    budgetUsd: z.coerce
        .number({ error: "is not a number; use the monthly budget in US dollars, e.g. 69.20" })
        .nonnegative({ error: "is negative; use the monthly budget in US dollars, e.g. 69.20 (0 for a host you already pay for)" })
        .max(1_000_000, { error: "is out of range; use the monthly budget in US dollars, e.g. 69.20" }),
    alertEmail: z.email({ error: "is not an email address; alerts need a mailbox someone reads" }).optional(),
    domain: z
        .string()
        .regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
            error: "is not a domain name; use a lowercase name such as app.example.com",
        })
        .optional(),
    cloudflareZoneId: z
        .string()
        .regex(/^[0-9a-f]{32}$/, { error: "is not a Cloudflare zone id; use the 32 hex characters from the zone's overview page" })
        .optional(),
    vpcCidr: z
        .string()
        .regex(/^(10|172|192)\.\d{1,3}\.\d{1,3}\.\d{1,3}\/(1[6-9]|20)$/, {
            error: "is not a private IPv4 range from /16 to /20; use e.g. 10.20.0.0/16",
        })
        .optional(),
    image: z
        .string()
        .regex(/^[a-z0-9]+([._\/:-][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/, {
            error: "is not an image reference; use registry/repository@sha256:<digest> (or :tag)",
        })
        .optional(),
    /** AWS: IPv4 ranges the load balancer admits on 80/443 (a managed prefix list of at most 30 entries). */
    lbIngressCidrs: stringList(
        /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/,
        'is not a list of IPv4 ranges; use e.g. ["203.0.113.0/24"] or 203.0.113.0/24,198.51.100.0/24',
    )
        .refine((list) => list.length >= 1, { error: "is empty; list at least one IPv4 range, or remove the key" })
        .refine((list) => list.length <= 30, { error: "has too many ranges; the load balancer's prefix list holds at most 30" })
        .optional(),
    /** Cloudflare proxies the app's records (default: true when alicerce:cloudflareZoneId is set). */
    cloudflareProxied: z
        .enum(["true", "false"], { error: "is not true or false" })
        .transform((v) => v === "true")
        .optional(),
    instanceType: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]*$/, { error: "is not an instance type or droplet size" })
        .optional(),
    minInstances: wholeNumber(1, 20).optional(),
    maxInstances: wholeNumber(1, 20).optional(),
    dbInstanceClass: z
        .string()
        .regex(/^db[.-][a-z0-9.-]+$/, { error: "is not a database class; use e.g. db.t4g.small (AWS) or db-s-1vcpu-2gb (DigitalOcean)" })
        .optional(),
    dbStorageGb: wholeNumber(20, 16384).optional(),
    /** AWS: how app instances reach the internet, overriding the tier (cost against resilience: see README "Tiers"). */
    egress: z.enum(EGRESS_MODES, { error: `is not an egress mode; use one of ${EGRESS_MODES.join(", ")}` }).optional(),
    /** AWS: where traffic reaches the app without a domain, overriding the tier (`instance`: no load balancer; docs/aws-edge.md). */
    edge: z.enum(EDGE_MODES, { error: `is not an edge; use one of ${EDGE_MODES.join(", ")}` }).optional(),
    /** A standby database node (RDS Multi-AZ, a DigitalOcean standby), overriding the tier. */
    dbHighAvailability: z
        .enum(["true", "false"], { error: "is not true or false" })
        .transform((v) => v === "true")
        .optional(),
    /** cloud docker: the Docker engine to deploy to. tcp:// is refused: an unauthenticated Docker API is root on the host. */
    dockerHost: z
        .string()
        .regex(/^(unix:\/\/\/[A-Za-z0-9._\/-]+|ssh:\/\/[a-z_][a-z0-9_-]*@[A-Za-z0-9.-]+(:\d{1,5})?)$/, {
            error: "is not a Docker host address; use unix:///var/run/docker.sock or ssh://user@host (tcp:// is refused: the Docker API is root on the host)",
        })
        .optional(),
    /** cloud docker: create the host on this cloud (a droplet or an EC2 instance) instead of using `dockerHost`. */
    vps: z.enum(VPS_CLOUDS, { error: `is not a VPS cloud; use one of ${VPS_CLOUDS.join(", ")}, or leave it unset to bring your own host` }).optional(),
    /** cloud docker with vps: the SSH public key of the operator (the Docker provider connects over SSH with it). */
    sshPublicKey: z
        .string()
        .regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+\/]+={0,2}( [^\n]*)?$/, {
            error: "is not an SSH public key; use the one line of ~/.ssh/id_ed25519.pub",
        })
        .optional(),
    /** cloud docker: app containers behind nginx, overriding the tier. */
    appReplicas: wholeNumber(1, 16).optional(),
    /**
     * cloud docker: an off-host restic repository in an S3-compatible bucket (S3, Spaces, R2, B2, ...);
     * unset, backups go to a restic repository in a volume on the host.
     */
    backupRepository: z
        .string()
        .regex(/^s3:https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/, {
            error: "is not an S3 restic repository; use s3:https://<endpoint>/<bucket>[/<path>], e.g. s3:https://nyc3.digitaloceanspaces.com/acme-backups/vps",
        })
        .optional(),
    /** cloud docker with backupRepository: the bucket's access key id. */
    backupAccessKeyId: z
        .string()
        .regex(/^[A-Za-z0-9+\/=._-]{8,128}$/, { error: "is not an access key id; use the bucket's access key id (8-128 letters, digits or +/=._-)" })
        .optional(),
    /** cloud docker with backupRepository: the bucket's secret key (`pulumi config set --secret`). Never printed. */
    backupSecretAccessKey: z.string().min(1, { error: "is empty; set the bucket's secret key with pulumi config set --secret" }).optional(),
    /** cloud docker: daily backups kept (restic forget --keep-daily). @default 30 */
    backupRetentionDays: wholeNumber(1, 3650).optional(),
    /** IPv4 ranges allowed to reach SSH (droplets; a single Docker host and the Docker API over SSH). */
    adminCidrs: stringList(
        /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/,
        'is not a list of IPv4 ranges; use e.g. ["203.0.113.7/32"] (your office or VPN egress)',
    ).optional(),
    certificateName: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, { error: "is not a certificate name; use the name shown by `doctl compute certificate list`" })
        .optional(),
    /**
     * DigitalOcean: the account's container registry (one per account). Its
     * rules (https://docs.digitalocean.com/products/container-registry/details/limits/):
     * at most 63 characters, lowercase letters, digits and '-', starting with
     * a letter, ending with a letter or digit, unique across DigitalOcean.
     */
    registryName: z
        .string()
        .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
            error: "is not a container registry name; use 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit (the name shown by `doctl registry get`)",
        })
        .optional(),
    /** DigitalOcean: this stack creates (and owns, protected) the registry named by registryName; the account's other stacks push to it. */
    createRegistry: z
        .enum(["true", "false"], { error: "is not true or false" })
        .transform((v) => v === "true")
        .optional(),
    /**
     * AWS: the availability zones of the stack's subnets, in order; the tier uses the first ones it needs.
     * Chosen once: a subnet's zone never changes (EC2 CreateSubnet's AvailabilityZone forces a new subnet).
     */
    availabilityZones: stringList(
        /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
        "is not a list of availability zone names; use e.g. us-east-1a,us-east-1b,us-east-1c (`aws ec2 describe-availability-zones`)",
    ).optional(),
    /**
     * AWS: the Amazon Linux 2023 image (AMI name, the same in every region) the app servers run.
     * Pinned, so a new Amazon Linux release rolls the fleet only when someone changes this key.
     */
    amiName: z
        .string()
        .regex(AL2023_AMI_NAME, {
            error: "is not an Amazon Linux 2023 AMI name; use e.g. al2023-ami-2023.12.20260710.0-kernel-6.1-arm64 (docs/aws-edge.md: updating the AMI)",
        })
        .optional(),
    // --- restore and second region (docs/data-recovery.md) ---
    /**
     * Create a restored database BESIDE the stack's own one, from `<kind>:<value>`:
     * aws `snapshot:<RDS snapshot id>` or `time:<UTC time>|latest` (point in time);
     * digitalocean `backup:latest` or `time:<UTC time>`; docker `dump:<file on the host>` or
     * `restic:<snapshot id>|latest`. The stack's own database is never touched.
     */
    restoreFrom: z
        .string()
        .regex(/^(snapshot|time|backup|dump|restic):\S{1,255}$/, {
            error: "is not a restore source; use <kind>:<value>: snapshot:<id> or time:<UTC time>|latest (aws), backup:latest or time:<UTC time> (digitalocean), dump:<file> or restic:<snapshot id>|latest (docker)",
        })
        .optional(),
    /** The app uses the database made by `restoreFrom` (true) or the stack's own one (false, the default). Going back is setting it false. */
    useRestoredDatabase: z
        .enum(["true", "false"], { error: "is not true or false" })
        .transform((v) => v === "true")
        .optional(),
    /** aws, digitalocean: copies of the database backups and the buckets go to this second region (not the stack's). */
    secondRegion: z
        .string()
        .regex(/^[a-z0-9-]+$/, { error: "is not a region name" })
        .optional(),
    // --- end restore and second region ---
    // --- queue workers and cache (AWS; the worker keys below serve AWS and DigitalOcean) ---
    /** AWS: the ElastiCache for Valkey node type, overriding the tier. */
    cacheNodeType: z
        .string()
        .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, {
            error: "is not an ElastiCache node type; use e.g. cache.t4g.small (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html)",
        })
        .optional(),
    // --- end p-aws-workers ---
    sshKeyFingerprints: stringList(
        /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/,
        "is not a list of SSH key fingerprints; use the MD5 fingerprints shown by `doctl compute ssh-key list`",
    ).optional(),
    // ---- queue workers (AWS and DigitalOcean) ----
    /** The worker pool's instance type (AWS, same architecture as alicerce:instanceType: one image) or droplet size (DigitalOcean), overriding the tier. */
    workersInstanceType: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]*$/, { error: "is not an instance type or droplet size; use e.g. t4g.micro on AWS, s-1vcpu-2gb on DigitalOcean" })
        .optional(),
    /** Fewest workers (AWS Auto Scaling group minimum, DigitalOcean autoscale pool minimum), overriding the tier. */
    workersMin: wholeNumber(1, 20).optional(),
    /** Most workers the autoscaler may run (AWS: on queue backlog; DigitalOcean: on CPU), overriding the tier. */
    workersMax: wholeNumber(1, 20).optional(),
    /** cloud docker: worker containers next to the app containers (0 for none). */
    workersReplicas: wholeNumber(0, 16).optional(),
    // ---- end p-do-docker-workers ----
    // --- The team's own app (p-app-env) ---
    /** Plain environment variables for the app (a map; visible in user data and the plan). */
    appEnv: stringMap('is not a map of settings; use e.g. {"PAYMENT_API_URL": "https://..."} (values as strings)').optional(),
    /** Secret environment variables (`pulumi config set --secret --path appSecrets.JWT_SECRET ...`). Never printed. */
    appSecrets: stringMap("is not a map of secrets; set each with pulumi config set --secret --path alicerce:appSecrets.NAME").optional(),
    /** The port the app listens on inside its container (unprivileged: the container has no capabilities). @default 8080 */
    appPort: wholeNumber(1024, 65535).optional(),
    /** The path health checks probe. @default /healthz */
    appHealthPath: z
        .string()
        .regex(/^\/[A-Za-z0-9._~\/-]{0,254}$/, { error: "is not a health check path; use an absolute path such as /healthz (letters, digits, ._~/-)" })
        .optional(),
    /** The container's command, replacing the image's CMD. */
    appCommand: commandLine.optional(),
    /** Runs once per release before new instances take traffic (database migrations); its failure stops the rollout. */
    appReleaseCommand: commandLine.optional(),
    /** The queue workers' command where the tier runs workers (required with alicerce:appPath there: app-image/'s worker is not in your image). */
    workersCommand: commandLine.optional(),
    /** The team's own build context (a directory with a Dockerfile), relative to the project, instead of app-image/. */
    appPath: z
        .string()
        .regex(/^[A-Za-z0-9._\/-]+$/, {
            error: "is not a directory path; use the directory holding the app's Dockerfile, relative to the project (e.g. apps/api)",
        })
        .optional(),
    /** The architecture of the prebuilt alicerce:image (`docker buildx imagetools inspect`): checked against the instance type's. */
    imageArchitecture: z
        .enum(["arm64", "amd64"], { error: "is not an architecture; use arm64 or amd64 (docker buildx imagetools inspect <image>)" })
        .optional(),
    // --- host names, routing by host, static frontend (p-app-hosts) ---
    /** More host names served beside alicerce:domain (`www.example.com`, `api.example.com`, the apex); all on one certificate. */
    hosts: stringList(HOST_NAME, 'is not a list of host names; use lowercase names such as ["www.example.com","api.example.com"]')
        .refine((list) => list.length <= 50, { error: "has too many names; at most 50 (an ACM certificate holds 10 by default, Let's Encrypt 100)" })
        .optional(),
    /** A wildcard for tenant subdomains (`*.clinics.example.com`), one label deep; needs DNS-01 on the single host. */
    wildcardHost: z
        .string()
        .regex(WILDCARD_NAME, { error: "is not a wildcard host; use *. followed by a lowercase name, e.g. *.clinics.example.com" })
        .optional(),
    /** The DNS zone every served name is under (`example.com`): names outside it are refused. */
    dnsZone: z.string().regex(HOST_NAME, { error: "is not a DNS zone name; use the zone's apex, e.g. example.com" }).optional(),
    /** Which service answers each name: `{"example.com":"frontend","api.example.com":"app"}` or `example.com=frontend,api.example.com=app`; unlisted names go to the app. */
    hostRoutes: z
        .string()
        .transform((text, ctx) => {
            const t = text.trim();
            let map: unknown;
            if (t.startsWith("{")) {
                try {
                    map = JSON.parse(t);
                } catch {
                    map = undefined;
                }
            } else {
                map = Object.fromEntries(
                    t
                        .split(",")
                        .filter((x) => x.trim() !== "")
                        .map((x) => x.split("=").map((y) => y.trim())),
                );
            }
            const ok =
                map !== null &&
                typeof map === "object" &&
                !Array.isArray(map) &&
                Object.entries(map as object).every(([k, v]) => (HOST_NAME.test(k) || WILDCARD_NAME.test(k)) && typeof v === "string");
            if (!ok) {
                ctx.addIssue({ code: "custom", message: 'is not a host-to-service map; use {"example.com":"frontend","api.example.com":"app"}' });
                return z.NEVER;
            }
            return map as Record<string, string>;
        })
        .optional(),
    /** The built SPA to serve (a directory with index.html, relative to the project), e.g. `frontend/dist`. */
    frontendPath: z
        .string()
        .regex(/^[A-Za-z0-9._\/-]+$/, { error: "is not a directory path; use a relative path such as frontend/dist" })
        .optional(),
    /** cloud docker: the DNS provider Caddy answers ACME DNS-01 with (needed for a wildcard); its token is `cloudflare:apiToken` (secret). */
    acmeDns: z.enum(["cloudflare"], { error: "is not a DNS-01 provider; use cloudflare" }).optional(),
});

/** Keys that only the DigitalOcean platform reads; set on an AWS stack they are errors, not silently ignored. */
export const DIGITALOCEAN_ONLY_KEYS = ["certificateName", "registryName", "createRegistry", "sshKeyFingerprints", "adminCidrs"] as const;

/** Keys whose values are secret: problems name them, never show their value. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["backupSecretAccessKey", "appSecrets"]);

/** What to set, for each required key when it is missing. */
export const REQUIRED_HINTS: { readonly [K in keyof RawConfig]?: string } = {
    cloud: `one of ${CLOUDS.join(", ")}`,
    tier: `one of ${TIERS.join(", ")}`,
    region: "the region to deploy to, e.g. us-east-1 (AWS) or nyc3 (DigitalOcean)",
    adminCidrs: "the IPv4 ranges allowed to SSH to the host, e.g. [203.0.113.0/24]",
    sshPublicKey: "the one line of ~/.ssh/id_ed25519.pub; the Docker provider connects with it",
    owner: "the team or person who owns the stack (tag value), e.g. team-platform",
    costCenter: "the cost center tag value, e.g. cc-1234",
    budgetUsd: "the monthly budget in US dollars, e.g. 69.20",
    backupAccessKeyId: "the access key id of the bucket in alicerce:backupRepository",
    backupSecretAccessKey: "the bucket's secret key, with pulumi config set --secret alicerce:backupSecretAccessKey",
};

/** The raw, typed `alicerce:` config as the schema accepts it (before tier defaults). */
export type RawConfig = z.infer<typeof configSchema>;

/** The key names, for messages. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof RawConfig)[];
