import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { runStack, stackFiles } from "../offline";
import { planOfRun, planText } from "../offline/plan";
import { ASSUMPTION_CLOUDS, assumptionCloud, costText, reviewMarkdown, stackMarkdown } from "../offline/review";
import { KNOWN_AFTER_UP, MockValues } from "../offline/unknowns";
import { assumptionsForTier, describeAssumptions, estimateCost } from "../policies/lib/cost";
import { stackRun } from "./stacks/runs";

/** Everything a person reads of one stack's plan: the console report and the Markdown comment. */
async function humanFacing(
    stack: string,
    overrides?: Record<string, string | undefined>,
): Promise<{ text: string; md: string; plan: Awaited<ReturnType<typeof planOfRun>> }> {
    const plan = await planOfRun(overrides ? await runStack(stack, { overrides }) : await stackRun(stack));
    return { text: planText(plan).join("\n"), md: reviewMarkdown([plan.review]), plan };
}

describe("plan report: values only a real up knows", function () {
    this.timeout(180_000);

    // `pulumi preview` shows a new resource's computed outputs (id, ARN, DNS name, address) as unknown
    // (https://www.pulumi.com/docs/iac/concepts/inputs-outputs/: "unknown during preview"); the offline plan
    // must not show the mocks' stand-ins in their place.
    it("growth without a Cloudflare zone: the ACM validation record and the load balancer's DNS name read (known after up), in the console and the Markdown", async () => {
        // The records to create by hand are printed only where no zone is managed (the shipped growth stack has Cloudflare).
        const { text, md } = await humanFacing("growth", { "alicerce:cloudflareZoneId": undefined });
        for (const report of [text, md]) {
            for (const standIn of ["_x1.", "acm-validations", "elb.amazonaws.com", "123456789012", "c0ffee", "a1b2c3d"]) {
                assert.ok(!report.includes(standIn), `the report shows the mock value ${standIn}`);
            }
            assert.match(report, /create these DNS records at your DNS host[^\n]*\(known after up\) CNAME \(known after up\)/);
            assert.match(report, /growth\.example\.com CNAME \(known after up\)/);
        }
    });

    it("no stand-in the mocks made up appears anywhere a person reads, on any shipped stack", async () => {
        for (const stack of stackFiles()) {
            const { text, md, plan } = await humanFacing(stack);
            const standIns = (plan.run.mockValues ?? []).filter((v) => v.length >= 8);
            assert.ok(standIns.length > 0, `${stack}: the mocks made up ids at least`);
            for (const v of standIns) {
                assert.ok(!text.includes(v), `${stack}: the console shows the mock value ${v}`);
                assert.ok(!md.includes(v), `${stack}: the Markdown shows the mock value ${v}`);
            }
            for (const ip of ["203.0.113.10", "198.51.100.20"]) assert.ok(!md.includes(ip) && !text.includes(ip), `${stack}: shows the mock address ${ip}`);
        }
    });

    it("plan.json keeps the outputs and flags the ones only up knows", async () => {
        const { plan } = await humanFacing("prod");
        const flagged = (plan.json.knownAfterUp as { outputs: string[] }).outputs;
        for (const p of ["loadBalancerDnsName", "database.writer", "database.reader", "vpcId", "subnetIds.public.0", "assetsBucket", "cdnUrl"]) {
            assert.ok(flagged.includes(p), `${p} is not flagged`);
        }
        for (const p of ["url", "tier", "vpcCidr", "kmsAlias", "database.port", "database.identifier"]) assert.ok(!flagged.includes(p), `${p} is flagged`);
        assert.match(String((plan.json.outputs as { loadBalancerDnsName: string }).loadBalancerDnsName), /elb\.amazonaws\.com$/);
    });

    it("a stand-in counts as a whole token, with or without a DNS name's root dot", () => {
        const mock = new MockValues(["app-id", "_x1.example.com."]);
        assert.equal(mock.text("myapp-identity app-id"), `myapp-identity ${KNOWN_AFTER_UP}`);
        assert.equal(mock.text("_x1.example.com CNAME x"), `${KNOWN_AFTER_UP} CNAME x`);
        assert.equal(mock.value("arn:aws:iam::123456789012:role/x"), KNOWN_AFTER_UP, "the mocks' account id is always a stand-in");
        assert.deepEqual(mock.paths({ a: { b: ["x", "app-id"] }, c: "y" }), ["a.b.1"]);
    });
});

