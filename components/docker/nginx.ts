/**
 * The nginx configuration of the single host, rendered by a pure function so
 * that tests can validate exactly what ships with `nginx -t`.
 */

/** The nginx versions the renderer targets. */
export type NginxVersion = "1.28" | "1.22";

/** Options of {@link renderNginxConfig}. */
export interface NginxConfigOptions {
    /** Upstream app servers as `host:port` (the replicas' network aliases: `app-1:8080`, ...). */
    readonly upstreams: readonly string[];
    /** The public host name. When set, HTTPS is served from `certificate`/`certificateKey` and HTTP redirects to it. */
    readonly domain?: string;
    /** @default "/etc/nginx/tls/fullchain.pem" */
    readonly certificate?: string;
    /** @default "/etc/nginx/tls/privkey.pem" */
    readonly certificateKey?: string;
    /** Where ACME HTTP-01 challenges are served from, for certbot's webroot mode. @default "/var/www/acme" */
    readonly acmeWebroot?: string;
    /** Writable directory for the pid file and temp files (a tmpfs in the container). @default "/tmp/nginx" */
    readonly runDir?: string;
    /** Port nginx listens on for HTTP inside the container (non-root: above 1024). @default 8080 */
    readonly httpPort?: number;
    /** Port for HTTPS inside the container. @default 8443 */
    readonly httpsPort?: number;
    /** Sustained requests per second per client IP. @default 10 */
    readonly ratePerSecond?: number;
    /** Requests a client may burst above the rate before getting 429. @default 40 */
    readonly burst?: number;
    /** Largest request body in MB (uploads). @default 25 */
    readonly maxBodyMb?: number;
    /**
     * The nginx the config is for. `1.28` (what the host runs) re-resolves the
     * upstream names through Docker's DNS at run time (`resolve`, nginx
     * 1.27.3+), so a replaced app container's new address is used without a
     * reload, and enables HTTP/2 with `http2 on`. `1.22` (Debian 12, where the
     * tests run `nginx -t`) lacks both: names resolve once at start and HTTP/2
     * is a `listen` flag. Nothing else differs. @default "1.28"
     */
    readonly nginxVersion?: NginxVersion;
    /** Presigned uploads: requests under `pathPrefix` go to the object store unchanged (objectstore.ts publicUploadRoute). */
    readonly uploads?: { readonly pathPrefix: string; readonly upstream: string; readonly methods: readonly string[] };
}

/** The options with defaults applied. */
export function withNginxDefaults(o: NginxConfigOptions): Required<Omit<NginxConfigOptions, "domain" | "uploads">> & Pick<NginxConfigOptions, "domain" | "uploads"> {
    return {
        upstreams: o.upstreams,
        uploads: o.uploads,
        domain: o.domain,
        certificate: o.certificate ?? "/etc/nginx/tls/fullchain.pem",
        certificateKey: o.certificateKey ?? "/etc/nginx/tls/privkey.pem",
        acmeWebroot: o.acmeWebroot ?? "/var/www/acme",
        runDir: o.runDir ?? "/tmp/nginx",
        httpPort: o.httpPort ?? 8080,
        httpsPort: o.httpsPort ?? 8443,
        ratePerSecond: o.ratePerSecond ?? 10,
        burst: o.burst ?? 40,
        maxBodyMb: o.maxBodyMb ?? 25,
        nginxVersion: o.nginxVersion ?? "1.28",
    };
}

const SECURITY_HEADERS = [
    `add_header X-Content-Type-Options "nosniff" always;`,
    `add_header X-Frame-Options "DENY" always;`,
    `add_header Referrer-Policy "strict-origin-when-cross-origin" always;`,
    `add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;`,
    `add_header Cross-Origin-Opener-Policy "same-origin" always;`,
];

