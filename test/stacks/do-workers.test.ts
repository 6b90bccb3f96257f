import { strict as assert } from "assert";
import { Resources, runStack, StackRun } from "../../offline";
import { stackRun } from "./whole-stack.test";
import { WORKER_COMMAND } from "../../components/shared/app-contract";

/**
 * Queue workers and Valkey on DigitalOcean, from the recorded inputs of the shipped stacks.
 * Provider rules checked:
 * - DatabaseValkeyConfig: terraform-provider-digitalocean digitalocean/database/resource_database_valkey_config.go
 *   (maxmemory policy, persistence `off`|`rdb`, ssl); BullMQ needs `noeviction` (https://docs.bullmq.io/guide/going-to-production).
 * - Database firewall rules by tag: digitalocean/database/resource_database_firewall.go (type droplet|k8s|ip_addr|tag|app).
 * - MonitorAlert types for droplets and databases: @pulumi/digitalocean monitorAlert.d.ts `type`.
 */
const T = {
    tag: "digitalocean:index/tag:Tag",
    pool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    firewall: "digitalocean:index/firewall:Firewall",
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    valkeyConfig: "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig",
    dbFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    object: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    alert: "digitalocean:index/monitorAlert:MonitorAlert",
};
const idOf = (name: string) => `${name}-id`;

describe("DigitalOcean queue workers and Valkey (do-prod)", () => {
    let r: Resources;
    before(async () => {
        r = new Resources((await stackRun("do-prod")).resources);
    });
    const appTag = "alicerce-do-prod-app";
    const workerTag = "alicerce-do-prod-worker";

    it("runs a worker pool (tier's min/max, CPU target) from the same image with the worker command, tagged with its own tag", () => {
        const worker = r.one(T.pool, "workers-pool");
        const app = r.one(T.pool, "app-pool");
        assert.equal(r.one(T.tag, "network-worker").inputs.name, workerTag);
        assert.deepEqual([worker.inputs.config.minInstances, worker.inputs.config.maxInstances, worker.inputs.config.targetCpuUtilization], [2, 4, 0.6]);
        assert.equal(worker.inputs.dropletTemplate.size, "s-1vcpu-1gb");
        assert.equal(worker.inputs.dropletTemplate.tags[0], workerTag);
        assert.ok(!worker.inputs.dropletTemplate.tags.includes(appTag), "workers are not behind the balancer");
        const ud: string = worker.inputs.dropletTemplate.userData;
        const image = /--read-only[\s\S]*?\n\s+(\S+@sha256:[0-9a-f]{64})/.exec(app.inputs.dropletTemplate.userData)![1];
        assert.ok(ud.includes(`${image} \\\n    ${WORKER_COMMAND.map((w) => `"${w}"`).join(" \\\n    ")}`), "same image, worker command");
        assert.ok(ud.includes("--stop-timeout 30"), "docker waits 30 s, above the 25 s drain");
        assert.ok(!app.inputs.dropletTemplate.userData.includes("dist/worker.js"));
    });

    it("firewalls the workers: no inbound port at all without admin ranges", () => {
        const fw = r.one(T.firewall, "workers-firewall");
        assert.deepEqual(fw.inputs.tags, [workerTag]);
        assert.deepEqual(fw.inputs.inboundRules ?? [], []);
    });

    it("keeps REDIS_URL (rediss://, with the password) in the encrypted secrets documents, never in user data", () => {
        for (const [pool, object] of [
            ["app-pool", "app-secrets"],
            ["workers-pool", "workers-secrets"],
        ]) {
            const doc = r.one(T.object, object);
            assert.deepEqual(doc.secretPaths, ["content"]);
            const secrets = JSON.parse(doc.inputs.content);
            assert.match(secrets.REDIS_URL, /^rediss:\/\/default:[^@]+@private-[^:]+:25061$/, "TLS, private host");
            const ud: string = r.one(T.pool, pool).inputs.dropletTemplate.userData;
            assert.ok(!ud.includes(secrets.REDIS_URL) && !ud.includes("REDIS_URL="), `${pool}: REDIS_URL in user data`);
            for (const v of Object.values<any>(secrets)) for (const s of typeof v === "string" ? [v] : Object.values<string>(v)) assert.ok(!ud.includes(s));
        }
        assert.equal(r.one(T.object, "workers-secrets").inputs.key, "worker-secrets.json");
        const workerSecrets = JSON.parse(r.one(T.object, "workers-secrets").inputs.content);
        assert.equal(workerSecrets.SESSION_SIGNING_KEY, undefined, "the worker needs no session key");
        assert.equal(workerSecrets.DATABASE_ADMIN_URL, undefined, "nor the admin URL");
    });

    it("runs Valkey in the VPC with noeviction and RDB persistence, firewalled to the app and worker tags only", () => {
        const valkey = r.ofType(T.cluster).find((c) => c.inputs.engine === "valkey")!;
        assert.equal(valkey.inputs.size, "db-s-1vcpu-2gb");
        assert.equal(valkey.inputs.privateNetworkUuid, r.one(T.pool, "app-pool").inputs.dropletTemplate.vpcUuid);
        const cfg = r.one(T.valkeyConfig);
        assert.equal(cfg.inputs.clusterId, idOf(valkey.name));
        assert.deepEqual([cfg.inputs.valkeyMaxmemoryPolicy, cfg.inputs.persistence, cfg.inputs.ssl], ["noeviction", "rdb", true]);
        const fw = r.ofType(T.dbFirewall).find((f) => f.inputs.clusterId === idOf(valkey.name))!;
        assert.deepEqual(fw.inputs.rules, [
            { type: "tag", value: appTag },
            { type: "tag", value: workerTag },
        ]);
        const pgFw = r.one(T.dbFirewall, "database-firewall");
        assert.deepEqual(
            pgFw.inputs.rules,
            [
                { type: "tag", value: appTag },
                { type: "tag", value: workerTag },
                // do-prod's nightly copy to the second region dumps the database.
                { type: "tag", value: "alicerce-do-prod-region-copy" },
            ],
            "workers record results in PostgreSQL",
        );
    });

    it("alerts on worker CPU/memory by tag and on Valkey memory/CPU by cluster", () => {
        const alerts = r.ofType(T.alert).map((a) => a.inputs);
        const valkey = r.ofType(T.cluster).find((c) => c.inputs.engine === "valkey")!;
        const onWorkers = alerts
            .filter((a) => JSON.stringify(a.tags) === JSON.stringify([workerTag]))
            .map((a) => a.type)
            .sort();
        assert.deepEqual(onWorkers, ["v1/insights/droplet/cpu", "v1/insights/droplet/memory_utilization_percent"]);
        const onCache = alerts
            .filter((a) => JSON.stringify(a.entities) === JSON.stringify([idOf(valkey.name)]))
            .map((a) => a.type)
            .sort();
        assert.deepEqual(onCache, ["v1/dbaas/alerts/cpu_alerts", "v1/dbaas/alerts/memory_utilization_alerts"]);
    });
});

