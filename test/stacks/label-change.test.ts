/**
 * A team hands a stack over: `alicerce:owner` and `alicerce:costCenter`
 * change. Labels must follow in place, never by replacing what holds data.
 * Each shipped stack runs twice under the harness (as shipped, then with
 * both keys changed) and every resource that holds data must keep its URN
 * and every input whose change makes its provider replace it.
 */
import { strict as assert } from "assert";
import { RecordedResource, runStack, stackFiles, StackRun } from "../../offline";
import { stackRun } from "./runs";

/**
 * Replacement-triggering (ForceNew) inputs of the resource types that hold
 * data (or that the data sits in), from the providers' schemas:
 * - terraform-provider-aws (internal/service/<svc>/<resource>.go), as in
 *   test/stacks/tier-upgrade.test.ts; ec2_instance.go for the single host on AWS.
 *   AWS tags are never ForceNew (they update through tags_all).
 * - terraform-provider-digitalocean at 401992a1e493a0e3cfc833197820867991fc011f:
 *   digitalocean/database/resource_database_cluster.go (name, engine,
 *   private_network_uuid, project_id), resource_database_replica.go (name,
 *   cluster_id, region, private_network_uuid, **tags**), resource_database_db.go
 *   and resource_database_user.go (cluster_id, name), spaces/resource_spaces_bucket.go
 *   (region; name is the bucket's identity), registry/resource_container_registry.go
 *   (name, region), vpc/resource_vpc.go (region, ip_range), volume/resource_volume.go
 *   (region, name, description, snapshot_id, initial_filesystem_type,
 *   initial_filesystem_label), droplet/resource_droplet.go (image, region,
 *   ssh_keys, user_data, monitoring, droplet_agent, vpc_uuid: the single host's droplet holds its data).
 * - terraform-provider-docker at 83c00e0bf3cec8f00bab77a9315ab69a58dcda32:
 *   internal/provider/resource_docker_volume.go (name, **labels**, driver, driver_opts);
 *   resource_docker_network.go (name, **labels**, driver, options, internal, ipam_*, ...): a network
 *   holds no data, but replacing one creates it again under the same name before the old one is
 *   gone, which Docker refuses, so the `up` fails; resource_docker_container.go (**labels**) for the
 *   containers that serve the data (PostgreSQL, Redis, the object store): replaced means restarted.
 * - @pulumi/random: every input of RandomPassword replaces it.
 */
export const FORCE_NEW_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "aws:ec2/vpc:Vpc": ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength", "assignGeneratedIpv6CidrBlock"],
    "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"],
    "aws:rds/instance:Instance": [
        "identifier",
        "identifierPrefix",
        "engine",
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
    ],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
    "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
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
    "digitalocean:index/databaseCluster:DatabaseCluster": ["name", "engine", "privateNetworkUuid", "projectId"],
    "digitalocean:index/databaseReplica:DatabaseReplica": ["name", "clusterId", "region", "privateNetworkUuid", "tags"],
    "digitalocean:index/databaseDb:DatabaseDb": ["clusterId", "name"],
    "digitalocean:index/databaseUser:DatabaseUser": ["clusterId", "name"],
    "digitalocean:index/spacesBucket:SpacesBucket": ["name", "region"],
    "digitalocean:index/containerRegistry:ContainerRegistry": ["name", "region"],
    "digitalocean:index/vpc:Vpc": ["region", "ipRange"],
    "digitalocean:index/volume:Volume": ["region", "name", "description", "snapshotId", "initialFilesystemType", "initialFilesystemLabel"],
    "digitalocean:index/droplet:Droplet": ["image", "region", "sshKeys", "userData", "monitoring", "dropletAgent", "vpcUuid"],
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

const held = (run: StackRun) => run.resources.filter((r) => r.type in FORCE_NEW_INPUTS);
const forceNew = (r: RecordedResource) => Object.fromEntries(FORCE_NEW_INPUTS[r.type].map((k) => [k, r.inputs[k]]));

/** The resources whose replacement-triggering inputs differ between two runs of one stack (or that disappear). */
export function replacedBetween(before: StackRun, after: StackRun): string[] {
    const next = new Map(after.resources.map((r) => [r.urn, r]));
    return held(before).flatMap((r) => {
        const n = next.get(r.urn);
        if (!n) return [`${r.type} ${r.name} disappears`];
        const changed = FORCE_NEW_INPUTS[r.type].filter((k) => JSON.stringify(r.inputs[k]) !== JSON.stringify(n.inputs[k]));
        return changed.length > 0 ? [`${r.type} ${r.name} changes ${changed.join(", ")}`] : [];
    });
}

describe("a label change (alicerce:owner, alicerce:costCenter) replaces nothing that holds data", () => {
    for (const stack of stackFiles()) {
        it(`Pulumi.${stack}.yaml: the same stack with a new owner and cost center keeps every data resource's replacement-triggering inputs`, async () => {
            const before = await stackRun(stack);
            const after = await runStack(stack, { overrides: { "alicerce:owner": "team-handover", "alicerce:costCenter": "cc-9999" } });
            assert.equal(after.stack, before.stack);
            assert.ok(held(before).length > 0, `${stack} declares nothing the table tracks: extend FORCE_NEW_INPUTS`);
            // The runs really differ: the new owner reaches the stack's config (and, on the clouds, the tags).
            assert.notDeepEqual(before.config, after.config);
            assert.deepEqual(replacedBetween(before, after), []);
            for (const r of held(before)) assert.deepEqual(forceNew(after.resources.find((x) => x.urn === r.urn)!), forceNew(r));
        });
    }

    it("would catch a replica labelled with the owner (the diff is not blind)", async () => {
        const before = await stackRun("do-prod");
        const replica = before.resources.find((r) => r.type === "digitalocean:index/databaseReplica:DatabaseReplica")!;
        const tampered: StackRun = {
            ...before,
            resources: before.resources.map((r) => (r === replica ? { ...r, inputs: { ...r.inputs, tags: [...r.inputs.tags, "owner:team-handover"] } } : r)),
        };
        assert.deepEqual(replacedBetween(before, tampered), ["digitalocean:index/databaseReplica:DatabaseReplica database-replica changes tags"]);
    });
});
