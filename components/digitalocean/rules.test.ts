import { strict as assert } from "assert";
import { TIER_PRESETS, TIERS } from "../../stacks";
import { parseDockerCredentials } from "./appImage";
import { dropletFirewallRules, secretEnvs, secretsDocument } from "./appServers";
import { DIGITALOCEAN } from "../../policies/lib/cost/prices/digitalocean";
import { adminUrlFor, appSchemaGrants, postgresUrl, quoteIdent } from "./database";
import { certificatePlan, forwardingRules } from "./loadBalancer";
import { autoscaleConfig, connectionBudget, databaseNodeCount, postgresConnectionLimit } from "./sizing";
import { assetsCorsRules, assetsLifecycleRules, backupsLifecycleRules } from "./storage";

describe("digitalocean: sizing", () => {
    it("knows each plan's connection limit (25 per GiB, 3 reserved)", () => {
        const cases: [string, number][] = [
            ["db-s-1vcpu-1gb", 22],
            ["db-s-1vcpu-2gb", 47],
            ["db-s-2vcpu-4gb", 97],
            ["db-s-4vcpu-8gb", 197],
        ];
        for (const [slug, limit] of cases) assert.equal(postgresConnectionLimit(slug), limit, slug);
        assert.throws(() => postgresConnectionLimit("db.t4g.micro"), /not a DigitalOcean database size slug/);
    });

    it("shares every tier's connections so the app at full scale, PgBouncer and an operator fit the plan", () => {
        for (const tier of TIERS) {
            const { compute, database } = TIER_PRESETS[tier];
            const slug = database.instanceClass.digitalocean;
            const b = connectionBudget(slug, compute.maxInstances);
            const used = b.appPoolMax * compute.maxInstances + b.pgbouncerSize;
            assert.ok(used <= postgresConnectionLimit(slug) - 2, `${tier}: ${used} of ${postgresConnectionLimit(slug)} leaves no room for psql`);
            assert.ok(b.appPoolMax >= 2 && b.appPoolMax <= 10, `${tier}: appPoolMax ${b.appPoolMax}`);
            assert.ok(b.pgbouncerSize >= 1);
        }
        assert.deepEqual(connectionBudget("db-s-2vcpu-4gb", 5), { appPoolMax: 10, pgbouncerSize: 19 });
        assert.deepEqual(connectionBudget("db-s-1vcpu-1gb", 3), { appPoolMax: 5, pgbouncerSize: 4 });
        assert.throws(() => connectionBudget("db-s-1vcpu-1gb", 20), /too few for 20 app droplets/);
    });

    it("gives the autoscaler fractions (the API takes 0.05-1), min/max and a cooldown", () => {
        const c = autoscaleConfig({ minInstances: 2, maxInstances: 5, cpuTargetPercent: 50 });
        assert.deepEqual(c, { minInstances: 2, maxInstances: 5, targetCpuUtilization: 0.5, targetMemoryUtilization: 0.75, cooldownMinutes: 5 });
        for (const tier of TIERS) {
            const t = autoscaleConfig(TIER_PRESETS[tier].compute);
            assert.ok(t.targetCpuUtilization >= 0.05 && t.targetCpuUtilization <= 1 && t.targetMemoryUtilization! <= 1);
        }
    });

    // q-do: target_memory_utilization is optional and sent omitempty (terraform-provider-digitalocean
    // digitalocean/dropletautoscale/resource_droplet_autoscale.go; vendor/github.com/digitalocean/godo/droplet_autoscale.go).
    it("leaves the memory target unset for a pool that steers on CPU alone", () => {
        const c = autoscaleConfig({ minInstances: 1, maxInstances: 2, cpuTargetPercent: 70 }, false);
        assert.deepEqual(c, { minInstances: 1, maxInstances: 2, targetCpuUtilization: 0.7, cooldownMinutes: 5 });
    });

    it("adds one standby node for high availability", () => {
        assert.equal(databaseNodeCount(false), 1);
        assert.equal(databaseNodeCount(true), 2);
    });
});

describe("digitalocean: prices and database bootstrap", () => {
    it("has a price in the shared table for every tier's droplet and database size", () => {
        for (const tier of TIERS) {
            const p = TIER_PRESETS[tier];
            assert.ok(DIGITALOCEAN.droplets[p.compute.instanceType.digitalocean] !== undefined, tier);
            assert.ok(DIGITALOCEAN.databaseNodes[p.database.instanceClass.digitalocean] !== undefined, tier);
        }
    });

    it("points the doadmin URL at the app's database, TLS required, whatever the cluster's URI carried", () => {
        const cases: [string, string, string][] = [
            [
                "postgresql://doadmin:pw@private-db.example:25060/defaultdb?sslmode=require",
                "app",
                "postgresql://doadmin:pw@private-db.example:25060/app?sslmode=require",
            ],
            [
                "postgresql://doadmin:p%40ss@private-db.example:25060/defaultdb",
                "app",
                "postgresql://doadmin:p%40ss@private-db.example:25060/app?sslmode=require",
            ],
            ["postgresql://doadmin:pw@h:25060/defaultdb?sslmode=disable&x=1", "my db", "postgresql://doadmin:pw@h:25060/my%20db?sslmode=require"],
        ];
        for (const [uri, db, want] of cases) assert.equal(adminUrlFor(uri, db), want);
    });

    it("grants the app's user USAGE and CREATE on schema public, quoting the name", () => {
        assert.deepEqual(appSchemaGrants("app"), ['GRANT USAGE, CREATE ON SCHEMA public TO "app"']);
        assert.equal(quoteIdent('we"ird'), '"we""ird"');
    });
});

