/**
 * The single host's runbooks find the app replicas and the queue workers by
 * label, never by container name: pulumi-docker autonames a container without
 * an explicit `name` (`app-1-<random>`), so `--filter name=<prefix>-app-` and
 * `docker exec <project>-<stack>-app-1` find nothing. `docker ps` label filters
 * are ANDed (moby api/types/filters/parse.go `MatchKVList`: every label filter
 * must match; https://docs.docker.com/reference/cli/docker/container/ls/#label).
 * Each `--filter label=...` set the docs give is applied here to the recorded
 * containers, with those semantics.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Resources, runStack } from "../../offline";

const CONTAINER = "docker:index/container:Container";
const DOCS = ["migration.md", "single-host.md"].map((f) => path.join(__dirname, "..", "..", "docs", f));

/** Every run of `--filter label=...` flags in a command of the docs, as [key, value?][] sets. */
function labelFilterSets(text: string): [string, string | undefined][][] {
    const sets: [string, string | undefined][][] = [];
    for (const m of text.matchAll(/docker ps[^`\n)]*/g)) {
        const flags = [...m[0].matchAll(/--filter label=([^\s`)]+)/g)].map((f) => {
            const [k, v] = f[1].split("=");
            return [k, v] as [string, string | undefined];
        });
        // The runbooks' commands, written for any stack (other examples name one stack's objects).
        if (flags.some(([, v]) => v === "<stack>")) sets.push(flags);
    }
    return sets;
}

describe("single-host docs find the app and worker containers by label (review of issue 16, M7)", function () {
    this.timeout(300_000);

    it("no runbook filters or execs app containers by a name they do not have", () => {
        for (const doc of DOCS) {
            const text = fs.readFileSync(doc, "utf8");
            assert.doesNotMatch(text, /--filter name=[^\s`]*app/, doc);
            assert.doesNotMatch(text, /docker exec [^\s`]*-app-\d/, doc);
        }
    });

    it("every label filter in the runbooks selects exactly the app replicas or exactly the workers of the stack", async () => {
        const r = new Resources((await runStack("local", { overrides: { "alicerce:workersReplicas": "2", "alicerce:appReplicas": "2" } })).resources);
        const containers = r.ofType(CONTAINER);
        const labels = (c: (typeof containers)[number]) =>
            new Map<string, string>((c.inputs.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value]));
        const apps = containers
            .filter((c) => /^app-\d+$/.test(c.name))
            .map((c) => c.name)
            .sort();
        const workers = containers
            .filter((c) => /^app-worker-\d+$/.test(c.name))
            .map((c) => c.name)
            .sort();
        assert.equal(apps.length, 2);
        assert.equal(workers.length, 2);
        // The docs' placeholders, as the local stack resolves them.
        const fill = (v: string | undefined) => v?.replace("<project>", "alicerce").replace("<stack>", "local");
        let checked = 0;
        for (const doc of DOCS) {
            for (const set of labelFilterSets(fs.readFileSync(doc, "utf8"))) {
                const matched = containers
                    .filter((c) => set.every(([k, v]) => labels(c).has(k) && (v === undefined || labels(c).get(k) === fill(v))))
                    .map((c) => c.name)
                    .sort();
                const wanted = set.some(([k]) => k === "alicerce.worker")
                    ? workers
                    : set.some(([k, v]) => k === "alicerce.replica" && v !== undefined)
                      ? [fill(set.find(([k]) => k === "alicerce.replica")![1])]
                      : apps;
                assert.deepEqual(matched, wanted, `${path.basename(doc)}: ${set.map(([k, v]) => (v ? `${k}=${v}` : k)).join(" ")}`);
                checked++;
            }
        }
        assert.ok(checked >= 3, `only ${checked} label filters found in the docs`);
        // "the same with label=alicerce.worker": the workers carry it, with the stack's labels.
        for (const w of containers.filter((c) => workers.includes(c.name))) {
            assert.ok(labels(w).has("alicerce.worker"));
            assert.equal(labels(w).get("Project"), "alicerce");
            assert.equal(labels(w).get("Environment"), "local");
        }
    });
});
