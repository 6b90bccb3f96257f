import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AL2023_AMI_NAME, ConfigError, type ConfigView, type ProviderSecrets, type StackSettings } from "../../stacks";
import type { CommonOutputs, DatabaseOutputs, Platform } from "../contract";
import { kmsAliasName, namePrefix, rdsIdentifier } from "../../components/shared/naming";
import { AuditTrail, trailArn, trailName } from "../../components/aws/audit";
import { Database } from "../../components/aws/database";
import { replicationGroupId, ValkeyCache } from "../../components/aws/cache"; // p-aws-workers
import { cloudflareFor, deployEdge, type EdgeOutputs, type QueueDependencies } from "./edge";
import { deployCdn, PUBLIC_PREFIX } from "./cdn";
import { Kms } from "../../components/aws/kms";
import { architectureOf, resolveAmi, unpinnedAmiWarning } from "../../components/aws/compute";
import { checkPinnedZones, chooseAzs, Network, unpinnedZonesWarning } from "../../components/aws/network";
import { parseEcrImage } from "../../components/aws/ecr";
import { AppSecrets } from "../../components/aws/secrets";
import { SecondRegion } from "../../components/aws/second-region";
import { CLOUDTRAIL_PREFIX, FLOW_LOGS_PREFIX, Storage } from "../../components/aws/storage";

/** The stack outputs of an AWS platform (no secret among them: secrets go by ARN). */
export interface AwsOutputs extends CommonOutputs, Omit<EdgeOutputs, keyof CommonOutputs> {
    /** The stack's KMS key, which encrypts its data at rest. */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The key's alias (`alias/<project>-<stack>`). */
    readonly kmsAlias: pulumi.Output<string>;
    /** The stack's VPC. */
    readonly vpcId: pulumi.Output<string>;
    /** The VPC's IPv4 range. */
    readonly vpcCidr: string;
    /** The availability zones the subnets are in, in subnet order. */
    readonly azs: readonly string[];
    /** The subnets by role: public (load balancer), private (app servers behind a NAT) and isolated (database). */
    readonly subnetIds: { readonly public: pulumi.Output<string>[]; readonly private: pulumi.Output<string>[]; readonly isolated: pulumi.Output<string>[] };
    /** True when the app servers sit in the public subnets (no NAT gateway). */
    readonly appSubnetsArePublic: boolean;
    /** The bucket of database exports and long-term copies. */
    readonly backupsBucket: pulumi.Output<string>;
    /** The bucket of load balancer, flow and CloudTrail logs. */
    readonly logsBucket: pulumi.Output<string>;
    /** Where the app's PostgreSQL is reached, and the RDS identifier of its writer. */
    readonly database: DatabaseOutputs & { readonly identifier: pulumi.Output<string> };
    /** The Secrets Manager secrets the app reads: the database credentials (RDS-managed) and the session key. */
    readonly secretArns: { readonly database: pulumi.Output<string>; readonly app: pulumi.Output<string> };
    /** The database restored beside the stack's own one (`alicerce:restoreFrom`), and whether the app uses it. */
    readonly restoredDatabase?: { readonly identifier: pulumi.Output<string>; readonly inUse: boolean };
    /** Where the copies are (`alicerce:secondRegion`): the vault and the replica buckets. */
    readonly secondRegion?: {
        readonly region: string;
        readonly vaultArn: pulumi.Output<string>;
        readonly buckets: { readonly [purpose: string]: pulumi.Output<string> };
    };
}

/**
 * AZs AWS documents as lacking current instance types (us-east-1's
 * use1-az3 has no Graviton), never chosen.
 */
const EXCLUDED_ZONE_IDS = ["use1-az3"];

/**
 * Composes the AWS platform for a stack: one explicit provider whose
 * `defaultTags` carry the standard tags (so no resource can miss them), the
 * look-ups the resource graph depends on (account id for global bucket
 * names; the AZs and the AMI when the stack has not pinned them, with a
 * warning that says how to), then the components in dependency order:
 * the data (key, buckets, network, secrets, database), then the edge
 * (image, load balancer, WAF, app servers, alarms, DNS).
 */
