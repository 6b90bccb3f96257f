import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RecordedResource, Resources, runStack, StackRun } from "../../offline";
import { IMAGES } from "./images";
import { OBJECT_STORE_DATA_DIR, OBJECT_STORE_MOUNT, objectStoreCommand } from "./objectstore";

// Docker copies the contents, owner and mode of a directory the image has into
// an empty named volume mounted over it ("Populate a volume using a
// container", https://docs.docker.com/engine/storage/volumes/); a mount point
// the image lacks gets a fresh root-owned 0755 directory.
// terraform-provider-docker mounts `volumes` as binds without `nocopy`
// (internal/provider/resource_docker_container_funcs.go), so the copy happens.
// A process that runs as root with every capability dropped has no
// CAP_DAC_OVERRIDE (capabilities(7)) and cannot write a directory another
// user owns with mode 0755.

const CONTAINER = "docker:index/container:Container";
const STACKS = ["local", "vps-example"];

/** A directory an image creates, owned by a user other than root. */
interface ImageDirectory {
    readonly path: string;
    readonly uid: number;
    readonly mode: number;
}

/** What an image is, as far as volume ownership goes: its default user and its non-root directories. */
interface ImageFacts {
    /** The user the image runs as without `user:` (`USER` in its Dockerfile; root when it has none). */
    readonly defaultUid: number;
    readonly directories: readonly ImageDirectory[];
}

/**
 * From the images' Dockerfiles. `backup` is the image built from
 * components/docker/backup/Dockerfile.
 */
const IMAGE_FACTS: Record<string, ImageFacts> = {
    // seaweedfs/seaweedfs docker/Dockerfile.go_build: adduser seaweed (uid 1000), `mkdir -p /data/filerldb2 &&
    // chown -R seaweed:seaweed /data`, VOLUME /data; no USER (entrypoint.sh drops to seaweed with su-exec).
    [IMAGES.objectStore]: {
        defaultUid: 0,
        directories: [
            { path: "/data", uid: 1000, mode: 0o755 },
            { path: "/data/filerldb2", uid: 1000, mode: 0o755 },
        ],
    },
    // docker-library/postgres 17/alpine*/Dockerfile: `mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA"
    // && chmod 1777 "$PGDATA"` (uid 70), /var/run/postgresql 3777; no USER (docker-entrypoint.sh drops with su-exec).
    [IMAGES.postgres]: {
        defaultUid: 0,
        directories: [
            { path: "/var/lib/postgresql/data", uid: 70, mode: 0o1777 },
            { path: "/var/run/postgresql", uid: 70, mode: 0o3777 },
        ],
    },
    // docker-library/redis 7.4/alpine/Dockerfile: `mkdir /data && chown redis:redis /data` (uid 999), VOLUME /data.
    [IMAGES.redis]: { defaultUid: 0, directories: [{ path: "/data", uid: 999, mode: 0o755 }] },
    // nginxinc/docker-nginx: /var/cache/nginx is created by the package, owned by nginx (uid 101).
    [IMAGES.nginx]: { defaultUid: 0, directories: [{ path: "/var/cache/nginx", uid: 101, mode: 0o755 }] },
    // caddyserver/caddy-docker: /config/caddy and /data/caddy are root-owned, mode 1777 (writable by anyone).
    [IMAGES.caddy]: { defaultUid: 0, directories: [] },
    // rclone/rclone Dockerfile: WORKDIR /data (root), no USER.
    [IMAGES.rclone]: { defaultUid: 0, directories: [] },
    // components/docker/backup/Dockerfile: /work and /repository owned by postgres (uid 70); USER postgres.
    backup: {
        defaultUid: 70,
        directories: [
            { path: "/work", uid: 70, mode: 0o755 },
            { path: "/repository", uid: 70, mode: 0o755 },
        ],
    },
};

const runs = new Map<string, Promise<StackRun>>();
const run = (stack: string) => {
    if (!runs.has(stack)) runs.set(stack, runStack(stack));
    return runs.get(stack)!;
};

/** The image a container runs: the RemoteImage or the locally built Image it depends on. */
function imageOf(r: Resources, c: RecordedResource): string {
    for (const urn of c.dependencies) {
        const dep = r.all.find((x) => x.urn === urn);
        if (dep?.type === "docker:index/remoteImage:RemoteImage") return dep.inputs.name;
        if (dep?.type === "docker:index/image:Image" && /-backup:local$/.test(dep.inputs.imageName)) return "backup";
    }
    // The app's image is the user's own (settings.image): it is not one of the images checked here.
    return "";
}

/** The uid a container's process starts as. */
function uidOf(c: RecordedResource, facts: ImageFacts): number {
    const user = c.inputs.user as string | undefined;
    if (user === undefined || user === "") return facts.defaultUid;
    const name = user.split(":")[0];
    return name === "root" ? 0 : Number(name);
}

