/**
 * Pulumi's own config conventions. The program creates explicit providers,
 * and an explicit provider does not read its package's config namespace
 * (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration):
 * `aws:profile` and `digitalocean:token` set with `pulumi config set` reach
 * the providers, `aws:region` that disagrees with the stack's region is
 * refused in the house format. `pulumi config set tier prod` writes
 * `<project>:tier` (https://www.pulumi.com/docs/iac/concepts/config/#configuration-keys):
 * a renamed project reads its own namespace, and `alicerce:` keeps working.
 */
import { strict as assert } from "assert";
import { runStack } from "../offline";

describe("provider config and the project's namespace", function () {
    this.timeout(180_000);

    it("aws:profile reaches the explicit AWS provider", async () => {
        const run = await runStack("dev", { overrides: { "aws:profile": "team-a" } });
        const provider = run.resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "aws");
        assert.equal(provider?.inputs.profile, "team-a");
    });

    it("digitalocean:token reaches the explicit DigitalOcean provider, as a secret", async () => {
        const run = await runStack("do-dev", { overrides: { "digitalocean:token": "dop_v1_example" } });
        const provider = run.resources.find((r) => r.type === "pulumi:providers:digitalocean" && r.name === "digitalocean");
        assert.equal(provider?.inputs.token, "dop_v1_example");
        assert.ok(provider!.secretPaths.includes("token"), provider!.secretPaths.join(","));
    });

    it("aws:region that is not the stack's region is refused, naming both keys", async () => {
        await assert.rejects(
            runStack("dev", { overrides: { "aws:region": "eu-west-1" } }),
            /aws:region: "eu-west-1" is not the stack's region \(alicerce:region "us-east-1"\); use alicerce:region/,
        );
        await assert.rejects(
            runStack("do-dev", { overrides: { "aws:region": "eu-west-1" } }),
            /aws:region: "eu-west-1" is set but this stack creates nothing on AWS/,
        );
    });

    it("a renamed project reads its own namespace (acme-web:tier) and still reads alicerce: keys", async () => {
        const run = await runStack("dev", {
            project: "acme-web",
            overrides: { "acme-web:tier": "growth", "acme-web:domain": "app.example.com", "acme-web:alertEmail": "ops@example.com" },
        });
        assert.equal(run.outputs.tier, "growth");
        // The rest of the stack file is still `alicerce:` (cloud, region, owner...).
        assert.ok(run.resources.some((r) => r.type === "aws:rds/instance:Instance" && r.urn.startsWith("urn:pulumi:dev::acme-web::")));
    });
});
