/**
 * Several host names, a wildcard, routing by host and a static frontend,
 * through the real program from recorded inputs, and the bad input that
 * must stop a stack before any resource is declared.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { Resources, ROOT, runStack } from "../../offline";

/** Names for an app with a tenant wildcard and an SPA on the apex. */
export const HOSTS_CONFIG: Record<string, string> = {
    "alicerce:domain": "app.example.com",
    "alicerce:dnsZone": "example.com",
    "alicerce:hosts": '["api.example.com","example.com","www.example.com"]',
    "alicerce:wildcardHost": "*.clinics.example.com",
    "alicerce:hostRoutes": '{"example.com":"frontend","www.example.com":"frontend"}',
    "alicerce:frontendPath": path.relative(ROOT, path.join(ROOT, "test", "fixtures", "frontend")),
};

async function problemsOf(stack: string, overrides: Record<string, string | undefined>): Promise<string> {
    try {
        await runStack(stack, { overrides });
    } catch (err) {
        return (err as Error).message;
    }
    return "";
}

describe("host names, wildcard and frontend: bad input", function () {
    this.timeout(120_000);

    it("refuses a name outside the managed zone, a route to an unknown name and a bad service, all at once", async () => {
        const msg = await problemsOf("dev", {
            ...HOSTS_CONFIG,
            "alicerce:hosts": '["api.example.com","shop.example.org"]',
            "alicerce:hostRoutes": '{"example.com":"frontend","api.example.com":"admin"}',
        });
        assert.match(msg, /alicerce:hosts: .* holds shop\.example\.org, which is outside the managed zone example\.com; use names under example\.com/);
        assert.match(msg, /alicerce:hostRoutes: .* routes example\.com, which is not served/);
        assert.match(msg, /alicerce:hostRoutes: .* sends api\.example\.com to "admin", which is not a service; use one of app, frontend/);
    });

    // Let's Encrypt issues wildcard certificates only through DNS-01 (https://letsencrypt.org/docs/challenge-types/).
    it("refuses a wildcard on the single host without a DNS provider that answers DNS-01, and the provider without its token", async () => {
        const noProvider = await problemsOf("local", { ...HOSTS_CONFIG });
        assert.match(noProvider, /alicerce:wildcardHost: "\*\.clinics\.example\.com" needs a DNS provider that answers ACME DNS-01/);
        const noToken = await problemsOf("local", { ...HOSTS_CONFIG, "alicerce:acmeDns": "cloudflare" });
        assert.match(noToken, /alicerce:acmeDns: "cloudflare" needs a Cloudflare API token/);
    });

    it("refuses a frontend directory that does not exist, or has no index.html", async () => {
        const missing = await problemsOf("dev", { ...HOSTS_CONFIG, "alicerce:frontendPath": "test/fixtures/no-such-dir" });
        assert.match(missing, /alicerce:frontendPath: "test\/fixtures\/no-such-dir" is not a directory/);
        const noIndex = await problemsOf("dev", { ...HOSTS_CONFIG, "alicerce:frontendPath": "test/fixtures/frontend-no-index" });
        assert.match(noIndex, /alicerce:frontendPath: "test\/fixtures\/frontend-no-index" has no index\.html/);
    });

    it("refuses a wildcard more than one label deep and a host list that is not host names", async () => {
        const msg = await problemsOf("dev", { ...HOSTS_CONFIG, "alicerce:wildcardHost": "*.*.example.com", "alicerce:hosts": "API.example.com" });
        assert.match(msg, /alicerce:wildcardHost: "\*\.\*\.example\.com" is not a wildcard host/);
        assert.match(msg, /alicerce:hosts: "API\.example\.com" is not a list of host names/);
    });
});

describe("host names, wildcard and frontend on the single host (recorded inputs)", function () {
    this.timeout(180_000);

    it("Caddy serves every name, DNS-01 through Cloudflare with the token as a secret env, the frontend from a built edge image", async () => {
        const run = await runStack("local", { overrides: { ...HOSTS_CONFIG, "alicerce:acmeDns": "cloudflare", "cloudflare:apiToken": "stand-in-token" } });
        const r = new Resources(run.resources);
        const caddy = r.ofType("docker:index/container:Container").find((c) => c.name === "caddy")!;
        assert.ok(caddy, "the Caddy container");
        const envs: string[] = caddy.inputs.envs;
        const file = envs.find((e) => e.startsWith("CADDYFILE="))!;
        assert.match(file, /^app\.example\.com, api\.example\.com, \*\.clinics\.example\.com \{$/m);
        assert.match(file, /^example\.com, www\.example\.com \{$/m);
        assert.match(file, /acme_dns cloudflare \{env\.CLOUDFLARE_API_TOKEN\}/);
        assert.ok(!file.includes("stand-in-token"), "the token is not in the Caddyfile");
        assert.ok(envs.includes("CLOUDFLARE_API_TOKEN=stand-in-token"));
        assert.ok(caddy.secretPaths.some((p) => p.startsWith("envs")), "the environment is a secret in the state");
        const image = r.ofType("docker:index/image:Image").find((i) => i.name === "caddy-edge-image")!;
        assert.ok(image, "the edge image is built");
        assert.equal(path.resolve(image.inputs.build.context), path.join(ROOT, "test", "fixtures", "frontend"));
        // Mock repoDigest (offline/outputs.ts): repository@sha256:...1; a new frontend build changes it and replaces the container.
        assert.match(caddy.inputs.image, /^[a-z0-9-]+-edge@sha256:[0-9a-f]{64}$/);
        assert.match(image.inputs.build.dockerfile, /Dockerfile$/);
    });
});
