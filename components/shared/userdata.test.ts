import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TIERS, TIER_PRESETS, Tier } from "../../stacks/tiers";
import { awsHost } from "../aws/host-strategy";
import { digitalOceanHost } from "../digitalocean/host-strategy";
import { ContainerSpec, HostStrategy, registryOf, renderPrepareScript, renderUnit, renderUserData, shellQuote, validateContainerSpec } from "./userdata";

const DIGEST = `sha256:${"ab12".repeat(16)}`;
const ECR_IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/alicerce-app@${DIGEST}`;
const DOCR_IMAGE = `registry.digitalocean.com/alicerce/app@${DIGEST}`;
const DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c-AbCdEf";

/** The spec each tier would give, per cloud (prod has a read replica; DigitalOcean reads its secrets from the API). */
function specFor(tier: Tier, cloud: "aws" | "digitalocean"): { spec: ContainerSpec; host: HostStrategy } {
    const preset = TIER_PRESETS[tier];
    const writer = cloud === "aws" ? "alicerce-prod.c0ffee.us-east-1.rds.amazonaws.com" : "db-postgresql-nyc3-1234-do-user-1-0.b.db.ondigitalocean.com";
    const env: Record<string, string> = {
        DB_HOST: writer,
        DB_READER_HOST: preset.database.readReplica ? writer.replace("alicerce-prod", "alicerce-prod-replica") : writer,
        DB_PORT: "5432",
        DB_NAME: "app",
        DB_SSL_MODE: "verify-full",
        DB_SSL_CA_FILE: "/etc/ssl/certs/db-ca.pem",
        SHUTDOWN_TIMEOUT_MS: "25000",
    };
    if (cloud === "aws") {
        Object.assign(env, {
            DB_SECRET_ARN: DB_SECRET,
            APP_SECRET_ARN: DB_SECRET.replace("rds!db-0a1b2c", "alicerce-session"),
            AWS_REGION: "us-east-1",
            ASSETS_BUCKET: "alicerce-assets-a1b2c3d",
        });
        return {
            spec: {
                image: ECR_IMAGE,
                hostPort: 8080,
                env,
                secrets: tier === "prod" ? [{ env: "SESSION_SECRET", source: DB_SECRET, key: ".password" }] : [],
                files: [{ url: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem", containerPath: "/etc/ssl/certs/db-ca.pem" }],
            },
            host: awsHost({ region: "us-east-1", logGroupName: "/alicerce/prod/app" }),
        };
    }
    return {
        spec: {
            image: DOCR_IMAGE,
            hostPort: 80,
            env,
            secrets: [
                { env: "DB_USER", source: "databases/9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", key: ".database.connection.user" },
                { env: "DB_PASSWORD", source: "databases/9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", key: ".database.connection.password" },
            ],
        },
        host: digitalOceanHost({ apiTokenCommand: "cat /root/.config/alicerce/do-token" }),
    };
}

/** shellcheck's findings for a script (empty when clean). */
function shellcheck(script: string): string {
    const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], { input: script, encoding: "utf8" });
    if (r.error) throw new Error(`shellcheck is needed for these tests: apt-get install -y shellcheck (${r.error.message})`);
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

describe("shared user data", () => {
    for (const cloud of ["aws", "digitalocean"] as const) {
        for (const tier of TIERS) {
            describe(`${cloud} / ${tier}`, () => {
                const { spec, host } = specFor(tier, cloud);
                const script = renderUserData(spec, host);

                it("is a strict bash script that shellcheck passes, and so is its prepare script", () => {
                    const lines = script.split("\n");
                    assert.equal(lines[0], "#!/bin/bash");
                    assert.ok(lines.slice(0, 4).includes("set -euo pipefail"));
                    assert.equal(shellcheck(script), "");
                    const prepare = renderPrepareScript(spec, host);
                    assert.ok(prepare.includes("set -euo pipefail"));
                    assert.equal(shellcheck(prepare), "");
                });

                it("runs the image by digest under systemd with restart, port mapping and a stop timeout above the app's 25 s", () => {
                    const unit = renderUnit(spec, host);
                    assert.ok(unit.includes("Restart=always"));
                    assert.ok(unit.includes(`--publish ${spec.hostPort}:8080`));
                    assert.match(unit, /@sha256:[0-9a-f]{64}$/m);
                    assert.ok(unit.includes("--stop-timeout 30"));
                    assert.ok(unit.includes("ExecStop=/usr/bin/docker stop --time 30 app"));
                    assert.match(unit, /TimeoutStopSec=(\d+)/);
                    assert.ok(Number(/TimeoutStopSec=(\d+)/.exec(unit)![1]) > 30);
                    assert.ok(script.includes(unit.trimEnd()), "the unit is written by the user data");
                    assert.ok(script.includes("systemctl enable --now 'app.service'"));
                });

                it("writes the environment to a root-only file and fetches secrets only at start, into tmpfs", () => {
                    assert.ok(script.includes("install -d -m 0700 '/etc/app'"));
                    assert.ok(script.includes("chmod 0600 '/etc/app/app.env'"));
                    const envBlock = script.split("cat > '/etc/app/app.env' <<'ALICERCE_EOF'\n")[1].split("\nALICERCE_EOF")[0];
                    assert.deepEqual(
                        envBlock.split("\n").map((l) => l.split("=")[0]),
                        Object.keys(spec.env).sort(),
                    );
                    for (const secret of spec.secrets ?? []) {
                        assert.ok(!envBlock.includes(secret.env), `${secret.env} must not be in the env file`);
                        assert.ok(renderPrepareScript(spec, host).includes(`printf '%s=%s\\n' '${secret.env}' "$value"`));
                    }
                    assert.ok(renderUnit(spec, host).includes("--env-file /run/app/secrets.env"));
                    assert.ok(script.includes("ExecStartPre=/usr/local/sbin/app-prepare"));
                });

                if (cloud === "aws") {
                    it("uses dnf, ECR login with the instance role, Secrets Manager, awslogs and the CloudWatch agent", () => {
                        assert.ok(script.includes("dnf install -y docker jq amazon-cloudwatch-agent"));
                        assert.ok(!script.includes("apt-get"));
                        assert.ok(
                            script.includes(
                                "aws ecr get-login-password --region 'us-east-1' | docker login --username AWS --password-stdin '123456789012.dkr.ecr.us-east-1.amazonaws.com'",
                            ),
                        );
                        assert.ok(script.includes("--log-driver awslogs"));
                        assert.ok(script.includes("--log-opt awslogs-group=/alicerce/prod/app"));
                        assert.ok(script.includes('"AutoScalingGroupName": "${aws:AutoScalingGroupName}"'));
                        assert.ok(script.includes("amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s"));
                        assert.ok(script.includes("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"));
                        assert.ok(renderUnit(spec, host).includes("--volume /etc/app/files/global-bundle.pem:/etc/ssl/certs/db-ca.pem:ro"));
                    });
                } else {
                    it("uses apt, the DigitalOcean registry and API with a token read at start, and journald", () => {
                        assert.ok(script.includes("apt-get -o DPkg::Lock::Timeout=600 install -y -q docker.io jq curl ca-certificates"));
                        // Every apt-get at boot waits for apt-daily's lock instead of failing.
                        for (const l of script.split("\n").filter((x) => /\bapt-get\b/.test(x))) assert.ok(l.includes("-o DPkg::Lock::Timeout="), l);
                        assert.ok(!/\bdnf\b|\baws /.test(script));
                        assert.ok(script.includes("--log-driver journald"));
                        const prepare = renderPrepareScript(spec, host);
                        assert.ok(prepare.includes('DO_TOKEN="$(cat /root/.config/alicerce/do-token)"'));
                        assert.ok(prepare.includes("--password-stdin 'registry.digitalocean.com'"));
                        assert.ok(
                            prepare.includes(
                                "'https://api.digitalocean.com/v2/databases/9cc10173-e9ea-4176-9dbc-a4cee4c4ff30' | jq --raw-output --exit-status '.database.connection.password'",
                            ),
                        );
                    });
                }
            });
        }
    }

    it("is deterministic: the same spec renders the same script, whatever the env's key order", () => {
        const { spec, host } = specFor("prod", "aws");
        const reversed = { ...spec, env: Object.fromEntries(Object.entries(spec.env).reverse()) };
        assert.equal(renderUserData(reversed, host), renderUserData(spec, host));
    });

    it("keeps hostile values literal: quotes, $() and backticks in env values and sources never run", () => {
        const { spec, host } = specFor("mvp", "aws");
        const hostile = { ...spec, env: { ...spec.env, GREETING: "it's $(touch /tmp/pwned) `id`" }, secrets: [{ env: "X", source: "name'; rm -rf / #" }] };
        const script = renderUserData(hostile, host);
        assert.equal(shellcheck(script), "");
        assert.ok(script.includes("GREETING=it's $(touch /tmp/pwned) `id`\n"), "the env file is a quoted heredoc: taken literally");
        assert.ok(renderPrepareScript(hostile, host).includes(`--secret-id 'name'\\''; rm -rf / #'`));
    });

    it("rejects a spec it cannot render safely, listing every problem", () => {
        const { spec, host } = specFor("mvp", "aws");
        const bad: ContainerSpec = {
            ...spec,
            serviceName: "App",
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/alicerce-app:latest",
            hostPort: 0,
            env: { ...spec.env, "bad-name": "x", MULTI: "a\nb" },
            secrets: [{ env: "DB_HOST", source: "arn", key: "password" }],
        };
        const problems = validateContainerSpec(bad);
        for (const expected of [
            'serviceName "App"',
            "must be pinned by digest",
            "hostPort 0",
            'environment variable "bad-name"',
            'environment variable "MULTI" has a line break',
            'environment variable "DB_HOST" is set twice',
            'key "password" must be a jq path',
        ]) {
            assert.ok(
                problems.some((p) => p.includes(expected)),
                `missing "${expected}" in:\n${problems.join("\n")}`,
            );
        }
        assert.throws(() => renderUserData(bad, host), /invalid container spec:\n {2}serviceName "App"/);
        assert.deepEqual(validateContainerSpec(spec), []);
    });

    it("finds the registry host of an image the way docker does", () => {
        const cases: [string, string][] = [
            [ECR_IMAGE, "123456789012.dkr.ecr.us-east-1.amazonaws.com"],
            [DOCR_IMAGE, "registry.digitalocean.com"],
            [`library/node@${DIGEST}`, "docker.io"],
            [`localhost:5000/app@${DIGEST}`, "localhost:5000"],
            [`node@${DIGEST}`, "docker.io"],
        ];
        for (const [image, registry] of cases) assert.equal(registryOf(image), registry, image);
    });

    it("logs in only to registries the host knows (a public image needs no login)", () => {
        const { spec, host } = specFor("mvp", "aws");
        const prepare = renderPrepareScript({ ...spec, image: `public.ecr.aws/docker/library/node@${DIGEST}` }, host);
        assert.ok(!prepare.includes("docker login"));
        const doPrepare = renderPrepareScript({ ...spec, image: `ghcr.io/acme/app@${DIGEST}`, secrets: [] }, digitalOceanHost({ apiTokenCommand: "cat /t" }));
        assert.ok(!doPrepare.includes("DO_TOKEN"), "no token is read when nothing needs it");
        assert.equal(shellcheck(doPrepare), "");
    });

    it("logs in to an ECR registry with that registry's region, not the stack's (ECR tokens are per region)", () => {
        const host = awsHost({ region: "us-east-1", logGroupName: "/alicerce/prod/app" });
        const cases: [string, string[]][] = [
            [
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                [
                    "aws ecr get-login-password --region 'us-east-1' | docker login --username AWS --password-stdin '123456789012.dkr.ecr.us-east-1.amazonaws.com'",
                ],
            ],
            [
                "210987654321.dkr.ecr.eu-west-1.amazonaws.com",
                [
                    "aws ecr get-login-password --region 'eu-west-1' | docker login --username AWS --password-stdin '210987654321.dkr.ecr.eu-west-1.amazonaws.com'",
                ],
            ],
            ["s3.amazonaws.com", []],
            ["ghcr.io", []],
        ];
        for (const [registry, lines] of cases) assert.deepEqual(host.registryLogin(registry), lines, registry);
    });

    it("shellQuote round-trips through bash", () => {
        for (const value of ["plain", "it's", "$(id)", "a b\tc", "'", "''", "\\n"]) {
            assert.equal(execFileSync("bash", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" }), value);
        }
    });

    it("the prepare script really writes the secrets file (run with stub aws and docker)", () => {
        const service = "app";
        const { spec, host } = specFor("prod", "aws");
        const stubs = fs.mkdtempSync(path.join(os.tmpdir(), "stubs-"));
        // /run needs root; the same script runs with /run/ moved under a temporary directory.
        const run = path.join(stubs, "run");
        const calls = path.join(stubs, "calls.log");
        fs.writeFileSync(
            path.join(stubs, "aws"),
            `#!/bin/bash\necho "aws $*" >> ${calls}\nif [[ $1 == ecr ]]; then echo ecr-pass; else echo '{"username":"app","password":"p4ss w0rd='\\''x"}'; fi\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(stubs, "docker"), `#!/bin/bash\necho "docker $* stdin=$(cat)" >> ${calls}\n`, { mode: 0o755 });
        try {
            fs.mkdirSync(run);
            const prepare = renderPrepareScript(spec, host).replaceAll("'/run/", `'${run}/`);
            assert.ok(prepare.includes(run));
            execFileSync("bash", ["-c", prepare], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}` } });
            const file = `${run}/${service}/secrets.env`;
            assert.equal(fs.readFileSync(file, "utf8"), "SESSION_SECRET=p4ss w0rd='x\n");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            assert.equal(fs.statSync(`${run}/${service}`).mode & 0o777, 0o700);
            const log = fs.readFileSync(calls, "utf8");
            assert.ok(log.includes("docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com stdin=ecr-pass"));
            assert.ok(log.includes(`--secret-id ${DB_SECRET}`));
        } finally {
            fs.rmSync(stubs, { recursive: true, force: true });
        }
    });
});

// p-do-docker-workers: the worker role's command (systemd.service(5) "Command lines": double quotes group words; % and $ escaped).
describe("shared cloud-init: a container command (the worker role)", () => {
    const { spec, host } = specFor("growth", "digitalocean");
    it("runs the image with the command's words, quoted, after the image; without one the unit is unchanged", () => {
        const worker = renderUnit({ ...spec, serviceName: "worker", command: ["node", "--enable-source-maps", "dist/worker.js"] }, host);
        assert.ok(
            worker.includes(
                `${DOCR_IMAGE} \\\n    "node" \\\n    "--enable-source-maps" \\\n    "dist/worker.js"\nExecStop=/usr/bin/docker stop --time 30 worker`,
            ),
        );
        assert.equal(renderUnit({ ...spec, command: undefined }, host), renderUnit(spec, host));
        assert.match(renderUnit(spec, host), /@sha256:[0-9a-f]{64}\nExecStop=/);
    });
    it("refuses an empty command or a word with a line break", () => {
        assert.deepEqual(validateContainerSpec({ ...spec, command: [] }), ["command is empty"]);
        assert.equal(validateContainerSpec({ ...spec, command: ["node", "a\nb"] }).length, 1);
    });
});
