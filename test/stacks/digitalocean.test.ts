import { strict as assert } from "assert";
import { digitalOceanTags, standardTags } from "../../components/shared/tags";
import { readStackConfig, Resources, runStack, stackFiles, StackRun } from "../../offline";
import { loadAppParseConfig } from "../support/app-config";
import { stackRun } from "./whole-stack.test";

const T = {
    vpc: "digitalocean:index/vpc:Vpc",
    tag: "digitalocean:index/tag:Tag",
    registry: "digitalocean:index/containerRegistry:ContainerRegistry",
    creds: "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials",
    image: "docker:index/image:Image",
    pool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    lb: "digitalocean:index/loadBalancer:LoadBalancer",
    cert: "digitalocean:index/certificate:Certificate",
    firewall: "digitalocean:index/firewall:Firewall",
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    replica: "digitalocean:index/databaseReplica:DatabaseReplica",
    dbFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    pgPool: "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
    db: "digitalocean:index/databaseDb:DatabaseDb",
    user: "digitalocean:index/databaseUser:DatabaseUser",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    cors: "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
    cdn: "digitalocean:index/cdn:Cdn",
    key: "digitalocean:index/spacesKey:SpacesKey",
    object: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    alert: "digitalocean:index/monitorAlert:MonitorAlert",
    check: "digitalocean:index/uptimeCheck:UptimeCheck",
    uptimeAlert: "digitalocean:index/uptimeAlert:UptimeAlert",
    project: "digitalocean:index/project:Project",
    projectResources: "digitalocean:index/projectResources:ProjectResources",
};

/** The id (`urn::id`) part of an explicit provider reference, or of a resource as the mocks name it. */
const idOf = (name: string) => `${name}-id`;

