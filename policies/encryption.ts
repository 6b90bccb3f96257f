/**
 * Encryption policies: data at rest under KMS, traffic in transit over TLS.
 * Mandatory by default.
 */
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { T } from "./lib/aws-types";
import { isInternetRange } from "./lib/cidr";
import { Node, StackView, Tier, TIER_SETTING, TierConfig } from "./lib/stack";
import { bool, hasUnknown, isUnknown, plain, quoted, UNKNOWN, Unknown } from "./lib/values";

/** The tag that marks a bucket as a log bucket (SSE-S3 allowed), unless the pack config names another. */
export const LOG_BUCKET_TAG = { key: "alicerce:purpose", value: "logs" } as const;

/** A tag, as the pack config names one. */
export interface TagSetting {
    readonly key: string;
    readonly value: string;
}

/** The config of {@link s3BucketEncryption}. */
export interface BucketEncryptionConfig {
    /** The tag that marks a log bucket, which may use SSE-S3. */
    readonly logBucketTag?: TagSetting;
}

const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/** The log buckets of a stack, and those that may be one once a log destination resolves. */
export interface LogBuckets {
    /** URNs of the log buckets. */
    has(urn: string): boolean;
    /** URNs of buckets a log destination unknown yet (preview) may name. */
    readonly undecided: ReadonlySet<string>;
}

/**
 * The log buckets of a stack: tagged `alicerce:purpose=logs` (or the given tag), or the target of
 * an ALB access/connection log, a VPC flow log or S3 server access logging.
 * A destination that cannot be resolved yet makes the buckets it depends on
 * undecided, not every bucket.
 */
export function logBuckets(view: StackView, tag: TagSetting = LOG_BUCKET_TAG): LogBuckets {
    const buckets = view.ofType(...T.bucket);
    const found = new Set(buckets.filter((b) => b.props.tags?.[tag.key] === tag.value).map((b) => b.urn));
    const undecided = new Set<string>();
    const follow = (from: Node, prop: string, to: Node[] | Unknown) => {
        if (isUnknown(to)) view.mayTarget(from, prop, buckets).forEach((b) => undecided.add(b.urn));
        else to.forEach((b) => found.add(b.urn));
    };
    for (const lb of view.ofType(...T.loadBalancer)) {
        for (const p of ["accessLogs", "connectionLogs"].filter((p) => lb.props[p] !== undefined)) {
            follow(
                lb,
                p,
                view.targets(lb, p, buckets, ["bucket", "id"], (v) => v?.bucket),
            );
        }
    }
    for (const f of view.ofType(...T.flowLog).filter((f) => f.props.logDestination !== undefined)) {
        follow(f, "logDestination", view.targets(f, "logDestination", buckets, ["arn"]));
    }
    for (const l of view.ofType(...T.bucketLogging)) follow(l, "targetBucket", view.targets(l, "targetBucket", buckets, ["bucket", "id"]));
    return { has: (urn) => found.has(urn), undecided };
}

/**
 * S3 buckets are encrypted with KMS by a linked `BucketServerSideEncryptionConfiguration`; SSE-S3 only on log buckets.
 *
 * Stack policies see outputs, and the provider reads a new bucket back
 * before its configuration resource exists: the bucket's own
 * `serverSideEncryptionConfiguration` then holds S3's default (SSE-S3,
 * AES256), and only a later refresh shows the configuration's algorithm.
 * So where a known configuration resource names the bucket, that resource
 * decides (it is what S3 holds once `up` ends) and the bucket's read-back is
 * ignored; the read-back is judged only for a bucket no configuration names.
 */
