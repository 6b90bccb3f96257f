import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** True for a value Pulumi's RPC layer marks as secret. */
function isWrappedSecret(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/**
 * Removes Pulumi's secret wrappers from a deserialized value and says where
 * they were, as dotted paths (`password`, `tags.Token`, `rules.0.key`).
 */
export function unwrapSecrets(input: unknown): { value: any; secretPaths: string[] } {
    const secretPaths: string[] = [];
    const walk = (value: unknown, at: string, inSecret: boolean): unknown => {
        if (isWrappedSecret(value)) {
            if (!inSecret) secretPaths.push(at);
            return walk(value.value, at, true);
        }
        if (Array.isArray(value)) return value.map((v, i) => walk(v, at ? `${at}.${i}` : String(i), inSecret));
        if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, at ? `${at}.${k}` : k, inSecret)]));
        }
        return value;
    };
    return { value: walk(input, "", false), secretPaths };
}

/** A copy of `inputs` with every secret value replaced by `"[secret]"`, for reports. */
export function redactSecrets(inputs: Record<string, any>, secretPaths: readonly string[]): Record<string, any> {
    const copy = structuredClone(inputs);
    for (const p of secretPaths) {
        const parts = p.split(".");
        if (parts.length === 1 && parts[0] === "") return { "[secret]": true };
        let node: any = copy;
        for (const part of parts.slice(0, -1)) node = node?.[part];
        if (node && typeof node === "object") node[parts[parts.length - 1]] = "[secret]";
    }
    return copy;
}
