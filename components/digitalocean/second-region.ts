import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { HEARTBEAT_EXPIRY_DAYS } from "./region-copy";

/** Arguments of {@link SecondRegionCopies}. */
export interface SecondRegionCopiesArgs {
    /** The second region (a DigitalOcean region with Spaces, never the stack's: checked in stacks/). */
    readonly secondRegion: string;
    /** The buckets whose objects are copied (assets, backups), read-only for the copy key. */
    readonly sourceBuckets: pulumi.Input<string>[];
    /** Days old versions of copied objects are kept. */
    readonly keepDays: number;
    readonly protect: boolean;
}

/**
 * The second region on DigitalOcean: Spaces has no cross-region replication,
 * so the copies go to a private, versioned Spaces bucket in another region,
 * with a key that may only read the source buckets and write the copy
 * bucket (SpacesKey grants: https://docs.digitalocean.com/products/spaces/how-to/manage-access/#access-keys).
 * Objects deleted from the copy stay as old versions for {@link SecondRegionCopiesArgs.keepDays} days.
 */
export class SecondRegionCopies extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly bucketUrn: pulumi.Output<string>;
    public readonly endpoint: string;
    public readonly accessKey: pulumi.Output<string>;
    /** Secret. */
    public readonly secretKey: pulumi.Output<string>;

    constructor(name: string, args: SecondRegionCopiesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:SecondRegionCopies", name, {}, opts);
        const bucket = new digitalocean.SpacesBucket(
            `${name}-copies`,
            {
                region: args.secondRegion,
                acl: "private",
                versioning: { enabled: true },
                lifecycleRules: [
                    { id: "old-versions", enabled: true, noncurrentVersionExpiration: { days: args.keepDays }, abortIncompleteMultipartUploadDays: 7 },
                    // The copy job's heartbeat (components/digitalocean/region-copy.ts): not rewritten for this long, it expires and the uptime check alerts.
                    { id: "heartbeat", enabled: true, prefix: "heartbeat/", expiration: { days: HEARTBEAT_EXPIRY_DAYS } },
                ],
                forceDestroy: false,
            },
            { parent: this, protect: args.protect },
        );
        const key = new digitalocean.SpacesKey(
            `${name}-copy-key`,
            { grants: [...args.sourceBuckets.map((b) => ({ bucket: b, permission: "read" })), { bucket: bucket.name, permission: "readwrite" }] },
            { parent: this },
        );
        this.bucket = bucket.name;
        this.bucketUrn = bucket.bucketUrn;
        this.endpoint = `https://${args.secondRegion}.digitaloceanspaces.com`;
        this.accessKey = key.accessKey;
        this.secretKey = pulumi.secret(key.secretKey);
        this.registerOutputs({ bucket: this.bucket, bucketUrn: this.bucketUrn, endpoint: this.endpoint, accessKey: this.accessKey, secretKey: this.secretKey });
    }
}
