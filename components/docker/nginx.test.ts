import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NginxConfigOptions, renderNginxConfig } from "./nginx";

const UPSTREAMS = ["app-1:8080", "app-2:8080", "app-3:8080"];

/**
 * Runs Debian's `nginx -t` on a rendered config. nginx resolves upstream
 * names while loading, and app-1.. exist only on the Docker network: the
 * check runs in a private mount namespace (unshare) whose /etc/hosts maps
 * them to 127.0.0.1, so the config under test is the real one, names and
 * all, and the machine's /etc/hosts is never touched.
 */
function nginxTest(options: Omit<NginxConfigOptions, "runDir" | "nginxVersion">): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-nginx-"));
    try {
        const run = path.join(dir, "run");
        fs.mkdirSync(run);
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, renderNginxConfig({ ...options, runDir: run, nginxVersion: "1.22" }));
        const names = [...options.upstreams, ...(options.extraLocations ?? []).map((l) => l.upstream)].map((u) => u.split(":")[0]);
        const hosts = path.join(dir, "hosts");
        fs.writeFileSync(hosts, `127.0.0.1 localhost ${names.join(" ")}\n`);
        const out = path.join(dir, "out");
        // Output to a file: the config logs to /dev/stderr, which cannot be opened when it is a socket (node's pipes).
        const r = spawnSync("unshare", ["--mount", "sh", "-c", `mount --bind "$1" /etc/hosts && exec nginx -t -c "$2" >"$3" 2>&1`, "sh", hosts, conf, out], {
            encoding: "utf8",
            timeout: 30_000,
        });
        assert.equal(r.error, undefined, `could not run nginx -t: ${r.error}`);
        return { status: r.status, output: r.stderr + (fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("nginx config", () => {
    describe("passes Debian's nginx -t", function () {
        this.timeout(60_000);
        it("publishing HTTP itself (no domain)", () => {
            const r = nginxTest({ upstreams: UPSTREAMS });
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, /test is successful/);
        });
        it("behind the TLS edge (a domain), with an extra route to another upstream", () => {
            const r = nginxTest({
                upstreams: UPSTREAMS,
                behindTlsEdge: true,
                extraLocations: [{ pathPrefix: "/uploads/", upstream: "objects:9000", maxBodyMb: 100 }],
            });
            assert.equal(r.status, 0, r.output);
        });
        it("and the check can fail: an upstream name nginx cannot resolve", () => {
            const conf = nginxTest({ upstreams: ["app-1:8080"] });
            assert.equal(conf.status, 0, conf.output);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-nginx-"));
            try {
                const file = path.join(dir, "nginx.conf");
                fs.writeFileSync(file, renderNginxConfig({ upstreams: ["no-such-host.invalid:8080"], runDir: dir, nginxVersion: "1.22" }));
                const out = path.join(dir, "out");
                const r = spawnSync("sh", ["-c", `exec nginx -t -c "$1" >"$2" 2>&1`, "sh", file, out], { encoding: "utf8", timeout: 30_000 });
                assert.notEqual(r.status, 0);
                assert.match(fs.readFileSync(out, "utf8"), /host not found in upstream/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("differs between nginx 1.28 (shipped) and 1.22 (tested) only in run-time re-resolution", () => {
        for (const behindTlsEdge of [false, true]) {
            const shipped = renderNginxConfig({ upstreams: UPSTREAMS, behindTlsEdge }).split("\n");
            const tested = renderNginxConfig({ upstreams: UPSTREAMS, behindTlsEdge, nginxVersion: "1.22" }).split("\n");
            const onlyShipped = shipped.filter((l) => !tested.includes(l)).map((l) => l.trim());
            const onlyTested = tested.filter((l) => !shipped.includes(l)).map((l) => l.trim());
            assert.deepEqual(onlyShipped, [
                "resolver 127.0.0.11 valid=10s ipv6=off;",
                ...UPSTREAMS.map((u) => `server ${u} max_fails=3 fail_timeout=10s resolve;`),
            ]);
            assert.deepEqual(
                onlyTested,
                UPSTREAMS.map((u) => `server ${u} max_fails=3 fail_timeout=10s;`),
            );
        }
    });

    it("balances least_conn over every replica, rate-limits per IP, compresses, hides the version", () => {
        const conf = renderNginxConfig({ upstreams: UPSTREAMS, ratePerSecond: 7, burst: 21 });
        const upstream = /upstream app \{([^}]*)\}/.exec(conf)![1];
        assert.match(upstream, /least_conn;/);
        assert.equal((upstream.match(/server app-\d:8080/g) ?? []).length, UPSTREAMS.length);
        assert.match(conf, /limit_req_zone \$binary_remote_addr zone=per_ip:10m rate=7r\/s;/);
        assert.match(conf, /limit_req zone=per_ip burst=21 nodelay;/);
        assert.match(conf, /limit_req_status 429;/);
        assert.match(conf, /gzip on;/);
        assert.match(conf, /server_tokens off;/);
    });

    // nginx forwards Upgrade/Connection only when told to (https://nginx.org/en/docs/http/websocket.html: "hop-by-hop
    // headers including Upgrade and Connection are not passed from a client to proxied server").
    it("forwards WebSocket upgrades, keeping upstream keepalive for other requests", () => {
        for (const behindTlsEdge of [false, true]) {
            const conf = renderNginxConfig({ upstreams: UPSTREAMS, behindTlsEdge });
            assert.match(conf, /map \$http_upgrade \$connection_upgrade \{\s*default upgrade;\s*"" "";\s*\}/);
            const app = /location \/ \{([^}]*)\}/.exec(conf)![1];
            assert.match(app, /proxy_http_version 1\.1;/);
            assert.match(app, /proxy_set_header Upgrade \$http_upgrade;/);
            assert.match(app, /proxy_set_header Connection \$connection_upgrade;/);
        }
    });

    it("sends the security headers; HSTS is the TLS edge's (Caddy), never plain nginx's", () => {
        for (const behindTlsEdge of [false, true]) {
            const conf = renderNginxConfig({ upstreams: UPSTREAMS, behindTlsEdge });
            for (const header of ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"])
                assert.ok(conf.includes(`add_header ${header}`), header);
            assert.ok(!conf.includes("Strict-Transport-Security"));
            assert.ok(!/\bssl\b/.test(conf), "nginx terminates no TLS");
        }
    });

    it("takes the client address from the TLS edge only when behind it", () => {
        const direct = renderNginxConfig({ upstreams: UPSTREAMS });
        const behind = renderNginxConfig({ upstreams: UPSTREAMS, behindTlsEdge: true });
        assert.ok(!direct.includes("real_ip_header"), "a directly published nginx must not trust X-Forwarded-For");
        assert.match(direct, /X-Forwarded-Proto \$scheme;/);
        assert.match(behind, /real_ip_header X-Forwarded-For;/);
        assert.match(behind, /set_real_ip_from 172\.16\.0\.0\/12;/);
        assert.match(behind, /X-Forwarded-Proto \$http_x_forwarded_proto;/);
    });

    it("refuses upstreams and locations nginx would misread", () => {
        assert.throws(() => renderNginxConfig({ upstreams: [] }), /at least one upstream/);
        assert.throws(() => renderNginxConfig({ upstreams: ["app-1:8080; include /etc/passwd"] }), /not host:port/);
        assert.throws(() => renderNginxConfig({ upstreams: UPSTREAMS, extraLocations: [{ pathPrefix: "/a { }", upstream: "x:1" }] }), /not a path prefix/);
    });
});
