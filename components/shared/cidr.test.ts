import { strict as assert } from "assert";
import { cidrContains, cidrOverlaps, formatCidr, isPrivateCidr, parseCidr } from "./cidr";

describe("cidr", () => {
    it("parses and formats round-trip", () => {
        for (const text of ["10.20.0.0/16", "172.16.0.0/12", "192.168.4.0/22", "0.0.0.0/0", "10.0.0.1/32"]) {
            assert.equal(formatCidr(parseCidr(text)), text);
        }
    });

    it("rejects malformed ranges and host bits", () => {
        for (const bad of ["10.0.0.0", "10.0.0/16", "256.0.0.0/8", "10.0.0.0/33", "10.20.1.0/16"]) {
            assert.throws(() => parseCidr(bad), new RegExp(bad.replace(/\./g, "\\.")));
        }
    });

    it("knows containment, overlap and private ranges", () => {
        assert.ok(cidrContains(parseCidr("10.20.0.0/16"), parseCidr("10.20.255.0/24")));
        assert.ok(!cidrContains(parseCidr("10.20.0.0/16"), parseCidr("10.21.0.0/24")));
        assert.ok(cidrOverlaps(parseCidr("10.0.0.0/8"), parseCidr("10.1.0.0/16")));
        assert.ok(!cidrOverlaps(parseCidr("10.0.0.0/24"), parseCidr("10.0.1.0/24")));
        assert.ok(isPrivateCidr(parseCidr("172.31.0.0/16")));
        assert.ok(!isPrivateCidr(parseCidr("172.32.0.0/16")));
    });
});
