/**
 * The Cloudflare components, for programs that use them through the package
 * entry (`import { cloudflare } from "alicerce/components"`).
 */
export { Dns, type DnsArgs, type DnsRecordSpec } from "./dns";
