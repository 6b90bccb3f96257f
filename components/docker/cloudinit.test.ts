import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    APT_LOCK_TIMEOUT_SECONDS,
    BOOTSTRAP_SCRIPT,
    DEPLOY_USER,
    renderBootstrapScript,
    renderHostCloudInit,
    renderSshAllowScript,
    SSH_ALLOW_SCRIPT,
} from "./cloudinit";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKeyOpera ops@laptop";

/** The cloud-config modules Ubuntu 24.04's cloud-init runs that the render may use. */
const KNOWN_KEYS = new Set(["users", "groups", "disable_root", "ssh_pwauth", "write_files", "runcmd"]);

const file = (doc: any, p: string): string => doc.write_files.find((f: any) => f.path === p).content;

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-cloudinit-"));
}

describe("host cloud-init", () => {
    const rendered = renderHostCloudInit({ adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"], sshPublicKey: KEY });
    const doc = parse(rendered);
    const bootstrap = file(doc, BOOTSTRAP_SCRIPT);

    it("is a cloud-config document with only known modules", () => {
        assert.ok(rendered.startsWith("#cloud-config\n"), "cloud-init ignores user data without the #cloud-config header");
        for (const key of Object.keys(doc)) assert.ok(KNOWN_KEYS.has(key), `unknown cloud-config key ${key}`);
        assert.deepEqual(doc.runcmd, [[BOOTSTRAP_SCRIPT]]);
    });

    // Debian's cloud-init (22.4) validates against its JSON schema: `cloud-init schema --config-file`
    // (https://cloudinit.readthedocs.io/en/latest/reference/cli.html#schema).
    it("passes cloud-init's own schema check", function () {
        this.timeout(60_000);
        const dir = tmp();
        try {
            const f = path.join(dir, "user-data");
            fs.writeFileSync(f, rendered);
            const r = spawnSync("cloud-init", ["schema", "--config-file", f], { encoding: "utf8", timeout: 60_000 });
            assert.equal(r.error, undefined, `cloud-init is needed: apt-get install cloud-init (${r.error})`);
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /Valid cloud-config/);
            assert.doesNotMatch(r.stdout + r.stderr, /DEPRECATED/);
            fs.writeFileSync(f, rendered.replace("lock_passwd: true", "lock_passwd: [1]"));
            assert.notEqual(spawnSync("cloud-init", ["schema", "--config-file", f], { encoding: "utf8", timeout: 60_000 }).status, 0, "the check can fail");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("passes shellcheck (POSIX sh, all severities): the bootstrap and the SSH allow-list scripts", () => {
        for (const script of [bootstrap, file(doc, SSH_ALLOW_SCRIPT)]) {
            const r = spawnSync("shellcheck", ["-s", "sh", "-S", "style", "-"], { input: script, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.error, undefined, `shellcheck is needed: apt-get install shellcheck (${r.error})`);
            assert.equal(r.status, 0, r.stdout);
        }
    });

    // cloud-init's `packages` module waits only 30 s for the apt lock (cloudinit/distros/package_management/apt.py,
    // APT_LOCK_WAIT_TIMEOUT) and apt-daily often holds it at first boot; apt waits itself with DPkg::Lock::Timeout
    // (apt.conf(5), apt-get(8)).
    it("installs docker, ufw, fail2ban and unattended upgrades with apt waiting for the lock", () => {
        assert.equal(doc.packages, undefined, "cloud-init's packages module gives up on a held apt lock after 30 s");
        assert.equal(doc.package_upgrade, undefined);
        assert.match(bootstrap, /apt_get install docker\.io ufw fail2ban unattended-upgrades\n/);
        const aptCalls = bootstrap.split("\n").filter((l: string) => /\bapt-get\b/.test(l));
        assert.ok(aptCalls.length > 0);
        for (const l of aptCalls) assert.ok(l.includes(`-o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`), l);
        assert.equal(file(doc, "/etc/apt/apt.conf.d/90alicerce-lock-timeout"), `DPkg::Lock::Timeout "${APT_LOCK_TIMEOUT_SECONDS}";\n`);
        assert.match(file(doc, "/etc/apt/apt.conf.d/20auto-upgrades"), /Unattended-Upgrade "1"/);
        assert.match(file(doc, "/etc/fail2ban/jail.d/sshd.local"), /\[sshd\]\nenabled = true/);
    });

    it("sets ufw up: deny in, 80 and 443, then SSH from the admin ranges through the allow-list script, which enables ufw last", () => {
        const lines = bootstrap.split("\n");
        const at = (s: string) => lines.findIndex((l: string) => l === s);
        assert.ok(at("ufw default deny incoming") >= 0);
        assert.ok(at("ufw default deny incoming") < at("ufw allow 80/tcp"));
        assert.ok(at("ufw allow 443/tcp") < at(`${SSH_ALLOW_SCRIPT} 203.0.113.0/24 198.51.100.7/32`));
        assert.ok(
            !lines.some((l: string) => /^ufw (allow 22|allow ssh|--force enable)/.test(l)),
            "SSH opened to everyone, or ufw enabled before the SSH rules",
        );
        const allow = file(doc, SSH_ALLOW_SCRIPT).trimEnd().split("\n");
        assert.equal(allow.at(-1), "ufw --force enable");
        assert.equal(file(doc, "/etc/sudoers.d/50-alicerce-ssh-allow"), `${DEPLOY_USER} ALL=(root) NOPASSWD: ${SSH_ALLOW_SCRIPT}\n`);
    });

    it("gives the deploy user the key, no password, and turns off root and password logins", () => {
        const [user] = doc.users;
        assert.equal(user.name, DEPLOY_USER);
        assert.deepEqual(user.ssh_authorized_keys, [KEY]);
        assert.equal(user.lock_passwd, true);
        assert.equal(doc.ssh_pwauth, false);
        assert.equal(doc.disable_root, true);
        const sshd = doc.write_files.find((f: any) => f.path.startsWith("/etc/ssh/sshd_config.d/")).content;
        for (const line of ["PasswordAuthentication no", "PermitRootLogin no", `AllowUsers ${DEPLOY_USER}`]) assert.ok(sshd.includes(line), line);
    });

    it("writes a daemon.json Docker can parse, with log rotation", () => {
        const daemon = JSON.parse(file(doc, "/etc/docker/daemon.json"));
        assert.equal(daemon["log-driver"], "json-file");
        assert.equal(daemon["log-opts"]["max-size"], "10m");
    });

    for (const [what, options, message] of [
        ["no admin ranges", { adminCidrs: [], sshPublicKey: KEY }, /adminCidrs is empty/],
        ["a range that is not IPv4", { adminCidrs: ["0.0.0.0/0; curl evil"], sshPublicKey: KEY }, /not an IPv4 range/],
        ["a key with a newline (YAML injection)", { adminCidrs: ["203.0.113.0/24"], sshPublicKey: `${KEY}\nruncmd: [reboot]` }, /one line/],
    ] as const) {
        it(`refuses ${what}`, () => assert.throws(() => renderHostCloudInit(options), message));
    }
});

/**
 * The SSH allow-list script against Debian's real ufw (0.36, as on Ubuntu
 * 24.04): run as root in a private mount namespace whose /etc/ufw and
 * /lib/ufw are temp copies, with ufw disabled, so `ufw allow`/`delete` only
 * edit those rule files and the machine's firewall is never touched. Only
 * `ufw --force enable` is intercepted (it would load iptables rules).
 */
describe("alicerce-ssh-allow (real ufw, private rule files)", function () {
    this.timeout(60_000);
    let dir: string;

    beforeEach(() => {
        dir = tmp();
        for (const [from, to] of [
            ["/etc/ufw", "etc-ufw"],
            ["/lib/ufw", "lib-ufw"],
        ]) {
            const r = spawnSync("cp", ["-a", from, path.join(dir, to)]);
            assert.equal(r.status, 0, `ufw is needed: apt-get install ufw (${from} missing)`);
        }
        const conf = fs.readFileSync(path.join(dir, "etc-ufw", "ufw.conf"), "utf8");
        fs.writeFileSync(path.join(dir, "etc-ufw", "ufw.conf"), conf.replace(/^ENABLED=.*$/m, "ENABLED=no"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(
            path.join(dir, "bin", "ufw"),
            `#!/bin/sh\nif [ "$1" = --force ]; then echo "$*" >> "${dir}/enabled"; exit 0; fi\nexec /usr/sbin/ufw "$@"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "allow"), renderSshAllowScript(), { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function allow(...cidrs: string[]) {
        const script = `mount --bind "$1/etc-ufw" /etc/ufw && mount --bind "$1/lib-ufw" /lib/ufw && shift && PATH="$D/bin:$PATH" exec "$D/allow" "$@"`;
        return spawnSync("unshare", ["--mount", "sh", "-c", script, "sh", dir, ...cidrs], {
            encoding: "utf8",
            timeout: 30_000,
            env: { ...process.env, D: dir },
        });
    }
    function sshSources(): string[] {
        const r = spawnSync(
            "unshare",
            ["--mount", "sh", "-c", `mount --bind "$1/etc-ufw" /etc/ufw && mount --bind "$1/lib-ufw" /lib/ufw && exec ufw show added`, "sh", dir],
            { encoding: "utf8", timeout: 30_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        return r.stdout
            .split("\n")
            .filter((l) => l.includes("port 22"))
            .map((l) => /from (\S+)/.exec(l)![1])
            .sort();
    }

    it("allows SSH from exactly the given ranges and enables ufw; a later change (pulumi up) replaces them", () => {
        let r = allow("203.0.113.0/24", "198.51.100.7/32");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(sshSources(), ["198.51.100.7", "203.0.113.0/24"]);
        assert.match(fs.readFileSync(path.join(dir, "enabled"), "utf8"), /--force enable/);
        r = allow("198.51.100.7/32", "192.0.2.0/28");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(sshSources(), ["192.0.2.0/28", "198.51.100.7"], "the old range is removed, the kept one stays");
        r = allow("192.0.2.0/28", "198.51.100.7/32");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(sshSources(), ["192.0.2.0/28", "198.51.100.7"], "idempotent");
    });

    for (const bad of [[], ["0.0.0.0/0; reboot"], ["203.0.113.0"], ["any"]]) {
        it(`refuses ${JSON.stringify(bad)} and changes nothing`, () => {
            const r = allow(...bad);
            assert.equal(r.status, 2, r.stdout + r.stderr);
            assert.deepEqual(sshSources(), []);
            assert.ok(!fs.existsSync(path.join(dir, "enabled")));
        });
    }

    it("the bootstrap script passes the admin ranges to it as separate words", () => {
        assert.ok(renderBootstrapScript(["203.0.113.0/24", "198.51.100.7/32"]).includes(`\n${SSH_ALLOW_SCRIPT} 203.0.113.0/24 198.51.100.7/32\n`));
    });
});
