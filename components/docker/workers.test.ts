import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Resources, runStack } from "../../offline";
import { STOP_TIMEOUT_SECONDS, SHUTDOWN_TIMEOUT_MS, WORKER_COMMAND } from "../shared/app-contract";
import { redisCommand } from "./redis";

const CONTAINER = "docker:index/container:Container";

/**
 * Single host: queue worker containers from the recorded inputs, and the Redis container's
 * own start command run for real (Debian redis-server), read back with CONFIG GET.
 * Rules: docker stop waits StopTimeout seconds before SIGKILL (https://docs.docker.com/reference/cli/docker/container/stop/);
 * BullMQ needs maxmemory-policy noeviction (https://docs.bullmq.io/guide/going-to-production); AOF persistence:
 * https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/.
 */
describe("single host: queue worker containers (vps-example, growth)", () => {
    it("runs the tier's worker containers from the app's image with the worker command, on the data network only, stopping after the drain", async () => {
        const r = new Resources((await runStack("vps-example")).resources);
        const workers = r.ofType(CONTAINER).filter((c) => c.name.startsWith("app-worker-"));
        assert.deepEqual(
            workers.map((w) => w.name),
            ["app-worker-1"],
        );
        const app = r.one(CONTAINER, "app-1");
        for (const w of workers) {
            assert.deepEqual(w.inputs.command, [...WORKER_COMMAND]);
            assert.equal(w.inputs.image, app.inputs.image);
            assert.ok(w.inputs.stopTimeout * 1000 > SHUTDOWN_TIMEOUT_MS, "docker must wait longer than the worker's drain");
            assert.equal(w.inputs.stopTimeout, STOP_TIMEOUT_SECONDS);
            const data = r.one("docker:index/network:Network", "networks-data");
            assert.deepEqual(
                w.inputs.networksAdvanced.map((n: any) => n.name),
                [data.inputs.name],
            );
            assert.equal((w.inputs.ports ?? []).length, 0);
            assert.ok(w.secretPaths.includes("envs"), "the environment (REDIS_URL with its password) is a secret in state");
            const redisUrl = (w.inputs.envs as string[]).find((e) => e.startsWith("REDIS_URL="))!;
            assert.match(redisUrl, /^REDIS_URL=redis:\/\/:[A-Za-z0-9]{32}@redis:6379\/0$/);
            for (const l of w.inputs.labels) assert.ok(!String(l.value).includes(redisUrl.split(":")[2].split("@")[0]), "no password in labels");
            assert.deepEqual([w.inputs.memory, w.inputs.readOnly, w.inputs.capabilities.drops], [256, true, ["ALL"]]);
        }
    });

    it("the team's own worker (alicerce:workersCommand) runs its command with no healthcheck to wait for: it promises no HTTP endpoint nor node", async () => {
        // With wait, the provider fails the create when the container never turns healthy
        // (kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container_funcs.go: errContainerFailedToBeInHealthyState).
        const own = new Resources(
            (
                await runStack("local", {
                    overrides: {
                        "alicerce:workersReplicas": "1",
                        "alicerce:appPath": "test/fixtures/byo-app/clinic-api",
                        "alicerce:workersCommand": '["node","worker.js"]',
                    },
                })
            ).resources,
        );
        const w = own.one(CONTAINER, "app-worker-1");
        assert.deepEqual(w.inputs.command, ["node", "worker.js"]);
        assert.equal(w.inputs.healthcheck, undefined);
        assert.ok(!w.inputs.wait);
        // app-image's own worker serves /healthz: waited for.
        const ref = new Resources((await runStack("local", { overrides: { "alicerce:workersReplicas": "1" } })).resources).one(CONTAINER, "app-worker-1");
        assert.equal(ref.inputs.wait, true);
        assert.match(ref.inputs.healthcheck.tests.join(" "), /healthz/);
    });

    it("mvp (local) runs none by default; alicerce:workersReplicas sets the count", async () => {
        const local = new Resources((await runStack("local")).resources);
        assert.equal(local.ofType(CONTAINER).filter((c) => c.name.startsWith("app-worker-")).length, 0);
        const three = new Resources((await runStack("local", { overrides: { "alicerce:workersReplicas": "3" } })).resources);
        assert.equal(three.ofType(CONTAINER).filter((c) => c.name.startsWith("app-worker-")).length, 3);
    });
});

describe("single host: Redis configured for a queue, run for real", function () {
    this.timeout(20000);
    let dir: string;
    let child: ReturnType<typeof spawn> | undefined;
    const port = 20000 + Math.floor(Math.random() * 20000);
    const password = "s3cretPassw0rdForTheTestOnly";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-queue-"));
    });
    after(() => {
        child?.kill("SIGTERM");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("starts redis-server with the generated command: appendonly yes, noeviction, data in the volume's directory, password required", async () => {
        const [sh, flag, script] = redisCommand({ memoryMb: 128, cpus: 0.25 });
        assert.deepEqual([sh, flag], ["sh", "-c"]);
        // The same script, with the container's paths moved into a scratch directory and a loopback port.
        const local = script
            .replace(/\/tmp\/auth\.conf/g, path.join(dir, "auth.conf"))
            .replace("--dir /data", `--dir ${dir} --port ${port} --bind 127.0.0.1 --save ''`);
        assert.ok(local.includes(`--dir ${dir}`), "the data directory flag is present");
        child = spawn("sh", ["-c", local], { env: { ...process.env, REDISCLI_AUTH: password }, stdio: "ignore" });
        const cli = (...args: string[]) =>
            spawnSync("redis-cli", ["-p", String(port), ...args], { env: { ...process.env, REDISCLI_AUTH: password }, encoding: "utf8" }).stdout.trim();
        const deadline = Date.now() + 10000;
        while (cli("PING") !== "PONG") {
            if (Date.now() > deadline) throw new Error("redis-server did not start");
            await new Promise((res) => setTimeout(res, 100));
        }
        assert.deepEqual(cli("CONFIG", "GET", "appendonly").split("\n"), ["appendonly", "yes"]);
        assert.deepEqual(cli("CONFIG", "GET", "maxmemory-policy").split("\n"), ["maxmemory-policy", "noeviction"]);
        assert.deepEqual(cli("CONFIG", "GET", "maxmemory").split("\n"), ["maxmemory", String(Math.floor(128 * 0.8) * 1024 * 1024)]);
        assert.deepEqual(cli("CONFIG", "GET", "dir").split("\n"), ["dir", fs.realpathSync(dir)]);
        const noAuth = spawnSync("redis-cli", ["-p", String(port), "PING"], { env: { ...process.env, REDISCLI_AUTH: "" }, encoding: "utf8" }).stdout.trim();
        assert.match(noAuth, /NOAUTH/);
        const auth = fs.statSync(path.join(dir, "auth.conf"));
        assert.equal(auth.mode & 0o077, 0, "the password file is private (umask 077)");
        assert.ok(!spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout.includes(password), "the password is on no command line");
    });
});
