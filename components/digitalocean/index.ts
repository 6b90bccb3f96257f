/**
 * The DigitalOcean components, for programs that use them through the
 * package entry (`import { digitalocean } from "alicerce/components"`): each
 * component with its Args and the types its Args name.
 */
export { Alerts, type AlertsArgs } from "./alerts";
export { AppImage, type AppImageArgs } from "./appImage";
export { AppServers, type AppServersArgs, DropletPool, type DropletPoolArgs, type DropletPoolTransform } from "./appServers";
export { Cache, type CacheArgs } from "./cache";
export { Database, type DatabaseArgs, type DatabaseTransform } from "./database";
export { type CertificatePlan, LoadBalancer, type LoadBalancerArgs, type LoadBalancerTransform } from "./loadBalancer";
export { Network, type NetworkArgs, type NetworkTransform } from "./network";
export { Project, type ProjectArgs } from "./project";
export { SecondRegionCopies, type SecondRegionCopiesArgs } from "./second-region";
export type { AppServerSizing } from "./sizing";
export { Storage, type StorageArgs, type StorageTransform } from "./storage";
