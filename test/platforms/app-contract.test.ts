import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    APP_PORT,
    awsAppEnvironment,
    digitalOceanAppEnvironment,
    HEALTH_PATH,
    SESSION_KEY_VARIABLE,
    SHUTDOWN_TIMEOUT_MS,
    singleHostAppEnvironment,
    STOP_TIMEOUT_SECONDS,
} from "../../components/shared/app-contract";
import { loadAppParseConfig } from "../support/app-config";
import { stackRun } from "../stacks/runs";

/**
 * Variables a strategy sets that the app's `parseConfig` does not read, each
 * with who does read it. Anything else the contract sets must be read by the
 * parser, or it is a typo or a leftover.
 */
const READ_ELSEWHERE: Readonly<Record<string, string>> = {
    AWS_ACCESS_KEY_ID: "the AWS SDK's default credential chain (the S3 client for Spaces or the host's store)",
    AWS_SECRET_ACCESS_KEY: "the AWS SDK's default credential chain, with AWS_ACCESS_KEY_ID",
    NODE_ENV: "Node.js and its libraries (production mode), not the app's parser",
    DATABASE_POOL_URL: "one-off jobs through PgBouncer (docs/digitalocean.md), not the web process",
    REDIS_URL: "the queue worker and cache; provisioned on the single host, where Redis runs anyway",
};

/** Runs the app's own parser on `env`, recording every variable it reads. */
function parse(env: Record<string, string>): { ok: boolean; issues: string[]; read: Set<string>; config?: { shutdownTimeoutMs: number } } {
    const read = new Set<string>();
    const watched = new Proxy(env, {
        get(target, key) {
            if (typeof key === "string") read.add(key);
            return Reflect.get(target, key);
        },
    });
    const result = loadAppParseConfig()(watched);
    return result.ok
        ? { ok: true, issues: [], read, config: result.config }
        : { ok: false, issues: result.issues.map((i) => `${i.variable}: ${i.message}`), read };
}

/** Each hosting strategy's environment, with realistic stand-in values. */
const STRATEGIES: Record<string, Record<string, string>> = {
    aws: awsAppEnvironment({
        region: "us-east-1",
        dbSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1a2b3c-AbCdEf",
        dbHost: "alicerce-dev-db.c0ffee.us-east-1.rds.amazonaws.com",
        dbReaderHost: "alicerce-dev-db-replica.c0ffee.us-east-1.rds.amazonaws.com",
        dbPort: 5432,
        dbName: "app",
        appSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:alicerce-dev-app-session-AbCdEf",
        assetsBucket: "alicerce-dev-assets-123456789012",
    }),
    digitalocean: (() => {
        const { env, secrets } = digitalOceanAppEnvironment({
            dbPoolMax: 8,
            assetsBucket: "alicerce-do-dev-assets",
            s3Endpoint: "https://nyc3.digitaloceanspaces.com",
            accessKeyId: "DO00STANDINACCESSKEY",
            secretAccessKey: "stand-in-secret-key-not-real",
            databaseUrl: "postgresql://app:pw@db.example:25060/app?sslmode=require",
            databasePoolUrl: "postgresql://app:pw@db.example:25061/app-pool?sslmode=require",
            databaseReaderUrl: "postgresql://app:pw@replica.example:25060/app?sslmode=require",
        });
        // The app servers add the session key they generate.
        return { ...env, ...secrets, [SESSION_KEY_VARIABLE]: "x".repeat(64) };
    })(),
    docker: singleHostAppEnvironment({
        databaseUrl: "postgres://app:pw@postgres:5432/app",
        redisUrl: "redis://:pw@redis:6379/0",
        assetsBucket: "assets",
        s3Endpoint: "http://objectstore:8333",
        s3PublicEndpoint: "https://app.example.com",
        accessKeyId: "stand-in-access-key",
        secretAccessKey: "stand-in-secret-key",
        sessionKey: "y".repeat(64),
    }),
};

describe("the app contract, checked against the app's own parseConfig (app-image/src/config.ts)", () => {
    for (const [strategy, env] of Object.entries(STRATEGIES)) {
        it(`${strategy}: the app starts with it (every required variable is set)`, () => {
            const result = parse(env);
            assert.deepEqual(result.issues, []);
            assert.equal(result.config?.shutdownTimeoutMs, SHUTDOWN_TIMEOUT_MS, "the app drains for the contract's one timeout");
        });

        it(`${strategy}: every variable it sets is one the app reads`, () => {
            const { read } = parse(env);
            const unread = Object.keys(env).filter((key) => !read.has(key) && !(key in READ_ELSEWHERE));
            assert.deepEqual(unread, [], "set but never read by the app");
        });
    }

    it("the parser really reports a missing variable and records what it reads (the checks above can fail)", () => {
        const { DB_HOST: _dropped, ...withoutHost } = STRATEGIES.aws;
        assert.ok(parse(withoutHost).issues.length > 0, "an AWS environment without DB_HOST must not start");
        const typo = { ...STRATEGIES.docker, SHUTDOWN_TIMEOUT: "25000" };
        assert.ok(!parse(typo).read.has("SHUTDOWN_TIMEOUT"));
    });

    it("port and health path are the image's own (Dockerfile EXPOSE, server route), and the runtime outwaits the drain", () => {
        const dockerfile = fs.readFileSync(path.join(__dirname, "..", "..", "app-image", "Dockerfile"), "utf8");
        assert.match(dockerfile, new RegExp(`^EXPOSE ${APP_PORT}$`, "m"));
        const server = fs.readFileSync(path.join(__dirname, "..", "..", "app-image", "src", "server.ts"), "utf8");
        assert.ok(server.includes(`app.get('${HEALTH_PATH}'`), `server.ts serves ${HEALTH_PATH}`);
        assert.ok(STOP_TIMEOUT_SECONDS * 1000 > SHUTDOWN_TIMEOUT_MS);
    });

    it("every shipped single host runs its app containers with the one shutdown timeout", async () => {
        for (const stack of ["local", "vps-example"]) {
            const run = await stackRun(stack);
            const apps = run.resources.filter(
                (r) => r.type === "docker:index/container:Container" && (r.inputs.envs ?? []).some((e: string) => e.startsWith("SESSION_SIGNING_KEY=")),
            );
            assert.ok(apps.length > 0, `${stack}: no app container recorded`);
            for (const app of apps) {
                assert.ok(app.inputs.envs.includes(`SHUTDOWN_TIMEOUT_MS=${SHUTDOWN_TIMEOUT_MS}`), `${stack}: ${app.name}`);
                assert.equal(app.inputs.stopTimeout, STOP_TIMEOUT_SECONDS, `${stack}: ${app.name} stopTimeout`);
            }
        }
    });
});
