/**
 * The AWS host strategy for {@link renderUserData}: Amazon Linux 2023, `dnf`,
 * ECR login with the instance role, secrets from Secrets Manager, logs and
 * metrics to CloudWatch. The cloud-neutral part is components/shared/userdata.ts.
 */
import { HEREDOC, HostStrategy, shellQuote } from "../shared/userdata";
import { parseEcrHost } from "./ecr";

/** Options of {@link awsHost}. */
export interface AwsHostOptions {
    /** The region (Secrets Manager, ECR and CloudWatch Logs endpoints). */
    readonly region: string;
    /** The CloudWatch Logs group the container's stdout/stderr go to (created by Pulumi, with retention and KMS). */
    readonly logGroupName: string;
    /**
     * Run the CloudWatch agent for memory and disk metrics (EC2 measures
     * neither), aggregated per Auto Scaling group so one alarm covers the fleet.
     * @default true
     */
    readonly cloudWatchAgent?: boolean;
}

/**
 * The CloudWatch agent config: memory use, one series per Auto Scaling group. Every instance publishes
 * `mem_used_percent` with the group's name as its only dimension, so the `app-memory` alarm and the dashboard read
 * the group's average from one custom metric ($0.30 a month), not one per instance plus the aggregate: EC2 measures
 * no memory, and nothing reads a per-instance series (SSM Session Manager is there to look at one instance).
 * With `append_dimensions` set the agent adds no `host` dimension.
 */
export function cloudWatchAgentConfig(): Record<string, unknown> {
    return {
        agent: { metrics_collection_interval: 60 },
        metrics: {
            namespace: "CWAgent",
            // The agent fills in this ${aws:...} placeholder itself on the instance (from its tags: ec2:DescribeTags).
            append_dimensions: { AutoScalingGroupName: "${aws:AutoScalingGroupName}" },
            metrics_collected: {
                mem: { measurement: ["mem_used_percent"] },
            },
        },
    };
}

/**
 * Amazon Linux 2023 on EC2: `dnf` (AWS CLI v2 and the SSM agent are in the
 * AMI; AL2023 ships curl-minimal, which conflicts with the full curl
 * package, so curl is not installed), ECR login with the instance role,
 * Secrets Manager reads, the `awslogs` log driver, and the CloudWatch agent.
 */
export function awsHost(options: AwsHostOptions): HostStrategy {
    const region = shellQuote(options.region);
    const agentConfigPath = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json";
    const agent = options.cloudWatchAgent ?? true;
    return {
        cloud: "aws",
        install: [`dnf install -y docker jq${agent ? " amazon-cloudwatch-agent" : ""}`],
        preparePreamble: () => [],
        // ECR tokens are per region: log in with the registry's own region, which may differ from the stack's.
        registryLogin: (registry) => {
            const ecr = parseEcrHost(registry);
            return ecr
                ? [`aws ecr get-login-password --region ${shellQuote(ecr.region)} | docker login --username AWS --password-stdin ${shellQuote(registry)}`]
                : [];
        },
        fetchSecret: (secret) =>
            `aws secretsmanager get-secret-value --region ${region} --secret-id ${shellQuote(secret.source)} --query SecretString --output text` +
            (secret.key ? ` | jq --raw-output --exit-status ${shellQuote(secret.key)}` : ""),
        logFlags: [
            "--log-driver awslogs",
            `--log-opt awslogs-region=${options.region}`,
            `--log-opt awslogs-group=${options.logGroupName}`,
            // Never block the app on CloudWatch: buffer and drop rather than stall writes to stdout.
            "--log-opt mode=non-blocking",
            "--log-opt max-buffer-size=4m",
        ],
        setup: agent
            ? [
                  `cat > ${shellQuote(agentConfigPath)} <<'${HEREDOC}'`,
                  JSON.stringify(cloudWatchAgentConfig(), null, 2),
                  HEREDOC,
                  `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ${shellQuote(`file:${agentConfigPath}`)}`,
              ]
            : [],
    };
}
