/**
 * A stack file that imports a Pulumi ESC environment
 * (https://www.pulumi.com/docs/esc/integrations/infrastructure/pulumi-iac/:
 * `environment: [acme/prod]` in Pulumi.<stack>.yaml) gets config the
 * offline plan cannot open: it says so instead of "not set".
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { explainUnresolved, stackEnvironments } from "../offline";
import { loadSettings } from "../stacks";

/** The program's own config error for this config. */
function loadSettingsError(config: Record<string, string>): string {
    try {
        loadSettings(config, "alicerce", "dev");
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("config accepted");
}

describe("plan: stacks that import Pulumi ESC environments", () => {
    it("reads the imports in both forms (a list, or environment.imports)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alicerce-esc-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.a.yaml"), "environment:\n  - acme/prod\nconfig:\n  alicerce:cloud: aws\n");
            fs.writeFileSync(path.join(dir, "Pulumi.b.yaml"), "environment:\n  imports:\n    - acme/base\n    - acme/secrets\n");
            fs.writeFileSync(path.join(dir, "Pulumi.c.yaml"), "config:\n  alicerce:cloud: aws\n");
            assert.deepEqual(stackEnvironments("a", dir), ["acme/prod"]);
            assert.deepEqual(stackEnvironments("b", dir), ["acme/base", "acme/secrets"]);
            assert.deepEqual(stackEnvironments("c", dir), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a key the environment may set reads 'not resolvable offline', naming the environment, not 'not set'", () => {
        const message = loadSettingsError({ "alicerce:cloud": "aws", "alicerce:tier": "mvp" });
        assert.match(message, /alicerce:region: not set/);
        const explained = explainUnresolved(message, ["acme/prod"]);
        assert.doesNotMatch(explained, /alicerce:region: not set/);
        assert.match(explained, /alicerce:region: not resolvable offline: .*Pulumi ESC environment acme\/prod.*--set alicerce:region=<value>/);
        // Without imports the program's message is unchanged.
        assert.equal(explainUnresolved(message, []), message);
    });
});
