/**
 * Bad input for `alicerce:restoreFrom`, `alicerce:useRestoredDatabase` and
 * `alicerce:secondRegion`: each a house-format error before any resource is
 * declared, every problem at once.
 *
 * Sources of the rules:
 * - RDS point in time: "You can restore to any point in time before the time identified by the
 *   LatestRestorableTime property ... up to the number of days specified by the BackupRetentionPeriod"
 *   (RDS API, RestoreDBInstanceToPointInTime; https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).
 * - RDS snapshot identifiers: 1-255 letters, digits or hyphens, first a letter, no '--', not ending in '-';
 *   a shared snapshot by its ARN (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html).
 * - DigitalOcean PostgreSQL: backups and point-in-time recovery for 7 days
 *   (https://docs.digitalocean.com/products/databases/postgresql/how-to/restore-from-backups/).
 */
import { strict as assert } from "assert";
import { PLATFORM_RULES } from "../platforms";
import { clock, ConfigError, loadSettings } from ".";

const AWS: Record<string, string> = {
    "alicerce:cloud": "aws",
    "alicerce:tier": "mvp",
    "alicerce:region": "us-east-1",
    "alicerce:owner": "team-platform",
    "alicerce:costCenter": "cc-1001",
    "alicerce:budgetUsd": "36.2",
};
const DO: Record<string, string> = {
    ...AWS,
    "alicerce:cloud": "digitalocean",
    "alicerce:region": "nyc3",
    "alicerce:registryName": "acme",
    "alicerce:sshKeyFingerprints": "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
};
const DOCKER: Record<string, string> = { ...AWS, "alicerce:cloud": "docker" };
delete DOCKER["alicerce:region"];

const NOW = new Date("2026-11-30T12:00:00Z");

function problems(config: Record<string, string>): string[] {
    const saved = clock.now;
    clock.now = () => NOW;
    try {
        loadSettings(config, "alicerce", "dev", PLATFORM_RULES);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    } finally {
        clock.now = saved;
    }
}

function warnings(config: Record<string, string>): readonly string[] {
    const saved = clock.now;
    clock.now = () => NOW;
    try {
        return loadSettings(config, "alicerce", "dev", PLATFORM_RULES).warnings.filter((w) => w.startsWith("alicerce:restoreFrom"));
    } finally {
        clock.now = saved;
    }
}

