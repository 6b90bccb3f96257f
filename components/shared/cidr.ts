/**
 * IPv4 CIDR arithmetic: pure functions, no Pulumi. Subnet layouts are derived
 * from the VPC's own range so that no CIDR is ever hard-coded.
 */

/** A parsed IPv4 network. */
export interface Cidr {
    /** The network address as an unsigned 32-bit integer. */
    readonly base: number;
    /** Prefix length, 0-32. */
    readonly prefix: number;
}

/** Parses `a.b.c.d/n`; throws on anything else, including host bits set (10.0.0.1/16). */
export function parseCidr(text: string): Cidr {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!match) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${text}" is not an IPv4 CIDR such as 10.0.0.0/16`);
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    if (base % 2 ** (32 - prefix) !== 0) {
        throw new Error(`"${text}" has host bits set; the network is ${formatCidr({ base: base - (base % 2 ** (32 - prefix)), prefix })}`);
    }
    return { base, prefix };
}

/** Formats a network back to `a.b.c.d/n`. */
export function formatCidr(cidr: Cidr): string {
    const o = [24, 16, 8, 0].map((shift) => Math.floor(cidr.base / 2 ** shift) % 256);
    return `${o.join(".")}/${cidr.prefix}`;
}

/** Number of addresses in a network. */
export function cidrSize(cidr: Cidr): number {
    return 2 ** (32 - cidr.prefix);
}

/** True when `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
}

/** True when two networks share any address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** True when the network is inside 10/8, 172.16/12 or 192.168/16 (RFC 1918). */
export function isPrivateCidr(cidr: Cidr): boolean {
    return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => cidrContains(parseCidr(r), cidr));
}
