import { strict as assert } from "assert";
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RecordedResource, Resources, ROOT, runStack, StackRun } from "../../offline";
import { ALLOWED_IMAGES, IMAGES } from "./images";
import { TIER_PRESETS } from "../../stacks/tiers";
import { renderNginxConfig } from "./nginx";
import { redisCommand } from "./redis";
import { OBJECT_STORE_DATA_DIR, objectStoreCommand, objectStoreEnvironment, publicUploadRoute, s3Identities } from "./objectstore";
import { dockerHostAddress } from "../../platforms/docker";
import { checkStorageSetup, STORAGE_SETUP_SCRIPT, storageSetupEnvironment } from "./storage-setup";

const S3rver = require("s3rver");

const CONTAINER = "docker:index/container:Container";
const STACKS = ["local", "vps-example"];
const runs = new Map<string, Promise<StackRun>>();
function run(stack: string, overrides?: Record<string, string | undefined>): Promise<StackRun> {
    const key = JSON.stringify([stack, overrides]);
    if (!runs.has(key)) runs.set(key, runStack(stack, { overrides }));
    return runs.get(key)!;
}
const envOf = (c: RecordedResource): string[] => c.inputs.envs ?? [];
const networksOf = (c: RecordedResource): { name: string; aliases?: string[] }[] => c.inputs.networksAdvanced ?? [];

/**
 * The aliases a container really answers to on each network. Aliases on the
 * `networkMode` network are dropped: terraform-provider-docker creates the
 * container on it with an empty NetworkingConfig, then NetworkConnect with
 * the aliases is a no-op for a network already joined (moby
 * daemon/container_operations.go updateNetworkSettings, "Avoid duplicate
 * config"; kreuzwerker/terraform-provider-docker
 * internal/provider/resource_docker_container_funcs.go, create).
 */
function effectiveAliases(c: RecordedResource): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const n of networksOf(c)) {
        if (n.name === c.inputs.networkMode) continue;
        out.set(n.name, n.aliases ?? []);
    }
    return out;
}

function networksJoined(c: RecordedResource): Set<string> {
    const names = new Set(networksOf(c).map((n) => n.name));
    if (c.inputs.networkMode && c.inputs.networkMode !== "bridge") names.add(c.inputs.networkMode);
    return names;
}

/** Host names in `host:port` form inside a text (URLs, nginx `server` lines); IPs and localhost excluded. */
function hostNames(text: string): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(/(?<![\w.-])([a-z][a-z0-9-]*):(\d{2,5})(?!\w)/g)) {
        if (m[1] !== "localhost") out.add(m[1]);
    }
    return [...out];
}

/** Asserts each name resolves from `client`: some other container carries it as an effective alias on a network `client` joins. */
function assertResolvable(r: Resources, client: RecordedResource, names: readonly string[]): void {
    const joined = networksJoined(client);
    for (const name of names) {
        const servers = r
            .ofType(CONTAINER)
            .filter((c) => c !== client && [...effectiveAliases(c)].some(([net, aliases]) => joined.has(net) && aliases.includes(name)));
        assert.ok(servers.length > 0, `${client.name} uses "${name}", but no container answers to it on a network ${client.name} shares`);
    }
}

