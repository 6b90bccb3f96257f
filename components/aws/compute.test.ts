import { strict as assert } from "assert";
import { amiParameterName, architectureOf, dockerPlatform, instancePolicy } from "./compute";
import { ecrRepositoryArn, parseEcrHost, parseEcrImage } from "./ecr";

describe("app servers: pure helpers", () => {
    it("knows each instance type's architecture (a mismatched AMI fails only at launch)", () => {
        const cases: [string, string][] = [
            ["t4g.micro", "arm64"],
            ["t4g.small", "arm64"],
            ["t4g.medium", "arm64"],
            ["m7g.large", "arm64"],
            ["c6gn.xlarge", "arm64"],
            ["r8gd.2xlarge", "arm64"],
            ["x2gd.medium", "arm64"],
            ["im4gn.large", "arm64"],
            ["hpc7g.4xlarge", "arm64"],
            ["a1.medium", "arm64"],
            ["g5g.xlarge", "arm64"],
            ["t3.micro", "x86_64"],
            ["t3a.small", "x86_64"],
            ["m5dn.large", "x86_64"],
            ["m7i-flex.large", "x86_64"],
            ["c7a.medium", "x86_64"],
            ["g5.xlarge", "x86_64"],
            ["inf2.xlarge", "x86_64"],
        ];
        for (const [type, arch] of cases) assert.equal(architectureOf(type), arch, type);
        assert.throws(() => architectureOf("s-1vcpu-1gb"), /not an EC2 instance type/);
    });

    it("reads the AL2023 AMI of that architecture from AWS's public parameter, and builds the image for it", () => {
        assert.equal(amiParameterName(architectureOf("t4g.small")), "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
        assert.equal(amiParameterName(architectureOf("t3.small")), "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        assert.equal(dockerPlatform("arm64"), "linux/arm64");
        assert.equal(dockerPlatform("x86_64"), "linux/amd64");
    });

    it("grants the instances only this stack's repository, secrets, bucket, log group and key", () => {
        const doc = instancePolicy({
            repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/app",
            secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:app"],
            logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/alicerce/prod/app",
            assetsBucketArn: "arn:aws:s3:::assets",
            kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
            region: "us-east-1",
        }) as { Statement: { Sid: string; Action: string[]; Resource: string | string[]; Condition?: unknown }[] };
        const by = (sid: string) => doc.Statement.find((s) => s.Sid === sid)!;
        assert.deepEqual(by("ReadOwnSecrets").Resource, [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:app",
        ]);
        assert.equal(by("EcrPull").Resource, "arn:aws:ecr:us-east-1:123456789012:repository/app");
        assert.equal(by("ContainerLogs").Resource, "arn:aws:logs:us-east-1:123456789012:log-group:/alicerce/prod/app:*");
        assert.deepEqual(by("UseStackKeyThroughServices").Condition, {
            StringEquals: { "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"] },
        });
        // Where "*" is the resource, the action has no resource-level permission, or a condition narrows it.
        for (const s of doc.Statement.filter((x) => x.Resource === "*")) {
            assert.ok(["EcrLogin", "AgentMetrics", "AgentDescribe"].includes(s.Sid), `${s.Sid} uses Resource "*"`);
            assert.ok(
                s.Action.every((a) => /^(ecr:GetAuthorizationToken|cloudwatch:PutMetricData|ec2:Describe\w+)$/.test(a)),
                s.Sid,
            );
        }
        for (const s of doc.Statement)
            assert.ok(
                s.Action.every((a) => !a.includes("*")),
                `${s.Sid} has a wildcard action`,
            );
    });

    it("finds the ECR repository of a prebuilt image, to grant pulling from it (and nothing for another registry)", () => {
        const digest = `@sha256:${"ab".repeat(32)}`;
        const cases: [string, string | undefined][] = [
            [`123456789012.dkr.ecr.us-east-1.amazonaws.com/app${digest}`, "arn:aws:ecr:us-east-1:123456789012:repository/app"],
            [`210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app${digest}`, "arn:aws:ecr:eu-west-1:210987654321:repository/team/app"],
            [`123456789012.dkr.ecr.ap-southeast-5.amazonaws.com/app:v1${digest}`, "arn:aws:ecr:ap-southeast-5:123456789012:repository/app"],
            [`123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app${digest}`, "arn:aws:ecr:us-east-1:123456789012:repository/app"],
            [`ghcr.io/acme/app${digest}`, undefined],
            [`public.ecr.aws/acme/app${digest}`, undefined],
            [`123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example/app${digest}`, undefined],
            [`app${digest}`, undefined],
        ];
        for (const [image, arn] of cases) {
            const parsed = parseEcrImage(image);
            assert.equal(parsed && ecrRepositoryArn(parsed), arn, image);
        }
        assert.deepEqual(parseEcrHost("123456789012.dkr.ecr.eu-west-1.amazonaws.com"), { accountId: "123456789012", region: "eu-west-1" });
        assert.equal(parseEcrHost("registry.digitalocean.com"), undefined);
    });
});
