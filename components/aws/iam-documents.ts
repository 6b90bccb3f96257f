/**
 * IAM policy documents for the data layer: bucket policies, the KMS key
 * policy and service trust policies. Pure functions returning plain objects
 * (JSON.stringify them), tested directly. Commercial partition only, as the
 * stack schema accepts only commercial regions.
 */

/** An IAM policy statement. */
export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal: "*" | { readonly AWS?: string | string[]; readonly Service?: string | string[] };
    readonly Action: string | string[];
    /** Absent only in trust policies, where IAM rejects it. */
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

/** The service principal ALB access logs are delivered by (every region launched from August 2022 on, and accepted in older ones). */
export const ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";
/** The service principal VPC flow logs are delivered to S3 by. */
export const LOG_DELIVERY_PRINCIPAL = "delivery.logs.amazonaws.com";
/** The service principal S3 server access logs are delivered by. */
export const S3_LOGGING_PRINCIPAL = "logging.s3.amazonaws.com";
/** The service principal of AWS CloudTrail. */
export const CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com";

/**
 * The Elastic Load Balancing account of each region opened before August
 * 2022, which writes ALB access logs there (AWS docs, "Enable access logs
 * for your Application Load Balancer", step 2). Newer regions have none and
 * use {@link ELB_LOG_DELIVERY_PRINCIPAL} only.
 */
const LEGACY_ELB_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
};

/** The legacy ELB account that writes ALB access logs in `region`, or undefined for regions opened from August 2022 on. */
export function legacyElbAccountId(region: string): string | undefined {
    return LEGACY_ELB_ACCOUNTS[region];
}

/**
 * Denies every request that is not over TLS 1.2 or later, on the bucket and
 * its objects (AWS Foundational Security Best Practices S3.5).
 */
export function denyInsecureTransport(bucketArn: string): Statement[] {
    const Resource = [bucketArn, `${bucketArn}/*`];
    return [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
    ];
}

/** The policy of a data bucket (assets, backups): TLS only; access is granted by IAM policies, not here. */
export function dataBucketPolicy(bucketArn: string): PolicyDocument {
    return { Version: "2012-10-17", Statement: denyInsecureTransport(bucketArn) };
}

/** What the logs bucket policy needs. */
export interface LogsBucketPolicyArgs {
    readonly bucketArn: string;
    readonly accountId: string;
    readonly region: string;
    /** Where ALB access logs go, without slashes (`alb`). */
    readonly albPrefix: string;
    /** Where VPC flow logs go, without slashes (`flow-logs`). */
    readonly flowLogsPrefix: string;
    /** S3 server access logs of other buckets: where they go (without slashes) and the buckets they come from. */
    readonly accessLogs?: { readonly prefix: string; readonly sourceBucketArns: readonly string[] };
    /** A CloudTrail trail delivering here: where (without slashes) and the trail's ARN. */
    readonly cloudTrail?: { readonly prefix: string; readonly trailArn: string };
}

/**
 * The logs bucket policy: TLS only; ALB access logs under
 * `<albPrefix>/AWSLogs/<account>/` from the ELB log-delivery service
 * principal and, in regions opened before August 2022, the region's legacy
 * ELB account; VPC flow logs under `<flowLogsPrefix>/AWSLogs/<account>/`
 * from the log-delivery service, only for this account's flow logs; S3
 * server access logs of the given buckets under `<accessLogs.prefix>/`; and
 * a CloudTrail trail under `<cloudTrail.prefix>/AWSLogs/<account>/`.
 */