/** Named volumes a root process without CAP_DAC_OVERRIDE could not write, because the image's directory (another owner's) is copied into them. */
function unwritableVolumes(r: Resources): string[] {
    const problems: string[] = [];
    for (const c of r.ofType(CONTAINER)) {
        const image = imageOf(r, c);
        if (image === "") continue;
        const facts = IMAGE_FACTS[image];
        assert.ok(facts, `${c.name}: image ${image} has no entry in IMAGE_FACTS (add its Dockerfile's USER and directories)`);
        const caps = c.inputs.capabilities ?? {};
        const dropsAll = (caps.drops ?? []).includes("ALL");
        const canOverride = (caps.adds ?? []).some((a: string) => /^(CAP_)?(DAC_OVERRIDE|FOWNER)$/.test(a));
        if (uidOf(c, facts) !== 0 || !dropsAll || canOverride) continue;
        for (const v of (c.inputs.volumes ?? []) as { volumeName?: string; containerPath: string; readOnly?: boolean }[]) {
            if (!v.volumeName || v.readOnly) continue;
            const dir = facts.directories.find((d) => d.path === v.containerPath);
            if (dir && dir.uid !== 0 && (dir.mode & 0o002) === 0) {
                problems.push(
                    `${c.name}: volume ${v.volumeName} at ${v.containerPath} takes ${image}'s owner uid ${dir.uid} (mode ${dir.mode.toString(8)}); root without CAP_DAC_OVERRIDE cannot write it`,
                );
            }
        }
    }
    return problems;
}

describe("single host: named volumes are writable by the container that uses them", () => {
    for (const stack of STACKS) {
        it(`${stack}: no root container without capabilities mounts a volume over a directory its image gives another user`, async () => {
            const r = new Resources((await run(stack)).resources);
            assert.ok(r.ofType(CONTAINER).length >= 5);
            assert.deepEqual(unwritableVolumes(r), []);
            // The object store is the one such container: it runs as root, all capabilities dropped.
            const store = r.one(CONTAINER, "objectstore");
            assert.equal(store.inputs.user, undefined);
            assert.deepEqual(store.inputs.capabilities.drops, ["ALL"]);
        });
    }

    it("the check finds the volume over the SeaweedFS image's /data", async () => {
        const r = new Resources((await run("local")).resources);
        const store = r.one(CONTAINER, "objectstore");
        const moved = { ...store, inputs: { ...store.inputs, volumes: [{ volumeName: "acme-minio", containerPath: "/data" }] } };
        const problems = unwritableVolumes(new Resources(r.all.map((x) => (x === store ? moved : x))));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /acme-minio at \/data takes chrislusf\/seaweedfs.* uid 1000/);
    });

    // The object store's own start command, run for real as root with every capability dropped
    // (setpriv(1): --inh-caps=-all --bounding-set=-all clears the bounding, inheritable and, on
    // exec, the effective and permitted sets of a root process without file capabilities)
    // on a directory owned as Docker would own the volume's root.
    describe("the object store's start command, as root without capabilities (setpriv)", () => {
        const startUntilWeed = (volumeRoot: string, tmp: string): ReturnType<typeof spawnSync> => {
            // Everything up to `exec weed`, with the container's paths moved into the test's directories.
            const cmd = objectStoreCommand()[0]
                .replace(/exec weed .*$/, "true")
                .split("/tmp/")
                .join(`${tmp}/`)
                .split(OBJECT_STORE_MOUNT)
                .join(volumeRoot);
            return spawnSync("setpriv", ["--inh-caps=-all", "--bounding-set=-all", "--", "sh", "-c", cmd], {
                env: { PATH: process.env.PATH, S3_IDENTITIES: "{}" },
                encoding: "utf8",
                timeout: 10_000,
            });
        };
        const volumeAs = (uid: number, mode: number) => {
            const base = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-volume-"));
            fs.chmodSync(base, 0o755);
            const root = path.join(base, "volume");
            const tmp = path.join(base, "tmp");
            fs.mkdirSync(root);
            fs.mkdirSync(tmp);
            fs.chownSync(root, uid, uid);
            fs.chmodSync(root, mode);
            return { base, root, tmp };
        };

        before(() => {
            assert.equal(process.getuid?.(), 0, "this test runs as root (as the container does); run the suite as root");
        });

        it("the store's mount point is a path the image does not have: the volume is root's and the command creates its directories", () => {
            const image = IMAGE_FACTS[IMAGES.objectStore];
            assert.ok(!image.directories.some((d) => d.path === OBJECT_STORE_MOUNT || OBJECT_STORE_MOUNT.startsWith(`${d.path}/`)), OBJECT_STORE_MOUNT);
            // A fresh volume over a path the image lacks: root-owned, 0755.
            const v = volumeAs(0, 0o755);
            try {
                const r = startUntilWeed(v.root, v.tmp);
                assert.equal(r.status, 0, String(r.stderr));
                const dataDir = path.join(v.root, path.relative(OBJECT_STORE_MOUNT, OBJECT_STORE_DATA_DIR));
                assert.ok(fs.statSync(dataDir).isDirectory());
                assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700, "umask 077: SeaweedFS's files are root's alone");
            } finally {
                fs.rmSync(v.base, { recursive: true, force: true });
            }
        });

        it("the same command fails on a volume that took the image's /data (uid 1000, 0755): what mounting at /data did", () => {
            const dir = IMAGE_FACTS[IMAGES.objectStore].directories.find((d) => d.path === "/data")!;
            const v = volumeAs(dir.uid, dir.mode);
            try {
                const r = startUntilWeed(v.root, v.tmp);
                assert.notEqual(r.status, 0);
                assert.match(String(r.stderr), /Permission denied/);
            } finally {
                fs.rmSync(v.base, { recursive: true, force: true });
            }
        });
    });
});
