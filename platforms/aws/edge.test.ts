import { strict as assert } from "assert";
import { awsAppEnvironment as appEnvironment, DB_CA_PATH } from "../../components/shared/app-contract";
import { ingressChoice } from "./edge";

describe("edge: pure decisions", () => {
    it("admits listed ranges, else Cloudflare when proxied through it, else anyone", () => {
        const zone = "023e105f4ecef8ad9ca31a8372d0c353";
        assert.deepEqual(ingressChoice({ lbIngressCidrs: ["203.0.113.0/24"], cloudflareZoneId: zone, cloudflareProxied: true }), {
            kind: "listed",
            cidrs: ["203.0.113.0/24"],
        });
        assert.deepEqual(ingressChoice({ cloudflareZoneId: zone, cloudflareProxied: true }), { kind: "cloudflare" });
        assert.deepEqual(ingressChoice({ cloudflareZoneId: zone, cloudflareProxied: false }), { kind: "anyone" });
        assert.deepEqual(ingressChoice({ cloudflareProxied: false }), { kind: "anyone" });
    });

    it("names the reader host only when there is a replica (the app reads from the writer without it)", () => {
        const base = {
            region: "us-east-1",
            dbSecretArn: "arn:db",
            dbHost: "w.rds",
            dbPort: 5432,
            dbName: "app",
            appSecretArn: "arn:app",
            assetsBucket: "assets",
        };
        assert.equal(appEnvironment({ ...base, dbReaderHost: "r.rds" }).DB_READER_HOST, "r.rds");
        assert.ok(!("DB_READER_HOST" in appEnvironment(base)));
        assert.ok(!("DB_READER_HOST" in appEnvironment({ ...base, dbReaderHost: undefined })));
    });

    it("gives the container exactly the app-image contract's environment, secrets by ARN only", () => {
        const env = appEnvironment({
            region: "us-east-1",
            dbSecretArn: "arn:db",
            dbHost: "w.rds",
            dbReaderHost: "r.rds",
            dbPort: 5432,
            dbName: "app",
            appSecretArn: "arn:app",
            assetsBucket: "assets",
        });
        assert.deepEqual(Object.keys(env).sort(), [
            "APP_SECRET_ARN",
            "ASSETS_BUCKET",
            "AWS_REGION",
            "DB_HOST",
            "DB_NAME",
            "DB_PORT",
            "DB_READER_HOST",
            "DB_SECRET_ARN",
            "DB_SSL_CA_FILE",
            "DB_SSL_MODE",
            "SHUTDOWN_TIMEOUT_MS",
        ]);
        assert.equal(env.DB_SSL_MODE, "verify-full");
        assert.equal(env.DB_SSL_CA_FILE, DB_CA_PATH);
        assert.equal(env.DB_PORT, "5432");
        assert.equal(env.SHUTDOWN_TIMEOUT_MS, "25000");
    });
});