export const s3BucketEncryption: StackValidationPolicy = {
    name: "s3-bucket-encryption",
    description: "S3 buckets are encrypted at rest with KMS (SSE-S3 only on log buckets).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            logBucketTag: {
                type: "object",
                properties: { key: { type: "string", minLength: 1 }, value: { type: "string" } },
                required: ["key", "value"],
                additionalProperties: false,
                default: { ...LOG_BUCKET_TAG },
                description:
                    "The tag that marks a log bucket, which may use SSE-S3 (log buckets receiving ALB access logs, flow logs or S3 server access logs are found without it).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const logTag = args.getConfig<BucketEncryptionConfig>().logBucketTag ?? LOG_BUCKET_TAG;
        const view = new StackView(args.resources);
        const buckets = view.ofType(...T.bucket);
        const algorithms = new Map<string, unknown[]>(buckets.map((b) => [b.urn, []]));
        /** Buckets a known configuration resource names: their own read-back is S3's default from Create. */
        const configured = new Set<string>();
        const undecided = new Set<string>();
        for (const config of view.ofType(...T.bucketEncryption)) {
            const targets = view.targets(config, "bucket", buckets, ["bucket", "id"]);
            if (isUnknown(targets)) {
                view.mayTarget(config, "bucket", buckets).forEach((b) => undecided.add(b.urn));
                continue;
            }
            const rules = config.props.rules;
            const algs = Array.isArray(rules)
                ? rules.map((r: any) => (isUnknown(r) ? UNKNOWN : r?.applyServerSideEncryptionByDefault?.sseAlgorithm))
                : [UNKNOWN];
            for (const b of targets) {
                configured.add(b.urn);
                algorithms.get(b.urn)!.push(...(algs.length > 0 ? algs : [undefined]));
            }
        }
        const logs = logBuckets(view, logTag);
        for (const bucket of buckets) {
            const inline = bucket.props.serverSideEncryptionConfiguration;
            const algs = [...algorithms.get(bucket.urn)!];
            // A bucket may be named by a configuration whose link is not known yet (preview): stay silent then.
            if (!configured.has(bucket.urn) && undecided.has(bucket.urn)) continue;
            const inlineAlg = isUnknown(inline) ? UNKNOWN : inline?.rule?.applyServerSideEncryptionByDefault?.sseAlgorithm;
            if (!configured.has(bucket.urn) && inline !== undefined && inline !== null) algs.push(inlineAlg);
            // S3's default (SSE-S3) with no configuration resource: nobody chose it, so say what to add.
            const onlyDefault = !configured.has(bucket.urn) && (algs.length === 0 || (algs.length === 1 && algs[0] === "AES256"));
            if (onlyDefault && !logs.has(bucket.urn) && !logs.undecided.has(bucket.urn)) {
                reportViolation(
                    `S3 bucket ${quoted(bucket.name)} has no server-side encryption configuration (S3 applies only its default, SSE-S3); add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" for it.`,
                    bucket.urn,
                );
                continue;
            }
            if (algs.length === 0) {
                if (!undecided.has(bucket.urn)) {
                    reportViolation(
                        `S3 bucket ${quoted(bucket.name)} has no server-side encryption configuration; add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" for it.`,
                        bucket.urn,
                    );
                }
                continue;
            }
            if (algs.some(hasUnknown) || algs.every((a) => KMS_ALGORITHMS.includes(a as string))) continue;
            if (logs.has(bucket.urn) || logs.undecided.has(bucket.urn)) continue;
            reportViolation(
                `S3 bucket ${quoted(bucket.name)} is encrypted with SSE-S3, not KMS; set sseAlgorithm "aws:kms" with a KMS key (SSE-S3 is allowed only on log buckets: tagged ${logTag.key}=${logTag.value}, or receiving ALB access logs or flow logs).`,
                bucket.urn,
            );
        }
    },
};

/** RDS storage is encrypted; a read replica inherits its source's encryption. */
export const rdsStorageEncrypted: ResourceValidationPolicy = {
    name: "rds-storage-encrypted",
    description: "RDS instances and clusters encrypt their storage.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(aws.rds.Instance, (props, args, reportViolation) => {
            const p = plain(props);
            if (p.replicateSourceDb !== undefined) return;
            const encrypted = bool(p.storageEncrypted);
            if (!isUnknown(encrypted) && encrypted !== true) {
                reportViolation(
                    `RDS instance ${quoted(args.name)} does not encrypt its storage; set storageEncrypted: true (with kmsKeyId for the stack's key). It cannot be turned on later without restoring from a snapshot.`,
                );
            }
        }),
        validateResourceOfType(aws.rds.Cluster, (props, args, reportViolation) => {
            const p = plain(props);
            if (p.replicationSourceIdentifier !== undefined) return;
            const encrypted = bool(p.storageEncrypted);
            if (!isUnknown(encrypted) && encrypted !== true) {
                reportViolation(
                    `RDS cluster ${quoted(args.name)} does not encrypt its storage; set storageEncrypted: true (with kmsKeyId for the stack's key).`,
                );
            }
        }),
    ],
};

