/**
 * The single-host (Docker) components, for programs that use them through
 * the package entry (`import { docker } from "alicerce/components"`): each
 * component with its Args and the types its Args name.
 */
export { AppReplicas, type AppReplicasArgs } from "./app";
export { Backups, type BackupsArgs, type OffHostRepository } from "./backups";
export { VpsHost, type VpsHostArgs, type VpsMachine, type VpsMachineArgs } from "./host";
export type { DockerLabel } from "./labels";
export type { ContainerLimit } from "./limits";
export { HostNetworks, type HostNetworksArgs } from "./networks";
export { ObjectStore, type ObjectStoreArgs } from "./objectstore";
export { Postgres, type PostgresArgs } from "./postgres";
export { ReverseProxy, type ReverseProxyArgs } from "./proxy";
export { Redis, type RedisArgs } from "./redis";
export { StorageSetup, type StorageSetupArgs } from "./storage-setup";
export { TlsEdge, type TlsEdgeArgs } from "./tls-edge";
