import { createHash } from "crypto";
import * as fs from "fs";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { frontendFiles } from "../aws/cdn";
import { IMAGES } from "../docker/images";
import { shellQuote } from "../shared/userdata";
import { DROPLET_PORT } from "./sizing";

/**
 * The static frontend on DigitalOcean. Spaces + the Spaces CDN cannot serve
 * an SPA on their own: the CDN serves a bucket's objects by key and has no
 * index or error document (Spaces "bucket websites" exist only at
 * `<bucket>.<region>-static.digitaloceanspaces.com`, and "CDN is not
 * supported for bucket websites": DigitalOcean docs, Spaces S3
 * Compatibility; terraform-provider-digitalocean has no website resource
 * either), and a CDN custom domain is a subdomain with a CNAME, never the
 * apex (DigitalOcean docs, "How to Customize the Spaces CDN Endpoint with a
 * Subdomain"). So the files live in a Spaces bucket behind the Spaces CDN,
 * and the frontend's names go to the load balancer like the app's: on each
 * app droplet a small nginx routes by host name, sending frontend names to
 * the CDN with the SPA fallback (a path whose last segment has no dot gets
 * `/index.html`, as the AWS CloudFront Function does) and every other name
 * to the app.
 */

/** The port the app is published on behind the droplet's proxy (the firewall opens only {@link DROPLET_PORT}, to the load balancer). */
export const APP_BEHIND_PROXY_PORT = 8081;

/** The proxy's image: nginx stable on Alpine, as on the single host. */
export const FRONTEND_PROXY_IMAGE = IMAGES.nginx;

/** Where the droplet keeps the proxy's config (root only). */
export const FRONTEND_PROXY_CONF = "/etc/alicerce/edge/default.conf";

