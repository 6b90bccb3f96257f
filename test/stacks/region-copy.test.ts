/**
 * The nightly copy to the second region on DigitalOcean (`alicerce:secondRegion`,
 * components/digitalocean/region-copy.ts), on the recorded program and for real.
 *
 * Rules these tests hold the program to:
 * - Droplet: `user_data`, `vpc_uuid`, `image`, `ssh_keys` and `monitoring` are ForceNew; user data is
 *   stored hashed (terraform-provider-digitalocean digitalocean/droplet/resource_droplet.go). The droplet
 *   holds no state worth keeping: a replacement rebuilds the image and re-reads the buckets.
 * - Database firewall: one resource holds ALL of a cluster's trusted sources (the API replaces the set;
 *   terraform-provider-digitalocean digitalocean/database/resource_database_firewall.go), so the copy
 *   droplet's tag joins the stack's one firewall, never a second one.
 * - The cluster's CA comes from `digitalocean_database_ca` (certificate "decoded to a string",
 *   digitalocean/database/datasource_database_ca.go); libpq checks the server against it and its host
 *   name with sslmode=verify-full (https://www.postgresql.org/docs/current/libpq-ssl.html).
 * - Spaces bucket: `lifecycle_rule` takes `prefix` and `expiration { days }` and is updated in place
 *   (digitalocean/spaces/resource_spaces_bucket.go); an expired current version of a versioned bucket
 *   becomes a delete marker, so a GET answers 404
 *   (https://docs.digitalocean.com/products/spaces/how-to/configure-lifecycle-rules/).
 * - Uptime checks: regions take underscores (us_east, eu_west); alert `down` with a period in
 *   2m/3m/5m/10m/15m/30m/1h (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Uptime).
 * - systemd timers: `OnCalendar=` with a time zone and `Persistent=` (systemd.timer(5), systemd.time(7)),
 *   checked here with systemd-analyze itself.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Resources, runStack, type StackRun } from "../../offline";
import {
    HEARTBEAT_KEY,
    REGION_COPY_CALENDAR,
    REGION_COPY_SIZE,
    type RegionCopySpec,
    renderRegionCopyPrepare,
    renderRegionCopyTimer,
    renderRegionCopyUnit,
    renderRegionCopyUserData,
} from "../../components/digitalocean/region-copy";

const cache = new Map<string, Promise<StackRun>>();
function run(stack: string, overrides: Record<string, string>): Promise<StackRun> {
    const key = `${stack} ${JSON.stringify(overrides)}`;
    if (!cache.has(key)) cache.set(key, runStack(stack, { overrides }));
    return cache.get(key)!;
}
const SECOND = { "alicerce:secondRegion": "ams3" };
const DROPLET = "digitalocean:index/droplet:Droplet";

describe("second region on DigitalOcean: the nightly copy", function () {
    this.timeout(300_000);

    it("a small droplet in the stack's VPC and region, its own tag trusted by the database firewall, no inbound port but admin SSH", async () => {
        const r = new Resources((await run("do-prod", SECOND)).resources);
        const droplet = r.one(DROPLET, "second-region-copy-droplet");
        assert.equal(droplet.inputs.size, REGION_COPY_SIZE);
        assert.equal(droplet.inputs.size, "s-1vcpu-512mb-10gb");
        assert.equal(droplet.inputs.region, r.one("digitalocean:index/vpc:Vpc", "network-vpc").inputs.region);
        assert.ok(droplet.inputs.vpcUuid, "the droplet is not in the VPC");
        const tag = r.one("digitalocean:index/tag:Tag", "second-region-copy-tag").inputs.name;
        assert.ok(droplet.inputs.tags.includes(tag));
        const dbFirewall = r.one("digitalocean:index/databaseFirewall:DatabaseFirewall", "database-firewall").inputs;
        const rules = dbFirewall.rules;
        assert.ok(
            rules.some((x: { type: string; value: string }) => x.type === "tag" && x.value === tag),
            JSON.stringify(rules),
        );
        assert.equal(r.ofType("digitalocean:index/databaseFirewall:DatabaseFirewall").filter((f) => f.inputs.clusterId === dbFirewall.clusterId).length, 1);
        const fw = r.one("digitalocean:index/firewall:Firewall", "second-region-copy-firewall").inputs;
        assert.deepEqual(fw.tags, [tag]);
        for (const rule of fw.inboundRules ?? []) assert.equal(rule.portRange, "22");
        // Not behind the load balancer: the app's tag (which the balancer targets) is not on it.
        assert.ok(!droplet.inputs.tags.includes(r.one("digitalocean:index/tag:Tag", "network-app").inputs.name));
    });

    it("its secrets are only in the config bucket's document; the user data has none of them", async () => {
        const r = new Resources((await run("do-prod", SECOND)).resources);
        const doc = JSON.parse(r.one("digitalocean:index/spacesBucketObject:SpacesBucketObject", "second-region-copy-secrets").inputs.content);
        assert.deepEqual(Object.keys(doc).sort(), [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "PGPASSWORD",
            "RCLONE_CONFIG_COPY_ACCESS_KEY_ID",
            "RCLONE_CONFIG_COPY_SECRET_ACCESS_KEY",
            "RCLONE_CONFIG_STORE_ACCESS_KEY_ID",
            "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY",
            "RESTIC_PASSWORD",
        ]);
        const appDoc = JSON.parse(r.one("digitalocean:index/spacesBucketObject:SpacesBucketObject", "app-secrets").inputs.content);
        assert.ok(decodeURIComponent(new URL(appDoc.DATABASE_URL).password).length > 0);
        assert.equal(doc.PGPASSWORD, decodeURIComponent(new URL(appDoc.DATABASE_URL).password));
        const userData: string = r.one(DROPLET, "second-region-copy-droplet").inputs.userData;
        assert.match(userData, /^#!\/bin\/bash\n/);
        for (const [k, v] of Object.entries(doc)) if (!k.endsWith("ACCESS_KEY_ID")) assert.ok(!userData.includes(String(v)), `${k} is in the user data`);
        assert.match(userData, /^PGSSLMODE=verify-full$/m);
        assert.match(userData, /^-----BEGIN CERTIFICATE-----$/m);
        // The repository password is generated and protected: losing it loses every copy.
        assert.equal(r.one("random:index/randomPassword:RandomPassword", "second-region-copy-repository-password").options.protect, true);
    });

    it("an uptime check watches the heartbeat object, which expires from the copy bucket; an alert when it is gone", async () => {
        const r = new Resources((await run("do-prod", SECOND)).resources);
        const bucket = r.one("digitalocean:index/spacesBucket:SpacesBucket", "second-region-copies");
        const bucketName = bucket.inputs.name ?? "second-region-copies-a1b2c3d";
        const check = r.one("digitalocean:index/uptimeCheck:UptimeCheck", "second-region-copy-heartbeat").inputs;
        assert.equal(check.target, `https://${bucketName}.ams3.digitaloceanspaces.com/${HEARTBEAT_KEY}`);
        assert.equal(check.type, "https");
        const alert = r.one("digitalocean:index/uptimeAlert:UptimeAlert", "second-region-copy-heartbeat-down").inputs;
        assert.equal(alert.type, "down");
        assert.ok(["2m", "3m", "5m", "10m", "15m", "30m", "1h"].includes(alert.period));
        const rule = bucket.inputs.lifecycleRules.find((x: { id: string }) => x.id === "heartbeat");
        assert.deepEqual(
            { prefix: rule.prefix, expiration: rule.expiration, enabled: rule.enabled },
            { prefix: "heartbeat/", expiration: { days: 2 }, enabled: true },
        );
        // Same URN as before: the bucket is only updated.
        assert.equal(bucket.urn.endsWith("second-region-copies"), true);
    });

    it("every resource of it has a component parent and the stack's explicit provider (as whole-stack.test.ts holds every shipped stack to)", async () => {
        const run = await runStack("do-prod", { overrides: SECOND });
        const stackUrn = run.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
        const mine = run.resources.filter((x) => x.custom && x.name.startsWith("second-region-copy"));
        assert.equal(mine.length, 8, mine.map((x) => x.name).join(", "));
        for (const r of mine) {
            assert.notEqual(r.parent, stackUrn, `${r.type} ${r.name} sits directly under the stack`);
            assert.ok(r.provider, `${r.type} ${r.name} has no explicit provider`);
        }
    });

    it("nothing of it without a second region", async () => {
        const r = new Resources((await run("do-growth", {})).resources);
        assert.equal(r.ofType(DROPLET).length, 0);
        assert.equal(r.ofType("digitalocean:index/uptimeCheck:UptimeCheck").filter((c) => c.name.startsWith("second-region")).length, 0);
        assert.equal(r.one("digitalocean:index/databaseFirewall:DatabaseFirewall", "database-firewall").inputs.rules.length >= 1, true);
    });
});

describe("second region on DigitalOcean: the copy droplet's scripts", function () {
    this.timeout(120_000);
    const spec: RegionCopySpec = {
        region: "nyc3",
        secondRegion: "ams3",
        configBucket: "acme-prod-config-a1b2c3d",
        bootstrapAccessKey: "DOBOOTSTRAPKEY",
        bootstrapSecretKey: "bootstrap'secret",
        copyBucket: "acme-prod-copies-a1b2c3d",
        assetsBucket: "acme-prod-assets-a1b2c3d",
        backupsBucket: "acme-prod-backups-a1b2c3d",
        database: { host: "private-db.example.ondigitalocean.com", port: 25060, user: "app", name: "app" },
        databaseCa: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        postgresImage: "postgres:17-alpine",
        retentionDays: 90,
        backupHost: "acme-prod",
        secretNames: ["PGPASSWORD", "RESTIC_PASSWORD", "AWS_SECRET_ACCESS_KEY"],
    };
    let dir = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "region-copy-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the user data and the prepare script pass shellcheck (bash, every warning) and bash -n", () => {
        for (const [name, text] of [
            ["user-data.sh", renderRegionCopyUserData(spec)],
            ["prepare.sh", renderRegionCopyPrepare(spec)],
        ]) {
            const file = path.join(dir, name);
            fs.writeFileSync(file, text);
            const lint = spawnSync("shellcheck", ["-s", "bash", "-S", "style", file], { encoding: "utf8", timeout: 60_000 });
            assert.equal(lint.status, 0, `${name}: ${lint.stdout}${lint.stderr}`);
            assert.equal(spawnSync("bash", ["-n", file]).status, 0);
        }
    });

    it("the user data carries the single host's backup script unchanged, and builds its image with the cluster's pg_dump", () => {
        const userData = renderRegionCopyUserData(spec);
        const script = fs.readFileSync(path.join(__dirname, "..", "..", "components", "docker", "backup", "backup.sh"), "utf8").trimEnd();
        assert.ok(userData.includes(`cat > '/opt/region-copy/backup.sh' <<'ALICERCE_EOF'\n${script}\nALICERCE_EOF\n`));
        assert.match(renderRegionCopyPrepare(spec), /docker build --quiet --build-arg POSTGRES_IMAGE='postgres:17-alpine'/);
        assert.ok(Buffer.byteLength(userData) < 64 * 1024, "DigitalOcean takes at most 64 KiB of user data");
        assert.match(userData, /^systemctl enable --now region-copy\.timer\nsystemctl start --no-block region-copy\.service$/m);
    });

    it("the timer's calendar passes systemd-analyze; the unit is a oneshot; the timer fires nightly at 03:30 UTC and catches up after downtime", () => {
        const cal = execFileSync("systemd-analyze", ["calendar", REGION_COPY_CALENDAR], { encoding: "utf8", timeout: 30_000 });
        assert.match(cal, /Normalized form: \*-\*-\* 03:30:00 UTC/);
        assert.match(renderRegionCopyTimer(), /^Persistent=true$/m);
        assert.match(renderRegionCopyUnit(spec), /^Type=oneshot$/m);
        assert.match(renderRegionCopyUnit(spec), /^ExecStopPost=\/bin\/rm -f \/run\/region-copy\/secrets\.env$/m);
    });

    it("the prepare script, run for real with curl and docker stubbed: the secrets into a root-only file, the image built once", () => {
        const bin = path.join(dir, "bin");
        const runDir = path.join(dir, "run");
        const log = path.join(dir, "calls.log");
        fs.mkdirSync(bin, { recursive: true });
        const documentJson = JSON.stringify({ PGPASSWORD: "pg-pass-1", RESTIC_PASSWORD: "restic-pass-2", AWS_SECRET_ACCESS_KEY: "spaces-secret-3" });
        fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh\necho "curl $*" >> ${log}\nprintf '%s' '${documentJson}'\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "iptables"), `#!/bin/sh\necho "iptables $*" >> ${log}\n`, { mode: 0o755 });
        fs.writeFileSync(
            path.join(bin, "docker"),
            `#!/bin/sh\necho "docker $*" >> ${log}\nif [ "$1 $2" = "image inspect" ]; then [ -e ${dir}/built ]; exit $?; fi\nif [ "$1" = build ]; then touch ${dir}/built; fi\n`,
            { mode: 0o755 },
        );
        const script = path.join(dir, "prepare");
        fs.writeFileSync(script, renderRegionCopyPrepare({ ...spec, runDir }), { mode: 0o700 });
        const env = { PATH: `${bin}:${process.env.PATH}` };
        for (let i = 0; i < 2; i++) {
            const r = spawnSync("bash", [script], { env, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, r.stderr);
        }
        const secrets = fs.readFileSync(path.join(runDir, "secrets.env"), "utf8");
        assert.equal(secrets, "AWS_SECRET_ACCESS_KEY=spaces-secret-3\nPGPASSWORD=pg-pass-1\nRESTIC_PASSWORD=restic-pass-2\n");
        assert.equal(fs.statSync(path.join(runDir, "secrets.env")).mode & 0o077, 0);
        const calls = fs.readFileSync(log, "utf8");
        assert.match(
            calls,
            /curl .*--aws-sigv4 aws:amz:nyc3:s3 .*https:\/\/acme-prod-config-a1b2c3d\.nyc3\.digitaloceanspaces\.com\/region-copy-secrets\.json/,
        );
        assert.equal(calls.split("\n").filter((l) => l.startsWith("docker build")).length, 1, calls);

        // A document without one of the secrets fails the run (and so the night: the heartbeat is not rewritten).
        fs.writeFileSync(path.join(bin, "curl"), `#!/bin/sh\nprintf '%s' '{"PGPASSWORD":"x"}'\n`, { mode: 0o755 });
        const missing = spawnSync("bash", [script], { env, encoding: "utf8", timeout: 30_000 });
        assert.notEqual(missing.status, 0);
    });
});
