import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceTrustPolicy } from "./iam-documents";
import { Transform, transform } from "../shared/transform";

/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;

/**
 * The PostgreSQL major version new databases start on: the newest major RDS
 * offers in general availability (18; 17 and older are also offered). Minor
 * versions are RDS's to apply (`autoMinorVersionUpgrade`); a major upgrade is
 * a deliberate change of this value with `allowMajorVersionUpgrade`.
 */
export const POSTGRES_MAJOR = "18";

/** The children a {@link Transform} may change. */
export interface DatabaseTransform {
    readonly primary?: Transform<aws.rds.InstanceArgs>;
    readonly replica?: Transform<aws.rds.InstanceArgs>;
    readonly parameterGroup?: Transform<aws.rds.ParameterGroupArgs>;
}

/** Arguments of {@link Database}. */
export interface DatabaseArgs {
    /** The primary's RDS identifier (see `rdsIdentifier`). Permanent: changing it replaces the database. */
    readonly identifier: string;
    /** The read replica's RDS identifier, used when {@link readReplica} is on. */
    readonly replicaIdentifier: string;
    /** The VPC the database's security group belongs to. */
    readonly vpcId: pulumi.Input<string>;
    /** The isolated subnets (two AZs at least) of the DB subnet group. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The app instances' security group: the only source admitted on 5432. */
    readonly appSecurityGroupId: pulumi.Input<string>;
    /** The stack key: storage, snapshots, the master secret, Performance Insights and the log groups. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The primary's instance class (`db.t4g.micro`). */
    readonly instanceClass: string;
    /**
     * The replica's instance class; reads only, so it may be smaller.
     * @default the primary's {@link instanceClass}
     */
    readonly replicaInstanceClass?: string;
    /** Allocated gp3 storage in GB (20 or more). */
    readonly storageGb: number;
    /** Storage autoscaling ceiling in GB; equal to {@link storageGb} turns autoscaling off. */
    readonly maxStorageGb: number;
    /** A synchronous standby in a second AZ (Multi-AZ). Doubles the instance and storage price. */
    readonly multiAz: boolean;
    /** An asynchronous read replica in its own AZ, serving `DB_READER_HOST`. Costs one more instance and its storage. */
    readonly readReplica: boolean;
    /** Days of automated backups and point-in-time restore (1-35). */
    readonly backupRetentionDays: number;
    /** Weekly long-term copies kept this many days in an AWS Backup vault; 0 for none. */
    readonly longTermBackupDays: number;
    /** Refuse deletes from the console, the API and `pulumi destroy`. */
    readonly deletionProtection: boolean;
    /**
     * Performance Insights with 7 days of history (free), encrypted with the
     * stack key. RDS for PostgreSQL supports it on every instance class,
     * db.t4g.micro included (RDS User Guide, "Amazon RDS DB engine, Region,
     * and instance class support for Database Insights": the class
     * restrictions are for MySQL and MariaDB).
     * @default the value of {@link monitoring}
     */
    readonly performanceInsights?: boolean;
    /**
     * Enhanced monitoring every 60 s and PostgreSQL logs exported to
     * CloudWatch Logs. Costs CloudWatch Logs ingestion (a few cents a day for
     * a small database).
     */
    readonly monitoring: boolean;
    /**
     * Days exported database logs are kept in CloudWatch Logs (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...).
     * @default 30
     */
    readonly logRetentionDays?: number;
    /**
     * The database created in the instance. Permanent.
     * @default "app"
     */
    readonly dbName?: string;
    /**
     * The master user. Permanent. Its password is generated and rotated by
     * RDS in Secrets Manager (`manageMasterUserPassword`): no one types or
     * stores it.
     * @default "app_admin"
     */
    readonly username?: string;
    /**
     * PostgreSQL major version.
     * @default POSTGRES_MAJOR
     */
    readonly engineVersion?: string;
    /**
     * Statements slower than this many milliseconds are logged.
     * @default 500
     */
    readonly slowStatementMs?: number;
    /**
     * Pulumi `protect` on the primary and the backup vault.
     * @default false
     */
    readonly protect?: boolean;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: DatabaseTransform;
    /** A database restored BESIDE the primary (never in its place); the app uses it when `active`. */
    readonly restore?: DatabaseRestore;
    /** A vault in another region each long-term copy is copied to, kept as long (the plan rule's copy action). */
    readonly copyToVaultArn?: pulumi.Input<string>;
}

