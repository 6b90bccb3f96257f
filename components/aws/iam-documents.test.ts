import { strict as assert } from "assert";
import { dataBucketPolicy, kmsKeyPolicy, legacyElbAccountId, logsBucketPolicy, serviceTrustPolicy } from "./iam-documents";

const BUCKET = "arn:aws:s3:::b";

describe("IAM documents", () => {
    it("data buckets: deny plain HTTP and TLS below 1.2, allow nothing", () => {
        const doc = dataBucketPolicy(BUCKET);
        assert.deepEqual(
            doc.Statement.map((s) => [s.Sid, s.Effect]),
            [
                ["DenyInsecureTransport", "Deny"],
                ["DenyOutdatedTls", "Deny"],
            ],
        );
        assert.deepEqual(doc.Statement[1].Condition, { NumericLessThan: { "s3:TlsVersion": "1.2" } });
    });

    it("knows the legacy ELB account of pre-August-2022 regions only", () => {
        const cases: [string, string | undefined][] = [
            ["us-east-1", "127311923021"],
            ["sa-east-1", "507241528517"],
            ["eu-west-1", "156460612806"],
            ["ap-southeast-5", undefined],
            ["mx-central-1", undefined],
            ["il-central-1", undefined],
        ];
        for (const [region, account] of cases) assert.equal(legacyElbAccountId(region), account, region);
    });

    for (const [region, legacy] of [
        ["us-east-1", true],
        ["ca-west-1", false],
    ] as const) {
        it(`logs bucket in ${region}: ALB delivery by service principal${legacy ? " and legacy account" : " only"}, flow logs scoped to the account`, () => {
            const doc = logsBucketPolicy({ bucketArn: BUCKET, accountId: "111122223333", region, albPrefix: "alb", flowLogsPrefix: "flow-logs" });
            const sids = doc.Statement.map((s) => s.Sid);
            assert.equal(sids.includes("AlbAccessLogsLegacyRegion"), legacy);
            assert.ok(sids.includes("DenyInsecureTransport"));
            for (const s of doc.Statement.filter((x) => x.Effect === "Allow")) {
                const resources = ([] as string[]).concat(s.Resource ?? []);
                for (const r of resources) assert.ok(r === BUCKET || r.includes("/AWSLogs/111122223333/"), `${s.Sid} reaches ${r}`);
            }
            const write = doc.Statement.find((s) => s.Sid === "FlowLogsWrite");
            assert.deepEqual(write?.Condition, {
                StringEquals: { "aws:SourceAccount": "111122223333", "s3:x-amz-acl": "bucket-owner-full-control" },
                ArnLike: { "aws:SourceArn": `arn:aws:logs:${region}:111122223333:*` },
            });
        });
    }

    it("the key policy keeps the account in control and lets CloudWatch Logs use it only for this account's log groups", () => {
        const doc = kmsKeyPolicy("111122223333", "sa-east-1");
        assert.deepEqual(doc.Statement[0].Principal, { AWS: "arn:aws:iam::111122223333:root" });
        assert.deepEqual(doc.Statement[1].Principal, { Service: "logs.sa-east-1.amazonaws.com" });
        assert.deepEqual(doc.Statement[1].Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:sa-east-1:111122223333:log-group:*" } });
        assert.ok(!(doc.Statement[1].Action as string[]).some((a) => a === "kms:*" || a.startsWith("kms:Create") || a.startsWith("kms:Put")));
    });

    it("the key policy lets CloudWatch alarms use the key only for this account (confused deputy)", () => {
        const doc = kmsKeyPolicy("111122223333", "sa-east-1");
        const alarms = doc.Statement.find((s) => s.Sid === "CloudWatchAlarmsPublishToEncryptedTopics")!;
        assert.deepEqual(alarms.Principal, { Service: "cloudwatch.amazonaws.com" });
        assert.deepEqual(alarms.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.deepEqual(alarms.Condition, { StringEquals: { "aws:SourceAccount": "111122223333" } });
        for (const s of doc.Statement.filter((x) => x.Principal && "Service" in (x.Principal as object)))
            assert.ok(s.Condition, `${s.Sid} grants a service with no condition`);
    });

    it("trust policies name one service and no Resource (IAM rejects one there)", () => {
        const doc = serviceTrustPolicy("monitoring.rds.amazonaws.com");
        assert.equal(doc.Statement.length, 1);
        assert.deepEqual(doc.Statement[0].Principal, { Service: "monitoring.rds.amazonaws.com" });
        assert.equal(doc.Statement[0].Action, "sts:AssumeRole");
        assert.ok(!("Resource" in doc.Statement[0]));
    });
});
