/**
 * Host names a stack serves, cloud-neutral and pure: the names, the wildcard
 * for tenant subdomains, and which service answers each (the app, or the
 * static frontend). Every platform reads the same {@link HostPlan}.
 */

/** A service a host name can be routed to. */
export const HOST_SERVICES = ["app", "frontend"] as const;
export type HostService = (typeof HOST_SERVICES)[number];

/** A lowercase DNS host name (RFC 1123 labels, at most 253 characters). */
export const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A wildcard covering one label under a name (`*.clinics.example.com`); certificates cover exactly one label. */
export const WILDCARD_NAME = /^\*\.(?=.{1,251}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** One served name and its service. */
export interface HostRoute {
    /** `api.example.com` or `*.clinics.example.com`. */
    readonly host: string;
    readonly service: HostService;
}

/** Everything the platforms need about names. */
export interface HostPlan {
    /** The primary name (`alicerce:domain`) first, then the others, then the wildcard; no duplicates. */
    readonly names: readonly string[];
    /** The wildcard, when there is one. */
    readonly wildcard?: string;
    /** Every name with its service, in the order of `names`. */
    readonly routes: readonly HostRoute[];
    /** The DNS zone every name is inside (`example.com`). */
    readonly zone?: string;
}

/** Whether `host` (a name or a wildcard) is the zone apex or under it. */
export function inZone(host: string, zone: string): boolean {
    const bare = host.startsWith("*.") ? host.slice(2) : host;
    return bare === zone || bare.endsWith(`.${zone}`);
}

/** Whether a concrete host name is covered by a wildcard (one label exactly, as in RFC 6125 6.4.3). */
export function coveredByWildcard(host: string, wildcard: string): boolean {
    const base = wildcard.slice(2);
    if (!host.endsWith(`.${base}`)) return false;
    const label = host.slice(0, -(base.length + 1));
    return label.length > 0 && !label.includes(".");
}

/** Inputs of {@link planHosts}. */
export interface HostInputs {
    readonly domain?: string;
    readonly hosts?: readonly string[];
    readonly wildcard?: string;
    /** host (or the wildcard) -> service; unlisted names go to the app. */
    readonly routes?: Readonly<Record<string, string>>;
    readonly zone?: string;
}

/**
 * The names and routes, or the problems with them (each a sentence to follow
 * `alicerce:<key>: "<value>" `, keyed by config key). Pure.
 */
export function planHosts(i: HostInputs): { plan: HostPlan; problems: { key: string; text: string }[] } {
    const problems: { key: string; text: string }[] = [];
    const names: string[] = [];
    for (const n of [...(i.domain ? [i.domain] : []), ...(i.hosts ?? [])]) if (!names.includes(n)) names.push(n);
    if (i.wildcard) names.push(i.wildcard);
    if ((i.hosts?.length ?? 0) > 0 || i.wildcard) {
        if (!i.domain)
            problems.push({
                key: i.wildcard && !i.hosts?.length ? "wildcardHost" : "hosts",
                text: "is set but alicerce:domain is not; set the primary host name first",
            });
        if (!i.zone)
            problems.push({
                key: i.wildcard && !i.hosts?.length ? "wildcardHost" : "hosts",
                text: "is set but alicerce:dnsZone is not; set the DNS zone the names live in, e.g. example.com",
            });
    }
    if (i.zone) {
        for (const n of names) {
            if (!inZone(n, i.zone)) {
                const key = n === i.wildcard ? "wildcardHost" : n === i.domain ? "domain" : "hosts";
                problems.push({
                    key,
                    text: `${key === "hosts" ? `holds ${n}, which ` : ""}is outside the managed zone ${i.zone}; use names under ${i.zone}, or change alicerce:dnsZone`,
                });
            }
        }
    }
    const routes: HostRoute[] = names.map((host) => ({ host, service: "app" }));
    for (const [host, service] of Object.entries(i.routes ?? {})) {
        const r = routes.find((x) => x.host === host);
        if (!r)
            problems.push({
                key: "hostRoutes",
                text: `routes ${host}, which is not served; list it in alicerce:hosts (or alicerce:domain, alicerce:wildcardHost) first`,
            });
        else if (!(HOST_SERVICES as readonly string[]).includes(service))
            problems.push({ key: "hostRoutes", text: `sends ${host} to "${service}", which is not a service; use one of ${HOST_SERVICES.join(", ")}` });
        else (r as { service: HostService }).service = service as HostService;
    }
    return { plan: { names, wildcard: i.wildcard, routes, zone: i.zone }, problems };
}

/** The names a service answers. */
export function hostsOf(plan: HostPlan, service: HostService): string[] {
    return plan.routes.filter((r) => r.service === service).map((r) => r.host);
}

/** A logical-name key for a host (`api-example-com`, `wild-clinics-example-com`): DNS records and certificate files are keyed by it. */
export function hostKey(host: string): string {
    return host.replace(/^\*\./, "wild-").replace(/[^a-z0-9-]/g, "-");
}