export async function deployAws(settings: StackSettings, credentials: ProviderSecrets = {}): Promise<AwsOutputs> {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: { tags: { ...settings.tags } },
        // p-plan-tool: `aws:profile` set the Pulumi way (an explicit provider does not read it itself).
        ...(credentials.awsProfile ? { profile: credentials.awsProfile } : {}),
    });
    const randomProvider = new random.Provider("random");
    const { project, stack, region, protectData } = settings;
    const account = await aws.getCallerIdentity({}, { provider });
    // Pinned zones are used as they are (the live list changes with AWS events, and a subnet moved to another zone is
    // replaced), but checked first against this account's zones: names map to different physical zones per account.
    let azs = settings.availabilityZones !== undefined ? [...settings.availabilityZones] : undefined;
    if (azs === undefined) {
        const zones = await aws.getAvailabilityZones(
            { state: "available", excludeZoneIds: EXCLUDED_ZONE_IDS, filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
            { provider },
        );
        azs = chooseAzs(zones.names, settings.network.azCount);
        pulumi.log.warn(unpinnedZonesWarning(azs, stack));
    } else {
        const optedIn = [{ name: "opt-in-status", values: ["opt-in-not-required", "opted-in"] }];
        const [usable, available] = await Promise.all([
            aws.getAvailabilityZones({ allAvailabilityZones: true, filters: optedIn }, { provider }),
            aws.getAvailabilityZones({ state: "available", filters: optedIn }, { provider }),
        ]);
        const checked = checkPinnedZones(azs, usable, available.names, EXCLUDED_ZONE_IDS, region);
        if (checked.problems.length > 0) throw new ConfigError(checked.problems);
        for (const w of checked.warnings) pulumi.log.warn(w);
    }
    // The AMI is pinned the same way: a new Amazon Linux release must not roll the fleet on an unrelated `up`.
    const ami = await resolveAmi({ amiName: settings.amiName, architecture: architectureOf(settings.compute.instanceType), region }, { provider });
    if (!ami.pinned) pulumi.log.warn(unpinnedAmiWarning(ami, stack));

    // The trail's ARN is known before it exists, so the key and bucket policies admit it from the start.
    const audit = settings.auditTrail ? { name: trailName(project, stack) } : undefined;
    const cloudTrailArn = audit ? trailArn(region, account.accountId, audit.name) : undefined;

    const kms = new Kms(
        "kms",
        {
            aliasName: kmsAliasName(project, stack),
            accountId: account.accountId,
            region,
            description: `${project}/${stack}: data at rest`,
            protect: protectData,
            cloudTrailArn,
            // CloudFront reads SSE-KMS public uploads through OAC (p-app-hosts).
            cloudFrontReads: settings.cdn,
        },
        { provider },
    );

    // The CDN comes before the storage: the assets bucket's policy names the distribution (p-app-hosts).
    const cdn = deployCdn(settings, provider, account.accountId, cloudflareFor(settings, credentials));

    const storage = new Storage(
        "storage",
        {
            project,
            stack,
            accountId: account.accountId,
            region,
            kmsKeyArn: kms.keyArn,
            corsOrigins: settings.domain ? [`https://${settings.domain}`] : ["*"],
            logRetentionDays: settings.logRetentionDays,
            protect: protectData,
            // Logs are disposable where nothing is protected (mvp); above, the logs bucket stays with the stack's data.
            disposableLogs: !protectData,
            cloudTrailArn,
            cdn: cdn?.publicUploads ? { distributionArn: cdn.cdn.distributionArn, publicPrefix: PUBLIC_PREFIX } : undefined,
        },
        { provider },
    );

    if (audit) {
        new AuditTrail("audit", { name: audit.name, bucketName: storage.logsBucketName, prefix: CLOUDTRAIL_PREFIX, kmsKeyArn: kms.keyArn }, { provider });
    }

    const network = new Network(
        "network",
        {
            vpcCidr: settings.vpcCidr,
            azs,
            egress: settings.network.egress,
            region,
            // q-budget-aws: the NAT instance runs the app servers' pinned Amazon Linux 2023, on the smallest type of its architecture.
            natInstance: { amiId: ami.id, instanceType: ami.architecture === "arm64" ? "t4g.nano" : "t3.nano" },
            flowLogsDestination: pulumi.interpolate`${storage.logsBucketArn}/${FLOW_LOGS_PREFIX}/`,
        },
        { provider },
    );

    const secrets = new AppSecrets(
        "secrets",
        {
            secretNamePrefix: namePrefix(project, stack, "app-session"),
            kmsKeyArn: kms.keyArn,
            protect: protectData,
            // p-app-env: the team's secret variables, in their own secret of this stack (names only reach the plan).
            ...(settings.app.secretNames.length > 0 && credentials.appSecrets !== undefined
                ? { appEnv: { secretNamePrefix: namePrefix(project, stack, "app-env"), values: credentials.appSecrets } }
                : {}),
        },
        { providers: [provider, randomProvider] },
    );

    // --- second region: copies of the buckets and the database's long-term backups ---
    const second = settings.secondRegion
        ? new SecondRegion(
              "second-region",
              {
                  project,
                  stack,
                  accountId: account.accountId,
                  region,
                  secondRegion: settings.secondRegion,
                  tags: settings.tags,
                  sourceKmsKeyArn: kms.keyArn,
                  buckets: {
                      assets: { name: storage.assetsBucketName, arn: storage.assetsBucketArn },
                      backups: { name: storage.backupsBucketName, arn: storage.backupsBucketArn },
                  },
                  protect: protectData,
              },
              { provider },
          )
        : undefined;
    // --- end second region ---

    const db = settings.database;
    const restore = settings.restore;
    const database = new Database(
        "database",
        {
            identifier: rdsIdentifier(project, stack, "db"),
            replicaIdentifier: rdsIdentifier(project, stack, "db-replica"),
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            appSecurityGroupId: network.appSecurityGroupId,
            kmsKeyArn: kms.keyArn,
            instanceClass: db.instanceClass,
            storageGb: db.storageGb,
            maxStorageGb: db.maxStorageGb,
            multiAz: db.highAvailability,
            readReplica: db.readReplica,
            backupRetentionDays: db.backupRetentionDays,
            longTermBackupDays: db.longTermBackupDays,
            deletionProtection: db.deletionProtection,
            performanceInsights: db.performanceInsights,
            monitoring: db.enhancedMonitoring,
            logRetentionDays: settings.logRetentionDays,
            protect: protectData,
            // --- restore and second region ---
            ...(restore && (restore.kind === "snapshot" || restore.kind === "time")
                ? {
                      restore: {
                          kind: restore.kind,
                          value: restore.value,
                          slug: restore.slug,
                          active: restore.active,
                          identifier: rdsIdentifier(project, stack, `db-restored-${restore.slug}`),
                      },
                  }
                : {}),
            ...(second ? { copyToVaultArn: second.vaultArn } : {}),
            // --- end restore and second region ---
        },
        { providers: [provider, randomProvider] },
    );

    // --- p-aws-workers: the queue (ElastiCache for Valkey) and the workers' security group, where the tier has them ---
    let queue: QueueDependencies | undefined;
    if (settings.awsCache !== undefined && settings.awsWorkers !== undefined) {
        const access = new pulumi.ComponentResource("alicerce:aws:WorkerAccess", "workers-access", {}, { provider });
        const workersSg = new aws.ec2.SecurityGroup(
            "workers-sg",
            { vpcId: network.vpcId, description: "Worker instances: no inbound at all (SSM sessions go out, not in)", tags: { Name: "workers" } },
            { provider, parent: access },
        );
        new aws.vpc.SecurityGroupEgressRule(
            "workers-egress",
            {
                securityGroupId: workersSg.id,
                ipProtocol: "-1",
                cidrIpv4: "0.0.0.0/0",
                description: "AWS APIs, image pulls, OS updates, the database and Valkey",
            },
            { provider, parent: access },
        );
        // The workers read and record in PostgreSQL like the app.
        new aws.vpc.SecurityGroupIngressRule(
            "database-from-workers",
            {
                securityGroupId: database.securityGroupId,
                referencedSecurityGroupId: workersSg.id,
                ipProtocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                description: "PostgreSQL from the workers",
            },
            { provider, parent: access },
        );
        const cacheSettings = settings.awsCache;
        const cache = new ValkeyCache(
            "queue",
            {
                replicationGroupId: replicationGroupId(project, stack),
                vpcId: network.vpcId,
                // The isolated subnets, like the database: no route to or from the internet.
                subnetIds: network.isolatedSubnetIds,
                clientSecurityGroups: { app: network.appSecurityGroupId, workers: workersSg.id },
                kmsKeyArn: kms.keyArn,
                nodeType: cacheSettings.nodeType,
                nodes: cacheSettings.nodes,
                snapshotRetentionDays: cacheSettings.snapshotRetentionDays,
                secretNamePrefix: namePrefix(project, stack, "queue"),
                protect: protectData,
            },
            { providers: [provider, randomProvider] },
        );
        queue = { cache, workerSecurityGroupId: workersSg.id, workers: settings.awsWorkers };
    }
    // --- end p-aws-workers ---

    const edge = deployEdge(
        settings,
        provider,
        { kms, network, storage, secrets, database, amiId: ami.id, cdnBaseUrl: cdn?.publicUploads ? cdn.cdn.baseUrl : undefined, queue },
        credentials,
    );

    return {
        ...edge.outputs,
        kmsKeyArn: kms.keyArn,
        kmsAlias: kms.aliasName,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        azs: network.azs,
        subnetIds: { public: network.publicSubnetIds, private: network.privateSubnetIds, isolated: network.isolatedSubnetIds },
        appSubnetsArePublic: network.appSubnetsArePublic,
        assetsBucket: storage.assetsBucketName,
        backupsBucket: storage.backupsBucketName,
        logsBucket: storage.logsBucketName,
        database: {
            writer: database.writerAddress,
            // Where reads go: the replica, or the writer without one.
            reader: database.readerAddress ?? database.writerAddress,
            port: database.port,
            name: database.dbName,
            identifier: database.identifier,
        },
        secretArns: { database: database.masterSecretArn, app: secrets.sessionSecretArn },
        ...(database.restoredIdentifier ? { restoredDatabase: { identifier: database.restoredIdentifier, inUse: restore?.active ?? false } } : {}),
        ...(second ? { secondRegion: { region: settings.secondRegion!, vaultArn: second.vaultArn, buckets: second.replicaBuckets } } : {}),
        // --- CDN (p-app-hosts) ---
        ...(cdn ? { cdnUrl: cdn.cdn.baseUrl } : {}),
    };
}

