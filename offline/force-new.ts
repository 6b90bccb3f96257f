/**
 * Which input changes replace a resource, and which resources hold data:
 * the one definition the plan's diff (offline/diff.ts) and the tier-upgrade
 * test (test/stacks/tier-upgrade.test.ts) both read.
 */

/**
 * Inputs whose change replaces the resource: ForceNew in the provider's
 * schema (terraform-provider-aws `internal/service/<svc>/<resource>.go`,
 * e.g. `rds/instance.go`, `ec2/vpc_.go`, `s3/bucket.go`; every input of
 * terraform-provider-random's random_password and random_id), plus a few
 * that are not ForceNew but must not move with the tier either
 * (engineVersion, the subnet group, the source and the final snapshot name
 * of a database; the stored secret value). A type not listed here is
 * compared input by input and shown as updated unless the program declared
 * `replaceOnChanges` for it.
 */
export const REPLACED_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
    // q-budget-aws: assign_generated_ipv6_cidr_block is updated in place (vpc_.go resourceVPCUpdate ->
    // modifyVPCIPv6CIDRBlockAssociation), not ForceNew; a subnet's ipv6_cidr_block is ForceNew only once
    // assign_ipv6_address_on_creation was true (vpc_subnet.go CustomizeDiff), which alicerce never sets.
    "aws:ec2/vpc:Vpc": ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"],
    "aws:ec2/subnet:Subnet": [
        "vpcId",
        "cidrBlock",
        "availabilityZone",
        "availabilityZoneId",
        "outpostArn",
        "ipv4IpamPoolId",
        "ipv4NetmaskLength",
        "ipv6IpamPoolId",
        "ipv6Native",
        "ipv6NetmaskLength",
    ],
    "aws:rds/instance:Instance": [
        "identifier",
        "identifierPrefix",
        "engine",
        "engineVersion",
        "dbName",
        "username",
        "storageEncrypted",
        "kmsKeyId",
        "availabilityZone",
        "characterSetName",
        "ncharCharacterSetName",
        "timezone",
        "snapshotIdentifier",
        "restoreToPointInTime",
        "customIamInstanceProfile",
        "dbSubnetGroupName",
        "replicateSourceDb",
        "finalSnapshotIdentifier",
    ],
    "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
    "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretId", "secretString"],
    // The final snapshot's suffix: made once, so the name stays (finalSnapshotIdentifier itself is read only at deletion, not ForceNew).
    "random:index/randomId:RandomId": ["byteLength", "keepers", "prefix"],
    "random:index/randomPassword:RandomPassword": [
        "length",
        "special",
        "upper",
        "lower",
        "numeric",
        "minSpecial",
        "minUpper",
        "minLower",
        "minNumeric",
        "overrideSpecial",
        "keepers",
    ],
};

/**
 * Resources whose replacement loses data or everything inside them: a
 * database (and its replica), a bucket, a key, a secret and its password, a
 * volume, a registry, a network and its subnets, a cache that holds a queue.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:ecr/repository:Repository",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/serverlessCache:ServerlessCache",
    "aws:ebs/volume:Volume",
    "random:index/randomPassword:RandomPassword",
    "random:index/randomId:RandomId",
    "digitalocean:index/vpc:Vpc",
    "digitalocean:index/databaseCluster:DatabaseCluster",
    "digitalocean:index/databaseReplica:DatabaseReplica",
    "digitalocean:index/spacesBucket:SpacesBucket",
    "digitalocean:index/volume:Volume",
    "digitalocean:index/containerRegistry:ContainerRegistry",
    "docker:index/volume:Volume",
]);

/** The inputs among `changed` that replace a resource of `type` (`replaceOnChanges` declared by the program included; `"*"` means any). */
export function replacingInputs(type: string, changed: readonly string[], replaceOnChanges: readonly string[] = []): string[] {
    const forceNew = new Set([...(REPLACED_ON_CHANGE[type] ?? []), ...replaceOnChanges.map((p) => p.split(/[.[]/)[0])]);
    if (forceNew.has("*")) return [...changed];
    return changed.filter((k) => forceNew.has(k));
}
