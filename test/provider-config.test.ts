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
import { ConfigError, loadSettings } from "../stacks";

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

    // The provider's `token` input wins over DIGITALOCEAN_TOKEN, which is only its default
    // (terraform-provider-digitalocean digitalocean/provider.go: `token` DefaultFunc MultiEnvDefaultFunc DIGITALOCEAN_TOKEN, DIGITALOCEAN_ACCESS_TOKEN):
    // a token in the stack file overrides CI's read-only preview token, and the plan says so.
    it("digitalocean:token set in a stack is warned about (it overrides CI's read-only DIGITALOCEAN_TOKEN); unset, no warning", async () => {
        const set = await runStack("do-dev", { overrides: { "digitalocean:token": "dop_v1_example" } });
        const warned = (run: typeof set) => run.logs.filter((l) => l.severity === "warning" && l.message.includes("digitalocean:token is set"));
        assert.equal(warned(set).length, 1);
        assert.match(warned(set)[0].message, /overrides DIGITALOCEAN_TOKEN/);
        assert.ok(!warned(set)[0].message.includes("dop_v1_example"));
        assert.equal(warned(await runStack("do-dev")).length, 0);
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

    // An explicit provider reads none of its package's config namespace
    // (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration); the keys are
    // those of pulumi-aws and pulumi-digitalocean's provider config (https://www.pulumi.com/registry/packages/aws/installation-configuration/,
    // https://www.pulumi.com/registry/packages/digitalocean/installation-configuration/). Each one the program does
    // not pass through is refused, all at once, never showing its value.
    it("provider keys the program does not pass through are refused, all at once, without their values", async () => {
        const overrides = {
            "aws:accessKey": "AKIAEXAMPLEVALUE1",
            "aws:secretKey": "secret-value-2",
            "aws:token": "session-value-3",
            "aws:assumeRoles": JSON.stringify([{ roleArn: "arn:aws:iam::123456789012:role/x" }]),
            "aws:allowedAccountIds": JSON.stringify(["123456789012"]),
            "aws:sharedCredentialsFiles": JSON.stringify(["/tmp/creds"]),
            "digitalocean:spacesAccessId": "spaces-id-value-4",
            "digitalocean:spacesSecretKey": "spaces-secret-value-5",
            "digitalocean:apiEndpoint": "https://api.example.com",
            "cloudflare:apiKey": "cf-key-value-6",
        };
        const err = await runStack("dev", { overrides }).then(
            () => assert.fail("the stack loaded"),
            (e: Error) => e,
        );
        for (const [key, value] of Object.entries(overrides)) {
            assert.match(err.message, new RegExp(`${key}: is set, but the program's explicit [a-z]+ provider does not read it .*; (use|check) `), key);
            assert.ok(!err.message.includes(value), `${key}'s value is shown`);
        }
        assert.match(err.message, /aws:accessKey: is set, .*; use the AWS_ACCESS_KEY_ID environment variable/);
        assert.match(err.message, /digitalocean:spacesSecretKey: is set, .*; use the SPACES_SECRET_ACCESS_KEY environment variable/);
        // What is passed through is not refused.
        await runStack("dev", { overrides: { "aws:profile": "team-a", "aws:region": "us-east-1" } });
    });

    // After a rename the Pulumi CLI reads Pulumi.yaml's declared keys (cloud, tier, owner, costCenter, budgetUsd: no
    // defaults) from the project's namespace only, and refuses the stack before the program runs
    // (pulumi/pulumi sdk/go/common/workspace/project.go ValidateStackConfigAndApplyProjectConfig; messages as in
    // project_test.go: "Stack 'dev' is missing configuration values 'another' and 'values'").
    it("a renamed project whose stack files still say alicerce: is refused as the CLI refuses it, naming the keys and the sed that renames them", async () => {
        await assert.rejects(
            runStack("dev", { project: "acme-web" }),
            (err: Error) =>
                err.message.startsWith("Stack 'dev' is missing configuration values 'budgetUsd', 'cloud', 'costCenter', 'owner' and 'tier'") &&
                err.message.includes("alicerce:cloud") &&
                err.message.includes("sed -i 's/^  alicerce:/  acme-web:/' Pulumi.*.yaml"),
        );
        // One key renamed by hand: only the others are missing.
        await assert.rejects(
            runStack("dev", { project: "acme-web", overrides: { "acme-web:tier": "growth" } }),
            /missing configuration values 'budgetUsd', 'cloud', 'costCenter' and 'owner'/,
        );
        // Under the shipped project name nothing is missing.
        await runStack("dev");
    });

    it("a renamed project reads its own namespace (acme-web:tier) once its stack file is renamed, and still reads optional alicerce: keys", async () => {
        const run = await runStack("dev", {
            project: "acme-web",
            overrides: {
                // What `sed -i 's/^  alicerce:/  acme-web:/'` does to the required keys; region, amiName stay alicerce:.
                ...Object.fromEntries(["cloud", "tier", "owner", "costCenter", "budgetUsd"].map((k) => [`alicerce:${k}`, undefined])),
                "acme-web:cloud": "aws",
                "acme-web:owner": "team-platform",
                "acme-web:costCenter": "cc-1001",
                "acme-web:budgetUsd": "200",
                "acme-web:tier": "growth",
                "acme-web:domain": "app.example.com",
                "acme-web:alertEmail": "ops@example.com",
            },
        });
        assert.equal(run.outputs.tier, "growth");
        // The rest of the stack file is still `alicerce:` (region, amiName...).
        assert.ok(run.resources.some((r) => r.type === "aws:rds/instance:Instance" && r.urn.startsWith("urn:pulumi:dev::acme-web::")));
    });

    it("problems name each key in the namespace the user wrote it in (acme-web:tier), a key not set in the project's", () => {
        const config = {
            "acme-web:cloud": "aws",
            "acme-web:tier": "prd",
            "acme-web:owner": "team-platform",
            "acme-web:costCenter": "cc-1001",
            "acme-web:budgetUsd": "lots",
            "alicerce:maxInstances": "50",
            "acme-web:colour": "blue",
        };
        let problems: readonly string[] = [];
        try {
            loadSettings(config, "acme-web", "dev");
        } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            problems = err.problems;
        }
        const of = (key: string) => problems.find((p) => p.includes(`:${key}: `)) ?? "";
        assert.match(of("tier"), /^acme-web:tier: "prd" is not a tier/);
        assert.match(of("budgetUsd"), /^acme-web:budgetUsd: "lots" is not a number/);
        assert.match(of("maxInstances"), /^alicerce:maxInstances: "50" is out of range/);
        assert.match(of("region"), /^acme-web:region: not set; it is required/);
        assert.match(of("colour"), /^acme-web:colour: "blue" is not a known key/);
    });
});
