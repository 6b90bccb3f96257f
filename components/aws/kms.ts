import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsKeyPolicy } from "./iam-documents";

/** Arguments of {@link Kms}. */
export interface KmsArgs {
    /** The alias, `alias/<project>-<stack>` (see `kmsAliasName`). Permanent: never derived from the tier. */
    readonly aliasName: string;
    /** The AWS account id, for the key policy. */
    readonly accountId: string;
    /** The stack's region, for the key policy's CloudWatch Logs grant. */
    readonly region: string;
    /** Shown in the console. */
    readonly description: string;
    /**
     * Days a deleted key waits before it is destroyed (7-30). Everything
     * encrypted with it (database, backups, secrets) is unreadable once it is.
     * @default 30
     */
    readonly deletionWindowDays?: number;
    /**
     * Pulumi `protect`: `pulumi destroy` stops before deleting the key.
     * @default false
     */
    readonly protect?: boolean;
    /**
     * Pulumi `retainOnDelete`: `pulumi destroy` (or a replacement) removes the
     * key from the stack but leaves it enabled in KMS, so what outlives the
     * stack (the database's final snapshot, AWS Backup recovery points,
     * secrets in their recovery window, bucket objects) stays readable.
     * Costs $1 a month until someone schedules its deletion by hand.
     * @default true
     */
    readonly retainOnDelete?: boolean;
    /**
     * The ARN of the CloudTrail trail that encrypts its log files with this
     * key; the key policy then lets that trail (and only it) use the key.
     * @default undefined (no trail)
     */
    readonly cloudTrailArn?: string;
    /** CloudFront (this account's distributions) may decrypt: a CDN reads SSE-KMS uploads through OAC. @default false */
    readonly cloudFrontReads?: boolean;
}

/** The deletion window KMS accepts, in days (ScheduleKeyDeletion `PendingWindowInDays`, 7-30). */
export const KMS_DELETION_WINDOW_DAYS = { min: 7, max: 30 } as const;

/** {@link KmsArgs} with defaults applied; throws on a deletion window KMS would refuse. */
export function withKmsDefaults(
    args: KmsArgs,
): Required<Omit<KmsArgs, "cloudTrailArn" | "cloudFrontReads">> & Pick<KmsArgs, "cloudTrailArn" | "cloudFrontReads"> {
    const deletionWindowDays = args.deletionWindowDays ?? 30;
    const { min, max } = KMS_DELETION_WINDOW_DAYS;
    if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < min || deletionWindowDays > max) {
        throw new Error(`KMS key deletion window ${deletionWindowDays} is not a whole number of days from ${min} to ${max}`);
    }
    return { ...args, deletionWindowDays, protect: args.protect ?? false, retainOnDelete: args.retainOnDelete ?? true };
}

/**
 * The stack's customer-managed KMS key (symmetric, yearly automatic
 * rotation) and its alias. It encrypts the database, its backups and
 * Performance Insights, the assets and backups buckets, Secrets Manager
 * secrets and encrypted log groups. Costs $1 a month plus requests (bucket
 * keys keep S3's requests few).
 *
 * `pulumi destroy` leaves the key in place (`retainOnDelete`): the final
 * snapshot RDS takes on delete is encrypted with it and is worthless without
 * it (docs/aws-data.md, "Tearing down").
 */
export class Kms extends pulumi.ComponentResource {
    /** The key's ARN. */
    public readonly keyArn: pulumi.Output<string>;
    /** The key's id. */
    public readonly keyId: pulumi.Output<string>;
    /** The alias (`alias/...`). */
    public readonly aliasName: pulumi.Output<string>;

    constructor(name: string, args: KmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Kms", name, {}, opts);
        const a = withKmsDefaults(args);

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: a.description,
                keyUsage: "ENCRYPT_DECRYPT",
                customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                enableKeyRotation: true,
                deletionWindowInDays: a.deletionWindowDays,
                policy: JSON.stringify(kmsKeyPolicy(a.accountId, a.region, a.cloudTrailArn, args.cloudFrontReads ?? false)),
            },
            { parent: this, protect: a.protect, retainOnDelete: a.retainOnDelete },
        );
        const alias = new aws.kms.Alias(`${name}-alias`, { name: a.aliasName, targetKeyId: key.keyId }, { parent: this });

        this.keyArn = key.arn;
        this.keyId = key.keyId;
        this.aliasName = alias.name;
        this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, aliasName: this.aliasName });
    }
}