/** A restored instance: from an RDS snapshot, or the primary's point in time (`latest` or a UTC time). */
export interface DatabaseRestore {
    readonly kind: "snapshot" | "time";
    readonly value: string;
    /** Derived from the source: part of the restored instance's logical name and identifier, so a new source is a new instance. */
    readonly slug: string;
    /** The restored instance's RDS identifier (see `rdsIdentifier`). */
    readonly identifier: string;
    /** The app (writer address, master secret) uses the restored instance. */
    readonly active: boolean;
}

/** {@link DatabaseArgs} with defaults applied. */
export type DatabaseSettings = Required<Omit<DatabaseArgs, "transform" | "restore" | "copyToVaultArn">> &
    Pick<DatabaseArgs, "transform" | "restore" | "copyToVaultArn">;

/** {@link DatabaseArgs} with defaults applied. */
export function withDatabaseDefaults(args: DatabaseArgs): DatabaseSettings {
    return {
        ...args,
        replicaInstanceClass: args.replicaInstanceClass ?? args.instanceClass,
        performanceInsights: args.performanceInsights ?? args.monitoring,
        logRetentionDays: args.logRetentionDays ?? 30,
        dbName: args.dbName ?? "app",
        username: args.username ?? "app_admin",
        engineVersion: args.engineVersion ?? POSTGRES_MAJOR,
        slowStatementMs: args.slowStatementMs ?? 500,
        protect: args.protect ?? false,
    };
}

/** The DB parameter group family of a PostgreSQL version (`18` or `18.1` -> `postgres18`). */
export function parameterGroupFamily(engineVersion: string): string {
    const major = /^(\d+)/.exec(engineVersion)?.[1];
    if (!major) throw new Error(`"${engineVersion}" is not a PostgreSQL version such as 18 or 18.1`);
    return `postgres${major}`;
}

/** The parameters the stack sets: TLS required, slow statements and lock waits logged. */
export function databaseParameters(s: Pick<DatabaseSettings, "slowStatementMs">): { name: string; value: string }[] {
    return [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: String(s.slowStatementMs) },
        { name: "log_lock_waits", value: "1" },
    ];
}

/**
 * What is wrong with a DB snapshot identifier (empty when valid). RDS
 * DeleteDBInstance `FinalDBSnapshotIdentifier`: 1-255 letters, digits or
 * hyphens, first a letter, no two consecutive hyphens, not ending in a hyphen
 * (the provider's `final_snapshot_identifier` validation checks the same).
 */
export function snapshotIdentifierProblems(id: string): string[] {
    const problems: string[] = [];
    if (id.length < 1 || id.length > 255) problems.push(`is ${id.length} characters; RDS allows 1 to 255`);
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(id)) problems.push("must be letters, digits and '-', starting with a letter");
    if (id.includes("--")) problems.push("must not contain '--'");
    if (id.endsWith("-")) problems.push("must not end with '-'");
    return problems;
}

/**
 * The name of the snapshot RDS takes when the primary is deleted:
 * `<identifier>-final-<suffix>`, the suffix (8 hex digits) made once with
 * the database so a stack destroyed, re-created and destroyed again never
 * collides with its first final snapshot (DBSnapshotAlreadyExists).
 */