describe("single host: container networking (docker provider rules)", () => {
    for (const stack of STACKS) {
        it(`${stack}: no container lists its networkMode network again in networksAdvanced`, async () => {
            const r = new Resources((await run(stack)).resources);
            for (const c of r.ofType(CONTAINER)) {
                const mode = c.inputs.networkMode;
                if (mode === undefined) continue;
                assert.ok(!networksOf(c).some((n) => n.name === mode), `${c.name}: networkMode ${mode} is in networksAdvanced too: its aliases are dropped`);
            }
        });

        it(`${stack}: every service name in the app's environment resolves on a network the app shares`, async () => {
            const r = new Resources((await run(stack)).resources);
            const apps = r.ofType(CONTAINER).filter((c) => /^app-\d+$/.test(c.name));
            assert.ok(apps.length > 0);
            for (const app of apps) {
                const urls = envOf(app)
                    .filter((e) => /^(DATABASE_URL|DATABASE_READER_URL|REDIS_URL|S3_ENDPOINT)=/.test(e))
                    .map((e) => new URL(e.slice(e.indexOf("=") + 1)).hostname);
                assert.deepEqual([...new Set(urls)].sort(), ["objectstore", "postgres", "redis"]);
                assertResolvable(r, app, [...new Set(urls)]);
            }
        });

        it(`${stack}: every upstream in the proxy's config resolves on a network the proxy shares`, async () => {
            const r = new Resources((await run(stack)).resources);
            const configOf = (c: RecordedResource) =>
                [...envOf(c), ...(c.inputs.command ?? []), ...(c.inputs.uploads ?? []).map((u: any) => u.content ?? "")].join("\n");
            // With a domain Caddy publishes the ports and hands everything to nginx: each hop's upstreams must resolve.
            const edge = r.ofType(CONTAINER).find((c) => (c.inputs.ports ?? []).length > 0)!;
            assertResolvable(r, edge, hostNames(configOf(edge)));
            const proxy = r.ofType(CONTAINER).find((c) => c.name === "nginx")!;
            const names = hostNames(configOf(proxy));
            const replicas = r.ofType(CONTAINER).filter((c) => /^app-\d+$/.test(c.name)).length;
            for (let i = 1; i <= replicas; i++) assert.ok(names.includes(`app-${i}`), `the proxy does not use app-${i}: ${names.join(", ")}`);
            assert.ok(names.includes("objectstore"), "the proxy does not route uploads to the object store");
            assertResolvable(r, proxy, names);
        });
    }

    it("the proxy reaches the object store on an internal network that holds neither PostgreSQL nor Redis", async () => {
        const r = new Resources((await run("local")).resources);
        const storage = r.one("docker:index/network:Network", "networks-storage");
        assert.equal(storage.inputs.internal, true);
        const members = r
            .ofType(CONTAINER)
            .filter((c) => networksJoined(c).has(storage.inputs.name))
            .map((c) => c.name)
            .sort();
        assert.deepEqual(members, ["nginx", "objectstore"]);
    });
});

describe("single host: images", () => {
    /** Image references in every Dockerfile of the repository (node_modules aside), from their FROM lines. */
    function dockerfileImages(): { file: string; image: string }[] {
        const out: { file: string; image: string }[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                if (e.name === "node_modules" || e.name.startsWith(".")) continue;
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (/^Dockerfile(\..+)?$/.test(e.name)) {
                    const stages = new Set<string>();
                    // `FROM ${ARG}` is the ARG's default (what a plain `docker build` uses; backups.test.ts keeps the build args equal).
                    const args = new Map<string, string>();
                    for (const line of fs.readFileSync(p, "utf8").split("\n")) {
                        const a = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/i.exec(line);
                        if (a) args.set(a[1], a[2]);
                        const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
                        if (!m) continue;
                        const image = m[1].replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => args.get(v) ?? `\${${v}}`);
                        if (!stages.has(m[1])) out.push({ file: path.relative(ROOT, p), image });
                        if (m[2]) stages.add(m[2]);
                    }
                }
            }
        };
        walk(ROOT);
        return out;
    }

    it("every image the program pulls, on every single-host stack, is on the allow-list with a reason", async () => {
        const seen = new Set<string>();
        for (const stack of STACKS) {
            const r = new Resources(
                (await run(stack, stack === "local" ? { "alicerce:tier": "prod", "alicerce:domain": "app.example.com" } : undefined)).resources,
            );
            const r2 = new Resources((await run(stack)).resources);
            for (const res of [...r.ofType("docker:index/remoteImage:RemoteImage"), ...r2.ofType("docker:index/remoteImage:RemoteImage")])
                seen.add(res.inputs.name);
            // A container's image is a pulled image's id or a built image's digest, never a free-form name.
            for (const c of [...r.ofType(CONTAINER), ...r2.ofType(CONTAINER)]) {
                assert.match(
                    c.inputs.image,
                    /^(sha256:[0-9a-f]{64}|[^\s@]+@sha256:[0-9a-f]{64})$/,
                    `${c.name} runs an image that no RemoteImage or Image resource pins`,
                );
            }
        }
        assert.ok(seen.size >= 4);
        for (const image of seen) assert.ok(ALLOWED_IMAGES[image], `${image} is pulled but not on ALLOWED_IMAGES (components/docker/images.ts)`);
    });

    it("every Dockerfile's base images are on the allow-list", () => {
        const found = dockerfileImages();
        assert.ok(found.some((f) => f.file === path.join("app-image", "Dockerfile")));
        for (const { file, image } of found) assert.ok(ALLOWED_IMAGES[image], `${file}: FROM ${image} is not on ALLOWED_IMAGES (components/docker/images.ts)`);
    });

    it("the allow-list: a reason each, no `latest`, no withdrawn MinIO image, exact versions where it says so", () => {
        for (const [image, entry] of Object.entries(ALLOWED_IMAGES)) {
            assert.ok(entry.reason.length > 20, image);
            assert.ok(!/:latest$/.test(image) && /:[^/]+$/.test(image), `${image}: no tag or latest`);
            // minio/minio and minio/mc left Docker Hub in September 2026 (pulls fail: "pull access denied").
            assert.ok(!/^(docker\.io\/)?minio\//.test(image), `${image}: MinIO's images are withdrawn`);
            if (entry.pinned === "version") assert.match(image.split(":").pop()!, /^v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/, image);
            if (entry.pinned === "digest") assert.match(image, /@sha256:[0-9a-f]{64}$/, image);
        }
        for (const image of Object.values(IMAGES)) assert.ok(ALLOWED_IMAGES[image], image);
    });
});

