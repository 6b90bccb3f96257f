/**
 * The instance edge's host side, run for real: `attach.sh` and `report.sh` under bash, against a local
 * instance-metadata endpoint (IMDSv2 tokens enforced, as the launch template requires), a local app health
 * check, and an `aws` on PATH that records every call; shellcheck on both; the user data lines; the role's
 * statements.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { renderUserData } from "../shared/userdata";
import { awsHost } from "./host-strategy";
import {
    embeddedScript,
    ORIGIN_HOOK_MARGIN_SECONDS,
    ORIGIN_HOOK_NAME,
    ORIGIN_HOOK_TIMEOUT_SECONDS,
    ORIGIN_METRIC,
    ORIGIN_SCRIPTS,
    ORIGIN_WAIT_SECONDS,
    originHost,
    originPolicyStatements,
} from "./origin";

const ALLOCATION = "eipalloc-0abc1234def567890";
const EIP = "203.0.113.10";
const INSTANCE = "i-0123456789abcdef0";
const GROUP = "alicerce-app-asg-1a2b3c4";

/** A local IMDS (IMDSv2: a PUT for a token, the token on every read) and the app's health check. */
async function fakeHost(state: { publicIp?: string; healthy: () => boolean }) {
    const token = randomUUID();
    const server = http.createServer((req, res): void => {
        if (req.url === "/latest/api/token") {
            if (req.method !== "PUT" || !req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) res.writeHead(400).end();
            else res.writeHead(200).end(token);
            return;
        }
        if (req.url?.startsWith("/latest/meta-data/")) {
            // IMDSv2 only: a read without the session token is refused (httpTokens "required").
            const key = req.url.slice("/latest/meta-data/".length);
            if (req.headers["x-aws-ec2-metadata-token"] !== token) res.writeHead(401).end();
            else if (key === "instance-id") res.writeHead(200).end(INSTANCE);
            // An instance without a public address has no public-ipv4 key: 404.
            else if (key === "public-ipv4" && state.publicIp) res.writeHead(200).end(state.publicIp);
            else res.writeHead(404).end();
            return;
        }
        if (req.url === "/healthz") res.writeHead(state.healthy() ? 200 : 503).end();
        else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return { base: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A directory with an `aws` that logs its arguments and answers the reads the scripts make. */
function fakeAws(opts: { holder?: string; associateFails?: boolean } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "origin-"));
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(
        path.join(dir, "aws"),
        [
            "#!/bin/bash",
            `printf '%s\\n' "$*" >> ${JSON.stringify(log)}`,
            'case "$1 $2" in',
            `  "ec2 describe-tags") echo ${GROUP} ;;`,
            `  "ec2 describe-addresses") echo ${opts.holder ?? "None"} ;;`,
            `  "ec2 associate-address") ${opts.associateFails ? "exit 254" : 'echo "{}"'} ;;`,
            "esac",
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    return { dir, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []) };
}

/** Runs a script with bash (asynchronously: the fake host answers from this process). */
function run(script: string, env: Record<string, string>, awsDir: string): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [script], { env: { PATH: `${awsDir}:${process.env.PATH}`, ...env }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

/** A /proc/uptime stand-in: `seconds` since boot. */
function uptime(seconds: number): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "uptime-")), "uptime");
    fs.writeFileSync(file, `${seconds}.42 1234.56\n`);
    return file;
}

const baseEnv = (imds: string) => ({
    HOOK_DEADLINE_SECONDS: "1140",
    UPTIME_FILE: uptime(200),
    REGION: "us-east-1",
    ALLOCATION_ID: ALLOCATION,
    PUBLIC_IP: EIP,
    HEALTH_URL: `${imds}/healthz`,
    HOOK_NAME: ORIGIN_HOOK_NAME,
    NAMESPACE: ORIGIN_METRIC.namespace,
    METRIC: ORIGIN_METRIC.metricName,
    IMDS: imds,
});

