import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { Transform, transform } from "../shared/transform";

/** The children a {@link Transform} may change. */
export interface StorageTransform {
    /** every bucket the component makes (the logical name tells them apart) */
    readonly bucket?: Transform<digitalocean.SpacesBucketArgs>;
}

/** Arguments of {@link Storage}. */
export interface StorageArgs {
    /** Spaces region. */
    readonly region: string;
    /** The app's origin (`https://app.example.com`) allowed to upload to the assets bucket from browsers; without one, browsers may only read. */
    readonly appOrigin?: string;
    /** Days objects in the backups bucket are kept. */
    readonly backupRetentionDays: number;
    /** Pulumi `protect` on the buckets (growth and prod: customer data). */
    readonly protect: boolean;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: StorageTransform;
}

/** CORS for the assets bucket: reads from anywhere; uploads only from the app's own origin. */
export function assetsCorsRules(appOrigin?: string): digitalocean.types.input.SpacesBucketCorsConfigurationCorsRule[] {
    const rules: digitalocean.types.input.SpacesBucketCorsConfigurationCorsRule[] = [
        { id: "read", allowedMethods: ["GET", "HEAD"], allowedOrigins: ["*"], maxAgeSeconds: 3600 },
    ];
    if (appOrigin !== undefined) {
        rules.push({
            id: "upload",
            allowedMethods: ["PUT", "POST"],
            allowedOrigins: [appOrigin],
            allowedHeaders: ["*"],
            exposeHeaders: ["ETag"],
            maxAgeSeconds: 3600,
        });
    }
    return rules;
}

/** Lifecycle of the assets bucket: old versions go after 30 days, abandoned multipart uploads after 7. */
export function assetsLifecycleRules(): digitalocean.types.input.SpacesBucketLifecycleRule[] {
    return [
        { id: "noncurrent-versions", enabled: true, noncurrentVersionExpiration: { days: 30 } },
        { id: "abandoned-uploads", enabled: true, abortIncompleteMultipartUploadDays: 7, expiration: { expiredObjectDeleteMarker: true } },
    ];
}

/** Lifecycle of the backups bucket: copies expire after the retention; overwritten versions a week later. */
export function backupsLifecycleRules(retentionDays: number): digitalocean.types.input.SpacesBucketLifecycleRule[] {
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`backup retention must be a whole number of days, got ${retentionDays}`);
    return [
        { id: "expire-backups", enabled: true, expiration: { days: retentionDays }, abortIncompleteMultipartUploadDays: 1 },
        { id: "noncurrent-versions", enabled: true, noncurrentVersionExpiration: { days: 7 } },
    ];
}

/**
 * Object storage on Spaces: a versioned assets bucket with CORS, a private
 * versioned backups bucket, and a private config bucket
 * that holds the app's env file (see AppServers). Two Spaces keys are made
 * with per-bucket grants: the app's (read-write on assets only) and the
 * droplets' bootstrap key (read-only on config only). Buckets cannot be
 * tagged; they join the project through their URNs. Spaces encrypts every
 * object at rest; buckets stay `private`. No CDN endpoint: the app serves
 * no asset through one yet, and an unused endpoint only adds cost.
 */
export class Storage extends pulumi.ComponentResource {
    public readonly assetsBucket: pulumi.Output<string>;
    public readonly assetsBucketUrn: pulumi.Output<string>;
    public readonly backupsBucket: pulumi.Output<string>;
    public readonly backupsBucketUrn: pulumi.Output<string>;
    public readonly configBucket: pulumi.Output<string>;
    public readonly configBucketUrn: pulumi.Output<string>;
    /** The S3 API endpoint of the region, for the app's S3 client. */
    public readonly s3Endpoint: string;
    /** The app's key (read-write on the assets bucket). */
    public readonly appAccessKey: pulumi.Output<string>;
    public readonly appSecretKey: pulumi.Output<string>;
    /** The droplets' bootstrap key (read-only on the config bucket). */
    public readonly bootstrapAccessKey: pulumi.Output<string>;
    public readonly bootstrapSecretKey: pulumi.Output<string>;

    constructor(name: string, args: StorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Storage", name, {}, opts);
        const t = args.transform ?? {};
        const dataOpts = { parent: this, protect: args.protect };

        const assets = new digitalocean.SpacesBucket(
            ...transform(
                t.bucket,
                `${name}-assets`,
                { region: args.region, acl: "private", versioning: { enabled: true }, lifecycleRules: assetsLifecycleRules(), forceDestroy: false },
                dataOpts,
            ),
        );
        // The bucket's own corsRules are deprecated (no drift detection); the separate resource is the supported way.
        new digitalocean.SpacesBucketCorsConfiguration(
            `${name}-assets-cors`,
            { bucket: assets.name, region: args.region, corsRules: assetsCorsRules(args.appOrigin) },
            { parent: this },
        );

        const backups = new digitalocean.SpacesBucket(
            ...transform(
                t.bucket,
                `${name}-backups`,
                {
                    region: args.region,
                    acl: "private",
                    versioning: { enabled: true },
                    lifecycleRules: backupsLifecycleRules(args.backupRetentionDays),
                    forceDestroy: false,
                },
                dataOpts,
            ),
        );
        // Versioned so an overwritten env file can be restored; small, so old versions go after a week.
        const config = new digitalocean.SpacesBucket(
            ...transform(
                t.bucket,
                `${name}-config`,
                {
                    region: args.region,
                    acl: "private",
                    versioning: { enabled: true },
                    lifecycleRules: [{ id: "noncurrent-versions", enabled: true, noncurrentVersionExpiration: { days: 7 } }],
                    forceDestroy: false,
                },
                dataOpts,
            ),
        );

        const appKey = new digitalocean.SpacesKey(`${name}-app-key`, { grants: [{ bucket: assets.name, permission: "readwrite" }] }, { parent: this });
        const bootstrapKey = new digitalocean.SpacesKey(`${name}-bootstrap-key`, { grants: [{ bucket: config.name, permission: "read" }] }, { parent: this });

        this.assetsBucket = assets.name;
        this.assetsBucketUrn = assets.bucketUrn;
        this.backupsBucket = backups.name;
        this.backupsBucketUrn = backups.bucketUrn;
        this.configBucket = config.name;
        this.configBucketUrn = config.bucketUrn;
        this.s3Endpoint = `https://${args.region}.digitaloceanspaces.com`;
        this.appAccessKey = appKey.accessKey;
        this.appSecretKey = pulumi.secret(appKey.secretKey);
        this.bootstrapAccessKey = bootstrapKey.accessKey;
        this.bootstrapSecretKey = pulumi.secret(bootstrapKey.secretKey);
        this.registerOutputs({
            assetsBucket: this.assetsBucket,
            assetsBucketUrn: this.assetsBucketUrn,
            backupsBucket: this.backupsBucket,
            backupsBucketUrn: this.backupsBucketUrn,
            configBucket: this.configBucket,
            configBucketUrn: this.configBucketUrn,
            s3Endpoint: this.s3Endpoint,
            appAccessKey: this.appAccessKey,
            appSecretKey: this.appSecretKey,
            bootstrapAccessKey: this.bootstrapAccessKey,
            bootstrapSecretKey: this.bootstrapSecretKey,
        });
    }
}
