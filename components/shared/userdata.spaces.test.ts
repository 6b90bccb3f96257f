import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContainerSpec, digitalOceanSpacesHost, renderPrepareScript, renderUserData } from "./userdata";

const IMAGE = `registry.digitalocean.com/acme/alicerce-do-prod@sha256:${"ab12".repeat(16)}`;
const OPTIONS = {
    region: "nyc3",
    configBucket: "storage-config-a1b2c3d",
    secretsObject: "secrets.json",
    bootstrapAccessKey: "DO00EXAMPLEBOOTSTRAP",
    bootstrapSecretKey: "not-a-real-secret-key",
};
const SPEC: ContainerSpec = {
    image: IMAGE,
    hostPort: 80,
    env: { ASSETS_BUCKET: "storage-assets-a1b2c3d", DB_SSL_MODE: "require" },
    secrets: [
        { env: "DATABASE_URL", source: "secrets.json", key: ".DATABASE_URL" },
        { env: "SESSION_SIGNING_KEY", source: "secrets.json", key: ".SESSION_SIGNING_KEY" },
    ],
};

function shellcheck(script: string): string {
    const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], { input: script, encoding: "utf8" });
    if (r.error) throw new Error(`shellcheck is needed for these tests: apt-get install -y shellcheck (${r.error.message})`);
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

describe("shared user data: DigitalOcean Spaces strategy (autoscale pools)", () => {
    const host = digitalOceanSpacesHost(OPTIONS);
    const script = renderUserData(SPEC, host);
    const prepare = renderPrepareScript(SPEC, host);

    it("renders user data and a prepare script that shellcheck passes", () => {
        assert.equal(shellcheck(script), "");
        assert.equal(shellcheck(prepare), "");
        assert.ok(script.includes("apt-get install -y -q docker.io jq curl ca-certificates"));
    });

    it("fetches the secrets document with S3 SigV4 into a shell variable, never to disk", () => {
        assert.ok(prepare.includes(`--aws-sigv4 'aws:amz:nyc3:s3' --user "$spaces_key" 'https://storage-config-a1b2c3d.nyc3.digitaloceanspaces.com/secrets.json'`));
        assert.match(prepare, /^config_json="\$\(curl --fail /m);
        assert.ok(prepare.includes("unset spaces_key"));
        assert.ok(prepare.includes(`jq --raw-output --exit-status '.DATABASE_URL' <<<"$config_json"`));
    });

    it("keeps secret values out of the user data: only the read-only bootstrap key is in it", () => {
        assert.ok(script.includes(`spaces_key='DO00EXAMPLEBOOTSTRAP:not-a-real-secret-key'`));
        assert.ok(!/DATABASE_URL=|SESSION_SIGNING_KEY=/.test(script), "secrets are fetched at start, never written as values");
    });

    it("logs in to the DigitalOcean registry with the pull credentials from the document", () => {
        assert.ok(prepare.includes(`jq --raw-output --exit-status '.registry.password' <<<"$config_json" | docker login --username "$(jq --raw-output --exit-status '.registry.username' <<<"$config_json")" --password-stdin 'registry.digitalocean.com'`));
        const publicImage = renderPrepareScript({ ...SPEC, image: `ghcr.io/acme/app@sha256:${"cd34".repeat(16)}`, secrets: [] }, host);
        assert.ok(!publicImage.includes("config_json"), "nothing is fetched when nothing needs it");
    });

    it("blocks containers from the metadata service that serves the user data", () => {
        assert.ok(prepare.includes("iptables -C DOCKER-USER -d 169.254.169.254/32 -j DROP 2>/dev/null || iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP"));
    });

    it("really extracts each secret from a document with jq, as the prepare script does", () => {
        if (spawnSync("jq", ["--version"]).error) throw new Error("jq is needed for this test: apt-get install -y jq");
        const doc = JSON.stringify({ DATABASE_URL: "postgresql://app:p%40ss@private-db:25060/app?sslmode=require", registry: { username: "u", password: "p" } });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-spaces-"));
        try {
            const out = execFileSync("bash", ["-c", `config_json="$(cat "$1")"; jq --raw-output --exit-status '.DATABASE_URL' <<<"$config_json"`, "_", writeFile(dir, doc)], { encoding: "utf8" });
            assert.equal(out.trim(), "postgresql://app:p%40ss@private-db:25060/app?sslmode=require");
            const missing = spawnSync("bash", ["-c", `config_json="$(cat "$1")"; jq --raw-output --exit-status '.NOPE' <<<"$config_json"`, "_", writeFile(dir, doc)]);
            assert.notEqual(missing.status, 0, "a missing secret fails the start instead of running with an empty value");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a region, bucket or object it cannot put in a URL safely", () => {
        assert.throws(() => digitalOceanSpacesHost({ ...OPTIONS, region: "nyc3; id" }), /not a Spaces region/);
        assert.throws(() => digitalOceanSpacesHost({ ...OPTIONS, configBucket: "Bad_Bucket" }), /not a Spaces bucket name/);
        assert.throws(() => digitalOceanSpacesHost({ ...OPTIONS, secretsObject: "../x y" }), /not a plain object key/);
    });
});

function writeFile(dir: string, content: string): string {
    const file = path.join(dir, "doc.json");
    fs.writeFileSync(file, content);
    return file;
}
