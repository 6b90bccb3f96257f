/**
 * ElastiCache for Valkey: the queue (BullMQ) and the shared rate limit of
 * the app and its workers. Provider facts this relies on
 * (hashicorp/terraform-provider-aws internal/service/elasticache/replication_group.go,
 * validate.go; https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html):
 *
 * - forces a new replication group (every queued job lost): `replicationGroupId`,
 *   `atRestEncryptionEnabled`, `kmsKeyId`, `subnetGroupName`, `port`,
 *   `snapshotArns`/`snapshotName`, `dataTieringEnabled`, `networkType`, and an
 *   engine or version *downgrade*; so none of these is decided by a tier;
 * - changed in place: `nodeType` (an online scale), `numCacheClusters`,
 *   `automaticFailoverEnabled`, `multiAzEnabled`, `parameterGroupName`,
 *   `securityGroupIds`, `snapshotRetentionLimit`, and transit encryption on
 *   engines from 7.0.5;
 * - `authToken`: 16-128 characters, none of `@`, `"`, `/`; only with transit encryption.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { fit, slug } from "../shared/naming";

/** The port Valkey listens on (ElastiCache's default; a change would replace the group). */
export const VALKEY_PORT = 6379;
/**
 * The engine version: a major.minor ElastiCache for Valkey offers
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html); 7.2 is the first,
 * 8.0 the one with the smaller per-key memory. Only raised, never lowered: a downgrade replaces the group.
 */
export const VALKEY_VERSION = "8.0";
/** The parameter group family of {@link VALKEY_VERSION}. */
export const VALKEY_FAMILY = "valkey8";
/** ElastiCache's limit on a replication group id. */
export const REPLICATION_GROUP_ID_MAX = 40;

/** The replication group id: 1-40 lowercase letters, digits and '-', starting with a letter, no '--', not ending in '-'. */
export function replicationGroupId(project: string, stack: string): string {
    let head = slug(`${project}-${stack}`) || "app";
    if (!/^[a-z]/.test(head)) head = `q-${head}`;
    const id = fit(head, "queue", REPLICATION_GROUP_ID_MAX);
    const problems = replicationGroupIdProblems(id);
    if (problems.length > 0) throw new Error(`ElastiCache replication group id "${id}" ${problems.join("; ")}`);
    return id;
}

/** What is wrong with a replication group id (empty when valid); rules from CreateReplicationGroup's ReplicationGroupId. */
export function replicationGroupIdProblems(id: string): string[] {
    const problems: string[] = [];
    if (id.length < 1 || id.length > REPLICATION_GROUP_ID_MAX) problems.push(`is ${id.length} characters; ElastiCache allows 1 to ${REPLICATION_GROUP_ID_MAX}`);
    if (!/^[a-z][a-z0-9-]*$/.test(id)) problems.push("must be lowercase letters, digits and '-', starting with a letter");
    if (id.includes("--")) problems.push("must not contain '--'");
    if (id.endsWith("-")) problems.push("must not end with '-'");
    return problems;
}

