import { strict as assert } from "assert";
import { parse } from "yaml";
import { DEPLOY_USER, renderHostCloudInit } from "./cloudinit";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKeyOpera ops@laptop";

/** The cloud-config modules Ubuntu 24.04's cloud-init runs that the render may use. */
const KNOWN_KEYS = new Set(["package_update", "package_upgrade", "packages", "users", "disable_root", "ssh_pwauth", "write_files", "runcmd"]);

describe("host cloud-init", () => {
    const rendered = renderHostCloudInit({ adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"], sshPublicKey: KEY });
    const doc = parse(rendered);

    it("is a cloud-config document with only known modules", () => {
        assert.ok(rendered.startsWith("#cloud-config\n"), "cloud-init ignores user data without the #cloud-config header");
        for (const key of Object.keys(doc)) assert.ok(KNOWN_KEYS.has(key), `unknown cloud-config key ${key}`);
    });

    it("installs docker, ufw, fail2ban and unattended upgrades", () => {
        assert.deepEqual([...doc.packages].sort(), ["docker.io", "fail2ban", "ufw", "unattended-upgrades"]);
        const auto = doc.write_files.find((f: any) => f.path === "/etc/apt/apt.conf.d/20auto-upgrades");
        assert.match(auto.content, /Unattended-Upgrade "1"/);
        assert.match(doc.write_files.find((f: any) => f.path === "/etc/fail2ban/jail.d/sshd.local").content, /\[sshd\]\nenabled = true/);
    });

    it("allows SSH only from the admin ranges, and 80 and 443 from anywhere", () => {
        const ufw: string[][] = doc.runcmd.filter((c: string[]) => c[0] === "ufw");
        const ssh = ufw.filter((c) => c.includes("22"));
        assert.deepEqual(ssh.map((c) => c[c.indexOf("from") + 1]), ["203.0.113.0/24", "198.51.100.7/32"]);
        assert.ok(!ufw.some((c) => c.join(" ") === "ufw allow 22" || c.join(" ").includes("22/tcp")), "SSH opened to everyone");
        assert.ok(ufw.some((c) => c.join(" ") === "ufw allow 80/tcp"));
        assert.ok(ufw.some((c) => c.join(" ") === "ufw allow 443/tcp"));
        assert.deepEqual(ufw[0], ["ufw", "default", "deny", "incoming"]);
        const enable = ufw.findIndex((c) => c.includes("enable"));
        assert.equal(enable, ufw.length - 1, "ufw is enabled only after every rule (never locks the operator out midway)");
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
        const daemon = JSON.parse(doc.write_files.find((f: any) => f.path === "/etc/docker/daemon.json").content);
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
