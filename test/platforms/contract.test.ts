import { strict as assert } from "assert";
import { CLOUDS } from "../../stacks";
import { PLATFORM_RULES, PLATFORMS } from "../../platforms";
import { COMMON_OUTPUT_NAMES, RETIRED_OUTPUT_NAMES, SHARED_OUTPUT_NAMES } from "../../platforms/contract";
import { stackRun } from "../stacks/runs";

/** Every shipped stack file, by cloud. */
const SHIPPED: Record<string, string[]> = {
    aws: ["dev", "growth", "prod"],
    digitalocean: ["do-dev", "do-growth", "do-prod"],
    docker: ["local", "vps-example"],
};

describe("platforms: one contract", () => {
    it("has a platform for every cloud, each naming its cloud, with its own config rules and a deploy", () => {
        assert.deepEqual(Object.keys(PLATFORMS).sort(), [...CLOUDS].sort());
        for (const cloud of CLOUDS) {
            const platform = PLATFORMS[cloud];
            assert.equal(platform.cloud, cloud);
            assert.equal(typeof platform.validate, "function", `${cloud}: validate`);
            assert.equal(typeof platform.deploy, "function", `${cloud}: deploy`);
            assert.equal(PLATFORM_RULES[cloud], platform.validate, `${cloud}: loadSettings runs the platform's own rules`);
        }
    });

    for (const [cloud, stacks] of Object.entries(SHIPPED)) {
        for (const stack of stacks) {
            it(`${stack} (${cloud}): exports the common outputs under their shared names, and no retired name`, async () => {
                const run = await stackRun(stack);
                for (const name of COMMON_OUTPUT_NAMES) {
                    assert.ok(
                        typeof run.outputs[name] === "string" && run.outputs[name] !== "",
                        `${stack}: output ${name} is ${JSON.stringify(run.outputs[name])}`,
                    );
                }
                for (const name of RETIRED_OUTPUT_NAMES) assert.ok(!(name in run.outputs), `${stack}: exports the retired name ${name}`);
            });
        }
    }

    it("the same thing has the same name on every cloud that has it (url, buckets, VPC, database)", async () => {
        const outputs = await Promise.all(
            Object.values(SHIPPED)
                .flat()
                .map(async (stack) => ({ stack, outputs: (await stackRun(stack)).outputs })),
        );
        const dev = outputs.find((o) => o.stack === "dev")!.outputs;
        const doDev = outputs.find((o) => o.stack === "do-dev")!.outputs;
        // Both managed clouds have a VPC and a backups bucket: one name for each.
        for (const name of ["vpcId", "backupsBucket"] as const) {
            assert.ok(SHARED_OUTPUT_NAMES.includes(name));
            assert.ok(typeof dev[name] === "string" && typeof doDev[name] === "string", `${name} on aws and digitalocean`);
        }
        // AWS's database is read as database.writer and database.reader (the replica, or the writer without one).
        assert.deepEqual(Object.keys(dev.database).sort(), ["identifier", "name", "port", "reader", "writer"]);
        assert.equal(dev.database.reader, dev.database.writer, "dev has no replica: reads go to the writer");
        const prod = outputs.find((o) => o.stack === "prod")!.outputs;
        assert.notEqual(prod.database.reader, prod.database.writer, "prod reads from its replica");
    });
});
