import { strict as assert } from "assert";
import { RecordedResource } from "../../offline";
import { resourcesOf, stackRun } from "./runs";

/**
 * A DigitalOcean cloud firewall applies to every droplet listed in
 * `dropletIds` and to every droplet carrying one of its `tags`, and the rules
 * of all firewalls that apply to a droplet add up
 * (terraform-provider-digitalocean docs/resources/firewall.md: `droplet_ids`,
 * `tags`; https://docs.digitalocean.com/products/networking/firewalls/how-to/configure-rules/).
 * A firewall that selects by a tag droplets of several stacks share (the
 * standard labels `project:`, `owner:`, `managedby:`...) opens its ports on
 * all of them: the VPS's 80/443 on app droplets meant to admit only their
 * load balancer.
 */
const DO_STACKS = ["vps-example", "do-dev", "do-growth", "do-prod"];
const FIREWALL = "digitalocean:index/firewall:Firewall";

function dropletTags(r: RecordedResource): string[] {
    if (r.type === "digitalocean:index/droplet:Droplet") return r.inputs.tags ?? [];
    if (r.type === "digitalocean:index/dropletAutoscale:DropletAutoscale") return r.inputs.dropletTemplate?.tags ?? [];
    return [];
}

describe("DigitalOcean firewalls select only their own stack's droplets", function () {
    this.timeout(240_000);

    it("no firewall in any stack selects droplets by a tag another stack's droplets carry", async () => {
        const byStack = new Map<string, { firewalls: RecordedResource[]; tags: Set<string> }>();
        for (const stack of DO_STACKS) {
            const r = await resourcesOf(stackRun(stack));
            const tags = new Set<string>();
            for (const res of r.ofType("digitalocean:index/droplet:Droplet").concat(r.ofType("digitalocean:index/dropletAutoscale:DropletAutoscale"))) {
                for (const t of dropletTags(res)) tags.add(t);
            }
            byStack.set(stack, { firewalls: r.ofType(FIREWALL), tags });
        }
        let firewalls = 0;
        for (const [stack, { firewalls: fws }] of byStack) {
            for (const fw of fws) {
                firewalls++;
                for (const tag of fw.inputs.tags ?? []) {
                    for (const [other, { tags }] of byStack) {
                        if (other === stack) continue;
                        assert.ok(!tags.has(tag), `${stack}: firewall ${fw.name} selects droplets by tag "${tag}", which ${other}'s droplets carry too`);
                    }
                }
            }
        }
        assert.ok(firewalls >= DO_STACKS.length, "every stack has a firewall");
    });

    it("the VPS firewall is attached by droplet id only", async () => {
        const r = await resourcesOf(stackRun("vps-example"));
        const fw = r.one(FIREWALL);
        assert.deepEqual(fw.inputs.tags ?? [], [], "a VPS firewall selecting by tag also opens 80/443 on every droplet with that tag");
        assert.equal(fw.inputs.dropletIds.length, 1);
        const droplet = r.one("digitalocean:index/droplet:Droplet");
        assert.ok(droplet.inputs.tags.length > 0, "the droplet keeps its labels (for billing and search)");
    });
});
