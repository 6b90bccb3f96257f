/**
 * Stack fixtures for the policy tests: resources recorded in the harness's
 * shape (type, name, URN, provider reference, inputs, property
 * dependencies), so they run through the same offline runner as a real
 * stack. {@link compliantStack} builds one of everything the platform
 * makes, every policy passing; each test changes one field.
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { RecordedResource } from "../../offline";
import type { Tier } from "../lib/stack";
import type { PolicyInput } from "../../offline/policies";

/** How a recorded input looks while its value is unknown (an id or ARN during preview). */
export const UNKNOWN_INPUT = unknownValue;

/** The id the harness's mocks give a resource, which stack policies see after `up` (offline/policies.ts). */
export const idOf = (rec: { readonly name: string }): string => `${rec.name}-id`;

/** A recorded resource the tests may change. */
export type Rec = { -readonly [K in keyof RecordedResource]: RecordedResource[K] } & {
    inputs: Record<string, any>;
    propertyDependencies: Record<string, readonly string[]>;
};

/** Options of {@link Fixture.add}. */
export interface AddOptions {
    /** The provider record (default: the fixture's AWS or DigitalOcean provider by type). */
    readonly provider?: Rec | null;
    /** Inputs whose values come from other resources: recorded as property dependencies, the value unknown unless given. */
    readonly links?: Readonly<Record<string, Rec | readonly Rec[]>>;
}

/** A stack under construction. */
export class Fixture {
    readonly resources: Rec[] = [];
    readonly outputs: Record<string, unknown>;
    readonly config: Record<string, string> = {};
    readonly stack: Rec;
    aws: Rec;
    digitalocean: Rec;

    constructor(tier: Tier | undefined = "prod") {
        this.outputs = tier ? { tier } : {};
        this.stack = this.record("pulumi:pulumi:Stack", "alicerce-test", {}, { custom: false });
        this.aws = this.record("pulumi:providers:aws", "aws", {
            region: "us-east-1",
            defaultTags: JSON.stringify({ tags: STANDARD_TAGS }),
        });
        this.digitalocean = this.record("pulumi:providers:digitalocean", "digitalocean", {});
    }

    private record(type: string, name: string, inputs: Record<string, any>, extra: Partial<Rec> = {}): Rec {
        const rec: Rec = {
            urn: `urn:pulumi:test::alicerce::${type}::${name}`,
            type,
            name,
            parent: this.stack?.urn,
            custom: true,
            inputs,
            secretPaths: [],
            aliases: [],
            dependencies: [],
            propertyDependencies: {},
            options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], replaceOnChanges: [] },
            ...extra,
        };
        this.resources.push(rec);
        return rec;
    }

    /** Adds a cloud resource under its provider, with linked inputs. */
    add(type: string, name: string, inputs: Record<string, any>, options: AddOptions = {}): Rec {
        const provider = options.provider === undefined ? (type.startsWith("digitalocean:") ? this.digitalocean : this.aws) : options.provider;
        const rec = this.record(type, name, { ...inputs }, { provider: provider ? `${provider.urn}::${provider.name}-id` : undefined });
        for (const [prop, target] of Object.entries(options.links ?? {})) this.link(rec, prop, target);
        return rec;
    }

    /** Makes `rec.prop` come from `target` (its value unknown unless already set). */
    link(rec: Rec, prop: string, target: Rec | readonly Rec[]): void {
        const targets = Array.isArray(target) ? target : [target as Rec];
        const urns = targets.map((t) => t.urn);
        rec.propertyDependencies = { ...rec.propertyDependencies, [prop]: urns };
        rec.dependencies = [...new Set([...rec.dependencies, ...urns])];
        if (!(prop in rec.inputs)) rec.inputs[prop] = Array.isArray(target) ? targets.map(() => UNKNOWN_INPUT) : UNKNOWN_INPUT;
    }

    /** Removes a resource. */
    remove(rec: Rec): void {
        this.resources.splice(this.resources.indexOf(rec), 1);
    }

    /** What the runner takes. */
    get input(): PolicyInput {
        return { resources: this.resources, outputs: this.outputs, config: this.config };
    }
}

/** The standard tags, as components/aws puts them in the provider's defaultTags. */
export const STANDARD_TAGS = { Project: "alicerce", Environment: "test", Owner: "team-platform", CostCenter: "cc-1001", ManagedBy: "pulumi" };

/** The standard tags as DigitalOcean tag strings. */
export const DO_TAGS = ["project:alicerce", "environment:test", "owner:team-platform", "costcenter:cc-1001", "managedby:pulumi"];

const kms = (name: string) => `arn:aws:kms:us-east-1:123456789012:key/${name}`;

