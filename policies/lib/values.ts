/**
 * Reading resource properties the way CrossGuard hands them over. During
 * `pulumi preview` a property computed by the cloud (an id, an ARN, a
 * generated name) is unknown: CrossGuard passes a sentinel and its proxy
 * throws when a policy touches one. Policies here never let that throw
 * escape: {@link plain} turns the properties into plain data in which every
 * unknown value is {@link UNKNOWN}, and a rule whose inputs are unknown
 * reports nothing (an unknown value is never a violation).
 */

import * as proxyModule from "@pulumi/policy/proxy";

/** CrossGuard's proxy internals (marked @internal, so absent from the package's typings; pinned with @pulumi/policy). */
const proxy = proxyModule as unknown as {
    readonly getSpecialProxyTarget: string;
    readonly unknownBooleanValue: string;
    readonly unknownNumberValue: string;
    readonly unknownStringValue: string;
    readonly unknownArrayValue: string;
    readonly unknownAssetValue: string;
    readonly unknownArchiveValue: string;
    readonly unknownObjectValue: string;
};

/** The sentinels CrossGuard (and the Pulumi engine) use for values not known yet. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    proxy.unknownBooleanValue,
    proxy.unknownNumberValue,
    proxy.unknownStringValue,
    proxy.unknownArrayValue,
    proxy.unknownAssetValue,
    proxy.unknownArchiveValue,
    proxy.unknownObjectValue,
]);

/** A value that is not known until the resource is created (only during preview). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
/** The type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** True for a value not known yet. */
export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/** True if the value, or anything inside it, is not known yet. */
export function hasUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(hasUnknown);
    if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
    return false;
}

/**
 * A deep plain copy of CrossGuard properties (proxied or not), with every
 * unknown value replaced by {@link UNKNOWN}. Typed loosely on purpose: cloud
 * properties are read defensively, each rule checking what it relies on.
 */
export function plain(value: unknown): any {
    const target = value !== null && typeof value === "object" ? ((value as any)[proxy.getSpecialProxyTarget] ?? value) : value;
    if (typeof target === "string") return UNKNOWN_SENTINELS.has(target) ? UNKNOWN : target;
    if (Array.isArray(target)) return target.map(plain);
    if (target !== null && typeof target === "object" && Object.getPrototypeOf(target) === Object.prototype) {
        return Object.fromEntries(Object.entries(target).map(([k, v]) => [k, plain(v)]));
    }
    return target;
}

/** A boolean property: `true`/`false` (the AWS provider types some as the strings "true"/"false"), undefined, or unknown. */
export function bool(value: unknown): boolean | undefined | Unknown {
    if (value === UNKNOWN) return UNKNOWN;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    return undefined;
}

/** A string list property (`undefined` as empty). */
export function strings(value: unknown): (string | Unknown)[] | Unknown {
    if (value === UNKNOWN) return UNKNOWN;
    if (!Array.isArray(value)) return [];
    return value.filter((v) => typeof v === "string" || v === UNKNOWN);
}

/** An object property parsed from JSON when the SDK sent it encoded (provider inputs such as `defaultTags`). */
export function jsonObject(value: unknown): Record<string, unknown> | undefined | Unknown {
    if (value === UNKNOWN) return UNKNOWN;
    if (typeof value === "string") {
        try {
            return plain(JSON.parse(value));
        } catch {
            return undefined;
        }
    }
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

/** The class's Pulumi type token (`aws:s3/bucket:Bucket`), as `validateResourceOfType` reads it. */
export function typeOf(resourceClass: { new (...args: any[]): unknown }): string {
    const token = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") throw new Error(`${resourceClass.name} has no Pulumi type token`);
    return token;
}

/** The logical name of a resource, quoted, for messages. */
export function quoted(name: string): string {
    return JSON.stringify(name);
}
