import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
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
function nginxTest(options: Omit<NginxConfigOptions, "runDir" | "certificate" | "certificateKey" | "nginxVersion">): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-nginx-"));
    try {
        const run = path.join(dir, "run");
        fs.mkdirSync(run);
        const cert = path.join(dir, "fullchain.pem");
        const key = path.join(dir, "privkey.pem");
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${options.domain ?? "localhost"}`], { stdio: "ignore", timeout: 30_000 });
        const conf = path.join(dir, "nginx.conf");
        fs.writeFileSync(conf, renderNginxConfig({ ...options, runDir: run, certificate: cert, certificateKey: key, nginxVersion: "1.22" }));
        const hosts = path.join(dir, "hosts");
        fs.writeFileSync(hosts, `127.0.0.1 localhost ${options.upstreams.map((u) => u.split(":")[0]).join(" ")}\n`);
        const out = path.join(dir, "out");
        // Output to a file: the config logs to /dev/stderr, which cannot be opened when it is a socket (node's pipes).
        const r = spawnSync("unshare", ["--mount", "sh", "-c", `mount --bind "$1" /etc/hosts && exec nginx -t -c "$2" >"$3" 2>&1`, "sh", hosts, conf, out], { encoding: "utf8", timeout: 30_000 });
        assert.equal(r.error, undefined, `could not run nginx -t: ${r.error}`);
        return { status: r.status, output: r.stderr + (fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("nginx config", () => {
    describe("passes Debian's nginx -t", function () {
        this.timeout(60_000);
        it("plain HTTP (no domain)", () => {
            const r = nginxTest({ upstreams: UPSTREAMS });
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, /test is successful/);
        });
        it("HTTPS with the mounted certificate, HTTP redirecting", () => {
            const r = nginxTest({ upstreams: UPSTREAMS, domain: "app.example.com" });
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

    it("differs between nginx 1.28 (shipped) and 1.22 (tested) only in run-time re-resolution and the HTTP/2 switch", () => {
        for (const domain of [undefined, "app.example.com"]) {
            const shipped = renderNginxConfig({ upstreams: UPSTREAMS, domain }).split("\n");
            const tested = renderNginxConfig({ upstreams: UPSTREAMS, domain, nginxVersion: "1.22" }).split("\n");
            const onlyShipped = shipped.filter((l) => !tested.includes(l)).map((l) => l.trim());
            const onlyTested = tested.filter((l) => !shipped.includes(l)).map((l) => l.trim());
            const expectedShipped = [
                "resolver 127.0.0.11 valid=10s ipv6=off;",
                ...UPSTREAMS.map((u) => `server ${u} max_fails=3 fail_timeout=10s resolve;`),
                ...(domain ? ["listen 8443 ssl;", "http2 on;"] : []),
            ];
            const expectedTested = [...UPSTREAMS.map((u) => `server ${u} max_fails=3 fail_timeout=10s;`), ...(domain ? ["listen 8443 ssl http2;"] : [])];
            assert.deepEqual(onlyShipped, expectedShipped);
            assert.deepEqual(onlyTested, expectedTested);
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

    it("sends the security headers, and HSTS only over HTTPS", () => {
        const http = renderNginxConfig({ upstreams: UPSTREAMS });
        const https = renderNginxConfig({ upstreams: UPSTREAMS, domain: "app.example.com" });
        for (const conf of [http, https]) {
            for (const header of ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"]) assert.ok(conf.includes(`add_header ${header}`), header);
        }
        assert.ok(!http.includes("Strict-Transport-Security"), "HSTS over plain HTTP");
        assert.match(https, /add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;/);
        assert.match(https, /ssl_protocols TLSv1\.2 TLSv1\.3;/);
        assert.match(https, /return 301 https:\/\/app\.example\.com\$request_uri;/);
        assert.match(https, /ssl_reject_handshake on;/);
    });

    it("refuses upstreams and domains nginx would misread", () => {
        assert.throws(() => renderNginxConfig({ upstreams: [] }), /at least one upstream/);
        assert.throws(() => renderNginxConfig({ upstreams: ["app-1:8080; include /etc/passwd"] }), /not host:port/);
        assert.throws(() => renderNginxConfig({ upstreams: UPSTREAMS, domain: "a.com; return 200" }), /not a host name/);
    });
});
