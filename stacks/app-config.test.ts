/**
 * The team's own app in stack config: alicerce:appEnv, appSecrets, appPort, appHealthPath, appCommand,
 * appReleaseCommand, appPath, imageArchitecture. Every problem at once, before any resource, and a
 * secret's value never in a message.
 */
import { strict as assert } from "assert";
import { PLATFORM_RULES } from "../platforms";
import {
    APP_PORT,
    PLATFORM_VARIABLES,
    awsAppEnvironment,
    digitalOceanAppEnvironment,
    singleHostAppEnvironment,
    SESSION_KEY_VARIABLE,
} from "../components/shared/app-contract";
import { ConfigError, loadSettings } from ".";

const BASE: Record<string, string> = {
    "alicerce:cloud": "aws",
    "alicerce:tier": "mvp",
    "alicerce:region": "us-east-1",
    "alicerce:owner": "team-platform",
    "alicerce:costCenter": "cc-1001",
    "alicerce:budgetUsd": "36.2",
};
const DIGEST = `sha256:${"ab".repeat(32)}`;

function problems(config: Record<string, string>): string[] {
    try {
        loadSettings(config, "alicerce", "dev", PLATFORM_RULES);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

describe("the team's app config", () => {
    it("reports every bad app key at once, naming the platform variable a name collides with, never a secret's value", () => {
        const found = problems({
            ...BASE,
            "alicerce:appEnv": JSON.stringify({ DATABASE_URL: "postgres://x", "bad-name": "1", MULTI: "a\nb", JWT_SECRET: "plain" }),
            "alicerce:appSecrets": JSON.stringify({ JWT_SECRET: "hunter2-do-not-print", REDIS_URL: "rediss://:pw-do-not-print@h", "1ST": "x" }),
            "alicerce:appPort": "80",
            "alicerce:appHealthPath": "healthz",
            "alicerce:appCommand": "[]",
            "alicerce:appReleaseCommand": '["npm","run","migrate"]',
            "alicerce:imageArchitecture": "amd64",
        });
        const expected = [
            // POSIX.1-2017 Base Definitions 8.1: uppercase letters, digits and '_', not starting with a digit.
            'alicerce:appEnv: "{\\"DATABASE_URL\\":\\"postgres://x\\",\\"bad-name\\":\\"1\\",\\"MULTI\\":\\"a\\\\nb\\",\\"JWT_SECRET\\":\\"plain\\"}" has DATABASE_URL, which the platform sets itself (DATABASE_URL: the app\'s database connection); rename yours (e.g. APP_DATABASE_URL)',
            'has "bad-name", not a portable environment variable name',
            "has MULTI with a line break or NUL in its value",
            "has JWT_SECRET, which alicerce:appSecrets also sets",
            "alicerce:appSecrets: (secret) has REDIS_URL, which the platform sets itself (REDIS_URL: the Redis/Valkey connection)",
            'alicerce:appSecrets: (secret) has "1ST", not a portable environment variable name',
            'alicerce:appPort: "80" is out of range; use a whole number from 1024 to 65535',
            'alicerce:appHealthPath: "healthz" is not a health check path',
            'alicerce:appCommand: "[]" is not a command',
            'alicerce:appReleaseCommand: "[\\"npm\\",\\"run\\",\\"migrate\\"]" is set, but no image contains it',
            'alicerce:imageArchitecture: "amd64" describes alicerce:image, which is not set',
        ];
        for (const e of expected)
            assert.ok(
                found.some((p) => p.includes(e)),
                `missing ${e} in:\n${found.join("\n")}`,
            );
        assert.ok(!found.join("\n").includes("do-not-print"), "a secret's value is never shown");
    });

    it("refuses an image for the wrong architecture before anything is declared, on each cloud", () => {
        const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${DIGEST}`;
        // t4g is Graviton (arm64): https://aws.amazon.com/ec2/instance-types/t4/
        assert.ok(
            problems({ ...BASE, "alicerce:image": image, "alicerce:imageArchitecture": "amd64" }).some((p) =>
                p.startsWith('alicerce:imageArchitecture: "amd64" says alicerce:image is amd64, but instance type t4g.micro is arm64'),
            ),
        );
        assert.deepEqual(problems({ ...BASE, "alicerce:image": image, "alicerce:imageArchitecture": "arm64" }), []);
        assert.ok(
            problems({ ...BASE, "alicerce:image": image, "alicerce:imageArchitecture": "arm64", "alicerce:instanceType": "t3.small" }).some((p) =>
                p.includes("instance type t3.small is amd64"),
            ),
        );
        // Droplets are x86-64 only (https://docs.digitalocean.com/products/droplets/details/features/).
        const doStack = {
            ...BASE,
            "alicerce:cloud": "digitalocean",
            "alicerce:region": "nyc3",
            "alicerce:sshKeyFingerprints": "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
            "alicerce:image": `registry.digitalocean.com/acme/app@${DIGEST}`,
        };
        assert.ok(problems({ ...doStack, "alicerce:imageArchitecture": "arm64" }).some((p) => p.includes("DigitalOcean droplets are amd64")));
        const vps = {
            ...BASE,
            "alicerce:cloud": "docker",
            "alicerce:vps": "aws",
            "alicerce:sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
            "alicerce:adminCidrs": "203.0.113.7/32",
            "alicerce:image": `ghcr.io/acme/app@${DIGEST}`,
        };
        assert.ok(
            problems({ ...vps, "alicerce:imageArchitecture": "amd64" }).some((p) =>
                p.startsWith('alicerce:imageArchitecture: "amd64" says alicerce:image is amd64, but the aws host'),
            ),
            problems({ ...vps, "alicerce:imageArchitecture": "amd64" }).join("\n"),
        );
    });

    it("needs a Dockerfile in appPath, inside the project; a pinned image (a rollback) wins over it, with a warning", () => {
        const found = problems({ ...BASE, "alicerce:appPath": "test/fixtures/no-such-app" });
        assert.ok(found.some((p) => p.includes("has no Dockerfile")));
        const pinned = loadSettings(
            { ...BASE, "alicerce:appPath": "test/fixtures/byo-app/clinic-api", "alicerce:image": `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${DIGEST}` },
            "alicerce",
            "dev",
            PLATFORM_RULES,
        );
        assert.equal(pinned.app.buildContext, undefined);
        assert.ok(pinned.warnings.some((w) => w.includes("is not built (a rollback)")));
        assert.ok(problems({ ...BASE, "alicerce:appPath": "../elsewhere" }).some((p) => p.includes("is outside the project")));
        assert.deepEqual(
            problems({ ...BASE, "alicerce:appPath": "test/fixtures/byo-app/clinic-api", "alicerce:appReleaseCommand": "node server.js migrate" }),
            [],
        );
    });

    it("the team's own app on a tier with queue workers names its worker command (app-image/'s worker is not in its image)", () => {
        const own = { "alicerce:appPath": "test/fixtures/byo-app/clinic-api" };
        const prod = {
            ...BASE,
            ...own,
            "alicerce:tier": "prod",
            "alicerce:budgetUsd": "253.7",
            "alicerce:domain": "app.example.com",
            "alicerce:alertEmail": "a@example.com",
        };
        const found = problems(prod);
        assert.ok(
            found.some(
                (p) =>
                    p.startsWith('alicerce:appPath: "test/fixtures/byo-app/clinic-api" builds your own app, and the prod tier runs queue workers') &&
                    p.includes("alicerce:workersCommand"),
            ),
            found.join("\n"),
        );
        // mvp has no workers on AWS: nothing to name.
        assert.ok(!problems({ ...BASE, ...own }).some((p) => p.includes("workersCommand")));
        // The single host runs workers only when asked: 0 replicas needs no command.
        const docker = { ...BASE, ...own, "alicerce:cloud": "docker", "alicerce:tier": "growth", "alicerce:region": undefined as unknown as string };
        delete (docker as Record<string, string | undefined>)["alicerce:region"];
        assert.ok(problems(docker).some((p) => p.includes("or alicerce:workersReplicas 0")));
        assert.ok(!problems({ ...docker, "alicerce:workersReplicas": "0" }).some((p) => p.includes("workersCommand")));
        const s = loadSettings({ ...prod, "alicerce:workersCommand": '["node","worker.js"]' }, "alicerce", "prod", PLATFORM_RULES);
        assert.deepEqual(s.app.workerCommand, ["node", "worker.js"]);
    });

    it("resolves the app's shape and names only (never secret values) into the settings", () => {
        const s = loadSettings(
            {
                ...BASE,
                "alicerce:appEnv": '{"A_URL":"https://a"}',
                "alicerce:appSecrets": '{"JWT_SECRET":"v1","B":"v2"}',
                "alicerce:appPort": "3000",
                "alicerce:appCommand": "node server.js",
            },
            "alicerce",
            "dev",
            PLATFORM_RULES,
        );
        assert.deepEqual(s.app, {
            port: 3000,
            healthPath: "/healthz",
            command: ["node", "server.js"],
            env: { A_URL: "https://a" },
            secretNames: ["B", "JWT_SECRET"],
        });
        assert.ok(!JSON.stringify(s).includes("v1"));
        assert.deepEqual(loadSettings(BASE, "alicerce", "dev", PLATFORM_RULES).app, { port: APP_PORT, healthPath: "/healthz", env: {}, secretNames: [] });
    });

    it("lists every variable each platform sets, so a collision is always caught", () => {
        const set = new Set([
            ...Object.keys(
                awsAppEnvironment({
                    region: "r",
                    dbSecretArn: "a",
                    dbHost: "h",
                    dbReaderHost: "h",
                    dbPort: 5432,
                    dbName: "n",
                    appSecretArn: "s",
                    assetsBucket: "b",
                }),
            ),
            ...(() => {
                const e = digitalOceanAppEnvironment({
                    dbPoolMax: 1,
                    assetsBucket: "b",
                    s3Endpoint: "e",
                    accessKeyId: "k",
                    secretAccessKey: "s",
                    databaseUrl: "u",
                    databasePoolUrl: "p",
                    databaseReaderUrl: "r",
                });
                return [...Object.keys(e.env), ...Object.keys(e.secrets)];
            })(),
            ...Object.keys(
                singleHostAppEnvironment({
                    databaseUrl: "u",
                    redisUrl: "r",
                    assetsBucket: "b",
                    s3Endpoint: "e",
                    s3PublicEndpoint: "p",
                    accessKeyId: "k",
                    secretAccessKey: "s",
                    sessionKey: "x",
                }),
            ),
            SESSION_KEY_VARIABLE,
        ]);
        assert.deepEqual(
            [...set].filter((n) => !(n in PLATFORM_VARIABLES)),
            [],
        );
    });
});
