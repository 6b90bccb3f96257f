import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { WebSocket, WebSocketServer } from "ws";
import { HSTS, renderCaddyfile } from "./caddy";
import { renderNginxConfig } from "./nginx";
import { CADDY_CAPABILITIES } from "./tls-edge";

/**
 * The edge for real, on loopback only: Debian's Caddy (2.6) and nginx (1.22)
 * running the rendered configs in front of a tiny HTTP + WebSocket server.
 * Caddy uses `tls internal` here (no public CA can reach a test), everything
 * else is the shipped config. The shipped Caddyfile is checked with
 * `caddy validate` on an empty data directory: a host with no certificate yet.
 */
const DOMAIN = "app.example.com";

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

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
}

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}
function request(url: string, options: https.RequestOptions & { body?: Buffer } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const lib = url.startsWith("https:") ? https : http;
        const req = lib.request(url, { ...options, timeout: 5000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.end(options.body);
    });
}

function caddyEnv(dir: string): NodeJS.ProcessEnv {
    return { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };
}

describe("TLS edge (Caddy) and nginx, real servers on loopback", function () {
    this.timeout(90_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-edge-"));
    const children: ChildProcess[] = [];
    let backend: http.Server;
    let wss: WebSocketServer;
    const seen: http.IncomingHttpHeaders[] = [];
    const ports = { app: 0, nginx: 0, http: 0, https: 0, health: 0 };

    before(async () => {
        for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
        backend = http.createServer((req, res) => {
            seen.push(req.headers);
            if (req.url === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
            if (req.url === "/big") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: "x".repeat(20_000) }));
            req.resume();
            req.on("end", () => res.writeHead(200).end("ok"));
        });
        wss = new WebSocketServer({ server: backend });
        wss.on("connection", (ws) => ws.on("message", (m) => ws.send(`echo:${m}`)));
        await new Promise<void>((r) => backend.listen(ports.app, "127.0.0.1", r));

        // nginx: the rendered config, with the replica names mapped to loopback in a private mount namespace.
        const run = path.join(dir, "nginx");
        fs.mkdirSync(run);
        const conf = path.join(run, "nginx.conf");
        fs.writeFileSync(
            conf,
            renderNginxConfig({
                upstreams: [`app-1:${ports.app}`, `app-2:${ports.app}`],
                behindTlsEdge: true,
                httpPort: ports.nginx,
                runDir: run,
                maxBodyMb: 1,
                nginxVersion: "1.22",
            }),
        );
        fs.writeFileSync(path.join(run, "hosts"), "127.0.0.1 localhost app-1 app-2\n");
        const nginxLog = fs.openSync(path.join(run, "out"), "w");
        children.push(
            spawn(
                "unshare",
                ["--mount", "sh", "-c", `mount --bind "$1" /etc/hosts && exec nginx -c "$2" -g 'daemon off;'`, "sh", path.join(run, "hosts"), conf],
                { stdio: ["ignore", nginxLog, nginxLog] },
            ),
        );

        const caddyfile = path.join(dir, "Caddyfile");
        fs.writeFileSync(
            caddyfile,
            renderCaddyfile({
                domain: DOMAIN,
                upstream: `127.0.0.1:${ports.nginx}`,
                httpPort: ports.http,
                httpsPort: ports.https,
                healthPort: ports.health,
                internalTls: true,
            }),
        );
        const caddyLog = fs.openSync(path.join(dir, "caddy.log"), "w");
        children.push(spawn("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env: caddyEnv(dir), stdio: ["ignore", caddyLog, caddyLog] }));

        await waitFor(async () => (await request(`http://127.0.0.1:${ports.nginx}/nginx-health`)).status === 200, "nginx");
        await waitFor(async () => (await request(`http://127.0.0.1:${ports.health}/caddy-health`)).status === 200, "caddy health");
        await waitFor(async () => fs.existsSync(rootCertPath()), "caddy's local CA");
        await waitFor(async () => (await tls("/healthz")).status === 200, "HTTPS through caddy");
    });

    after(async () => {
        for (const c of children)
            if (c.pid)
                try {
                    process.kill(c.pid, "SIGTERM");
                } catch {
                    /* gone */
                }
        await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : undefined)));
        wss?.close();
        await new Promise((r) => (backend ? backend.close(r) : r(undefined)));
        if (!process.env.KEEP_EDGE_LOGS) fs.rmSync(dir, { recursive: true, force: true });
    });

    const rootCertPath = () => path.join(dir, "data", "caddy", "pki", "authorities", "local", "root.crt");
    const tls = (p: string, extra: https.RequestOptions & { body?: Buffer } = {}) =>
        request(`https://127.0.0.1:${ports.https}${p}`, {
            servername: DOMAIN,
            headers: { host: DOMAIN, ...(extra.headers ?? {}) },
            ca: fs.readFileSync(rootCertPath()),
            ...extra,
        });

    it("serves the app over HTTPS for the domain, with HSTS and nginx's security headers; /healthz reaches the app", async () => {
        const r = await tls("/healthz");
        assert.equal(r.status, 200);
        assert.deepEqual(JSON.parse(r.body.toString()), { status: "ok" });
        assert.equal(r.headers["strict-transport-security"], HSTS);
        assert.equal(r.headers["x-content-type-options"], "nosniff");
        assert.equal(r.headers["x-frame-options"], "DENY");
    });

    it("redirects HTTP to HTTPS on the standard port", async () => {
        const r = await request(`http://127.0.0.1:${ports.http}/some/path?q=1`, { headers: { host: DOMAIN } });
        assert.equal(r.status, 308);
        assert.equal(r.headers.location, `https://${DOMAIN}/some/path?q=1`);
    });

    it("tells the app the client's scheme and address (Caddy replaces a forged X-Forwarded-For)", async () => {
        seen.length = 0;
        await tls("/healthz", { headers: { host: DOMAIN, "x-forwarded-for": "203.0.113.66" } });
        const h = seen.at(-1)!;
        assert.equal(h["x-forwarded-proto"], "https");
        assert.equal(h["x-real-ip"], "127.0.0.1");
        assert.ok(!String(h["x-forwarded-for"]).includes("203.0.113.66"), String(h["x-forwarded-for"]));
    });

    it("compresses and enforces the body limit", async () => {
        const big = await tls("/big", { headers: { host: DOMAIN, "accept-encoding": "gzip" } });
        assert.equal(big.headers["content-encoding"], "gzip");
        assert.equal(JSON.parse(zlib.gunzipSync(big.body).toString()).data.length, 20_000);
        const tooLarge = await tls("/upload", {
            method: "POST",
            body: Buffer.alloc(2 * 1024 * 1024),
            headers: { host: DOMAIN, "content-type": "application/octet-stream" },
        });
        assert.equal(tooLarge.status, 413);
    });

    for (const [via, url] of [
        ["nginx alone (a stack without a domain)", () => `ws://127.0.0.1:${ports.nginx}/ws`],
        ["Caddy and nginx (a stack with a domain), over TLS", () => `wss://127.0.0.1:${ports.https}/ws`],
    ] as const) {
        it(`carries a WebSocket through ${via}`, async () => {
            const ws = new WebSocket(url(), {
                servername: DOMAIN,
                headers: { host: DOMAIN },
                ca: fs.readFileSync(rootCertPath()),
                handshakeTimeout: 5000,
            } as https.RequestOptions);
            const reply = await new Promise<string>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error("no echo within 5 s")), 5000);
                ws.once("open", () => ws.send("hello"));
                ws.once("message", (m) => {
                    clearTimeout(timer);
                    resolve(String(m));
                });
                ws.once("error", (e) => {
                    clearTimeout(timer);
                    reject(e);
                });
                ws.once("unexpected-response", (_req, res) => {
                    clearTimeout(timer);
                    reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
                });
            });
            ws.close();
            assert.equal(reply, "echo:hello");
        });
    }
});

