import { strict as assert } from "assert";
import { slugMemoryGb } from "../components/digitalocean/sizing";
import { PLATFORM_RULES } from "../platforms";
import { ConfigError, DEFAULT_DOCKER_HOST, DockerStackSettings, loadSettings as loadWithoutRules, StackSettings, TIER_PRESETS } from ".";

/** The settings as the program loads them: shared rules plus the chosen platform's own. */
const loadSettings = (config: Readonly<Record<string, string>>, project: string, stack: string) => loadWithoutRules(config, project, stack, PLATFORM_RULES);
import { NEAREST_REGISTRY_REGION, REGISTRY_REGIONS } from "./digitalocean-regions";
import { REGIONS } from "./schema";

const VALID: Record<string, string> = {
    "alicerce:cloud": "aws",
    "alicerce:tier": "mvp",
    "alicerce:region": "us-east-1",
    "alicerce:owner": "team-platform",
    "alicerce:costCenter": "cc-1001",
    "alicerce:budgetUsd": "36.2",
};

/** Settings of a managed-cloud stack (fails the test if the config chose docker). */
function managed(config: Record<string, string>, stack = "dev"): StackSettings {
    const s = loadSettings(config, "alicerce", stack);
    assert.ok(s.cloud !== "docker", "expected a managed cloud");
    return s;
}

