import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { digitalOceanSpacesHost } from "../digitalocean/host-strategy";
import { ContainerSpec, renderDatabaseBootstrap, renderPrepareScript, renderUserData, validateContainerSpec } from "./userdata";

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
        assert.ok(script.includes("apt-get -o DPkg::Lock::Timeout=600 install -y -q docker.io jq curl ca-certificates"));
    });

    it("fetches the secrets document with S3 SigV4 into a shell variable, never to disk", () => {
        assert.ok(
            prepare.includes(`--aws-sigv4 'aws:amz:nyc3:s3' --user "$spaces_key" 'https://storage-config-a1b2c3d.nyc3.digitaloceanspaces.com/secrets.json'`),
        );
        assert.match(prepare, /^config_json="\$\(curl --fail /m);
        assert.ok(prepare.includes("unset spaces_key"));
        assert.ok(prepare.includes(`jq --raw-output --exit-status '.DATABASE_URL' <<<"$config_json"`));
    });

    it("keeps secret values out of the user data: only the read-only bootstrap key is in it", () => {
        assert.ok(script.includes(`spaces_key='DO00EXAMPLEBOOTSTRAP:not-a-real-secret-key'`));
        assert.ok(!/DATABASE_URL=|SESSION_SIGNING_KEY=/.test(script), "secrets are fetched at start, never written as values");
    });

    it("logs in to the DigitalOcean registry with the pull credentials from the document", () => {
        assert.ok(
            prepare.includes(
                `jq --raw-output --exit-status '.registry.password' <<<"$config_json" | docker login --username "$(jq --raw-output --exit-status '.registry.username' <<<"$config_json")" --password-stdin 'registry.digitalocean.com'`,
            ),
        );
        const publicImage = renderPrepareScript({ ...SPEC, image: `ghcr.io/acme/app@sha256:${"cd34".repeat(16)}`, secrets: [] }, host);
        assert.ok(!publicImage.includes("config_json"), "nothing is fetched when nothing needs it");
    });

    it("blocks containers from the metadata service that serves the user data", () => {
        assert.ok(
            prepare.includes("iptables -C DOCKER-USER -d 169.254.169.254/32 -j DROP 2>/dev/null || iptables -I DOCKER-USER -d 169.254.169.254/32 -j DROP"),
        );
    });

    it("really extracts each secret from a document with jq, as the prepare script does", () => {
        if (spawnSync("jq", ["--version"]).error) throw new Error("jq is needed for this test: apt-get install -y jq");
        const doc = JSON.stringify({
            DATABASE_URL: "postgresql://app:p%40ss@private-db:25060/app?sslmode=require",
            registry: { username: "u", password: "p" },
        });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-spaces-"));
        try {
            const out = execFileSync(
                "bash",
                ["-c", `config_json="$(cat "$1")"; jq --raw-output --exit-status '.DATABASE_URL' <<<"$config_json"`, "_", writeFile(dir, doc)],
                { encoding: "utf8" },
            );
            assert.equal(out.trim(), "postgresql://app:p%40ss@private-db:25060/app?sslmode=require");
            const missing = spawnSync("bash", [
                "-c",
                `config_json="$(cat "$1")"; jq --raw-output --exit-status '.NOPE' <<<"$config_json"`,
                "_",
                writeFile(dir, doc),
            ]);
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

describe("shared user data: one-time database bootstrap (admin SQL from the host)", () => {
    const host = digitalOceanSpacesHost(OPTIONS);
    const GRANT = 'GRANT USAGE, CREATE ON SCHEMA public TO "app"';
    const bootstrap = { adminUrl: { env: "DATABASE_ADMIN_URL", source: "secrets.json", key: ".DATABASE_ADMIN_URL" }, sql: [GRANT] };
    const spec: ContainerSpec = { ...SPEC, databaseBootstrap: bootstrap };

    it("renders a prepare script and user data that shellcheck passes, and changes nothing without a bootstrap", () => {
        assert.equal(shellcheck(renderPrepareScript(spec, host)), "");
        assert.equal(shellcheck(renderUserData(spec, host)), "");
        assert.ok(!renderPrepareScript(SPEC, host).includes("psql"), "no bootstrap, no psql (AWS and the rest are unaffected)");
    });

    it("never writes the admin URL into the container's environment file", () => {
        const prepare = renderPrepareScript(spec, host);
        assert.ok(prepare.includes(`jq --raw-output --exit-status '.DATABASE_ADMIN_URL' <<<"$config_json"`));
        assert.ok(!/printf '%s=%s\\n' 'DATABASE_ADMIN_URL'/.test(prepare));
        assert.ok(
            prepare.indexOf("mv -f \"$tmp\" '/run/app/secrets.env'") < prepare.indexOf("DATABASE_ADMIN_URL"),
            "the secrets file is complete before the admin URL is read",
        );
        const publicImageNoSecrets = renderPrepareScript({ ...spec, image: `ghcr.io/acme/app@sha256:${"cd34".repeat(16)}`, secrets: [] }, host);
        assert.ok(publicImageNoSecrets.includes('config_json="$(curl'), "the document is fetched when only the bootstrap needs it");
    });

    // Runs the rendered lines in bash with a stand-in docker that records what it was given.
    function runBootstrap(doc: object, marker: string, dir: string) {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(
            path.join(bin, "docker"),
            `#!/bin/bash\nprintf '%s\\n' "$@" > ${JSON.stringify(path.join(dir, "argv"))}\nprintf '%s' "$BOOTSTRAP_DATABASE_URL" > ${JSON.stringify(path.join(dir, "url"))}\ncat > ${JSON.stringify(path.join(dir, "stdin"))}\n`,
            { mode: 0o755 },
        );
        const script = [
            "set -euo pipefail",
            'config_json="$(cat "$1")"',
            ...renderDatabaseBootstrap(bootstrap, host, marker),
            'echo "left: ${admin_url:-}"',
        ].join("\n");
        fs.writeFileSync(path.join(dir, "doc.json"), JSON.stringify(doc));
        return spawnSync("bash", ["-c", script, "_", path.join(dir, "doc.json")], { encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}` } });
    }

    it("pipes the SQL into psql in a client container on the host network, with the URL only in psql's environment, once per boot", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-bootstrap-"));
        try {
            const url = "postgresql://doadmin:stand-in@private-db:25060/app?sslmode=require";
            const marker = path.join(dir, "done");
            const r = runBootstrap({ DATABASE_ADMIN_URL: url }, marker, dir);
            assert.equal(r.status, 0, r.stderr);
            const argv = fs.readFileSync(path.join(dir, "argv"), "utf8").trim().split("\n");
            assert.deepEqual(argv.slice(0, 7), ["run", "--rm", "--interactive", "--network", "host", "--env", "BOOTSTRAP_DATABASE_URL"]);
            assert.equal(argv[7], "postgres:17-alpine");
            assert.match(argv.slice(8).join(" "), /^sh -c exec psql "\$BOOTSTRAP_DATABASE_URL" .*--single-transaction -v ON_ERROR_STOP=1$/);
            assert.ok(!argv.join(" ").includes("stand-in"), "the URL is never on a command line");
            assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), url);
            assert.equal(fs.readFileSync(path.join(dir, "stdin"), "utf8"), `${GRANT};\n`);
            assert.ok(!`${r.stdout}${r.stderr}`.includes("stand-in"), "the URL is never echoed");
            assert.equal(r.stdout.trim(), "left:", "the variable is dropped");
            assert.ok(fs.existsSync(marker));
            fs.rmSync(path.join(dir, "argv"));
            assert.equal(runBootstrap({ DATABASE_ADMIN_URL: url }, marker, dir).status, 0);
            assert.ok(!fs.existsSync(path.join(dir, "argv")), "a restart in the same boot does not run it again");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("is a no-op when the document has no admin URL", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-bootstrap-"));
        try {
            const r = runBootstrap({ DATABASE_URL: "x" }, path.join(dir, "done"), dir);
            assert.equal(r.status, 0, r.stderr);
            assert.ok(!fs.existsSync(path.join(dir, "argv")), "docker never ran");
            assert.match(r.stderr, /no DATABASE_ADMIN_URL: database bootstrap skipped/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses an empty bootstrap, a bad client image, and an admin URL variable the container also gets", () => {
        assert.deepEqual(validateContainerSpec({ ...SPEC, databaseBootstrap: { ...bootstrap, sql: [], clientImage: "postgres:17 ; id" } }), [
            "databaseBootstrap has no SQL statements",
            'databaseBootstrap clientImage "postgres:17 ; id" is not an image reference',
        ]);
        assert.deepEqual(validateContainerSpec({ ...SPEC, databaseBootstrap: { ...bootstrap, adminUrl: { ...bootstrap.adminUrl, env: "DATABASE_URL" } } }), [
            'environment variable "DATABASE_URL" is set twice',
        ]);
    });
});

function writeFile(dir: string, content: string): string {
    const file = path.join(dir, "doc.json");
    fs.writeFileSync(file, content);
    return file;
}
