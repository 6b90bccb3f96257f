import { strict as assert } from "assert";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import { withKmsDefaults } from "./kms";

describe("Kms", () => {
    it("defaults to a 30-day deletion window and no protect", () => {
        const a = withKmsDefaults({ aliasName: "alias/x", accountId: "1", region: "us-east-1", description: "d" });
        assert.equal(a.deletionWindowDays, 30);
        assert.equal(a.protect, false);
        assert.equal(withKmsDefaults({ aliasName: "alias/x", accountId: "1", region: "us-east-1", description: "d", protect: true }).protect, true);
    });

    for (const [stack, protect] of [
        ["dev", false],
        ["prod", true],
    ] as const) {
        it(`${stack}: one symmetric customer-managed key with rotation, a stack alias, ${protect ? "" : "not "}protected`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const key = res.one("aws:kms/key:Key", "kms-key");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
            assert.equal(key.inputs.keyUsage, "ENCRYPT_DECRYPT");
            assert.equal(key.inputs.deletionWindowInDays, 30);
            assert.equal(key.options.protect, protect);
            const policy = JSON.parse(key.inputs.policy);
            assert.equal(policy.Statement[0].Principal.AWS, "arn:aws:iam::123456789012:root");
            const alias = res.one("aws:kms/alias:Alias", "kms-alias");
            assert.equal(alias.inputs.name, `alias/alicerce-${stack}`);
            assert.equal(alias.inputs.targetKeyId, "kms-key-0000-1111-2222");
            assert.equal(res.byUrn(key.parent!)?.type, "alicerce:aws:Kms");
        });
    }
});