export function finalSnapshotIdentifier(identifier: string, suffixHex: string): string {
    const id = `${identifier}-final-${suffixHex}`;
    const problems = snapshotIdentifierProblems(id);
    if (problems.length > 0) throw new Error(`final snapshot identifier "${id}" ${problems.join("; ")}`);
    return id;
}

/**
 * The `maxAllocatedStorage` of a database: 0 (autoscaling off) when the
 * ceiling is not above the allocated storage; otherwise the ceiling, raised
 * to 10% above the allocated storage where it is closer than that, since RDS
 * refuses a lower one ("Invalid max storage size"; RDS User Guide, "Managing
 * capacity automatically with Amazon RDS storage autoscaling").
 */
export function maxAllocatedStorage(storageGb: number, maxStorageGb: number): number {
    if (maxStorageGb <= storageGb) return 0;
    return Math.max(maxStorageGb, Math.ceil(storageGb * 1.1));
}

/** How long `pulumi up` waits for a restored instance to become available (the provider's default is 40 minutes). */
export const RESTORE_CREATE_TIMEOUT = "4h";

/** The logs RDS for PostgreSQL exports to CloudWatch Logs. */
export const EXPORTED_LOGS = ["postgresql", "upgrade"] as const;

/** Automated backups (UTC); the maintenance window follows and the long-term copy runs after both. */
export const WINDOWS = {
    backup: "03:00-04:00",
    maintenance: "sun:04:30-sun:05:30",
    // AWS Backup skips RDS snapshot jobs that fall in the backup or maintenance window.
    longTermSchedule: "cron(0 7 ? * SUN *)",
} as const;

/**
 * RDS for PostgreSQL in the isolated subnets: encrypted with the stack key,
 * TLS required (`rds.force_ssl`), reachable on 5432 from the app security
 * group only, the master password managed by RDS in Secrets Manager,
 * automated backups with tags copied to snapshots, a final snapshot on
 * delete. By tier: Multi-AZ, deletion protection, storage autoscaling,
 * monitoring, a read replica, weekly long-term copies in an AWS Backup vault.
 */