describe("DigitalOcean platform (do-prod, the whole stack wired together)", () => {
    let run: StackRun;
    let r: Resources;
    before(async () => {
        run = await stackRun("do-prod");
        r = new Resources(run.resources);
    });
    const labelTags = () => digitalOceanTags(standardTags({ project: "alicerce", stack: "do-prod", owner: "team-platform", costCenter: "cc-1001" }));
    const appTag = "alicerce-do-prod-app";
    const pool = () => r.one(T.pool, "app-pool");

    it("1. makes a VPC per stack with its own range, and puts the droplets, balancer, databases and replica in it", () => {
        const vpc = r.one(T.vpc);
        assert.equal(vpc.inputs.ipRange, run.config["alicerce:vpcCidr"]);
        assert.equal(vpc.inputs.region, "nyc3");
        const vpcId = idOf(vpc.name);
        assert.equal(pool().inputs.dropletTemplate.vpcUuid, vpcId);
        assert.equal(r.one(T.lb).inputs.vpcUuid, vpcId);
        for (const c of r.ofType(T.cluster)) assert.equal(c.inputs.privateNetworkUuid, vpcId, c.name);
        assert.equal(r.one(T.replica).inputs.privateNetworkUuid, vpcId);
    });

    it("2. builds app-image/ for amd64, pushes it to the account's registry (by name) with the provider's push credentials, and runs it by digest", () => {
        assert.equal(r.ofType(T.registry).length, 0, "do-dev creates the account's one registry; do-prod pushes to it");
        const push = r.one(T.creds, "app-image-push");
        assert.equal(push.inputs.registryName, "alicerce-example");
        assert.equal(push.inputs.write, true);
        assert.equal(push.inputs.expirySeconds, undefined, "renewed only on refresh: an expiring one breaks a later push");
        assert.equal(r.one(T.creds, "app-image-pull").inputs.write, false, "droplets only pull");
        const image = r.one(T.image);
        assert.deepEqual(image.inputs.build, { context: "app-image", platform: "linux/amd64" });
        assert.equal(image.inputs.imageName, "registry.digitalocean.com/alicerce-example/alicerce-do-prod:latest");
        assert.equal(image.inputs.registry.server, "registry.digitalocean.com");
        assert.ok(image.secretPaths.includes("registry.password") || image.secretPaths.includes("registry"), "the push password is a secret");
        assert.match(pool().inputs.dropletTemplate.userData, /docker run --rm[\s\S]*registry\.digitalocean\.com\/\S+@sha256:[0-9a-f]{64}\n/);
    });

    it("3. runs a droplet autoscale pool with the tier's min/max, CPU and memory targets and cooldown, tagged, from shared cloud-init", () => {
        const p = pool();
        assert.deepEqual(p.inputs.config, { minInstances: 2, maxInstances: 5, targetCpuUtilization: 0.5, targetMemoryUtilization: 0.75, cooldownMinutes: 5 });
        const t = p.inputs.dropletTemplate;
        assert.equal(t.size, "s-1vcpu-2gb");
        assert.equal(t.region, "nyc3");
        assert.equal(t.image, "ubuntu-24-04-x64");
        assert.deepEqual(t.tags, [appTag, ...labelTags()]);
        assert.deepEqual(t.sshKeys, ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]);
        assert.equal(t.withDropletAgent, true, "the agent reports memory for scaling and alerts");
        assert.equal(t.projectId, idOf("project-project"));
        assert.match(t.userData, /^#!\/bin\/bash\n# First boot \(digitalocean\)/);
        assert.ok(t.userData.includes("--publish 80:8080"));
        assert.ok(
            p.secretPaths.some((s) => s.startsWith("dropletTemplate")),
            "the user data (bootstrap key) is a secret in state",
        );
    });

    it("3. keeps every secret out of the user data: they sit in the private config bucket's document, fetched at start", () => {
        const userData: string = pool().inputs.dropletTemplate.userData;
        const doc = r.one(T.object, "app-secrets");
        assert.deepEqual(doc.secretPaths, ["content"]);
        assert.equal(doc.inputs.acl, "private");
        assert.equal(doc.inputs.key, "secrets.json");
        assert.equal(doc.inputs.bucket, r.one(T.bucket, "storage-config").inputs.name ?? "storage-config-a1b2c3d");
        const secrets = JSON.parse(doc.inputs.content);
        assert.deepEqual(Object.keys(secrets).sort(), [
            "AWS_SECRET_ACCESS_KEY",
            "DATABASE_ADMIN_URL",
            "DATABASE_POOL_URL",
            "DATABASE_READER_URL",
            "DATABASE_URL",
            "REDIS_URL",
            "SESSION_SIGNING_KEY",
            "registry",
        ]);
        for (const [name, value] of Object.entries<any>(secrets)) {
            const values = typeof value === "string" ? [value] : Object.values<string>(value);
            for (const v of values) assert.ok(!userData.includes(v), `${name} appears in the user data`);
        }
        assert.ok(secrets.SESSION_SIGNING_KEY.length >= 32);
        assert.equal(r.one("random:index/randomPassword:RandomPassword", "app-session-key").options.protect, true);
        assert.ok(userData.includes(`# secrets document etag: `), "a changed secret changes the template, so the pool replaces droplets");
    });

    it("3. gives the app its environment: URLs, TLS mode, bucket, Spaces endpoint, shutdown timeout", () => {
        const userData: string = pool().inputs.dropletTemplate.userData;
        const envFile = userData.split("cat > '/etc/app/app.env' <<'ALICERCE_EOF'\n")[1].split("\nALICERCE_EOF")[0];
        const env = Object.fromEntries(envFile.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        assert.equal(env.DB_SSL_MODE, "require");
        assert.equal(env.S3_ENDPOINT, "https://nyc3.digitaloceanspaces.com");
        assert.equal(env.ASSETS_BUCKET, "storage-assets-a1b2c3d");
        assert.equal(env.SHUTDOWN_TIMEOUT_MS, "25000");
        assert.equal(env.DB_POOL_MAX, "10");
        const secrets = JSON.parse(r.one(T.object, "app-secrets").inputs.content);
        assert.match(secrets.DATABASE_URL, /^postgresql:\/\/app:[^@]+@private-database-cluster-[^:]+:25060\/app\?sslmode=require$/);
        assert.match(secrets.DATABASE_READER_URL, /^postgresql:\/\/app:[^@]+@private-database-replica-[^:]+:25060\/app\?sslmode=require$/);
        assert.match(secrets.REDIS_URL, /^rediss:\/\/default:[^@]+@private-cache-cluster-[^:]+:25061$/, "Valkey over TLS on its private host");
        assert.equal(env.ASSETS_CDN_HOST, undefined, "no CDN until the app serves through one");
    });

    it("6. grants the app's user CREATE on schema public once per boot, as doadmin from inside the VPC, without giving the container the admin URL", () => {
        const userData: string = pool().inputs.dropletTemplate.userData;
        const secrets = JSON.parse(r.one(T.object, "app-secrets").inputs.content);
        assert.match(secrets.DATABASE_ADMIN_URL, /^postgresql:\/\/doadmin:[^@]+@private-database-cluster-[^:]+:25060\/app\?sslmode=require$/);
        assert.ok(userData.includes(`jq --raw-output --exit-status '.DATABASE_ADMIN_URL' <<<"$config_json"`));
        assert.ok(userData.includes(`printf '%s\\n' 'GRANT USAGE, CREATE ON SCHEMA public TO "app";' |`));
        assert.ok(userData.includes(`--network host --env BOOTSTRAP_DATABASE_URL 'postgres:17-alpine'`));
        const containerSecrets = [...userData.matchAll(/printf '%s=%s\\n' '([A-Z_]+)'/g)].map((m) => m[1]).sort();
        assert.deepEqual(containerSecrets, [
            "AWS_SECRET_ACCESS_KEY",
            "DATABASE_POOL_URL",
            "DATABASE_READER_URL",
            "DATABASE_URL",
            "REDIS_URL",
            "SESSION_SIGNING_KEY",
        ]);
        assert.equal(r.one(T.db).inputs.name, "app");
        assert.equal(r.one(T.user).inputs.name, "app");
    });

    it("4. balances by the app tag in the VPC: HTTPS with a Let's Encrypt certificate by name, HTTP redirected, /healthz checks", () => {
        const lb = r.one(T.lb);
        const cert = r.one(T.cert);
        assert.equal(cert.inputs.type, "lets_encrypt");
        assert.deepEqual(cert.inputs.domains, ["app.example.com"]);
        assert.equal(lb.inputs.dropletTag, appTag);
        assert.equal(lb.inputs.redirectHttpToHttps, true);
        const https = lb.inputs.forwardingRules.find((f: any) => f.entryPort === 443);
        assert.deepEqual(
            [https.entryProtocol, https.entryPort, https.targetProtocol, https.targetPort, https.certificateName, https.tlsPassthrough ?? false],
            ["https", 443, "http", 80, "edge-cert-a1b2c3d", false],
        );
        assert.ok(lb.inputs.forwardingRules.some((f: any) => f.entryPort === 80 && f.entryProtocol === "http"));
        assert.equal(lb.inputs.healthcheck.path, "/healthz");
        assert.equal(lb.inputs.healthcheck.port, 80);
        assert.equal(lb.inputs.healthcheck.protocol, "http");
        assert.ok(lb.dependencies.includes(cert.urn));
    });

    it("5. firewalls the droplets: port 80 only from the balancer, no SSH without admin ranges, outbound open", () => {
        const fw = r.one(T.firewall, "app-firewall");
        assert.deepEqual(fw.inputs.tags, [appTag]);
        assert.deepEqual(fw.inputs.inboundRules, [{ protocol: "tcp", portRange: "80", sourceLoadBalancerUids: [idOf("edge-lb")] }]);
        assert.deepEqual(fw.inputs.outboundRules.map((o: any) => o.protocol).sort(), ["icmp", "tcp", "udp"]);
    });

    it("6. runs PostgreSQL with a standby, a read-only replica, a tag-only firewall, a pool, the app database and user, and a maintenance window", () => {
        const pg = r.ofType(T.cluster).find((c) => c.inputs.engine === "pg")!;
        assert.equal(pg.inputs.version, "17");
        assert.equal(pg.inputs.nodeCount, 2, "primary + standby");
        assert.equal(pg.inputs.size, "db-s-2vcpu-4gb");
        assert.deepEqual(pg.inputs.maintenanceWindows, [{ day: "sunday", hour: "04:00" }]);
        assert.deepEqual(pg.inputs.tags, labelTags());
        assert.equal(pg.options.protect, true);
        const replica = r.one(T.replica);
        assert.equal(replica.inputs.clusterId, idOf(pg.name));
        assert.equal(replica.inputs.size, "db-s-2vcpu-4gb");
        assert.equal(replica.options.protect, true);
        const fw = r.ofType(T.dbFirewall).find((f) => f.inputs.clusterId === idOf(pg.name))!;
        assert.deepEqual(
            fw.inputs.rules,
            [
                { type: "tag", value: appTag },
                { type: "tag", value: "alicerce-do-prod-worker" },
                // The nightly copy to the second region (alicerce:secondRegion sfo3) dumps the database.
                { type: "tag", value: "alicerce-do-prod-region-copy" },
            ],
            "the app, the queue workers and the second-region copy",
        );
        assert.equal(r.one(T.db).inputs.name, "app");
        assert.equal(r.one(T.user).inputs.name, "app");
        const pool = r.one(T.pgPool);
        assert.deepEqual([pool.inputs.dbName, pool.inputs.user, pool.inputs.mode, pool.inputs.size], ["app", "app", "transaction", 19]);
    });

    it("7. runs one Valkey cluster for the queue beside PostgreSQL (see do-workers.test.ts); the prod preset's Spaces CDN fronts the assets bucket (the app reads CDN_BASE_URL: app-image/README.md)", () => {
        assert.deepEqual(
            r
                .ofType(T.cluster)
                .map((c) => c.inputs.engine)
                .sort(),
            ["pg", "valkey"],
        );
        assert.equal(r.ofType(T.cdn).length, 1);
        assert.match(r.one(T.cdn).inputs.origin, /^storage-assets-a1b2c3d\.nyc3\.digitaloceanspaces\.com$/);
    });

    it("8. keeps assets in a versioned bucket with lifecycle and CORS, and backups in a private bucket", () => {
        const assets = r.one(T.bucket, "storage-assets");
        assert.equal(assets.inputs.acl, "private");
        assert.deepEqual(assets.inputs.versioning, { enabled: true });
        assert.ok(assets.inputs.lifecycleRules.length >= 2);
        assert.equal(assets.options.protect, true);
        const cors = r.one(T.cors);
        assert.equal(cors.inputs.bucket, "storage-assets-a1b2c3d");
        assert.ok(cors.inputs.corsRules.some((c: any) => c.allowedOrigins.includes("https://app.example.com")));
        const backups = r.one(T.bucket, "storage-backups");
        assert.equal(backups.inputs.acl, "private");
        assert.equal(backups.inputs.lifecycleRules[0].expiration.days, 90, "prod keeps long-term copies 90 days");
        assert.equal(backups.options.protect, true);
        const appKey = r.one(T.key, "storage-app-key");
        assert.deepEqual(appKey.inputs.grants, [{ bucket: "storage-assets-a1b2c3d", permission: "readwrite" }]);
        assert.deepEqual(r.one(T.key, "storage-bootstrap-key").inputs.grants, [{ bucket: "storage-config-a1b2c3d", permission: "read" }]);
    });

    it("9. alerts on CPU > 80% and memory > 85% over 5 minutes, and on /healthz latency > 2 s, to the alert email", () => {
        const alerts = r.ofType(T.alert).map((a) => a.inputs);
        const onApp = alerts.filter((a) => JSON.stringify(a.tags) === JSON.stringify([appTag]));
        const cpu = onApp.find((a) => a.type === "v1/insights/droplet/cpu")!;
        const mem = onApp.find((a) => a.type === "v1/insights/droplet/memory_utilization_percent")!;
        for (const [a, value] of [
            [cpu, 80],
            [mem, 85],
        ] as const) {
            assert.equal(a.value, value);
            assert.equal(a.compare, "GreaterThan");
            assert.equal(a.window, "5m");
            assert.deepEqual(a.tags, [appTag]);
            assert.deepEqual(a.alerts, { emails: ["oncall@example.com"] });
        }
        const check = r.one(T.check, "alerts-uptime");
        assert.equal(check.inputs.target, "https://app.example.com/healthz");
        assert.equal(check.inputs.type, "https");
        const latency = r.ofType(T.uptimeAlert).find((a) => a.inputs.type === "latency")!;
        assert.deepEqual([latency.inputs.threshold, latency.inputs.comparison, latency.inputs.checkId], [2000, "greater_than", idOf(check.name)]);
        assert.deepEqual(latency.inputs.notifications, [{ emails: ["oncall@example.com"] }]);
    });

    it("10. groups the resources in a project and tags what DigitalOcean can tag with Project, Environment, Owner and CostCenter", () => {
        const project = r.one(T.project);
        assert.equal(project.inputs.name, "alicerce-do-prod");
        const members: string[] = r.one(T.projectResources).inputs.resources;
        const lbUrn = members.find((m) => m.startsWith("do:loadbalancer:"));
        assert.ok(lbUrn, "load balancer");
        assert.equal(members.filter((m) => m.startsWith("do:dbaas:")).length, 3, "PostgreSQL, its replica and Valkey");
        assert.equal(members.filter((m) => m.startsWith("do:space:")).length, 4, "assets, backups, config, the second region's copy");
        assert.deepEqual(labelTags(), ["project:alicerce", "environment:do-prod", "owner:team-platform", "costcenter:cc-1001", "managedby:pulumi"]);
        for (const c of r.ofType(T.cluster)) assert.deepEqual(c.inputs.tags, labelTags(), c.name);
        // tags are ForceNew on a replica (terraform-provider-digitalocean, digitalocean/database/resource_database_replica.go): only tags that never change.
        assert.deepEqual(r.one(T.replica).inputs.tags, ["project:alicerce", "environment:do-prod", "managedby:pulumi"]);
        assert.deepEqual(r.one(T.replica).options.ignoreChanges, ["tags"], "a replica made with owner tags is not replaced when they go");
    });

    it("exports the URL and no secret", () => {
        assert.equal(run.outputs.url, "https://app.example.com");
        assert.equal(run.outputs.estimatedMonthlyUsd, undefined, "the plan and the cost-budget policy price the stack from what it declares");
        assert.ok(!JSON.stringify(run.outputs).includes("offline-harness-stand-in"));
    });
});

describe("DigitalOcean tiers", () => {
    it("mvp (do-dev) is a pool of one, a single PostgreSQL node, no replica, no cache, plain HTTP, alerts on http", async () => {
        const r = new Resources((await stackRun("do-dev")).resources);
        assert.deepEqual(r.one(T.pool, "app-pool").inputs.config.minInstances, 1);
        assert.deepEqual(r.one(T.pool, "app-pool").inputs.config.maxInstances, 1);
        const pg = r.one(T.cluster);
        assert.equal(pg.inputs.nodeCount, 1);
        assert.equal(pg.options.protect, false);
        assert.equal(r.ofType(T.replica).length, 0);
        assert.equal(r.ofType(T.cert).length, 0);
        const lb = r.one(T.lb);
        assert.equal(lb.inputs.redirectHttpToHttps, false);
        assert.deepEqual(
            lb.inputs.forwardingRules.map((f: any) => f.entryPort),
            [80],
        );
        assert.equal(r.one(T.check).inputs.target, "http://203.0.113.10/healthz");
        const secrets = JSON.parse(r.one(T.object, "app-secrets").inputs.content);
        assert.equal(secrets.DATABASE_READER_URL, undefined, "reads go to the writer without a replica");
        assert.equal(secrets.REDIS_URL, undefined);
    });

    it("growth has one 1 GB database node (our users' $59 plan; standby nodes need 2 GB plans), no replica, and Valkey for the queue", async () => {
        const run = await stackRun("do-growth");
        const r = new Resources(run.resources);
        const pg = r.ofType(T.cluster).find((c) => c.inputs.engine === "pg")!;
        assert.deepEqual([pg.inputs.nodeCount, pg.inputs.size], [1, "db-s-1vcpu-1gb"]);
        assert.equal(r.ofType(T.replica).length, 0);
        assert.equal(r.ofType(T.cluster).filter((c) => c.inputs.engine === "valkey").length, 1);
        assert.ok(!run.logs.some((l) => /^estimated \$/.test(l.message)), "no second, disagreeing price list at program time");
    });

    it("uses an uploaded certificate by name when the domain's DNS is elsewhere", async () => {
        const run = await runStack("do-prod", {
            stackName: "do-cert",
            overrides: { "alicerce:certificateName": "app-origin", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" },
        });
        const r = new Resources(run.resources);
        assert.equal(r.ofType(T.cert).length, 0);
        assert.equal(r.one(T.lb).inputs.forwardingRules.find((f: any) => f.entryPort === 443).certificateName, "app-origin");
    });

    it("opens SSH only to alicerce:adminCidrs", async () => {
        const run = await runStack("do-dev", { stackName: "do-ssh", overrides: { "alicerce:adminCidrs": '["203.0.113.7/32"]' } });
        const fw = new Resources(run.resources).one(T.firewall);
        assert.deepEqual(
            fw.inputs.inboundRules.find((i: any) => i.portRange === "22"),
            { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.7/32"] },
        );
    });

    it("pushes into the account's registry by name without creating it, and builds nothing for a prebuilt image", async () => {
        const shared = new Resources(
            (await runStack("do-dev", { stackName: "do-shared", overrides: { "alicerce:registryName": "acme", "alicerce:createRegistry": undefined } }))
                .resources,
        );
        assert.equal(shared.ofType(T.registry).length, 0);
        assert.equal(shared.one(T.creds, "app-image-push").inputs.registryName, "acme");
        const image = `ghcr.io/acme/app@sha256:${"ab12".repeat(16)}`;
        const prebuilt = new Resources(
            (
                await runStack("do-dev", {
                    stackName: "do-prebuilt",
                    overrides: { "alicerce:image": image, "alicerce:registryName": undefined, "alicerce:createRegistry": undefined },
                })
            ).resources,
        );
        assert.equal(prebuilt.ofType(T.image).length + prebuilt.ofType(T.creds).length + prebuilt.ofType(T.registry).length, 0);
        assert.equal(prebuilt.ofType("pulumi:providers:docker").length, 0, "a docker provider connects to the daemon; none is needed without a build");
        assert.equal(shared.ofType("pulumi:providers:docker").length, 1);
        assert.ok(prebuilt.one(T.pool, "app-pool").inputs.dropletTemplate.userData.includes(image));
        assert.ok(!prebuilt.one(T.pool).inputs.dropletTemplate.userData.includes("docker login"));
    });

    it("moving one stack from mvp to growth to prod renames and replaces nothing that holds data", async () => {
        const names = async (tier: string) => {
            const run = await runStack("do-dev", { stackName: "do-upgrade", overrides: { "alicerce:tier": tier, "alicerce:domain": "app.example.com" } });
            const data = run.resources.filter(
                (x) => [T.vpc, T.tag, T.bucket, T.db, T.user, T.project, T.registry].includes(x.type) || (x.type === T.cluster && x.inputs.engine === "pg"),
            );
            return Object.fromEntries(
                data.map((x) => [
                    x.urn,
                    JSON.stringify({
                        name: x.inputs.name ?? null,
                        ipRange: x.inputs.ipRange ?? null,
                        region: x.inputs.region ?? null,
                        engine: x.inputs.engine ?? null,
                    }),
                ]),
            );
        };
        const mvp = await names("mvp");
        // Growth adds the workers' tag; everything mvp had keeps its URN and its name.
        const kept = (all: Record<string, string>) => Object.fromEntries(Object.keys(mvp).map((urn) => [urn, all[urn]]));
        assert.deepEqual(kept(await names("growth")), mvp);
        assert.deepEqual(kept(await names("prod")), mvp);
    });
});

/** What the droplet's container gets: the env file in the user data, plus each secret the prepare script writes, valued from the secrets document. */
function containerEnvironment(r: Resources): Record<string, string> {
    const userData: string = r.one(T.pool, "app-pool").inputs.dropletTemplate.userData;
    const envFile = userData.split("cat > '/etc/app/app.env' <<'ALICERCE_EOF'\n")[1].split("\nALICERCE_EOF")[0];
    const env = Object.fromEntries(envFile.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const doc = JSON.parse(r.one(T.object, "app-secrets").inputs.content);
    for (const [, name] of userData.matchAll(/printf '%s=%s\\n' '([A-Z_]+)'/g)) {
        assert.equal(typeof doc[name], "string", `${name} is written for the container but missing from the secrets document`);
        env[name] = doc[name];
    }
    return env;
}

describe("DigitalOcean: the container's environment, read by the app's own config parser", () => {
    const parseConfig = loadAppParseConfig();

    for (const stack of ["do-dev", "do-prod"]) {
        it(`${stack}: app-image/src/config.ts accepts it, and reads the values infra meant`, async () => {
            const r = new Resources((await stackRun(stack)).resources);
            const env = containerEnvironment(r);
            assert.equal(env.DATABASE_ADMIN_URL, undefined, "the admin URL is the prepare script's, not the app's");
            const result = parseConfig(env);
            assert.ok(result.ok, `the app refuses its environment: ${result.ok ? "" : JSON.stringify(result.issues)}`);
            const c = result.config;
            assert.match(c.database.writer.host, /^private-database-cluster-/);
            assert.deepEqual([c.database.writer.port, c.database.writer.database, c.database.writer.user], [25060, "app", "app"]);
            assert.equal(c.database.credentials.kind, "inline");
            assert.equal(c.database.sslMode, "require");
            assert.equal(c.database.poolMax, Number(env.DB_POOL_MAX));
            assert.equal(c.database.reader?.host.startsWith("private-database-replica-") ?? false, stack === "do-prod", "a replica only in prod");
            assert.equal(c.signingKey.kind, "inline");
            assert.deepEqual([c.assets.bucket, c.assets.endpoint], ["storage-assets-a1b2c3d", "https://nyc3.digitaloceanspaces.com"]);
            assert.equal(c.shutdownTimeoutMs, 25000);
            assert.equal(c.awsRegion, "us-east-1");
        });
    }

    it("would catch a renamed variable: the parser refuses the environment without DATABASE_URL", async () => {
        const env = containerEnvironment(new Resources((await stackRun("do-dev")).resources));
        const renamed: Record<string, string> = { ...env, DB_URL: env.DATABASE_URL };
        delete renamed.DATABASE_URL;
        const result = parseConfig(renamed);
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.issues.some((i) => i.variable.includes("DATABASE_URL")));
    });
});

// DigitalOcean Container Registry limits (https://docs.digitalocean.com/products/container-registry/details/limits/):
// one registry per account, its name unique across DigitalOcean, at most 63 lowercase letters, digits and '-'.
describe("DigitalOcean: one container registry per account, across every shipped do-* stack", () => {
    const doStacks = () => stackFiles().filter((s) => readStackConfig(s).config["alicerce:cloud"] === "digitalocean");

    it("at most one stack creates the registry; every stack that builds pushes to that one, by name", async () => {
        const stacks = doStacks();
        assert.ok(stacks.length >= 3, stacks.join(", "));
        const runs = await Promise.all(stacks.map((s) => stackRun(s)));
        const creators = runs.filter((run) => new Resources(run.resources).ofType(T.registry).length > 0);
        assert.ok(creators.length <= 1, `${creators.map((c) => c.stack).join(", ")} each create a registry; DigitalOcean allows one per account`);
        const created = creators.length === 1 ? new Resources(creators[0].resources).one(T.registry).inputs.name : undefined;
        const names = new Set<string>();
        for (const run of runs) {
            for (const c of new Resources(run.resources).ofType(T.creds)) names.add(c.inputs.registryName);
        }
        assert.equal(names.size, 1, `the stacks push to different registries: ${[...names].join(", ")}`);
        if (created !== undefined) assert.deepEqual([...names], [created]);
    });

    it("the created registry is named (so the others can find it), protected, kept on destroy, on a tier with room for every stack's repository", async () => {
        const owners = (await Promise.all(doStacks().map((s) => stackRun(s)))).flatMap((run) => new Resources(run.resources).ofType(T.registry));
        assert.equal(owners.length, 1, "the shipped stacks create the account's registry once");
        const registry = owners[0];
        assert.match(registry.inputs.name, /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
        assert.equal(registry.options.protect, true);
        assert.equal(registry.options.retainOnDelete, true, "destroying the owner stack must not delete the registry the others pull from");
        // Starter holds 1 repository and 500 MiB; basic 5 repositories (https://docs.digitalocean.com/products/container-registry/details/pricing/).
        assert.equal(registry.inputs.subscriptionTierSlug, "basic");
        assert.ok(doStacks().length <= 5, "more stacks than basic's 5 repositories: use professional");
        // POST /v2/registry accepts region nyc3, sfo3, ams3, fra1 or sgp1.
        assert.ok(["nyc3", "sfo3", "ams3", "fra1", "sgp1"].includes(registry.inputs.region), registry.inputs.region);
    });

    it("each stack pushes to its own repository in the shared registry", async () => {
        const repos = await Promise.all(doStacks().map(async (s) => new Resources((await stackRun(s)).resources).one(T.image).inputs.imageName));
        assert.equal(new Set(repos).size, repos.length, repos.join(", "));
    });
});

describe("DigitalOcean: the app's DNS record", () => {
    it("with alicerce:cloudflareZoneId, manages an A record to the load balancer in the zone (proxied by default) and the zone's origin TLS", async () => {
        const run = await runStack("do-prod", {
            stackName: "do-dns",
            overrides: { "alicerce:certificateName": "app-origin", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" },
        });
        const r = new Resources(run.resources);
        const record = r.one("cloudflare:index/dnsRecord:DnsRecord");
        assert.deepEqual(
            [record.inputs.zoneId, record.inputs.name, record.inputs.type, record.inputs.content, record.inputs.proxied],
            ["023e105f4ecef8ad9ca31a8372d0c353", "app.example.com", "A", "203.0.113.10", true],
        );
        assert.deepEqual(
            r
                .ofType("cloudflare:index/zoneSetting:ZoneSetting")
                .map((z) => [z.inputs.settingId, z.inputs.value])
                .sort(),
            [
                ["always_use_https", "on"],
                ["min_tls_version", "1.2"],
                ["ssl", "strict"],
            ],
        );
        const unproxied = await runStack("do-prod", {
            stackName: "do-dns-grey",
            overrides: {
                "alicerce:certificateName": "app-origin",
                "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353",
                "alicerce:cloudflareProxied": "false",
            },
        });
        assert.equal(new Resources(unproxied.resources).one("cloudflare:index/dnsRecord:DnsRecord").inputs.proxied, false);
    });

    // The balancer's firewall takes `cidr:<range>` allow rules (DigitalOcean API reference, load balancers, `firewall.allow`:
    // "the rules for allowing traffic to the load balancer (in the form 'ip:1.2.3.4' or 'cidr:1.2.0.0/16')";
    // @pulumi/digitalocean types/input.d.ts LoadBalancerFirewall.allows). Behind Cloudflare's proxy only Cloudflare's
    // ranges (https://www.cloudflare.com/ips/) reach it, so X-Forwarded-For reads `client, edge` and two hops are trusted
    // (app-image/src/config.ts TRUST_PROXY_HOPS): the rate limit keys on the visitor, not on Cloudflare's edge.
    it("behind Cloudflare's proxy, the balancer admits Cloudflare's ranges only and the app trusts two proxy hops; unproxied, anyone and one hop", async () => {
        const zone = { "alicerce:certificateName": "app-origin", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" };
        const proxied = await runStack("do-prod", { stackName: "do-cf-fw", overrides: zone });
        const r = new Resources(proxied.resources);
        const allows: string[] = r.one("digitalocean:index/loadBalancer:LoadBalancer").inputs.firewall.allows;
        assert.ok(allows.length > 10, JSON.stringify(allows));
        assert.ok(allows.includes("cidr:173.245.48.0/20") && allows.includes("cidr:104.16.0.0/13"), JSON.stringify(allows));
        assert.ok(
            allows.every((a) => /^cidr:\d+\.\d+\.\d+\.\d+\/\d+$/.test(a)),
            JSON.stringify(allows),
        );
        assert.ok(proxied.calls.some((c) => c.token === "cloudflare:index/getIpRanges:getIpRanges"));
        for (const pool of r.ofType("digitalocean:index/dropletAutoscale:DropletAutoscale")) {
            assert.match(pool.inputs.dropletTemplate.userData, /TRUST_PROXY_HOPS=2\b/, pool.name);
        }
        for (const [stackName, overrides] of [
            ["do-cf-grey", { ...zone, "alicerce:cloudflareProxied": "false" }],
            ["do-no-cf", {}],
        ] as const) {
            const open = new Resources((await runStack("do-prod", { stackName, overrides })).resources);
            assert.equal(open.one("digitalocean:index/loadBalancer:LoadBalancer").inputs.firewall, undefined, stackName);
            for (const pool of open.ofType("digitalocean:index/dropletAutoscale:DropletAutoscale")) {
                assert.doesNotMatch(pool.inputs.dropletTemplate.userData, /TRUST_PROXY_HOPS/, `${stackName} ${pool.name}`);
            }
        }
    });

    it("without a zone, warns which record to create (as on AWS), and creates none", async () => {
        const run = await stackRun("do-prod");
        assert.equal(new Resources(run.resources).ofType("cloudflare:index/dnsRecord:DnsRecord").length, 0);
        assert.ok(
            run.logs.some((l) => l.severity === "warning" && l.message.includes("create an A record app.example.com")),
            JSON.stringify(run.logs),
        );
    });
});

// The provider's own validators (terraform-provider-digitalocean at 401992a1e493a0e3cfc833197820867991fc011f), checked on
// what every shipped do-* stack declares, so a value the provider refuses fails here and not at `pulumi up`.
describe("DigitalOcean: what every do-* stack declares passes the provider's validation", () => {
    const doStacks = () => stackFiles().filter((s) => readStackConfig(s).config["alicerce:cloud"] === "digitalocean");
    const each = async (check: (r: Resources, stack: string) => void) => {
        for (const stack of doStacks()) check(new Resources((await stackRun(stack)).resources), stack);
    };

    it("tags: digitalocean/tag/tags.go accepts ^[a-zA-Z0-9:\\-_]{1,255}$", () =>
        each((r, stack) => {
            const tags = [
                ...r.ofType(T.tag).map((t) => t.inputs.name),
                ...r.ofType(T.pool).flatMap((p) => p.inputs.dropletTemplate.tags),
                ...r.all.filter((x) => x.type.startsWith("digitalocean:") && Array.isArray(x.inputs.tags)).flatMap((x) => x.inputs.tags),
            ];
            assert.ok(tags.length > 0);
            for (const t of tags) assert.match(t, /^[a-zA-Z0-9:\-_]{1,255}$/, `${stack}: ${t}`);
        }));

    it("project: name 1-175 characters, description at most 255, environment development|staging|production (project/resource_project.go)", () =>
        each((r) => {
            const p = r.one(T.project).inputs;
            assert.ok(p.name.length >= 1 && p.name.length <= 175);
            assert.ok(p.description.length <= 255);
            assert.ok(["development", "staging", "production"].includes(p.environment.toLowerCase()));
        }));

    it("connection pool: name 3-63 characters, mode session|transaction|statement (database/resource_database_connection_pool.go; mode is ForceNew)", () =>
        each((r) => {
            const p = r.one(T.pgPool).inputs;
            assert.ok(p.name.length >= 3 && p.name.length <= 63);
            assert.ok(["session", "transaction", "statement"].includes(p.mode));
        }));

    it("cluster storage autoscaling: threshold 15-95%, increment at least 10 GiB (database/resource_database_cluster.go)", () =>
        each((r) => {
            const a = r.one(T.cluster, "database-cluster").inputs.storageAutoscale;
            assert.ok(a.thresholdPercent >= 15 && a.thresholdPercent <= 95 && a.incrementGib >= 10);
        }));

    it("load balancer: size_unit 1-200, health check interval and timeout 3-300 s, thresholds 2-10 (loadbalancer/resource_loadbalancer.go)", () =>
        each((r) => {
            const lb = r.one(T.lb).inputs;
            assert.ok(lb.sizeUnit >= 1 && lb.sizeUnit <= 200);
            const h = lb.healthcheck;
            for (const v of [h.checkIntervalSeconds, h.responseTimeoutSeconds]) assert.ok(v >= 3 && v <= 300);
            for (const v of [h.healthyThreshold, h.unhealthyThreshold]) assert.ok(v >= 2 && v <= 10);
            for (const f of lb.forwardingRules) assert.ok(f.entryPort >= 1 && f.entryPort <= 65535 && f.targetPort >= 1 && f.targetPort <= 65535);
        }));

    it("autoscale pool: CPU and memory targets between 0 and 1 (dropletautoscale/resource_droplet_autoscale.go)", () =>
        each((r) => {
            const c = r.one(T.pool, "app-pool").inputs.config;
            for (const v of [c.targetCpuUtilization, c.targetMemoryUtilization]) assert.ok(v > 0 && v <= 1);
        }));

    it("buckets: in a Spaces region (spaces/spaces_entities.go SpacesRegions); names 3-63 lowercase letters, digits, '-'", () =>
        each((r) => {
            const spaces = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"];
            for (const b of r.ofType(T.bucket)) {
                assert.ok(spaces.includes(b.inputs.region), b.inputs.region);
                // Pulumi autonames the bucket: the logical name plus '-' and 7 characters.
                assert.match(`${b.name}-a1b2c3d`, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
            }
        }));
});
