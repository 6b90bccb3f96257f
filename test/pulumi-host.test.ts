import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";

describe("loading index.ts the way `pulumi up` does", function () {
    // ts-node type-checks the whole program against the provider SDKs' typings.
    this.timeout(240_000);

    it("compiles and type-checks with the project's typescript, ts-node and tsconfig, then runs", async () => {
        const host = path.join(__dirname, "support", "pulumi-host.js");
        const { stdout } = await promisify(execFile)(process.execPath, [host, "prod"], { maxBuffer: 16 * 1024 * 1024 }).catch((err) => {
            assert.fail(`the Pulumi host could not load index.ts:\n${err.stderr || err.message}`);
        });
        const summary = JSON.parse(stdout.trim().split("\n").pop()!);
        assert.match(summary.typescript, /^6\./, "Pulumi loads the project's TypeScript 6, not its vendored 3.8");
        assert.equal(summary.typeChecked, true, "type-checking must stay on: tsconfig noCheck would hide errors from `pulumi up`");
        assert.ok(summary.resources > 1);
    });
});