/** A compliant stack holding one of everything the platform makes, on AWS and DigitalOcean. */
export function compliantStack(tier: Tier = "prod") {
    const f = new Fixture(tier);
    const key = f.add("aws:kms/key:Key", "key", { enableKeyRotation: true, description: "stack key" });

    const data = f.add("aws:s3/bucket:Bucket", "data", { bucket: "alicerce-test-data" });
    const dataEncryption = f.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "data-encryption",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kms("key") }, bucketKeyEnabled: true }] },
        { links: { bucket: data } },
    );
    const dataBlock = f.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-block", allBlocked(), { links: { bucket: data } });

    const logs = f.add("aws:s3/bucket:Bucket", "logs", { bucket: "alicerce-test-logs" });
    const logsEncryption = f.add(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "logs-encryption",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        { links: { bucket: logs } },
    );
    const logsBlock = f.add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs-block", allBlocked(), { links: { bucket: logs } });

    const privateSubnet = f.add("aws:ec2/subnet:Subnet", "private-a", { cidrBlock: "10.20.0.0/20", mapPublicIpOnLaunch: false });
    const publicSubnet = f.add("aws:ec2/subnet:Subnet", "public-a", { cidrBlock: "10.20.16.0/20", mapPublicIpOnLaunch: true });

    const lbGroup = f.add("aws:ec2/securityGroup:SecurityGroup", "lb", { description: "load balancer" });
    const https = f.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "lb-https", world(443), { links: { securityGroupId: lbGroup } });
    const http = f.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "lb-http", world(80), { links: { securityGroupId: lbGroup } });
    const appGroup = f.add("aws:ec2/securityGroup:SecurityGroup", "app", { description: "app servers" });
    const appFromLb = f.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "app-from-lb",
        { ipProtocol: "tcp", fromPort: 3000, toPort: 3000 },
        { links: { securityGroupId: appGroup, referencedSecurityGroupId: lbGroup } },
    );

    const alb = f.add(
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        { loadBalancerType: "application", internal: false, accessLogs: { enabled: true, bucket: "alicerce-test-logs" } },
        { links: { securityGroups: [lbGroup], subnets: [publicSubnet], accessLogs: logs } },
    );
    const httpsListener = f.add(
        "aws:lb/listener:Listener",
        "https",
        {
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            certificateArn: UNKNOWN_INPUT,
            defaultActions: [{ type: "forward" }],
        },
        { links: { loadBalancerArn: alb } },
    );
    const httpListener = f.add(
        "aws:lb/listener:Listener",
        "http",
        { port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] },
        { links: { loadBalancerArn: alb } },
    );
    const waf = f.add("aws:wafv2/webAclAssociation:WebAclAssociation", "waf", {}, { links: { resourceArn: alb } });

    const template = f.add("aws:ec2/launchTemplate:LaunchTemplate", "app", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 20, volumeType: "gp3" } }],
    });
    f.link(template, "vpcSecurityGroupIds", [appGroup]);
    const group = f.add(
        "aws:autoscaling/group:Group",
        "app",
        {
            minSize: 2,
            maxSize: 5,
            launchTemplate: { id: UNKNOWN_INPUT, version: "$Latest" },
            tags: Object.entries(STANDARD_TAGS).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        },
        { links: { vpcZoneIdentifiers: [privateSubnet], launchTemplate: template } },
    );

    const params = f.add("aws:rds/parameterGroup:ParameterGroup", "pg", { family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] });
    const db = f.add(
        "aws:rds/instance:Instance",
        "db",
        { engine: "postgres", storageEncrypted: true, publiclyAccessible: false, multiAz: true, deletionProtection: true, backupRetentionPeriod: 30 },
        { links: { kmsKeyId: key, parameterGroupName: params } },
    );
    const replica = f.add(
        "aws:rds/instance:Instance",
        "db-replica",
        { publiclyAccessible: false, deletionProtection: true },
        { links: { replicateSourceDb: db } },
    );

    const secret = f.add("aws:secretsmanager/secret:Secret", "app-secrets", {}, { links: { kmsKeyId: key } });
    const topic = f.add("aws:sns/topic:Topic", "alarms", {}, { links: { kmsMasterKeyId: key } });
    const logGroup = f.add("aws:cloudwatch/logGroup:LogGroup", "app-logs", { retentionInDays: 90 }, { links: { kmsKeyId: key } });
    const repository = f.add("aws:ecr/repository:Repository", "app", { encryptionConfigurations: [{ encryptionType: "KMS" }] });
    f.link(repository, "encryptionConfigurations", key);
    repository.inputs.encryptionConfigurations = [{ encryptionType: "KMS", kmsKey: UNKNOWN_INPUT }];

    const doLb = f.add("digitalocean:index/loadBalancer:LoadBalancer", "do-lb", {
        region: "nyc3",
        redirectHttpToHttps: true,
        forwardingRules: [
            { entryProtocol: "https", entryPort: 443, targetProtocol: "http", targetPort: 3000, certificateName: "app" },
            { entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: 3000 },
        ],
    });
    const doDb = f.add("digitalocean:index/databaseCluster:DatabaseCluster", "do-db", {
        engine: "pg",
        nodeCount: 2,
        size: "db-s-2vcpu-4gb",
        region: "nyc3",
        tags: DO_TAGS,
    });
    const doDbFirewall = f.add(
        "digitalocean:index/databaseFirewall:DatabaseFirewall",
        "do-db-firewall",
        { rules: [{ type: "tag", value: "alicerce-app" }] },
        { links: { clusterId: doDb } },
    );
    const doFirewall = f.add("digitalocean:index/firewall:Firewall", "do-firewall", {
        tags: DO_TAGS,
        inboundRules: [{ protocol: "tcp", portRange: "3000", sourceLoadBalancerUids: [UNKNOWN_INPUT] }],
    });
    const droplet = f.add("digitalocean:index/droplet:Droplet", "do-app", { image: "ubuntu-24-04-x64", size: "s-2vcpu-4gb", region: "nyc3", tags: DO_TAGS });

    return {
        f,
        key,
        data,
        dataEncryption,
        dataBlock,
        logs,
        logsEncryption,
        logsBlock,
        privateSubnet,
        publicSubnet,
        lbGroup,
        https,
        http,
        appGroup,
        appFromLb,
        alb,
        httpsListener,
        httpListener,
        waf,
        template,
        group,
        params,
        db,
        replica,
        secret,
        topic,
        logGroup,
        repository,
        doLb,
        doDb,
        doDbFirewall,
        doFirewall,
        droplet,
    };
}

function allBlocked() {
    return { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
}

function world(port: number) {
    return { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" };
}
