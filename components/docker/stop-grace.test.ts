/**
 * Containers Pulumi replaces stop as gracefully as Docker would stop them:
 * the docker provider's delete stops a container with the grace period of
 * `destroy_grace_seconds` and force-removes it; the container's own
 * `stop_timeout` is not used there, so without a grace period the app gets
 * no time to drain and PostgreSQL no time to checkpoint.
 *
 * Source: kreuzwerker/terraform-provider-docker
 * `internal/provider/resource_docker_container_funcs.go`
 * (`resourceDockerContainerDelete`: `destroy_grace_seconds` -> ContainerStop
 * timeout, then ContainerRemove with Force) and the schema's description
 * ("If defined will attempt to stop the container before destroying");
 * not ForceNew, so setting it updates state in place.
 */
import { strict as assert } from "assert";
import { stackRun } from "../../test/stacks/runs";

for (const stack of ["local", "vps-example"]) {
    describe(`${stack}: containers get their stop timeout when Pulumi destroys them`, () => {
        it("every long-running container has destroyGraceSeconds >= its stopTimeout", async () => {
            const run = await stackRun(stack);
            const containers = run.resources.filter((r) => r.type === "docker:index/container:Container" && r.inputs.restart !== "no");
            assert.ok(containers.length >= 5, `${stack}: expected the app, proxy, database, cache and store, found ${containers.length}`);
            const short = containers
                .filter((c) => c.inputs.stopTimeout !== undefined && !(c.inputs.destroyGraceSeconds >= c.inputs.stopTimeout))
                .map((c) => `${c.name}: stopTimeout ${c.inputs.stopTimeout}, destroyGraceSeconds ${c.inputs.destroyGraceSeconds}`);
            assert.deepEqual(short, []);
        });
    });
}