describe("single host: object store and its setup", () => {
    it("SeaweedFS: only the S3 port leaves the container; the app's identity is limited to its bucket; no anonymous access", () => {
        const cmd = objectStoreCommand()[0];
        assert.match(cmd, /-ip\.bind=127\.0\.0\.1/);
        assert.match(cmd, /-s3\.ip\.bind=0\.0\.0\.0/);
        assert.ok(!cmd.includes("S3_IDENTITIES=") && !/secretKey/.test(cmd), "no secret in the command line");
        const ids = s3Identities({
            adminAccessKey: "a",
            adminSecretKey: "x".repeat(40),
            appAccessKey: "b",
            appSecretKey: "y".repeat(40),
            backupAccessKey: "c",
            backupSecretKey: "z".repeat(40),
            assetsBucket: "alicerce-uploads",
        }).identities;
        assert.deepEqual(
            ids.map((i) => i.name),
            ["alicerce-admin", "alicerce-app", "alicerce-backup"],
        );
        assert.deepEqual(ids[1].actions, ["Read:alicerce-uploads", "Write:alicerce-uploads", "List:alicerce-uploads", "Tagging:alicerce-uploads"]);
        // The backup job reads and lists the assets bucket, nothing else (weed/s3api/auth_credentials.go: `Action:bucket`).
        assert.deepEqual(ids[2].actions, ["Read:alicerce-uploads", "List:alicerce-uploads"]);
        assert.ok(!ids.some((i) => i.name === "anonymous"));
        // Everything SeaweedFS writes stays in the volume, under its own directory (the filer's store too).
        assert.match(cmd, new RegExp(`-dir=${OBJECT_STORE_DATA_DIR}( |$)`));
        const env = objectStoreEnvironment("{}", { memoryMb: 256, cpus: 0.5 });
        assert.ok(env.includes(`WEED_LEVELDB2_DIR=${OBJECT_STORE_DATA_DIR}/filerldb2`));
        assert.ok(env.includes("GOMEMLIMIT=204MiB"));
    });

    // glog (weed/glog/glog.go, `flag.BoolVar(&logging.toStderr, "logtostderr", ...)`) writes log files to
    // os.TempDir() unless told otherwise (weed/glog/glog_file.go), rotating at 1800 MB: the container's /tmp
    // is a 64 MB tmpfs that counts against its memory limit. A global flag, so before the `server` command.
    it("SeaweedFS logs to stderr (Docker's rotated log), never to files in /tmp", () => {
        const cmd = objectStoreCommand()[0];
        assert.match(cmd, /exec weed -logtostderr(=true)? server /);
        assert.ok(!/-logdir/.test(cmd));
    });

    it("upload URLs are signed for the address browsers use: the domain, the VPS, or the dockerHost's host", async () => {
        assert.equal(dockerHostAddress("unix:///var/run/docker.sock"), "localhost");
        assert.equal(dockerHostAddress("ssh://deploy@vps.example.net"), "vps.example.net");
        assert.equal(dockerHostAddress("ssh://deploy@[2001:db8::1]:2222"), "[2001:db8::1]");
        assert.equal(dockerHostAddress("tcp://10.0.0.5:2376"), "10.0.0.5");
        const local = new Resources((await run("local")).resources).one(CONTAINER, "app-1");
        assert.ok(envOf(local).includes("S3_PUBLIC_ENDPOINT=http://localhost"));
        const vps = new Resources((await run("vps-example")).resources).one(CONTAINER, "app-1");
        assert.ok(
            envOf(vps).includes("S3_PUBLIC_ENDPOINT=https://app.example.com"),
            envOf(vps)
                .filter((e) => e.startsWith("S3_PUBLIC"))
                .join(),
        );
    });

    it("the upload route keeps the signed path: prefix is the bucket, PUT only", () => {
        assert.deepEqual(publicUploadRoute("alicerce-uploads"), { pathPrefix: "/alicerce-uploads/", upstream: "objectstore:8333", methods: ["PUT"] });
        assert.throws(() => publicUploadRoute("Bad_Bucket"), /not an S3 bucket name/);
    });

    for (const stack of STACKS) {
        it(`${stack}: setup runs after the healthy server, to its end, and the app takes its bucket from setup`, async () => {
            const r = new Resources((await run(stack)).resources);
            const server = r.one(CONTAINER, "objectstore");
            const setup = r.one(CONTAINER, "storage-setup");
            // `wait` makes create return only once the healthcheck passes (resource_docker_container_funcs.go, create).
            assert.equal(server.inputs.wait, true);
            assert.ok(server.inputs.healthcheck.tests.join(" ").includes("/healthz"));
            assert.ok(setup.dependencies.includes(server.urn), "setup does not wait for the object store");
            // attach: the provider waits for the end of the run; exit_code is then read back (must_run false).
            assert.equal(setup.inputs.attach, true);
            assert.equal(setup.inputs.logs, true);
            assert.equal(setup.inputs.mustRun, false);
            assert.equal(setup.inputs.restart, "no");
            // A replaced server (new container id) gets a new setup run: envs force replacement.
            assert.ok(envOf(setup).some((e) => e.startsWith("STORE_CONTAINER=") && e.length > "STORE_CONTAINER=".length));
            assert.ok(envOf(setup).some((e) => /^SETUP_SCRIPT_SHA256=[0-9a-f]{64}$/.test(e)));
            assert.ok(setup.secretPaths.includes("envs"));
            for (const app of r.ofType(CONTAINER).filter((c) => /^app-\d+$/.test(c.name))) {
                assert.ok(app.dependencies.includes(setup.urn), `${app.name} starts before storage setup finished`);
                assert.ok(envOf(app).includes("ASSETS_BUCKET=alicerce-uploads"));
            }
            const scheduler = r.one(CONTAINER, "backups-scheduler");
            assert.ok(scheduler.dependencies.includes(setup.urn), "backups start before their bucket exists");
        });
    }

    it("a setup container that exits non-zero fails the whole run, with its log (provider read-back: exit_code, container_logs)", async () => {
        const failing = runStack("local", {
            answer: (type, name) =>
                type === CONTAINER && name === "storage-setup"
                    ? { exitCode: 1, containerLogs: "storage-setup: FAILED: cannot create bucket alicerce-uploads after 20 attempts\n" }
                    : undefined,
        });
        await assert.rejects(failing, /storage setup exited with code 1[\s\S]*cannot create bucket alicerce-uploads/);
    });

    it("a failed or unfinished setup run fails the update with its log", () => {
        assert.doesNotThrow(() => checkStorageSetup(0, "ok"));
        assert.throws(() => checkStorageSetup(1, "a\nFAILED: cannot create bucket x\n"), /exited with code 1[\s\S]*cannot create bucket x/);
        assert.throws(() => checkStorageSetup(undefined, undefined), /did not finish/);
    });

    describe("setup.sh for real: rclone (Debian) against s3rver on loopback", function () {
        this.timeout(120_000);
        let server: any;
        let port: number;
        let dir: string;
        before(async () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-setup-"));
            server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
            ({ port } = await server.run());
        });
        after(async () => {
            await server?.close();
            fs.rmSync(dir, { recursive: true, force: true });
        });
        // Asynchronous: s3rver answers from this very process, which spawnSync would block.
        const runSetup = (endpoint: string, extra: Record<string, string> = {}) =>
            new Promise<{ status: number; stderr: string }>((resolve) => {
                const env = Object.fromEntries(
                    storageSetupEnvironment({
                        endpoint,
                        adminAccessKey: "S3RVER",
                        adminSecretKey: "S3RVER",
                        appAccessKey: "S3RVER",
                        appSecretKey: "S3RVER",
                        assetsBucket: "alicerce-uploads",
                        buckets: ["alicerce-uploads", "backups"],
                        provider: "Other",
                    }).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
                );
                const home = fs.mkdtempSync(path.join(os.tmpdir(), "setup-home-"));
                execFile(
                    "sh",
                    [STORAGE_SETUP_SCRIPT],
                    { env: { PATH: process.env.PATH!, ...env, HOME: home, ...extra }, encoding: "utf8", timeout: 60_000 },
                    (err, _out, stderr) => {
                        fs.rmSync(home, { recursive: true, force: true });
                        resolve({ status: err ? Number((err as any).code ?? 1) || 1 : 0, stderr });
                    },
                );
            });
        const listBuckets = () =>
            new Promise<string[]>((resolve, reject) => {
                execFile(
                    "rclone",
                    ["lsd", "s:"],
                    {
                        env: {
                            PATH: process.env.PATH!,
                            HOME: os.tmpdir(),
                            RCLONE_CONFIG_S_TYPE: "s3",
                            RCLONE_CONFIG_S_PROVIDER: "Other",
                            RCLONE_CONFIG_S_ENDPOINT: `http://127.0.0.1:${port}`,
                            RCLONE_CONFIG_S_ACCESS_KEY_ID: "S3RVER",
                            RCLONE_CONFIG_S_SECRET_ACCESS_KEY: "S3RVER",
                        },
                        encoding: "utf8",
                        timeout: 30_000,
                    },
                    (err, out) =>
                        err
                            ? reject(err)
                            : resolve(
                                  out
                                      .trim()
                                      .split("\n")
                                      .map((l) => l.trim().split(/\s+/).pop()!)
                                      .sort(),
                              ),
                );
            });

        it("shellcheck passes", () => {
            const res = spawnSync("shellcheck", [STORAGE_SETUP_SCRIPT], { encoding: "utf8" });
            assert.equal(res.status, 0, res.stdout);
        });

        it("creates the buckets, proves the app's key, and is idempotent on a second run", async () => {
            const first = await runSetup(`http://127.0.0.1:${port}`);
            assert.equal(first.status, 0, first.stderr);
            assert.match(first.stderr, /the app's key reads and writes alicerce-uploads/);
            const second = await runSetup(`http://127.0.0.1:${port}`);
            assert.equal(second.status, 0, second.stderr);
            assert.deepEqual(await listBuckets(), ["alicerce-uploads", "backups"]);
        });

        it("exits non-zero, naming the bucket, when the server never answers", async () => {
            const res = await runSetup("http://127.0.0.1:9", {
                SETUP_ATTEMPTS: "2",
                RCLONE_RETRIES: "1",
                RCLONE_LOW_LEVEL_RETRIES: "1",
                RCLONE_CONTIMEOUT: "2s",
            });
            assert.notEqual(res.status, 0);
            assert.match(res.stderr, /FAILED: cannot create bucket alicerce-uploads/);
        });
    });

    it("nginx routes presigned uploads with path and Host unchanged, PUT only, and Debian's nginx -t accepts it", function () {
        this.timeout(60_000);
        const route = publicUploadRoute("alicerce-uploads");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-nginx-up-"));
        try {
            const conf = renderNginxConfig({ upstreams: ["app-1:8080"], extraLocations: [route], runDir: dir, nginxVersion: "1.22" });
            const lines = conf.split("\n");
            const start = lines.findIndex((l) => l.trim() === `location ^~ ${route.pathPrefix} {`);
            assert.ok(start >= 0, "no upload location");
            const body = lines.slice(start, start + lines.slice(start).findIndex((l) => l.trim() === "}") + 1).join("\n");
            // SigV4 signs the path and the host: no URI part on proxy_pass (path passed as is), Host as the client sent it.
            assert.match(body, /proxy_pass http:\/\/objectstore;/);
            assert.match(body, /proxy_set_header Host \$http_host;/);
            assert.match(body, /limit_except PUT \{ deny all; \}/);
            assert.match(conf, /upstream objectstore \{[^}]*server objectstore:8333;/);
            const file = path.join(dir, "nginx.conf");
            fs.writeFileSync(file, conf);
            const hosts = path.join(dir, "hosts");
            fs.writeFileSync(hosts, "127.0.0.1 localhost app-1 objectstore\n");
            const out = path.join(dir, "out");
            const r = spawnSync(
                "unshare",
                ["--mount", "sh", "-c", `mount --bind "$1" /etc/hosts && exec nginx -t -c "$2" >"$3" 2>&1`, "sh", hosts, file, out],
                { encoding: "utf8", timeout: 30_000 },
            );
            const output = r.stderr + (fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "");
            assert.equal(r.status, 0, output);
            assert.match(output, /test is successful/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("single host: Redis suits a queue", () => {
    // https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/ (AOF, appendfsync everysec) and
    // https://redis.io/docs/latest/develop/reference/eviction/ (noeviction: writes fail instead of keys vanishing).
    for (const stack of STACKS) {
        it(`${stack}: append-only persistence on the volume, noeviction, maxmemory under the container limit`, async () => {
            const r = new Resources((await run(stack)).resources);
            const redis = r.one(CONTAINER, "redis");
            const cmd = redis.inputs.command.join(" ");
            assert.match(cmd, /--appendonly yes/);
            assert.match(cmd, /--appendfsync everysec/);
            assert.match(cmd, /--maxmemory-policy noeviction/);
            const maxMb = Number(/--maxmemory (\d+)mb/.exec(cmd)![1]);
            assert.ok(maxMb > 0 && maxMb < redis.inputs.memory, `maxmemory ${maxMb} MB vs limit ${redis.inputs.memory} MB`);
            assert.ok(redis.inputs.volumes.some((v: any) => v.containerPath === "/data") && cmd.includes("--dir /data"));
        });
    }
    it("redis-server accepts the rendered settings (real redis-server, config check only)", function () {
        this.timeout(30_000);
        const cmd = redisCommand(TIER_PRESETS.mvp.singleHost.containerLimits.redis)[2];
        const flags = cmd.slice(cmd.indexOf("redis-server /tmp/auth.conf ") + "redis-server /tmp/auth.conf ".length).replace("--dir /data", "--dir /tmp");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-check-"));
        try {
            // Start on a unix socket only, ask for the effective policy, shut down.
            const sock = path.join(dir, "r.sock");
            const server = execFile("redis-server", ["--port", "0", "--unixsocket", sock, ...flags.replace("--dir /tmp", `--dir ${dir}`).split(" ")]);
            const deadline = Date.now() + 10_000;
            while (!fs.existsSync(sock) && Date.now() < deadline) execFileSync("sleep", ["0.1"]);
            const policy = execFileSync("redis-cli", ["-s", sock, "config", "get", "maxmemory-policy"], { encoding: "utf8" });
            const aof = execFileSync("redis-cli", ["-s", sock, "config", "get", "appendonly"], { encoding: "utf8" });
            execFileSync("redis-cli", ["-s", sock, "shutdown", "nosave"]);
            server.kill();
            assert.match(policy, /noeviction/);
            assert.match(aof, /yes/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
