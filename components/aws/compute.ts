import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_PORT, STOP_TIMEOUT_SECONDS } from "../shared/app-contract";
import { Transform, transform } from "../shared/transform";
import { ContainerSpec, renderUserData, SecretEnv } from "../shared/userdata";
import { awsHost } from "./host-strategy";
import { ORIGIN_HOOK_NAME, ORIGIN_HOOK_TIMEOUT_SECONDS, ORIGIN_PORT, originHost, originPolicyStatements } from "./origin";

/** An EC2 CPU architecture as AWS names it in AMI parameters. */
export type Architecture = "arm64" | "x86_64";

/**
 * The architecture of an EC2 instance type. Graviton families carry a `g`
 * in their suffix (t4g, m7g, c6gn, r8gd, x2gd, im4gn, hpc7g) and `a1` is
 * the first Graviton; everything else here is x86_64. A mismatched AMI
 * fails only when an instance launches, so this is tested with a table.
 */
export function architectureOf(instanceType: string): Architecture {
    const family = instanceType.split(".")[0];
    if (family === "a1") return "arm64";
    const m = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family);
    if (!m) throw new Error(`"${instanceType}" is not an EC2 instance type such as t4g.small`);
    return m[3].replace(/-flex$/, "").includes("g") ? "arm64" : "x86_64";
}