describe("plan report: the stack outputs", function () {
    this.timeout(180_000);

    it("are shown by name and value, secrets as [secret], what only up knows as (known after up)", async () => {
        const run = await runStack("dev", {
            program: async () => {
                const suffix = new random.RandomId("suffix", { byteLength: 4 });
                return {
                    url: "https://app.example.com",
                    db: { user: "app", password: pulumi.secret("s3cr3t-value"), port: 5432 },
                    suffix: suffix.hex,
                    ids: [suffix.id, suffix.id],
                };
            },
        });
        const plan = await planOfRun(run);
        const md = stackMarkdown(plan.review);
        const text = planText(plan).join("\n");
        assert.match(md, /\| `url` \| `https:\/\/app\.example\.com` \|/);
        assert.match(md, /\| `db\.user` \| `app` \|/);
        assert.match(md, /\| `db\.password` \| `\[secret\]` \|/);
        assert.match(md, /\| `db\.port` \| `5432` \|/);
        assert.match(md, /\| `suffix` \| _\(known after up\)_ \|/);
        assert.match(md, /\| `ids` \| _\(known after up\) × 2_ \|/);
        assert.match(text, /^ {2}db\.password +\[secret\]$/m);
        assert.match(text, /^ {2}suffix +\(known after up\)$/m);
        for (const report of [md, text]) assert.ok(!report.includes("s3cr3t-value"));
    });

    it("a shipped stack's report lists its outputs", async () => {
        const { md, text } = await humanFacing("prod");
        assert.match(md, /<summary>Stack outputs \(\d+; \d+ known after up\)<\/summary>/);
        assert.match(md, /\| `url` \| `https:\/\/app\.example\.com` \|/);
        assert.match(md, /\| `database\.writer` \| _\(known after up\)_ \|/);
        assert.match(text, /^ {2}loadBalancerDnsName +\(known after up\)$/m);
    });
});

describe("plan report: each stack's own cloud", function () {
    this.timeout(180_000);

    const AWS_LINES =
        /load balancer capacity unit|S3 object|per S3 bucket|NAT gateway|WAF|KMS requests|Enhanced Monitoring|Auto Scaling group|VPC interface endpoint|aws us-east-1/;

    it("every assumption line the cost model writes is assigned a cloud", () => {
        const lines = [
            ...estimateCost([], { cloud: "aws", region: "eu-north-1" }, assumptionsForTier("prod")).assumptions,
            ...estimateCost([], { cloud: "digitalocean", region: "nyc3" }, assumptionsForTier("prod")).assumptions,
        ];
        assert.ok(lines.length >= describeAssumptions(assumptionsForTier("prod")).length);
        for (const l of lines) assert.ok(assumptionCloud(l) !== undefined, `no cloud for the assumption "${l}": add it to ASSUMPTION_CLOUDS`);
        assert.ok(ASSUMPTION_CLOUDS.length > 0);
    });

    it("a Docker host you bring: no AWS or DigitalOcean assumptions, no price table of a cloud, no 'undefined'", async () => {
        const { text, md } = await humanFacing("local");
        for (const report of [text, md]) {
            assert.doesNotMatch(report, AWS_LINES);
            assert.doesNotMatch(report, /DigitalOcean/);
            assert.doesNotMatch(report, /undefined|in no region/);
            assert.match(report, /a Docker host you bring/);
        }
    });

    it("a Docker host on a droplet: DigitalOcean's lines only", async () => {
        const { plan, md } = await humanFacing("vps-example");
        const cost = costText(plan.review).join("\n");
        for (const report of [cost, md]) {
            assert.doesNotMatch(report, AWS_LINES);
            assert.match(report, /droplet transfer: /);
        }
        assert.match(planText(plan)[0], /docker \/ growth on a DigitalOcean droplet in nyc3/);
    });

    it("AWS stacks show no DigitalOcean line; DigitalOcean stacks no AWS line", async () => {
        for (const stack of ["dev", "prod", "do-dev", "do-prod"]) {
            const { plan } = await humanFacing(stack);
            const cost = costText(plan.review).join("\n");
            if (stack.startsWith("do-")) assert.doesNotMatch(cost, AWS_LINES, stack);
            else {
                assert.doesNotMatch(cost, /DigitalOcean/, stack);
                assert.match(cost, /load balancer capacity unit/, stack);
            }
        }
    });
});

