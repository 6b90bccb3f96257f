import { cloudFrontReadStatement } from "./cdn";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { s3BucketName } from "../shared/naming";
import { dataBucketPolicy, logsBucketPolicy, PolicyDocument } from "./iam-documents";
import { Transform, transform } from "../shared/transform";

/** Where ALB access logs go in the logs bucket (the edge's load balancer uses this prefix). */
export const ALB_LOGS_PREFIX = "alb";
/** Where VPC flow logs go in the logs bucket. */
export const FLOW_LOGS_PREFIX = "flow-logs";
/** Where S3 server access logs of the assets and backups buckets go in the logs bucket (`s3-access/<purpose>/`). */
export const S3_ACCESS_LOGS_PREFIX = "s3-access";
/** Where the CloudTrail trail writes in the logs bucket. */
export const CLOUDTRAIL_PREFIX = "cloudtrail";

/** The buckets a stack has. */
export const BUCKET_PURPOSES = ["assets", "backups", "logs"] as const;
/** What a bucket holds. */
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];

/** The children a {@link Transform} may change. */
export interface StorageTransform {
    /** every bucket the component makes (the logical name tells them apart) */
    readonly bucket?: Transform<aws.s3.BucketArgs>;
}

/** Arguments of {@link Storage}. */
export interface StorageArgs {
    /** Project name, first part of every bucket name. */
    readonly project: string;
    /** Stack name, second part of every bucket name. Never the tier: bucket names are permanent. */
    readonly stack: string;
    /** AWS account id: makes the global bucket names ours, and scopes log delivery. */
    readonly accountId: string;
    /** The stack's region (bucket names, ALB log-delivery principal). */
    readonly region: string;
    /** The stack key: SSE-KMS with bucket keys for the assets and backups buckets. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * A CloudFront distribution that reads the assets bucket's public prefix
     * through origin access control; the bucket stays private and its policy
     * admits only this distribution (AWS:SourceArn). @default undefined (no CDN)
     */
    readonly cdn?: { readonly distributionArn: pulumi.Input<string>; readonly publicPrefix: string };
    /**
     * Origins allowed to upload straight to the assets bucket with presigned
     * URLs (`https://app.example.com`). The presigned URL is the credential;
     * CORS only lets a browser on that origin send it.
     * @default ["*"] (no domain yet: the load balancer's own name serves the app)
     */
    readonly corsOrigins?: readonly string[];
    /**
     * Days ALB access logs and flow logs are kept.
     * @default 30
     */
    readonly logRetentionDays?: number;
    /**
     * Days after which backup objects move to S3 Glacier Instant Retrieval
     * ($0.004 vs $0.023 per GB-month in us-east-1; 90-day minimum, so an
     * object moved at 30 and deleted at 90 still costs less than keeping it in
     * Standard). Objects under 128 KB stay in Standard.
     * @default 30
     */
    readonly backupArchiveAfterDays?: number;
    /**
     * Days after which backup objects are deleted; 0 keeps them until deleted by hand.
     * @default 0
     */
    readonly backupExpireAfterDays?: number;
    /**
     * Days an overwritten or deleted version of an asset or backup is kept
     * (undo window for mistakes and ransomware).
     * @default 30
     */
    readonly noncurrentVersionDays?: number;
    /**
     * Pulumi `protect` on the buckets: `pulumi destroy` stops before deleting them.
     * @default false
     */
    readonly protect?: boolean;
    /**
     * `forceDestroy` on the logs bucket: `pulumi destroy` empties it (ALB
     * access logs, flow logs and S3 access logs are disposable where no audit
     * trail lands there). The assets and backups buckets are never
     * force-destroyed: a destroy stops at them while they hold objects.
     * @default false
     */
    readonly disposableLogs?: boolean;
    /**
     * The ARN of a CloudTrail trail that writes to the logs bucket (under
     * {@link CLOUDTRAIL_PREFIX}); its bucket policy then admits that trail.
     * @default undefined (no trail)
     */
    readonly cloudTrailArn?: string;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: StorageTransform;
}

/** {@link StorageArgs} with defaults applied. */
export type StorageSettings = Required<Omit<StorageArgs, "cloudTrailArn" | "transform" | "cdn">> & Pick<StorageArgs, "cloudTrailArn" | "transform" | "cdn">;

/** {@link StorageArgs} with defaults applied. */
export function withStorageDefaults(args: StorageArgs): StorageSettings {
    const archive = args.backupArchiveAfterDays ?? 30;
    const expire = args.backupExpireAfterDays ?? 0;
    // S3 PutBucketLifecycleConfiguration: in one rule, the expiration must come after the transition.
    if (expire > 0 && expire <= archive) {
        throw new Error(
            `backupExpireAfterDays ${expire} must be greater than backupArchiveAfterDays ${archive} (S3 refuses an expiration not after the transition)`,
        );
    }
    return {
        ...args,
        corsOrigins: args.corsOrigins ?? ["*"],
        logRetentionDays: args.logRetentionDays ?? 30,
        backupArchiveAfterDays: args.backupArchiveAfterDays ?? 30,
        backupExpireAfterDays: args.backupExpireAfterDays ?? 0,
        noncurrentVersionDays: args.noncurrentVersionDays ?? 30,
        protect: args.protect ?? false,
        disposableLogs: args.disposableLogs ?? false,
    };
}