export class Database extends pulumi.ComponentResource {
    /** The primary's host name (`DB_HOST`). */
    public readonly writerAddress: pulumi.Output<string>;
    /** The replica's host name (`DB_READER_HOST`); undefined without a replica, where reads go to the writer. */
    public readonly readerAddress?: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** ARN of the RDS-managed master secret (`DB_SECRET_ARN`; JSON with `username` and `password`). */
    public readonly masterSecretArn: pulumi.Output<string>;
    /** The database name (`DB_NAME`). */
    public readonly dbName: pulumi.Output<string>;
    /** The primary's RDS identifier. */
    public readonly identifier: pulumi.Output<string>;
    /** The database's security group (inbound 5432 from the app security group only). */
    public readonly securityGroupId: pulumi.Output<string>;
    /** The replica's RDS identifier, when there is one. */
    public readonly replicaIdentifier?: pulumi.Output<string>;
    /** The stack's own primary, whichever instance the app uses. */
    public readonly primaryIdentifier: pulumi.Output<string>;
    /** The restored instance's identifier (`alicerce:restoreFrom`), when there is one. */
    public readonly restoredIdentifier?: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:Database", name, {}, opts);
        const t = args.transform ?? {};
        const s = withDatabaseDefaults(args);
        const child = { parent: this };

        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: s.vpcId, description: "PostgreSQL: 5432 from the app security group only" }, child);
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-app`,
            {
                securityGroupId: sg.id,
                referencedSecurityGroupId: s.appSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: POSTGRES_PORT,
                toPort: POSTGRES_PORT,
                description: "PostgreSQL from the app",
            },
            child,
        );
        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { subnetIds: s.subnetIds, description: "Isolated subnets: no route to or from the internet" },
            child,
        );
        const parameters = new aws.rds.ParameterGroup(
            ...transform(
                t.parameterGroup,
                `${name}-params`,
                {
                    family: parameterGroupFamily(s.engineVersion),
                    description: "TLS only; slow statements and lock waits logged",
                    parameters: databaseParameters(s),
                },
                child,
            ),
        );

        const monitoringRole = s.monitoring ? this.monitoringRole(name) : undefined;
        const logGroups = (identifier: string, suffix: string) =>
            s.monitoring
                ? EXPORTED_LOGS.map(
                      (log) =>
                          // Made before RDS exports to it, so it has a retention and the key (RDS's own would keep logs forever).
                          new aws.cloudwatch.LogGroup(
                              `${name}-${suffix}-${log}`,
                              { name: `/aws/rds/instance/${identifier}/${log}`, retentionInDays: s.logRetentionDays, kmsKeyId: s.kmsKeyArn },
                              child,
                          ),
                  )
                : [];
        const monitoring = {
            performanceInsightsEnabled: s.performanceInsights,
            ...(s.performanceInsights ? { performanceInsightsKmsKeyId: s.kmsKeyArn, performanceInsightsRetentionPeriod: 7 } : {}),
            monitoringInterval: s.monitoring ? 60 : 0,
            monitoringRoleArn: monitoringRole?.arn,
            enabledCloudwatchLogsExports: s.monitoring ? [...EXPORTED_LOGS] : [],
        };
        const storage = {
            storageType: "gp3",
            maxAllocatedStorage: maxAllocatedStorage(s.storageGb, s.maxStorageGb),
        };

        // A final snapshot name must be new at every destroy: a stack destroyed, recreated and destroyed again
        // would otherwise fail with DBSnapshotAlreadyExists. Made once with the database; the name is read
        // only at deletion (not a replacing input).
        const finalSnapshotSuffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, child);
        const primary = new aws.rds.Instance(
            ...transform(
                t.primary,
                `${name}-primary`,
                {
                    identifier: s.identifier,
                    engine: "postgres",
                    engineVersion: s.engineVersion,
                    autoMinorVersionUpgrade: true,
                    allowMajorVersionUpgrade: false,
                    instanceClass: s.instanceClass,
                    allocatedStorage: s.storageGb,
                    ...storage,
                    storageEncrypted: true,
                    kmsKeyId: s.kmsKeyArn,
                    dbName: s.dbName,
                    username: s.username,
                    manageMasterUserPassword: true,
                    masterUserSecretKmsKeyId: s.kmsKeyArn,
                    port: POSTGRES_PORT,
                    dbSubnetGroupName: subnetGroup.name,
                    vpcSecurityGroupIds: [sg.id],
                    parameterGroupName: parameters.name,
                    publiclyAccessible: false,
                    multiAz: s.multiAz,
                    backupRetentionPeriod: s.backupRetentionDays,
                    backupWindow: WINDOWS.backup,
                    maintenanceWindow: WINDOWS.maintenance,
                    copyTagsToSnapshot: true,
                    deleteAutomatedBackups: !s.protect,
                    deletionProtection: s.deletionProtection,
                    skipFinalSnapshot: false,
                    finalSnapshotIdentifier: finalSnapshotSuffix.hex.apply((hex) => finalSnapshotIdentifier(s.identifier, hex)),
                    // `pulumi up` is the change window: a tier change lands now, not at the next maintenance window.
                    applyImmediately: true,
                    ...monitoring,
                },
                { parent: this, protect: s.protect, dependsOn: logGroups(s.identifier, "primary") },
            ),
        );

        let replica: aws.rds.Instance | undefined;
        if (s.readReplica) {
            // A same-region replica inherits engine, version, database, master user, KMS key and subnet group
            // from its source; RDS rejects username, password and db name on a replica, and the provider
            // conflicts engine and engineVersion with replicateSourceDb.
            replica = new aws.rds.Instance(
                ...transform(
                    t.replica,
                    `${name}-replica`,
                    {
                        identifier: s.replicaIdentifier,
                        replicateSourceDb: primary.identifier,
                        instanceClass: s.replicaInstanceClass,
                        ...storage,
                        storageEncrypted: true,
                        vpcSecurityGroupIds: [sg.id],
                        parameterGroupName: parameters.name,
                        publiclyAccessible: false,
                        multiAz: false,
                        autoMinorVersionUpgrade: true,
                        deletionProtection: s.deletionProtection,
                        // RDS cannot take a final snapshot of a read replica.
                        skipFinalSnapshot: true,
                        applyImmediately: true,
                        ...monitoring,
                    },
                    { parent: this, dependsOn: logGroups(s.replicaIdentifier, "replica") },
                ),
            );
        }

        // --- restore: a NEW instance beside the primary; the primary's inputs never depend on it ---
        let restored: aws.rds.Instance | undefined;
        if (s.restore) {
            const r = s.restore;
            // snapshotIdentifier and restoreToPointInTime force a new instance (terraform-provider-aws
            // internal/service/rds/instance.go: both ForceNew). They are set only here, never on the primary, and
            // the logical name carries the source's slug: another source is another instance, never a replacement.
            // The database name, master user, engine version and KMS key come from the source (RestoreDBInstance*).
            restored = new aws.rds.Instance(
                `${name}-restored-${r.slug}`,
                {
                    identifier: r.identifier,
                    ...(r.kind === "snapshot"
                        ? { snapshotIdentifier: r.value }
                        : {
                              restoreToPointInTime:
                                  r.value === "latest"
                                      ? { sourceDbInstanceIdentifier: primary.identifier, useLatestRestorableTime: true }
                                      : { sourceDbInstanceIdentifier: primary.identifier, restoreTime: r.value },
                          }),
                    engine: "postgres",
                    instanceClass: s.instanceClass,
                    ...storage,
                    storageEncrypted: true,
                    // The storage key comes from the source: RestoreDBInstanceFromDBSnapshot takes no KmsKeyId and the
                    // provider sends none, then reads back the snapshot's key; kms_key_id is Optional+Computed+ForceNew
                    // (terraform-provider-aws internal/service/rds/instance.go), so the stack key here would replace a
                    // restore from a snapshot under another key at the next `up`. Unset, it is computed: no diff. A point
                    // in time is of the primary, under the stack key, so the value is the one RDS reads back.
                    ...(r.kind === "snapshot" ? {} : { kmsKeyId: s.kmsKeyArn }),
                    manageMasterUserPassword: true,
                    masterUserSecretKmsKeyId: s.kmsKeyArn,
                    port: POSTGRES_PORT,
                    dbSubnetGroupName: subnetGroup.name,
                    vpcSecurityGroupIds: [sg.id],
                    parameterGroupName: parameters.name,
                    publiclyAccessible: false,
                    multiAz: r.active && s.multiAz,
                    backupRetentionPeriod: s.backupRetentionDays,
                    backupWindow: WINDOWS.backup,
                    maintenanceWindow: WINDOWS.maintenance,
                    copyTagsToSnapshot: true,
                    deletionProtection: r.active || s.deletionProtection,
                    skipFinalSnapshot: false,
                    finalSnapshotIdentifier: finalSnapshotSuffix.hex.apply((hex) => finalSnapshotIdentifier(r.identifier, hex)),
                    applyImmediately: true,
                    // The same monitoring as the primary: it may become the database the app runs on.
                    ...monitoring,
                },
                {
                    parent: this,
                    // Protected while the app uses it: removing or changing alicerce:restoreFrom then fails the preview
                    // instead of deleting the database the app runs on.
                    protect: r.active || s.protect,
                    dependsOn: logGroups(r.identifier, `restored-${r.slug}`),
                    // A restore copies the whole volume before RDS reports it available: a large one takes hours. The
                    // provider's create timeout is 40 minutes and it records the instance (SetId) only after that wait
                    // succeeds (terraform-provider-aws internal/service/rds/instance.go, resourceInstanceCreate), so a
                    // timed-out wait leaves an instance Pulumi does not know holding the identifier.
                    customTimeouts: { create: RESTORE_CREATE_TIMEOUT },
                },
            );
        }
        const active = restored && s.restore?.active ? restored : primary;
        // --- end restore ---

        // Both instances when there is a restored one: the app writes to whichever is active, and the other is
        // what the team switches back to (useRestoredDatabase false), so a copy of only one would leave the
        // other's data without long-term or second-region copies for as long as both exist.
        if (s.longTermBackupDays > 0) this.longTermBackups(name, s, restored ? [primary, restored] : [primary]);

        this.writerAddress = active.address;
        this.readerAddress = active === primary ? replica?.address : undefined;
        this.port = active.port;
        this.masterSecretArn = active.masterUserSecrets.apply((secrets) => {
            const arn = secrets?.[0]?.secretArn;
            if (!arn) throw new Error(`RDS returned no master user secret for ${active === primary ? s.identifier : s.restore?.identifier}`);
            return arn;
        });
        this.dbName = pulumi.output(s.dbName);
        this.identifier = active.identifier;
        this.primaryIdentifier = primary.identifier;
        this.restoredIdentifier = restored?.identifier;
        this.securityGroupId = sg.id;
        this.replicaIdentifier = replica?.identifier;
        this.registerOutputs({
            writerAddress: this.writerAddress,
            readerAddress: this.readerAddress,
            port: this.port,
            masterSecretArn: this.masterSecretArn,
            dbName: this.dbName,
            identifier: this.identifier,
            securityGroupId: this.securityGroupId,
            replicaIdentifier: this.replicaIdentifier,
            primaryIdentifier: this.primaryIdentifier,
            restoredIdentifier: this.restoredIdentifier,
        });
    }

    /** The role RDS enhanced monitoring publishes OS metrics with. */
    private monitoringRole(name: string): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-monitoring`,
            { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("monitoring.rds.amazonaws.com")), description: "RDS enhanced monitoring" },
            { parent: this },
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-monitoring`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" },
            { parent: this },
        );
        return role;
    }

    /**
     * Weekly snapshots kept {@link DatabaseArgs.longTermBackupDays} days in an
     * AWS Backup vault encrypted with the stack key: restorable as a database
     * in minutes, unlike an S3 export. Snapshots are incremental at $0.095 per
     * GB-month, so 13 weekly copies of a 50 GB database cost about $6-8 a month.
     */
    private longTermBackups(name: string, s: DatabaseSettings, instances: aws.rds.Instance[]): void {
        const vault = new aws.backup.Vault(`${name}-vault`, { kmsKeyArn: s.kmsKeyArn }, { parent: this, protect: s.protect });
        const role = new aws.iam.Role(
            `${name}-backup`,
            { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("backup.amazonaws.com")), description: "AWS Backup: long-term database copies" },
            { parent: this },
        );
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-backup`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup" },
            { parent: this },
        );
        const plan = new aws.backup.Plan(
            `${name}-long-term`,
            {
                rules: [
                    {
                        ruleName: "weekly",
                        targetVaultName: vault.name,
                        schedule: WINDOWS.longTermSchedule,
                        startWindow: 60,
                        completionWindow: 360,
                        lifecycle: { deleteAfter: s.longTermBackupDays },
                        // A copy of each recovery point in the second region's vault (its own key), kept as long.
                        ...(s.copyToVaultArn
                            ? { copyActions: [{ destinationVaultArn: s.copyToVaultArn, lifecycle: { deleteAfter: s.longTermBackupDays } }] }
                            : {}),
                    },
                ],
            },
            { parent: this },
        );
        new aws.backup.Selection(
            `${name}-long-term`,
            { planId: plan.id, iamRoleArn: role.arn, resources: instances.map((i) => i.arn) },
            { parent: this, dependsOn: [attachment] },
        );
    }
}