/** What {@link renderFrontendProxyConf} needs. */
export interface FrontendProxyOptions {
    /** The names the frontend answers (`example.com`, `*.clinics.example.com`). */
    readonly frontendHosts: readonly string[];
    /** The origin the files come from, `https://<bucket>.<region>.cdn.digitaloceanspaces.com` (a test gives a loopback origin). */
    readonly origin: string;
    /** The TLS name (SNI, certificate check and Host header) of the origin. */
    readonly originHost: string;
    /** The app, as nginx reaches it: `127.0.0.1:8081`. */
    readonly app: string;
    /** The DNS resolver that re-resolves the origin (the droplet's systemd-resolved stub). @default "127.0.0.53" */
    readonly resolver?: string;
    /** The port nginx listens on. @default 80 ({@link DROPLET_PORT}) */
    readonly listen?: number;
    /** CA bundle the origin's certificate is checked against. @default Alpine's /etc/ssl/certs/ca-certificates.crt */
    readonly trustedCertificate?: string;
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The droplet proxy's nginx server blocks (conf.d/default.conf). Pure:
 * checked with the real `nginx -t` and run on loopback in its test.
 */
export function renderFrontendProxyConf(o: FrontendProxyOptions): string {
    const problems: string[] = [];
    if (o.frontendHosts.length === 0) problems.push("no frontend host");
    for (const h of o.frontendHosts) if (!HOST.test(h)) problems.push(`"${h}" is not a host name`);
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(o.origin)) problems.push(`origin "${o.origin}" is not scheme://host[:port]`);
    if (!HOST.test(o.originHost) || o.originHost.startsWith("*.")) problems.push(`originHost "${o.originHost}" is not a host name`);
    if (!/^[A-Za-z0-9.-]+:\d+$/.test(o.app)) problems.push(`app "${o.app}" is not host:port`);
    if (problems.length > 0) throw new Error(`frontend proxy: ${problems.join("; ")}`);
    const listen = o.listen ?? DROPLET_PORT;
    const origin = [
        "        proxy_pass $frontend_origin;",
        `        proxy_set_header Host ${o.originHost};`,
        // The browser's cookies and credentials are the app's business, not the bucket's.
        '        proxy_set_header Cookie "";',
        '        proxy_set_header Authorization "";',
        "        proxy_ssl_server_name on;",
        `        proxy_ssl_name ${o.originHost};`,
        "        proxy_ssl_verify on;",
        `        proxy_ssl_trusted_certificate ${o.trustedCertificate ?? "/etc/ssl/certs/ca-certificates.crt"};`,
        "        proxy_ssl_verify_depth 3;",
        // The objects carry Cache-Control (hashed assets immutable, the rest no-cache); nothing here overrides it.
        "        proxy_hide_header x-amz-request-id;",
        "        proxy_hide_header x-amz-id-2;",
        "        proxy_hide_header x-rgw-object-type;",
        "        proxy_hide_header Set-Cookie;",
        "        limit_except GET { deny all; }",
    ];
    return [
        "# Rendered by alicerce (components/digitalocean/frontend.ts): host routing on an app droplet.",
        // A variable in proxy_pass makes nginx resolve the CDN's name at run time, within the record's TTL (cap 300 s).
        `resolver ${o.resolver ?? "127.0.0.53"} valid=300s ipv6=off;`,
        "",
        // WebSockets: nginx drops the hop-by-hop Upgrade and Connection headers unless passed on (https://nginx.org/en/docs/http/websocket.html).
        "map $http_upgrade $connection_upgrade {",
        "    default upgrade;",
        "    '' '';",
        "}",
        "",
        "# Every name that is not the frontend's (the app's names, the load balancer's health checks by address).",
        "server {",
        `    listen ${listen} default_server;`,
        "    server_name _;",
        "    client_max_body_size 0;",
        "    location / {",
        `        proxy_pass http://${o.app};`,
        "        proxy_http_version 1.1;",
        "        proxy_set_header Upgrade $http_upgrade;",
        "        proxy_set_header Connection $connection_upgrade;",
        "        proxy_set_header Host $host;",
        // The load balancer sets these; the app reads the client's address and scheme from them.
        "        proxy_set_header X-Forwarded-For $http_x_forwarded_for;",
        "        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;",
        "        proxy_buffering off;",
        "        proxy_request_buffering off;",
        "        proxy_read_timeout 60s;",
        "    }",
        "}",
        "",
        "# The static frontend, from the Spaces CDN.",
        "server {",
        `    listen ${listen};`,
        `    server_name ${o.frontendHosts.join(" ")};`,
        // Set at server level: `rewrite ... break` below ends the rewrite module's directives, `set` included.
        `    set $frontend_origin ${o.origin};`,
        "    # Files: a last path segment with a dot.",
        "    location ~ \\.[^/]*$ {",
        ...origin,
        "    }",
        "    # Client-side routes: everything else is the SPA's index.html.",
        "    location / {",
        "        rewrite ^ /index.html break;",
        ...origin,
        "    }",
        "}",
        "",
    ].join("\n");
}

/**
 * The user-data lines that run the proxy on a droplet: its config, and a
 * systemd unit running nginx on the host network with every capability
 * dropped but binding port 80 and switching to its worker user. Appended
 * after the app's own lines.
 */
