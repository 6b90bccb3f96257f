/**
 * The Caddyfile of the single host's TLS edge, rendered by a pure function so
 * that tests can check exactly what ships with `caddy validate` and run it.
 *
 * Caddy holds ports 80 and 443 when the stack has a domain: it obtains the
 * certificate over ACME (HTTP-01 on 80 or TLS-ALPN-01 on 443) on its first
 * start, renews it on its own, redirects HTTP to HTTPS, sends HSTS, and passes
 * every request (WebSocket upgrades included) to nginx, which keeps the rate
 * limiting, load balancing, headers and compression.
 */

/** Options of {@link renderCaddyfile}. */
export interface CaddyfileOptions {
    /** The public host name the certificate is for. */
    readonly domain: string;
    /** `host:port` of nginx on the edge network. @default "nginx:8080" */
    readonly upstream?: string;
    /** Port Caddy serves HTTP (and HTTP-01 challenges) on inside the container; published as 80. @default 8080 */
    readonly httpPort?: number;
    /** Port for HTTPS inside the container; published as 443. @default 8443 */
    readonly httpsPort?: number;
    /** Loopback-only port of the container's health check. @default 8081 */
    readonly healthPort?: number;
    /**
     * The ACME directory. Caddy's default is Let's Encrypt with ZeroSSL as a
     * fallback; set Let's Encrypt's staging directory to try a new domain
     * without touching the production rate limits.
     */
    readonly acmeCa?: string;
    /**
     * `tls internal`: a certificate from Caddy's own local CA instead of ACME.
     * Only for tests on loopback, where no public CA can reach the server. @default false
     */
    readonly internalTls?: boolean;
    /**
     * Every served name and its service (the primary `domain` included); unset,
     * `domain` alone goes to the app. A wildcard (`*.clinics.example.com`) needs
     * `dnsChallenge`: ACME issues wildcards only over DNS-01.
     */
    readonly sites?: readonly { readonly host: string; readonly service: "app" | "frontend" }[];
    /**
     * ACME DNS-01 through this provider for every name, with its token in the
     * container's environment (`CLOUDFLARE_API_TOKEN`, never in the file).
     * Needs the edge image built with the provider's module ({@link EDGE_DOCKERFILE}).
     */
    readonly dnsChallenge?: "cloudflare";
    /** Where the static frontend's files are inside the container. @default "/srv/frontend" */
    readonly frontendRoot?: string;
}

/** The options with defaults applied. */
export function withCaddyDefaults(
    o: CaddyfileOptions,
): Required<Omit<CaddyfileOptions, "acmeCa" | "dnsChallenge">> & { acmeCa?: string; dnsChallenge?: "cloudflare" } {
    return {
        sites: o.sites ?? [{ host: o.domain, service: "app" }],
        dnsChallenge: o.dnsChallenge,
        frontendRoot: o.frontendRoot ?? "/srv/frontend",
        domain: o.domain,
        upstream: o.upstream ?? "nginx:8080",
        httpPort: o.httpPort ?? 8080,
        httpsPort: o.httpsPort ?? 8443,
        healthPort: o.healthPort ?? 8081,
        acmeCa: o.acmeCa,
        internalTls: o.internalTls ?? false,
    };
}

/** HSTS as the edge sends it over HTTPS: two years, subdomains included. */
export const HSTS = "max-age=63072000; includeSubDomains";

