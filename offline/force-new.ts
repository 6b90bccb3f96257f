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
    // ForceNew on aws_elasticache_replication_group / _subnet_group / _parameter_group
    // (terraform-provider-aws internal/service/elasticache/replication_group.go, subnet_group.go, parameter_group.go);
    // engine and engineVersion replace it only on a downgrade, and must not move with the tier either.
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "replicationGroupId",
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "subnetGroupName",
        "port",
        "snapshotArns",
        "snapshotName",
        "dataTieringEnabled",
        "networkType",
        "securityGroupNames",
        "globalReplicationGroupId",
        "engine",
        "engineVersion",
    ],
    "aws:elasticache/subnetGroup:SubnetGroup": ["name"],
    "aws:elasticache/parameterGroup:ParameterGroup": ["name", "family"],
    // terraform-provider-aws ecr/repository.go, backup/vault.go, ec2/ec2_instance.go (the single host on AWS). Tags are never ForceNew.
    "aws:ecr/repository:Repository": ["name", "encryptionConfigurations"],
    "aws:backup/vault:Vault": ["name", "kmsKeyArn"],
    "aws:ec2/instance:Instance": [
        "ami",
        "availabilityZone",
        "subnetId",
        "keyName",
        "associatePublicIpAddress",
        "ebsOptimized",
        "hibernation",
        "placementGroup",
    ],
    // terraform-provider-digitalocean at 401992a1e493a0e3cfc833197820867991fc011f: database/resource_database_cluster.go
    // (name, engine, private_network_uuid, project_id), resource_database_replica.go (name, cluster_id, region,
    // private_network_uuid, tags), resource_database_db.go and resource_database_user.go (cluster_id, name),
    // spaces/resource_spaces_bucket.go (region; name is the bucket's identity), registry/resource_container_registry.go
    // (name, region), vpc/resource_vpc.go (region, ip_range), volume/resource_volume.go (region, name, description,
    // snapshot_id, initial_filesystem_type, initial_filesystem_label), droplet/resource_droplet.go (image, region,
    // ssh_keys, user_data, monitoring, droplet_agent, vpc_uuid: the single host's droplet holds its data).
    "digitalocean:index/databaseCluster:DatabaseCluster": ["name", "engine", "privateNetworkUuid", "projectId"],
    "digitalocean:index/databaseReplica:DatabaseReplica": ["name", "clusterId", "region", "privateNetworkUuid", "tags"],
    "digitalocean:index/databaseDb:DatabaseDb": ["clusterId", "name"],
    "digitalocean:index/databaseUser:DatabaseUser": ["clusterId", "name"],
    "digitalocean:index/spacesBucket:SpacesBucket": ["name", "region"],
    "digitalocean:index/containerRegistry:ContainerRegistry": ["name", "region"],
    "digitalocean:index/vpc:Vpc": ["region", "ipRange"],
    "digitalocean:index/volume:Volume": ["region", "name", "description", "snapshotId", "initialFilesystemType", "initialFilesystemLabel"],
    "digitalocean:index/droplet:Droplet": ["image", "region", "sshKeys", "userData", "monitoring", "dropletAgent", "vpcUuid"],
    // terraform-provider-docker at 83c00e0bf3cec8f00bab77a9315ab69a58dcda32: internal/provider/resource_docker_volume.go
    // (name, labels, driver, driver_opts); resource_docker_network.go (a network holds no data, but replacing one creates
    // it again under the same name before the old one is gone, which Docker refuses); resource_docker_container.go
    // (labels) for the containers that serve the data (PostgreSQL, Redis, the object store): replaced means restarted.
    "docker:index/volume:Volume": ["name", "labels", "driver", "driverOpts"],
    "docker:index/network:Network": [
        "name",
        "labels",
        "checkDuplicate",
        "driver",
        "options",
        "internal",
        "attachable",
        "ingress",
        "ipv6",
        "ipamDriver",
        "ipamOptions",
        "ipamConfigs",
    ],
    "docker:index/container:Container": ["labels"],
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

/**
 * The component that holds the single Docker host's VM (components/docker/host.ts): PostgreSQL, uploads and
 * backups live on that VM's disk, so replacing it loses them. An EC2 instance elsewhere (the NAT instance of
 * components/aws/network.ts) holds nothing.
 */
export const SINGLE_HOST_COMPONENT = "alicerce:docker:VpsHost";

/** The VM types a single host is made of (components/aws/vps-machine.ts, components/digitalocean/vps-machine.ts). */
const HOST_VM_TYPES: ReadonlySet<string> = new Set(["aws:ec2/instance:Instance", "digitalocean:index/droplet:Droplet"]);

/** The type of the resource a URN names (its qualified type's last part: `urn:pulumi:S::P::parent$type::name`). */
export function typeOfUrn(urn: string): string | undefined {
    const m = /^urn:pulumi:[^:]*::[^:]*::(.+)::[^:]*$/.exec(urn);
    return m ? m[1].split("$").pop() : undefined;
}

/** The resource holds data: its type is in {@link STATEFUL_TYPES}, or it is the VM of a single Docker host (its parent's type tells). */
export function holdsData(r: { readonly type: string; readonly parent?: string | null }): boolean {
    if (STATEFUL_TYPES.has(r.type)) return true;
    return HOST_VM_TYPES.has(r.type) && !!r.parent && typeOfUrn(r.parent) === SINGLE_HOST_COMPONENT;
}