/** Whether EBS encryption by default is on in the stack's account and region. */
function ebsEncryptedByDefault(view: StackView): boolean | Unknown {
    const settings = view.ofType(...T.ebsEncryptionByDefault).map((n) => bool(n.props.enabled ?? true));
    if (settings.some(isUnknown)) return UNKNOWN;
    return settings.some((s) => s === true);
}

/** EBS volumes of launch templates and instances are encrypted. */
export const ebsVolumesEncrypted: StackValidationPolicy = {
    name: "ebs-volumes-encrypted",
    description: "Launch template and instance volumes are encrypted.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const byDefault = ebsEncryptedByDefault(view);
        const check = (node: Node, what: string, volumes: unknown, encryptedOf: (v: any) => unknown, deviceOf: (v: any) => unknown) => {
            if (isUnknown(volumes) || (Array.isArray(volumes) && volumes.some(isUnknown))) return;
            const list = (volumes as any[]).filter((v) => v !== undefined && v !== null);
            if (list.length === 0) {
                if (byDefault === false) {
                    reportViolation(
                        `${what} ${quoted(node.name)} maps no EBS volume, so its root volume takes the AMI snapshot's encryption (none for public AMIs); map the root device with encrypted "true", or enable aws.ebs.EncryptionByDefault.`,
                        node.urn,
                    );
                }
                return;
            }
            for (const volume of list) {
                const encrypted = bool(encryptedOf(volume));
                const device = deviceOf(volume);
                if (isUnknown(encrypted) || encrypted === true || (encrypted === undefined && byDefault !== false)) continue;
                reportViolation(
                    `${what} ${quoted(node.name)} maps volume ${typeof device === "string" ? device : "(root)"} without encryption; set encrypted "true" on it (with kmsKeyId for the stack's key).`,
                    node.urn,
                );
            }
        };
        for (const lt of view.ofType(...T.launchTemplate)) {
            const mappings = lt.props.blockDeviceMappings;
            const ebs = isUnknown(mappings) ? UNKNOWN : (mappings ?? []).filter((m: any) => isUnknown(m) || m?.ebs !== undefined);
            check(
                lt,
                "Launch template",
                ebs,
                (m) => (isUnknown(m.ebs) ? UNKNOWN : m.ebs?.encrypted),
                (m) => m.deviceName,
            );
        }
        for (const instance of view.ofType(...T.instance)) {
            const { rootBlockDevice, ebsBlockDevices } = instance.props;
            if (isUnknown(rootBlockDevice) || isUnknown(ebsBlockDevices)) continue;
            const volumes = [
                ...(rootBlockDevice ? [{ ...rootBlockDevice, deviceName: rootBlockDevice.deviceName ?? "(root)" }] : []),
                ...(ebsBlockDevices ?? []),
            ];
            if (!rootBlockDevice && byDefault === false) {
                check(
                    instance,
                    "EC2 instance",
                    [],
                    () => undefined,
                    () => undefined,
                );
                continue;
            }
            check(
                instance,
                "EC2 instance",
                volumes,
                (v) => v.encrypted,
                (v) => v.deviceName,
            );
        }
    },
};

/** A resource policy that requires a KMS key property to be set. */
function requiresKms<TArgs>(
    name: string,
    description: string,
    resourceClass: { new (name: string, args: TArgs, ...rest: any[]): any },
    problem: (props: any, resourceName: string) => string | undefined,
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateResource: validateResourceOfType(resourceClass, (props, args, reportViolation) => {
            const message = problem(plain(props), args.name);
            if (message) reportViolation(message);
        }),
    };
}

const unset = (v: unknown) => v === undefined || v === null || v === "";