/** Settings of a docker stack (fails the test otherwise). */
function single(config: Record<string, string | undefined>, stack = "local"): DockerStackSettings {
    const merged = Object.fromEntries(
        Object.entries({ ...VALID, "alicerce:region": undefined, "alicerce:cloud": "docker", ...config }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    const s = loadSettings(merged, "alicerce", stack);
    assert.ok(s.cloud === "docker", "expected cloud docker");
    return s;
}

/** The problems `loadSettings` reports for a config, or [] if it accepts it. */
function problems(config: Record<string, string | undefined>): string[] {
    const merged = Object.fromEntries(Object.entries({ ...VALID, ...config }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    try {
        loadSettings(merged, "alicerce", "dev");
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return [...err.problems];
    }
}

describe("stack config validation", () => {
    it("accepts a minimal valid config and applies the tier's defaults", () => {
        const s = managed(VALID);
        assert.equal(s.compute.instanceType, "t4g.micro");
        assert.equal(s.database.instanceClass, "db.t4g.micro");
        assert.equal(s.database.storageGb, 20);
        assert.equal(s.network.egress, "public-subnets");
        assert.deepEqual(s.tags, { Project: "alicerce", Environment: "dev", Owner: "team-platform", CostCenter: "cc-1001", ManagedBy: "pulumi" });
    });

    const cases: [string, Record<string, string | undefined>, string][] = [
        ["a tier that does not exist", { "alicerce:tier": "prd" }, 'alicerce:tier: "prd" is not a tier; use one of mvp, growth, prod'],
        ["a cloud that does not exist", { "alicerce:cloud": "gcp" }, 'alicerce:cloud: "gcp" is not a cloud; use one of aws, digitalocean, docker'],
        ["a missing region on AWS", { "alicerce:region": undefined }, "alicerce:region: not set; it is required: set the region to deploy to"],
        ["a Docker-only key on AWS", { "alicerce:appReplicas": "3" }, 'alicerce:appReplicas: "3" applies only when alicerce:cloud is docker; remove it'],
        ["a missing owner", { "alicerce:owner": undefined }, "alicerce:owner: not set; it is required: set the team or person who owns the stack"],
        ["a budget that is not a number", { "alicerce:budgetUsd": "lots" }, 'alicerce:budgetUsd: "lots" is not a number; use the monthly budget in US dollars'],
        ["a negative budget", { "alicerce:budgetUsd": "-5" }, 'alicerce:budgetUsd: "-5" is negative; use the monthly budget in US dollars'],
        [
            "a fractional instance count",
            { "alicerce:maxInstances": "2.5" },
            'alicerce:maxInstances: "2.5" is not a whole number; use a whole number from 1 to 20',
        ],
        ["too many instances", { "alicerce:maxInstances": "50" }, 'alicerce:maxInstances: "50" is out of range; use a whole number from 1 to 20'],
        ["min above max", { "alicerce:minInstances": "3" }, 'alicerce:minInstances: "3" gives minInstances 3 above maxInstances 1'],
        ["a bad email", { "alicerce:alertEmail": "oncall" }, 'alicerce:alertEmail: "oncall" is not an email address'],
        ["an uppercase domain", { "alicerce:domain": "App.Example.com" }, 'alicerce:domain: "App.Example.com" is not a domain name'],
        ["a region of the other cloud", { "alicerce:region": "nyc3" }, 'alicerce:region: "nyc3" is not a region of AWS; use one of us-east-1'],
        [
            "a droplet size on AWS",
            { "alicerce:instanceType": "s-1vcpu-1gb" },
            'alicerce:instanceType: "s-1vcpu-1gb" is not valid on aws; use an EC2 instance type',
        ],
        [
            "an RDS class on DigitalOcean",
            {
                "alicerce:cloud": "digitalocean",
                "alicerce:region": "nyc3",
                "alicerce:sshKeyFingerprints": "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
                "alicerce:registryName": "acme",
                "alicerce:dbInstanceClass": "db.t4g.small",
            },
            'alicerce:dbInstanceClass: "db.t4g.small" is not valid on digitalocean',
        ],
        ["a public VPC range", { "alicerce:vpcCidr": "8.8.0.0/16" }, 'alicerce:vpcCidr: "8.8.0.0/16" is not a private IPv4 range'],
        ["a VPC range with host bits", { "alicerce:vpcCidr": "10.20.1.0/16" }, 'alicerce:vpcCidr: "10.20.1.0/16" is not a valid network'],
        [
            "database storage below the gp3 minimum",
            { "alicerce:dbStorageGb": "10" },
            'alicerce:dbStorageGb: "10" is out of range; use a whole number from 20 to 16384',
        ],
        ["a typo in a key", { "alicerce:teir": "mvp" }, 'alicerce:teir: "mvp" is not a known key (did you mean alicerce:tier?)'],
        [
            "an egress mode that does not exist",
            { "alicerce:egress": "nat" },
            'alicerce:egress: "nat" is not an egress mode; use one of public-subnets, nat-instance, nat-single, nat-per-az',
        ],
        ["a high-availability flag that is not a boolean", { "alicerce:dbHighAvailability": "yes" }, 'alicerce:dbHighAvailability: "yes" is not true or false'],
        [
            "a zone id without a domain",
            { "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" },
            'alicerce:cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353" is set but alicerce:domain is not',
        ],
        [
            "an ingress range that is not a range",
            { "alicerce:lbIngressCidrs": "203.0.113.0" },
            'alicerce:lbIngressCidrs: "203.0.113.0" is not a list of IPv4 ranges',
        ],
        [
            "an ingress range with host bits",
            { "alicerce:lbIngressCidrs": '["203.0.113.7/24"]' },
            'alicerce:lbIngressCidrs: "[\\"203.0.113.7/24\\"]" includes 203.0.113.7/24, which is not a valid network',
        ],
        [
            "an ingress range that admits everyone",
            { "alicerce:lbIngressCidrs": "0.0.0.0/0" },
            'alicerce:lbIngressCidrs: "0.0.0.0/0" includes 0.0.0.0/0, which is everyone',
        ],
        ["an empty ingress list", { "alicerce:lbIngressCidrs": "[]" }, 'alicerce:lbIngressCidrs: "[]" is empty'],
        [
            "a proxied flag that is not a boolean",
            { "alicerce:cloudflareProxied": "yes", "alicerce:domain": "a.example.com", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" },
            'alicerce:cloudflareProxied: "yes" is not true or false',
        ],
        [
            "a proxied flag without a zone",
            { "alicerce:cloudflareProxied": "true" },
            'alicerce:cloudflareProxied: "true" is set but alicerce:cloudflareZoneId is not',
        ],
        [
            "an image by tag only",
            { "alicerce:image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1" },
            'alicerce:image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1" is not pinned by digest',
        ],
        [
            "an image on another registry (AWS instances log in to ECR only)",
            { "alicerce:image": `ghcr.io/x@sha256:${"a".repeat(64)}` },
            `alicerce:image: "ghcr.io/x@sha256:${"a".repeat(64)}" is not an ECR image; push it to an ECR repository (this stack's: output repositoryUrl) and pin it by digest`,
        ],
        // Zones are pinned per stack: names of the stack's region, each once, as many as the tier uses (EC2 zone names: region + letter).
        [
            "zones of another region",
            { "alicerce:availabilityZones": "us-west-2a,us-west-2b" },
            'alicerce:availabilityZones: "us-west-2a,us-west-2b" lists us-west-2a, us-west-2b, not a zone of us-east-1',
        ],
        [
            "a zone listed twice",
            { "alicerce:availabilityZones": '["us-east-1a","us-east-1a"]' },
            'alicerce:availabilityZones: "[\\"us-east-1a\\",\\"us-east-1a\\"]" lists us-east-1a more than once',
        ],
        [
            "fewer zones than the tier uses",
            { "alicerce:availabilityZones": "us-east-1a" },
            'alicerce:availabilityZones: "us-east-1a" lists 1 zone(s); the mvp tier uses 2: append 1 more at the end',
        ],
        [
            "a region where a zone is expected",
            { "alicerce:availabilityZones": "us-east-1,us-east-2" },
            'alicerce:availabilityZones: "us-east-1,us-east-2" is not a list of availability zone names',
        ],
        [
            "more zones than the VPC layout holds",
            { "alicerce:availabilityZones": "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1f" },
            'alicerce:availabilityZones: "us-east-1a,us-east-1b,us-east-1c,us-east-1d,us-east-1f" lists 5 zones; the VPC layout has room for 4',
        ],
        // The AMI's architecture (its name's suffix) must be the instance type's: an arm64 image on t3 fails only at launch.
        [
            "an x86_64 AMI for a Graviton instance type",
            { "alicerce:amiName": "al2023-ami-2023.12.20260710.0-kernel-6.1-x86_64" },
            'alicerce:amiName: "al2023-ami-2023.12.20260710.0-kernel-6.1-x86_64" is an x86_64 image, but instance type t4g.micro is arm64; use the arm64 image of the same release (al2023-ami-2023.12.20260710.0-kernel-6.1-arm64)',
        ],
        [
            "an arm64 AMI for an x86 override",
            { "alicerce:instanceType": "t3.small", "alicerce:amiName": "al2023-ami-2023.12.20260710.0-kernel-6.1-arm64" },
            'alicerce:amiName: "al2023-ami-2023.12.20260710.0-kernel-6.1-arm64" is an arm64 image, but instance type t3.small is x86_64',
        ],
        [
            "an AMI id where a name is expected",
            { "alicerce:amiName": "ami-0a1b2c3d4e5f60718" },
            'alicerce:amiName: "ami-0a1b2c3d4e5f60718" is not an Amazon Linux 2023 AMI name',
        ],
        [
            "prod without a domain",
            { "alicerce:tier": "prod", "alicerce:alertEmail": "a@b.co" },
            "alicerce:domain: not set; the prod tier serves HTTPS and pages someone",
        ],
        [
            "prod without an alert email",
            { "alicerce:tier": "prod", "alicerce:domain": "app.example.com" },
            "alicerce:alertEmail: not set; the prod tier serves HTTPS and pages someone",
        ],
    ];
    for (const [what, config, expected] of cases) {
        it(`rejects ${what}`, () => {
            const found = problems(config);
            assert.equal(found.length, 1, `expected exactly one problem, got:\n${found.join("\n")}`);
            assert.ok(found[0].startsWith(expected), `got:      ${found[0]}\nexpected: ${expected}...`);
        });
    }

    it("pins zones and the AMI on AWS: the tier uses the first zones listed; other clouds refuse both keys", () => {
        const zones = {
            ...VALID,
            "alicerce:availabilityZones": '["us-east-1a","us-east-1b","us-east-1c"]',
            "alicerce:amiName": "al2023-ami-2023.12.20260710.0-kernel-6.1-arm64",
        };
        const mvp = managed(zones);
        assert.deepEqual(mvp.availabilityZones, ["us-east-1a", "us-east-1b"]);
        assert.equal(mvp.amiName, "al2023-ami-2023.12.20260710.0-kernel-6.1-arm64");
        const prod = managed({ ...zones, "alicerce:tier": "prod", "alicerce:domain": "app.example.com", "alicerce:alertEmail": "a@b.co" });
        assert.deepEqual(prod.availabilityZones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert.equal(managed(VALID).availabilityZones, undefined, "unpinned: the program looks them up and warns");
        const onDo = problems({
            "alicerce:cloud": "digitalocean",
            "alicerce:region": "nyc3",
            "alicerce:sshKeyFingerprints": "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
            "alicerce:registryName": "acme",
            "alicerce:availabilityZones": "us-east-1a,us-east-1b",
        });
        assert.deepEqual(onDo, ['alicerce:availabilityZones: "us-east-1a,us-east-1b" is only used on aws; remove it from this digitalocean stack']);
    });

    it("accepts an admin range list as YAML (JSON from the CLI) or comma-separated", () => {
        for (const given of ['["203.0.113.0/24", "198.51.100.7/32"]', "203.0.113.0/24, 198.51.100.7/32"]) {
            const s = single({ "alicerce:vps": "digitalocean", "alicerce:region": "nyc3", "alicerce:sshPublicKey": KEY, "alicerce:adminCidrs": given });
            assert.deepEqual(s.singleHost.adminCidrs, ["203.0.113.0/24", "198.51.100.7/32"]);
        }
    });

    it("reports every problem at once, one line per key, in the thrown message", () => {
        const config = {
            ...VALID,
            "alicerce:tier": "prd",
            "alicerce:budgetUsd": "lots",
            "alicerce:alertEmail": "oncall",
            "alicerce:minInstances": "0",
            "alicerce:teir": "x",
        };
        assert.throws(
            () => loadSettings(config, "alicerce", "dev"),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                const keys = err.problems.map((p) => p.split(":").slice(0, 2).join(":"));
                assert.deepEqual(keys.sort(), ["alicerce:alertEmail", "alicerce:budgetUsd", "alicerce:minInstances", "alicerce:teir", "alicerce:tier"]);
                for (const p of err.problems) assert.ok(err.message.includes(p));
                return true;
            },
        );
    });

    it("ignores other namespaces (provider config such as digitalocean:token, and aws:region when it agrees)", () => {
        assert.deepEqual(problems({ "aws:region": "us-east-1", "digitalocean:token": "x", "aws:profile": "team" }), []);
    });

    // p-plan-tool: an explicit provider never reads aws:region (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration).
    it("refuses aws:region that is not the stack's region", () => {
        assert.deepEqual(problems({ "aws:region": "eu-west-1" }), [
            `aws:region: "eu-west-1" is not the stack's region (alicerce:region "us-east-1"); use alicerce:region (the program's provider deploys there) and remove aws:region, or set both to the same region`,
        ]);
    });

    it("applies stack overrides over the tier", () => {
        const s = managed(
            {
                ...VALID,
                "alicerce:tier": "growth",
                "alicerce:instanceType": "t4g.medium",
                "alicerce:maxInstances": "6",
                "alicerce:dbInstanceClass": "db.t4g.small",
                "alicerce:dbStorageGb": "150",
            },
            "growth",
        );
        assert.equal(s.compute.instanceType, "t4g.medium");
        assert.equal(s.compute.minInstances, TIER_PRESETS.growth.compute.minInstances);
        assert.equal(s.compute.maxInstances, 6);
        assert.equal(s.database.instanceClass, "db.t4g.small");
        assert.equal(s.database.storageGb, 150);
        assert.ok(s.database.maxStorageGb >= 150, "the autoscaling ceiling never falls below the allocated storage");
    });

    it("lets a stack trade resilience for cost, or the reverse: egress and database standby", () => {
        const prod = managed(
            { ...VALID, "alicerce:tier": "prod", "alicerce:domain": "app.example.com", "alicerce:alertEmail": "a@b.co", "alicerce:egress": "nat-per-az" },
            "prod",
        );
        assert.equal(prod.network.egress, "nat-per-az");
        assert.equal(prod.network.azCount, TIER_PRESETS.prod.network.azCount);
        const growth = managed({ ...VALID, "alicerce:tier": "growth", "alicerce:dbHighAvailability": "false" }, "growth");
        assert.equal(growth.database.highAvailability, false);
        assert.equal(growth.database.backupRetentionDays, TIER_PRESETS.growth.database.backupRetentionDays);
        assert.equal(managed(VALID).database.highAvailability, false);
        assert.equal(managed({ ...VALID, "alicerce:dbHighAvailability": "true" }).database.highAvailability, true);
    });

    it("reads load balancer ingress as a YAML list or a comma-separated string, and defaults proxying to the zone", () => {
        const aws = (config: Record<string, string>) => loadSettings(config, "alicerce", "dev") as StackSettings;
        const list = aws({ ...VALID, "alicerce:lbIngressCidrs": '["203.0.113.0/24","198.51.100.0/24"]' });
        const csv = aws({ ...VALID, "alicerce:lbIngressCidrs": "203.0.113.0/24, 198.51.100.0/24" });
        assert.deepEqual(list.lbIngressCidrs, ["203.0.113.0/24", "198.51.100.0/24"]);
        assert.deepEqual(csv.lbIngressCidrs, list.lbIngressCidrs);
        assert.equal(list.cloudflareProxied, false, "no zone, no proxy");
        const zone = { ...VALID, "alicerce:domain": "app.example.com", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" };
        assert.equal(aws(zone).cloudflareProxied, true);
        assert.equal(aws({ ...zone, "alicerce:cloudflareProxied": "false" }).cloudflareProxied, false);
        const ecr = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:${"a".repeat(64)}`;
        assert.equal(loadSettings({ ...VALID, "alicerce:image": ecr }, "alicerce", "dev").image, ecr);
    });

    it("refuses, on AWS, a project name that breaks load balancer names (32 characters with 15 of ours and AWS's suffix)", () => {
        const projectProblems = (project: string, cloud = "aws") => {
            const config = cloud === "aws" ? VALID : { ...VALID, "alicerce:cloud": "docker", "alicerce:region": undefined };
            try {
                loadSettings(Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as Record<string, string>, project, "dev");
                return [];
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                return err.problems.filter((p) => p.startsWith("Pulumi.yaml name:"));
            }
        };
        const cases: [string, boolean][] = [
            ["alicerce", true],
            ["a", true],
            ["clinic-app-2026", true],
            ["abcdefghijklmnop", true],
            ["abcdefghijklmnopq", false],
            ["My-App", false],
            ["my_app", false],
            ["1app", false],
            ["internal", false],
            ["internal-app", false],
            ["internals", true],
        ];
        for (const [project, ok] of cases) assert.equal(projectProblems(project).length === 0, ok, project);
        assert.deepEqual(projectProblems("My_App"), [
            `Pulumi.yaml name: "My_App" does not fit AWS resource names; use 1-16 lowercase letters, digits or '-', starting with a letter, not "internal" (it prefixes load balancer names, which AWS limits to 32 characters)`,
        ]);
        assert.deepEqual(projectProblems("My_App", "docker"), [], "only AWS names carry the project this way");
        assert.ok(`abcdefghijklmnop-lb-alb-a1b2c3d`.length <= 32, "the longest accepted name fits the ALB limit");
    });

    it("warns when a domain has no Cloudflare zone: DNS records are then the user's to create", () => {
        const s = loadSettings({ ...VALID, "alicerce:domain": "app.example.com" }, "alicerce", "dev");
        assert.ok(s.warnings.some((w) => w.includes("app.example.com has no alicerce:cloudflareZoneId")));
    });

    it("warns, without failing, when a non-prod stack has no domain", () => {
        const s = loadSettings(VALID, "alicerce", "dev");
        assert.ok(s.warnings.some((w) => w.includes("plain HTTP")));
    });
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKeyOpera ops@laptop";

describe("docker stack config", () => {
    it("a local host needs no region and defaults to the local Docker socket", () => {
        const s = single({});
        assert.equal(s.region, undefined);
        assert.equal(s.singleHost.dockerHost, DEFAULT_DOCKER_HOST);
        assert.equal(s.singleHost.vps, undefined);
        assert.equal(s.singleHost.appReplicas, TIER_PRESETS.mvp.singleHost.appReplicas);
        assert.ok(
            s.warnings.some((w) => w.includes("same host")),
            "the plan warns that backups live on the host",
        );
    });

    it("warns that a host you bring over SSH gets none of a created VPS's hardening", () => {
        const hardening = (w: string) => w.includes("none of a created VPS's hardening");
        assert.ok(single({ "alicerce:dockerHost": "ssh://deploy@203.0.113.10" }).warnings.some(hardening));
        assert.ok(!single({}).warnings.some(hardening), "the local socket is the developer's own machine");
        const vps = { "alicerce:vps": "digitalocean", "alicerce:region": "nyc3", "alicerce:sshPublicKey": KEY, "alicerce:adminCidrs": "203.0.113.0/24" };
        assert.ok(!single(vps).warnings.some(hardening), "a created VPS is hardened by cloud-init");
    });

    it("with a domain, says where its A record must point for the certificate", () => {
        assert.ok(single({ "alicerce:domain": "app.example.com" }).warnings.some((w) => w.includes("app.example.com: point its A record at the host")));
    });

    it("a VPS takes the tier's host size for its cloud, and overrides", () => {
        const base = { "alicerce:vps": "digitalocean", "alicerce:region": "nyc3", "alicerce:sshPublicKey": KEY, "alicerce:adminCidrs": "203.0.113.0/24" };
        assert.equal(single(base).singleHost.hostSize, TIER_PRESETS.mvp.singleHost.hostSize.digitalocean);
        assert.equal(single({ ...base, "alicerce:instanceType": "s-2vcpu-4gb", "alicerce:appReplicas": "3" }).singleHost.hostSize, "s-2vcpu-4gb");
        assert.equal(single({ ...base, "alicerce:appReplicas": "3" }).singleHost.appReplicas, 3);
        const onAws = single({ ...base, "alicerce:vps": "aws", "alicerce:region": "sa-east-1", "alicerce:tier": "growth" });
        assert.equal(onAws.singleHost.hostSize, "t4g.medium");
        assert.equal(onAws.singleHost.dockerHost, undefined, "the created host's address is known only after it exists");
    });

    const vps = { "alicerce:vps": "digitalocean", "alicerce:region": "nyc3", "alicerce:sshPublicKey": KEY, "alicerce:adminCidrs": "203.0.113.0/24" };
    const cases: [string, Record<string, string | undefined>, string][] = [
        [
            "a TCP Docker API",
            { "alicerce:dockerHost": "tcp://10.0.0.5:2375" },
            'alicerce:dockerHost: "tcp://10.0.0.5:2375" is not a Docker host address; use unix:///var/run/docker.sock or ssh://user@host',
        ],
        [
            "an SSH host without a user",
            { "alicerce:dockerHost": "ssh://203.0.113.10" },
            'alicerce:dockerHost: "ssh://203.0.113.10" is not a Docker host address',
        ],
        ["a region without a VPS", { "alicerce:region": "nyc3" }, 'alicerce:region: "nyc3" has no meaning for a Docker host you bring'],
        ["a VPS without a region", { ...vps, "alicerce:region": undefined }, "alicerce:region: not set; it is required with alicerce:vps: set the region"],
        ["a VPS in another cloud's region", { ...vps, "alicerce:region": "us-east-1" }, 'alicerce:region: "us-east-1" is not a region of DigitalOcean'],
        [
            "a VPS without admin ranges",
            { ...vps, "alicerce:adminCidrs": undefined },
            "alicerce:adminCidrs: not set; it is required with alicerce:vps (SSH is the Docker API: no default range)",
        ],
        ["a VPS without an SSH key", { ...vps, "alicerce:sshPublicKey": undefined }, "alicerce:sshPublicKey: not set; it is required with alicerce:vps"],
        [
            "SSH open to the internet",
            { ...vps, "alicerce:adminCidrs": "0.0.0.0/0" },
            'alicerce:adminCidrs: "0.0.0.0/0" opens SSH (the Docker API) to the whole internet',
        ],
        [
            "an admin range with host bits",
            { ...vps, "alicerce:adminCidrs": "203.0.113.7/24" },
            'alicerce:adminCidrs: "203.0.113.7/24" holds 203.0.113.7/24, which is not a valid network',
        ],
        ["admin ranges that are not a list", { ...vps, "alicerce:adminCidrs": "[203.0.113.0/24" }, 'alicerce:adminCidrs: "[203.0.113.0/24" is not a list'],
        [
            "a private key instead of a public one",
            { ...vps, "alicerce:sshPublicKey": "-----BEGIN OPENSSH PRIVATE KEY-----" },
            'alicerce:sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" is not an SSH public key',
        ],
        [
            "a VPS and a Docker host both",
            { ...vps, "alicerce:dockerHost": "ssh://deploy@203.0.113.10" },
            'alicerce:dockerHost: "ssh://deploy@203.0.113.10" is set with alicerce:vps',
        ],
        ["an unknown VPS cloud", { "alicerce:vps": "linode" }, 'alicerce:vps: "linode" is not a VPS cloud; use one of aws, digitalocean'],
        ["a managed database size", { "alicerce:dbInstanceClass": "db.t4g.small" }, 'alicerce:dbInstanceClass: "db.t4g.small" does not apply to cloud docker'],
        ["an instance type without a VPS", { "alicerce:instanceType": "s-1vcpu-2gb" }, 'alicerce:instanceType: "s-1vcpu-2gb" sizes a host alicerce creates'],
        ["an EC2 type for a droplet", { ...vps, "alicerce:instanceType": "t4g.small" }, 'alicerce:instanceType: "t4g.small" is not valid on digitalocean'],
        ["prod without a domain", { "alicerce:tier": "prod" }, "alicerce:domain: not set; the prod tier serves HTTPS"],
        ["too many replicas", { "alicerce:appReplicas": "40" }, 'alicerce:appReplicas: "40" is out of range; use a whole number from 1 to 16'],
    ];
    for (const [what, config, expected] of cases) {
        it(`rejects ${what}`, () => {
            const found = problems({ "alicerce:cloud": "docker", "alicerce:region": undefined, ...config });
            assert.equal(found.length, 1, `expected exactly one problem, got:\n${found.join("\n")}`);
            assert.ok(found[0].startsWith(expected), `got:      ${found[0]}\nexpected: ${expected}...`);
        });
    }
});

describe("tier presets", () => {
    it("grow monotonically from mvp to prod", () => {
        const [mvp, growth, prod] = [TIER_PRESETS.mvp, TIER_PRESETS.growth, TIER_PRESETS.prod];
        assert.ok(mvp.compute.maxInstances <= growth.compute.maxInstances && growth.compute.maxInstances <= prod.compute.maxInstances);
        assert.ok(
            mvp.database.backupRetentionDays <= growth.database.backupRetentionDays && growth.database.backupRetentionDays <= prod.database.backupRetentionDays,
        );
        assert.ok(mvp.network.azCount <= growth.network.azCount && growth.network.azCount <= prod.network.azCount);
    });

    it("match the phases our users plan in", () => {
        assert.equal(TIER_PRESETS.mvp.compute.maxInstances, 1);
        assert.equal(TIER_PRESETS.mvp.database.highAvailability.aws, false);
        assert.equal(TIER_PRESETS.mvp.network.egress, "public-subnets");
        assert.equal(TIER_PRESETS.mvp.database.backupRetentionDays, 7);
        assert.deepEqual([TIER_PRESETS.growth.compute.minInstances, TIER_PRESETS.growth.compute.maxInstances], [1, 3]);
        assert.equal(TIER_PRESETS.growth.database.highAvailability.aws, true);
        assert.equal(TIER_PRESETS.growth.database.backupRetentionDays, 14);
        // Issue 17: our users plan AWS WAF only in production; growth has Cloudflare in front, and alarms.
        assert.equal(TIER_PRESETS.growth.waf, false);
        assert.equal(TIER_PRESETS.growth.alarms, true);
        assert.equal(TIER_PRESETS.prod.waf, true);
        assert.deepEqual([TIER_PRESETS.prod.compute.minInstances, TIER_PRESETS.prod.compute.maxInstances], [2, 5]);
        assert.equal(TIER_PRESETS.prod.database.readReplica, true);
        assert.equal(TIER_PRESETS.prod.database.backupRetentionDays, 30);
        assert.equal(TIER_PRESETS.prod.database.longTermBackupDays, 90);
        assert.equal(TIER_PRESETS.prod.database.deletionProtection, true);
    });

    it("have no instance type or database class on a Docker host, and one VPS size per VPS cloud", () => {
        for (const preset of Object.values(TIER_PRESETS)) {
            assert.equal(preset.compute.instanceType.docker, null);
            assert.equal(preset.database.instanceClass.docker, null);
            assert.ok(/^s-\d+vcpu-\d+gb$/.test(preset.singleHost.hostSize.digitalocean));
            assert.ok(/^t4g\./.test(preset.singleHost.hostSize.aws));
            assert.ok(preset.singleHost.appReplicas >= 2, "two replicas at least, so a replaced one drains while the other serves");
        }
    });

    it("stay within RDS's backup retention limit of 35 days and gp3's 20 GB minimum", () => {
        for (const preset of Object.values(TIER_PRESETS)) {
            assert.ok(preset.database.backupRetentionDays >= 1 && preset.database.backupRetentionDays <= 35);
            assert.ok(preset.database.storageGb >= 20 && preset.database.maxStorageGb >= preset.database.storageGb);
        }
    });
});

describe("DigitalOcean stack config", () => {
    const DO: Record<string, string> = {
        "alicerce:cloud": "digitalocean",
        "alicerce:region": "nyc3",
        "alicerce:sshKeyFingerprints": '["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]',
        "alicerce:registryName": "acme-registry",
    };

    it("applies the tier's DigitalOcean sizes and the DO-only keys", () => {
        const s = managed(
            { ...VALID, ...DO, "alicerce:tier": "growth", "alicerce:adminCidrs": '["203.0.113.7/32"]', "alicerce:certificateName": "app-origin" },
            "do-growth",
        );
        // do-growth as our users priced it: one 1 GB database node, 1 GB droplets (README "Stacks and what they cost")
        assert.equal(s.compute.instanceType, "s-1vcpu-1gb");
        assert.equal(s.database.instanceClass, "db-s-1vcpu-1gb");
        assert.equal(s.database.highAvailability, false);
        assert.deepEqual(s.adminCidrs, ["203.0.113.7/32"]);
        assert.equal(s.certificateName, "app-origin");
        assert.deepEqual(s.sshKeyFingerprints, ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]);
    });

    it("reads list keys as JSON (from a YAML list) or comma-separated (from `pulumi config set`)", () => {
        const fromCli = managed({ ...VALID, ...DO, "alicerce:adminCidrs": "203.0.113.7/32, 198.51.100.0/24" }, "do-dev");
        assert.deepEqual(fromCli.adminCidrs, ["203.0.113.7/32", "198.51.100.0/24"]);
    });

    const cases: [string, Record<string, string | undefined>, string][] = [
        [
            "a 1 GB database plan with a standby node",
            { "alicerce:tier": "prod", "alicerce:domain": "app.example.com", "alicerce:alertEmail": "a@b.co", "alicerce:dbInstanceClass": "db-s-1vcpu-1gb" },
            'alicerce:dbInstanceClass: "db-s-1vcpu-1gb" gives a 1 GB database plan with a standby node; DigitalOcean standby nodes need 2 GB or more',
        ],
        ["an egress mode (droplets reach the internet directly)", { "alicerce:egress": "nat-single" }, 'alicerce:egress: "nat-single" is only used on aws'],
        [
            "a standby on a 1 GB plan asked for by the stack",
            { "alicerce:dbHighAvailability": "true" },
            'alicerce:dbHighAvailability: "true" gives a 1 GB database plan with a standby node',
        ],
        [
            "a Cloudflare zone without an uploaded certificate",
            { "alicerce:domain": "app.example.com", "alicerce:cloudflareZoneId": "023e105f4ecef8ad9ca31a8372d0c353" },
            "alicerce:certificateName: not set; with alicerce:cloudflareZoneId the domain's DNS is at Cloudflare",
        ],
        [
            "a VPC range on Docker's bridge network",
            { "alicerce:vpcCidr": "172.17.0.0/16" },
            'alicerce:vpcCidr: "172.17.0.0/16" overlaps Docker\'s bridge network 172.17.0.0/16',
        ],
        [
            "SSH open to the internet",
            { "alicerce:adminCidrs": '["0.0.0.0/0"]' },
            'alicerce:adminCidrs: "[\\"0.0.0.0/0\\"]" opens SSH to the whole internet with 0.0.0.0/0',
        ],
        [
            "an admin range with host bits",
            { "alicerce:adminCidrs": "203.0.113.7/24" },
            'alicerce:adminCidrs: "203.0.113.7/24" holds 203.0.113.7/24, which is not a valid network',
        ],
        ["an admin list that is not ranges", { "alicerce:adminCidrs": '["office"]' }, 'alicerce:adminCidrs: "[\\"office\\"]" is not a list of IPv4 ranges'],
        [
            "a malformed SSH key fingerprint",
            { "alicerce:sshKeyFingerprints": "abc" },
            'alicerce:sshKeyFingerprints: "abc" is not a list of SSH key fingerprints',
        ],
        [
            "no SSH key (autoscale pools require one)",
            { "alicerce:sshKeyFingerprints": undefined },
            "alicerce:sshKeyFingerprints: not set; DigitalOcean autoscale pools require at least one SSH key",
        ],
        ["an empty SSH key list", { "alicerce:sshKeyFingerprints": "[]" }, 'alicerce:sshKeyFingerprints: "[]" is empty'],
        [
            "database storage on DigitalOcean (plans include their disk)",
            { "alicerce:dbStorageGb": "100" },
            'alicerce:dbStorageGb: "100" is not used on digitalocean',
        ],
        ["an uppercase registry name", { "alicerce:registryName": "My_Registry" }, 'alicerce:registryName: "My_Registry" is not a container registry name'],
        // Registry names (https://docs.digitalocean.com/products/container-registry/details/limits/): at most 63 characters,
        // lowercase letters, digits and '-', beginning with a letter, ending with a letter or digit.
        ["a registry name starting with a digit", { "alicerce:registryName": "1acme" }, 'alicerce:registryName: "1acme" is not a container registry name'],
        ["a registry name ending with '-'", { "alicerce:registryName": "acme-" }, 'alicerce:registryName: "acme-" is not a container registry name'],
        [
            "a registry name of 64 characters",
            { "alicerce:registryName": "a".repeat(64) },
            `alicerce:registryName: "${"a".repeat(64)}" is not a container registry name`,
        ],
        // One registry per account: every stack that builds the image names it (https://docs.digitalocean.com/products/container-registry/details/limits/).
        [
            "no registry name when the image is built",
            { "alicerce:registryName": undefined },
            "alicerce:registryName: not set; the image is built and pushed to the account's one container registry",
        ],
        [
            "createRegistry with a prebuilt image",
            { "alicerce:createRegistry": "true", "alicerce:image": `ghcr.io/acme/app@sha256:${"ab".repeat(32)}` },
            'alicerce:createRegistry: "true" is set with alicerce:image',
        ],
        ["createRegistry that is not a boolean", { "alicerce:createRegistry": "yes" }, 'alicerce:createRegistry: "yes" is not true or false'],
        // Spaces regions: terraform-provider-digitalocean, digitalocean/spaces/spaces_entities.go (SpacesRegions has no nyc1).
        [
            "a region without Spaces (nyc1)",
            { "alicerce:region": "nyc1" },
            'alicerce:region: "nyc1" is a DigitalOcean region without Spaces, which this stack uses; use one of nyc3, sfo2, sfo3, tor1, atl1, lon1, ams3, fra1, blr1, sgp1, syd1',
        ],
        ["a region closed to new resources (sfo1)", { "alicerce:region": "sfo1" }, 'alicerce:region: "sfo1" is not a region of DigitalOcean; use one of nyc3,'],
    ];
    for (const [what, config, expected] of cases) {
        it(`rejects ${what}`, () => {
            const found = problems({ ...DO, ...config });
            assert.equal(found.length, 1, `expected exactly one problem, got:\n${found.join("\n")}`);
            assert.ok(found[0].startsWith(expected), `got:      ${found[0]}\nexpected: ${expected}...`);
        });
    }

    it("accepts a registry name of 63 characters, and a prebuilt image without one", () => {
        assert.deepEqual(problems({ ...DO, "alicerce:registryName": `a${"b".repeat(61)}c` }), []);
        assert.deepEqual(problems({ ...DO, "alicerce:registryName": undefined, "alicerce:image": `ghcr.io/acme/app@sha256:${"ab".repeat(32)}` }), []);
    });

    it("creates the registry only where alicerce:createRegistry is true, in the registry region nearest the stack", () => {
        const owner = managed({ ...VALID, ...DO, "alicerce:createRegistry": "true", "alicerce:region": "lon1" }, "do-dev");
        assert.deepEqual([owner.registryName, owner.createRegistry, owner.registryRegion], ["acme-registry", true, "ams3"]);
        const user = managed({ ...VALID, ...DO }, "do-prod");
        assert.deepEqual([user.registryName, user.createRegistry], ["acme-registry", false]);
    });

    it("maps every accepted DigitalOcean region to a Container Registry region (POST /v2/registry region enum)", () => {
        for (const region of REGIONS.digitalocean) assert.ok((REGISTRY_REGIONS as readonly string[]).includes(NEAREST_REGISTRY_REGION[region]), region);
    });

    it("a single Docker host on DigitalOcean needs only a droplet, so nyc1 stays open to it", () => {
        const s = single({ "alicerce:vps": "digitalocean", "alicerce:region": "nyc1", "alicerce:sshPublicKey": KEY, "alicerce:adminCidrs": "203.0.113.0/24" });
        assert.equal(s.region, "nyc1");
    });

    it("warns which DNS record to create when a domain has no Cloudflare zone", () => {
        const s = managed({ ...VALID, ...DO, "alicerce:domain": "app.example.com" }, "do-prod");
        assert.ok(
            s.warnings.some((w) => w.startsWith("alicerce:domain app.example.com has no alicerce:cloudflareZoneId: create an A record app.example.com")),
            s.warnings.join("\n"),
        );
    });

    it("rejects DigitalOcean-only keys on an AWS stack instead of ignoring them", () => {
        const found = problems({ "alicerce:certificateName": "app-origin", "alicerce:registryName": "acme" });
        assert.deepEqual(found.sort(), [
            'alicerce:certificateName: "app-origin" is only used on digitalocean; remove it from this aws stack',
            'alicerce:registryName: "acme" is only used on digitalocean; remove it from this aws stack',
        ]);
    });

    it("keeps every tier's DigitalOcean standby on a plan that supports one (2 GB or more)", () => {
        for (const [tier, preset] of Object.entries(TIER_PRESETS)) {
            const memory = slugMemoryGb(preset.database.instanceClass.digitalocean);
            assert.ok(memory !== undefined, `${tier}: unknown slug shape`);
            if (preset.database.highAvailability.digitalocean)
                assert.ok(memory >= 2, `${tier}: ${preset.database.instanceClass.digitalocean} cannot have a standby`);
        }
    });
});

// p-do-docker-workers: the workers keys, all problems at once, in the house format.
describe("stack config validation: queue workers", () => {
    const DO = {
        "alicerce:cloud": "digitalocean",
        "alicerce:region": "nyc3",
        "alicerce:sshKeyFingerprints": "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        "alicerce:registryName": "acme",
    };
    it("applies the tier's workers and Valkey on DigitalOcean growth, and none at mvp", () => {
        const growth = managed({ ...VALID, ...DO, "alicerce:tier": "growth", "alicerce:workersMax": "5" });
        assert.deepEqual(growth.workers, { instanceType: "s-1vcpu-512mb-10gb", minInstances: 1, maxInstances: 5, cpuTargetPercent: 70 });
        assert.deepEqual(growth.cache, { size: "db-s-1vcpu-1gb" });
        const mvp = managed({ ...VALID, ...DO });
        assert.equal(mvp.workers, undefined);
        assert.equal(mvp.cache, undefined);
    });

    it("refuses workers on a tier without a queue, out-of-range counts, min above max and keys of another cloud, all at once", () => {
        assert.deepEqual(problems({ ...DO, "alicerce:workersMin": "2" }), [
            'alicerce:workersMin: "2" sets workers, but the mvp tier has no queue (Valkey) on DigitalOcean; use tier growth or prod, or remove the key',
        ]);
        assert.deepEqual(
            problems({ ...DO, "alicerce:tier": "growth", "alicerce:workersMin": "0", "alicerce:workersMax": "21", "alicerce:workersReplicas": "2" }).sort(),
            [
                'alicerce:workersMax: "21" is out of range; use a whole number from 1 to 20',
                'alicerce:workersMin: "0" is out of range; use a whole number from 1 to 20',
                'alicerce:workersReplicas: "2" applies only when alicerce:cloud is docker; use workersMin and workersMax on DigitalOcean',
            ],
        );
        assert.deepEqual(problems({ ...DO, "alicerce:tier": "growth", "alicerce:workersMin": "3", "alicerce:workersMax": "2" }), [
            'alicerce:workersMin: "3" gives workersMin 3 above workersMax 2; make workersMin at most workersMax',
        ]);
        assert.deepEqual(
            problems({ "alicerce:region": undefined, "alicerce:cloud": "docker", "alicerce:workersReplicas": "17", "alicerce:workersMin": "1" }).sort(),
            [
                'alicerce:workersMin: "1" applies only when alicerce:cloud is digitalocean; use workersReplicas on a single host',
                'alicerce:workersReplicas: "17" is out of range; use a whole number from 0 to 16',
            ],
        );
        assert.deepEqual(problems({ "alicerce:workersMax": "2" }), [
            'alicerce:workersMax: "2" applies to a tier with a queue (ElastiCache and workers), and the mvp tier on aws has none; remove it, or move the stack to the prod tier',
        ]);
    });

    it("sets the single host's worker containers per tier, overridable", () => {
        assert.equal(single({}).singleHost.workerReplicas, 0);
        assert.equal(single({ "alicerce:tier": "growth" }).singleHost.workerReplicas, 1);
        assert.equal(single({ "alicerce:workersReplicas": "3" }).singleHost.workerReplicas, 3);
    });
});

// q-budget-aws: the AWS instance edge (components/aws/origin.ts, docs/aws-edge.md "Instance edge").
describe("AWS edge config", () => {
    it("mvp serves from the instance without a domain, and from a load balancer (HTTPS) with one; growth and prod from the load balancer", () => {
        assert.equal(managed({ ...VALID }).edge, "instance");
        assert.equal(managed({ ...VALID, "alicerce:domain": "app.example.com" }).edge, "load-balancer");
        assert.equal(managed({ ...VALID, "alicerce:edge": "load-balancer" }).edge, "load-balancer");
        assert.equal(managed({ ...VALID, "alicerce:tier": "growth", "alicerce:budgetUsd": "69.2" }).edge, "load-balancer");
        const one = { "alicerce:minInstances": "1", "alicerce:maxInstances": "1" };
        assert.equal(managed({ ...VALID, "alicerce:tier": "growth", "alicerce:edge": "instance", ...one }).edge, "instance");
    });

    it("refuses, all at once: an instance edge with a domain, more than one instance, or private subnets; an unknown edge; the key off AWS", () => {
        const has = (lines: string[], re: RegExp) =>
            assert.ok(
                lines.some((l) => re.test(l)),
                lines.join("\n"),
            );
        has(
            problems({ "alicerce:edge": "instance", "alicerce:domain": "app.example.com" }),
            /alicerce:edge: "instance" serves plain HTTP only, and alicerce:domain app\.example\.com needs HTTPS: use load-balancer/,
        );
        const many = problems({ "alicerce:maxInstances": "3", "alicerce:egress": "nat-instance" });
        has(many, /alicerce:maxInstances: "3" is not 1; the mvp tier's instance edge holds one Elastic IP on one instance: set alicerce:maxInstances 1/);
        has(
            many,
            /alicerce:egress: "nat-instance" is not public-subnets; the mvp tier's instance edge answers from its Elastic IP, which needs the instance in a public subnet/,
        );
        // The tier's own counts are named as the tier's, with the keys that fix them.
        has(
            problems({ "alicerce:tier": "growth", "alicerce:edge": "instance" }),
            /alicerce:edge: "instance" cannot take the growth tier's maxInstances \(3\): alicerce:edge instance holds one Elastic IP on one instance: set alicerce:maxInstances 1/,
        );
        has(problems({ "alicerce:edge": "cdn" }), /alicerce:edge: "cdn" is not an edge; use one of load-balancer, instance/);
        has(
            problems({ "alicerce:cloud": "digitalocean", "alicerce:region": "nyc3", "alicerce:budgetUsd": "50", "alicerce:edge": "instance" }),
            /alicerce:edge: "instance" is only used on aws/,
        );
        // min above max is one problem, not also the edge's.
        assert.equal(problems({ "alicerce:minInstances": "3" }).length, 1);
        // Behind a load balancer the same counts are fine.
        assert.deepEqual(problems({ "alicerce:edge": "load-balancer", "alicerce:maxInstances": "3" }), []);
    });
});