/**
 * AWS's own config rules: a prebuilt image must be in ECR (the instances log
 * in to ECR only, with their role), and a pinned AMI must match the instance
 * type's architecture (an arm64 image on t3 fails only at launch).
 */
export function validateAws(view: ConfigView): string[] {
    const problems: string[] = [];
    const image = view.value("image");
    if (image !== undefined && parseEcrImage(image) === undefined) {
        problems.push(view.problem("image", "is not an ECR image; push it to an ECR repository (this stack's: output repositoryUrl) and pin it by digest"));
    }
    const ami = view.value("amiName");
    const type = view.value("instanceType") ?? view.preset?.compute.instanceType.aws ?? undefined;
    if (ami !== undefined && type) {
        let arch: string | undefined;
        try {
            arch = architectureOf(type);
        } catch {
            arch = undefined; // an invalid instance type is reported on its own key
        }
        const amiArch = AL2023_AMI_NAME.exec(ami)?.[2];
        if (arch !== undefined && amiArch !== undefined && amiArch !== arch) {
            problems.push(
                view.problem(
                    "amiName",
                    `is an ${amiArch} image, but instance type ${type} is ${arch}; use the ${arch} image of the same release (${ami.replace(/(arm64|x86_64)$/, arch)})`,
                ),
            );
        }
    }
    // --- p-aws-workers: workers run the app servers' image, so they need the same architecture ---
    const workerType = view.value("workersInstanceType");
    if (workerType !== undefined && type) {
        let archs: [string, string] | undefined;
        try {
            archs = [architectureOf(workerType), architectureOf(type)];
        } catch {
            archs = undefined; // an invalid type is reported on its own key
        }
        if (archs !== undefined && archs[0] !== archs[1]) {
            problems.push(
                view.problem(
                    "workersInstanceType",
                    `is ${archs[0]}, but the app servers' ${type} is ${archs[1]} and both run one image; use a ${archs[1]} type such as ${archs[1] === "arm64" ? "t4g.micro" : "t3.micro"}`,
                ),
            );
        }
    }
    // --- end p-aws-workers ---
    // p-app-env: a prebuilt image of the wrong architecture fails only when the first instance pulls it.
    const imageArch = view.value("imageArchitecture");
    if (imageArch !== undefined && type) {
        let arch: string | undefined;
        try {
            arch = architectureOf(type) === "arm64" ? "arm64" : "amd64";
        } catch {
            arch = undefined;
        }
        if (arch !== undefined && arch !== imageArch) {
            problems.push(
                view.problem(
                    "imageArchitecture",
                    `says alicerce:image is ${imageArch}, but instance type ${type} is ${arch}; push a ${arch} (or multi-architecture) image, or pick a${arch === "arm64" ? "n amd64 type such as t3.small" : "n arm64 type such as t4g.small"}`,
                ),
            );
        }
    }
    return problems;
}

/** The AWS platform. */
export const awsPlatform = {
    cloud: "aws",
    validate: validateAws,
    deploy: deployAws,
} satisfies Platform<StackSettings, AwsOutputs>;