describe("Caddyfile", function () {
    this.timeout(60_000);

    it("the shipped config passes `caddy validate` on a host with no certificate yet", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-caddy-"));
        try {
            const file = path.join(dir, "Caddyfile");
            fs.writeFileSync(file, renderCaddyfile({ domain: DOMAIN }));
            const ok = spawnSync("caddy", ["validate", "--config", file, "--adapter", "caddyfile"], { env: caddyEnv(dir), encoding: "utf8", timeout: 30_000 });
            assert.equal(ok.error, undefined, `caddy is needed: apt-get install caddy (${ok.error})`);
            assert.equal(ok.status, 0, ok.stderr);
            assert.match(ok.stdout + ok.stderr, /Valid configuration/);
            assert.match(ok.stderr, /enabling automatic HTTP->HTTPS redirects/);
            assert.ok(!fs.existsSync(path.join(dir, "data", "caddy", "certificates")), "validate must not need or fetch a certificate");
            // And the check can fail.
            fs.writeFileSync(file, renderCaddyfile({ domain: DOMAIN }).replace("reverse_proxy", "reverse_prxy"));
            const bad = spawnSync("caddy", ["validate", "--config", file, "--adapter", "caddyfile"], { env: caddyEnv(dir), encoding: "utf8", timeout: 30_000 });
            assert.notEqual(bad.status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("uses ACME (no internal CA, no admin API) and keeps HTTP/3 off (UDP 443 is not published)", () => {
        const conf = renderCaddyfile({ domain: DOMAIN });
        assert.ok(!conf.includes("tls internal"));
        assert.ok(!conf.includes("skip_install_trust"));
        assert.match(conf, /admin off/);
        assert.match(conf, /protocols h1 h2\n/);
        assert.match(conf, /reverse_proxy nginx:8080/);
    });

    it("refuses host names and upstreams Caddy would misread", () => {
        assert.throws(() => renderCaddyfile({ domain: "app.example.com {\n}" }), /not a public host name/);
        assert.throws(() => renderCaddyfile({ domain: "localhost" }), /not a public host name/);
        assert.throws(() => renderCaddyfile({ domain: DOMAIN, upstream: "nginx" }), /not host:port/);
    });

    // The official image's /usr/bin/caddy carries `cap_net_bind_service=+ep`; execve of such a file fails with EPERM
    // when the capability is not in the bounding set (capabilities(7), "Safety checking for capability-dumb binaries";
    // caddyserver/caddy-docker#396). Reproduced here with a copy of Debian's caddy marked the same way.
    it("keeps the one capability the image's caddy binary needs to start at all", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-caddycap-"));
        try {
            const bin = path.join(dir, "caddy");
            fs.copyFileSync("/usr/bin/caddy", bin);
            fs.chmodSync(bin, 0o755);
            const cap = spawnSync("setcap", ["cap_net_bind_service=+ep", bin], { encoding: "utf8" });
            assert.equal(cap.status, 0, `setcap (libcap2-bin) is needed, as root: ${cap.stderr}${cap.error ?? ""}`);
            const run = (bounding: string) =>
                spawnSync("setpriv", ["--reuid=10001", "--regid=10001", "--clear-groups", "--no-new-privs", `--bounding-set=${bounding}`, bin, "version"], {
                    encoding: "utf8",
                    timeout: 10_000,
                });
            assert.notEqual(run("-all").status, 0, "cap_drop ALL alone: the binary cannot start");
            const kept = run(["-all", ...CADDY_CAPABILITIES.map((c) => `+${c.toLowerCase()}`)].join(","));
            assert.equal(kept.status, 0, kept.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
