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

/** The three kinds of subnet, in the order their CIDR blocks are laid out. */
export const SUBNET_TIERS = ["public", "private", "isolated"] as const;
/** A kind of subnet: `public` (internet gateway), `private` (app, egress through NAT), `isolated` (database, no route out). */
export type SubnetTier = (typeof SUBNET_TIERS)[number];

/**
 * AZ slots reserved per subnet kind. Layouts are computed for this many AZs
 * whatever the tier uses, so adding an AZ (mvp 2 -> prod 3) only adds subnets
 * and never moves one: a subnet whose CIDR changes is replaced, and RDS or
 * instances inside it block or break that.
 */
export const MAX_AZS = 4;

/** Each subnet is this many bits longer than the VPC: 16 equal blocks, 12 used (3 kinds x 4 AZs), 4 spare. */
export const SUBNET_EXTRA_BITS = 4;

/** One planned subnet. */
export interface PlannedSubnet {
    readonly tier: SubnetTier;
    /** Index of the AZ in the stack's AZ list (0-based). */
    readonly az: number;
    readonly cidr: string;
}

/** The `index`-th block of prefix length `prefix` inside `outer`; throws if it does not fit. */
export function nthSubnet(outer: Cidr, prefix: number, index: number): Cidr {
    if (!Number.isInteger(prefix) || prefix < outer.prefix || prefix > 32) {
        throw new Error(`cannot cut /${prefix} blocks out of ${formatCidr(outer)}`);
    }
    const count = 2 ** (prefix - outer.prefix);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new Error(`${formatCidr(outer)} holds ${count} /${prefix} blocks; block ${index} does not exist`);
    }
    return { base: outer.base + index * 2 ** (32 - prefix), prefix };
}

/**
 * The subnets of a VPC: for each kind (public, private, isolated) one subnet
 * per AZ, each 1/16 of the VPC (a /16 gives /20s of 4,096 addresses; a /20
 * gives /24s of 256). Block `kind * MAX_AZS + az` goes to that kind and AZ,
 * so the result depends only on the VPC range and the AZ index: deterministic,
 * never overlapping, always inside the VPC, and stable when AZs are added.
 */
export function subnetLayout(vpcCidr: string, azCount: number): PlannedSubnet[] {
    const vpc = parseCidr(vpcCidr);
    if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) {
        throw new Error(`azCount ${azCount} is not between 1 and ${MAX_AZS}`);
    }
    const prefix = vpc.prefix + SUBNET_EXTRA_BITS;
    // AWS subnets are /16 to /28.
    if (vpc.prefix < 12 || prefix > 28) throw new Error(`VPC ${vpcCidr} must be /12 to /24 to hold ${SUBNET_TIERS.length * MAX_AZS} subnets of /16 to /28`);
    return SUBNET_TIERS.flatMap((tier, t) =>
        Array.from({ length: azCount }, (_, az) => ({ tier, az, cidr: formatCidr(nthSubnet(vpc, prefix, t * MAX_AZS + az)) })),
    );
}

// ---- q-budget-aws: IPv6 subnets (issue 17) ----

/** The 8 hextets of an IPv6 address as one 128-bit number; throws on anything that is not one. */
function parseIpv6(text: string): bigint {
    const halves = text.split("::");
    if (halves.length > 2 || !/^[0-9a-fA-F:]+$/.test(text)) throw new Error(`"${text}" is not an IPv6 address`);
    const part = (s: string) => (s === "" ? [] : s.split(":"));
    const head = part(halves[0]);
    const tail = halves.length === 2 ? part(halves[1]) : [];
    const missing = 8 - head.length - tail.length;
    if ((halves.length === 1 && missing !== 0) || missing < 0) throw new Error(`"${text}" is not an IPv6 address`);
    const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => "0"), ...tail];
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new Error(`"${text}" is not an IPv6 address`);
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** A 128-bit number as a compressed IPv6 address (RFC 5952: lowercase, the longest run of zero groups as `::`). */
function formatIpv6(value: bigint): string {
    const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
    let best = { at: -1, len: 0 };
    for (let i = 0; i < 8;) {
        if (groups[i] !== 0) {
            i++;
            continue;
        }
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
        i = j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best.at < 0) return hex.join(":");
    return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

/**
 * The `index`-th /64 of a VPC's IPv6 block (AWS assigns a /56: 256 /64s; a
 * subnet's IPv6 block must be a /64, EC2 CreateSubnet / AssociateSubnetCidrBlock).
 * Subnets use the same index as their IPv4 block ({@link subnetLayout}:
 * `kind * MAX_AZS + az`), so it is stable when AZs are added.
 */
export function ipv6SubnetCidr(vpcIpv6Cidr: string, index: number): string {
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(vpcIpv6Cidr);
    if (!m) throw new Error(`"${vpcIpv6Cidr}" is not an IPv6 CIDR such as 2600:1f18:0:ab00::/56`);
    const prefix = Number(m[2]);
    if (prefix > 64) throw new Error(`"${vpcIpv6Cidr}" is longer than /64: it holds no /64 subnet`);
    const base = parseIpv6(m[1]);
    const hostBits = 128n - BigInt(prefix);
    if (base & ((1n << hostBits) - 1n)) throw new Error(`"${vpcIpv6Cidr}" has host bits set`);
    const count = 2 ** (64 - prefix);
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`${vpcIpv6Cidr} holds ${count} /64 blocks; block ${index} does not exist`);
    return `${formatIpv6(base + (BigInt(index) << 64n))}/64`;
}

/** The index of a planned subnet's block in its VPC ({@link subnetLayout}), for its IPv6 block too. */
export function subnetIndex(subnet: Pick<PlannedSubnet, "tier" | "az">): number {
    return SUBNET_TIERS.indexOf(subnet.tier) * MAX_AZS + subnet.az;
}
