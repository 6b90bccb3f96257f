import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadSettings } from "../../stacks";
import { RecordedResource, Resources, runStack, StackRun } from "../../offline";
import { mockRandomPassword } from "../../offline/outputs";
import { BACKUP_IMAGE_CONTEXT, BACKUP_PATHS, backupEnvironment, RCLONE_IMAGE, RESTIC_IMAGE } from "./backup";
import { IMAGES } from "./images";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const envOf = (c: RecordedResource): string[] => c.inputs.envs ?? [];
const envMap = (c: RecordedResource) => Object.fromEntries(envOf(c).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

const OFF_HOST = {
    "alicerce:backupRepository": "s3:https://nyc3.digitaloceanspaces.com/acme-backups/vps",
    "alicerce:backupAccessKeyId": "DO00EXAMPLEKEYID0000",
    "alicerce:backupSecretAccessKey": "stand-in-backup-secret-key",
};

/** Runs the real program and keeps the raw outputs (secret-wrapped), which the harness unwraps. */
async function runKeepingOutputs(stack: string, overrides?: Record<string, string | undefined>): Promise<{ run: StackRun; raw: Record<string, unknown> }> {
    let raw: Record<string, unknown> = {};
    const program = require(path.join(__dirname, "..", "..", "index.ts")) as () => Promise<Record<string, unknown>>;
    const run = await runStack(stack, { overrides, program: async () => (raw = await program()) });
    return { run, raw };
}

describe("single host backups (restic): recorded specs", () => {
    for (const stack of ["local", "vps-example"]) {
        describe(`Pulumi.${stack}.yaml`, () => {
            let run: StackRun;
            let raw: Record<string, unknown>;
            before(async () => ({ run, raw } = await runKeepingOutputs(stack)));

            it("builds the image from the server's own postgres image and the restic and rclone projects' images; the Dockerfile's defaults agree", () => {
                const r = new Resources(run.resources);
                const image = r.one("docker:index/image:Image", "backups-image");
                assert.deepEqual(image.inputs.build.args, { POSTGRES_IMAGE: IMAGES.postgres, RESTIC_IMAGE, RCLONE_IMAGE });
                const dockerfile = fs.readFileSync(path.join(BACKUP_IMAGE_CONTEXT, "Dockerfile"), "utf8");
                assert.ok(dockerfile.includes(`ARG POSTGRES_IMAGE=${IMAGES.postgres}\n`), "Dockerfile default POSTGRES_IMAGE differs");
                assert.ok(dockerfile.includes(`ARG RESTIC_IMAGE=${RESTIC_IMAGE}\n`), "Dockerfile default RESTIC_IMAGE differs");
                assert.match(RESTIC_IMAGE, /^restic\/restic:\d+\.\d+\.\d+$/, "pinned to a release, never latest");
                assert.ok(dockerfile.includes(`ARG RCLONE_IMAGE=${RCLONE_IMAGE}\n`), "Dockerfile default RCLONE_IMAGE differs");
                // rclone's Dockerfile (rclone/rclone, Dockerfile): CGO_ENABLED=0 make, then
                // `COPY --from=builder .../rclone /usr/local/bin/`: a static binary at /usr/local/bin/rclone.
                assert.ok(dockerfile.includes("COPY --from=rclone /usr/local/bin/rclone /usr/local/bin/rclone\n"));
            });

            it("backs up into a repository volume on the host, the uploads bucket through S3 with the read-only key, keeping 30 days", () => {
                const r = new Resources(run.resources);
                const scheduler = r.one(CONTAINER, "backups-scheduler");
                const env = envMap(scheduler);
                assert.equal(env.RESTIC_REPOSITORY, BACKUP_PATHS.repository);
                assert.equal(env.RESTIC_PASSWORD, mockRandomPassword("backups-restic-password", 48));
                // The assets bucket, object by object through the S3 API, with the object store's backup identity
                // (Read + List on that bucket: components/docker/objectstore.ts s3Identities), as rclone reads it.
                assert.equal(env.UPLOADS_BUCKET, "alicerce-uploads");
                assert.equal(env.UPLOADS_STAGING, BACKUP_PATHS.uploads);
                assert.ok(BACKUP_PATHS.uploads.startsWith(`${BACKUP_PATHS.work}/`), "the bucket's copy is on the work volume");
                assert.equal(env.RCLONE_CONFIG_STORE_TYPE, "s3");
                assert.equal(env.RCLONE_CONFIG_STORE_ENDPOINT, "http://objectstore:8333");
                assert.equal(env.RCLONE_CONFIG_STORE_ACCESS_KEY_ID, "alicerce-backup");
                assert.equal(env.RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY, mockRandomPassword("objectstore-backup-secret", 40));
                const identities = JSON.parse(envMap(r.one(CONTAINER, "objectstore")).S3_IDENTITIES) as {
                    identities: { name: string; credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[];
                };
                const backupId = identities.identities.find((i) => i.credentials.some((c) => c.accessKey === env.RCLONE_CONFIG_STORE_ACCESS_KEY_ID))!;
                assert.equal(backupId.credentials[0].secretKey, env.RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY);
                assert.deepEqual(
                    backupId.actions,
                    ["Read:alicerce-uploads", "List:alicerce-uploads"],
                    "the backup job's key reads and lists the bucket, nothing more",
                );
                // No key in any process's arguments.
                assert.ok(!JSON.stringify(scheduler.inputs.command ?? []).includes(env.RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY));
                assert.equal(env.RETENTION_DAYS, "30");
                assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
                const limit = r.one(CONTAINER, "backups-scheduler").inputs.memory as number;
                assert.equal(env.GOMEMLIMIT, `${Math.floor(limit * 0.75)}MiB`, "restic's soft memory limit under the container's");
                assert.ok(scheduler.secretPaths.includes("envs"));

                const mounts = Object.fromEntries((scheduler.inputs.volumes as any[]).map((v) => [v.containerPath, v]));
                const repository = r.one(VOLUME, "backups-repository");
                assert.equal(mounts[BACKUP_PATHS.repository].volumeName, repository.inputs.name);
                assert.equal(mounts[BACKUP_PATHS.repository].readOnly, undefined);
                // Not the object store's raw volume: SeaweedFS writes it as root with umask 077 (the backup job,
                // uid 70, reads none of it), and a running server's LevelDB and volume files are no point-in-time copy.
                const storeVolume = r.ofType(VOLUME).find((v) => v.parent?.includes("ObjectStore"))!;
                assert.ok(storeVolume, "no object store volume");
                assert.ok(
                    !(scheduler.inputs.volumes as any[]).some((v) => v.volumeName === storeVolume.inputs.name),
                    "the object store's volume is mounted in the backup job",
                );
                assert.equal(mounts[BACKUP_PATHS.work].volumeName, r.one(VOLUME, "backups-work").inputs.name);
                assert.deepEqual(
                    r.ofType("docker:index/network:Network").filter((n) => n.name === "backups-egress"),
                    [],
                    "a way out with nothing to reach",
                );

                const protect = stack === "vps-example";
                assert.equal(repository.options.protect, protect, "the repository volume follows protectData");
                assert.equal(r.one("random:index/randomPassword:RandomPassword", "backups-restic-password").options.protect, protect);
                assert.ok(
                    run.logs.some((l) => l.message.includes("same host") && l.message.includes("alicerce:backupRepository")),
                    "no warning that backups stay on the host",
                );
            });

            it("gives the scheduler no object-store admin or app credentials, and the storage setup no database or repository secret", () => {
                const r = new Resources(run.resources);
                const scheduler = envMap(r.one(CONTAINER, "backups-scheduler"));
                const setup = r.one(CONTAINER, "storage-setup");
                const storeRoot = mockRandomPassword("objectstore-root-password", 40);
                assert.ok(!JSON.stringify(scheduler).includes(storeRoot));
                assert.ok(
                    !JSON.stringify(scheduler).includes(mockRandomPassword("objectstore-app-secret", 40)),
                    "the scheduler holds the app's key, which may write",
                );
                assert.ok(JSON.stringify(setup.inputs).includes(storeRoot), "the setup is what holds the store's admin key");
                for (const secret of [mockRandomPassword("backups-restic-password", 48), mockRandomPassword("postgres-password", 32)]) {
                    assert.ok(!JSON.stringify(setup.inputs).includes(secret), "the storage setup holds a database or repository secret");
                }
            });

            it("exports the repository, never its password (the key stays in state, encrypted)", () => {
                assert.equal(run.outputs.backupRepository, new Resources(run.resources).one(VOLUME, "backups-repository").inputs.name);
                assert.ok(!JSON.stringify(run.outputs).includes(mockRandomPassword("backups-restic-password", 48)));
                assert.ok(pulumi.Output.isInstance(raw.backupRepository));
            });
        });
    }

    it("alicerce:backupRepository: snapshots go to the S3 bucket with its keys, no repository volume; retention is configurable", async () => {
        const { run } = await runKeepingOutputs("vps-example", { ...OFF_HOST, "alicerce:backupRetentionDays": "90" });
        const r = new Resources(run.resources);
        const scheduler = r.one(CONTAINER, "backups-scheduler");
        const env = envMap(scheduler);
        assert.equal(env.RESTIC_REPOSITORY, OFF_HOST["alicerce:backupRepository"]);
        assert.equal(env.AWS_ACCESS_KEY_ID, OFF_HOST["alicerce:backupAccessKeyId"]);
        assert.equal(env.AWS_SECRET_ACCESS_KEY, OFF_HOST["alicerce:backupSecretAccessKey"]);
        assert.equal(env.RETENTION_DAYS, "90");
        assert.ok(scheduler.secretPaths.includes("envs"));
        assert.deepEqual(
            r.ofType(VOLUME).filter((v) => v.name === "backups-repository"),
            [],
        );
        assert.ok(!(scheduler.inputs.volumes as any[]).some((v) => v.containerPath === BACKUP_PATHS.repository));
        assert.equal(run.outputs.backupRepository, OFF_HOST["alicerce:backupRepository"]);
        // The data network is internal (Docker: "internal: restrict external access to the network",
        // https://docs.docker.com/reference/cli/docker/network/create/#internal): the bucket is
        // reached through a non-internal network of the backup job's own, shared with no other container.
        const egress = r.one("docker:index/network:Network", "backups-egress");
        assert.equal(egress.inputs.internal, false);
        assert.ok(
            scheduler.inputs.networksAdvanced.some((n: any) => n.name === egress.inputs.name),
            "the scheduler has no way out to the bucket",
        );
        for (const c of r.ofType(CONTAINER).filter((x) => x.name !== "backups-scheduler")) {
            assert.ok(!(c.inputs.networksAdvanced ?? []).some((n: any) => n.name === egress.inputs.name), `${c.name} joins the backup egress network`);
        }
        assert.ok(!run.logs.some((l) => l.message.includes("backups are kept") && l.message.includes("same host")), "warns although backups leave the host");
    });

    it("moving local from mvp to prod keeps the repository volume and its password (no new URN, same inputs)", async () => {
        const before = new Resources((await runStack("local")).resources);
        const after = new Resources((await runStack("local", { overrides: { "alicerce:tier": "prod", "alicerce:domain": "app.example.com" } })).resources);
        for (const [type, name] of [
            [VOLUME, "backups-repository"],
            ["random:index/randomPassword:RandomPassword", "backups-restic-password"],
        ]) {
            assert.equal(after.one(type, name).urn, before.one(type, name).urn);
            assert.deepEqual({ ...after.one(type, name).inputs, labels: undefined }, { ...before.one(type, name).inputs, labels: undefined });
        }
    });
});

describe("backupEnvironment", () => {
    const base = {
        postgres: { host: "postgres", port: 5432, database: "app", user: "app", password: "pw" },
        repository: { url: "/repository" },
        resticPassword: "rp",
        snapshotHost: "alicerce-local",
    };

    it("refuses an s3: repository without keys, keys without one, and bad retention, hour or check share", () => {
        assert.throws(() => backupEnvironment({ ...base, repository: { url: "s3:https://s3.example.com/b" } }), /needs an access key id and a secret key/);
        assert.throws(
            () => backupEnvironment({ ...base, repository: { url: "/repository", accessKeyId: "a", secretAccessKey: "b" } }),
            /only an s3: repository takes them/,
        );
        assert.throws(() => backupEnvironment({ ...base, retentionDays: 0 }), /retentionDays 0/);
        assert.throws(() => backupEnvironment({ ...base, hourUtc: 24 }), /hourUtc 24/);
        assert.throws(() => backupEnvironment({ ...base, checkSubset: "all" }), /checkSubset all/);
        assert.ok(backupEnvironment({ ...base, checkSubset: "1/30" }).includes("CHECK_SUBSET=1/30"));
    });
});

describe("backup config keys", () => {
    const DOCKER: Record<string, string> = {
        "alicerce:cloud": "docker",
        "alicerce:tier": "mvp",
        "alicerce:owner": "team-platform",
        "alicerce:costCenter": "cc-1001",
        "alicerce:budgetUsd": "0",
    };
    const problems = (config: Record<string, string>): string[] => {
        try {
            loadSettings(Object.fromEntries(Object.entries({ ...DOCKER, ...config }).filter(([, v]) => v !== "")), "alicerce", "local");
            return [];
        } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            return [...err.problems];
        }
    };

    it("defaults to 30 days on the host, and takes an off-host repository with its keys", () => {
        const s = loadSettings(DOCKER, "alicerce", "local");
        assert.ok(s.cloud === "docker");
        assert.deepEqual(s.backups, { retentionDays: 30, repository: undefined });
        const off = loadSettings({ ...DOCKER, ...OFF_HOST, "alicerce:backupRetentionDays": "45" }, "alicerce", "local");
        assert.ok(off.cloud === "docker");
        assert.deepEqual(off.backups, {
            retentionDays: 45,
            repository: { url: OFF_HOST["alicerce:backupRepository"], accessKeyId: OFF_HOST["alicerce:backupAccessKeyId"] },
        });
    });

    for (const [what, config, expected] of [
        [
            "a repository that is not an S3 URL",
            { ...OFF_HOST, "alicerce:backupRepository": "/mnt/backups" },
            [
                'alicerce:backupRepository: "/mnt/backups" is not an S3 restic repository; use s3:https://<endpoint>/<bucket>[/<path>], e.g. s3:https://nyc3.digitaloceanspaces.com/acme-backups/vps',
            ],
        ],
        [
            "a plain-HTTP repository",
            { ...OFF_HOST, "alicerce:backupRepository": "s3:http://10.0.0.5:9000/backups" },
            [
                'alicerce:backupRepository: "s3:http://10.0.0.5:9000/backups" is not an S3 restic repository; use s3:https://<endpoint>/<bucket>[/<path>], e.g. s3:https://nyc3.digitaloceanspaces.com/acme-backups/vps',
            ],
        ],
        [
            "a repository without its keys",
            { "alicerce:backupRepository": OFF_HOST["alicerce:backupRepository"] },
            [
                "alicerce:backupAccessKeyId: not set; it is required with alicerce:backupRepository: set the access key id of the bucket in alicerce:backupRepository",
                "alicerce:backupSecretAccessKey: not set; it is required with alicerce:backupRepository: set the bucket's secret key, with pulumi config set --secret alicerce:backupSecretAccessKey",
            ],
        ],
        [
            "keys without a repository",
            { "alicerce:backupAccessKeyId": OFF_HOST["alicerce:backupAccessKeyId"], "alicerce:backupSecretAccessKey": "do-not-print-me" },
            [
                `alicerce:backupAccessKeyId: "${OFF_HOST["alicerce:backupAccessKeyId"]}" is only used with alicerce:backupRepository (an off-host bucket); set the repository, or remove the key`,
                "alicerce:backupSecretAccessKey: (secret) is only used with alicerce:backupRepository (an off-host bucket); set the repository, or remove the key",
            ],
        ],
        [
            "a retention of 0 days",
            { "alicerce:backupRetentionDays": "0" },
            ['alicerce:backupRetentionDays: "0" is out of range; use a whole number from 1 to 3650'],
        ],
    ] as const) {
        it(`refuses ${what}, in the house format, all at once`, () => {
            assert.deepEqual(problems(config as Record<string, string>), expected);
        });
    }

    it("refuses the keys on a managed cloud without printing the secret", () => {
        const found = problems({ "alicerce:cloud": "aws", "alicerce:region": "us-east-1", ...OFF_HOST });
        assert.ok(found.includes("alicerce:backupSecretAccessKey: (secret) applies only when alicerce:cloud is docker; remove it"), found.join("\n"));
        assert.ok(found.some((p) => p.startsWith("alicerce:backupRepository:")));
        assert.ok(!found.join("\n").includes(OFF_HOST["alicerce:backupSecretAccessKey"]), "the secret key was printed");
    });
});