describe("DigitalOcean workers per tier", () => {
    it("mvp (do-dev) has no Valkey and no workers; growth has both", async () => {
        const dev = new Resources((await stackRun("do-dev")).resources);
        assert.equal(dev.ofType(T.pool).length, 1);
        assert.equal(dev.ofType(T.valkeyConfig).length, 0);
        const growth: StackRun = await stackRun("do-growth");
        const g = new Resources(growth.resources);
        const w = g.one(T.pool, "workers-pool");
        assert.deepEqual([w.inputs.dropletTemplate.size, w.inputs.config.minInstances, w.inputs.config.maxInstances], ["s-1vcpu-512mb-10gb", 1, 2]);
        assert.equal(g.ofType(T.cluster).find((c) => c.inputs.engine === "valkey")!.inputs.size, "db-s-1vcpu-1gb");
    });
});

describe("DigitalOcean: tier moves keep the queue", () => {
    // ForceNew on a database cluster: name, engine, private_network_uuid, project_id
    // (terraform-provider-digitalocean digitalocean/database/resource_database_cluster.go); size and node_count resize in place.
    it("growth -> prod resizes the Valkey cluster in place: same URN, same name, engine and VPC", async () => {
        const valkey = async (tier: string) => {
            const run = await runStack("do-dev", {
                stackName: "do-upgrade",
                overrides: { "alicerce:tier": tier, "alicerce:domain": "app.example.com", "alicerce:alertEmail": "oncall@example.com" },
            });
            const c = run.resources.find((x) => x.type === T.cluster && x.inputs.engine === "valkey")!;
            return {
                urn: c.urn,
                name: c.inputs.name ?? null,
                engine: c.inputs.engine,
                vpc: c.inputs.privateNetworkUuid,
                project: c.inputs.projectId ?? null,
                size: c.inputs.size,
            };
        };
        const growth = await valkey("growth");
        const prod = await valkey("prod");
        assert.deepEqual({ ...prod, size: undefined }, { ...growth, size: undefined });
        assert.deepEqual([growth.size, prod.size], ["db-s-1vcpu-1gb", "db-s-1vcpu-2gb"]);
    });
});

describe("single host: tier moves keep Redis's data", () => {
    it("mvp -> growth -> prod keeps the Redis volume's URN and name, and its container's data mount", async () => {
        const redis = async (tier: string) => {
            const run = await runStack("local", { stackName: "local-upgrade", overrides: { "alicerce:tier": tier, "alicerce:domain": "app.example.com" } });
            const v = run.resources.find((x) => x.type === "docker:index/volume:Volume" && x.name === "redis-data")!;
            const c = run.resources.find((x) => x.type === "docker:index/container:Container" && x.name === "redis")!;
            return { urn: v.urn, name: v.inputs.name, mount: c.inputs.volumes };
        };
        const mvp = await redis("mvp");
        assert.equal(mvp.name, "alicerce-local-upgrade-redis");
        assert.deepEqual(await redis("growth"), mvp);
        assert.deepEqual(await redis("prod"), mvp);
    });
});
