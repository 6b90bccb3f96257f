/**
 * The single host's secret files, with the real script (components/docker/secrets/write.sh) run for real in a
 * sandbox directory the way the writer container runs it: as root with every capability dropped but CAP_CHOWN
 * (hardening() drops ALL; setpriv(1) does the same here), on files uploaded as the provider uploads them (mode
 * 0400, root: terraform-provider-docker resource_docker_container_funcs.go writes the tar header's mode from
 * `permissions` and no owner). The app's side reads them as another user holding only the group the containers
 * get with group_add. Without CAP_DAC_OVERRIDE, root and everyone else read by permission bits only (capabilities(7)).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_SECRETS_GID, SECRETS_DIR, secretFileVariables, WRITE_SECRETS_SCRIPT, writerCommand } from "./app-secrets";

const VALUES: Record<string, string> = {
    JWT_SECRET: "s3cr3t with spaces, a 'quote', a \"double\", $HOME, `backticks` and a \\ backslash",
    RABBITMQ_URL: "amqps://user:p%40ss@mq.example.com:5671/vhost?x=1&y=2",
};
const NOBODY = ["--reuid=65534", "--regid=65534"];

/** Runs `argv` as root with only CAP_CHOWN left, as the writer container does. */
function asWriter(argv: string[]) {
    return spawnSync("setpriv", ["--bounding-set=-all,+chown", "--inh-caps=-all", "--", ...argv], { encoding: "utf8", timeout: 30_000 });
}

/** Runs `argv` as nobody, with or without the secrets group (the app container's group_add). */
function asApp(argv: string[], withGroup: boolean) {
    const groups = withGroup ? [`--groups=${APP_SECRETS_GID}`] : ["--clear-groups"];
    return spawnSync("setpriv", [...NOBODY, ...groups, "--bounding-set=-all", "--inh-caps=-all", "--", ...argv], { encoding: "utf8", timeout: 30_000 });
}

describe("single host: app secrets as files (write.sh, run for real)", function () {
    this.timeout(60_000);
    let root: string;
    let dir: string;

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-secrets-"));
        fs.chmodSync(root, 0o755);
        dir = path.join(root, "secrets");
        fs.mkdirSync(dir, { mode: 0o755 });
        // What the provider's upload leaves: one file per value, 0400, root.
        for (const [name, value] of Object.entries(VALUES)) fs.writeFileSync(path.join(dir, name), value, { mode: 0o400 });
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const run = (names: string[]) => asWriter(["sh", WRITE_SECRETS_SCRIPT, dir, String(APP_SECRETS_GID), ...names]);

    it("passes shellcheck (POSIX sh, every warning)", () => {
        const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", WRITE_SECRETS_SCRIPT], { encoding: "utf8", timeout: 60_000 });
        assert.equal(r.error, undefined, `shellcheck did not run: ${r.error}`);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("leaves each secret and app.env 0440 root:<gid> in a 0750 directory, and logs no value", () => {
        const r = run(Object.keys(VALUES));
        assert.equal(r.status, 0, r.stderr);
        for (const f of [...Object.keys(VALUES), "app.env"]) {
            const st = fs.statSync(path.join(dir, f));
            assert.equal(st.mode & 0o777, 0o440, `${f} mode ${(st.mode & 0o777).toString(8)}`);
            assert.equal(st.uid, 0, f);
            assert.equal(st.gid, APP_SECRETS_GID, f);
        }
        const d = fs.statSync(dir);
        assert.equal(d.mode & 0o777, 0o750);
        assert.equal(d.gid, APP_SECRETS_GID);
        for (const v of Object.values(VALUES)) assert.ok(!(r.stdout + r.stderr).includes(v), "a value in the log");
        assert.deepEqual(fs.readdirSync(dir).sort(), ["JWT_SECRET", "RABBITMQ_URL", "app.env"], "no temporary file left");
    });

    it("the app (another user, with the group) gets every value exactly, from each file and from app.env; without the group it reads nothing", () => {
        assert.equal(run(Object.keys(VALUES)).status, 0);
        for (const [name, value] of Object.entries(VALUES)) {
            const r = asApp(["cat", path.join(dir, name)], true);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout, value, name);
        }
        // The entrypoint line the guide gives: set -a; . /run/secrets/app.env; set +a; exec the app.
        const sourced = asApp(["sh", "-c", `set -a; . "$1"; set +a; exec env`, "sh", path.join(dir, "app.env")], true);
        assert.equal(sourced.status, 0, sourced.stderr);
        const env = Object.fromEntries(
            sourced.stdout
                .split("\n")
                .filter((l) => l.includes("="))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        for (const [name, value] of Object.entries(VALUES)) assert.equal(env[name], value, name);
        for (const f of ["JWT_SECRET", "app.env"]) {
            const denied = asApp(["cat", path.join(dir, f)], false);
            assert.notEqual(denied.status, 0, `${f} readable without the group`);
            assert.equal(denied.stdout, "");
        }
    });

    it("removes a secret that left the stack, and rewrites on rotation", () => {
        assert.equal(run(Object.keys(VALUES)).status, 0);
        fs.chmodSync(path.join(dir, "JWT_SECRET"), 0o600);
        fs.writeFileSync(path.join(dir, "JWT_SECRET"), "rotated", { mode: 0o400 });
        const r = run(["JWT_SECRET"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["JWT_SECRET", "app.env"]);
        assert.match(r.stderr, /removed RABBITMQ_URL/);
        assert.equal(fs.readFileSync(path.join(dir, "app.env"), "utf8"), "JWT_SECRET='rotated'\n");
    });

    it("fails, naming the secret, when an upload is missing or a name is not portable", () => {
        fs.rmSync(path.join(dir, "RABBITMQ_URL"));
        const missing = run(Object.keys(VALUES));
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /RABBITMQ_URL was not uploaded/);
        const bad = run(["lower-case"]);
        assert.notEqual(bad.status, 0);
        assert.match(bad.stderr, /lower-case is not a portable environment variable name/);
    });

    it("the command line and the app's variables carry names and paths only", () => {
        const cmd = writerCommand("script", Object.keys(VALUES));
        assert.deepEqual(cmd.slice(1), ["write-secrets", SECRETS_DIR, String(APP_SECRETS_GID), "JWT_SECRET", "RABBITMQ_URL"]);
        assert.deepEqual(secretFileVariables(["JWT_SECRET"]), ["JWT_SECRET_FILE=/run/secrets/JWT_SECRET"]);
    });
});