/** AWS's public SSM parameter holding the current Amazon Linux 2023 AMI for an architecture. */
export function amiParameterName(arch: Architecture): string {
    return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

/** Seconds after launch before the load balancer's health checks count: docker install, the CloudWatch agent and the first image pull take 1-3 minutes. */
export const DEFAULT_HEALTH_CHECK_GRACE_SECONDS = 300;

/** The image the app servers run, as resolved for this run. */
export interface ResolvedAmi {
    readonly id: string;
    /** The AMI's name, the same in every region (`al2023-ami-2023.12.20260710.0-kernel-6.1-arm64`). */
    readonly name: string;
    readonly architecture: string;
    /** True when it came from `alicerce:amiName`; false when it is whatever AWS calls latest today. */
    readonly pinned: boolean;
}

/**
 * Finds the app servers' AMI. Pinned (`amiName`): the Amazon-owned image of
 * that name in this region, deprecated or not (AWS deprecates AL2023 images
 * after a while; a deprecated AMI still launches, but DescribeImages hides it
 * unless asked), and it must be built for `architecture`. Not pinned: the
 * image AWS's public SSM parameter names today, which changes with every
 * Amazon Linux release (the caller warns and tells the user how to pin it).
 * Both are read-only look-ups that decide no resource count.
 */
export async function resolveAmi(p: { amiName?: string; architecture: Architecture; region: string }, opts: pulumi.InvokeOptions): Promise<ResolvedAmi> {
    let id = p.amiName;
    if (p.amiName === undefined) {
        id = (await aws.ssm.getParameter({ name: amiParameterName(p.architecture) }, opts)).value;
    }
    const filters = p.amiName !== undefined ? [{ name: "name", values: [p.amiName] }] : [{ name: "image-id", values: [id!] }];
    let image: aws.ec2.GetAmiResult;
    try {
        image = await aws.ec2.getAmi({ owners: ["amazon"], filters, includeDeprecated: true }, opts);
    } catch (err) {
        throw new Error(
            p.amiName !== undefined
                ? `alicerce:amiName: ${JSON.stringify(p.amiName)} is not an Amazon-owned image in ${p.region} (${(err as Error).message}); use a name \`aws ec2 describe-images --owners amazon --region ${p.region}\` lists`
                : `the latest Amazon Linux 2023 image ${id} could not be read in ${p.region}: ${(err as Error).message}`,
        );
    }
    if (image.architecture !== p.architecture) {
        throw new Error(
            `alicerce:amiName: ${JSON.stringify(image.name)} is an ${image.architecture} image; the instance type is ${p.architecture}: use the ${p.architecture} image of the same release`,
        );
    }
    return { id: image.imageId, name: image.name, architecture: image.architecture, pinned: p.amiName !== undefined };
}

/** The warning for a stack that has not pinned its AMI, with the command that pins today's. */
export function unpinnedAmiWarning(ami: ResolvedAmi, stack: string): string {
    return `no alicerce:amiName: the app servers run today's latest Amazon Linux 2023 (${ami.name}, ${ami.id}), so the next Amazon Linux release rolls every instance on an unrelated \`up\`; pin it: pulumi config set --stack ${stack} alicerce:amiName ${ami.name}`;
}

/** EC2's user data limit, in bytes before base64. */
export const EC2_USER_DATA_MAX_BYTES = 16 * 1024;

/** The docker platform for an architecture. */
export function dockerPlatform(arch: Architecture): "linux/arm64" | "linux/amd64" {
    return arch === "arm64" ? "linux/arm64" : "linux/amd64";
}

/** Arguments of {@link ComputePool}. */
export interface ComputePoolArgs {
    /** Subnets the instances run in (private with NAT, or public at mvp). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The subnets are public (mvp has no NAT): instances then get a public IP for egress; the security group decides what may reach them. */
    readonly subnetsArePublic: boolean;
    readonly securityGroupId: pulumi.Input<string>;
    /** EC2 instance type; its architecture picks the AMI. */
    readonly instanceType: string;
    readonly minInstances: number;
    readonly maxInstances: number;
    /** Average CPU the autoscaler steers towards, in percent. */
    readonly cpuTargetPercent: number;
    /**
     * The load balancer the instances serve behind: they register in its target group, the group counts ELB
     * health checks, and a second policy scales on requests per instance.
     * @default undefined (a pool with no load balancer: EC2 health checks, CPU scaling only, e.g. workers)
     */
    readonly loadBalancer?: PoolLoadBalancer;
    /**
     * The AMI id (see {@link resolveAmi}): a change is a new launch template version and a fleet rollout.
     * @default the latest Amazon Linux 2023 of the instance type's architecture, read at every run (rolls on each release)
     */
    readonly amiId?: pulumi.Input<string>;
    /** The image, pinned by digest. */
    readonly image: pulumi.Input<string>;
    /** The ECR repository the image lives in (the instances may pull only from it; `ecrRepositoryArn` for a prebuilt image). */
    readonly repositoryArn: pulumi.Input<string>;
    /**
     * CloudWatch alarms that fail an instance refresh when they go to ALARM during a rollout (at most 10).
     * @default [] (a refresh then stops only when new instances fail their health checks)
     */
    readonly refreshAlarmNames?: pulumi.Input<pulumi.Input<string>[]>;
    /** Non-secret environment of the container (hosts, names, ARNs). */
    readonly env: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Secrets Manager secrets the instances (and the app through IMDS) may read; nothing else. */
    readonly secretArns: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Secrets fetched at boot into the container's environment by value.
     * @default [] (the app reads its secrets by ARN, so RDS password rotation needs no restart)
     */
    readonly bootSecrets?: pulumi.Input<readonly SecretEnv[]>;
    /**
     * The team's app shape (p-app-env): the port it listens on inside the container (the host port stays 8080,
     * where the load balancer sends traffic), its command and its release command (see `ContainerSpec`).
     * @default app-image/'s: 8080, the image's CMD, no release command
     */
    readonly appShape?: { readonly containerPort?: number; readonly command?: readonly string[]; readonly releaseCommand?: readonly string[] };
    /** The assets bucket the app reads and writes. */
    readonly assetsBucketArn: pulumi.Input<string>;
    /** The stack's KMS key: secrets and assets are encrypted with it; it also encrypts the log group. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly region: string;
    /** The container log group's name. */
    readonly logGroupName: string;
    readonly logRetentionDays: number;
    /** Files downloaded at boot and mounted read-only (the RDS CA bundle). */
    readonly bootFiles?: ContainerSpec["files"];
    /**
     * Root volume size in GiB (gp3, encrypted). The OS and one image need about 4.
     * @default 12
     */
    readonly rootVolumeGb?: number;
    /**
     * Seconds after launch before ELB health counts (docker install and first pull).
     * @default 300
     */
    readonly healthCheckGraceSeconds?: number;
    /**
     * Seconds an instance refresh lets each new instance serve before it counts it done and terminates an old
     * one. Longer than the rollout alarms take to fire, so they stop a bad release while the old instances still run.
     * @default healthCheckGraceSeconds
     */
    readonly rolloutBakeSeconds?: number;
    /** Tags for the instances and volumes: the provider's default tags do not reach what the Auto Scaling group launches. */
    readonly instanceTags: Readonly<Record<string, string>>;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: ComputePoolTransform;
    // --- p-aws-workers ---
    /**
     * The command the container runs instead of the image's own, e.g. the worker's {@link WORKER_COMMAND}.
     * @default undefined (the image's CMD: the web role's user data is unchanged)
     */
    readonly command?: readonly string[];
    /**
     * Names the container, its systemd unit and files on the host.
     * @default "app"
     */
    readonly serviceName?: string;
    /**
     * Scale on a backlog metric per InService instance (target tracking over metric math), besides CPU.
     * @default undefined (CPU only, and requests behind a load balancer)
     */
    readonly backlog?: BacklogScaling;
    /**
     * What the launch template and role describe the instances as.
     * @default "App instances"
     */
    readonly roleDescription?: string;
    /**
     * Run the CloudWatch agent for the memory metric (`CWAgent` `mem_used_percent` per group: the `app-memory`
     * alarm and the dashboard read the web pool's). A pool whose memory nothing reads leaves it off: the metric
     * and the agent's calls cost $0.74 a month per group and instance.
     * @default true
     */
    readonly cloudWatchAgent?: boolean;
    // --- end p-aws-workers ---
    /**
     * q-budget-aws: the instance edge (no load balancer): the instance serves on port 80 and takes this Elastic
     * IP at boot once its app is healthy (components/aws/origin.ts); a launch lifecycle hook keeps a new instance
     * out of service until then, so an instance refresh moves traffic only to a healthy instance.
     * @default undefined
     */
    readonly origin?: PoolOrigin;
}

/**
 * The tags the instance edge's IAM statements require on instances, interfaces and the group: the pool's `Name`
 * and the stack's `Project` and `Environment` (components/shared/tags.ts), where the pool's tags have them.
 */
export function originScope(poolName: string, instanceTags: Readonly<Record<string, string>>): Record<string, string> {
    const stable = Object.fromEntries(["Project", "Environment"].filter((k) => instanceTags[k] !== undefined).map((k) => [k, instanceTags[k]]));
    return { Name: poolName, ...stable };
}

/** The instance edge's address, as a pool takes it. */
export interface PoolOrigin {
    readonly allocationId: pulumi.Input<string>;
    readonly allocationArn: pulumi.Input<string>;
    readonly publicIp: pulumi.Input<string>;
    /** The app's health path (`alicerce:appHealthPath`), probed on the host. */
    readonly healthPath: string;
}

// --- p-aws-workers ---

/**
 * Target tracking on a queue's backlog per instance: `metric` (one time
 * series for the whole queue, e.g. the EMF `QueueDepth` every worker
 * reports) divided by the group's `GroupInServiceInstances`, as AWS's
 * backlog-per-instance example does
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-target-tracking-metric-math.html).
 */
export interface BacklogScaling {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
    /** The statistic of the backlog metric over each minute (every worker reports the same queue: `Maximum`). */
    readonly stat: string;
    /** Jobs waiting per InService instance to steer towards. */
    readonly targetPerInstance: number;
}

/** The metric-math queries of a backlog target-tracking policy; the expression is the only one returning data. */
export function backlogMetricQueries(b: BacklogScaling, groupName: pulumi.Input<string>) {
    return [
        {
            id: "backlog",
            label: `${b.metricName} (${b.stat})`,
            returnData: false,
            metricStat: {
                metric: {
                    namespace: b.namespace,
                    metricName: b.metricName,
                    dimensions: Object.entries(b.dimensions).map(([name, value]) => ({ name, value })),
                },
                stat: b.stat,
            },
        },
        {
            id: "inservice",
            label: "InService instances",
            returnData: false,
            // Needs the group's metrics collection (enabledMetrics has GroupInServiceInstances).
            metricStat: {
                metric: {
                    namespace: "AWS/AutoScaling",
                    metricName: "GroupInServiceInstances",
                    dimensions: [{ name: "AutoScalingGroupName", value: groupName }],
                },
                stat: "Average",
            },
        },
        { id: "perinstance", label: "backlog per InService instance", expression: "backlog / inservice", returnData: true },
    ];
}
// --- end p-aws-workers ---

/** The load balancer side of a web pool. */
export interface PoolLoadBalancer {
    /** The target group the instances register in. */
    readonly targetGroupArn: pulumi.Input<string>;
    /** `app/<lb>/<id>/targetgroup/<tg>/<id>` pieces, for the request-count scaling metric. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /**
     * Requests per instance per minute the autoscaler steers towards.
     * @default 1000
     */
    readonly requestsPerTarget?: number;
}

/** The children of a {@link ComputePool} a {@link Transform} may change. */
export interface ComputePoolTransform {
    readonly logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
    readonly role?: Transform<aws.iam.RoleArgs>;
    readonly launchTemplate?: Transform<aws.ec2.LaunchTemplateArgs>;
    readonly group?: Transform<aws.autoscaling.GroupArgs>;
    /** Both target-tracking policies (CPU and, behind a load balancer, requests). */
    readonly scalingPolicy?: Transform<aws.autoscaling.PolicyArgs>;
}

/** Arguments of {@link AppServers}: a pool plus the load balancer's target group (the shape the web role always had). */
export interface AppServersArgs extends Omit<ComputePoolArgs, "loadBalancer"> {
    /**
     * Requests per instance per minute the autoscaler steers towards.
     * @default 1000
     */
    readonly requestsPerTarget?: number;
    /** The target group the instances register in; absent with the instance edge (`origin`). */
    readonly targetGroupArn?: pulumi.Input<string>;
    /** `app/<lb>/<id>/targetgroup/<tg>/<id>` pieces, for the request-count scaling metric. */
    readonly loadBalancerArnSuffix?: pulumi.Input<string>;
    readonly targetGroupArnSuffix?: pulumi.Input<string>;
}

/** The args with their defaults. */
export function withDefaults(args: ComputePoolArgs) {
    return {
        ...args,
        loadBalancer: args.loadBalancer === undefined ? undefined : { ...args.loadBalancer, requestsPerTarget: args.loadBalancer.requestsPerTarget ?? 1000 },
        bootSecrets: args.bootSecrets ?? [],
        refreshAlarmNames: args.refreshAlarmNames ?? [],
        bootFiles: args.bootFiles ?? [],
        rootVolumeGb: args.rootVolumeGb ?? 12,
        healthCheckGraceSeconds: args.healthCheckGraceSeconds ?? DEFAULT_HEALTH_CHECK_GRACE_SECONDS,
        rolloutBakeSeconds: args.rolloutBakeSeconds ?? args.healthCheckGraceSeconds ?? DEFAULT_HEALTH_CHECK_GRACE_SECONDS,
    };
}

export { APP_PORT } from "../shared/app-contract";

/** What the app's instance role may do, as an IAM policy document. */
export function instancePolicy(p: {
    repositoryArn: string;
    secretArns: readonly string[];
    logGroupArn: string;
    assetsBucketArn: string;
    kmsKeyArn: string;
    region: string;
    /** The CloudWatch agent runs (its metrics and tag reads). @default true */
    agent?: boolean;
}): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            // GetAuthorizationToken has no resource-level permissions.
            { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
            {
                Sid: "EcrPull",
                Effect: "Allow",
                Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                Resource: p.repositoryArn,
            },
            { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [...p.secretArns] },
            {
                Sid: "UseStackKeyThroughServices",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: p.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": [`secretsmanager.${p.region}.amazonaws.com`, `s3.${p.region}.amazonaws.com`] } },
            },
            { Sid: "AssetsObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${p.assetsBucketArn}/*` },
            { Sid: "AssetsList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: p.assetsBucketArn },
            {
                Sid: "ContainerLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: `${p.logGroupArn}:*`,
            },
            ...(p.agent === false
                ? []
                : [
                      {
                          Sid: "AgentMetrics",
                          Effect: "Allow",
                          Action: ["cloudwatch:PutMetricData"],
                          Resource: "*",
                          Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
                      },
                      // The agent reads the instance's Auto Scaling group from its tags.
                      { Sid: "AgentDescribe", Effect: "Allow", Action: ["ec2:DescribeTags", "ec2:DescribeVolumes"], Resource: "*" },
                  ]),
        ],
    };
}

/**
 * A compute pool: an Auto Scaling group of Amazon Linux 2023 instances (the
 * architecture of the instance type), each running one image by digest
 * under systemd, with its own encrypted log group, an instance role limited
 * to this stack's repository, secrets, bucket and key, and CPU target
 * tracking. Hardened the same with or without a load balancer: IMDSv2 only,
 * encrypted gp3 root volume, a public IP only in public subnets, SSM
 * Session Manager instead of SSH (no key pair, no port 22). A new image or
 * user data makes a new launch template version, which the group rolls out
 * with an instance refresh that keeps every instance serving until its
 * replacement is healthy. Behind a load balancer (`loadBalancer`) the
 * instances register in its target group, count its health checks and
 * also scale on requests per instance; without one (a worker pool) the
 * group counts EC2 health and scales on CPU.
 */
export class ComputePool extends pulumi.ComponentResource {
    public readonly autoScalingGroupName: pulumi.Output<string>;
    public readonly launchTemplateId: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    /** The architecture of the instance type (the image must be built for it). */
    public readonly architecture: Architecture;

    /**
     * @param type the component's type token: `alicerce:aws:ComputePool`, or a role's (`alicerce:aws:AppServers`),
     *   which keeps the role's children at the URNs they were deployed under.
     */
    constructor(name: string, args: ComputePoolArgs, opts: pulumi.ComponentResourceOptions = {}, type: string = "alicerce:aws:ComputePool") {
        super(type, name, {}, opts);
        const a = withDefaults(args);
        const t = a.transform ?? {};
        if (a.minInstances < 1 || a.minInstances > a.maxInstances) throw new Error(`instances ${a.minInstances}-${a.maxInstances}: need 1 <= min <= max`);
        if (a.origin !== undefined && (a.minInstances !== 1 || a.maxInstances !== 1))
            throw new Error(`instances ${a.minInstances}-${a.maxInstances}: the instance edge holds one Elastic IP on one instance (min = max = 1)`);
        if (a.origin !== undefined && a.loadBalancer !== undefined) throw new Error("a pool serves behind a load balancer or from the instance edge, not both");
        this.architecture = architectureOf(a.instanceType);

        const logGroup = new aws.cloudwatch.LogGroup(
            ...transform(t.logGroup, `${name}-logs`, { name: a.logGroupName, retentionInDays: a.logRetentionDays, kmsKeyId: a.kmsKeyArn }, { parent: this }),
        );

        const role = new aws.iam.Role(
            ...transform(
                t.role,
                `${name}-role`,
                {
                    description: `${a.roleDescription ?? "App instances"}: pull the app image, read this stack's secrets, ship logs and metrics, SSM sessions`,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                    }),
                },
                { parent: this },
            ),
        );
        new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: aws.iam.ManagedPolicy.AmazonSSMManagedInstanceCore }, { parent: this });
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.name,
                policy: pulumi
                    .all([a.repositoryArn, a.secretArns, logGroup.arn, a.assetsBucketArn, a.kmsKeyArn, a.origin?.allocationArn])
                    .apply(([repositoryArn, secretArns, logGroupArn, assetsBucketArn, kmsKeyArn, allocationArn]) => {
                        const policy = instancePolicy({
                            repositoryArn,
                            secretArns,
                            logGroupArn,
                            assetsBucketArn,
                            kmsKeyArn,
                            region: a.region,
                            agent: a.cloudWatchAgent ?? true,
                        });
                        // The instance edge: this address, its own instances and group, its health metric.
                        if (allocationArn !== undefined)
                            (policy.Statement as unknown[]).push(
                                ...originPolicyStatements({ allocationArn, region: a.region, scope: originScope(name, a.instanceTags) }),
                            );
                        return JSON.stringify(policy);
                    }),
            },
            { parent: this },
        );
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, { parent: this });

        const amiId = a.amiId ?? aws.ssm.getParameterOutput({ name: amiParameterName(this.architecture) }, { parent: this }).value;
        const shape = args.appShape ?? {};
        const origin = a.origin;
        const userData = pulumi
            .all([a.image, a.env, a.bootSecrets, origin?.allocationId, origin?.publicIp])
            .apply(([image, env, bootSecrets, allocationId, publicIp]) => {
                const host = awsHost({ region: a.region, logGroupName: a.logGroupName, cloudWatchAgent: a.cloudWatchAgent ?? true });
                const edge =
                    origin !== undefined
                        ? originHost({
                              region: a.region,
                              allocationId: allocationId!,
                              publicIp: publicIp!,
                              healthUrl: `http://127.0.0.1:${ORIGIN_PORT}${origin.healthPath}`,
                          })
                        : undefined;
                return renderUserData(
                    {
                        image,
                        hostPort: APP_PORT,
                        // The instance edge serves the internet itself, on port 80; 8080 stays where a load balancer looks, so
                        // the instance running when a tier upgrade adds one is healthy in its target group at once.
                        ...(origin !== undefined ? { additionalHostPorts: [ORIGIN_PORT] } : {}),
                        containerPort: shape.containerPort ?? APP_PORT,
                        env,
                        secrets: bootSecrets,
                        files: a.bootFiles,
                        stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
                        // Only when set: the web role's spec (and so its user data) stays exactly what it was.
                        ...(a.serviceName !== undefined ? { serviceName: a.serviceName } : {}),
                        // A role with its own command (the workers) runs no release command: the web role's hosts run it.
                        command: a.command ?? shape.command,
                        releaseCommand: a.command !== undefined ? undefined : shape.releaseCommand,
                    },
                    edge !== undefined ? { ...host, setup: [...host.setup, ...edge.setup], startUnits: edge.startUnits } : host,
                );
            });
        const tagSpec = (resourceType: string) => ({ resourceType, tags: { ...a.instanceTags, Name: name } });

        const template = new aws.ec2.LaunchTemplate(
            ...transform(
                t.launchTemplate,
                `${name}-lt`,
                {
                    description: `${a.roleDescription ?? "App instances"}: Amazon Linux 2023 running the app container`,
                    imageId: amiId,
                    instanceType: a.instanceType,
                    iamInstanceProfile: { arn: profile.arn },
                    // IMDSv2 only; hop limit 2 so the container (one hop behind docker's bridge) reaches it for the role's credentials.
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2, instanceMetadataTags: "disabled" },
                    // The AWS-managed EBS key: a customer key would need a grant to the Auto Scaling service-linked role, or launches fail.
                    blockDeviceMappings: [
                        { deviceName: "/dev/xvda", ebs: { volumeSize: a.rootVolumeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
                    ],
                    networkInterfaces: [
                        {
                            deviceIndex: 0,
                            associatePublicIpAddress: String(a.subnetsArePublic),
                            securityGroups: [a.securityGroupId],
                            deleteOnTermination: "true",
                        },
                    ],
                    userData: userData.apply((text) => {
                        // EC2 takes at most 16 KB of user data before base64 (EC2 User Guide, "Run commands when you launch an
                        // EC2 instance with user data input"): say so here rather than at CreateLaunchTemplateVersion.
                        const bytes = Buffer.byteLength(text, "utf8");
                        if (bytes > EC2_USER_DATA_MAX_BYTES)
                            throw new Error(
                                `${name}: the user data is ${bytes} bytes; EC2 takes at most ${EC2_USER_DATA_MAX_BYTES}: shorten the app's environment (alicerce:appEnv) or its boot secrets`,
                            );
                        return Buffer.from(text, "utf8").toString("base64");
                    }),
                    updateDefaultVersion: true,
                    // The group tags the instances; volumes and network interfaces only get tags from here.
                    tagSpecifications: [tagSpec("volume"), tagSpec("network-interface")],
                    monitoring: { enabled: false },
                },
                { parent: this },
            ),
        );

        const group = new aws.autoscaling.Group(
            ...transform(
                t.group,
                `${name}-asg`,
                {
                    vpcZoneIdentifiers: a.subnetIds,
                    minSize: a.minInstances,
                    maxSize: a.maxInstances,
                    // The version number, not "$Latest": only a changed version starts an instance refresh (pulumi/pulumi#7551).
                    launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
                    // The instance edge sends an empty list: target_group_arns is Optional+Computed in terraform-provider-aws
                    // (internal/service/autoscaling/group.go), so leaving it unset would keep a deleted load balancer's target
                    // group attached when a deployed stack moves to the edge (hashicorp/terraform-provider-aws#39594), and
                    // later launches fail on it; "to remove all target group attachments an empty list should be specified".
                    targetGroupArns: a.loadBalancer !== undefined ? [a.loadBalancer.targetGroupArn] : origin !== undefined ? [] : undefined,
                    // Behind a load balancer an instance that fails its health checks is replaced; alone, only a failed EC2 status check counts.
                    healthCheckType: a.loadBalancer === undefined ? "EC2" : "ELB",
                    healthCheckGracePeriod: a.healthCheckGraceSeconds,
                    defaultInstanceWarmup: a.healthCheckGraceSeconds,
                    // Replace-before-terminate: 100% stay in service while up to 200% run, so even one instance rolls with no downtime.
                    // The alarms fail the refresh, so a bad image stops replacing instances. No autoRollback: the provider writes
                    // the new launch template version to the group before starting the refresh, so a "rollback" would relaunch
                    // the same version (hashicorp/terraform-provider-aws#34189); the way back is `up` with the previous image.
                    instanceRefresh: {
                        strategy: "Rolling",
                        preferences: {
                            minHealthyPercentage: 100,
                            maxHealthyPercentage: 200,
                            // The bake: the refresh waits this long after a new instance is InService before moving on
                            // (RefreshPreferences.InstanceWarmup), so the rollout alarms, whose windows outlast a normal launch,
                            // can fail the refresh while the old instances still run.
                            instanceWarmup: String(a.rolloutBakeSeconds),
                            autoRollback: false,
                            skipMatching: true,
                            alarmSpecification: { alarms: a.refreshAlarmNames },
                        },
                    },
                    waitForCapacityTimeout: "15m",
                    enabledMetrics: ["GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupTotalInstances"],
                    // Auto Scaling groups ignore the provider's default tags; instances get what the group propagates.
                    tags: Object.entries({ ...a.instanceTags, Name: name }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
                },
                { parent: this },
            ),
        );

        // q-budget-aws: a new instance stays out of service (Pending:Wait) until it holds the edge's address; one whose app
        // never gets healthy abandons its launch. An instance refresh waits for the hook, so it moves traffic only to a
        // healthy instance, and fails after an hour of abandoned launches (Auto Scaling User Guide, instance refresh).
        if (origin !== undefined) {
            new aws.autoscaling.LifecycleHook(
                `${name}-origin-hook`,
                {
                    name: ORIGIN_HOOK_NAME,
                    autoscalingGroupName: group.name,
                    lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
                    defaultResult: "ABANDON",
                    heartbeatTimeout: ORIGIN_HOOK_TIMEOUT_SECONDS,
                },
                { parent: this },
            );
        }

        // With min == max there is nothing to scale.
        if (a.maxInstances > a.minInstances) {
            new aws.autoscaling.Policy(
                ...transform(
                    t.scalingPolicy,
                    `${name}-cpu`,
                    {
                        autoscalingGroupName: group.name,
                        policyType: "TargetTrackingScaling",
                        targetTrackingConfiguration: {
                            predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                            targetValue: a.cpuTargetPercent,
                        },
                    },
                    { parent: this },
                ),
            );
            // p-aws-workers: a worker pool also scales on its queue's backlog per InService instance.
            const backlog = a.backlog;
            if (backlog !== undefined) {
                new aws.autoscaling.Policy(
                    ...transform(
                        t.scalingPolicy,
                        `${name}-backlog`,
                        {
                            autoscalingGroupName: group.name,
                            policyType: "TargetTrackingScaling",
                            targetTrackingConfiguration: {
                                customizedMetricSpecification: { metrics: backlogMetricQueries(backlog, group.name) },
                                targetValue: backlog.targetPerInstance,
                            },
                        },
                        { parent: this },
                    ),
                );
            }
            const lb = a.loadBalancer;
            if (lb !== undefined) {
                new aws.autoscaling.Policy(
                    ...transform(
                        t.scalingPolicy,
                        `${name}-requests`,
                        {
                            autoscalingGroupName: group.name,
                            policyType: "TargetTrackingScaling",
                            targetTrackingConfiguration: {
                                predefinedMetricSpecification: {
                                    predefinedMetricType: "ALBRequestCountPerTarget",
                                    resourceLabel: pulumi.interpolate`${lb.loadBalancerArnSuffix}/${lb.targetGroupArnSuffix}`,
                                },
                                targetValue: lb.requestsPerTarget,
                            },
                        },
                        { parent: this },
                    ),
                );
            }
        }

        this.autoScalingGroupName = group.name;
        this.launchTemplateId = template.id;
        this.roleArn = role.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({
            autoScalingGroupName: this.autoScalingGroupName,
            launchTemplateId: this.launchTemplateId,
            roleArn: this.roleArn,
            logGroupName: this.logGroupName,
        });
    }
}

/**
 * The web role: a {@link ComputePool} registered in the load balancer's
 * target group, scaling on CPU and on requests per instance; or, with the
 * instance edge (`origin`), one instance holding the stack's Elastic IP. Its type token
 * stays `alicerce:aws:AppServers`, so every child keeps the URN it was
 * deployed under.
 */
export class AppServers extends ComputePool {
    constructor(name: string, args: AppServersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const { targetGroupArn, loadBalancerArnSuffix, targetGroupArnSuffix, requestsPerTarget, ...pool } = args;
        const behindLoadBalancer = targetGroupArn !== undefined && loadBalancerArnSuffix !== undefined && targetGroupArnSuffix !== undefined;
        if (!behindLoadBalancer && pool.origin === undefined)
            throw new Error("AppServers: give the load balancer's target group and pieces, or the instance edge (origin)");
        super(
            name,
            { ...pool, loadBalancer: behindLoadBalancer ? { targetGroupArn, loadBalancerArnSuffix, targetGroupArnSuffix, requestsPerTarget } : undefined },
            opts,
            "alicerce:aws:AppServers",
        );
    }
}
