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
    /**
     * Set when Caddy terminates TLS in front (the stack has a domain): nginx
     * publishes nothing, takes the client address from Caddy's
     * `X-Forwarded-For` (only from private addresses: the edge network) for
     * rate limiting and logs, and passes Caddy's `X-Forwarded-Proto` on.
     * @default false
     */
    readonly behindTlsEdge?: boolean;
    /**
     * Extra path routes ahead of the app's catch-all (for example uploads to an
     * object store through the public host name): each `pathPrefix` is sent
     * to its `upstream` with the original Host.
     */
    readonly extraLocations?: readonly NginxLocation[];
    /** Writable directory for the pid file and temp files (a tmpfs in the container). @default "/tmp/nginx" */
    readonly runDir?: string;
    /** Port nginx listens on for HTTP inside the container (non-root: above 1024). @default 8080 */
    readonly httpPort?: number;
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
     * reload. `1.22` (Debian 12, where the tests run `nginx -t`) lacks it:
     * names resolve once at start. Nothing else differs. @default "1.28"
     */
    readonly nginxVersion?: NginxVersion;
}

/** A path routed to another upstream than the app. */
export interface NginxLocation {
    /** Starts and ends with `/` (`/uploads/`). */
    readonly pathPrefix: string;
    /** `host:port` on a network nginx shares with it. */
    readonly upstream: string;
    /** Largest request body in MB on this path. @default the server's `maxBodyMb` */
    readonly maxBodyMb?: number;
    /** The only methods allowed on this path (`["PUT"]` for presigned uploads). @default every method */
    readonly methods?: readonly string[];
}

/** The options with defaults applied. */
export function withNginxDefaults(o: NginxConfigOptions): Required<NginxConfigOptions> {
    return {
        upstreams: o.upstreams,
        behindTlsEdge: o.behindTlsEdge ?? false,
        extraLocations: o.extraLocations ?? [],
        runDir: o.runDir ?? "/tmp/nginx",
        httpPort: o.httpPort ?? 8080,
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

/** Private IPv4 ranges Docker takes bridge subnets from: where Caddy's connections come from on the edge network. */
const DOCKER_PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** The upstream block's name for `host:port`: the host, in the characters nginx names allow. */
function upstreamName(upstream: string): string {
    return upstream.split(":")[0].replace(/[^a-z0-9]/g, "_");
}

/** Renders the complete `nginx.conf` (run with `nginx -c`). Throws on options nginx would reject later. */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const o = withNginxDefaults(options);
    if (o.upstreams.length === 0) throw new Error("nginx needs at least one upstream app server");
    for (const u of [...o.upstreams, ...o.extraLocations.map((l) => l.upstream)]) {
        if (!/^[a-z0-9.-]+:\d{1,5}$/.test(u)) throw new Error(`upstream "${u}" is not host:port`);
    }
    for (const l of o.extraLocations) {
        if (!/^\/([A-Za-z0-9._-]+\/)+$/.test(l.pathPrefix)) throw new Error(`location "${l.pathPrefix}" is not a path prefix like /uploads/`);
    }

    const modern = o.nginxVersion === "1.28";
    // Behind Caddy the scheme the client used is Caddy's to tell; nginx is reachable only on the edge network then.
    const proto = o.behindTlsEdge ? "$http_x_forwarded_proto" : "$scheme";
    const forwarded = [
        `proxy_http_version 1.1;`,
        // WebSockets: pass the client's Upgrade on; other requests keep the upstream connection alive (Connection "").
        `proxy_set_header Upgrade $http_upgrade;`,
        `proxy_set_header Connection $connection_upgrade;`,
        `proxy_set_header Host $host;`,
        `proxy_set_header X-Real-IP $remote_addr;`,
        `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
        `proxy_set_header X-Forwarded-Proto ${proto};`,
        `proxy_set_header X-Request-Id $request_id;`,
    ];
    const proxy = [
        `limit_req zone=per_ip burst=${o.burst} nodelay;`,
        `proxy_pass http://app;`,
        ...forwarded,
        // A replica being replaced refuses connections: retry the next one (never for non-idempotent requests).
        `proxy_next_upstream error timeout http_502 http_503;`,
        `proxy_next_upstream_tries 2;`,
        `proxy_connect_timeout 5s;`,
        // Also the idle limit of a WebSocket: a server that pings every 30 s keeps it open.
        `proxy_read_timeout 60s;`,
    ];
    const health = [`location = /nginx-health {`, `    access_log off;`, `    allow 127.0.0.1;`, `    deny all;`, `    return 200 "ok\\n";`, `}`];
    const extra = o.extraLocations.flatMap((l) => [
        `location ^~ ${l.pathPrefix} {`,
        ...(l.methods ? [`    limit_except ${l.methods.join(" ")} { deny all; }`] : []),
        `    limit_req zone=per_ip burst=${o.burst} nodelay;`,
        `    client_max_body_size ${l.maxBodyMb ?? o.maxBodyMb}m;`,
        `    proxy_pass http://${upstreamName(l.upstream)};`,
        // A presigned URL signs the host with its port: pass Host exactly as the client sent it ($host drops the port).
        ...forwarded.map((f) => `    ${f.replace("Host $host;", "Host $http_host;")}`),
        `    proxy_request_buffering off;`,
        `}`,
    ]);
    const realIp = o.behindTlsEdge ? [...DOCKER_PRIVATE_RANGES.map((r) => `set_real_ip_from ${r};`), `real_ip_header X-Forwarded-For;`] : [];
    const servers = [
        `server {`,
        `    listen ${o.httpPort} default_server;`,
        `    server_name _;`,
        ...realIp.map((l) => `    ${l}`),
        ...SECURITY_HEADERS.map((l) => `    ${l}`),
        ...health.map((l) => `    ${l}`),
        ...extra.map((l) => `    ${l}`),
        `    location / {`,
        ...proxy.map((l) => `        ${l}`),
        `    }`,
        `}`,
    ];

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
        `    map $http_upgrade $connection_upgrade {`,
        `        default upgrade;`,
        `        "" "";`,
        `    }`,
        ...(modern ? [`    resolver 127.0.0.11 valid=10s ipv6=off;`] : []),
        `    upstream app {`,
        `        least_conn;`,
        `        zone app 64k;`,
        ...o.upstreams.map((u) => `        server ${u} max_fails=3 fail_timeout=10s${resolve};`),
        `        keepalive 32;`,
        `    }`,
        // One upstream block per other service, so its address is re-resolved like the app's (a replaced container gets a new IP).
        ...[...new Set(o.extraLocations.map((l) => l.upstream))].flatMap((u) => [
            `    upstream ${upstreamName(u)} {`,
            `        zone ${upstreamName(u)} 64k;`,
            `        server ${u}${resolve};`,
            `        keepalive 8;`,
            `    }`,
        ]),
        ...servers.map((l) => `    ${l}`),
        `}`,
    ];
    return lines.join("\n") + "\n";
}
