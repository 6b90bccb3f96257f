import { strict as assert } from "assert";
import { cidrContains, cidrOverlaps, formatCidr, isPrivateCidr, MAX_AZS, nthSubnet, parseCidr, SUBNET_EXTRA_BITS, SUBNET_TIERS, subnetLayout } from "./cidr";

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

describe("subnetLayout", () => {
    const vpcs = ["10.20.0.0/16", "10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/20", "10.99.16.0/20", "172.31.128.0/17"];

    for (const vpc of vpcs) {
        for (const azCount of [1, 2, 3, 4]) {
            it(`${vpc} over ${azCount} AZ(s): one subnet per kind and AZ, inside the VPC, none overlapping`, () => {
                const layout = subnetLayout(vpc, azCount);
                assert.equal(layout.length, SUBNET_TIERS.length * azCount);
                for (const tier of SUBNET_TIERS) {
                    assert.deepEqual(
                        layout.filter((s) => s.tier === tier).map((s) => s.az),
                        Array.from({ length: azCount }, (_, i) => i),
                    );
                }
                const outer = parseCidr(vpc);
                const cidrs = layout.map((s) => parseCidr(s.cidr));
                for (const c of cidrs) {
                    assert.ok(cidrContains(outer, c), `${formatCidr(c)} is outside ${vpc}`);
                    assert.equal(c.prefix, outer.prefix + SUBNET_EXTRA_BITS);
                }
                for (let i = 0; i < cidrs.length; i++) {
                    for (let j = i + 1; j < cidrs.length; j++) {
                        assert.ok(!cidrOverlaps(cidrs[i], cidrs[j]), `${layout[i].cidr} overlaps ${layout[j].cidr}`);
                    }
                }
            });
        }

        it(`${vpc}: adding AZs never moves an existing subnet (no replacement on tier upgrade)`, () => {
            for (let n = 1; n < MAX_AZS; n++) {
                const smaller = subnetLayout(vpc, n);
                const larger = subnetLayout(vpc, n + 1);
                for (const s of smaller) assert.ok(larger.some((l) => l.tier === s.tier && l.az === s.az && l.cidr === s.cidr));
            }
        });
    }

    it("is deterministic and lays the default VPC out as documented", () => {
        assert.deepEqual(subnetLayout("10.20.0.0/16", 3), subnetLayout("10.20.0.0/16", 3));
        assert.deepEqual(
            subnetLayout("10.20.0.0/16", 2).map((s) => `${s.tier}${s.az} ${s.cidr}`),
            [
                "public0 10.20.0.0/20",
                "public1 10.20.16.0/20",
                "private0 10.20.64.0/20",
                "private1 10.20.80.0/20",
                "isolated0 10.20.128.0/20",
                "isolated1 10.20.144.0/20",
            ],
        );
        assert.deepEqual(
            subnetLayout("192.168.0.0/20", 1).map((s) => s.cidr),
            ["192.168.0.0/24", "192.168.4.0/24", "192.168.8.0/24"],
        );
    });

    it("rejects AZ counts and VPC sizes it cannot lay out", () => {
        assert.throws(() => subnetLayout("10.20.0.0/16", 0), /azCount 0/);
        assert.throws(() => subnetLayout("10.20.0.0/16", MAX_AZS + 1), /azCount 5/);
        assert.throws(() => subnetLayout("10.20.0.0/26", 2), /must be \/12 to \/24/);
        assert.throws(() => subnetLayout("10.20.1.0/16", 2), /host bits/);
    });

    it("nthSubnet refuses blocks outside the range", () => {
        assert.equal(formatCidr(nthSubnet(parseCidr("10.0.0.0/16"), 24, 255)), "10.0.255.0/24");
        assert.throws(() => nthSubnet(parseCidr("10.0.0.0/16"), 24, 256), /holds 256 \/24 blocks/);
        assert.throws(() => nthSubnet(parseCidr("10.0.0.0/16"), 8, 0), /cannot cut/);
    });
});