/** Renders the complete Caddyfile (run with `caddy run --adapter caddyfile`). Throws on options Caddy would misread. */
export function renderCaddyfile(options: CaddyfileOptions): string {
    const o = withCaddyDefaults(options);
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(o.domain)) throw new Error(`domain "${o.domain}" is not a public host name`);
    if (!/^[a-z0-9.-]+:\d{1,5}$/.test(o.upstream)) throw new Error(`upstream "${o.upstream}" is not host:port`);
    if (o.acmeCa !== undefined && !/^https:\/\/[A-Za-z0-9.:/_-]+$/.test(o.acmeCa)) throw new Error(`acmeCa "${o.acmeCa}" is not an https URL`);
    for (const site of o.sites) {
        if (!/^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(site.host))
            throw new Error(`host "${site.host}" is not a public host name or wildcard`);
        if (site.host.startsWith("*.") && o.dnsChallenge === undefined && !o.internalTls)
            throw new Error(`wildcard ${site.host} needs dnsChallenge: ACME issues wildcard certificates only over DNS-01`);
    }
    if (!/^\/[A-Za-z0-9._\/-]+$/.test(o.frontendRoot)) throw new Error(`frontendRoot "${o.frontendRoot}" is not an absolute path`);
    const blocks: string[] = [];
    for (const service of ["app", "frontend"] as const) {
        const hosts = o.sites.filter((s) => s.service === service).map((s) => s.host);
        if (hosts.length === 0) continue;
        blocks.push(
            ``,
            `${hosts.join(", ")} {`,
            ...(o.internalTls ? [`\ttls internal`] : []),
            `\theader Strict-Transport-Security "${HSTS}"`,
            ...(service === "app"
                ? // Caddy sets X-Forwarded-For/-Proto/-Host itself and drops the client's own values; Upgrade and the Host header pass through (the app sees the tenant's name).
                  [`\treverse_proxy ${o.upstream}`]
                : frontendLines(o.frontendRoot)),
            `}`,
        );
    }
    const lines = [
        `# Rendered by alicerce (components/docker/caddy.ts); do not edit on the host.`,
        `{`,
        // No admin API: the config changes only by replacing the container.
        `\tadmin off`,
        `\thttp_port ${o.httpPort}`,
        `\thttps_port ${o.httpsPort}`,
        ...(o.acmeCa ? [`\tacme_ca ${o.acmeCa}`] : []),
        // caddy-dns/cloudflare's single-token form (github.com/caddy-dns/cloudflare README); the token stays in the environment.
        ...(o.dnsChallenge === "cloudflare" && !o.internalTls ? [`\tacme_dns cloudflare {env.CLOUDFLARE_API_TOKEN}`] : []),
        // A test's local CA is never installed into the machine's trust store.
        ...(o.internalTls ? [`\tskip_install_trust`] : []),
        // HTTP/3 needs UDP 443 published, and its Alt-Svc header would name the inside port.
        `\tservers {`,
        `\t\tprotocols h1 h2`,
        `\t}`,
        `}`,
        ...blocks,
        ``,
        `http://127.0.0.1:${o.healthPort} {`,
        `\tbind 127.0.0.1`,
        `\trespond /caddy-health "ok" 200`,
        `}`,
    ];
    return lines.join("\n") + "\n";
}

/** Cache-Control of hashed build assets (`/assets/*`): a new build has new names, so a year and immutable. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** Cache-Control of index.html and other unhashed files: revalidate every time, so a release shows at once. */
export const REVALIDATE_CACHE = "no-cache";

/** The static frontend: hashed assets cached for a year, everything else revalidated, unknown paths answered with index.html (SPA routes). */
function frontendLines(root: string): string[] {
    return [
        `\troot * ${root}`,
        `\tencode zstd gzip`,
        // A missing asset is a 404, not index.html with a year of cache.
        `\thandle /assets/* {`,
        `\t\theader Cache-Control "${IMMUTABLE_CACHE}"`,
        `\t\tfile_server`,
        `\t}`,
        `\thandle {`,
        `\t\theader Cache-Control "${REVALIDATE_CACHE}"`,
        `\t\ttry_files {path} /index.html`,
        `\t\tfile_server`,
        `\t}`,
    ];
}

/** caddy-dns/cloudflare, pinned (a tag of github.com/caddy-dns/cloudflare). */
export const CADDY_DNS_CLOUDFLARE = "github.com/caddy-dns/cloudflare@v0.2.1";

/**
 * The edge image when it needs more than the official one: Caddy rebuilt
 * with xcaddy and the Cloudflare DNS module (DNS-01 for wildcards), and/or
 * the frontend's files copied in (the build context is the frontend's
 * directory). Debian's and the official image's caddy lack DNS modules.
 */
export function renderEdgeDockerfile(o: { runtimeImage: string; builderImage: string; dnsModule: boolean; frontend: boolean; frontendRoot?: string }): string {
    return [
        `# Rendered by alicerce (components/docker/caddy.ts).`,
        ...(o.dnsModule ? [`FROM ${o.builderImage} AS builder`, `RUN xcaddy build --with ${CADDY_DNS_CLOUDFLARE}`, ``] : []),
        `FROM ${o.runtimeImage}`,
        ...(o.dnsModule ? [`COPY --from=builder /usr/bin/caddy /usr/bin/caddy`, `RUN setcap cap_net_bind_service=+ep /usr/bin/caddy`] : []),
        ...(o.frontend ? [`COPY --chown=0:0 . ${o.frontendRoot ?? "/srv/frontend"}`] : []),
        ``,
    ].join("\n");
}
