import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsAliasName, s3BucketName } from "../shared/naming";
import { serviceTrustPolicy } from "./iam-documents";

/** Arguments of {@link SecondRegion}. */
export interface SecondRegionArgs {
    readonly project: string;
    readonly stack: string;
    readonly accountId: string;
    /** The stack's own region (the source). */
    readonly region: string;
    /** Where the copies go; never {@link region} (checked in stacks/). */
    readonly secondRegion: string;
    /** The standard tags, put on every resource by the second region's provider. */
    readonly tags: Readonly<Record<string, string>>;
    /** The stack key in the primary region: it encrypts the source objects (S3 decrypts them with it to replicate). */
    readonly sourceKmsKeyArn: pulumi.Input<string>;
    /** The buckets replicated, by purpose (`assets`, `backups`): their names and ARNs resolve once their versioning exists. */
    readonly buckets: { readonly [purpose: string]: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> } };
    /** Pulumi `protect` on the key, the vault and the replica buckets. */
    readonly protect: boolean;
}

/** The `aws:s3:arn` encryption contexts of objects in these buckets: the bucket's ARN (S3 Bucket Key) and each object's. */
function encryptionContexts(buckets: string[]): string[] {
    return buckets.flatMap((arn) => [arn, `${arn}/*`]);
}

/**
 * The IAM policy S3 replication runs with: read the source buckets'
 * replication configuration and object versions, write replicas to the
 * destination buckets, decrypt with the source key and encrypt with the
 * destination key, nothing else (S3 User Guide, "Setting up permissions for
 * live replication" and "Replicating encrypted objects (SSE-KMS)").
 *
 * The KMS conditions name both `<bucket ARN>` and `<bucket ARN>/*`: with an S3
 * Bucket Key (both ends set `bucketKeyEnabled`) the encryption context S3
 * sends to KMS is the bucket's ARN, without one it is the object's ARN ("You
 * must update your IAM policies to use the bucket ARN for the encryption
 * context", S3 User Guide, replication-config-for-kms-objects.html, "Amazon S3
 * Bucket Keys and replication"). The destination key also grants
 * `kms:Decrypt` (the same page's example policy and its list of destination
 * key permissions).
 */
export function replicationPolicy(
    sources: string[],
    destinations: string[],
    sourceKey: string,
    destinationKey: string,
    region: string,
    secondRegion: string,
): object {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadSourceConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: sources },
            {
                Sid: "ReadSourceVersions",
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: sources.map((arn) => `${arn}/*`),
            },
            { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: destinations.map((arn) => `${arn}/*`) },
            {
                Sid: "DecryptSource",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [sourceKey],
                Condition: {
                    StringLike: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": encryptionContexts(sources) },
                },
            },
            {
                Sid: "EncryptReplicas",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                Resource: [destinationKey],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${secondRegion}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": encryptionContexts(destinations),
                    },
                },
            },
        ],
    };
}

/**
 * The storage class a bucket's replica is written in. Backups (few, large dumps and archives) go to Standard-IA,
 * which stores for about half. The app's assets are many small objects written all the time: Standard-IA bills
 * 128 KB at least per object and $0.01 per 1,000 PUTs (Standard: $0.005), so at prod's stated writes it costs more
 * than it saves (https://aws.amazon.com/s3/pricing/), and they stay Standard.
 */
export function replicaStorageClass(purpose: string): "STANDARD" | "STANDARD_IA" {
    return purpose === "backups" ? "STANDARD_IA" : "STANDARD";
}

/**
 * Copies of the stack's data in a second region, for a regional outage:
 * an explicit provider for that region, a KMS key of its own there (a key
 * never leaves its region), an AWS Backup vault encrypted with it (the
 * database plan's copy action targets {@link vaultArn}), and a versioned,
 * private, KMS-encrypted replica bucket for each source bucket, filled by S3
 * replication. Deletes are not replicated (delete markers stay at the source),
 * so a mistaken or malicious delete in the primary region leaves the replica.
 */
export class SecondRegion extends pulumi.ComponentResource {
    /** The second region's provider. */
    public readonly provider: aws.Provider;
    public readonly keyArn: pulumi.Output<string>;
    /** The vault the database's long-term copies are copied to. */
    public readonly vaultArn: pulumi.Output<string>;
    /** The replica buckets, by purpose. */
    public readonly replicaBuckets: { readonly [purpose: string]: pulumi.Output<string> };