/** Secrets Manager secrets are encrypted with the stack's KMS key. */
export const secretKms = requiresKms(
    "secret-kms",
    "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    aws.secretsmanager.Secret,
    (p, name) => (unset(p.kmsKeyId) ? `Secrets Manager secret ${quoted(name)} uses the AWS-managed key; set kmsKeyId to the stack's KMS key.` : undefined),
);

/** SNS topics are encrypted with KMS. */
export const snsTopicKms = requiresKms("sns-topic-kms", "SNS topics are encrypted at rest with KMS.", aws.sns.Topic, (p, name) =>
    unset(p.kmsMasterKeyId)
        ? `SNS topic ${quoted(name)} is not encrypted at rest; set kmsMasterKeyId to a customer-managed key whose policy lets CloudWatch publish (alarms cannot use the AWS-managed aws/sns key).`
        : undefined,
);

/** CloudWatch log groups are encrypted with KMS. */
export const logGroupKms = requiresKms("log-group-kms", "CloudWatch log groups are encrypted with a KMS key.", aws.cloudwatch.LogGroup, (p, name) =>
    unset(p.kmsKeyId)
        ? `CloudWatch log group ${quoted(name)} is not encrypted with KMS; set kmsKeyId to a KMS key ARN whose policy allows logs.<region>.amazonaws.com.`
        : undefined,
);

/** ECR repositories are encrypted with KMS. */
export const ecrRepositoryKms = requiresKms("ecr-repository-kms", "ECR repositories are encrypted with KMS.", aws.ecr.Repository, (p, name) => {
    const configs = p.encryptionConfigurations;
    if (isUnknown(configs)) return undefined;
    const type = Array.isArray(configs) && configs.length > 0 ? configs[0]?.encryptionType : undefined;
    if (isUnknown(type) || type === "KMS" || type === "KMS_DSSE") return undefined;
    return `ECR repository ${quoted(name)} is encrypted with AES256, not KMS; set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey }] (this replaces the repository, so set it before pushing images).`;
});

/** Security policies that allow TLS 1.2 and 1.3 only, with forward secrecy. */
export function isModernTlsPolicy(policy: string): boolean {
    return /^ELBSecurityPolicy-TLS13-1-[23]-/.test(policy) || /^ELBSecurityPolicy-FS-1-2-/.test(policy);
}

/** The security policy AWS applies when a listener names none (it allows TLS 1.0). */
const AWS_DEFAULT_TLS_POLICY = "ELBSecurityPolicy-2016-08";

