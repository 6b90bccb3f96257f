/**
 * Every tier preset field is a promise: the tier says "Multi-AZ", "a WAF",
 * "4 app replicas". A field nobody reads is a promise silently broken (the
 * AWS cache field once promised an ElastiCache node nothing created). This
 * runs each platform on every shipped stack with its settings wrapped in a
 * proxy that records which fields the platform reads, and checks every
 * preset field against the platforms it applies to. A new preset field
 * fails here until it is declared below and read by each platform it names.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { deployAws } from "../../platforms/aws";
import { deployDigitalOcean } from "../../platforms/digitalocean";
import { deployDocker } from "../../platforms/docker";
import { type Cloud, ConfigError, loadSettings, readProviderSecrets, type Settings, TIER_PRESETS, TIERS } from "../../stacks";
import { runStack, stackFiles } from "../../offline";

/** Who reads a preset field: the platforms it applies to, or `config` (validation only, before any platform runs). */
type Reader = Cloud | "config";

/**
 * Each preset field (a path into `TierPreset`; a per-cloud value such as
 * `compute.instanceType` is one field, resolved for the stack's cloud) and
 * who must read it.
 */
const READERS: Readonly<Record<string, readonly Reader[]>> = {
    "compute.instanceType": ["aws", "digitalocean"],
    "compute.minInstances": ["aws", "digitalocean"],
    "compute.maxInstances": ["aws", "digitalocean"],
    "compute.cpuTargetPercent": ["aws", "digitalocean"],
    "database.instanceClass": ["aws", "digitalocean"],
    "database.storageGb": ["aws"],
    "database.maxStorageGb": ["aws"],
    "database.highAvailability": ["aws", "digitalocean"],
    "database.readReplica": ["aws", "digitalocean"],
    "database.backupRetentionDays": ["aws"],
    "database.longTermBackupDays": ["aws"],
    "database.deletionProtection": ["aws"],
    "database.performanceInsights": ["aws"],
    "database.enhancedMonitoring": ["aws"],
    "network.azCount": ["aws"],
    "network.egress": ["aws"],
    "singleHost.appReplicas": ["docker"],
    "singleHost.hostSize": ["docker"],
    ...Object.fromEntries(
        Object.entries(TIER_PRESETS.mvp.singleHost.containerLimits).flatMap(([role, limit]) =>
            Object.keys(limit).map((k) => [`singleHost.containerLimits.${role}.${k}`, ["docker"] as const]),
        ),
    ),
    loadBalancerDeletionProtection: ["aws"],
    waf: ["aws"],
    requiresDomain: ["config"],
    alarms: ["aws", "digitalocean"],
    logRetentionDays: ["aws"],
    protectData: ["aws", "digitalocean", "docker"],
    auditTrail: ["aws"],
    // p-aws-workers
    "awsWorkers.instanceType": ["aws"],
    "awsWorkers.minInstances": ["aws"],
    "awsWorkers.maxInstances": ["aws"],
    "awsWorkers.backlogPerInstance": ["aws"],
    "awsCache.nodeType": ["aws"],
    "awsCache.nodes": ["aws"],
    "awsCache.snapshotRetentionDays": ["aws"],
    // p-do-docker-workers (the docker half of `workers` is read as singleHost.workerReplicas/workerLimit: components/docker/workers.test.ts)
    workers: ["digitalocean"],
    cache: ["digitalocean"],
    // --- CDN (p-app-hosts) ---
    cdn: ["aws", "digitalocean"],
    // q-budget-aws
    loadBalancerIpv6Only: ["aws"],
    keepWafLogGroup: ["aws"],
    dashboard: ["aws"],
    edge: ["aws"],
};

/** An object whose keys are clouds holds one value per cloud: one field. */
function isPerCloud(value: object): boolean {
    const keys = Object.keys(value);
    return keys.length > 0 && keys.every((k) => ["aws", "digitalocean", "docker"].includes(k));
}

/** The field paths of a preset. */
function fieldsOf(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || isPerCloud(value)) return [prefix];
    return Object.entries(value).flatMap(([k, v]) => fieldsOf(v, prefix ? `${prefix}.${k}` : k));
}

/**
 * The settings as a proxy that adds to `reads` the path of every field read
 * (`database.readReplica`). Reading an object records its path too, so a
 * field that is an object counts as read when the platform reads it whole.
 */
