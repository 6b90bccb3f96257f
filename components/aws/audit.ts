import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * What is wrong with a CloudTrail trail name (empty when valid). CloudTrail
 * CreateTrail `Name`: 3-128 ASCII letters, digits, periods, underscores or
 * dashes; starts and ends with a letter or digit; no two of `._-` side by
 * side; not an IP address.
 */
export function trailNameProblems(name: string): string[] {
    const problems: string[] = [];
    if (name.length < 3 || name.length > 128) problems.push(`is ${name.length} characters; CloudTrail allows 3 to 128`);
    if (!/^[A-Za-z0-9._-]+$/.test(name)) problems.push("must be letters, digits, '.', '_' and '-'");
    if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) problems.push("must start and end with a letter or digit");
    if (/[._-]{2}/.test(name)) problems.push("must not have two of '.', '_', '-' side by side");
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) problems.push("must not look like an IP address");
    return problems;
}

/** The stack's trail name, `<project>-<stack>-audit`; throws if CloudTrail would refuse it. */
export function trailName(project: string, stack: string): string {
    const name = `${project}-${stack}-audit`
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, "-")
        .replace(/[._-]{2,}/g, "-")
        .replace(/^[._-]+/, "")
        .slice(0, 128)
        .replace(/[._-]+$/, "");
    const problems = trailNameProblems(name);
    if (problems.length > 0) throw new Error(`CloudTrail trail name "${name}" ${problems.join("; ")}`);
    return name;
}

/** The ARN a trail will have: known before it exists, so the key and bucket policies can name it (aws:SourceArn). */
export function trailArn(region: string, accountId: string, name: string): string {
    return `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
}

/** Arguments of {@link AuditTrail}. */
export interface AuditTrailArgs {
    /** The trail's name (see {@link trailName}). Permanent: it is in the key and bucket policies. */
    readonly name: string;
    /** The logs bucket; its policy must already admit this trail. */
    readonly bucketName: pulumi.Input<string>;
    /** Where the trail writes in the bucket, without slashes. */
    readonly prefix: string;
    /** The stack key; its policy must already let this trail generate data keys. */
    readonly kmsKeyArn: pulumi.Input<string>;
}

/**
 * An AWS CloudTrail trail of the account's management events, in every
 * region (global services included), with log file validation (signed
 * hourly digests that prove no file was changed or removed), encrypted with
 * the stack key and written to the logs bucket. The first copy of
 * management events in an account is free; a second trail in the same
 * account (another prod stack, an organization trail) pays $2.00 per
 * 100,000 events.
 */
export class AuditTrail extends pulumi.ComponentResource {
    /** The trail's ARN. */
    public readonly trailArn: pulumi.Output<string>;

    constructor(name: string, args: AuditTrailArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:AuditTrail", name, {}, opts);
        const trail = new aws.cloudtrail.Trail(
            `${name}-trail`,
            {
                name: args.name,
                s3BucketName: args.bucketName,
                s3KeyPrefix: args.prefix,
                kmsKeyId: args.kmsKeyArn,
                enableLogging: true,
                enableLogFileValidation: true,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                // No event selector: CloudTrail's default is every management event, read and write. Declaring that default
                // (All + management events) is read back as an empty list (terraform-provider-aws
                // internal/service/cloudtrail/trail.go flattenEventSelector), so every refresh would show a diff.
            },
            { parent: this },
        );
        this.trailArn = trail.arn;
        this.registerOutputs({ trailArn: this.trailArn });
    }
}