/** Renders the complete `nginx.conf` (run with `nginx -c`). Throws on options nginx would reject later. */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const o = withNginxDefaults(options);
    if (o.upstreams.length === 0) throw new Error("nginx needs at least one upstream app server");
    for (const u of [...o.upstreams, ...(o.uploads ? [o.uploads.upstream] : [])]) {
        if (!/^[a-z0-9.-]+:\d{1,5}$/.test(u)) throw new Error(`upstream "${u}" is not host:port`);
    }
    if (o.domain !== undefined && !/^[a-z0-9.-]+$/.test(o.domain)) throw new Error(`domain "${o.domain}" is not a host name`);

    const modern = o.nginxVersion === "1.28";
    const proxy = [
        `limit_req zone=per_ip burst=${o.burst} nodelay;`,
        `proxy_pass http://app;`,
        `proxy_http_version 1.1;`,
        `proxy_set_header Connection "";`,
        `proxy_set_header Host $host;`,
        `proxy_set_header X-Real-IP $remote_addr;`,
        `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
        `proxy_set_header X-Forwarded-Proto $scheme;`,
        `proxy_set_header X-Request-Id $request_id;`,
        // A replica being replaced refuses connections: retry the next one (never for non-idempotent requests).
        `proxy_next_upstream error timeout http_502 http_503;`,
        `proxy_next_upstream_tries 2;`,
        `proxy_connect_timeout 5s;`,
        `proxy_read_timeout 60s;`,
    ];
    // SigV4 signs the path and Host: both pass through unchanged (no URI on proxy_pass, Host as sent).
    const uploads = o.uploads
        ? [
            `location ^~ ${o.uploads.pathPrefix} {`,
            `    limit_except ${o.uploads.methods.join(" ")} { deny all; }`,
            `    limit_req zone=per_ip burst=${o.burst} nodelay;`,
            `    proxy_pass http://objectstore;`,
            `    proxy_http_version 1.1;`,
            `    proxy_set_header Connection "";`,
            `    proxy_set_header Host $http_host;`,
            `    proxy_request_buffering off;`,
            `    proxy_read_timeout 300s;`,
            `}`,
        ]
        : [];
    const health = [
        `location = /nginx-health {`,
        `    access_log off;`,
        `    allow 127.0.0.1;`,
        `    deny all;`,
        `    return 200 "ok\\n";`,
        `}`,
    ];
    const servers: string[] = [];
    if (o.domain) {
        servers.push(
            `server {`,
            `    listen ${o.httpPort} default_server;`,
            `    server_name _;`,
            ...health.map((l) => `    ${l}`),
            `    location /.well-known/acme-challenge/ {`,
            `        root ${o.acmeWebroot};`,
            `    }`,
            `    location / {`,
            `        return 301 https://${o.domain}$request_uri;`,
            `    }`,
            `}`,
            // Clients that do not ask for our name (scanners probing by IP) get no certificate and no answer.
            `server {`,
            `    listen ${o.httpsPort} ssl default_server;`,
            `    ssl_reject_handshake on;`,
            `}`,
            `server {`,
            ...(modern ? [`    listen ${o.httpsPort} ssl;`, `    http2 on;`] : [`    listen ${o.httpsPort} ssl http2;`]),
            `    server_name ${o.domain};`,
            `    ssl_certificate ${o.certificate};`,
            `    ssl_certificate_key ${o.certificateKey};`,
            `    ssl_protocols TLSv1.2 TLSv1.3;`,
            `    ssl_prefer_server_ciphers off;`,
            `    ssl_session_cache shared:TLS:10m;`,
            `    ssl_session_timeout 1d;`,
            `    ssl_session_tickets off;`,
            `    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;`,
            ...SECURITY_HEADERS.map((l) => `    ${l}`),
            ...uploads.map((l) => `    ${l}`),
            `    location / {`,
            ...proxy.map((l) => `        ${l}`),
            `    }`,
            `}`,
        );
    } else {
        servers.push(
            `server {`,
            `    listen ${o.httpPort} default_server;`,
            `    server_name _;`,
            ...SECURITY_HEADERS.map((l) => `    ${l}`),
            ...health.map((l) => `    ${l}`),
            ...uploads.map((l) => `    ${l}`),
            `    location / {`,
            ...proxy.map((l) => `        ${l}`),
            `    }`,
            `}`,
        );
    }

    const resolve = modern ? " resolve" : "";
    const lines = [
        `# Rendered by alicerce (components/docker/nginx.ts); do not edit on the host.`,
        `worker_processes auto;`,
        `pid ${o.runDir}/nginx.pid;`,
        `error_log /dev/stderr warn;`,
        `events {`,
        `    worker_connections 1024;`,
        `}`,
        `http {`,
        `    include /etc/nginx/mime.types;`,
        `    default_type application/octet-stream;`,
        `    client_body_temp_path ${o.runDir}/client_body;`,
        `    proxy_temp_path ${o.runDir}/proxy;`,
        `    fastcgi_temp_path ${o.runDir}/fastcgi;`,
        `    uwsgi_temp_path ${o.runDir}/uwsgi;`,
        `    scgi_temp_path ${o.runDir}/scgi;`,
        `    log_format main '$remote_addr - [$time_iso8601] "$request" $status $body_bytes_sent $request_time "$http_user_agent" $request_id';`,
        `    access_log /dev/stdout main;`,
        `    server_tokens off;`,
        `    sendfile on;`,
        `    keepalive_timeout 65s;`,
        `    client_max_body_size ${o.maxBodyMb}m;`,
        `    gzip on;`,
        `    gzip_vary on;`,
        `    gzip_proxied any;`,
        `    gzip_comp_level 5;`,
        `    gzip_min_length 1024;`,
        `    gzip_types text/plain text/css text/xml application/json application/javascript application/xml image/svg+xml;`,
        `    limit_req_zone $binary_remote_addr zone=per_ip:10m rate=${o.ratePerSecond}r/s;`,
        `    limit_req_status 429;`,
        ...(modern ? [`    resolver 127.0.0.11 valid=10s ipv6=off;`] : []),
        `    upstream app {`,
        `        least_conn;`,
        `        zone app 64k;`,
        ...o.upstreams.map((u) => `        server ${u} max_fails=3 fail_timeout=10s${resolve};`),
        `        keepalive 32;`,
        `    }`,
        ...(o.uploads
            ? [`    upstream objectstore {`, `        zone objectstore 64k;`, `        server ${o.uploads.upstream}${resolve};`, `        keepalive 8;`, `    }`]
            : []),
        ...servers.map((l) => `    ${l}`),
        `}`,
    ];
    return lines.join("\n") + "\n";
}
