/**
 * The alicerce policy pack's contents: every policy, in report order. Only
 * policies/index.ts turns this into a running `PolicyPack` (which starts a
 * gRPC server and never returns); tests and `npm run plan` run the same
 * list offline through offline/policies.ts.
 */
import type { Policies } from "@pulumi/policy";
import * as cost from "./cost";
import * as encryption from "./encryption";
import * as security from "./security";
import * as tagging from "./tagging";

/** The pack's name, as `pulumi preview --policy-pack policies` reports it. */
export const PACK_NAME = "alicerce";

/** Every policy of the pack. */
export const POLICIES: Policies = [
    encryption.s3BucketEncryption,
    encryption.rdsStorageEncrypted,
    encryption.ebsVolumesEncrypted,
    encryption.secretKms,
    encryption.snsTopicKms,
    encryption.logGroupKms,
    encryption.ecrRepositoryKms,
    encryption.listenerTls,
    encryption.loadBalancerHttps,
    encryption.loadBalancerPlainHttp,
    encryption.rdsForceSsl,
    encryption.kmsKeyRotation,
    encryption.digitaloceanDatabaseFirewall,
    tagging.requiredTags,
    security.securityGroupWorldIngress,
    security.rdsNotPublic,
    security.imdsV2Required,
    security.s3PublicAccessBlock,
    security.instancesNoPublicIp,
    security.instancesPublicIpWithoutNat,
    security.albWaf,
    security.prodDatabaseResilience,
    security.digitaloceanFirewallSsh,
    cost.costBudget,
];
