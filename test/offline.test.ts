import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig, runStack } from "../offline";
import { redactSecrets } from "../offline/secrets";

describe("offline engine: runStack", () => {
    it("reads a stack file as the CLI hands it over: strings, JSON for others, stand-ins for secure values", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-harness-"));
        try {
            fs.writeFileSync(
                path.join(dir, "Pulumi.t.yaml"),
                "config:\n  alicerce:tier: mvp\n  alicerce:budgetUsd: 36.20\n  alicerce:flag: true\n  alicerce:list: [1, 2]\n  cloudflare:apiToken:\n    secure: AAABAJz0bWFr\n",
            );
            const { config, secretKeys } = readStackConfig("t", dir);
            assert.equal(config["alicerce:tier"], "mvp");
            assert.equal(config["alicerce:budgetUsd"], "36.2");
            assert.equal(config["alicerce:flag"], "true");
            assert.equal(config["alicerce:list"], "[1,2]");
            assert.deepEqual(secretKeys, ["cloudflare:apiToken"]);
            assert.notEqual(config["cloudflare:apiToken"], "AAABAJz0bWFr", "the ciphertext is not a usable value");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("records type, name, parent, provider and inputs, with secrets unwrapped and flagged", async () => {
        const run = await runStack("dev", {
            program: async () => {
                const provider = new aws.Provider("p", { region: "us-east-1" });
                const parent = new pulumi.ComponentResource("test:index:Parent", "parent", {}, { provider });
                new aws.ssm.Parameter("param", { type: "SecureString", value: pulumi.secret("s3cr3t-value"), tags: { A: "b" } }, { parent });
                return {};
            },
        });
        const param = run.resources.find((r) => r.type === "aws:ssm/parameter:Parameter");
        const parent = run.resources.find((r) => r.type === "test:index:Parent");
        assert.ok(param && parent);
        assert.equal(param.parent, parent.urn);
        assert.equal(param.inputs.value, "s3cr3t-value");
        assert.deepEqual(param.secretPaths, ["value"]);
        assert.deepEqual(param.inputs.tags, { A: "b" });
        assert.match(param.provider ?? "", /pulumi:providers:aws::p::/);
        assert.deepEqual(redactSecrets(param.inputs, param.secretPaths).value, "[secret]");
    });

    it("fails on two resources with the same URN", async () => {
        await assert.rejects(
            runStack("dev", {
                program: async () => {
                    new aws.s3.Bucket("same", {});
                    new aws.s3.Bucket("same", {});
                    return {};
                },
            }),
            /duplicate URNs registered[\s\S]*aws:s3\/bucket:Bucket::same/,
        );
    });

    it("fails loudly on a data source it has no answer for, naming it", async () => {
        await assert.rejects(
            runStack("dev", {
                program: async () => {
                    await aws.ec2.getVpc({ default: true });
                    return {};
                },
            }),
            /no answer for data source aws:ec2\/getVpc:getVpc/,
        );
    });

    it("runs again cleanly after a failed run", async () => {
        const run = await runStack("dev");
        assert.ok(run.resources.some((r) => r.type === "pulumi:pulumi:Stack"));
    });
});
