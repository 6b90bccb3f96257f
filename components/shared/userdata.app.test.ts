/**
 * The team's settings, secrets, command and release command in the real rendered user data, run for real:
 * shellcheck, then the whole first-boot script and its prepare script executed in a sandbox directory with
 * `dnf`, `systemctl`, `aws` and `docker` stubbed (jq is the real one). Proves the container gets every
 * variable, that no secret is written outside the tmpfs secrets file, and that a failing release command
 * stops the app from starting on that host (so the rollout stops: the host never turns healthy).
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { awsHost } from "../aws/host-strategy";
import { ContainerSpec, renderPrepareScript, renderUnit, renderUserData, systemdQuote, validateContainerSpec } from "./userdata";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/clinic-api@sha256:${"cd".repeat(32)}`;
const ENV_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alicerce-byo-app-env-AbCdEf";
const SECRETS = { JWT_SECRET: "jwt $(touch /tmp/pwned) `id` 'q' s3cr3t", RABBITMQ_URL: "amqps://user:p%40ss@mq.example.com:5671/vhost" };

const spec: ContainerSpec = {
    image: IMAGE,
    hostPort: 8080,
    containerPort: 3000,
    env: { WHATSAPP_GATEWAY_URL: "https://gateway.example.com/v1", PORT: "3000", DB_HOST: "db.internal" },
    secrets: Object.keys(SECRETS).map((n) => ({ env: n, source: ENV_SECRET, key: `.${n}` })),
    command: ["node", "server.js", "--name=100%", "$HOME"],
    releaseCommand: ["node", "server.js", "migrate"],
};
const host = awsHost({ region: "us-east-1", logGroupName: "/alicerce/byo/app", cloudWatchAgent: false });

/** Runs the user data and then the prepare script in a sandbox; the release command exits `releaseExit`. */
function boot(releaseExit: number): { sandbox: string; prepare: { status: number | null; stderr: string }; dockerLog: string; cleanup: () => void } {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "byo-boot-"));
    const stubs = path.join(sandbox, "bin");
    fs.mkdirSync(stubs);
    const log = path.join(sandbox, "docker.log");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(stubs, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    stub("dnf", "exit 0");
    stub("systemctl", "exit 0");
    stub(
        "aws",
        `if [[ $1 == ecr ]]; then echo ecr-token; else printf '%s' ${JSON.stringify(JSON.stringify(SECRETS)).replace(/\$/g, "\\$").replace(/`/g, "\\`")}; fi`,
    );
    stub("docker", `cat >/dev/null 2>&1 || true\necho "docker $*" >> ${log}\nif [[ " $* " == *" migrate "* ]]; then exit ${releaseExit}; fi`);
    const moved = (text: string) =>
        text.replaceAll("'/etc/", `'${sandbox}/etc/`).replaceAll("'/run/", `'${sandbox}/run/`).replaceAll("'/usr/local/sbin/", `'${sandbox}/usr/local/sbin/`);
    for (const d of ["etc/systemd/system", "run", "usr/local/sbin"]) fs.mkdirSync(path.join(sandbox, d), { recursive: true });
    const env = { ...process.env, PATH: `${stubs}:${process.env.PATH}` };
    execFileSync("bash", ["-c", moved(renderUserData(spec, host))], { env });
    const prepare = spawnSync("bash", [path.join(sandbox, "usr/local/sbin/app-prepare")], { env, encoding: "utf8" });
    return {
        sandbox,
        prepare: { status: prepare.status, stderr: prepare.stderr },
        dockerLog: fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "",
        cleanup: () => fs.rmSync(sandbox, { recursive: true, force: true }),
    };
}

/** Every file under a directory, with its text. */
function files(dir: string): [string, string][] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
            const p = path.join(e.parentPath, e.name);
            return [p, fs.readFileSync(p, "utf8")];
        });
}

describe("user data with the team's settings, secrets and release command (run for real)", () => {
    it("passes shellcheck, the first-boot script and its prepare script", () => {
        for (const script of [renderUserData(spec, host), renderPrepareScript(spec, host)]) {
            const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: script, encoding: "utf8" });
            assert.equal(r.status, 0, r.stdout);
        }
    });

    it("gives the container every setting and secret; secrets only in the root-only tmpfs file, never in the user data or on disk", () => {
        const b = boot(0);
        try {
            assert.equal(b.prepare.status, 0, b.prepare.stderr);
            const env = fs.readFileSync(path.join(b.sandbox, "etc/app/app.env"), "utf8");
            assert.equal(env, "DB_HOST=db.internal\nPORT=3000\nWHATSAPP_GATEWAY_URL=https://gateway.example.com/v1\n");
            const secretsFile = path.join(b.sandbox, "run/app/secrets.env");
            assert.equal(fs.readFileSync(secretsFile, "utf8"), `JWT_SECRET=${SECRETS.JWT_SECRET}\nRABBITMQ_URL=${SECRETS.RABBITMQ_URL}\n`);
            assert.equal(fs.statSync(secretsFile).mode & 0o777, 0o600);
            for (const [file, text] of files(b.sandbox)) {
                if (file === secretsFile || file.endsWith("docker.log") || file.includes("/bin/")) continue;
                for (const v of Object.values(SECRETS)) assert.ok(!text.includes(v), `${file} holds a secret`);
            }
            for (const v of Object.values(SECRETS)) assert.ok(!renderUserData(spec, host).includes(v));
            assert.ok(!fs.existsSync("/tmp/pwned") || fs.statSync("/tmp/pwned").mtimeMs < Date.now() - 60_000, "a secret's value never runs");
            // The release ran once, with both env files, before the unit starts the app.
            const release = b.dockerLog.split("\n").filter((l) => l.includes(" migrate"));
            assert.equal(release.length, 1);
            assert.ok(release[0].includes(`--env-file ${b.sandbox}/etc/app/app.env --env-file ${b.sandbox}/run/app/secrets.env`), release[0]);
            assert.ok(release[0].includes(`${IMAGE} node server.js migrate`));
            // A second start (a restart on the same host) does not run it again.
            const again = spawnSync("bash", [path.join(b.sandbox, "usr/local/sbin/app-prepare")], {
                env: { ...process.env, PATH: `${b.sandbox}/bin:${process.env.PATH}` },
                encoding: "utf8",
            });
            assert.equal(again.status, 0);
            assert.equal(
                fs
                    .readFileSync(path.join(b.sandbox, "docker.log"), "utf8")
                    .split("\n")
                    .filter((l) => l.includes(" migrate")).length,
                1,
            );
        } finally {
            b.cleanup();
        }
    });

    it("stops on a failing release command: the prepare script fails, so systemd never starts the app on this host", () => {
        const b = boot(3);
        try {
            assert.notEqual(b.prepare.status, 0);
            assert.match(b.prepare.stderr, /release command failed: app does not start on this host/);
            assert.ok(!fs.existsSync(path.join(b.sandbox, "run/app/release.done")), "no marker: the next start tries again");
            const unit = fs.readFileSync(path.join(b.sandbox, "etc/systemd/system/app.service"), "utf8");
            // ExecStartPre failing fails the start (systemd.service(5): a failing ExecStartPre= without "-" aborts the unit).
            assert.ok(unit.includes(`ExecStartPre=/usr/local/sbin/app-prepare\n`));
        } finally {
            b.cleanup();
        }
    });

    it("quotes the command for systemd: % and $ are literal, each argument one word", () => {
        assert.equal(systemdQuote("100%"), '"100%%"');
        assert.equal(systemdQuote("$HOME"), '"$$HOME"');
        assert.ok(renderUnit(spec, host).includes(`${IMAGE} \\\n    "node" \\\n    "server.js" \\\n    "--name=100%%" \\\n    "$$HOME"`));
        assert.ok(renderUnit(spec, host).includes("--publish 8080:3000"));
        assert.deepEqual(validateContainerSpec({ ...spec, command: [], releaseCommand: ["a\nb"] }), [
            "command is empty",
            'releaseCommand argument "a\\nb" is empty or has a line break or NUL',
        ]);
    });
});
