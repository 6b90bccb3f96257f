/**
 * Which DigitalOcean services each region offers, as typed data, so a stack
 * is accepted only in a region that has every service it uses.
 *
 * Sources:
 * - DigitalOcean's regional availability matrix,
 *   https://docs.digitalocean.com/platform/regional-availability/ (droplets,
 *   VPC, load balancers, managed databases, Spaces by datacenter).
 * - Spaces: the regions terraform-provider-digitalocean (which
 *   @pulumi/digitalocean wraps) accepts for a bucket,
 *   `SpacesRegions` in digitalocean/spaces/spaces_entities.go:
 *   ams3, atl1, blr1, fra1, lon1, nyc3, sfo2, sfo3, sgp1, syd1, tor1. NYC1
 *   has no Spaces: a bucket there fails at `pulumi up`.
 * - Container Registry: the `region` enum of `POST /v2/registry` in the
 *   DigitalOcean API reference (https://docs.digitalocean.com/reference/api/api-reference/#operation/registry_create):
 *   nyc3, sfo3, ams3, fra1, sgp1. The account's one registry sits in one of
 *   those; the stack's region need not offer it.
 */

/** A DigitalOcean service a stack may use. */
export type DigitalOceanService = "droplets" | "vpc" | "loadBalancers" | "databases" | "spaces";

/** Services per region. Regions closed to new resources (nyc2, sfo1, ams2) are left out. */
export const DIGITALOCEAN_REGION_SERVICES: Readonly<Record<string, readonly DigitalOceanService[]>> = {
    nyc1: ["droplets", "vpc", "loadBalancers", "databases"],
    nyc3: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    sfo2: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    sfo3: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    tor1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    atl1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    lon1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    ams3: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    fra1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    blr1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    sgp1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
    syd1: ["droplets", "vpc", "loadBalancers", "databases", "spaces"],
};

/** What `cloud: digitalocean` declares in its region: app droplets in a VPC behind a load balancer, managed PostgreSQL, Spaces buckets. */
export const DIGITALOCEAN_PLATFORM_SERVICES: readonly DigitalOceanService[] = ["droplets", "vpc", "loadBalancers", "databases", "spaces"];

/** What a single Docker host on DigitalOcean (`alicerce:vps digitalocean`) declares: one droplet and its firewall. */
export const DIGITALOCEAN_VPS_SERVICES: readonly DigitalOceanService[] = ["droplets"];

/** The regions that offer every one of `services`, in table order. */
export function digitalOceanRegionsWith(services: readonly DigitalOceanService[]): string[] {
    return Object.entries(DIGITALOCEAN_REGION_SERVICES)
        .filter(([, offered]) => services.every((s) => offered.includes(s)))
        .map(([region]) => region);
}

/** The Container Registry's regions (`POST /v2/registry`, `region` enum). */
export const REGISTRY_REGIONS = ["nyc3", "sfo3", "ams3", "fra1", "sgp1"] as const;

/**
 * The registry region nearest a stack region: the registry is created once
 * per account, in a region of its own list, and droplets pull across regions.
 * `region` is ForceNew on the registry, so this mapping must never change
 * for a region already in it.
 */
export const NEAREST_REGISTRY_REGION: Readonly<Record<string, (typeof REGISTRY_REGIONS)[number]>> = {
    nyc1: "nyc3",
    nyc3: "nyc3",
    tor1: "nyc3",
    atl1: "nyc3",
    sfo2: "sfo3",
    sfo3: "sfo3",
    lon1: "ams3",
    ams3: "ams3",
    fra1: "fra1",
    blr1: "sgp1",
    sgp1: "sgp1",
    syd1: "sgp1",
};
