import { strict as assert } from "assert";
import {
    kmsAliasName,
    namePrefix,
    RDS_IDENTIFIER_MAX,
    rdsIdentifier,
    rdsIdentifierProblems,
    S3_BUCKET_NAME_MAX,
    s3BucketName,
    s3BucketNameProblems,
    slug,
} from "./naming";

const ACCOUNT = "123456789012";
const LONG_STACK = "customer-portal-production-eu-with-a-very-long-descriptive-name";

describe("naming", () => {
    it("slugs to lowercase letters, digits and single inner hyphens", () => {
        const cases: [string, string][] = [
            ["alicerce-prod", "alicerce-prod"],
            ["My_App.v2", "my-app-v2"],
            ["--a__b--", "a-b"],
            ["Ünïcode", "n-code"],
        ];
        for (const [input, expected] of cases) assert.equal(slug(input), expected);
    });

    describe("s3BucketName", () => {
        it("follows <project>-<stack>-<purpose>-<account>-<region>", () => {
            assert.equal(
                s3BucketName({ project: "alicerce", stack: "prod", purpose: "backups", accountId: ACCOUNT, region: "us-east-1" }),
                "alicerce-prod-backups-123456789012-us-east-1",
            );
        });

        const stacks = ["dev", "prod", "My_Stack.2", LONG_STACK, "x".repeat(200), "9lives", "xn--punycode", "sthree-thing"];
        const regions = ["us-east-1", "ap-southeast-5", "eu-central-2"];
        for (const stack of stacks) {
            it(`stays a valid S3 name for stack "${stack.slice(0, 30)}"`, () => {
                for (const region of regions) {
                    for (const purpose of ["assets", "backups", "logs"]) {
                        const name = s3BucketName({ project: "alicerce", stack, purpose, accountId: ACCOUNT, region });
                        assert.ok(name.length <= S3_BUCKET_NAME_MAX, `${name} is ${name.length} long`);
                        assert.deepEqual(s3BucketNameProblems(name), [], name);
                        assert.ok(name.endsWith(`${purpose}-${ACCOUNT}-${region}`), `${name} lost its unique tail`);
                    }
                }
            });
        }

        it("is deterministic and keeps long names apart with a hash", () => {
            const a = { project: "alicerce", stack: `${LONG_STACK}-a`, purpose: "logs", accountId: ACCOUNT, region: "us-east-1" };
            const b = { ...a, stack: `${LONG_STACK}-b` };
            assert.equal(s3BucketName(a), s3BucketName({ ...a }));
            assert.notEqual(s3BucketName(a), s3BucketName(b));
            assert.match(s3BucketName(a), /-[0-9a-f]{8}-logs-/);
        });

        it("differs per account and region (bucket names are global)", () => {
            const base = { project: "alicerce", stack: "prod", purpose: "assets", accountId: ACCOUNT, region: "us-east-1" };
            const names = new Set([s3BucketName(base), s3BucketName({ ...base, accountId: "210987654321" }), s3BucketName({ ...base, region: "sa-east-1" })]);
            assert.equal(names.size, 3);
        });
    });

    it("s3BucketNameProblems names each broken rule", () => {
        const cases: [string, RegExp][] = [
            ["ab", /3 to 63/],
            ["a".repeat(64), /3 to 63/],
            ["Upper-case", /lowercase/],
            ["-starts-with-hyphen", /starting and ending/],
            ["two..dots", /'\.\.'/],
            ["192.168.1.1", /IP address/],
            ["xn--bucket", /xn--/],
            ["bucket-s3alias", /-s3alias/],
            ["bucket--ol-s3", /--ol-s3/],
        ];
        for (const [name, problem] of cases) {
            const problems = s3BucketNameProblems(name);
            assert.ok(
                problems.some((p) => problem.test(p)),
                `${name}: ${problems.join("; ")}`,
            );
        }
        assert.deepEqual(s3BucketNameProblems("alicerce-prod-logs-123456789012-us-east-1"), []);
    });

    describe("rdsIdentifier", () => {
        it("follows <project>-<stack>-<role>", () => {
            assert.equal(rdsIdentifier("alicerce", "prod", "db"), "alicerce-prod-db");
            assert.equal(rdsIdentifier("alicerce", "prod", "db-replica"), "alicerce-prod-db-replica");
        });

        for (const stack of ["dev", "Prod_EU", LONG_STACK, "y".repeat(120), "1st"]) {
            it(`stays a valid identifier for stack "${stack.slice(0, 30)}"`, () => {
                for (const project of ["alicerce", "42-app"]) {
                    for (const role of ["db", "db-replica"]) {
                        const id = rdsIdentifier(project, stack, role);
                        assert.ok(id.length <= RDS_IDENTIFIER_MAX, `${id} is ${id.length} long`);
                        assert.deepEqual(rdsIdentifierProblems(id), [], id);
                        assert.ok(id.endsWith(role));
                    }
                }
            });
        }

        it("keeps the primary and replica apart even when shortened", () => {
            assert.notEqual(rdsIdentifier("alicerce", LONG_STACK, "db"), rdsIdentifier("alicerce", LONG_STACK, "db-replica"));
            assert.notEqual(rdsIdentifier("alicerce", `${LONG_STACK}-1`, "db"), rdsIdentifier("alicerce", `${LONG_STACK}-2`, "db"));
        });

        it("rdsIdentifierProblems names each broken rule", () => {
            assert.ok(rdsIdentifierProblems("1db").some((p) => /starting with a letter/.test(p)));
            assert.ok(rdsIdentifierProblems("a--b").some((p) => /'--'/.test(p)));
            assert.ok(rdsIdentifierProblems("db-").some((p) => /end with/.test(p)));
            assert.ok(rdsIdentifierProblems("a".repeat(64)).some((p) => /1 to 63/.test(p)));
        });
    });

    it("kmsAliasName and namePrefix are readable and never start an alias with aws", () => {
        assert.equal(kmsAliasName("alicerce", "prod"), "alias/alicerce-prod");
        assert.equal(kmsAliasName("aws-tools", "dev"), "alias/key-aws-tools-dev");
        assert.equal(namePrefix("alicerce", "prod", "app-session"), "alicerce-prod-app-session-");
    });
});
