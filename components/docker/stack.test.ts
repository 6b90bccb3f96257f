import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { REQUIRED_TAG_KEYS, STABLE_TAG_KEYS } from "../shared/tags";
import { RecordedResource, Resources, runStack, StackRun } from "../../offline";
import { mockRandomPassword } from "../../offline/outputs";
import { redactSecrets } from "../../offline/secrets";
import { BOOTSTRAP_SCRIPT, SSH_ALLOW_SCRIPT } from "./cloudinit";
import { HOST_MEMORY_MB, totalMemoryMb } from "./limits";
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
            it("publishes ports only on the edge (Caddy with a domain, nginx without): no database, cache or object store is reachable from outside", async () => {
                const run_ = await run(stack);
                const r = new Resources(run_.resources);
                const published = r.ofType(CONTAINER).filter((c) => (c.inputs.ports ?? []).length > 0);
                assert.deepEqual(
                    published.map((c) => c.name),
                    [run_.config["alicerce:domain"] ? "caddy" : "nginx"],
                );
                for (const c of r.ofType(CONTAINER)) assert.notEqual(c.inputs.publishAllPorts, true, c.name);
                const data = r.one("docker:index/network:Network", "networks-data");
                assert.equal(data.inputs.internal, true, "the data network must have no route out");
                const storage = r.one("docker:index/network:Network", "networks-storage");
                assert.equal(storage.inputs.internal, true, "the proxy-to-object-store network must have no route out");
                for (const name of ["postgres", "redis", "objectstore"]) {
                    const c = r.one(CONTAINER, name);
                    const expected = name === "objectstore" ? [data.inputs.name, storage.inputs.name] : [data.inputs.name];
                    assert.deepEqual(
                        c.inputs.networksAdvanced.map((n: any) => n.name),
                        expected,
                        `${name} is on another network too`,
                    );
                    // Left at the provider's default "bridge", which the provider disconnects once networks_advanced is set.
                    assert.equal(c.inputs.networkMode, undefined, name);
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
                assert.deepEqual(
                    r
                        .ofType(CONTAINER)
                        .filter(isOneShot)
                        .map((c) => c.name),
                    ["storage-setup"],
                );
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
                assert.equal(secrets.length, 7, "postgres, redis, object store root, app and backup (read-only), the backup repository");
                for (const res of run_.resources) {
                    const plain = JSON.stringify(redactSecrets(res.inputs, res.secretPaths));
                    for (const s of secrets) assert.ok(!plain.includes(s), `${res.type} ${res.name} holds a generated secret in a plain input`);
                }
                for (const name of ["postgres", "redis", "objectstore", "app-1", "backups-scheduler", "storage-setup"]) {
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
                for (const name of ["postgres", "redis", "objectstore", "nginx", "backups-scheduler", "storage-setup"]) {
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
                    // labels are ForceNew on volumes, networks and containers (terraform-provider-docker resource_docker_volume.go,
                    // resource_docker_network.go, resource_docker_container.go): only the keys that never change, so a handover replaces nothing.
                    for (const key of STABLE_TAG_KEYS) assert.ok(labels[key], `${res.type} ${res.name} lacks label ${key}`);
                    const tagKeys = Object.keys(labels)
                        .filter((k) => (REQUIRED_TAG_KEYS as readonly string[]).includes(k))
                        .sort();
                    assert.deepEqual(
                        tagKeys,
                        [...STABLE_TAG_KEYS].sort(),
                        `${res.type} ${res.name}: an Owner or CostCenter label would replace it on a handover`,
                    );
                    assert.ok(
                        res.options.ignoreChanges.includes("labels"),
                        `${res.type} ${res.name}: objects made with the full label set must not be replaced`,
                    );
                    assert.equal(labels.Environment, run_.stack);
                }
            });
        });
    }

    it("local: talks to the local Docker socket and serves plain HTTP on 80 only", async () => {
        const r = new Resources((await run("local")).resources);
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "unix:///var/run/docker.sock");
        assert.deepEqual(
            r.one(CONTAINER, "nginx").inputs.ports.map((p: any) => [p.external, p.internal]),
            [[80, 8080]],
        );
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
        const bootstrap = cloudConfig.write_files.find((f: any) => f.path === BOOTSTRAP_SCRIPT).content;
        assert.ok(bootstrap.includes(`\n${SSH_ALLOW_SCRIPT} ${admin.join(" ")}\n`));
        // ufw follows adminCidrs on every up, not only at first boot.
        const allow = r.one("command:remote:Command", "host-ssh-allow");
        assert.equal(allow.inputs.create, `sudo -n ${SSH_ALLOW_SCRIPT} ${admin.join(" ")}`);
        assert.ok(droplet.inputs.tags.includes("environment:vps-example"));
        const fw = r.one("digitalocean:index/firewall:Firewall");
        const sshRule = fw.inputs.inboundRules.find((x: any) => x.portRange === "22");
        assert.deepEqual(sshRule.sourceAddresses, admin);
        assert.deepEqual(fw.inputs.inboundRules.map((x: any) => x.portRange).sort(), ["22", "443", "80"]);
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "ssh://alicerce@203.0.113.10");
        assert.deepEqual(
            r
                .one(CONTAINER, "caddy")
                .inputs.ports.map((p: any) => p.external)
                .sort(),
            [443, 80],
        );
        assert.deepEqual(r.one(CONTAINER, "nginx").inputs.ports, [], "behind Caddy, nginx publishes nothing");
        for (const v of r.ofType("docker:index/volume:Volume").filter((x) => x.name !== "backups-work")) assert.equal(v.options.protect, true, v.name);
    });

    // The first `up` of a created VPS: the Docker provider must not connect before cloud-init has installed Docker
    // (https://cloudinit.readthedocs.io/en/latest/reference/cli.html#status: `--wait` blocks until cloud-init is done).
    for (const [stack, overrides, stackName] of [
        ["vps-example", undefined, undefined],
        ["vps-example", { "alicerce:vps": "aws", "alicerce:region": "sa-east-1" }, "vps-aws"],
    ] as const) {
        it(`${stackName ?? stack}: the Docker provider connects only after cloud-init has finished on the host`, async () => {
            const r = new Resources((await run(stack, overrides, stackName)).resources);
            const wait = r.one("command:remote:Command", "host-cloud-init");
            assert.match(wait.inputs.create, /cloud-init status --wait/);
            assert.equal(wait.inputs.connection.user, "alicerce");
            const provider = r.one("pulumi:providers:docker");
            const hostDeps = provider.propertyDependencies?.host ?? provider.dependencies;
            assert.ok(hostDeps.includes(wait.urn), `the provider's host does not wait for cloud-init: ${hostDeps.join(", ")}`);
            const allow = r.one("command:remote:Command", "host-ssh-allow");
            assert.ok(allow.dependencies.includes(wait.urn), "ufw is set after cloud-init installed it");
        });
    }

    it("vps on AWS: an encrypted, IMDSv2-only Graviton instance with SSH from the admin ranges, via the tagged provider", async () => {
        const run_ = await run("vps-example", { "alicerce:vps": "aws", "alicerce:region": "sa-east-1" }, "vps-aws");
        const r = new Resources(run_.resources);
        const instance = r.one("aws:ec2/instance:Instance");
        assert.equal(instance.inputs.instanceType, TIER_PRESETS.growth.singleHost.hostSize.aws);
        assert.equal(instance.inputs.rootBlockDevice.encrypted, true);
        assert.equal(instance.inputs.metadataOptions.httpTokens, "required");
        const ssh = r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => x.inputs.fromPort === 22);
        assert.deepEqual(
            ssh.map((x) => x.inputs.cidrIpv4),
            ["203.0.113.0/24"],
        );
        const provider = r.one("pulumi:providers:aws");
        const tags = JSON.parse(provider.inputs.defaultTags).tags;
        assert.equal(tags.Environment, "vps-aws");
        assert.equal(provider.inputs.region, "sa-east-1");
        assert.equal(r.one("pulumi:providers:docker").inputs.host, "ssh://alicerce@198.51.100.20");
        // EC2 CreateSecurityGroup GroupDescription: up to 255 characters, a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* only
        // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html); a change replaces the group.
        for (const sg of r.ofType("aws:ec2/securityGroup:SecurityGroup")) {
            assert.match(sg.inputs.description, /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/, sg.name);
        }
    });

    it("moving local from mvp to prod replaces no volume, secret or data container name", async () => {
        const before = new Resources((await run("local")).resources);
        const after = new Resources((await run("local", { "alicerce:tier": "prod", "alicerce:domain": "app.example.com" })).resources);
        for (const type of ["docker:index/volume:Volume", "random:index/randomPassword:RandomPassword", "docker:index/network:Network"]) {
            const names = (r: Resources) =>
                r
                    .ofType(type)
                    .map((x) => [x.urn, JSON.stringify({ ...x.inputs, labels: undefined })])
                    .sort();
            // Adding a domain adds Caddy's certificate volume; everything that existed stays as it was.
            const added = type === "docker:index/volume:Volume" ? ["caddy-data"] : [];
            assert.deepEqual(
                names(after).filter(([urn]) => !added.some((n) => urn.endsWith(`::${n}`))),
                names(before),
                type,
            );
            assert.deepEqual(after.ofType(type).length - before.ofType(type).length, added.length, type);
        }
        for (const name of ["postgres", "redis", "objectstore"]) assert.equal(after.one(CONTAINER, name).inputs.name, before.one(CONTAINER, name).inputs.name);
    });

    it("with a domain, Caddy holds 80/443, keeps its certificates in a protected volume and runs non-root with one capability", async () => {
        const r = new Resources((await run("vps-example")).resources);
        const caddy = r.one(CONTAINER, "caddy");
        const volume = r.one("docker:index/volume:Volume", "caddy-data");
        assert.deepEqual(caddy.inputs.volumes, [{ volumeName: volume.inputs.name, containerPath: "/data" }]);
        assert.equal(volume.options.protect, true);
        assert.ok(volume.options.ignoreChanges.includes("labels"), "a label change must not replace the certificates");
        assert.equal(caddy.inputs.user, "10001:10001");
        assert.deepEqual(caddy.inputs.capabilities, { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] });
        assert.equal(caddy.inputs.readOnly, true);
        assert.ok(Object.keys(caddy.inputs.tmpfs).includes("/config"));
        assert.equal(caddy.options.deleteBeforeReplace, true);
        assert.deepEqual(caddy.inputs.ports.map((p: any) => [p.external, p.internal]).sort(), [
            [443, 8443],
            [80, 8080],
        ]);
        const caddyfile = envOf(caddy).find((e) => e.startsWith("CADDYFILE="))!;
        assert.match(caddyfile, /\napp\.example\.com \{\n/);
        assert.match(caddyfile, /reverse_proxy nginx:8080/);
        const nginx = envOf(r.one(CONTAINER, "nginx")).find((e) => e.startsWith("NGINX_CONF="))!;
        assert.match(nginx, /real_ip_header X-Forwarded-For;/);
        assert.deepEqual(r.one(CONTAINER, "nginx").inputs.volumes ?? [], [], "no certificate files to mount");
        const nginxUrns = [r.one("alicerce:docker:ReverseProxy").urn, r.one(CONTAINER, "nginx").urn];
        assert.ok(
            caddy.dependencies.some((d) => nginxUrns.includes(d)),
            `Caddy starts after nginx: ${caddy.dependencies.join(", ")}`,
        );
    });

    it("container limits fit each tier's VPS memory with room for the OS", () => {
        for (const tier of TIERS) {
            const preset = TIER_PRESETS[tier].singleHost;
            for (const size of Object.values(preset.hostSize)) {
                const host = HOST_MEMORY_MB[size];
                assert.ok(host, `no memory figure for ${size}`);
                const used = totalMemoryMb(preset.containerLimits, preset.appReplicas, TIER_PRESETS[tier].workers.docker);
                assert.ok(used <= host - 256, `${tier} on ${size}: containers may use ${used} MB of ${host}`);
            }
            assert.ok(preset.containerLimits.postgres.memoryMb >= 512);
        }
    });
});