export function renderFrontendProxyUserData(conf: string): string[] {
    const run = [
        "/usr/bin/docker run --rm",
        "--name alicerce-edge",
        "--network host",
        "--read-only",
        "--tmpfs /var/cache/nginx:rw,noexec,nosuid,size=64m",
        "--tmpfs /var/run:rw,noexec,nosuid,size=1m",
        "--tmpfs /tmp:rw,noexec,nosuid,size=16m",
        "--cap-drop ALL",
        "--cap-add NET_BIND_SERVICE --cap-add SETUID --cap-add SETGID --cap-add CHOWN",
        "--security-opt no-new-privileges",
        "--env NGINX_ENTRYPOINT_QUIET_LOGS=1",
        `--volume ${FRONTEND_PROXY_CONF}:/etc/nginx/conf.d/default.conf:ro`,
        "--log-driver json-file --log-opt max-size=10m --log-opt max-file=5",
        FRONTEND_PROXY_IMAGE,
    ];
    const unit = [
        "[Unit]",
        "Description=alicerce-edge: host routing (frontend from the Spaces CDN, the rest to the app)",
        "After=docker.service network-online.target",
        "Requires=docker.service",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Restart=always",
        "RestartSec=5",
        "TimeoutStartSec=300",
        "ExecStartPre=-/usr/bin/docker rm --force alicerce-edge",
        `ExecStart=${run.join(" \\\n    ")}`,
        "ExecStop=/usr/bin/docker stop --time 10 alicerce-edge",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ];
    return [
        "",
        "# Host routing: the frontend's names to the Spaces CDN (SPA fallback), the rest to the app",
        `install -d -m 0700 ${shellQuote(FRONTEND_PROXY_CONF.replace(/\/[^/]+$/, ""))}`,
        `cat > ${shellQuote(FRONTEND_PROXY_CONF)} <<'ALICERCE_EDGE'`,
        conf.trimEnd(),
        "ALICERCE_EDGE",
        `chmod 0644 ${shellQuote(FRONTEND_PROXY_CONF)}`,
        "cat > /etc/systemd/system/alicerce-edge.service <<'ALICERCE_EDGE'",
        ...unit,
        "ALICERCE_EDGE",
        "systemctl daemon-reload",
        "systemctl enable --now alicerce-edge.service",
        "",
    ];
}

/** Arguments of {@link Frontend}. */
export interface FrontendArgs {
    readonly region: string;
    /** The built SPA's directory (absolute); every file becomes an object. */
    readonly dir: string;
    /** Spaces CDN edge cache lifetime in seconds. @default 3600 */
    readonly ttl?: number;
}

/**
 * The frontend's files in their own Spaces bucket behind the Spaces CDN.
 * The bucket is private (no listing); each object is public-read, because
 * the CDN serves only public objects anonymously (presigned URLs aside:
 * DigitalOcean docs, "How to Enable the Spaces CDN") and a build is public
 * by nature. Each object carries its Cache-Control: hashed `assets/` a year
 * and immutable, everything else `no-cache` (revalidated at every visit).
 */
export class Frontend extends pulumi.ComponentResource {
    /** The bucket's name. */
    public readonly bucket: pulumi.Output<string>;
    public readonly bucketUrn: pulumi.Output<string>;
    /** `<bucket>.<region>.cdn.digitaloceanspaces.com`. */
    public readonly cdnEndpoint: pulumi.Output<string>;

    constructor(name: string, args: FrontendArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Frontend", name, {}, opts);
        // Build output only: recreated by the next `up`, so not protected and emptied on destroy.
        const bucket = new digitalocean.SpacesBucket(`${name}-bucket`, { region: args.region, acl: "private", forceDestroy: true }, { parent: this });
        for (const f of frontendFiles(args.dir)) {
            new digitalocean.SpacesBucketObject(
                `${name}-file-${f.key.replace(/[^A-Za-z0-9.-]/g, "-")}`,
                {
                    region: args.region,
                    bucket: bucket.name,
                    key: f.key,
                    source: f.source,
                    // `source` is a path: without the file's MD5 as etag a changed file with the same name is not uploaded again
                    // (terraform-provider-digitalocean docs/resources/spaces_bucket_object.md, etag).
                    etag: createHash("md5").update(fs.readFileSync(f.source)).digest("hex"),
                    contentType: f.contentType,
                    cacheControl: f.cacheControl,
                    acl: "public-read",
                },
                { parent: this },
            );
        }
        const cdn = new digitalocean.Cdn(`${name}-cdn`, { origin: bucket.bucketDomainName, ttl: args.ttl ?? 3600 }, { parent: this });
        this.bucket = bucket.name;
        this.bucketUrn = bucket.bucketUrn;
        this.cdnEndpoint = cdn.endpoint;
        this.registerOutputs({ bucket: this.bucket, bucketUrn: this.bucketUrn, cdnEndpoint: this.cdnEndpoint });
    }
}
