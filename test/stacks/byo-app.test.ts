/**
 * A team's own app on each cloud (test/fixtures/byo-app/Pulumi.byo-*.yaml): its directory, port, health path,
 * command, release command, two plain settings and two secrets. The secrets reach the program as Pulumi does
 * it for `pulumi config set --secret --path alicerce:appSecrets.NAME` (one JSON object, the whole key secret:
 * pulumi/pulumi sdk/go/common/resource/config/value.go), read here as stand-ins. Each stand-in may appear only
 * in a secret input of the store the cloud uses, never in user data, another input, an output or the plan.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { ROOT, readStackConfig, runStack, StackRun } from "../../offline";
import { planJson } from "../../offline/report";
import { planText, policyReport } from "../../offline/plan";
import { reviewOf, stackMarkdown } from "../../offline/review";

const DIR = path.join(ROOT, "test", "fixtures", "byo-app");
const STAND_INS = ["stand-in-for-alicerce-appSecrets-JWT-SECRET", "stand-in-for-alicerce-appSecrets-RABBITMQ-URL"];

const runs = new Map<string, StackRun>();
async function run(stack: string): Promise<StackRun> {
    if (!runs.has(stack)) runs.set(stack, await runStack(stack, { stackDir: DIR }));
    return runs.get(stack)!;
}

/** The resources whose recorded inputs hold a stand-in, and whether each such input is secret. */
function holders(r: StackRun): { name: string; type: string; secret: boolean }[] {
    return r.resources
        .filter((res) => STAND_INS.some((s) => JSON.stringify(res.inputs).includes(s)))
        .map((res) => ({
            name: res.name,
            type: res.type,
            secret: Object.entries(res.inputs).every(
                ([k, v]) =>
                    !STAND_INS.some((s) => JSON.stringify(v).includes(s)) ||
                    res.secretPaths.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`)),
            ),
        }));
}

async function planTexts(r: StackRun): Promise<string> {
    const review = reviewOf(r, await policyReport(r));
    return [planText({ run: r, review, json: planJson(r), ms: 0 }).join("\n"), stackMarkdown(review), JSON.stringify(planJson(r))].join("\n");
}

function userDataOf(r: StackRun, type: string, name: string, field: (inputs: any) => string): string {
    const res = r.resources.find((x) => x.type === type && x.name === name);
    assert.ok(res, `${type} ${name}`);
    return field(res.inputs);
}

describe("bring your own app: settings, secrets and shape on every cloud", function () {
    this.timeout(300_000);

    it("reads a secret map the way the CLI hands it over: one JSON object, the whole key secret", () => {
        const { config, secretKeys } = readStackConfig("byo-aws", DIR);
        assert.deepEqual(JSON.parse(config["alicerce:appSecrets"]), { JWT_SECRET: STAND_INS[0], RABBITMQ_URL: STAND_INS[1] });
        assert.ok(secretKeys.includes("alicerce:appSecrets"));
        assert.ok(!secretKeys.includes("alicerce:appEnv"));
    });

    it("AWS: secrets in the stack's own app-env secret (KMS), read only by the instance role, fetched by name at start", async () => {
        const r = await run("byo-aws");
        const secret = r.resources.find((x) => x.type === "aws:secretsmanager/secret:Secret" && x.name === "secrets-app-env");
        assert.ok(secret, "an app-env secret");
        assert.ok(String(secret.inputs.kmsKeyId ?? "").length > 0, "encrypted with the stack key");
        assert.deepEqual(holders(r), [{ name: "secrets-app-env", type: "aws:secretsmanager/secretVersion:SecretVersion", secret: true }]);
        const policy = JSON.parse(r.resources.find((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.name === "alicerce-app-policy")!.inputs.policy);
        const read = policy.Statement.find((s: any) => s.Sid === "ReadOwnSecrets");
        const arn = (secret as any).inputs.__arn ?? read.Resource.find((a: string) => a.includes("app-env"));
        assert.equal(read.Resource.length, 3, "database, session and app-env secrets only");
        assert.ok(
            read.Resource.some((a: string) => a.includes("app-env")),
            read.Resource.join(", "),
        );
        const userData = Buffer.from(
            userDataOf(r, "aws:ec2/launchTemplate:LaunchTemplate", "alicerce-app-lt", (i) => i.userData),
            "base64",
        ).toString("utf8");
        for (const line of ["WHATSAPP_GATEWAY_URL=https://gateway.example.com/v1", "FEATURE_FLAGS=billing,agenda", "PORT=3000"])
            assert.ok(userData.includes(`\n${line}\n`), line);
        for (const name of ["JWT_SECRET", "RABBITMQ_URL"]) {
            assert.ok(userData.includes(`--secret-id '${arn}'`) && userData.includes(`'.${name}'`), name);
            assert.ok(!userData.includes(`\n${name}=`), `${name} is never written in the env file`);
        }
        assert.ok(userData.includes("--publish 8080:3000"), "host 8080 (the target group) to the app's port");
        assert.ok(userData.includes(`'node' 'server.js' 'migrate'`), "the release command runs in the prepare script");
        assert.ok(/@sha256:[0-9a-f]{64} \\\n    "node" \\\n    "server.js"/.test(userData), "the command follows the image in ExecStart");
        const tg = r.resources.find((x) => x.type === "aws:lb/targetGroup:TargetGroup")!;
        assert.equal(tg.inputs.healthCheck.path, "/health/ready");
        const image = r.resources.find((x) => x.type === "docker-build:index:Image" || x.type === "docker:index/image:Image");
        assert.ok(image && JSON.stringify(image.inputs).includes("test/fixtures/byo-app/clinic-api"), "built from the team's directory");
        assert.match(String(r.outputs.image), /@sha256:[0-9a-f]{64}$/, "the deployed digest is a stack output");
    });

    it("AWS: a rotated secret rolls the fleet (a new secret version id in the user data, never the value)", async () => {
        const before = await run("byo-aws");
        const rotated = await runStack("byo-aws", {
            stackDir: DIR,
            overrides: { "alicerce:appSecrets": JSON.stringify({ JWT_SECRET: "rotated-jwt-value", RABBITMQ_URL: STAND_INS[1] }) },
        });
        const lt = (r: StackRun) => Buffer.from(r.resources.find((x) => x.name === "alicerce-app-lt")!.inputs.userData, "base64").toString("utf8");
        const version = (text: string) => /\nALICERCE_SECRETS_VERSION=([0-9a-f-]{36})\n/.exec(text)?.[1];
        assert.ok(version(lt(before)), "the version id is in the env file");
        assert.notEqual(version(lt(rotated)), version(lt(before)), "a new launch template version, so an instance refresh");
        assert.ok(!lt(rotated).includes("rotated-jwt-value"));
    });

    it("DigitalOcean: secrets only in the encrypted secrets document, settings in the user data", async () => {
        const r = await run("byo-do");
        assert.deepEqual(holders(r), [{ name: "app-secrets", type: "digitalocean:index/spacesBucketObject:SpacesBucketObject", secret: true }]);
        const doc = JSON.parse(r.resources.find((x) => x.name === "app-secrets")!.inputs.content);
        assert.equal(doc.JWT_SECRET, STAND_INS[0]);
        assert.equal(doc.RABBITMQ_URL, STAND_INS[1]);
        const pool = r.resources.find((x) => x.type === "digitalocean:index/dropletAutoscale:DropletAutoscale")!;
        const userData: string = pool.inputs.dropletTemplate.userData;
        for (const line of ["WHATSAPP_GATEWAY_URL=https://gateway.example.com/v1", "PORT=3000"]) assert.ok(userData.includes(`\n${line}\n`), line);
        assert.ok(userData.includes(`jq --raw-output --exit-status '.JWT_SECRET'`));
        assert.ok(userData.includes(`'node' 'server.js' 'migrate'`));
        const lb = r.resources.find((x) => x.type === "digitalocean:index/loadBalancer:LoadBalancer")!;
        assert.equal(lb.inputs.healthcheck.path, "/health/ready");
    });

    // Secrets as files, never in a container's environment (docker inspect shows Config.Env to anyone with the socket):
    // uploaded into a one-shot writer's volume mount, because Docker refuses uploads to a read-only root filesystem
    // (moby daemon/archive.go containerExtractToDir; terraform-provider-docker uploads at "/", resource_docker_container_funcs.go).
    it("single host: secrets only in the writer's uploads (secret), as files the replicas mount read-only; a release container gates the replicas, which roll one at a time", async () => {
        const r = await run("byo-docker");
        const containers = r.resources.filter((x) => x.type === "docker:index/container:Container");
        const replicas = containers.filter((c) => /^app-\d+$/.test(c.name));
        const release = containers.find((c) => c.name === "app-release");
        assert.ok(release, "a release container");
        assert.deepEqual(release.inputs.command, ["node", "server.js", "migrate"]);
        assert.equal(release.inputs.attach, true);
        assert.deepEqual(holders(r), [{ name: "app-secrets-writer", type: "docker:index/container:Container", secret: true }]);
        const writer = containers.find((c) => c.name === "app-secrets-writer")!;
        assert.deepEqual(
            writer.inputs.uploads.map((u: any) => [u.file, u.permissions]),
            [
                ["/run/secrets/JWT_SECRET", "0400"],
                ["/run/secrets/RABBITMQ_URL", "0400"],
            ],
        );
        assert.ok(!JSON.stringify([writer.inputs.command, writer.inputs.envs ?? []]).includes("stand-in"), "no value on the writer's command line");
        assert.equal(writer.inputs.readOnly, false, "an upload needs a writable root filesystem");
        const volume = r.resources.find((x) => x.type === "docker:index/volume:Volume" && x.name === "app-secrets-volume");
        assert.ok(volume, "a secrets volume");
        assert.deepEqual(writer.inputs.mounts, [{ type: "volume", source: volume.inputs.name, target: "/run/secrets" }]);
        for (const c of [...replicas, release]) {
            assert.deepEqual(c.inputs.mounts, [{ type: "volume", source: volume.inputs.name, target: "/run/secrets", readOnly: true }], c.name);
            assert.deepEqual(c.inputs.groupAdds, ["61000"], c.name);
            assert.equal(c.inputs.readOnly, true, `${c.name} keeps its read-only root filesystem`);
            assert.ok(
                c.inputs.envs.includes("JWT_SECRET_FILE=/run/secrets/JWT_SECRET") && c.inputs.envs.includes("RABBITMQ_URL_FILE=/run/secrets/RABBITMQ_URL"),
            );
            assert.ok(!c.inputs.envs.some((e: string) => /^(JWT_SECRET|RABBITMQ_URL)=/.test(e)), `${c.name}: a secret in the environment`);
            assert.ok(JSON.stringify(c.inputs.labels).includes("alicerce.secrets"), `${c.name} waits for the files`);
        }
        for (const c of replicas) {
            assert.ok(c.inputs.envs.includes("WHATSAPP_GATEWAY_URL=https://gateway.example.com/v1") && c.inputs.envs.includes("PORT=3000"));
            assert.deepEqual(c.inputs.command, ["node", "server.js"]);
            assert.ok(c.inputs.healthcheck.tests.join(" ").includes("http://127.0.0.1:3000/health/ready"));
            assert.ok(JSON.stringify(c.inputs.labels).includes("alicerce.release"), "waits for the release run");
        }
        if (replicas.length > 1) assert.ok(replicas[1].dependencies.includes(replicas[0].urn), "app-2 is replaced after app-1");
    });

    // The Done-when of "bring your own app": two names (the API, the apex) and a tenant wildcard, routed by host, and the
    // frontend on the apex, on each cloud, from the fixture stack files.
    it("AWS: the API and the wildcard on the balancer's certificate and listener rule, the apex's SPA on CloudFront from a private bucket", async () => {
        const r = await run("byo-aws");
        const cert = r.resources.find((x) => x.type === "aws:acm/certificate:Certificate" && x.name === "alicerce-cert-cert")!;
        assert.equal(cert.inputs.domainName, "api.example.com");
        assert.deepEqual(cert.inputs.subjectAlternativeNames, ["*.clinics.example.com"]);
        const rule = r.resources.find((x) => x.type === "aws:lb/listenerRule:ListenerRule")!;
        assert.deepEqual(rule.inputs.conditions[0].hostHeader.values, ["api.example.com", "*.clinics.example.com"]);
        const d = r.resources.find((x) => x.type === "aws:cloudfront/distribution:Distribution")!;
        assert.deepEqual(d.inputs.aliases, ["example.com"]);
        assert.equal(d.inputs.defaultCacheBehavior.functionAssociations[0].eventType, "viewer-request", "the SPA fallback");
        const files = r.resources.filter((x) => x.type === "aws:s3/bucketObjectv2:BucketObjectv2");
        assert.deepEqual(files.map((f) => [f.inputs.key, f.inputs.cacheControl]).sort(), [
            ["assets/app.1a2b3c.js", "public, max-age=31536000, immutable"],
            ["index.html", "no-cache"],
        ]);
        const block = r.resources.find((x) => x.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock" && x.name.includes("cdn-frontend"))!;
        assert.equal(block.inputs.restrictPublicBuckets, true);
    });

    it("DigitalOcean: one certificate for the three names on the balancer, the apex's SPA from Spaces + the Spaces CDN through the droplets' proxy", async () => {
        const r = await run("byo-do");
        const cert = r.resources.find((x) => x.type === "digitalocean:index/certificate:Certificate")!;
        assert.deepEqual(cert.inputs.domains, ["api.example.com", "example.com", "*.clinics.example.com"]);
        const objects = r.resources.filter((x) => x.type === "digitalocean:index/spacesBucketObject:SpacesBucketObject" && x.name.startsWith("frontend-file-"));
        assert.deepEqual(objects.map((o) => [o.inputs.key, o.inputs.cacheControl, o.inputs.acl]).sort(), [
            ["assets/app.1a2b3c.js", "public, max-age=31536000, immutable", "public-read"],
            ["index.html", "no-cache", "public-read"],
        ]);
        assert.ok(r.resources.some((x) => x.type === "digitalocean:index/cdn:Cdn" && x.name === "frontend-cdn"));
        const pool = r.resources.find((x) => x.type === "digitalocean:index/dropletAutoscale:DropletAutoscale" && x.name === "app-pool")!;
        const userData: string = pool.inputs.dropletTemplate.userData;
        assert.match(userData, /server_name example\.com;/, "the apex to the frontend");
        assert.match(userData, /--publish 8081:3000/, "the team's port behind the proxy");
        assert.match(userData, /rewrite \^ \/index\.html break;/, "the SPA fallback");
    });

    it("single host: Caddy serves the three names (the wildcard through DNS-01) and the apex's SPA from the edge image", async () => {
        const r = await run("byo-docker");
        const caddy = r.resources.find((x) => x.type === "docker:index/container:Container" && x.name === "caddy")!;
        const file: string = caddy.inputs.envs.find((e: string) => e.startsWith("CADDYFILE="));
        assert.match(file, /^(CADDYFILE=)?api\.example\.com, \*\.clinics\.example\.com \{$/m);
        assert.match(file, /^example\.com \{$/m);
        assert.match(file, /acme_dns cloudflare/);
        const image = r.resources.find((x) => x.type === "docker:index/image:Image" && x.name === "caddy-edge-image")!;
        assert.equal(path.resolve(image.inputs.build.context), path.join(ROOT, "test", "fixtures", "frontend"));
    });

    for (const stack of ["byo-aws", "byo-do", "byo-docker"]) {
        it(`${stack}: no secret value in outputs, logs or the plan's text, markdown and JSON`, async () => {
            const r = await run(stack);
            const outside = [JSON.stringify(r.outputs), JSON.stringify(r.logs), await planTexts(r)].join("\n");
            for (const s of STAND_INS) assert.ok(!outside.includes(s), `${s} leaked`);
        });
    }
});
