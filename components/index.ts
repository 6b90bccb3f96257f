/**
 * The alicerce components as a library: the entry another Pulumi program
 * imports (`import { aws, digitalocean } from "alicerce/components"`; see
 * docs/components.md). One namespace per cloud, each component with its
 * Args; nothing here reads config or stack names, so the caller decides
 * every value (tiers and presets stay in alicerce's own program).
 */
export * as aws from "./aws/index";
export * as cloudflare from "./cloudflare/index";
export * as digitalocean from "./digitalocean/index";
export * as docker from "./docker/index";
export { digitalOceanTags, REQUIRED_TAG_KEYS, type StandardTags, standardTags, type TagSource } from "./shared/tags";
export type { Transform } from "./shared/transform";
