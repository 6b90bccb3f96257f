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
}

/** The options with defaults applied. */
export function withCaddyDefaults(o: CaddyfileOptions): Required<Omit<CaddyfileOptions, "acmeCa">> & { acmeCa?: string } {
    return {
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
    const lines = [
        `# Rendered by alicerce (components/docker/caddy.ts); do not edit on the host.`,
        `{`,
        // No admin API: the config changes only by replacing the container.
        `\tadmin off`,
        `\thttp_port ${o.httpPort}`,
        `\thttps_port ${o.httpsPort}`,
        ...(o.acmeCa ? [`\tacme_ca ${o.acmeCa}`] : []),
        // A test's local CA is never installed into the machine's trust store.
        ...(o.internalTls ? [`\tskip_install_trust`] : []),
        // HTTP/3 needs UDP 443 published, and its Alt-Svc header would name the inside port.
        `\tservers {`,
        `\t\tprotocols h1 h2`,
        `\t}`,
        `}`,
        ``,
        `${o.domain} {`,
        ...(o.internalTls ? [`\ttls internal`] : []),
        `\theader Strict-Transport-Security "${HSTS}"`,
        // Caddy sets X-Forwarded-For/-Proto/-Host itself and drops the client's own values; Upgrade passes through.
        `\treverse_proxy ${o.upstream}`,
        `}`,
        ``,
        `http://127.0.0.1:${o.healthPort} {`,
        `\tbind 127.0.0.1`,
        `\trespond /caddy-health "ok" 200`,
        `}`,
    ];
    return lines.join("\n") + "\n";
}