function recording<T extends object>(target: T, reads: Set<string>, prefix = ""): T {
    return new Proxy(target, {
        get(obj, key, receiver) {
            const value = Reflect.get(obj, key, receiver);
            if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(obj, key)) return value;
            const at = prefix ? `${prefix}.${key}` : key;
            reads.add(at);
            return value !== null && typeof value === "object" && !Array.isArray(value) ? recording(value, reads, at) : value;
        },
    });
}

/** Runs the stack's platform (the program's own choice) on recorded settings; returns the fields read. */
async function platformReads(stack: string): Promise<{ cloud: Cloud; reads: Set<string> }> {
    const reads = new Set<string>();
    let cloud: Cloud | undefined;
    await runStack(stack, {
        program: async () => {
            const settings: Settings = loadSettings(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
            cloud = settings.cloud;
            const seen = recording(settings, reads);
            switch (seen.cloud) {
                case "aws":
                    return { ...(await deployAws(seen, readProviderSecrets())) };
                case "digitalocean":
                    return { ...(await deployDigitalOcean(seen, readProviderSecrets())) };
                case "docker":
                    return { ...(await deployDocker(seen, readProviderSecrets())) };
            }
            return {};
        },
    });
    return { cloud: cloud!, reads };
}

/** The problems loadSettings reports for a config ([] when it accepts it). */
function problems(config: Record<string, string>): string[] {
    try {
        loadSettings(config, "alicerce", "dev");
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return [...err.problems];
    }
}

describe("tier presets: every field is read by every platform it applies to", function () {
    this.timeout(300_000);
    const byCloud = new Map<Cloud, Set<string>>();
    before(async () => {
        for (const stack of stackFiles()) {
            const { cloud, reads } = await platformReads(stack);
            const all = byCloud.get(cloud) ?? new Set<string>();
            reads.forEach((r) => all.add(r));
            byCloud.set(cloud, all);
        }
    });

    it("declares who reads each preset field, and every tier has the same fields", () => {
        for (const tier of TIERS) {
            const fields = fieldsOf(TIER_PRESETS[tier]);
            assert.deepEqual(
                fields.filter((f) => READERS[f] === undefined),
                [],
                `${tier}: preset fields nobody is declared to read (add them to READERS, and read them)`,
            );
            assert.deepEqual(
                Object.keys(READERS).filter((f) => !fields.includes(f)),
                [],
                `${tier}: READERS lists fields the preset does not have`,
            );
        }
    });

    it("runs every cloud's platform on a shipped stack", () => {
        assert.deepEqual([...byCloud.keys()].sort(), ["aws", "digitalocean", "docker"]);
    });

    it("config reads the fields only validation uses: flipping one changes what a stack is told", () => {
        const bare = {
            "alicerce:cloud": "aws",
            "alicerce:region": "us-east-1",
            "alicerce:owner": "team-platform",
            "alicerce:costCenter": "cc-1001",
            "alicerce:budgetUsd": "36.2",
        };
        for (const [field, who] of Object.entries(READERS).filter(([, who]) => who.includes("config"))) {
            const [group, key] = field.includes(".") ? field.split(".") : [undefined, field];
            const changed = TIERS.some((tier) => {
                const holder = (group ? (TIER_PRESETS[tier] as any)[group] : TIER_PRESETS[tier]) as Record<string, unknown>;
                const before = problems({ ...bare, "alicerce:tier": tier });
                const original = holder[key];
                assert.equal(typeof original, "boolean", `${field}: only boolean config fields are checked here; extend the test`);
                try {
                    holder[key] = !original;
                    return JSON.stringify(problems({ ...bare, "alicerce:tier": tier })) !== JSON.stringify(before);
                } finally {
                    holder[key] = original;
                }
            });
            assert.ok(changed, `${field} is declared ${who.join(", ")} but flipping it changes no config outcome`);
        }
    });

    for (const cloud of ["aws", "digitalocean", "docker"] as const) {
        it(`${cloud}: the platform reads every preset field that applies to it`, () => {
            const reads = byCloud.get(cloud)!;
            const unread = Object.entries(READERS)
                .filter(([f, who]) => who.includes(cloud) && !reads.has(f))
                .map(([f]) => f);
            assert.deepEqual(unread, [], `${cloud} never reads these preset fields`);
        });
    }
});
