import type { DigitalOceanPriceTable, Price, PriceList } from "../types";

/**
 * DigitalOcean prices (the same in every region). DigitalOcean bills hourly
 * up to a monthly cap (672 hours), so a resource that runs all month costs
 * its monthly price; these are the monthly prices.
 *
 * Read 2026-11-23 from the public pricing pages cited on each figure. This
 * workspace has no internet access: the figures are the published prices as
 * we know them on that date, not re-read live.
 */
export const READ = "2026-11-23";

const DROPLETS = "https://www.digitalocean.com/pricing/droplets";
const DATABASES = "https://www.digitalocean.com/pricing/managed-databases";

const p = (usd: number, unit: string, source: string, note?: string): Price => ({ usd, unit, source, read: READ, ...(note ? { note } : {}) });
const list = (unit: string, source: string, prices: Record<string, number>, note?: string): PriceList =>
    Object.fromEntries(Object.entries(prices).map(([k, usd]) => [k, p(usd, unit, source, note)]));

/** DigitalOcean prices. */
export const DIGITALOCEAN: DigitalOceanPriceTable = {
    cloud: "digitalocean",
    droplets: list("month", DROPLETS, {
        "s-1vcpu-512mb-10gb": 4,
        "s-1vcpu-1gb": 6,
        "s-1vcpu-2gb": 12,
        "s-2vcpu-2gb": 18,
        "s-2vcpu-4gb": 24,
        "s-4vcpu-8gb": 48,
        "s-8vcpu-16gb": 96,
        "s-1vcpu-1gb-amd": 7,
        "s-1vcpu-2gb-amd": 14,
        "s-2vcpu-4gb-amd": 28,
        "s-4vcpu-8gb-amd": 56,
        // q-do: premium Intel is $8/$16/$32/$64 (the $7/$14/$28/$56 series is premium AMD), per the droplets pricing page.
        "s-1vcpu-1gb-intel": 8,
        "s-1vcpu-2gb-intel": 16,
        "s-2vcpu-4gb-intel": 32,
        "s-4vcpu-8gb-intel": 64,
    }),
    // q-do: outbound transfer each droplet size includes a month, pooled across the team's droplets; beyond it $0.01/GiB
    // (https://docs.digitalocean.com/products/droplets/details/pricing/ "Droplet Bandwidth"; allowances from the droplets pricing page).
    dropletTransferGb: {
        "s-1vcpu-512mb-10gb": 500,
        "s-1vcpu-1gb": 1000,
        "s-1vcpu-2gb": 2000,
        "s-2vcpu-2gb": 3000,
        "s-2vcpu-4gb": 4000,
        "s-4vcpu-8gb": 5000,
        "s-8vcpu-16gb": 6000,
        "s-1vcpu-1gb-amd": 1000,
        "s-1vcpu-2gb-amd": 2000,
        "s-2vcpu-4gb-amd": 4000,
        "s-4vcpu-8gb-amd": 5000,
        "s-1vcpu-1gb-intel": 1000,
        "s-1vcpu-2gb-intel": 2000,
        "s-2vcpu-4gb-intel": 4000,
        "s-4vcpu-8gb-intel": 6000,
    },
    dropletTransferOverageGb: p(0.01, "GiB", DROPLETS, "outbound beyond the team's pooled allowance (docs.digitalocean.com/products/droplets/details/pricing)"),
    spacesIncluded: { storedGb: 250, transferOutGb: 1024 },
    spacesOverage: {
        storedGb: p(0.02, "GiB-month", "https://www.digitalocean.com/pricing/spaces-object-storage", "stored beyond the subscription's 250 GiB"),
        transferOutGb: p(0.01, "GiB", "https://www.digitalocean.com/pricing/spaces-object-storage", "out of Spaces or its CDN beyond the subscription's 1 TiB"),
    },
    loadBalancerNodeMonth: p(12, "node-month", "https://www.digitalocean.com/pricing/load-balancers", "regional load balancer, per node (size_unit)"),
    loadBalancerSizes: list("month", "https://www.digitalocean.com/pricing/load-balancers", { "lb-small": 12, "lb-medium": 36, "lb-large": 72 }),
    databaseNodes: list(
        "node-month",
        DATABASES,
        {
            "db-s-1vcpu-1gb": 15,
            "db-s-1vcpu-2gb": 30,
            "db-s-2vcpu-4gb": 60,
            "db-s-4vcpu-8gb": 120,
            "db-s-6vcpu-16gb": 240,
            "db-s-8vcpu-32gb": 480,
        },
        "per node; standby and read-only nodes priced as a primary of the same size (an upper bound if DigitalOcean discounts standby nodes)",
    ),
    spacesMonth: p(
        5,
        "month",
        "https://www.digitalocean.com/pricing/spaces-object-storage",
        "one subscription per team: 250 GiB stored, 1 TiB outbound, the CDN included",
    ),
    registryTiers: list("month", "https://www.digitalocean.com/pricing/container-registry", { starter: 0, basic: 5, professional: 20 }),
    uptimeCheckMonth: p(1, "check-month", "https://www.digitalocean.com/pricing/uptime", "free checks of the team allowance not deducted"),
    volumeGbMonth: p(0.1, "GB-month", "https://www.digitalocean.com/pricing/volumes"),
};
