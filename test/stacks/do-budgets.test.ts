import { strict as assert } from "assert";
import { assumptionsForTier, estimateCost, formatUsd } from "../../policies/lib/cost";
import { costTarget } from "../../offline/review";
import { Resources, StackRun } from "../../offline";
import { stackRun } from "./whole-stack.test";

/**
 * The DigitalOcean stacks within our users' budgets, at each tier's stated
 * traffic, without giving up what each tier promises. Prices: policies/lib/cost/prices/digitalocean.ts
 * (each cites DigitalOcean's pricing page). Provider rules relied on:
 * - a droplet autoscale pool steers on CPU alone when `target_memory_utilization` is unset
 *   (terraform-provider-digitalocean digitalocean/dropletautoscale/resource_droplet_autoscale.go: optional;
 *   vendor/github.com/digitalocean/godo/droplet_autoscale.go: `omitempty`);
 * - standby nodes need a 2 GB plan (https://docs.digitalocean.com/products/databases/postgresql/how-to/add-standby-nodes/).
 */
const T = {
    pool: "digitalocean:index/dropletAutoscale:DropletAutoscale",
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    replica: "digitalocean:index/databaseReplica:DatabaseReplica",
    cdn: "digitalocean:index/cdn:Cdn",
    lb: "digitalocean:index/loadBalancer:LoadBalancer",
};

/** Our users' own figures (issue: budgets unchanged in the stack files). */
const BUDGETS: Readonly<Record<string, number>> = { "do-dev": 50, "do-growth": 59, "do-prod": 270 };

function estimateOf(run: StackRun) {
    return estimateCost(run.resources, costTarget(run.config), assumptionsForTier(run.config["alicerce:tier"]));
}

describe("DigitalOcean stacks within their budgets (q-do)", () => {
    for (const [stack, budget] of Object.entries(BUDGETS)) {
        it(`${stack}: the estimate at its tier's traffic is within ${formatUsd(budget)}, the budget in its stack file`, async () => {
            const run = await stackRun(stack);
            assert.equal(Number(run.config["alicerce:budgetUsd"]), budget);
            const e = estimateOf(run);
            assert.deepEqual(e.unpriced, []);
            assert.ok(e.total <= budget, `${stack}: ${formatUsd(e.total)} is over ${formatUsd(budget)}`);
        });
    }

    it("do-growth keeps our users' platform: one 1 GB database node, a 1 GB Valkey, a load balancer, Spaces, 1-3 app droplets", async () => {
        const r = new Resources((await stackRun("do-growth")).resources);
        const pg = r.ofType(T.cluster).find((c) => c.inputs.engine === "pg")!;
        const valkey = r.ofType(T.cluster).find((c) => c.inputs.engine === "valkey")!;
        assert.deepEqual([pg.inputs.size, pg.inputs.nodeCount, valkey.inputs.size], ["db-s-1vcpu-1gb", 1, "db-s-1vcpu-1gb"]);
        assert.equal(r.ofType(T.lb).length, 1);
        const app = r.one(T.pool, "app-pool").inputs;
        assert.deepEqual([app.dropletTemplate.size, app.config.minInstances, app.config.maxInstances], ["s-1vcpu-1gb", 1, 3]);
    });

    it("do-growth's worker is a 512 MB droplet steering on CPU alone; the app pool still steers on memory too", async () => {
        const r = new Resources((await stackRun("do-growth")).resources);
        const w = r.one(T.pool, "workers-pool").inputs;
        assert.equal(w.dropletTemplate.size, "s-1vcpu-512mb-10gb");
        assert.deepEqual(w.config, { minInstances: 1, maxInstances: 2, targetCpuUtilization: 0.7, cooldownMinutes: 5 });
        assert.equal(r.one(T.pool, "app-pool").inputs.config.targetMemoryUtilization, 0.75);
    });

    it("do-prod keeps two app droplets, two workers, a standby node, a read-only node, a 2 GB Valkey and the CDN", async () => {
        const r = new Resources((await stackRun("do-prod")).resources);
        const app = r.one(T.pool, "app-pool").inputs;
        assert.deepEqual([app.dropletTemplate.size, app.config.minInstances, app.config.maxInstances], ["s-1vcpu-2gb", 2, 5]);
        const w = r.one(T.pool, "workers-pool").inputs;
        assert.deepEqual([w.dropletTemplate.size, w.config.minInstances], ["s-1vcpu-1gb", 2]);
        const pg = r.ofType(T.cluster).find((c) => c.inputs.engine === "pg")!;
        assert.deepEqual([pg.inputs.size, pg.inputs.nodeCount], ["db-s-2vcpu-4gb", 2]);
        assert.equal(r.one(T.replica).inputs.size, "db-s-2vcpu-4gb");
        assert.equal(r.ofType(T.cluster).find((c) => c.inputs.engine === "valkey")!.inputs.size, "db-s-1vcpu-2gb");
        assert.equal(r.ofType(T.cdn).length, 1);
    });

    it("each DigitalOcean line at the stated traffic: transfer within the droplets' allowance, Spaces within its subscription", async () => {
        const e = estimateOf(await stackRun("do-prod"));
        const transfer = e.lines.find((l) => /^data transfer out/.test(l.basis))!;
        // 1,000 requests a minute × 5 KB = 219 GB; two 2 GB app droplets and two 1 GB workers add 6,000 GB.
        assert.match(transfer.basis, /219 GB against the 6500 GB/);
        assert.equal(transfer.monthlyUsd, 0);
        const spaces = e.lines.find((l) => /^usage:/.test(l.basis))!;
        assert.match(spaces.basis, /50 GB out through the CDN/);
        assert.equal(spaces.monthlyUsd, 0);
    });
});
