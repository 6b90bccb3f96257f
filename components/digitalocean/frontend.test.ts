/**
 * The droplets' host-routing proxy for the static frontend on DigitalOcean, with the real nginx (Debian's 1.22;
 * the droplets run nginx:1.28-alpine) on loopback: the rendered server blocks pass `nginx -t`, frontend names go to
 * a TLS origin standing in for the Spaces CDN (its certificate checked against the CA we give, as the droplet
 * checks the CDN's against Alpine's bundle) with the SPA fallback, every other name and the load balancer's
 * health check by address go to the app. Why a proxy at all: Spaces + the Spaces CDN have no index/error
 * document for CDN endpoints ("Bucket Websites ... CDN is not supported for bucket websites",
 * https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/), and a CDN custom domain is a
 * subdomain, never the apex (https://docs.digitalocean.com/products/spaces/how-to/customize-cdn-endpoint/).
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { APP_BEHIND_PROXY_PORT, renderFrontendProxyConf, renderFrontendProxyUserData } from "./frontend";
import { DROPLET_PORT } from "./sizing";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

function request(port: number, host: string, pathName: string, method = "GET"): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: "127.0.0.1", port, path: pathName, method, headers: { Host: host, Cookie: "session=browser-cookie", "X-Forwarded-Proto": "https" } },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
            },
        );
        req.on("error", reject);
        req.setTimeout(5_000, () => req.destroy(new Error("timeout")));
        req.end();
    });
}

const MAIN = (dir: string, include: string) =>
    [
        "worker_processes 1;",
        `pid ${dir}/nginx.pid;`,
        "error_log stderr warn;",
        "events { worker_connections 64; }",
        "http {",
        "    access_log off;",
        `    client_body_temp_path ${dir}/body;`,
        `    proxy_temp_path ${dir}/proxy;`,
        `    include ${include};`,
        "}",
        "",
    ].join("\n");

describe("DigitalOcean frontend: the droplets' host-routing proxy (real nginx, loopback)", function () {
    this.timeout(90_000);

    it("refuses what nginx would misread: no frontend host, a bad name, an origin with a path", () => {
        const base = { origin: "https://b.nyc3.cdn.digitaloceanspaces.com", originHost: "b.nyc3.cdn.digitaloceanspaces.com", app: "127.0.0.1:8081" };
        assert.throws(() => renderFrontendProxyConf({ ...base, frontendHosts: [] }), /no frontend host/);
        assert.throws(() => renderFrontendProxyConf({ ...base, frontendHosts: ["Example.com;"] }), /"Example\.com;" is not a host name/);
        assert.throws(() => renderFrontendProxyConf({ ...base, origin: "https://b.example.com/x", frontendHosts: ["example.com"] }), /is not scheme:\/\/host/);
    });

    it("the droplet's lines: nginx on port 80 (the balancer's target), the app behind it, the unit confined", () => {
        const conf = renderFrontendProxyConf({
            frontendHosts: ["example.com", "www.example.com"],
            origin: "https://b.nyc3.cdn.digitaloceanspaces.com",
            originHost: "b.nyc3.cdn.digitaloceanspaces.com",
            app: `127.0.0.1:${APP_BEHIND_PROXY_PORT}`,
        });
        assert.match(conf, new RegExp(`listen ${DROPLET_PORT} default_server;`));
        assert.match(conf, /server_name example\.com www\.example\.com;/);
        const lines = renderFrontendProxyUserData(conf).join("\n");
        assert.match(lines, /--network host/);
        assert.match(lines, /--read-only/);
        assert.match(lines, /--cap-drop ALL/);
        assert.match(lines, /nginx:1\.28-alpine/);
        assert.match(lines, /systemctl enable --now alicerce-edge\.service/);
    });

    it("routes by host for real: the frontend from the TLS origin with the SPA fallback and its cache headers, the rest to the app", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-do-edge-"));
        const children: ChildProcess[] = [];
        const seen: { url: string; host?: string; cookie?: string }[] = [];
        // A self-signed certificate for the origin's name, trusted through proxy_ssl_trusted_certificate.
        const key = path.join(dir, "origin.key");
        const crt = path.join(dir, "origin.crt");
        const gen = spawnSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key,
                "-out",
                crt,
                "-days",
                "1",
                "-subj",
                "/CN=bucket.nyc3.cdn.digitaloceanspaces.com",
                "-addext",
                "subjectAltName=DNS:bucket.nyc3.cdn.digitaloceanspaces.com",
            ],
            { encoding: "utf8", timeout: 30_000 },
        );
        assert.equal(gen.status, 0, gen.stderr);
        const files: Record<string, { body: string; cache: string }> = {
            "/index.html": { body: "<html>spa</html>", cache: "no-cache" },
            "/assets/app.1a2b.js": { body: "console.log(1)", cache: "public, max-age=31536000, immutable" },
        };
        // The Spaces CDN's answers: an object with its stored Cache-Control, or 404 NoSuchKey (403 for an anonymous miss on a private listing).
        const origin = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(crt) }, (req, res) => {
            seen.push({ url: req.url ?? "", host: req.headers.host, cookie: req.headers.cookie });
            const f = files[req.url ?? ""];
            if (f) res.writeHead(200, { "Cache-Control": f.cache, "Content-Type": "text/plain", "x-amz-request-id": "tx1" }).end(f.body);
            else res.writeHead(404, { "Content-Type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
        });
        const app = http.createServer((req, res) => res.writeHead(200).end(`app:${req.headers.host}:${req.url}:${req.headers["x-forwarded-proto"]}`));
        // A WebSocket handshake reaches the app only when the proxy passes Upgrade and Connection on (https://nginx.org/en/docs/http/websocket.html).
        app.on("upgrade", (req, socket) => socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`));
        try {
            const [originPort, appPort, nginxPort] = await Promise.all([freePort(), freePort(), freePort()]);
            await new Promise<void>((r) => origin.listen(originPort, "127.0.0.1", r));
            await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", r));
            const conf = renderFrontendProxyConf({
                frontendHosts: ["example.com", "www.example.com"],
                origin: `https://127.0.0.1:${originPort}`,
                originHost: "bucket.nyc3.cdn.digitaloceanspaces.com",
                app: `127.0.0.1:${appPort}`,
                resolver: "127.0.0.1",
                listen: nginxPort,
                trustedCertificate: crt,
            });
            fs.writeFileSync(path.join(dir, "default.conf"), conf);
            fs.writeFileSync(path.join(dir, "nginx.conf"), MAIN(dir, path.join(dir, "default.conf")));
            const t = spawnSync("nginx", ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], { encoding: "utf8", timeout: 30_000 });
            assert.equal(t.status, 0, t.stderr);
            const out = fs.openSync(path.join(dir, "out"), "w");
            children.push(spawn("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", out, out] }));
            const end = Date.now() + 20_000;
            while (
                Date.now() < end &&
                !(await request(nginxPort, "api.example.com", "/").then(
                    (r) => r.status === 200,
                    () => false,
                ))
            ) {
                await new Promise((r) => setTimeout(r, 200));
            }

            const route = await request(nginxPort, "example.com", "/clinics/42/agenda");
            assert.equal(route.status, 200, fs.readFileSync(path.join(dir, "out"), "utf8"));
            assert.equal(route.body, "<html>spa</html>", "a client-side route gets index.html");
            assert.equal(route.headers["cache-control"], "no-cache");
            assert.equal(route.headers["x-amz-request-id"], undefined, "origin headers are not passed on");
            const root = await request(nginxPort, "www.example.com", "/");
            assert.equal(root.body, "<html>spa</html>");
            const asset = await request(nginxPort, "example.com", "/assets/app.1a2b.js");
            assert.equal(asset.body, "console.log(1)");
            assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
            const missing = await request(nginxPort, "example.com", "/assets/gone.3c4d.js");
            assert.equal(missing.status, 404, "a missing file stays a 404, never index.html");
            const post = await request(nginxPort, "example.com", "/anything", "POST");
            assert.equal(post.status, 403, "the frontend is read-only");
            assert.ok(
                seen.every((s) => s.host === "bucket.nyc3.cdn.digitaloceanspaces.com" && s.cookie === undefined),
                JSON.stringify(seen),
            );
            assert.deepEqual(
                seen.map((s) => s.url),
                ["/index.html", "/index.html", "/assets/app.1a2b.js", "/assets/gone.3c4d.js"],
            );

            const api = await request(nginxPort, "api.example.com", "/health/ready");
            assert.equal(api.body, "app:api.example.com:/health/ready:https");
            const byAddress = await request(nginxPort, "10.10.0.5", "/health/ready");
            assert.equal(byAddress.body, "app:10.10.0.5:/health/ready:https", "the balancer's health check by address reaches the app");
            const tenant = await request(nginxPort, "north.clinics.example.com", "/x");
            assert.match(tenant.body, /^app:north\.clinics\.example\.com/);
            const upgraded = await new Promise<string>((resolve, reject) => {
                const req = http.request({
                    host: "127.0.0.1",
                    port: nginxPort,
                    path: "/socket",
                    headers: { Host: "api.example.com", Upgrade: "websocket", Connection: "Upgrade" },
                });
                req.on("upgrade", (res, socket) => {
                    socket.destroy();
                    resolve(`${res.statusCode} ${res.headers.upgrade}`);
                });
                req.on("response", (res) => resolve(`${res.statusCode}`));
                req.on("error", reject);
                req.end();
            });
            assert.equal(upgraded, "101 websocket", "a WebSocket handshake reaches the app");
        } finally {
            for (const c of children) c.kill("SIGTERM");
            await new Promise((r) => setTimeout(r, 300));
            origin.close();
            app.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
