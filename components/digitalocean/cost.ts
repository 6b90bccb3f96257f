/**
 * A monthly cost estimate for a DigitalOcean stack: pure, from list prices
 * (USD per month, October 2025 pricing pages). It is an estimate held
 * against `alicerce:budgetUsd`, not a bill: bandwidth overage, Spaces
 * storage above 250 GiB and database storage autoscaling are not counted.
 */
import type { StackSettings } from "../../stacks";

/** Basic droplets (regular SSD), per month. */
export const DROPLET_PRICES: Readonly<Record<string, number>> = {
    "s-1vcpu-512mb-10gb": 4,
    "s-1vcpu-1gb": 6,
    "s-1vcpu-2gb": 12,
    "s-2vcpu-2gb": 18,
    "s-2vcpu-4gb": 24,
    "s-4vcpu-8gb": 48,
};

/** Managed database nodes (PostgreSQL and Valkey), per node per month; standby and read-only nodes are priced as nodes of the same plan. */
export const DATABASE_NODE_PRICES: Readonly<Record<string, number>> = {
    "db-s-1vcpu-1gb": 15.15,
    "db-s-1vcpu-2gb": 30.45,
    "db-s-2vcpu-4gb": 60.9,
    "db-s-4vcpu-8gb": 121.8,
};

/** Fixed monthly prices. */
export const FIXED_PRICES = {
    /** One regional load balancer node. */
    loadBalancer: 12,
    /** Spaces subscription: 250 GiB and 1 TiB of transfer (CDN included) across every bucket. */
    spaces: 5,
    /** Container registry, basic tier (5 repositories, 5 GiB). */
    registry: 5,
} as const;

/** One line of the estimate. */
export interface CostLine {
    readonly item: string;
    readonly usd: number;
}

/** The estimate, line by line, at the pool's minimum size. */
export function estimateMonthlyCost(
    settings: Pick<StackSettings, "compute" | "database" | "cache" | "image" | "registryName">,
): { lines: CostLine[]; totalUsd: number } {
    const price = (table: Readonly<Record<string, number>>, slug: string): number => {
        const p = table[slug];
        if (p === undefined) throw new Error(`no list price for "${slug}"; add it to components/digitalocean/cost.ts`);
        return p;
    };
    const dbNode = price(DATABASE_NODE_PRICES, settings.database.instanceClass);
    const lines: CostLine[] = [
        { item: `${settings.compute.minInstances} × droplet ${settings.compute.instanceType}`, usd: settings.compute.minInstances * price(DROPLET_PRICES, settings.compute.instanceType) },
        { item: "load balancer (1 node)", usd: FIXED_PRICES.loadBalancer },
        { item: `PostgreSQL ${settings.database.instanceClass} primary`, usd: dbNode },
    ];
    if (settings.database.highAvailability) lines.push({ item: "PostgreSQL standby node", usd: dbNode });
    if (settings.database.readReplica) lines.push({ item: "PostgreSQL read-only replica", usd: dbNode });
    if (settings.cache.enabled) lines.push({ item: `Valkey ${settings.cache.nodeSize}`, usd: price(DATABASE_NODE_PRICES, settings.cache.nodeSize) });
    lines.push({ item: "Spaces (assets, backups, config) with CDN", usd: FIXED_PRICES.spaces });
    // A prebuilt image or an account's shared registry costs this stack nothing extra.
    if (settings.image === undefined && settings.registryName === undefined) lines.push({ item: "container registry (basic)", usd: FIXED_PRICES.registry });
    const totalUsd = Math.round(lines.reduce((sum, l) => sum + l.usd, 0) * 100) / 100;
    return { lines, totalUsd };
}
