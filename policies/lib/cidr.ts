/**
 * Which address ranges count as "the internet". An exact match on
 * `0.0.0.0/0` is easy to step around (`0.0.0.0/1` plus `128.0.0.0/1`, or
 * `::/1`), so any range wider than a threshold counts: an IPv4 range shorter
 * than /8 (more than 16.7 million addresses, wider than any private range),
 * or an IPv6 range shorter than /16 (wider than any regional registry's
 * allocation), except the IPv6 ranges that never route on the internet
 * (unique-local fc00::/7, link-local fe80::/10).
 */

/** The shortest IPv4 prefix that is not the internet. */
export const IPV4_MIN_PREFIX = 8;
/** The shortest IPv6 prefix that is not the internet. */
export const IPV6_MIN_PREFIX = 16;

/** IPv6 ranges that are wide but never routed on the internet: [first 16 bits, prefix]. */
const IPV6_LOCAL: readonly (readonly [number, number])[] = [
    [0xfc00, 7],
    [0xfe80, 10],
];

/** True if the CIDR block (IPv4 or IPv6) is so wide it means the internet; false for a single address or anything unparseable. */
export function isInternetRange(cidr: string): boolean {
    const text = cidr.trim();
    // A range with host bits set (1.2.3.4/1) still spans its whole prefix, so the address is not required to be a network address.
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (v4) {
        const prefix = Number(v4[5]);
        return v4.slice(1, 5).every((o) => Number(o) <= 255) && prefix <= 32 && prefix < IPV4_MIN_PREFIX;
    }
    const v6 = /^([0-9a-f:.]*:[0-9a-f:.]*)\/(\d{1,3})$/i.exec(text);
    if (!v6) return false;
    const prefix = Number(v6[2]);
    if (prefix > 128 || prefix >= IPV6_MIN_PREFIX) return false;
    const first = parseInt(v6[1].split(":")[0] || "0", 16);
    const mask = (bits: number) => (0xffff << (16 - bits)) & 0xffff;
    return !IPV6_LOCAL.some(([net, bits]) => prefix >= bits && (first & mask(bits)) === net);
}
