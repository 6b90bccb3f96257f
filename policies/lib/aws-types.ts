/**
 * Type tokens of the resources the stack policies follow. Where the provider
 * has two tokens for one AWS resource (`aws.alb.*` aliases `aws.lb.*`; the
 * deprecated `V2` S3 names), both are listed, so a resource cannot slip past a
 * rule by using the other name.
 */
import * as aws from "@pulumi/aws";
import * as digitalocean from "@pulumi/digitalocean";
import { typeOf } from "./values";

/** Type tokens by what they are. */
export const T = {
    bucket: [typeOf(aws.s3.Bucket), typeOf(aws.s3.BucketV2)],
    bucketEncryption: [typeOf(aws.s3.BucketServerSideEncryptionConfiguration), typeOf(aws.s3.BucketServerSideEncryptionConfigurationV2)],
    bucketPublicAccessBlock: [typeOf(aws.s3.BucketPublicAccessBlock)],
    bucketLogging: [typeOf(aws.s3.BucketLogging), typeOf(aws.s3.BucketLoggingV2)],
    flowLog: [typeOf(aws.ec2.FlowLog)],
    loadBalancer: [typeOf(aws.lb.LoadBalancer), typeOf(aws.alb.LoadBalancer)],
    listener: [typeOf(aws.lb.Listener), typeOf(aws.alb.Listener)],
    listenerRule: [typeOf(aws.lb.ListenerRule), typeOf(aws.alb.ListenerRule)],
    webAclAssociation: [typeOf(aws.wafv2.WebAclAssociation)],
    securityGroup: [typeOf(aws.ec2.SecurityGroup)],
    securityGroupRule: [typeOf(aws.ec2.SecurityGroupRule)],
    securityGroupIngressRule: [typeOf(aws.vpc.SecurityGroupIngressRule)],
    subnet: [typeOf(aws.ec2.Subnet)],
    natGateway: [typeOf(aws.ec2.NatGateway)],
    launchTemplate: [typeOf(aws.ec2.LaunchTemplate)],
    instance: [typeOf(aws.ec2.Instance)],
    autoscalingGroup: [typeOf(aws.autoscaling.Group)],
    ebsEncryptionByDefault: [typeOf(aws.ebs.EncryptionByDefault)],
    dbInstance: [typeOf(aws.rds.Instance)],
    doLoadBalancer: [typeOf(digitalocean.LoadBalancer)],
    doDatabaseCluster: [typeOf(digitalocean.DatabaseCluster)],
    doDatabaseFirewall: [typeOf(digitalocean.DatabaseFirewall)],
} as const;