const checkListenerTls = (props: any, args: { name: string }, reportViolation: (m: string) => void) => {
    const p = plain(props);
    if (p.protocol !== "HTTPS" && p.protocol !== "TLS") return;
    if (isUnknown(p.sslPolicy)) return;
    const policy: string = p.sslPolicy ?? AWS_DEFAULT_TLS_POLICY;
    if (!isModernTlsPolicy(policy)) {
        reportViolation(
            `Listener ${quoted(args.name)} uses TLS policy ${policy}${p.sslPolicy ? "" : " (the default)"}, which allows old TLS versions or ciphers; set sslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
        );
    }
};

/** HTTPS listeners use a modern TLS policy. */
export const listenerTls: ResourceValidationPolicy = {
    name: "listener-modern-tls",
    description: "HTTPS and TLS listeners use a modern TLS policy (TLS 1.2+ with forward secrecy).",
    enforcementLevel: "mandatory",
    validateResource: [validateResourceOfType(aws.lb.Listener, checkListenerTls), validateResourceOfType(aws.alb.Listener, checkListenerTls)],
};

/** How each load balancer of the stack serves HTTP, for the two HTTPS policies. */
interface HttpExposure {
    readonly node: Node;
    /** Listeners or forwarding rules that serve plain HTTP instead of redirecting. */
    readonly plainHttp: { readonly urn: string; readonly what: string }[];
    readonly hasHttps: boolean;
}

const isHttpsRedirect = (action: any) => action?.type === "redirect" && action?.redirect?.protocol === "HTTPS";

/** Load balancers with what they serve over HTTP; those that cannot be judged yet are left out. */
export function httpExposure(view: StackView): HttpExposure[] {
    const result: HttpExposure[] = [];
    const listeners = view.ofType(...T.listener);
    const rules = view.ofType(...T.listenerRule);
    for (const lb of view.ofType(...T.loadBalancer)) {
        const type = lb.props.loadBalancerType ?? "application";
        if (isUnknown(type) || type !== "application") continue;
        const links = listeners.map((l) => ({ l, to: view.targets(l, "loadBalancerArn", [lb], ["arn", "id"]) }));
        if (links.some((x) => isUnknown(x.to))) continue;
        const own = links.filter((x) => (x.to as Node[]).length > 0).map((x) => x.l);
        if (own.some((l) => hasUnknown(l.props.protocol) || hasUnknown(l.props.defaultActions))) continue;
        const http = own.filter((l) => (l.props.protocol ?? "HTTP") === "HTTP");
        const plainHttp: { urn: string; what: string }[] = [];
        for (const l of http) {
            const actions: any[] = l.props.defaultActions ?? [];
            if (!actions.every(isHttpsRedirect)) plainHttp.push({ urn: l.urn, what: `listener ${quoted(l.name)}` });
            for (const rule of rules) {
                const to = view.targets(rule, "listenerArn", [l], ["arn", "id"]);
                if (isUnknown(to) || to.length === 0 || hasUnknown(rule.props.actions)) continue;
                if (!(rule.props.actions ?? []).every(isHttpsRedirect)) plainHttp.push({ urn: rule.urn, what: `listener rule ${quoted(rule.name)}` });
            }
        }
        result.push({ node: lb, plainHttp, hasHttps: own.some((l) => l.props.protocol === "HTTPS") });
    }
    for (const lb of view.ofType(...T.doLoadBalancer)) {
        const rules = lb.props.forwardingRules;
        if (hasUnknown(rules) || hasUnknown(lb.props.redirectHttpToHttps)) continue;
        const entries: string[] = (rules ?? []).map((r: any) => String(r?.entryProtocol ?? "").toLowerCase());
        const hasHttps = entries.some((e) => ["https", "http2", "http3"].includes(e));
        const servesHttp = entries.includes("http") && lb.props.redirectHttpToHttps !== true;
        result.push({ node: lb, plainHttp: servesHttp ? [{ urn: lb.urn, what: "HTTP forwarding rule" }] : [], hasHttps });
    }
    return result;
}

/** Tiers in which plain HTTP is never acceptable (a domain, and so HTTPS, is required). */
const HTTPS_REQUIRED: readonly Tier[] = ["prod"];

/**
 * Load balancers serve HTTPS, and HTTP only as a redirect to it. A load
 * balancer without any HTTPS (no domain yet) is left to the advisory
 * {@link loadBalancerPlainHttp} below prod.
 */
export const loadBalancerHttps: StackValidationPolicy = {
    name: "load-balancer-https",
    description: "Load balancers serve HTTPS, with HTTP only redirecting to it.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const tier = view.tier(args.getConfig<TierConfig>().tier);
        if (isUnknown(tier)) return;
        for (const lb of httpExposure(view)) {
            const required = HTTPS_REQUIRED.includes(tier);
            if (!lb.hasHttps && required) {
                reportViolation(
                    `Load balancer ${quoted(lb.node.name)} serves no HTTPS in a ${tier} stack; set alicerce:domain so it gets a certificate and an HTTPS listener.`,
                    lb.node.urn,
                );
            }
            if (!lb.hasHttps && !required) continue;
            for (const served of lb.plainHttp) {
                reportViolation(
                    `${served.what[0].toUpperCase()}${served.what.slice(1)} on load balancer ${quoted(lb.node.name)} serves plain HTTP; make HTTP redirect to HTTPS (a "redirect" action with protocol "HTTPS", or redirectHttpToHttps on DigitalOcean).`,
                    served.urn,
                );
            }
        }
    },
};

/** The allowed but reviewable case: below prod, without a domain, a load balancer serves plain HTTP only. */
export const loadBalancerPlainHttp: StackValidationPolicy = {
    name: "load-balancer-plain-http",
    description: "A load balancer serves plain HTTP only (allowed below prod until a domain is set).",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...TIER_SETTING } },
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const tier = view.tier(args.getConfig<TierConfig>().tier);
        if (isUnknown(tier) || HTTPS_REQUIRED.includes(tier)) return;
        for (const lb of httpExposure(view)) {
            if (!lb.hasHttps && lb.plainHttp.length > 0) {
                reportViolation(`Load balancer ${quoted(lb.node.name)} serves plain HTTP only; set alicerce:domain before real users arrive.`, lb.node.urn);
            }
        }
    },
};

/** The parameter that makes each engine family refuse unencrypted connections. */
function sslParameter(family: string): string | undefined {
    if (/^(aurora-)?postgres/.test(family)) return "rds.force_ssl";
    if (/^(aurora-)?mysql|^mariadb/.test(family)) return "require_secure_transport";
    return undefined;
}

const checkForceSsl = (kind: string) => (props: any, args: { name: string }, reportViolation: (m: string) => void) => {
    const p = plain(props);
    if (typeof p.family !== "string") return;
    const parameter = sslParameter(p.family);
    if (!parameter || hasUnknown(p.parameters)) return;
    const set = (p.parameters ?? []).filter((x: any) => x?.name === parameter);
    if (set.some((x: any) => ["1", "on"].includes(String(x.value).toLowerCase()))) return;
    reportViolation(`RDS ${kind} ${quoted(args.name)} does not force SSL; add the parameter { name: "${parameter}", value: "1" }.`);
};

/** Database parameter groups refuse connections without TLS. */
export const rdsForceSsl: ResourceValidationPolicy = {
    name: "rds-force-ssl",
    description: "RDS parameter groups force SSL connections.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfType(aws.rds.ParameterGroup, checkForceSsl("parameter group")),
        validateResourceOfType(aws.rds.ClusterParameterGroup, checkForceSsl("cluster parameter group")),
    ],
};

/** Symmetric KMS keys rotate yearly. */
export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys have automatic rotation on.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.kms.Key, (props, args, reportViolation) => {
        const p = plain(props);
        const spec = p.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        const usage = p.keyUsage ?? "ENCRYPT_DECRYPT";
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return;
        const rotation = bool(p.enableKeyRotation);
        if (!isUnknown(rotation) && rotation !== true) {
            reportViolation(`KMS key ${quoted(args.name)} does not rotate; set enableKeyRotation: true.`);
        }
    }),
};

/** DigitalOcean database clusters have a firewall, and it does not admit the whole internet. */
export const digitaloceanDatabaseFirewall: StackValidationPolicy = {
    name: "digitalocean-database-firewall",
    description: "DigitalOcean database clusters accept connections only from what their firewall names.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const view = new StackView(args.resources);
        const clusters = view.ofType(...T.doDatabaseCluster);
        const guarded = new Set<string>();
        const undecided = new Set<string>();
        for (const fw of view.ofType(...T.doDatabaseFirewall)) {
            const rules = fw.props.rules;
            if (!hasUnknown(rules)) {
                for (const rule of rules ?? []) {
                    if (rule?.type === "ip_addr" && typeof rule?.value === "string" && isInternetRange(rule.value)) {
                        reportViolation(
                            `Database firewall ${quoted(fw.name)} admits ${rule.value}; name the app's droplets, tag or VPC range instead.`,
                            fw.urn,
                        );
                    }
                }
            }
            const to = view.targets(fw, "clusterId", clusters, ["id"]);
            if (isUnknown(to)) view.mayTarget(fw, "clusterId", clusters).forEach((c) => undecided.add(c.urn));
            else if (!hasUnknown(rules) && (rules ?? []).length > 0) to.forEach((c) => guarded.add(c.urn));
        }
        for (const cluster of clusters.filter((c) => !guarded.has(c.urn) && !undecided.has(c.urn))) {
            reportViolation(
                `Database cluster ${quoted(cluster.name)} has no firewall rules, so any address can try to connect; add a digitalocean.DatabaseFirewall for it admitting only the app.`,
                cluster.urn,
            );
        }
    },
};
