import { strict as assert } from "assert";
import { Resources } from "../../offline";
import { stackRun } from "./whole-stack.test";

/**
 * What carries the Valkey connection to the DigitalOcean droplets, and what
 * must not: DigitalOcean Managed Valkey is TLS only and presents a Let's
 * Encrypt certificate, so the app verifies it against Node's bundled roots
 * with no CA file ("This method uses Let's Encrypt certification, which does
 * not require that you download a CA certificate",
 * https://docs.digitalocean.com/products/databases/valkey/how-to/connect/).
 * `digitalocean_database_ca` (terraform-provider-digitalocean
 * digitalocean/database/datasource_database_ca.go, godo Databases.GetCA) is the
 * PostgreSQL/MySQL project CA: not read for Valkey. The app side (SNI,
 * verification, host name) is tested against a real TLS redis-server in
 * app-image/test/redis-tls.test.ts.
 */
const T = {
    pool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    object: "digitalocean:index/spacesBucketObject:SpacesBucketObject",
    valkeyConfig: "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig",
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
};

describe("DigitalOcean Valkey TLS: what the droplets get (q-do)", () => {
    for (const stack of ["do-growth", "do-prod"]) {
        it(`${stack}: REDIS_URL is rediss:// to the private host, in the secrets documents only, with no CA file and no verification switch`, async () => {
            const run = await stackRun(stack);
            const r = new Resources(run.resources);
            assert.equal(r.one(T.valkeyConfig).inputs.ssl, true, "the cluster accepts TLS only");
            for (const [pool, object] of [
                ["app-pool", "app-secrets"],
                ["workers-pool", "workers-secrets"],
            ]) {
                const secrets = JSON.parse(r.one(T.object, object).inputs.content);
                const url = new URL(secrets.REDIS_URL);
                assert.deepEqual([url.protocol, url.username, url.port], ["rediss:", "default", "25061"]);
                assert.match(url.hostname, /^private-/, "inside the VPC");
                assert.equal(url.search, "", "no TLS options in the URL");
                const ud: string = r.one(T.pool, pool).inputs.dropletTemplate.userData;
                for (const text of [ud, JSON.stringify(secrets)]) {
                    assert.doesNotMatch(text, /REDIS_TLS_CA_FILE|NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|NODE_EXTRA_CA_CERTS/, pool);
                }
            }
            // The PostgreSQL cluster's CA may be read (the second-region copy verifies it); never the Valkey cluster's.
            const valkey = r.one(T.cluster, "cache-cluster");
            assert.deepEqual(
                run.calls.filter((c) => /getDatabaseCa/i.test(c.token) && c.inputs.clusterId === `${valkey.name}-id`),
                [],
                "no CA is fetched for Valkey",
            );
        });
    }
});
