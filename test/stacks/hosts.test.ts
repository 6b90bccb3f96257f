/**
 * Several host names, a wildcard, routing by host and a static frontend,
 * through the real program from recorded inputs, and the bad input that
 * must stop a stack before any resource is declared.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
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

    it("refuses more names than one certificate takes: 10 on AWS (ACM's default quota), before any resource", async () => {
        // https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html: "Domain names per ACM certificate: 10" (adjustable).
        const ten = JSON.stringify(Array.from({ length: 9 }, (_, i) => `t${i}.example.com`));
        const eleven = JSON.stringify(Array.from({ length: 10 }, (_, i) => `t${i}.example.com`));
        const ok = await problemsOf("dev", { ...HOSTS_CONFIG, "alicerce:wildcardHost": undefined as unknown as string, "alicerce:hosts": ten });
        assert.doesNotMatch(ok, /one ACM certificate takes/);
        const msg = await problemsOf("dev", { ...HOSTS_CONFIG, "alicerce:hosts": eleven });
        assert.match(
            msg,
            /alicerce:hosts: .* gives 12 host names \(alicerce:domain, alicerce:hosts and alicerce:wildcardHost together\), more than the 10 one ACM certificate takes/,
        );
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
        assert.ok(
            caddy.secretPaths.some((p) => p.startsWith("envs")),
            "the environment is a secret in the state",
        );
        const image = r.ofType("docker:index/image:Image").find((i) => i.name === "caddy-edge-image")!;
        assert.ok(image, "the edge image is built");
        assert.equal(path.resolve(image.inputs.build.context), path.join(ROOT, "test", "fixtures", "frontend"));
        // Mock repoDigest (offline/outputs.ts): repository@sha256:...1; a new frontend build changes it and replaces the container.
        assert.match(caddy.inputs.image, /^[a-z0-9-]+-edge@sha256:[0-9a-f]{64}$/);
        assert.match(image.inputs.build.dockerfile, /Dockerfile$/);
    });
});

describe("host names, wildcard, frontend and CDN on AWS (recorded inputs)", function () {
    this.timeout(300_000);
    let r: Resources;
    let env: Record<string, string>;
    before(async () => {
        const run = await runStack("prod", { overrides: { ...HOSTS_CONFIG } });
        r = new Resources(run.resources);
        const lt = r.one("aws:ec2/launchTemplate:LaunchTemplate", "alicerce-app-lt");
        const userData = Buffer.from(lt.inputs.userData, "base64").toString("utf8");
        env = Object.fromEntries([...userData.matchAll(/^(CDN_BASE_URL|PUBLIC_PREFIX)=(.*)$/gm)].map((m) => [m[1], m[2].replace(/^['"]|['"]$/g, "")]));
    });

    it("the load balancer's certificate has the app's names as SANs (the wildcard included), each validated through Cloudflare once", () => {
        const cert = r.ofType("aws:acm/certificate:Certificate").find((c) => c.name === "alicerce-cert-cert")!;
        assert.equal(cert.inputs.domainName, "app.example.com");
        assert.deepEqual(cert.inputs.subjectAlternativeNames, ["api.example.com", "*.clinics.example.com"]);
        const validation = r.ofType("cloudflare:index/dnsRecord:DnsRecord").filter((d) => d.name.startsWith("alicerce-acm-validation-"));
        assert.deepEqual(validation.map((d) => d.inputs.name).sort(), ["_x1.api.example.com", "_x1.app.example.com", "_x1.clinics.example.com"]);
        assert.ok(validation.every((d) => d.inputs.proxied === false && d.inputs.type === "CNAME"));
        // The first record keeps its logical name (URN) from before several names existed.
        assert.ok(validation.some((d) => d.name === "alicerce-acm-validation-app" && d.inputs.name === "_x1.app.example.com"));
    });

    // ALB: a host-header condition takes at most 5 values, wildcards allowed (ELB User Guide, listener rule conditions).
    it("routes by host: a listener rule forwards the app's names to the app, anything else gets a 404", () => {
        const https = r.ofType("aws:lb/listener:Listener").find((l) => l.inputs.port === 443)!;
        assert.equal(https.inputs.defaultActions[0].type, "fixed-response");
        const rules = r.ofType("aws:lb/listenerRule:ListenerRule");
        assert.equal(rules.length, 1);
        assert.deepEqual(rules[0].inputs.conditions[0].hostHeader.values, ["app.example.com", "api.example.com", "*.clinics.example.com"]);
        assert.equal(rules[0].inputs.actions[0].type, "forward");
    });

    it("CloudFront serves the frontend's names with a us-east-1 certificate, through OAC, from a private bucket with an SPA fallback", () => {
        const cert = r.ofType("aws:acm/certificate:Certificate").find((c) => c.name === "alicerce-cdn-cert-cert")!;
        assert.equal(cert.inputs.domainName, "example.com");
        assert.deepEqual(cert.inputs.subjectAlternativeNames, ["www.example.com"]);
        // CloudFront takes ACM certificates from us-east-1 only (the offline engine has AMI answers for us-east-1 only, so the stack runs there).
        const provider = r.ofType("pulumi:providers:aws").find((p) => cert.provider?.startsWith(p.urn))!;
        assert.equal(provider.inputs.region, "us-east-1", "the CDN certificate is made in us-east-1");
        const d = r.one("aws:cloudfront/distribution:Distribution");
        assert.deepEqual(d.inputs.aliases, ["example.com", "www.example.com"]);
        assert.equal(d.inputs.viewerCertificate.sslSupportMethod, "sni-only");
        assert.ok(dependsOnType(r, d, "aws:acm/certificateValidation:CertificateValidation"), "the distribution waits for the certificate");
        const oac = r.one("aws:cloudfront/originAccessControl:OriginAccessControl");
        assert.deepEqual([oac.inputs.originAccessControlOriginType, oac.inputs.signingBehavior, oac.inputs.signingProtocol], ["s3", "always", "sigv4"]);
        assert.deepEqual(
            d.inputs.origins.map((o: { originId: string; originAccessControlId: string }) => [o.originId, o.originAccessControlId]),
            [
                ["frontend", `${oac.name}-id`],
                ["assets", `${oac.name}-id`],
            ],
        );
        assert.equal(d.inputs.defaultCacheBehavior.targetOriginId, "frontend");
        assert.equal(d.inputs.defaultCacheBehavior.viewerProtocolPolicy, "redirect-to-https");
        assert.equal(d.inputs.defaultCacheBehavior.functionAssociations[0].eventType, "viewer-request");
        assert.equal(d.inputs.orderedCacheBehaviors[0].pathPattern, "public/*");
        assert.equal(d.inputs.orderedCacheBehaviors[0].targetOriginId, "assets");
        assert.equal(d.inputs.customErrorResponses, undefined, "no distribution-wide error rewriting");
        const files = r.ofType("aws:s3/bucketObjectv2:BucketObjectv2");
        assert.deepEqual(files.map((f) => [f.inputs.key, f.inputs.cacheControl]).sort(), [
            ["assets/app.1a2b3c.js", "public, max-age=31536000, immutable"],
            ["index.html", "no-cache"],
        ]);
        const block = r.ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find((b) => b.name.includes("cdn-frontend"))!;
        assert.ok(block.inputs.blockPublicPolicy && block.inputs.restrictPublicBuckets);
    });

    it("the assets bucket stays private and admits only this distribution, only under public/; the stack key lets CloudFront decrypt", () => {
        const d = r.one("aws:cloudfront/distribution:Distribution");
        const distArn = `arn:aws:cloudfront::`;
        const policy = JSON.parse(r.ofType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.name.startsWith("storage-assets"))!.inputs.policy);
        const st = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudFrontReadsThroughOac");
        assert.deepEqual(st.Principal, { Service: "cloudfront.amazonaws.com" });
        assert.equal(st.Action, "s3:GetObject");
        assert.match(st.Resource, /^arn:aws:s3:::.*-assets-.*\/public\/\*$/);
        assert.ok(st.Condition.StringEquals["AWS:SourceArn"].startsWith(distArn));
        assert.ok(d.name.endsWith("-distribution"));
        const key = JSON.parse(r.one("aws:kms/key:Key", "kms-key").inputs.policy);
        assert.ok(key.Statement.some((s: { Sid: string }) => s.Sid === "CloudFrontDecryptsThroughOac"));
    });

    it("the app hands out CDN URLs: CDN_BASE_URL is the distribution, PUBLIC_PREFIX its path", () => {
        assert.match(env.CDN_BASE_URL ?? "", /^https:\/\/d[0-9a-f]+mockdist\.cloudfront\.net$/);
        assert.equal(env.PUBLIC_PREFIX, "public/");
    });
});

function dependsOnType(
    r: Resources,
    from: { dependencies: readonly string[]; propertyDependencies?: Readonly<Record<string, readonly string[]>> },
    type: string,
): boolean {
    const urns = new Set([...from.dependencies, ...Object.values(from.propertyDependencies ?? {}).flat()]);
    return r.ofType(type).some((x) => urns.has(x.urn));
}

describe("host names and the Spaces CDN on DigitalOcean (recorded inputs)", function () {
    this.timeout(300_000);

    it("one Let's Encrypt certificate for every app name and the wildcard; the Spaces CDN in front of the assets bucket; the app signs public-read", async () => {
        const { "alicerce:hostRoutes": _routes, "alicerce:frontendPath": _dir, ...appOnly } = HOSTS_CONFIG;
        const run = await runStack("do-prod", { overrides: { ...appOnly } });
        const r = new Resources(run.resources);
        const cert = r.one("digitalocean:index/certificate:Certificate");
        assert.equal(cert.inputs.type, "lets_encrypt");
        assert.deepEqual(cert.inputs.domains, ["app.example.com", "api.example.com", "example.com", "www.example.com", "*.clinics.example.com"]);
        const cdn = r.one("digitalocean:index/cdn:Cdn");
        const bucket = r.ofType("digitalocean:index/spacesBucket:SpacesBucket").find((b) => b.name.includes("assets"))!;
        assert.ok(bucket, "the assets bucket");
        // The bucket is auto-named (mock: <logical name>-<suffix>): the CDN's origin is that bucket's regional endpoint.
        assert.match(cdn.inputs.origin, /^storage-assets-[a-z0-9]+\.nyc3\.digitaloceanspaces\.com$/);
        // DigitalOcean Spaces CDN: TTL one of 60, 600, 3600, 86400, 604800 (terraform-provider-digitalocean digitalocean_cdn ttl validation).
        assert.ok([60, 600, 3600, 86400, 604800].includes(cdn.inputs.ttl));
        const text = JSON.stringify(run.resources.filter((x) => x.type.includes("droplet") || x.type.includes("Droplet")).map((x) => x.inputs));
        assert.match(text, /CDN_BASE_URL/);
        assert.match(text, /PUBLIC_UPLOAD_ACL/);
    });

    // Spaces + its CDN have no SPA fallback (no index/error document on CDN endpoints: "CDN is not supported for bucket
    // websites", https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/), so the frontend's names go
    // to the balancer and the droplets' nginx routes them to the CDN (components/digitalocean/frontend.ts).
    it("serves the frontend: its files in a private Spaces bucket as public-read objects with cache headers behind the Spaces CDN, its names through the balancer to the droplets' proxy", async () => {
        const run = await runStack("do-prod", { overrides: { ...HOSTS_CONFIG } });
        const r = new Resources(run.resources);
        const bucket = r.ofType("digitalocean:index/spacesBucket:SpacesBucket").find((b) => b.name === "frontend-bucket")!;
        assert.ok(bucket, "a frontend bucket");
        assert.equal(bucket.inputs.acl, "private", "no listing");
        const objects = r.ofType("digitalocean:index/spacesBucketObject:SpacesBucketObject").filter((o) => o.name.startsWith("frontend-file-"));
        assert.deepEqual(objects.map((o) => [o.inputs.key, o.inputs.cacheControl, o.inputs.acl]).sort(), [
            ["assets/app.1a2b3c.js", "public, max-age=31536000, immutable", "public-read"],
            ["index.html", "no-cache", "public-read"],
        ]);
        assert.ok(
            objects.every((o) => /^[0-9a-f]{32}$/.test(o.inputs.etag)),
            "the file's MD5 re-uploads a changed file",
        );
        const cdns = r.ofType("digitalocean:index/cdn:Cdn");
        const cdn = cdns.find((c) => c.name === "frontend-cdn")!;
        assert.equal(cdn.inputs.origin, `${bucket.inputs.name ?? "frontend-bucket-a1b2c3d"}.nyc3.digitaloceanspaces.com`);
        // Every name reaches the balancer, so its one certificate covers the frontend's names too.
        const cert = r.one("digitalocean:index/certificate:Certificate");
        assert.deepEqual(cert.inputs.domains, ["app.example.com", "api.example.com", "example.com", "www.example.com", "*.clinics.example.com"]);
        const pool = r.ofType("digitalocean:index/dropletAutoscale:DropletAutoscale").find((p) => p.name === "app-pool")!;
        const userData: string = pool.inputs.dropletTemplate.userData;
        assert.match(userData, /--publish 8081:8080/, "the app behind the proxy");
        // The edge is enabled before the app's `enable --now`: a failed first start ends the script under set -e,
        // and the load balancer's port 80 must still open when systemd brings the app up later.
        const edgeAt = userData.indexOf("systemctl enable --now alicerce-edge.service");
        const appAt = userData.search(/systemctl enable --now '?app\.service/);
        assert.ok(edgeAt > 0 && appAt > edgeAt, `edge at ${edgeAt}, app at ${appAt}`);
        const conf = /cat > '\/etc\/alicerce\/edge\/default\.conf' <<'ALICERCE_EDGE'\n([\s\S]*?)\nALICERCE_EDGE/.exec(userData)?.[1];
        assert.ok(conf, "the proxy's config in the user data");
        assert.match(conf, /server_name example\.com www\.example\.com;/);
        assert.match(conf, /set \$frontend_origin https:\/\/frontend-bucket-[a-z0-9]+\.nyc3\.cdn\.digitaloceanspaces\.com;/);
        // The rendered config as the droplet gets it passes the real nginx's check.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-do-edge-conf-"));
        try {
            fs.writeFileSync(path.join(dir, "default.conf"), conf);
            fs.writeFileSync(
                path.join(dir, "nginx.conf"),
                `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;\n    include ${dir}/default.conf;\n}\n`,
            );
            const t = spawnSync("nginx", ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], { encoding: "utf8", timeout: 30_000 });
            assert.equal(t.status, 0, t.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const cfg = JSON.parse(r.ofType("digitalocean:index/projectResources:ProjectResources").map((p) => JSON.stringify(p.inputs.resources))[0] ?? "[]");
        assert.ok(JSON.stringify(cfg).includes("do:space:frontend-bucket"), "the bucket joins the project");
    });
});