/** An auth token ElastiCache accepts (16-128 characters, none of @ " /; the provider's validReplicationGroupAuthToken). */
export const AUTH_TOKEN_RULE = /^[^@"/]{16,128}$/;

/** The member clusters ElastiCache names in a replication group without cluster mode: `<id>-001`, `<id>-002`, ... */
export function memberClusterIds(id: string, nodes: number): string[] {
    return Array.from({ length: nodes }, (_, i) => `${id}-${String(i + 1).padStart(3, "0")}`);
}

/** The app's `REDIS_URL` for an ElastiCache auth token: TLS (`rediss://`), the token as the password, no user. */
export function redisUrl(token: string, host: string, port: number = VALKEY_PORT): string {
    return `rediss://:${encodeURIComponent(token)}@${host}:${port}`;
}

/** Arguments of {@link ValkeyCache}. */
export interface ValkeyCacheArgs {
    /** The replication group id ({@link replicationGroupId}); permanent (a change replaces the group). */
    readonly replicationGroupId: string;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets, one per AZ (the subnet group; permanent). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The security groups admitted on 6379 (the app's and the workers'), as plain keys to their ids. */
    readonly clientSecurityGroups: Readonly<Record<string, pulumi.Input<string>>>;
    /** The stack key: at-rest encryption and the secret (permanent on the group). */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly nodeType: string;
    /** One primary plus replicas; 2 or more turns on Multi-AZ with automatic failover. */
    readonly nodes: number;
    readonly snapshotRetentionDays: number;
    /** Start of the secret's name (Secrets Manager appends a suffix). */
    readonly secretNamePrefix: string;
    /** Pulumi `protect` on the group, its token and its secret; a final snapshot on delete. */
    readonly protect: boolean;
}

/**
 * A Valkey replication group (cluster mode off: BullMQ needs its keys in one
 * slot), encrypted in transit (TLS required) and at rest under the stack
 * key, with an auth token generated by `@pulumi/random` and kept, with the
 * app's `REDIS_URL`, in a Secrets Manager secret under the stack key. In
 * private subnets, reachable on 6379 only from the listed security groups;
 * `maxmemory-policy noeviction` (a queue must not lose keys: a full cache
 * refuses writes instead); daily snapshots kept `snapshotRetentionDays`.
 */
export class ValkeyCache extends pulumi.ComponentResource {
    public readonly primaryEndpoint: pulumi.Output<string>;
    public readonly port: number;
    /** The secret holding `{"authToken": ..., "url": "rediss://:<token>@<primary>:6379"}`. */
    public readonly secretArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly replicationGroupId: string;
    /** The member cluster ids (CloudWatch's `CacheClusterId` dimension). */
    public readonly memberClusterIds: readonly string[];

    constructor(name: string, args: ValkeyCacheArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:ValkeyCache", name, {}, opts);
        const child = { parent: this };
        const kept = { parent: this, protect: args.protect };
        const problems = replicationGroupIdProblems(args.replicationGroupId);
        if (problems.length > 0) throw new Error(`replicationGroupId "${args.replicationGroupId}" ${problems.join("; ")}`);
        if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > 6)
            throw new Error(`nodes ${args.nodes}: a replication group has 1 to 6 nodes (a primary and up to 5 replicas)`);
        if (!Number.isInteger(args.snapshotRetentionDays) || args.snapshotRetentionDays < 0 || args.snapshotRetentionDays > 35) {
            throw new Error(`snapshotRetentionDays ${args.snapshotRetentionDays}: ElastiCache keeps 0 to 35 days`);
        }
        const failover = args.nodes >= 2;

        // No egress rule: the provider revokes the allow-all egress EC2 adds to a new group, and Valkey opens no connection.
        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: "Valkey: 6379 from the app and worker security groups only" },
            child,
        );
        for (const [key, id] of Object.entries(args.clientSecurityGroups)) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-from-${key}`,
                {
                    securityGroupId: sg.id,
                    referencedSecurityGroupId: id,
                    ipProtocol: "tcp",
                    fromPort: VALKEY_PORT,
                    toPort: VALKEY_PORT,
                    description: `Valkey from the ${key} security group`,
                },
                child,
            );
        }
        const subnets = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            { name: args.replicationGroupId, description: "Valkey: private subnets", subnetIds: args.subnetIds },
            child,
        );
        const params = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            {
                name: `${args.replicationGroupId}-${VALKEY_FAMILY}`,
                family: VALKEY_FAMILY,
                description: "Valkey for a queue: no eviction (a full cache refuses writes rather than drop jobs)",
                parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
            },
            child,
        );
        // Letters and digits only: within ElastiCache's rules and safe in a URL without escaping.
        const token = new random.RandomPassword(`${name}-auth-token`, { length: 64, special: false }, kept);

        const group = new aws.elasticache.ReplicationGroup(
            `${name}-valkey`,
            {
                replicationGroupId: args.replicationGroupId,
                description: "Valkey: the app's queue and shared rate limit",
                engine: "valkey",
                engineVersion: VALKEY_VERSION,
                nodeType: args.nodeType,
                numCacheClusters: args.nodes,
                automaticFailoverEnabled: failover,
                multiAzEnabled: failover,
                port: VALKEY_PORT,
                subnetGroupName: subnets.name,
                securityGroupIds: [sg.id],
                parameterGroupName: params.name,
                transitEncryptionEnabled: true,
                transitEncryptionMode: "required",
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                authToken: token.result,
                snapshotRetentionLimit: args.snapshotRetentionDays,
                ...(args.snapshotRetentionDays > 0 ? { snapshotWindow: "03:00-04:00" } : {}),
                maintenanceWindow: "sun:05:00-sun:06:00",
                autoMinorVersionUpgrade: true,
                // A tier move (node type, node count) waits for the maintenance window unless applied by hand.
                applyImmediately: false,
                ...(args.protect ? { finalSnapshotIdentifier: `${args.replicationGroupId}-final` } : {}),
            },
            kept,
        );

        const secret = new aws.secretsmanager.Secret(
            `${name}-secret`,
            {
                namePrefix: args.secretNamePrefix,
                description: "Valkey auth token and the app's REDIS_URL (JSON: authToken, url)",
                kmsKeyId: args.kmsKeyArn,
                recoveryWindowInDays: 30,
            },
            kept,
        );
        const version = new aws.secretsmanager.SecretVersion(
            `${name}-secret`,
            {
                secretId: secret.id,
                secretString: pulumi.secret(
                    pulumi.all([token.result, group.primaryEndpointAddress]).apply(([t, host]) => JSON.stringify({ authToken: t, url: redisUrl(t, host) })),
                ),
            },
            child,
        );

        this.primaryEndpoint = group.primaryEndpointAddress;
        this.port = VALKEY_PORT;
        // The ARN once the value is written: instances that read it at boot (the app, the workers) are declared after the
        // replication group has an endpoint, so none starts before REDIS_URL exists (ElastiCache takes ~10-20 min to create one).
        this.secretArn = pulumi.all([version.id, secret.arn]).apply(([, arn]) => arn);
        this.securityGroupId = sg.id;
        this.replicationGroupId = args.replicationGroupId;
        this.memberClusterIds = memberClusterIds(args.replicationGroupId, args.nodes);
        this.registerOutputs({ primaryEndpoint: this.primaryEndpoint, secretArn: this.secretArn, securityGroupId: this.securityGroupId });
    }
}