export function logsBucketPolicy(args: LogsBucketPolicyArgs): PolicyDocument {
    const { bucketArn, accountId, region } = args;
    const albObjects = `${bucketArn}/${args.albPrefix}/AWSLogs/${accountId}/*`;
    const flowObjects = `${bucketArn}/${args.flowLogsPrefix}/AWSLogs/${accountId}/*`;
    const fromThisAccount = {
        StringEquals: { "aws:SourceAccount": accountId },
        ArnLike: { "aws:SourceArn": `arn:aws:logs:${region}:${accountId}:*` },
    };
    const legacy = legacyElbAccountId(region);
    const statements: Statement[] = [
        ...denyInsecureTransport(bucketArn),
        { Sid: "AlbAccessLogs", Effect: "Allow", Principal: { Service: ELB_LOG_DELIVERY_PRINCIPAL }, Action: "s3:PutObject", Resource: albObjects },
        ...(legacy
            ? [
                  {
                      Sid: "AlbAccessLogsLegacyRegion",
                      Effect: "Allow" as const,
                      Principal: { AWS: `arn:aws:iam::${legacy}:root` },
                      Action: "s3:PutObject",
                      Resource: albObjects,
                  },
              ]
            : []),
        {
            Sid: "FlowLogsWrite",
            Effect: "Allow",
            Principal: { Service: LOG_DELIVERY_PRINCIPAL },
            Action: "s3:PutObject",
            Resource: flowObjects,
            Condition: { ...fromThisAccount, StringEquals: { ...fromThisAccount.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
            Sid: "FlowLogsAclCheck",
            Effect: "Allow",
            Principal: { Service: LOG_DELIVERY_PRINCIPAL },
            Action: ["s3:GetBucketAcl", "s3:ListBucket"],
            Resource: bucketArn,
            Condition: fromThisAccount,
        },
    ];
    if (args.accessLogs) {
        // S3 docs, "Permissions for log delivery": the logging service principal, scoped to the source buckets and account.
        statements.push({
            Sid: "S3ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: S3_LOGGING_PRINCIPAL },
            Action: "s3:PutObject",
            Resource: `${bucketArn}/${args.accessLogs.prefix}/*`,
            Condition: { ArnLike: { "aws:SourceArn": [...args.accessLogs.sourceBucketArns] }, StringEquals: { "aws:SourceAccount": accountId } },
        });
    }
    if (args.cloudTrail) {
        // CloudTrail docs, "Amazon S3 bucket policy for CloudTrail": ACL check on the bucket, writes under AWSLogs/<account>/, both for this trail only.
        const fromTrail = { "aws:SourceArn": args.cloudTrail.trailArn };
        statements.push(
            {
                Sid: "CloudTrailAclCheck",
                Effect: "Allow",
                Principal: { Service: CLOUDTRAIL_PRINCIPAL },
                Action: "s3:GetBucketAcl",
                Resource: bucketArn,
                Condition: { StringEquals: fromTrail },
            },
            {
                Sid: "CloudTrailWrite",
                Effect: "Allow",
                Principal: { Service: CLOUDTRAIL_PRINCIPAL },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/${args.cloudTrail.prefix}/AWSLogs/${accountId}/*`,
                Condition: { StringEquals: { ...fromTrail, "s3:x-amz-acl": "bucket-owner-full-control" } },
            },
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The stack key's policy: the account administers it through IAM (the
 * default key policy's root statement, so IAM policies decide who uses it),
 * CloudWatch Logs may use it for this account's log groups in the
 * region (log groups encrypted with a customer key need this grant in the
 * key policy itself), this account's CloudWatch alarms may use it to
 * publish to the encrypted alarm topic and, given its ARN, one CloudTrail
 * trail may encrypt its log files with it ({@link cloudTrailKeyStatements}).
 */
export function kmsKeyPolicy(accountId: string, region: string, cloudTrailArn?: string, cloudFrontReads = false): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersThroughIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${accountId}:log-group:*` } },
            },
            // CloudWatch alarms publish to the KMS-encrypted alarm topic; without this grant their notifications are silently dropped.
            // Scoped to this account's alarms (confused deputy): CloudWatch sends aws:SourceAccount with these calls.
            {
                Sid: "CloudWatchAlarmsPublishToEncryptedTopics",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
            ...(cloudTrailArn ? cloudTrailKeyStatements(accountId, cloudTrailArn) : []),
            ...(cloudFrontReads ? [cloudFrontDecryptStatement(accountId)] : []),
        ],
    };
}

/**
 * CloudFront reading SSE-KMS objects through origin access control needs
 * kms:Decrypt in the key policy (CloudFront Developer Guide, "Restrict access
 * to an Amazon S3 origin", SSE-KMS). Scoped to this account's distributions:
 * the distribution's id is not known when the key is made (the key comes
 * first), and the bucket policy names the one distribution allowed to read.
 */
export function cloudFrontDecryptStatement(accountId: string): Statement {
    return {
        Sid: "CloudFrontDecryptsThroughOac",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": `arn:aws:cloudfront::${accountId}:distribution/*` } },
    } as Statement;
}

/**
 * What a trail needs in the key policy to encrypt its log and digest files
 * (CloudTrail docs, "Configure AWS KMS key policies for CloudTrail"):
 * `kms:GenerateDataKey*` with this account's trails in the encryption
 * context, and `kms:DescribeKey`, both only for this trail (aws:SourceArn).
 * Reading the logs back is the account's, through IAM.
 */
export function cloudTrailKeyStatements(accountId: string, trailArn: string): Statement[] {
    return [
        {
            Sid: "CloudTrailEncryptsLogs",
            Effect: "Allow",
            Principal: { Service: CLOUDTRAIL_PRINCIPAL },
            Action: "kms:GenerateDataKey*",
            Resource: "*",
            Condition: {
                StringEquals: { "aws:SourceArn": trailArn },
                StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${accountId}:trail/*` },
            },
        },
        {
            Sid: "CloudTrailDescribesKey",
            Effect: "Allow",
            Principal: { Service: CLOUDTRAIL_PRINCIPAL },
            Action: "kms:DescribeKey",
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
    ];
}

/** A trust policy letting one AWS service assume a role. */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "ServiceAssumesRole", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}
