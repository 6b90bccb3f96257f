import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { IMMUTABLE_CACHE, renderCaddyfile, renderEdgeDockerfile, REVALIDATE_CACHE } from "./caddy";
import { renderNginxConfig } from "./nginx";

/**
 * Several names, a wildcard and a static frontend on the single host's edge,
 * checked by Debian's caddy 2.6 for real. Debian's caddy has no DNS provider
 * modules (`caddy list-modules` lists no dns.providers.*), so the DNS-01 line
 * (`acme_dns cloudflare ...`, github.com/caddy-dns/cloudflare README) is checked
 * cannot be checked here (Caddy loads the module while adapting: "module not
 * registered"); everything else passes `caddy validate` without that line.
 */
const SITES = [
    { host: "app.example.com", service: "app" as const },
    { host: "api.example.com", service: "app" as const },
    { host: "*.clinics.example.com", service: "app" as const },
    { host: "example.com", service: "frontend" as const },
    { host: "www.example.com", service: "frontend" as const },
];

function caddyEnv(dir: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        HOME: dir,
        XDG_DATA_HOME: path.join(dir, "data"),
        XDG_CONFIG_HOME: path.join(dir, "config"),
        CLOUDFLARE_API_TOKEN: "test-token-not-real",
    };
}
function caddy(dir: string, args: string[], file: string) {
    return spawnSync("caddy", [...args, "--config", file, "--adapter", "caddyfile"], { env: caddyEnv(dir), encoding: "utf8", timeout: 30_000 });
}
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
function get(port: number, host: string, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: p, headers: { host }, timeout: 5000 }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("single host: several names, a wildcard, the frontend (real caddy and nginx)", function () {
    this.timeout(90_000);

    it("the config with five names, a wildcard and DNS-01 passes `caddy validate` but for the DNS module Debian lacks", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-hosts-"));
        try {
            const file = path.join(dir, "Caddyfile");
            const conf = renderCaddyfile({ domain: "app.example.com", sites: SITES, dnsChallenge: "cloudflare" });
            assert.match(conf, /acme_dns cloudflare \{env\.CLOUDFLARE_API_TOKEN\}/);
            assert.ok(!conf.includes("test-token"), "the token stays in the environment");
            assert.match(conf, /^app\.example\.com, api\.example\.com, \*\.clinics\.example\.com \{$/m);
            assert.match(conf, /^example\.com, www\.example\.com \{$/m);
            fs.writeFileSync(file, conf);
            // What this machine's caddy cannot check: the module itself (built into the edge image with xcaddy).
            // Caddy reads the provider's options while adapting, so only this one line is left unproven here.
            const withModule = caddy(dir, ["validate"], file);
            assert.notEqual(withModule.status, 0);
            assert.match(withModule.stderr, /module not registered: dns\.providers\.cloudflare/);
            fs.writeFileSync(file, conf.replace(/^\tacme_dns .*\n/m, ""));
            const ok = caddy(dir, ["validate"], file);
            assert.equal(ok.status, 0, ok.stderr);
            assert.match(ok.stdout + ok.stderr, /Valid configuration/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a wildcard without DNS-01 (ACME has no HTTP challenge for wildcards: https://letsencrypt.org/docs/challenge-types/)", () => {
        assert.throws(() => renderCaddyfile({ domain: "app.example.com", sites: [{ host: "*.clinics.example.com", service: "app" }] }), /needs dnsChallenge/);
    });

    it("routes by host for real: names to the app through nginx, the apex to the frontend with cache headers and the SPA fallback", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-hostsrun-"));
        const children: ChildProcess[] = [];
        const backend = http.createServer((req, res) => res.writeHead(200).end(`app:${req.headers.host}`));
        try {
            const [app, nginx, httpPort, httpsPort, health] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
            await new Promise<void>((r) => backend.listen(app, "127.0.0.1", r));
            const www = path.join(dir, "www");
            fs.mkdirSync(path.join(www, "assets"), { recursive: true });
            fs.writeFileSync(path.join(www, "index.html"), "<html>spa</html>");
            fs.writeFileSync(path.join(www, "assets", "app.1a2b.js"), "console.log(1)");
            const run = path.join(dir, "nginx");
            fs.mkdirSync(run);
            fs.writeFileSync(
                path.join(run, "nginx.conf"),
                renderNginxConfig({ upstreams: [`127.0.0.1:${app}`], behindTlsEdge: true, httpPort: nginx, runDir: run, maxBodyMb: 1, nginxVersion: "1.22" }),
            );
            const out = fs.openSync(path.join(run, "out"), "w");
            const t = spawnSync("nginx", ["-t", "-c", path.join(run, "nginx.conf")], { stdio: ["ignore", out, out] });
            assert.equal(t.status, 0, fs.readFileSync(path.join(run, "out"), "utf8"));
            children.push(spawn("nginx", ["-c", path.join(run, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", out, out] }));
            // HTTP sites (no certificate on loopback) with the same blocks the shipped config renders.
            const conf = renderCaddyfile({
                domain: "app.example.com",
                sites: SITES,
                upstream: `127.0.0.1:${nginx}`,
                httpPort,
                httpsPort,
                healthPort: health,
                frontendRoot: www,
                internalTls: true,
            })
                .replace(/^(\S.*) \{$/gm, (line, hosts: string) =>
                    hosts.includes(".") && !hosts.startsWith("http")
                        ? `${hosts
                              .split(", ")
                              .map((h) => `http://${h}`)
                              .join(", ")} {`
                        : line,
                )
                .replace(/^\ttls internal\n/gm, "");
            const file = path.join(dir, "Caddyfile");
            fs.writeFileSync(file, conf);
            children.push(spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], { env: caddyEnv(dir), stdio: "ignore" }));
            const end = Date.now() + 20_000;
            while (
                Date.now() < end &&
                !(await get(httpPort, "api.example.com", "/").then(
                    (r) => r.body.startsWith("app:"),
                    () => false,
                ))
            )
                await new Promise((r) => setTimeout(r, 100));

            assert.equal((await get(httpPort, "api.example.com", "/x")).body, "app:api.example.com");
            assert.equal((await get(httpPort, "acme.clinics.example.com", "/x")).body, "app:acme.clinics.example.com", "the tenant's name reaches the app");
            const route = await get(httpPort, "example.com", "/patients/42");
            assert.equal(route.status, 200);
            assert.equal(route.body, "<html>spa</html>");
            assert.equal(route.headers["cache-control"], REVALIDATE_CACHE);
            const asset = await get(httpPort, "www.example.com", "/assets/app.1a2b.js");
            assert.equal(asset.body, "console.log(1)");
            assert.equal(asset.headers["cache-control"], IMMUTABLE_CACHE);
            assert.equal((await get(httpPort, "example.com", "/assets/missing.js")).status, 404, "a missing asset is not index.html");
        } finally {
            for (const c of children) c.kill("SIGTERM");
            backend.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the edge Dockerfile builds caddy with the pinned Cloudflare module and copies the frontend", () => {
        const d = renderEdgeDockerfile({ runtimeImage: "caddy:2.11-alpine", builderImage: "caddy:2.11-builder-alpine", dnsModule: true, frontend: true });
        assert.match(d, /^RUN xcaddy build --with github\.com\/caddy-dns\/cloudflare@v\d+\.\d+\.\d+$/m);
        assert.match(d, /^COPY --from=builder \/usr\/bin\/caddy \/usr\/bin\/caddy$/m);
        assert.match(d, /^COPY --chown=0:0 \. \/srv\/frontend$/m);
    });
});
