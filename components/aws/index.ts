/**
 * The AWS components, for programs that use them through the package entry
 * (`import { aws } from "alicerce/components"`): each component with its
 * Args and the types its Args name.
 */
export { AuditTrail, type AuditTrailArgs } from "./audit";
export { ValkeyCache, type ValkeyCacheArgs } from "./cache";
export { Cdn, type CdnArgs } from "./cdn";
export { Certificate, type CertificateArgs, type ValidationRecord } from "./certificate";
export {
    AppServers,
    type AppServersArgs,
    ComputePool,
    type ComputePoolArgs,
    type ComputePoolTransform,
    type PoolLoadBalancer,
    type PoolOrigin,
} from "./compute";
export { Database, type DatabaseArgs, type DatabaseTransform, POSTGRES_MAJOR, POSTGRES_PORT } from "./database";
export { Kms, type KmsArgs } from "./kms";
export { LoadBalancer, type LoadBalancerArgs, type LoadBalancerTransform } from "./loadBalancer";
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { type Egress, Network, type NetworkArgs, type NetworkTransform } from "./network";
export { InstanceEdge, type InstanceEdgeArgs } from "./origin";
export { type Platform, Registry, type RegistryArgs } from "./registry";
export { SecondRegion, type SecondRegionArgs } from "./second-region";
export { AppSecrets, type AppSecretsArgs } from "./secrets";
export { Storage, type StorageArgs, type StorageTransform } from "./storage";
export { Waf, type WafArgs } from "./waf";