describe("instance edge: the host scripts", function () {
    this.timeout(60_000);

    it("are shellcheck-clean", () => {
        for (const file of Object.values(ORIGIN_SCRIPTS)) {
            const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
            if (r.error) throw new Error(`shellcheck is needed: apt-get install -y shellcheck (${r.error.message})`);
            assert.equal(r.status, 0, `${file}:\n${r.stdout}${r.stderr}`);
        }
    });

    describe("attach.sh (once per boot)", () => {
        it("waits for the app, then takes the address (moving it off the old holder) and ends the launch hook with CONTINUE", async () => {
            let checks = 0;
            const host = await fakeHost({ healthy: () => ++checks > 2 });
            const aws = fakeAws();
            try {
                const r = await run(ORIGIN_SCRIPTS.attach, { ...baseEnv(host.base), WAIT_SECONDS: "30" }, aws.dir);
                assert.equal(r.status, 0, r.stderr);
                assert.ok(checks >= 3, "it polled the health check until it answered 200");
                const calls = aws.calls();
                assert.deepEqual(
                    calls.map((c) => c.split(" ").slice(0, 2).join(" ")),
                    ["ec2 describe-tags", "ec2 associate-address", "autoscaling complete-lifecycle-action"],
                );
                // EC2 AssociateAddress: AllowReassociation moves an address already associated with another instance
                // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html).
                assert.match(calls[1], new RegExp(`--allocation-id ${ALLOCATION} --instance-id ${INSTANCE} --allow-reassociation`));
                // CompleteLifecycleAction takes the hook, the group and the instance; CONTINUE lets it go InService.
                assert.match(
                    calls[2],
                    new RegExp(
                        `--lifecycle-hook-name ${ORIGIN_HOOK_NAME} --auto-scaling-group-name ${GROUP} --instance-id ${INSTANCE} --lifecycle-action-result CONTINUE`,
                    ),
                );
                assert.match(calls[0], /Name=key,Values=aws:autoscaling:groupName/);
            } finally {
                await host.close();
            }
        });

        it("an app that never gets healthy abandons its launch and never touches the address", async () => {
            const host = await fakeHost({ healthy: () => false });
            const aws = fakeAws();
            try {
                const r = await run(ORIGIN_SCRIPTS.attach, { ...baseEnv(host.base), WAIT_SECONDS: "1" }, aws.dir);
                assert.equal(r.status, 1);
                assert.match(r.stderr, /not healthy after 1s: abandoning this launch/);
                const calls = aws.calls();
                assert.ok(!calls.some((c) => c.startsWith("ec2 associate-address")), calls.join("\n"));
                assert.match(calls.at(-1)!, /complete-lifecycle-action .*--lifecycle-action-result ABANDON/);
            } finally {
                await host.close();
            }
        });

        it("too close to the launch hook's timeout, abandons instead of taking the address from a healthy instance", async () => {
            const host = await fakeHost({ healthy: () => true });
            const aws = fakeAws();
            try {
                const r = await run(ORIGIN_SCRIPTS.attach, { ...baseEnv(host.base), WAIT_SECONDS: "30", UPTIME_FILE: uptime(1140) }, aws.dir);
                assert.equal(r.status, 1);
                assert.match(r.stderr, /too close to the launch hook's timeout: abandoning this launch/);
                const calls = aws.calls();
                assert.ok(!calls.some((c) => c.startsWith("ec2 associate-address")), calls.join("\n"));
                assert.match(calls.at(-1)!, /--lifecycle-action-result ABANDON/);
            } finally {
                await host.close();
            }
        });
    });

    describe("report.sh (every minute)", () => {
        const metricCall = (calls: string[]) => calls.find((c) => c.startsWith("cloudwatch put-metric-data"));

        it("the holder reports 1 while its app is healthy and 0 when not, with the allocation as the dimension", async () => {
            let healthy = true;
            const host = await fakeHost({ publicIp: EIP, healthy: () => healthy });
            try {
                for (const [state, value] of [
                    [true, "1"],
                    [false, "0"],
                ] as const) {
                    healthy = state;
                    const aws = fakeAws();
                    const r = await run(ORIGIN_SCRIPTS.report, baseEnv(host.base), aws.dir);
                    assert.equal(r.status, 0, r.stderr);
                    const call = metricCall(aws.calls());
                    assert.ok(call, "a metric was published");
                    assert.match(
                        call ?? "",
                        new RegExp(
                            `--namespace ${ORIGIN_METRIC.namespace} --metric-name ${ORIGIN_METRIC.metricName} --dimensions AllocationId=${ALLOCATION} --unit Count --value ${value}$`,
                        ),
                    );
                }
            } finally {
                await host.close();
            }
        });

        it("an instance that does not hold the address reports nothing and leaves it with its holder", async () => {
            const host = await fakeHost({ publicIp: "198.51.100.7", healthy: () => true });
            const aws = fakeAws({ holder: "i-0fedcba9876543210" });
            try {
                const r = await run(ORIGIN_SCRIPTS.report, baseEnv(host.base), aws.dir);
                assert.equal(r.status, 0, r.stderr);
                assert.deepEqual(
                    aws.calls().map((c) => c.split(" ").slice(0, 2).join(" ")),
                    ["ec2 describe-addresses"],
                );
            } finally {
                await host.close();
            }
        });

        it("a healthy instance takes an address nobody holds, never by reassociation; an unhealthy one does not", async () => {
            for (const healthy of [true, false]) {
                const host = await fakeHost({ publicIp: "198.51.100.7", healthy: () => healthy });
                const aws = fakeAws({ holder: "None" });
                try {
                    const r = await run(ORIGIN_SCRIPTS.report, baseEnv(host.base), aws.dir);
                    assert.equal(r.status, 0, r.stderr);
                    const take = aws.calls().find((c) => c.startsWith("ec2 associate-address"));
                    if (healthy) assert.match(take ?? "", new RegExp(`--allocation-id ${ALLOCATION} --instance-id ${INSTANCE} --no-allow-reassociation`));
                    else assert.equal(take, undefined);
                    assert.equal(metricCall(aws.calls()), undefined, "only the holder reports");
                } finally {
                    await host.close();
                }
            }
        });
    });
});

describe("instance edge: user data and role", () => {
    const edge = originHost({ region: "us-east-1", allocationId: ALLOCATION, publicIp: EIP, healthUrl: "http://127.0.0.1:80/healthz" });
    const host = awsHost({ region: "us-east-1", logGroupName: "/alicerce/dev/app" });
    const userData = renderUserData(
        {
            image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"a".repeat(64)}`,
            hostPort: 8080,
            additionalHostPorts: [80],
            containerPort: 8080,
            env: { A: "1" },
        },
        { ...host, setup: [...host.setup, ...edge.setup], startUnits: edge.startUnits },
    );

    it("is valid bash that writes both scripts verbatim and starts the units, without blocking, before the app's first start", () => {
        const r = spawnSync("bash", ["-n"], { input: userData, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        for (const file of Object.values(ORIGIN_SCRIPTS)) {
            const embedded = embeddedScript(file);
            assert.ok(userData.includes(embedded), `${file} is embedded`);
            // Only comment lines go (EC2's 16 KB), and what is embedded still passes shellcheck.
            const code = (t: string) => t.split("\n").filter((l) => !/^\s*#/.test(l));
            assert.deepEqual(code(embedded), code(fs.readFileSync(file, "utf8").trimEnd()));
            const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: embedded, encoding: "utf8" });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        }
        const app = userData.indexOf("systemctl enable --now 'app.service'");
        const units = userData.indexOf("systemctl enable --now --no-block 'alicerce-origin-attach.service' 'alicerce-origin-report.timer'");
        const reload = userData.lastIndexOf("systemctl daemon-reload");
        // The user data runs under set -e: a failed first start of the app ends it, so the units start before it.
        assert.ok(reload > 0 && units > reload && app > units, "loaded, then the origin units, then the app");
        assert.ok(userData.indexOf("alicerce-origin-attach.service <<") < reload, "written before the reload");
        assert.match(userData, /--publish 8080:8080 \\\n    --publish 80:8080/);
        assert.match(userData, new RegExp(`ALLOCATION_ID=${ALLOCATION}\nPUBLIC_IP=${EIP.replace(/\./g, "\\.")}`));
        // The hook outlasts the wait, so the instance ends it itself; the unit's timeout outlasts both.
        assert.ok(ORIGIN_HOOK_TIMEOUT_SECONDS > ORIGIN_WAIT_SECONDS);
        assert.match(userData, new RegExp(`TimeoutStartSec=${ORIGIN_WAIT_SECONDS + 300}`));
        assert.match(userData, new RegExp(`HOOK_DEADLINE_SECONDS=${ORIGIN_HOOK_TIMEOUT_SECONDS - ORIGIN_HOOK_MARGIN_SECONDS}\n`));
        // PutLifecycleHook / DeleteLifecycleHook: LifecycleHookName 1-255 of [A-Za-z0-9\-_\/] (Auto Scaling API reference).
        assert.match(ORIGIN_HOOK_NAME, /^[A-Za-z0-9\-_/]{1,255}$/);
        // Lifecycle hooks: HeartbeatTimeout 30-7200 seconds (PutLifecycleHook API reference).
        assert.ok(ORIGIN_HOOK_TIMEOUT_SECONDS >= 30 && ORIGIN_HOOK_TIMEOUT_SECONDS <= 7200);
    });

    it("refuses an environment value a systemd EnvironmentFile would mangle", () => {
        assert.throws(() => originHost({ region: "us-east-1", allocationId: "eipalloc-1 x", publicIp: EIP, healthUrl: "http://x" }), /ALLOCATION_ID/);
    });

    it("the role may associate this allocation only, with its own pool's instances and interfaces, end its own group's hook and publish its own namespace", () => {
        const arn = `arn:aws:ec2:us-east-1:123456789012:elastic-ip/${ALLOCATION}`;
        const scope = { Name: "alicerce-app", Project: "alicerce", Environment: "dev" };
        const st = originPolicyStatements({ allocationArn: arn, region: "us-east-1", scope }) as any[];
        const by = (sid: string) => st.find((s) => s.Sid === sid);
        // Service Authorization Reference, Amazon EC2, AssociateAddress: resource types elastic-ip, instance,
        // network-interface (none required), each with aws:ResourceTag; so each is named, the instance and the
        // interface by the pool's Name tag (the group and the launch template's tag specifications put it there).
        assert.equal(by("OriginTakeAddress").Resource, arn);
        assert.deepEqual(by("OriginTakeAddressOwnInstances").Resource, ["arn:aws:ec2:us-east-1:*:instance/*", "arn:aws:ec2:us-east-1:*:network-interface/*"]);
        // Two stacks of a project in one account share the pool's Name: the stack's tags narrow it to this stack.
        assert.deepEqual(by("OriginTakeAddressOwnInstances").Condition, {
            StringEquals: { "aws:ResourceTag/Name": "alicerce-app", "aws:ResourceTag/Project": "alicerce", "aws:ResourceTag/Environment": "dev" },
        });
        // Auto Scaling: CompleteLifecycleAction on autoScalingGroup, condition key autoscaling:ResourceTag/${TagKey}.
        assert.deepEqual(by("OriginEndLaunchHook").Condition, {
            StringEquals: {
                "autoscaling:ResourceTag/Name": "alicerce-app",
                "autoscaling:ResourceTag/Project": "alicerce",
                "autoscaling:ResourceTag/Environment": "dev",
            },
        });
        assert.deepEqual(by("OriginHealthMetric").Condition, { StringEquals: { "cloudwatch:namespace": ORIGIN_METRIC.namespace } });
        // DescribeAddresses and DescribeTags support no resource-level permissions: "*".
        assert.equal(by("OriginWhoHoldsAddress").Resource, "*");
        assert.deepEqual(by("OriginWhoHoldsAddress").Action, ["ec2:DescribeAddresses", "ec2:DescribeTags"]);
        assert.equal(st.flatMap((s) => s.Action).length, 6, "nothing else");
    });
});