describe("digitalocean: load balancer rules", () => {
    it("picks Let's Encrypt with a domain, an uploaded certificate when named, and plain HTTP without a domain", () => {
        assert.deepEqual(certificatePlan(), { kind: "none" });
        assert.deepEqual(certificatePlan("app.example.com"), { kind: "lets-encrypt", domain: "app.example.com" });
        assert.deepEqual(certificatePlan("app.example.com", "origin"), { kind: "uploaded", domain: "app.example.com", name: "origin" });
    });

    it("terminates HTTPS on 443 with the certificate by name and keeps HTTP 80 for the redirect, both to droplet port 80", () => {
        assert.deepEqual(forwardingRules("le-cert"), [
            { entryProtocol: "https", entryPort: 443, targetProtocol: "http", targetPort: 80, certificateName: "le-cert" },
            { entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: 80 },
        ]);
        assert.deepEqual(forwardingRules(), [{ entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: 80 }]);
    });
});

describe("digitalocean: droplet firewall rules", () => {
    it("accepts port 80 only from the load balancer and no SSH by default", () => {
        const { inboundRules } = dropletFirewallRules("lb-1", []);
        assert.deepEqual(inboundRules, [{ protocol: "tcp", portRange: "80", sourceLoadBalancerUids: ["lb-1"] }]);
    });

    it("opens SSH only to the admin ranges given", () => {
        const { inboundRules } = dropletFirewallRules("lb-1", ["203.0.113.7/32"]);
        const ssh = inboundRules.filter((r) => r.portRange === "22");
        assert.deepEqual(ssh, [{ protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.7/32"] }]);
        assert.ok(inboundRules.every((r) => !(r.sourceAddresses as string[] | undefined)?.includes("0.0.0.0/0")));
    });

    it("leaves outbound open for tcp, udp and icmp", () => {
        const { outboundRules } = dropletFirewallRules("lb-1", []);
        assert.deepEqual(outboundRules.map((r) => r.protocol).sort(), ["icmp", "tcp", "udp"]);
        for (const r of outboundRules) assert.deepEqual(r.destinationAddresses, ["0.0.0.0/0", "::/0"]);
    });
});

describe("digitalocean: storage rules", () => {
    it("lets browsers read assets from anywhere but upload only from the app's origin", () => {
        assert.deepEqual(
            assetsCorsRules().map((r) => r.allowedMethods),
            [["GET", "HEAD"]],
        );
        const withApp = assetsCorsRules("https://app.example.com");
        const upload = withApp.find((r) => r.id === "upload")!;
        assert.deepEqual(upload.allowedOrigins, ["https://app.example.com"]);
        assert.deepEqual(upload.allowedMethods, ["PUT", "POST"]);
    });

    it("expires old asset versions and abandoned uploads, and backups after their retention", () => {
        const assets = assetsLifecycleRules();
        assert.ok(assets.some((r) => (r.noncurrentVersionExpiration as any)?.days === 30 && r.enabled === true));
        assert.ok(assets.some((r) => r.abortIncompleteMultipartUploadDays === 7));
        const backups = backupsLifecycleRules(90);
        assert.equal((backups[0].expiration as any).days, 90);
        assert.throws(() => backupsLifecycleRules(0), /whole number of days/);
    });
});

describe("digitalocean: secrets document and connection URLs", () => {
    it("holds each secret by name and the registry login, sorted, and refuses line breaks", () => {
        const doc = JSON.parse(
            secretsDocument({ SESSION_SIGNING_KEY: "k".repeat(64), DATABASE_URL: "postgresql://u:p@h:1/d" }, { username: "u", password: "p" }),
        );
        assert.deepEqual(Object.keys(doc), ["DATABASE_URL", "SESSION_SIGNING_KEY", "registry"]);
        assert.deepEqual(doc.registry, { username: "u", password: "p" });
        assert.throws(() => secretsDocument({ X: "a\nb" }), /line break/);
        assert.throws(() => secretsDocument({ "bad-name": "x" }), /not an environment variable name/);
        assert.deepEqual(secretEnvs(["B", "A"]), [
            { env: "A", source: "secrets.json", key: ".A" },
            { env: "B", source: "secrets.json", key: ".B" },
        ]);
    });

    it("reads DigitalOcean's Docker credentials document", () => {
        const json = JSON.stringify({ auths: { "registry.digitalocean.com": { auth: Buffer.from("user-1:pa:ss").toString("base64") } } });
        assert.deepEqual(parseDockerCredentials(json), { server: "registry.digitalocean.com", username: "user-1", password: "pa:ss" });
        assert.throws(() => parseDockerCredentials("{}"), /without an auths entry/);
    });

    it("builds PostgreSQL URLs with TLS required and credentials escaped", () => {
        const url = postgresUrl({ user: "app", password: "p@ss/w:rd", host: "private-db.example", port: 25060, database: "app" });
        assert.equal(url, "postgresql://app:p%40ss%2Fw%3Ard@private-db.example:25060/app?sslmode=require");
        assert.equal(decodeURIComponent(new URL(url).password), "p@ss/w:rd");
    });
});
