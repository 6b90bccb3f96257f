import { createHash } from "crypto";
import type { MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime";

/** The AWS account the mocks pretend to be. */
export const MOCK_ACCOUNT_ID = "123456789012";

type Computed = (name: string, inputs: Record<string, any>, region: string) => Record<string, unknown>;

/** Where {@link made} records values while one {@link mockOutputs} call lasts. */
let madeSink: Set<string> | undefined;

/**
 * Marks a value the mocks make up where only the cloud knows the answer
 * after `up` (an id, an ARN, a DNS name, an address, a generated name or
 * digest): the reports show "(known after up)" wherever it ends up
 * (offline/unknowns.ts), never the stand-in as if it were a fact.
 */
function made<T>(value: T): T {
    const walk = (v: unknown): void => {
        if (typeof v === "string" && v !== "") madeSink?.add(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(value);
    return value;
}

const arn = (service: string, resource: string, region: string) => made(`arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`);

/**
 * Properties the cloud computes (ARNs, endpoints, DNS names), per resource
 * type, so that Outputs built from them resolve as they would after `up`.
 * A type missing here still gets its inputs back plus `id`, `arn` and `name`.
 */
const COMPUTED: Record<string, Computed> = {
    "aws:ec2/vpc:Vpc": (n, i) =>
        made({
            defaultSecurityGroupId: `sg-${n}-default`,
            mainRouteTableId: `rtb-${n}-main`,
            // q-budget-aws: AWS assigns a /56 from its pool when asked (CreateVpc AmazonProvidedIpv6CidrBlock); read back as ipv6_cidr_block.
            ...(i.assignGeneratedIpv6CidrBlock ? { ipv6CidrBlock: "2600:1f18:4a1:b200::/56", ipv6AssociationId: `vpc-cidr-assoc-${n}` } : {}),
        }),
    // q-budget-aws: an instance's primary interface is read back after launch (DescribeInstances).
    "aws:ec2/instance:Instance": (n) => made({ primaryNetworkInterfaceId: `eni-${n}` }),
    "aws:rds/instance:Instance": (n, i, r) => {
        const address = made(`${i.identifier ?? n}.c0ffee.${r}.rds.amazonaws.com`);
        const replica = i.replicateSourceDb !== undefined;
        return {
            // What DescribeDBInstances reports when the input is unset: single-AZ, 1 day of backups (0 on a read
            // replica), not deletion-protected, not public; a replica's storage is encrypted like its source's
            // (the stacks' sources are). A KMS key is read back as its ARN, whatever form was given.
            // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (BackupRetentionPeriod, MultiAZ)
            multiAz: i.multiAz ?? false,
            backupRetentionPeriod: i.backupRetentionPeriod ?? (replica ? 0 : 1),
            deletionProtection: i.deletionProtection ?? false,
            publiclyAccessible: i.publiclyAccessible ?? false,
            storageEncrypted: i.storageEncrypted ?? replica,
            ...(typeof i.kmsKeyId === "string" && !i.kmsKeyId.startsWith("arn:")
                ? { kmsKeyId: arn("kms", `key/${i.kmsKeyId.replace(/^alias\//, "")}`, r) }
                : {}),
            address,
            endpoint: `${address}:5432`,
            port: 5432,
            arn: arn("rds", `db:${i.identifier ?? n}`, r),
            resourceId: made(`db-${n.toUpperCase().replace(/[^A-Z0-9]/g, "")}`),
            // A restored instance (snapshotIdentifier, restoreToPointInTime) reads back its source's database name,
            // master user and engine version (DescribeDBInstances DBName, MasterUsername, EngineVersion): the stacks'
            // sources are created with "app", "app_admin" and PostgreSQL 18.
            ...(i.snapshotIdentifier !== undefined || i.restoreToPointInTime !== undefined
                ? { dbName: i.dbName ?? "app", username: i.username ?? "app_admin", engineVersion: i.engineVersion ?? "18", engine: i.engine ?? "postgres" }
                : {}),
            masterUserSecrets: i.manageMasterUserPassword
                ? [{ secretArn: arn("secretsmanager", `secret:rds!db-${n}-AbCdEf`, r), secretStatus: "active", kmsKeyId: i.masterUserSecretKmsKeyId }]
                : [],
        };
    },
    "aws:lb/loadBalancer:LoadBalancer": (n, i, r) => ({
        loadBalancerType: i.loadBalancerType ?? "application",
        internal: i.internal ?? false,
        dnsName: made(`${n}-1234567890.${r}.elb.amazonaws.com`),
        zoneId: "Z35SXDOTRQ7X7K",
        arn: arn("elasticloadbalancing", `loadbalancer/app/${n}/50dc6c495c0c9188`, r),
        arnSuffix: made(`app/${n}/50dc6c495c0c9188`),
    }),
    "aws:lb/targetGroup:TargetGroup": (n, _i, r) => ({
        arn: arn("elasticloadbalancing", `targetgroup/${n}/73e2d6bc24d8a067`, r),
        arnSuffix: made(`targetgroup/${n}/73e2d6bc24d8a067`),
    }),
    "aws:kms/key:Key": (n, _i, r) => ({ keyId: made(`${n}-0000-1111-2222`), arn: arn("kms", `key/${n}-0000-1111-2222`, r) }),
    "aws:s3/bucket:Bucket": (n, i, r) => s3BucketReadBack(n, i, r),
    "aws:s3/bucketV2:BucketV2": (n, i, r) => s3BucketReadBack(n, i, r),
    // Create revokes the allow-all egress rule EC2 adds to a new group, then reads the group: its rules are the
    // inline ones only (rules of separate resources appear on refresh, see refreshedStates).
    // terraform-provider-aws internal/service/ec2/vpc_security_group.go (resourceSecurityGroupCreate, Read).
    "aws:ec2/securityGroup:SecurityGroup": (n, i, r) => ({
        ingress: i.ingress ?? [],
        egress: i.egress ?? [],
        ownerId: MOCK_ACCOUNT_ID,
        arn: arn("ec2", `security-group/${n}-id`, r),
        name: i.name ?? made(i.namePrefix !== undefined ? `${i.namePrefix}20260101000000000000000001` : `${n}-a1b2c3d`),
        description: i.description ?? "Managed by Pulumi",
    }),
    "aws:ec2/subnet:Subnet": (_n, i) => ({ mapPublicIpOnLaunch: i.mapPublicIpOnLaunch ?? false, ownerId: MOCK_ACCOUNT_ID }),
    "aws:autoscaling/group:Group": (n, i) => ({ name: i.name ?? made(`${n}-a1b2c3d`) }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:acm/certificate:Certificate": (n, i, r) => ({
        arn: arn("acm", `certificate/${n}`, r),
        domainValidationOptions: [i.domainName, ...(i.subjectAlternativeNames ?? [])].map((d: string) => ({
            domainName: d,
            // ACM drops a wildcard's "*." in its record: *.x and x share one record (ACM User Guide, "DNS validation").
            resourceRecordName: made(`_x1.${d.replace(/^\*\./, "")}.`),
            resourceRecordType: "CNAME",
            resourceRecordValue: made(`_x2.acm-validations.aws.`),
        })),
    }),
    // CloudFront (p-app-hosts): global ARNs with no region; the distribution's domain is computed by CloudFront.
    "aws:cloudfront/distribution:Distribution": (n) => ({
        ...made({
            arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:distribution/E${n.length.toString(16).toUpperCase().padStart(4, "0")}MOCKDIST`,
            domainName: `d${n.length.toString(16).padStart(4, "0")}mockdist.cloudfront.net`,
            etag: "E2QWRUHAPOMQZL",
        }),
        hostedZoneId: "Z2FDTNDATAQYW2",
        status: "Deployed",
    }),
    "aws:cloudfront/function:Function": (n, i) => ({
        arn: made(`arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:function/${i.name ?? n}`),
        etag: made("ETVPDKIKX0DER"),
        liveStageEtag: made("ETVPDKIKX0DER"),
        status: "UNASSOCIATED",
    }),
    "aws:cloudfront/originAccessControl:OriginAccessControl": () => ({ etag: made("E1OAC") }),
    "aws:cloudwatch/logGroup:LogGroup": (n, i, r) => {
        const name = i.name ?? made(`${i.namePrefix ?? `${n}-`}20260101000000000000000001`);
        return { name, arn: arn("logs", `log-group:${name}`, r) };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": (n, i, r) => ({
        name: i.name ?? made(`${n}-a1b2c3d`),
        arn: arn("cloudwatch", `alarm:${i.name ?? `${n}-a1b2c3d`}`, r),
    }),
    "aws:sns/topic:Topic": (n, i, r) => ({ arn: arn("sns", i.name ?? `${n}-a1b2c3d`, r) }),
    "aws:wafv2/webAcl:WebAcl": (n, _i, r) => ({ arn: arn("wafv2", `regional/webacl/${n}-a1b2c3d/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`, r) }),
    "aws:ecr/repository:Repository": (n, i, r) => ({
        // Unset, ECR encrypts with AES256 and reports it; a KMS key is reported as its ARN.
        encryptionConfigurations: i.encryptionConfigurations ?? [{ encryptionType: "AES256", kmsKey: "" }],
        repositoryUrl: made(`${MOCK_ACCOUNT_ID}.dkr.ecr.${r}.amazonaws.com/${i.name ?? `${n}-a1b2c3d`}`),
        registryId: MOCK_ACCOUNT_ID,
        arn: arn("ecr", `repository/${i.name ?? `${n}-a1b2c3d`}`, r),
    }),
    "aws:rds/subnetGroup:SubnetGroup": (n) => ({ name: made(`${n}-a1b2c3d`) }),
    // --- p-aws-workers: ElastiCache for Valkey ---
    // What the provider reads back after CreateReplicationGroup (terraform-provider-aws
    // internal/service/elasticache/replication_group.go resourceReplicationGroupRead; API_ReplicationGroup.html):
    // the primary endpoint `master.<id>.<hash>.<region-short>.cache.amazonaws.com` (its form with TLS on),
    // the reader endpoint `replica.<id>...`, member clusters `<id>-001`..., the actual engine version, the
    // group lowercased, at-rest encryption on by default for valkey, a KMS key read back as its ARN; the auth
    // token is write-only (never read back), cluster mode off without node groups.
    "aws:elasticache/replicationGroup:ReplicationGroup": (n, i, r) => {
        const id = String(i.replicationGroupId ?? n).toLowerCase();
        const nodes = Number(i.numCacheClusters ?? 1);
        return {
            replicationGroupId: id,
            arn: arn("elasticache", `replicationgroup:${id}`, r),
            engine: i.engine ?? "redis",
            engineVersionActual: i.engineVersion === "8.0" ? "8.0.1" : `${i.engineVersion ?? "7.1"}.0`,
            atRestEncryptionEnabled: i.atRestEncryptionEnabled ?? i.engine === "valkey",
            transitEncryptionEnabled: i.transitEncryptionEnabled ?? false,
            ...(typeof i.kmsKeyId === "string" && !i.kmsKeyId.startsWith("arn:") ? { kmsKeyId: arn("kms", `key/${i.kmsKeyId}`, r) } : {}),
            clusterEnabled: false,
            clusterMode: "disabled",
            multiAzEnabled: i.multiAzEnabled ?? false,
            automaticFailoverEnabled: i.automaticFailoverEnabled ?? false,
            port: i.port ?? 6379,
            primaryEndpointAddress: made(`master.${id}.ab12cd.use1.cache.amazonaws.com`),
            readerEndpointAddress: made(`replica.${id}.ab12cd.use1.cache.amazonaws.com`),
            configurationEndpointAddress: "",
            memberClusters: Array.from({ length: nodes }, (_, k) => `${id}-${String(k + 1).padStart(3, "0")}`),
            snapshotRetentionLimit: i.snapshotRetentionLimit ?? 0,
        };
    },
    "aws:elasticache/subnetGroup:SubnetGroup": (n, i, r) => ({
        name: String(i.name ?? n).toLowerCase(),
        arn: arn("elasticache", `subnetgroup:${String(i.name ?? n).toLowerCase()}`, r),
        vpcId: made("vpc-mock"),
    }),
    "aws:elasticache/parameterGroup:ParameterGroup": (n, i, r) => ({
        name: String(i.name ?? n).toLowerCase(),
        arn: arn("elasticache", `parametergroup:${String(i.name ?? n).toLowerCase()}`, r),
    }),
    // --- end p-aws-workers ---
    "aws:rds/parameterGroup:ParameterGroup": (n) => ({ name: made(`${n}-a1b2c3d`) }),
    "aws:backup/vault:Vault": (n, i, r) => ({ name: i.name ?? made(`${n}-a1b2c3d`), arn: arn("backup", `backup-vault:${i.name ?? `${n}-a1b2c3d`}`, r) }),
    "aws:secretsmanager/secret:Secret": (n, i, r) => {
        const name = made(`${i.name ?? i.namePrefix ?? `${n}-`}20260101000000000000000001`);
        return { name, arn: arn("secretsmanager", `secret:${name}-AbCdEf`, r) };
    },
    // Secrets Manager gives every new value a new version id (PutSecretValue/CreateSecret VersionId, a UUID): a hash stands in.
    "aws:secretsmanager/secretVersion:SecretVersion": (n, i) => {
        const h = createHash("sha256")
            .update(`${n}:${JSON.stringify(i.secretString ?? i.secretBinary ?? "")}`)
            .digest("hex");
        return {
            versionId: made(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`),
            versionStages: ["AWSCURRENT"],
        };
    },
    "random:index/randomId:RandomId": (n, i) => {
        const hex = createHash("sha256")
            .update(n)
            .digest("hex")
            .slice(0, 2 * (i.byteLength ?? 4));
        return made({
            hex,
            dec: BigInt(`0x${hex}`).toString(),
            b64Std: Buffer.from(hex, "hex").toString("base64"),
            b64Url: Buffer.from(hex, "hex").toString("base64url"),
        });
    },
    "random:index/randomPassword:RandomPassword": (n, i) => ({ result: mockRandomPassword(n, i.length), bcryptHash: "stand-in" }),
    "docker:index/remoteImage:RemoteImage": (n, i) =>
        made({
            imageId: `sha256:${Buffer.from(String(i.name ?? n))
                .toString("hex")
                .padEnd(64, "0")
                .slice(0, 64)}`,
            repoDigest: `${String(i.name ?? n).split(":")[0]}@sha256:${"0".repeat(63)}2`,
        }),
    "docker:index/container:Container": (n, i) => ({
        name: i.name ?? made(`${n}-a1b2c3d`),
        // exit_code and container_logs are read back only for a container that ran to its end (attach, logs).
        ...(i.attach ? { exitCode: 0, ...(i.logs ? { containerLogs: "" } : {}) } : {}),
    }),
    "docker:index/network:Network": (n, i) => ({ name: i.name ?? n, scope: "local" }),
    "docker:index/volume:Volume": (n, i) => ({ name: i.name ?? n, mountpoint: made(`/var/lib/docker/volumes/${i.name ?? n}/_data`), driver: "local" }),
    "digitalocean:index/droplet:Droplet": (n) => made({ ipv4Address: "203.0.113.10", ipv4AddressPrivate: "10.116.0.2", urn: `do:droplet:${n}` }),
    "digitalocean:index/sshKey:SshKey": () => made({ fingerprint: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa" }),
    // aws_eip reads back its allocation id (also its id), address and ARN (arn:aws:ec2:<region>:<account>:elastic-ip/<allocation id>).
    "aws:ec2/eip:Eip": (_n, i, r) =>
        made({ publicIp: "198.51.100.20", allocationId: "eipalloc-0a1b2c3d", arn: arn("ec2", "elastic-ip/eipalloc-0a1b2c3d", r), domain: i.domain ?? "vpc" }),
    "docker:index/image:Image": (n, i) => ({
        repoDigest: made(`${String(i.imageName).split(":")[0]}@sha256:${"0".repeat(63)}1`),
        baseImageName: i.imageName ?? n,
    }),
};

/** Computed properties of the AWS audit trail (the data layer's CloudTrail trail). */
const AUDIT_COMPUTED: Record<string, Computed> = {
    "aws:cloudtrail/trail:Trail": (n, i, r) => ({ arn: arn("cloudtrail", `trail/${i.name ?? n}`, r), homeRegion: r }),
};

/**
 * What S3 answers GetBucketEncryption with for a bucket no one configured:
 * SSE-S3 (AES256), applied to every bucket since 2023-01-05. The provider's
 * Create reads the bucket back before any separate
 * BucketServerSideEncryptionConfiguration exists, so this is the bucket's
 * own `serverSideEncryptionConfiguration` output after the first `up`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
 * terraform-provider-aws internal/service/s3/bucket.go (resourceBucketRead: server_side_encryption_configuration)
 */
export const S3_DEFAULT_ENCRYPTION = {
    rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyId: "" }, bucketKeyEnabled: false },
} as const;

/**
 * A bucket as the provider reads it back after Create: the name and
 * endpoints, and the bucket-level settings S3 reports even when the program
 * set them through separate resources (encryption: S3's default; versioning:
 * off until the BucketVersioning resource runs; no object lock).
 */
function s3BucketReadBack(n: string, i: Record<string, any>, r: string): Record<string, unknown> {
    const bucket = i.bucket ?? made(`${n}-a1b2c3d`);
    // With no bucket name given, its name (and so its domain) is Pulumi's autoname, known after up.
    const named = <T>(v: T) => (i.bucket === undefined ? made(v) : v);
    return {
        bucket,
        bucketDomainName: named(`${i.bucket ?? n}.s3.amazonaws.com`),
        bucketRegionalDomainName: named(`${i.bucket ?? n}.s3.${r}.amazonaws.com`),
        arn: `arn:aws:s3:::${bucket}`,
        region: r,
        serverSideEncryptionConfiguration: i.serverSideEncryptionConfiguration ?? S3_DEFAULT_ENCRYPTION,
        versioning: i.versioning ?? { enabled: false, mfaDelete: false },
        objectLockEnabled: i.objectLockEnabled ?? false,
        requestPayer: "BucketOwner",
    };
}

/** One recorded resource with the state the mocks gave it. */
export interface StatefulResource {
    readonly urn: string;
    readonly type: string;
    readonly id: string;
    readonly state: Record<string, any>;
}

const SG_RULE_TYPES: Record<string, "ingress" | "egress"> = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "ingress",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "egress",
};

/**
 * The states after `pulumi refresh` (or any later read): the provider reads
 * a security group's rules from EC2, so those of separate
 * SecurityGroupIngressRule/EgressRule resources appear in the group's
 * `ingress`/`egress`; a bucket reports the encryption and versioning its
 * separate configuration resources set.
 * terraform-provider-aws internal/service/ec2/vpc_security_group.go (Read: ingress/egress from DescribeSecurityGroups),
 * internal/service/s3/bucket.go (Read).
 */
export function refreshedStates(resources: readonly StatefulResource[]): Map<string, Record<string, any>> {
    const out = new Map(resources.map((r) => [r.urn, { ...r.state }]));
    const groups = resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup");
    for (const rule of resources.filter((r) => SG_RULE_TYPES[r.type] !== undefined)) {
        const group = groups.find((g) => g.id === rule.state.securityGroupId);
        if (!group) continue;
        const s = rule.state;
        const all = s.ipProtocol === "-1" || s.ipProtocol === "all";
        const entry = {
            protocol: s.ipProtocol,
            fromPort: all ? 0 : s.fromPort,
            toPort: all ? 0 : s.toPort,
            cidrBlocks: s.cidrIpv4 ? [s.cidrIpv4] : [],
            ipv6CidrBlocks: s.cidrIpv6 ? [s.cidrIpv6] : [],
            prefixListIds: s.prefixListId ? [s.prefixListId] : [],
            securityGroups: s.referencedSecurityGroupId ? [s.referencedSecurityGroupId] : [],
            self: false,
            description: s.description ?? "",
        };
        const state = out.get(group.urn)!;
        const key = SG_RULE_TYPES[rule.type];
        state[key] = [...(state[key] ?? []), entry];
    }
    const buckets = resources.filter((r) => ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"].includes(r.type));
    const bucketOf = (name: unknown) => buckets.find((b) => b.state.bucket === name || b.id === name);
    for (const r of resources) {
        const bucket = bucketOf(r.state.bucket);
        if (!bucket) continue;
        const state = out.get(bucket.urn)!;
        if (/^aws:s3\/bucketServerSideEncryptionConfiguration(V2)?:/.test(r.type) && Array.isArray(r.state.rules) && r.state.rules.length > 0) {
            const rule = r.state.rules[0];
            state.serverSideEncryptionConfiguration = {
                rule: {
                    applyServerSideEncryptionByDefault: { kmsMasterKeyId: "", ...rule.applyServerSideEncryptionByDefault },
                    bucketKeyEnabled: rule.bucketKeyEnabled ?? false,
                },
            };
        }
        if (/^aws:s3\/bucketVersioning(V2)?:/.test(r.type)) {
            state.versioning = {
                enabled: r.state.versioningConfiguration?.status === "Enabled",
                mfaDelete: r.state.versioningConfiguration?.mfaDelete === "Enabled",
            };
        }
    }
    return out;
}

/** What the mocks return where DigitalOcean would return a credential: plainly not one. */
const DO_STAND_IN = "offline-harness-stand-in";

/** A stable fake UUID per logical name, shaped like DigitalOcean's ids. */
const uuid = (name: string) => {
    const h = createHash("sha256").update(name).digest("hex");
    return made(`${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`);
};

/** The name DigitalOcean resources get: the input, or Pulumi's autoname (logical name plus a suffix). */
const doName = (n: string, i: Record<string, any>): string => i.name ?? made(`${n}-a1b2c3d`);

/** Computed properties of DigitalOcean resources (URNs, private hosts, endpoints, generated credentials). */
const DIGITALOCEAN_COMPUTED: Record<string, Computed> = {
    "digitalocean:index/vpc:Vpc": (n) => ({ vpcUrn: `do:vpc:${uuid(n)}` }),
    "digitalocean:index/spacesBucket:SpacesBucket": (n, i, r) => {
        const name = doName(n, i);
        const region = i.region ?? r;
        return {
            name,
            bucketDomainName: `${name}.${region}.digitaloceanspaces.com`,
            endpoint: `${region}.digitaloceanspaces.com`,
            bucketUrn: `do:space:${name}`,
        };
    },
    "digitalocean:index/cdn:Cdn": (n, i) => ({
        endpoint: String(i.origin ?? `${n}.nyc3.digitaloceanspaces.com`).replace(".digitaloceanspaces.com", ".cdn.digitaloceanspaces.com"),
        createdAt: made("2025-01-01T00:00:00Z"),
    }),
    "digitalocean:index/spacesKey:SpacesKey": (n) =>
        made({
            accessKey: `DO00${createHash("sha256").update(n).digest("hex").slice(0, 16).toUpperCase()}`,
            secretKey: `${DO_STAND_IN}-${n}`,
        }),
    "digitalocean:index/spacesBucketObject:SpacesBucketObject": (_n, i) => ({
        etag: createHash("md5")
            .update(String(i.content ?? ""))
            .digest("hex"),
    }),
    "digitalocean:index/containerRegistry:ContainerRegistry": (n, i) => ({
        name: doName(n, i),
        endpoint: `registry.digitalocean.com/${doName(n, i)}`,
        serverUrl: "registry.digitalocean.com",
    }),
    "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials": (n) =>
        made({
            dockerCredentials: JSON.stringify({
                auths: { "registry.digitalocean.com": { auth: Buffer.from(`${n}-user:${DO_STAND_IN}-${n}`).toString("base64") } },
            }),
            credentialExpirationTime: "2099-01-01T00:00:00Z",
        }),
    "digitalocean:index/databaseCluster:DatabaseCluster": (n, i, r) => {
        const id = uuid(n);
        const host = made(`${doName(n, i)}-do-user-0.${i.region ?? r}.db.ondigitalocean.com`);
        const valkey = i.engine === "valkey";
        const port = 25060 + (valkey ? 1 : 0);
        const user = valkey ? "default" : "doadmin";
        const scheme = valkey ? "rediss" : "postgresql";
        const database = valkey ? "" : "defaultdb";
        const uri = (h: string) => `${scheme}://${user}:${DO_STAND_IN}@${h}:${port}${valkey ? "" : `/${database}?sslmode=require`}`;
        return {
            clusterUrn: `do:dbaas:${id}`,
            host,
            privateHost: `private-${host}`,
            port,
            uri: uri(host),
            privateUri: uri(`private-${host}`),
            user,
            password: made(DO_STAND_IN),
            database,
        };
    },
    "digitalocean:index/databaseReplica:DatabaseReplica": (n, i, r) => {
        const host = made(`${doName(n, i)}-do-user-0.${i.region ?? r}.db.ondigitalocean.com`);
        return { uuid: uuid(n), host, privateHost: `private-${host}`, port: 25060, user: "doadmin", password: DO_STAND_IN, database: "defaultdb" };
    },
    "digitalocean:index/databaseUser:DatabaseUser": (n) => ({ password: made(`${DO_STAND_IN}-${n}`), role: "normal" }),
    "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": (n, _i, r) => {
        const host = made(`db-${uuid(n).slice(0, 8)}-do-user-0.${r}.db.ondigitalocean.com`);
        return { host, privateHost: `private-${host}`, port: 25061, password: DO_STAND_IN };
    },
    "digitalocean:index/loadBalancer:LoadBalancer": (n) => ({ ip: made("203.0.113.10"), loadBalancerUrn: `do:loadbalancer:${uuid(n)}`, status: "active" }),
    "digitalocean:index/certificate:Certificate": (n, i) => ({ name: doName(n, i), uuid: uuid(n), state: "verified", notAfter: made("2099-01-01T00:00:00Z") }),
    "digitalocean:index/dropletAutoscale:DropletAutoscale": () => ({ status: "active", createdAt: made("2025-01-01T00:00:00Z") }),
    "digitalocean:index/project:Project": () => ({ ownerUuid: uuid("owner"), ownerId: 1234567 }),
};

/** Computed outputs of other providers' resources. */
const OTHER_COMPUTED: Readonly<Record<string, Computed>> = {
    // What the remote command printed (cloud-init's final status for the wait).
    "command:remote:Command": () => ({ stdout: made("status: done"), stderr: "" }),
};

/**
 * The value the mocks give a RandomPassword: plainly not a credential, and
 * distinct per resource so a test can find where each one ends up.
 */
export function mockRandomPassword(name: string, length = 16): string {
    return `standin${name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(length, "x").slice(0, Math.max(length, 16));
}

/** The mock `newResource`: a stable id and the inputs echoed back with computed properties. */
export function mockOutputs(args: MockResourceArgs, region: string, mockValues?: Set<string>): MockResourceResult {
    madeSink = mockValues;
    try {
        const base: Record<string, unknown> = { ...args.inputs };
        if (args.type.startsWith("aws:")) {
            const [, mod, kind] = /^aws:([^/]+)\/([^:]+):/.exec(args.type) ?? [];
            base.arn ??= arn(mod ?? "service", `${kind ?? "resource"}/${args.name}`, region);
            base.name ??= made(`${args.name}-a1b2c3d`);
        }
        if (args.type.startsWith("digitalocean:")) base.name ??= made(`${args.name}-a1b2c3d`);
        const computed =
            (COMPUTED[args.type] ?? DIGITALOCEAN_COMPUTED[args.type] ?? AUDIT_COMPUTED[args.type] ?? OTHER_COMPUTED[args.type])?.(
                args.name,
                args.inputs,
                region,
            ) ?? {};
        // The mock monitor passes the import id, "" when not importing; an empty id reads as unknown.
        return { id: args.id ? args.id : made(`${args.name}-id`), state: { ...base, ...computed } };
    } finally {
        madeSink = undefined;
    }
}
