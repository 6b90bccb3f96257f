import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { REQUIRED_TAG_KEYS } from "../shared/tags";
import { RecordedResource, Resources, runStack, StackRun } from "../../test/harness";
import { mockRandomPassword } from "../../test/harness/outputs";
import { redactSecrets } from "../../test/harness/secrets";
import { CONTAINER_LIMITS, HOST_MEMORY_MB, totalMemoryMb } from "./limits";
import { TIER_PRESETS, TIERS } from "../../stacks/tiers";

const CONTAINER = "docker:index/container:Container";
const runs = new Map<string, Promise<StackRun>>();
function run(stack: string, overrides?: Record<string, string | undefined>, stackName?: string): Promise<StackRun> {
    const key = JSON.stringify([stack, overrides, stackName]);
    if (!runs.has(key)) runs.set(key, runStack(stack, { overrides, stackName }));
    return runs.get(key)!;
}
const envOf = (c: RecordedResource): string[] => c.inputs.envs ?? [];
const isOneShot = (c: RecordedResource) => c.inputs.restart === "no";

describe("single host (cloud docker): recorded container specs", () => {
    for (const stack of ["local", "vps-example"]) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("publishes ports only on nginx: no database, cache or object store is reachable from outside", async () => {
                const r = new Resources((await run(stack)).resources);
                const published = r.ofType(CONTAINER).filter((c) => (c.inputs.ports ?? []).length > 0);
                assert.deepEqual(published.map((c) => c.name), ["nginx"]);
                for (const c of r.ofType(CONTAINER)) assert.notEqual(c.inputs.publishAllPorts, true, c.name);
                const data = r.one("docker:index/network:Network", "networks-data");
                assert.equal(data.inputs.internal, true, "the data network must have no route out");
                for (const name of ["postgres", "redis", "minio"]) {
                    const c = r.one(CONTAINER, name);
                    assert.deepEqual(c.inputs.networksAdvanced.map((n: any) => n.name), [data.inputs.name], `${name} is on another network too`);
                    assert.equal(c.inputs.networkMode, data.inputs.name, `${name} would also join Docker's default bridge`);
                }
            });

            it("limits memory (no swap on top) and CPU, checks health, restarts, rotates logs, runs read-only without capabilities", async () => {
                const r = new Resources((await run(stack)).resources);
                const containers = r.ofType(CONTAINER);
                assert.ok(containers.length >= 7);
                for (const c of containers) {
                    const i = c.inputs;
                    assert.ok(i.memory > 0 && i.memorySwap === i.memory, `${c.name}: memory ${i.memory}, swap ${i.memorySwap}`);
                    assert.ok(Number(i.cpus) > 0, `${c.name}: cpus`);
                    assert.equal(i.readOnly, true, `${c.name}: writable root filesystem`);
                    assert.ok(Object.keys(i.tmpfs ?? {}).includes("/tmp"), `${c.name}: no tmpfs scratch`);
                    assert.deepEqual(i.capabilities.drops, ["ALL"], c.name);
                    assert.ok(i.securityOpts.includes("no-new-privileges:true"), c.name);
                    assert.equal(i.logDriver, "json-file");
                    assert.deepEqual(i.logOpts, { "max-size": "10m", "max-file": "5" }, c.name);
                    if (isOneShot(c)) continue;
                    assert.equal(i.restart, "unless-stopped", c.name);
                    assert.ok(i.healthcheck?.tests?.length > 1, `${c.name} has no healthcheck`);
                }
                assert.deepEqual(r.ofType(CONTAINER).filter(isOneShot).map((c) => c.name), ["backups-setup"]);
                assert.deepEqual(r.one(CONTAINER, "nginx").inputs.capabilities.adds, [], "nginx binds 8080/8443 as uid 101: it needs no capability");
            });

            it("runs PostgreSQL, Redis and nginx as their images' own non-root users", async () => {
                const r = new Resources((await run(stack)).resources);
                assert.equal(r.one(CONTAINER, "postgres").inputs.user, "70:70");
                assert.equal(r.one(CONTAINER, "redis").inputs.user, "999:1000");
                assert.equal(r.one(CONTAINER, "nginx").inputs.user, "101:101");
            });

            it("keeps every generated secret out of plain inputs: container environments that hold one are secret", async () => {
                const run_ = await run(stack);
                const r = new Resources(run_.resources);
                const secrets = r.ofType("random:index/randomPassword:RandomPassword").map((p) => mockRandomPassword(p.name, p.inputs.length));
                assert.equal(secrets.length, 6, "postgres, redis, object store root and app, the backup repository");
                for (const res of run_.resources) {
                    const plain = JSON.stringify(redactSecrets(res.inputs, res.secretPaths));
                    for (const s of secrets) assert.ok(!plain.includes(s), `${res.type} ${res.name} holds a generated secret in a plain input`);
                }
                for (const name of ["postgres", "redis", "minio", "app-1", "backups-scheduler", "backups-setup"]) {
                    const c = r.one(CONTAINER, name);
                    assert.ok(c.secretPaths.includes("envs"), `${name}: envs not secret (${c.secretPaths.join(", ")})`);
                }
                const url = envOf(r.one(CONTAINER, "app-1")).find((e) => e.startsWith("DATABASE_URL="))!;
                assert.match(url, /^DATABASE_URL=postgres:\/\/app:[A-Za-z0-9]+@postgres:5432\/app$/);
                assert.ok(envOf(r.one(CONTAINER, "app-1")).includes("DB_SSL_MODE=disable"));
                assert.ok(!JSON.stringify(run_.outputs).includes(secrets[0]));
            });

            it("replaces stateful containers delete-first (one server per data directory) and app replicas create-first", async () => {
                const r = new Resources((await run(stack)).resources);
                for (const name of ["postgres", "redis", "minio", "nginx", "backups-scheduler"]) {
                    assert.equal(r.one(CONTAINER, name).options.deleteBeforeReplace, true, name);
                }
                const apps = r.ofType(CONTAINER).filter((c) => /^app-\d+$/.test(c.name));
                for (const c of apps) {
                    assert.equal(c.options.deleteBeforeReplace, false, c.name);
                    assert.equal(c.inputs.name, undefined, `${c.name}: a fixed container name blocks create-before-delete`);
                    assert.equal(c.inputs.wait, true, `${c.name}: the new replica must be healthy before the old one goes`);
                }
            });

            it("renders nginx with one upstream server per replica and labels everything with the standard tags", async () => {
                const run_ = await run(stack);
                const r = new Resources(run_.resources);
                const apps = r.ofType(CONTAINER).filter((c) => /^app-\d+$/.test(c.name));
                const tier = run_.config["alicerce:tier"] as keyof typeof TIER_PRESETS;
                assert.equal(apps.length, TIER_PRESETS[tier].singleHost.appReplicas);
                const conf = envOf(r.one(CONTAINER, "nginx")).find((e) => e.startsWith("NGINX_CONF="))!;
                for (let i = 1; i <= apps.length; i++) assert.ok(conf.includes(`server app-${i}:8080 `), `app-${i} missing from the upstream`);
                assert.ok(!conf.includes(`app-${apps.length + 1}:`));
                for (const res of run_.resources.filter((x) => /^docker:index\/(container|network|volume):/.test(x.type))) {
                    const labels = Object.fromEntries((res.inputs.labels ?? []).map((l: any) => [l.label, l.value]));
                    for (const key of REQUIRED_TAG_KEYS) assert.ok(labels[key], `${res.type} ${res.name} lacks label ${key}`);
                    assert.equal(labels.Environment, run_.stack);
                }
            });
        });
    }

    it("local: talks to the local Docker socket and serves plain HTTP on 80 only", async () => {
        const r = new Resources((await run("local")).resources);
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "unix:///var/run/docker.sock");
        assert.deepEqual(r.one(CONTAINER, "nginx").inputs.ports.map((p: any) => [p.external, p.internal]), [[80, 8080]]);
        assert.equal(r.ofType("digitalocean:index/droplet:Droplet").length, 0);
    });

    it("vps-example: creates the droplet with cloud-init and a cloud firewall with SSH from the admin ranges only", async () => {
        const run_ = await run("vps-example");
        const r = new Resources(run_.resources);
        const admin = JSON.parse(run_.config["alicerce:adminCidrs"]);
        const droplet = r.one("digitalocean:index/droplet:Droplet");
        assert.ok(droplet.provider, "the droplet uses the explicit provider");
        assert.equal(droplet.inputs.size, TIER_PRESETS.growth.singleHost.hostSize.digitalocean);
        assert.equal(droplet.options.protect, true, "the growth host holds every volume: it is protected");
        assert.ok(droplet.options.ignoreChanges.includes("userData"), "a cloud-init change must not replace the host");
        const cloudConfig = parseYaml(droplet.inputs.userData);
        const ssh = cloudConfig.runcmd.filter((c: string[]) => c[0] === "ufw" && c.includes("22"));
        assert.deepEqual(ssh.map((c: string[]) => c[c.indexOf("from") + 1]), admin);
        assert.ok(droplet.inputs.tags.includes("environment:vps-example"));
        const fw = r.one("digitalocean:index/firewall:Firewall");
        const sshRule = fw.inputs.inboundRules.find((x: any) => x.portRange === "22");
        assert.deepEqual(sshRule.sourceAddresses, admin);
        assert.deepEqual(fw.inputs.inboundRules.map((x: any) => x.portRange).sort(), ["22", "443", "80"]);
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "ssh://alicerce@203.0.113.10");
        assert.deepEqual(r.one(CONTAINER, "nginx").inputs.ports.map((p: any) => p.external).sort(), [443, 80]);
        for (const v of r.ofType("docker:index/volume:Volume").filter((x) => x.name !== "backups-work")) assert.equal(v.options.protect, true, v.name);
    });

    it("vps on AWS: an encrypted, IMDSv2-only Graviton instance with SSH from the admin ranges, via the tagged provider", async () => {
        const run_ = await run("vps-example", { "alicerce:vps": "aws", "alicerce:region": "sa-east-1" }, "vps-aws");
        const r = new Resources(run_.resources);
        const instance = r.one("aws:ec2/instance:Instance");
        assert.equal(instance.inputs.instanceType, TIER_PRESETS.growth.singleHost.hostSize.aws);
        assert.equal(instance.inputs.rootBlockDevice.encrypted, true);
        assert.equal(instance.inputs.metadataOptions.httpTokens, "required");
        const ssh = r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => x.inputs.fromPort === 22);
        assert.deepEqual(ssh.map((x) => x.inputs.cidrIpv4), ["203.0.113.0/24"]);
        const provider = r.one("pulumi:providers:aws");
        const tags = JSON.parse(provider.inputs.defaultTags).tags;
        assert.equal(tags.Environment, "vps-aws");
        assert.equal(provider.inputs.region, "sa-east-1");
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "ssh://alicerce@198.51.100.20");
    });

    it("moving local from mvp to prod replaces no volume, secret or data container name", async () => {
        const before = new Resources((await run("local")).resources);
        const after = new Resources((await run("local", { "alicerce:tier": "prod", "alicerce:domain": "app.example.com" })).resources);
        for (const type of ["docker:index/volume:Volume", "random:index/randomPassword:RandomPassword", "docker:index/network:Network"]) {
            const names = (r: Resources) => r.ofType(type).map((x) => [x.urn, JSON.stringify({ ...x.inputs, labels: undefined })]).sort();
            assert.deepEqual(names(after), names(before), type);
        }
        for (const name of ["postgres", "redis", "minio"]) assert.equal(after.one(CONTAINER, name).inputs.name, before.one(CONTAINER, name).inputs.name);
    });

    it("container limits fit each tier's VPS memory with room for the OS", () => {
        for (const tier of TIERS) {
            const preset = TIER_PRESETS[tier].singleHost;
            for (const size of Object.values(preset.hostSize)) {
                const host = HOST_MEMORY_MB[size];
                assert.ok(host, `no memory figure for ${size}`);
                const used = totalMemoryMb(tier, preset.appReplicas);
                assert.ok(used <= host - 256, `${tier} on ${size}: containers may use ${used} MB of ${host}`);
            }
            assert.ok(CONTAINER_LIMITS[tier].postgres.memoryMb >= 512);
        }
    });
});

