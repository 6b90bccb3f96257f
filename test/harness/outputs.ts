import type { MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime";

/** The AWS account the mocks pretend to be. */
export const MOCK_ACCOUNT_ID = "123456789012";

type Computed = (name: string, inputs: Record<string, any>, region: string) => Record<string, unknown>;

const arn = (service: string, resource: string, region: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${resource}`;

/**
 * Properties the cloud computes (ARNs, endpoints, DNS names), per resource
 * type, so that Outputs built from them resolve as they would after `up`.
 * A type missing here still gets its inputs back plus `id`, `arn` and `name`.
 */
const COMPUTED: Record<string, Computed> = {
    "aws:ec2/vpc:Vpc": (n) => ({ defaultSecurityGroupId: `sg-${n}-default`, mainRouteTableId: `rtb-${n}-main` }),
    "aws:rds/instance:Instance": (n, i, r) => {
        const address = `${i.identifier ?? n}.c0ffee.${r}.rds.amazonaws.com`;
        return {
            address,
            endpoint: `${address}:5432`,
            port: 5432,
            arn: arn("rds", `db:${i.identifier ?? n}`, r),
            resourceId: `db-${n.toUpperCase().replace(/[^A-Z0-9]/g, "")}`,
            masterUserSecrets: i.manageMasterUserPassword
                ? [{ secretArn: arn("secretsmanager", `secret:rds!db-${n}-AbCdEf`, r), secretStatus: "active", kmsKeyId: i.masterUserSecretKmsKeyId }]
                : [],
        };
    },
    "aws:lb/loadBalancer:LoadBalancer": (n, _i, r) => ({
        dnsName: `${n}-1234567890.${r}.elb.amazonaws.com`,
        zoneId: "Z35SXDOTRQ7X7K",
        arn: arn("elasticloadbalancing", `loadbalancer/app/${n}/50dc6c495c0c9188`, r),
        arnSuffix: `app/${n}/50dc6c495c0c9188`,
    }),
    "aws:lb/targetGroup:TargetGroup": (n, _i, r) => ({
        arn: arn("elasticloadbalancing", `targetgroup/${n}/73e2d6bc24d8a067`, r),
        arnSuffix: `targetgroup/${n}/73e2d6bc24d8a067`,
    }),
    "aws:ecr/repository:Repository": (n, i, r) => ({ repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${r}.amazonaws.com/${i.name ?? n}` }),
    "aws:kms/key:Key": (n, _i, r) => ({ keyId: `${n}-0000-1111-2222`, arn: arn("kms", `key/${n}-0000-1111-2222`, r) }),
    "aws:s3/bucket:Bucket": (n, i) => ({
        bucket: i.bucket ?? `${n}-a1b2c3d`,
        bucketDomainName: `${i.bucket ?? n}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${i.bucket ?? n}.s3.us-east-1.amazonaws.com`,
        arn: `arn:aws:s3:::${i.bucket ?? `${n}-a1b2c3d`}`,
    }),
    "aws:autoscaling/group:Group": (n, i) => ({ name: i.name ?? `${n}-a1b2c3d` }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:acm/certificate:Certificate": (n, i, r) => ({
        arn: arn("acm", `certificate/${n}`, r),
        domainValidationOptions: [i.domainName, ...(i.subjectAlternativeNames ?? [])].map((d: string) => ({
            domainName: d,
            resourceRecordName: `_x1.${d}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_x2.acm-validations.aws.`,
        })),
    }),
    "aws:rds/subnetGroup:SubnetGroup": (n) => ({ name: `${n}-a1b2c3d` }),
    "aws:rds/parameterGroup:ParameterGroup": (n) => ({ name: `${n}-a1b2c3d` }),
    "aws:backup/vault:Vault": (n, i, r) => ({ name: i.name ?? `${n}-a1b2c3d`, arn: arn("backup", `backup-vault:${i.name ?? `${n}-a1b2c3d`}`, r) }),
    "aws:secretsmanager/secret:Secret": (n, i, r) => {
        const name = `${i.name ?? i.namePrefix ?? `${n}-`}20260101000000000000000001`;
        return { name, arn: arn("secretsmanager", `secret:${name}-AbCdEf`, r) };
    },
    // Obviously not a credential, and distinct per resource so a test can find where each one ends up.
    "random:index/randomPassword:RandomPassword": (n, i) => ({ result: `standin${n.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(i.length ?? 16, "x").slice(0, Math.max(i.length ?? 16, 16)), bcryptHash: "stand-in" }),
    "docker:index/remoteImage:RemoteImage": (n, i) => ({
        imageId: `sha256:${Buffer.from(String(i.name ?? n)).toString("hex").padEnd(64, "0").slice(0, 64)}`,
        repoDigest: `${String(i.name ?? n).split(":")[0]}@sha256:${"0".repeat(63)}2`,
    }),
    "docker:index/container:Container": (n, i) => ({ name: i.name ?? `${n}-a1b2c3d`, exitCode: 0 }),
    "docker:index/network:Network": (n, i) => ({ name: i.name ?? n, scope: "local" }),
    "docker:index/volume:Volume": (n, i) => ({ name: i.name ?? n, mountpoint: `/var/lib/docker/volumes/${i.name ?? n}/_data`, driver: "local" }),
    "digitalocean:index/droplet:Droplet": (n) => ({ ipv4Address: "203.0.113.10", ipv4AddressPrivate: "10.116.0.2", urn: `do:droplet:${n}` }),
    "digitalocean:index/sshKey:SshKey": () => ({ fingerprint: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa" }),
    "aws:ec2/eip:Eip": () => ({ publicIp: "198.51.100.20", allocationId: "eipalloc-0a1b2c3d" }),
    "docker:index/image:Image": (n, i) => ({
        repoDigest: `${String(i.imageName).split(":")[0]}@sha256:${"0".repeat(63)}1`,
        baseImageName: i.imageName ?? n,
    }),
};

/** The mock `newResource`: a stable id and the inputs echoed back with computed properties. */
export function mockOutputs(args: MockResourceArgs, region: string): MockResourceResult {
    const base: Record<string, unknown> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        const [, mod, kind] = /^aws:([^/]+)\/([^:]+):/.exec(args.type) ?? [];
        base.arn ??= arn(mod ?? "service", `${kind ?? "resource"}/${args.name}`, region);
        base.name ??= `${args.name}-a1b2c3d`;
    }
    const computed = COMPUTED[args.type]?.(args.name, args.inputs, region) ?? {};
    // The mock monitor passes the import id, "" when not importing; an empty id reads as unknown.
    return { id: args.id ? args.id : `${args.name}-id`, state: { ...base, ...computed } };
}