    constructor(name: string, args: SecondRegionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:SecondRegion", name, {}, opts);
        const provider = new aws.Provider(
            `${name}-aws`,
            { region: args.secondRegion as aws.Region, defaultTags: { tags: { ...args.tags } } },
            { parent: this },
        );
        const there = { parent: this, provider };
        const kept = { ...there, protect: args.protect };

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `${args.project}/${args.stack}: copies in ${args.secondRegion}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
            },
            { ...kept, retainOnDelete: true },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `${kmsAliasName(args.project, args.stack)}-copies`, targetKeyId: key.keyId }, there);
        const vault = new aws.backup.Vault(`${name}-vault`, { kmsKeyArn: key.arn }, kept);

        const role = new aws.iam.Role(
            `${name}-replication`,
            { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("s3.amazonaws.com")), description: `S3 replication to ${args.secondRegion}` },
            { parent: this, provider: opts.provider },
        );

        const replicas: Record<string, pulumi.Output<string>> = {};
        const destinations: pulumi.Output<string>[] = [];
        const pending: {
            purpose: string;
            source: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
            bucket: aws.s3.Bucket;
            versioning: aws.s3.BucketVersioning;
        }[] = [];
        for (const [purpose, source] of Object.entries(args.buckets)) {
            const id = `${name}-${purpose}`;
            const bucket = new aws.s3.Bucket(
                id,
                {
                    bucket: s3BucketName({
                        project: args.project,
                        stack: args.stack,
                        purpose: `${purpose}-copy`,
                        accountId: args.accountId,
                        region: args.secondRegion,
                    }),
                },
                kept,
            );
            new aws.s3.BucketPublicAccessBlock(
                `${id}-public-access`,
                { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                there,
            );
            new aws.s3.BucketOwnershipControls(`${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, there);
            new aws.s3.BucketServerSideEncryptionConfiguration(
                `${id}-encryption`,
                {
                    bucket: bucket.id,
                    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
                },
                there,
            );
            // Replication needs versioning on the source and the destination (S3 User Guide, "Requirements for live replication").
            const versioning = new aws.s3.BucketVersioning(`${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, there);
            new aws.s3.BucketLifecycleConfiguration(
                `${id}-lifecycle`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "old-versions",
                            status: "Enabled",
                            filter: { prefix: "" },
                            noncurrentVersionExpiration: { noncurrentDays: 90 },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                        },
                    ],
                },
                { ...there, dependsOn: [versioning] },
            );
            replicas[purpose] = bucket.bucket;
            destinations.push(bucket.arn);
            pending.push({ purpose, source, bucket, versioning });
        }

        const policy = new aws.iam.RolePolicy(
            `${name}-replication`,
            {
                role: role.id,
                policy: pulumi
                    .all([pulumi.all(Object.values(args.buckets).map((b) => b.arn)), pulumi.all(destinations), args.sourceKmsKeyArn, key.arn])
                    .apply(([sources, dests, sourceKey, destKey]) =>
                        JSON.stringify(replicationPolicy(sources, dests, sourceKey, destKey, args.region, args.secondRegion)),
                    ),
            },
            { parent: this, provider: opts.provider },
        );

        for (const { purpose, source, bucket, versioning } of pending) {
            // S3 refuses a replication configuration before versioning is on at both ends: the source's name resolves
            // only once its versioning exists (Storage), the destination's is an explicit dependency.
            new aws.s3.BucketReplicationConfig(
                `${name}-${purpose}-replication`,
                {
                    bucket: source.name,
                    role: role.arn,
                    rules: [
                        {
                            id: `to-${args.secondRegion}`,
                            status: "Enabled",
                            priority: 1,
                            filter: {},
                            // A delete in the primary region stays there: the copy is what survives a mistake.
                            deleteMarkerReplication: { status: "Disabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: bucket.arn,
                                storageClass: replicaStorageClass(purpose),
                                encryptionConfiguration: { replicaKmsKeyId: key.arn },
                            },
                        },
                    ],
                },
                { parent: this, provider: opts.provider, dependsOn: [versioning, policy] },
            );
        }

        this.provider = provider;
        this.keyArn = key.arn;
        this.vaultArn = vault.arn;
        this.replicaBuckets = replicas;
        this.registerOutputs({ keyArn: this.keyArn, vaultArn: this.vaultArn, replicaBuckets: this.replicaBuckets });
    }
}
