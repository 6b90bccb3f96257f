import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VpsMachineArgs, VpsMachineOptions } from "../docker/host";

/** Ubuntu 24.04 LTS arm64 (Graviton) AMIs: Canonical's SSM parameter. */
export const UBUNTU_ARM64_AMI_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id";

/**
 * A single Docker host's VM on AWS: an EC2 instance (IMDSv2 only, encrypted
 * gp3 root disk) in the default VPC behind its own security group, with an
 * Elastic IP.
 */
export function awsVpsMachine(name: string, args: VpsMachineArgs, { child, keep }: VpsMachineOptions): pulumi.Output<string> {
    const userData = args.userData;
    const ami = aws.ssm.getParameterOutput({ name: UBUNTU_ARM64_AMI_PARAMETER }, { provider: child.provider, parent: child.parent });
    const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { description: `alicerce single host ${name}: 22 from admin ranges, 80 and 443` }, child);
    args.adminCidrs.forEach((cidr, i) => {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-ssh-${i}`,
            { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr },
            child,
        );
    });
    for (const port of [80, 443]) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-in-${port}`,
            { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" },
            child,
        );
    }
    new aws.vpc.SecurityGroupEgressRule(`${name}-out`, { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }, child);
    const instance = new aws.ec2.Instance(
        `${name}`,
        {
            ami: ami.value,
            instanceType: args.size,
            vpcSecurityGroupIds: [sg.id],
            userData,
            rootBlockDevice: { volumeSize: args.diskGb ?? 40, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
            monitoring: false,
        },
        { ...child, ...keep },
    );
    const eip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", instance: instance.id }, child);
    return eip.publicIp;
}
