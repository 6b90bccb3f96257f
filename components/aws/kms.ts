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
}

/** {@link KmsArgs} with defaults applied. */
export function withKmsDefaults(args: KmsArgs): Required<KmsArgs> {
    return { ...args, deletionWindowDays: args.deletionWindowDays ?? 30, protect: args.protect ?? false };
}

/**
 * The stack's customer-managed KMS key (symmetric, yearly automatic
 * rotation) and its alias. It encrypts the database, its backups and
 * Performance Insights, the assets and backups buckets, Secrets Manager
 * secrets and encrypted log groups. Costs $1 a month plus requests (bucket
 * keys keep S3's requests few).
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
                policy: JSON.stringify(kmsKeyPolicy(a.accountId, a.region)),
            },
            { parent: this, protect: a.protect },
        );
        const alias = new aws.kms.Alias(`${name}-alias`, { name: a.aliasName, targetKeyId: key.keyId }, { parent: this });

        this.keyArn = key.arn;
        this.keyId = key.keyId;
        this.aliasName = alias.name;
        this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, aliasName: this.aliasName });
    }
}