/** The diagram's nodes (id -> label) and edges (from, label, to). */
function parseDiagram(diagram: string): { nodes: Map<string, string>; edges: { from: string; text: string; to: string }[] } {
    const nodes = new Map<string, string>();
    const edges: { from: string; text: string; to: string }[] = [];
    for (const line of diagram.split("\n").map((l) => l.trim())) {
        const edge = /^(\w+) (?:-->|-\.->)(?:\|([^|]*)\|)? (\w+)$/.exec(line);
        if (edge) edges.push({ from: edge[1], text: edge[2] ?? "", to: edge[3] });
        const node = /^(\w+)[[({]+"([^"]*)"/.exec(line);
        if (node && !line.startsWith("subgraph")) nodes.set(node[1], node[2]);
    }
    return { nodes, edges };
}

describe("plan report: the architecture diagram", function () {
    this.timeout(180_000);

    it("a Docker stack draws its proxy, app replicas, PostgreSQL, Redis, object store and backup job, with what each speaks", async () => {
        const { plan } = await humanFacing("local");
        const { nodes, edges } = parseDiagram(plan.review.diagram);
        assert.match(nodes.get("proxy") ?? "", /nginx/);
        assert.match(nodes.get("app") ?? "", /2 replicas/);
        assert.match(nodes.get("postgres") ?? "", /PostgreSQL/);
        assert.match(nodes.get("redis") ?? "", /Redis/);
        assert.match(nodes.get("objectstore") ?? "", /object store/);
        assert.match(nodes.get("backups") ?? "", /pg_dump/);
        const has = (from: string, text: string, to: string) =>
            assert.ok(
                edges.some((e) => e.from === from && e.text === text && e.to === to),
                `no ${from} -${text}-> ${to} in\n${plan.review.diagram}`,
            );
        has("users", "HTTP", "proxy");
        has("proxy", "HTTP", "app");
        has("app", "SQL", "postgres");
        has("app", "cache / queue", "redis");
        has("app", "S3 API", "objectstore");
        has("backups", "pg_dump", "postgres");
        has("backups", "restic", "restic_repo");
    });

    it("a Docker host on a droplet draws the droplet around its containers, the TLS edge and the workers", async () => {
        const { plan } = await humanFacing("vps-example");
        const diagram = plan.review.diagram;
        assert.match(diagram, /subgraph host\["host, droplet s-\d+vcpu-\d+gb"\]/);
        const { nodes, edges } = parseDiagram(diagram);
        assert.match(nodes.get("tls") ?? "", /Caddy/);
        assert.match(nodes.get("workers") ?? "", /1 replica/);
        assert.ok(edges.some((e) => e.from === "users" && e.text === "HTTPS" && e.to === "tls"));
        assert.ok(edges.some((e) => e.from === "workers" && e.text === "queue" && e.to === "redis"));
    });

    // What each edge says must fit what it points at: SQL only to PostgreSQL, RESP (cache / queue) only to
    // Redis/Valkey, and the load balancer sends requests to the app, never to the queue workers.
    it("every edge label on every shipped stack (AWS, DigitalOcean, Docker) fits the box it points at", async () => {
        for (const stack of stackFiles()) {
            const { plan } = await humanFacing(stack);
            const { nodes, edges } = parseDiagram(plan.review.diagram);
            assert.ok(edges.length > 2, `${stack}: ${plan.review.diagram}`);
            for (const e of edges) {
                const target = nodes.get(e.to) ?? "";
                const source = nodes.get(e.from) ?? "";
                const where = `${stack}: ${e.from} -${e.text}-> ${e.to} (${target})`;
                if (/^(SQL|reads|replication|pg_dump)$/.test(e.text)) assert.match(target, /PostgreSQL|read-only node|read replica/, where);
                if (/^(cache \/ queue|queue)$/.test(e.text)) assert.match(target, /Redis|Valkey/, where);
                if (/Redis|Valkey/.test(target)) assert.match(e.text, /^(cache \/ queue|queue)$/, where);
                if (/PostgreSQL/.test(target) && !/replica|read-only/.test(target)) assert.match(e.text, /^(SQL|pg_dump)$/, where);
                if (/load balancer/.test(source)) assert.doesNotMatch(target, /worker/, where);
                if (e.text === "queue") assert.match(source, /worker/, where);
            }
        }
    });
});