describe("restore and second-region keys", () => {
    it("accepts each cloud's sources and resolves them with a slug", () => {
        for (const [base, from] of [
            [AWS, "time:2026-11-29T09:41:00Z"],
            [AWS, "time:latest"],
            [AWS, "snapshot:alicerce-dev-db-final-1a2b3c4d"],
            [AWS, "snapshot:rds:alicerce-dev-db-2026-11-29-03-05"],
            [AWS, "snapshot:arn:aws:rds:us-east-1:123456789012:snapshot:shared-one"],
            [DO, "backup:latest"],
            [DO, "time:2026-11-25T00:00:00Z"],
            [DOCKER, "restic:latest"],
            [DOCKER, "restic:4f1c2a9e"],
            [DOCKER, "dump:/srv/restore/app.dump"],
        ] as const) {
            assert.deepEqual(problems({ ...base, "alicerce:restoreFrom": from }), [], from);
        }
        const saved = clock.now;
        clock.now = () => NOW;
        try {
            const s = loadSettings(
                { ...AWS, "alicerce:restoreFrom": "time:latest", "alicerce:useRestoredDatabase": "true" },
                "alicerce",
                "dev",
                PLATFORM_RULES,
            );
            assert.equal(s.restore?.kind, "time");
            assert.equal(s.restore?.value, "latest");
            assert.match(s.restore!.slug, /^[0-9a-f]{8}$/);
            assert.equal(s.restore?.active, true);
        } finally {
            clock.now = saved;
        }
    });

    it("refuses a source in the wrong form or of another cloud, saying what is allowed", () => {
        assert.deepEqual(problems({ ...AWS, "alicerce:restoreFrom": "yesterday" }), [
            'alicerce:restoreFrom: "yesterday" is not a restore source; use <kind>:<value>: snapshot:<id> or time:<UTC time>|latest (aws), backup:latest or time:<UTC time> (digitalocean), dump:<file> or restic:<snapshot id>|latest (docker)',
        ]);
        assert.deepEqual(problems({ ...AWS, "alicerce:restoreFrom": "backup:latest" }), [
            'alicerce:restoreFrom: "backup:latest" is a backup source, which aws cannot restore from; use snapshot:... or time:...',
        ]);
        assert.deepEqual(problems({ ...DO, "alicerce:restoreFrom": "snapshot:x1" }), [
            'alicerce:restoreFrom: "snapshot:x1" is a snapshot source, which digitalocean cannot restore from; use backup:... or time:...',
        ]);
        assert.deepEqual(problems({ ...DOCKER, "alicerce:restoreFrom": "time:latest" }), [
            'alicerce:restoreFrom: "time:latest" is a time source, which docker cannot restore from; use dump:... or restic:...',
        ]);
        assert.match(
            problems({ ...AWS, "alicerce:restoreFrom": "snapshot:1bad--id-" })[0],
            /^alicerce:restoreFrom: "snapshot:1bad--id-" is not an RDS snapshot identifier; use snapshot:<id>/,
        );
        assert.match(problems({ ...AWS, "alicerce:restoreFrom": "time:2026-11-30T09:41" })[0], /is not a UTC time; use time:2026-11-30T09:41:00Z/);
        assert.match(problems({ ...DOCKER, "alicerce:restoreFrom": "restic:xyz" })[0], /is not a restic snapshot; use restic:latest or restic:<id>/);
        assert.match(problems({ ...DOCKER, "alicerce:restoreFrom": "dump:/srv/../etc/shadow.dump" })[0], /is not a dump file on the host/);
        assert.match(problems({ ...DOCKER, "alicerce:restoreFrom": "dump:relative.dump" })[0], /is not a dump file on the host/);
        assert.match(problems({ ...DO, "alicerce:restoreFrom": "backup:2026-11-29" })[0], /is not a DigitalOcean backup; use backup:latest/);
    });

    // Review of issue 16, B2: the window moves on every day, while the restore in use keeps its
    // `time:` value in the config (and removing it is refused while the app uses it): older than the
    // window must stay deployable. A new restore that old fails at the provider with its own message
    // (RDS RestoreDBInstanceToPointInTime: "RestoreTime ... must be before the latest restorable time
    // and after the earliest", https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html;
    // DigitalOcean: "restore ... within the last seven days",
    // https://docs.digitalocean.com/products/databases/postgresql/how-to/restore-from-backups/).
    it("refuses a point in time in the future; older than the tier's window is a warning (RDS retention; DigitalOcean's 7 days)", () => {
        assert.deepEqual(problems({ ...AWS, "alicerce:restoreFrom": "time:2026-11-30T12:05:00Z" }), [
            'alicerce:restoreFrom: "time:2026-11-30T12:05:00Z" is in the future (now 2026-11-30T12:00:00.000Z); use a time in the last 7 days',
        ]);
        // mvp keeps 7 days of RDS backups; prod 30.
        assert.deepEqual(problems({ ...AWS, "alicerce:restoreFrom": "time:2026-11-20T12:00:00Z" }), []);
        assert.deepEqual(warnings({ ...AWS, "alicerce:restoreFrom": "time:2026-11-20T12:00:00Z" }), [
            'alicerce:restoreFrom: "time:2026-11-20T12:00:00Z" is older than the 7-day point-in-time window (oldest 2026-11-23T12:00:00.000Z): fine for a database already restored from it; a NEW restore from it fails at the provider: use a later time, or a snapshot (snapshot:<id>, e.g. from the AWS Backup vault) kept longer',
        ]);
        assert.deepEqual(warnings({ ...AWS, "alicerce:tier": "growth", "alicerce:restoreFrom": "time:2026-11-20T12:00:00Z" }), []);
        assert.deepEqual(problems({ ...DO, "alicerce:restoreFrom": "time:2026-11-22T12:00:00Z" }), []);
        assert.match(warnings({ ...DO, "alicerce:restoreFrom": "time:2026-11-22T12:00:00Z" })[0], /is older than the 7-day point-in-time window/);
        assert.match(problems({ ...DO, "alicerce:restoreFrom": "time:latest" })[0], /uses latest, which is backup:latest on digitalocean/);
    });

    it("a point-in-time restore in use stays deployable after the window passes (the clock moves on)", () => {
        const config = { ...DO, "alicerce:restoreFrom": "time:2026-11-29T09:41:00Z", "alicerce:useRestoredDatabase": "true" };
        assert.deepEqual(problems(config), []);
        const saved = clock.now;
        clock.now = () => new Date("2027-01-15T00:00:00Z");
        try {
            const s = loadSettings(config, "alicerce", "dev", PLATFORM_RULES);
            assert.equal(s.restore?.active, true);
            assert.equal(s.restore?.value, "2026-11-29T09:41:00Z");
            assert.ok(s.warnings.some((w) => w.includes("is older than the 7-day point-in-time window")));
        } finally {
            clock.now = saved;
        }
    });

    it("refuses switching the app to a restored database that is not configured (and so removing the one the app runs on)", () => {
        for (const base of [AWS, DO, DOCKER]) {
            const p = problems({ ...base, "alicerce:useRestoredDatabase": "true" });
            assert.equal(p.length, 1);
            assert.match(
                p[0],
                /^alicerce:useRestoredDatabase: "true" switches the app to a restored database, but alicerce:restoreFrom is not set: .*set alicerce:useRestoredDatabase false first/,
            );
        }
        assert.deepEqual(problems({ ...AWS, "alicerce:useRestoredDatabase": "false" }), []);
    });

    it("refuses a second region that is the stack's own, not the cloud's, or on a single host", () => {
        assert.deepEqual(problems({ ...AWS, "alicerce:secondRegion": "us-west-2" }), []);
        assert.deepEqual(problems({ ...DO, "alicerce:secondRegion": "ams3" }), []);
        assert.match(
            problems({ ...AWS, "alicerce:secondRegion": "us-east-1" })[0],
            /^alicerce:secondRegion: "us-east-1" is the stack's own region; a regional outage would take the copies too: use another region, e.g. us-east-2$/,
        );
        assert.match(
            problems({ ...AWS, "alicerce:secondRegion": "nyc3" })[0],
            /^alicerce:secondRegion: "nyc3" is not a region of AWS for the copies; use one of us-east-2, /,
        );
        assert.match(problems({ ...DO, "alicerce:secondRegion": "nyc3" })[0], /is the stack's own region/);
        assert.match(problems({ ...DO, "alicerce:secondRegion": "us-west-2" })[0], /is not a region of DigitalOcean for the copies/);
        assert.match(
            problems({ ...DOCKER, "alicerce:secondRegion": "us-west-2" })[0],
            /applies to aws and digitalocean; on a single host set alicerce:backupRepository/,
        );
    });

    it("reports every problem at once", () => {
        const p = problems({ ...AWS, "alicerce:restoreFrom": "time:2099-01-01T00:00:00Z", "alicerce:secondRegion": "us-east-1", "alicerce:owner": "" });
        assert.equal(p.length, 3, p.join("\n"));
    });
});