/**
 * Whether `pulumi destroy` may delete a bucket with the objects in it: only
 * the logs bucket, and only when its logs are disposable.
 */
export function forceDestroy(purpose: BucketPurpose, s: Pick<StorageSettings, "disposableLogs">): boolean {
    return purpose === "logs" && s.disposableLogs;
}

/** A lifecycle rule, as `aws.s3.BucketLifecycleConfiguration` takes it. */
export type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

/**
 * The lifecycle rules of one bucket. Every bucket drops unfinished multipart
 * uploads after 7 days (they are billed but invisible); versioned buckets
 * expire old versions; backups move to an archive class and, when set,
 * expire; logs expire after the retention.
 */
export function lifecycleRules(purpose: BucketPurpose, s: StorageSettings): LifecycleRule[] {
    const all = { filter: { prefix: "" }, status: "Enabled" };
    const abort = { id: "abort-incomplete-uploads", ...all, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };
    const oldVersions = { id: "expire-old-versions", ...all, noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays } };
    switch (purpose) {
        case "assets":
            return [abort, oldVersions];
        case "backups":
            return [
                abort,
                oldVersions,
                {
                    id: "archive-backups",
                    ...all,
                    transitions: [{ days: s.backupArchiveAfterDays, storageClass: "GLACIER_IR" }],
                    ...(s.backupExpireAfterDays > 0 ? { expiration: { days: s.backupExpireAfterDays } } : {}),
                },
            ];
        case "logs":
            return [abort, { id: "expire-logs", ...all, expiration: { days: s.logRetentionDays } }];
    }
}

/** The buckets whose S3 server access logs go to the logs bucket. */
export const ACCESS_LOGGED: readonly BucketPurpose[] = ["assets", "backups"];

/** The bucket names of a stack, by purpose. */
export function bucketNames(s: Pick<StorageSettings, "project" | "stack" | "accountId" | "region">): Record<BucketPurpose, string> {
    return Object.fromEntries(
        BUCKET_PURPOSES.map((purpose) => [purpose, s3BucketName({ project: s.project, stack: s.stack, purpose, accountId: s.accountId, region: s.region })]),
    ) as Record<BucketPurpose, string>;
}

/** The bucket policy of one bucket. */
export function bucketPolicy(purpose: BucketPurpose, bucketArn: string, s: StorageSettings): PolicyDocument {
    if (purpose !== "logs") return dataBucketPolicy(bucketArn);
    const names = bucketNames(s);
    return logsBucketPolicy({
        bucketArn,
        accountId: s.accountId,
        region: s.region,
        albPrefix: ALB_LOGS_PREFIX,
        flowLogsPrefix: FLOW_LOGS_PREFIX,
        accessLogs: { prefix: S3_ACCESS_LOGS_PREFIX, sourceBucketArns: ACCESS_LOGGED.map((p) => `arn:aws:s3:::${names[p]}`) },
        ...(s.cloudTrailArn ? { cloudTrail: { prefix: CLOUDTRAIL_PREFIX, trailArn: s.cloudTrailArn } } : {}),
    });
}

/**
 * The stack's S3 buckets, private and encrypted:
 * - `assets`: user uploads; versioned, CORS for presigned browser uploads, SSE-KMS.
 * - `backups`: exports and dumps; versioned, archived after 30 days, SSE-KMS.
 * - `logs`: ALB access logs (`alb/`), VPC flow logs (`flow-logs/`), the other
 *   buckets' S3 server access logs (`s3-access/`) and, when there is one, the
 *   CloudTrail trail (`cloudtrail/`); SSE-S3, because ALB access logs and S3
 *   server access logs accept only SSE-S3 (AWS docs, "Enable access logs for
 *   your Application Load Balancer", step 1; S3 User Guide, "Enabling Amazon
 *   S3 server access logging").
 *
 * Every bucket blocks all public access, disables ACLs (BucketOwnerEnforced),
 * denies requests without TLS 1.2+. Only the logs bucket may be
 * force-destroyed, when its logs are disposable ({@link forceDestroy}). Bucket
 * outputs resolve only once the bucket's policy and settings exist, so a
 * load balancer or flow log that writes to it is created after its grant.
 */
export class Storage extends pulumi.ComponentResource {
    public readonly assetsBucketName: pulumi.Output<string>;
    public readonly assetsBucketArn: pulumi.Output<string>;
    public readonly backupsBucketName: pulumi.Output<string>;
    public readonly backupsBucketArn: pulumi.Output<string>;
    public readonly logsBucketName: pulumi.Output<string>;
    public readonly logsBucketArn: pulumi.Output<string>;

    constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Storage", name, {}, opts);
        const t = args.transform ?? {};
        const s = withStorageDefaults(args);

        const made = {} as Record<BucketPurpose, { id: pulumi.Output<string>; name: pulumi.Output<string>; arn: pulumi.Output<string> }>;
        const names = bucketNames(s);
        for (const purpose of BUCKET_PURPOSES) {
            const id = `${name}-${purpose}`;
            const bucketName = names[purpose];
            const bucket = new aws.s3.Bucket(
                ...transform(t.bucket, id, { bucket: bucketName, forceDestroy: forceDestroy(purpose, s) }, { parent: this, protect: s.protect }),
            );
            const child = { parent: this };

            const publicAccess = new aws.s3.BucketPublicAccessBlock(
                `${id}-public-access`,
                { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                child,
            );
            const ownership = new aws.s3.BucketOwnershipControls(
                `${id}-ownership`,
                { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
                child,
            );
            const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
                `${id}-encryption`,
                {
                    bucket: bucket.id,
                    rules: [
                        purpose === "logs"
                            ? // ALB access logs accept SSE-S3 only.
                              { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: s.kmsKeyArn }, bucketKeyEnabled: true },
                    ],
                },
                child,
            );
            const versioning =
                purpose === "logs"
                    ? undefined
                    : new aws.s3.BucketVersioning(`${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
            // Noncurrent-version rules need versioning in place first.
            const lifecycle = new aws.s3.BucketLifecycleConfiguration(
                `${id}-lifecycle`,
                { bucket: bucket.id, rules: lifecycleRules(purpose, s) },
                { parent: this, dependsOn: versioning ? [versioning] : [] },
            );
            // S3 rejects a policy written while the public access block is still being applied.
            const policy = new aws.s3.BucketPolicy(
                `${id}-policy`,
                {
                    bucket: bucket.id,
                    policy:
                        purpose === "assets" && args.cdn
                            ? pulumi.all([bucket.arn, args.cdn.distributionArn]).apply(([arn, d]) => {
                                  const doc = bucketPolicy(purpose, arn, s);
                                  return JSON.stringify({ ...doc, Statement: [...doc.Statement, cloudFrontReadStatement(arn, d, args.cdn!.publicPrefix)] });
                              })
                            : bucket.arn.apply((arn) => JSON.stringify(bucketPolicy(purpose, arn, s))),
                },
                { parent: this, dependsOn: [publicAccess, ownership] },
            );
            const extras: pulumi.Resource[] = [publicAccess, ownership, encryption, lifecycle, policy, ...(versioning ? [versioning] : [])];
            if (purpose === "assets") {
                extras.push(
                    new aws.s3.BucketCorsConfiguration(
                        `${id}-cors`,
                        {
                            bucket: bucket.id,
                            corsRules: [
                                {
                                    allowedMethods: ["GET", "HEAD", "PUT", "POST"],
                                    allowedOrigins: [...s.corsOrigins],
                                    allowedHeaders: ["*"],
                                    exposeHeaders: ["ETag"],
                                    maxAgeSeconds: 3000,
                                },
                            ],
                        },
                        child,
                    ),
                );
            }
            const ready = (value: pulumi.Output<string>) => pulumi.all([value, ...extras.map((r) => r.urn)]).apply(([v]) => v);
            made[purpose] = { id: bucket.id, name: ready(bucket.bucket), arn: ready(bucket.arn) };
        }

        // S3 server access logs (who read or wrote which object) into the logs bucket, written by the logging
        // service under the logs bucket's policy. S3 delivers them only to a bucket whose default encryption is
        // SSE-S3 (not SSE-KMS), which the logs bucket has; the logs bucket itself is not logged (no loop).
        for (const purpose of ACCESS_LOGGED) {
            new aws.s3.BucketLogging(
                `${name}-${purpose}-access-logs`,
                { bucket: made[purpose].id, targetBucket: made.logs.name, targetPrefix: `${S3_ACCESS_LOGS_PREFIX}/${purpose}/` },
                { parent: this },
            );
        }

        this.assetsBucketName = made.assets.name;
        this.assetsBucketArn = made.assets.arn;
        this.backupsBucketName = made.backups.name;
        this.backupsBucketArn = made.backups.arn;
        this.logsBucketName = made.logs.name;
        this.logsBucketArn = made.logs.arn;
        this.registerOutputs({
            assetsBucketName: this.assetsBucketName,
            assetsBucketArn: this.assetsBucketArn,
            backupsBucketName: this.backupsBucketName,
            backupsBucketArn: this.backupsBucketArn,
            logsBucketName: this.logsBucketName,
            logsBucketArn: this.logsBucketArn,
        });
    }
}
