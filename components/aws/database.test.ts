import { strict as assert } from "assert";
import type { RecordedResource } from "../../offline";
import { resourcesOf, stackRun } from "../../test/stacks/runs";
import { databaseParameters, parameterGroupFamily, POSTGRES_MAJOR, withDatabaseDefaults } from "./database";

const INSTANCE = "aws:rds/instance:Instance";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/kms-key-0000-1111-2222";

async function primaryOf(stack: string): Promise<RecordedResource> {
    return (await resourcesOf(stackRun(stack))).one(INSTANCE, "database-primary");
}

describe("Database", () => {
    it("maps a version to its parameter group family", () => {
        assert.equal(parameterGroupFamily("18"), "postgres18");
        assert.equal(parameterGroupFamily("17.4"), "postgres17");
        assert.throws(() => parameterGroupFamily("latest"), /not a PostgreSQL version/);
        assert.equal(POSTGRES_MAJOR, "18");
    });

    it("requires TLS and logs slow statements in its parameters", () => {
        const params = Object.fromEntries(databaseParameters({ slowStatementMs: 250 }).map((p) => [p.name, p.value]));
        assert.equal(params["rds.force_ssl"], "1");
        assert.equal(params.log_min_duration_statement, "250");
    });

    it("defaults: database app, user app_admin, PostgreSQL 18, replica on the primary's class", () => {
        const d = withDatabaseDefaults({
            identifier: "a",
            replicaIdentifier: "b",
            vpcId: "v",
            subnetIds: [],
            appSecurityGroupId: "sg",
            kmsKeyArn: "k",
            instanceClass: "db.t4g.small",
            storageGb: 20,
            maxStorageGb: 20,
            multiAz: false,
            readReplica: false,
            backupRetentionDays: 7,
            longTermBackupDays: 0,
            deletionProtection: false,
            monitoring: false,
        });
        assert.deepEqual([d.dbName, d.username, d.engineVersion, d.replicaInstanceClass, d.protect], ["app", "app_admin", "18", "db.t4g.small", false]);
    });

    for (const stack of ["dev", "growth", "prod"]) {
        it(`${stack}: PostgreSQL in the isolated subnets, encrypted with the stack key, private, RDS-managed master password`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const db = res.one(INSTANCE, "database-primary");
            assert.equal(db.inputs.identifier, `alicerce-${stack}-db`);
            assert.equal(db.inputs.engine, "postgres");
            assert.equal(db.inputs.engineVersion, "18");
            assert.equal(db.inputs.storageEncrypted, true);
            assert.equal(db.inputs.kmsKeyId, KEY_ARN);
            assert.equal(db.inputs.publiclyAccessible, false);
            assert.equal(db.inputs.manageMasterUserPassword, true);
            assert.equal(db.inputs.masterUserSecretKmsKeyId, KEY_ARN);
            assert.equal(db.inputs.password, undefined, "no password passes through Pulumi");
            assert.equal(db.inputs.storageType, "gp3");
            assert.equal(db.inputs.copyTagsToSnapshot, true);
            assert.equal(db.inputs.skipFinalSnapshot, false);
            // A suffix made once with the database: a second destroy of a recreated stack must not hit DBSnapshotAlreadyExists.
            const suffix = res.one("random:index/randomId:RandomId", "database-final-snapshot");
            assert.equal(suffix.parent, res.one("alicerce:aws:Database").urn);
            assert.equal(suffix.inputs.byteLength, 4);
            assert.match(suffix.provider ?? "", /pulumi:providers:random::random::/);
            assert.match(db.inputs.finalSnapshotIdentifier, new RegExp(`^alicerce-${stack}-db-final-[0-9a-f]{8}$`));
            assert.ok(db.dependencies.includes(suffix.urn));

            const group = res.one("aws:rds/subnetGroup:SubnetGroup");
            assert.equal(db.inputs.dbSubnetGroupName, "database-subnets-a1b2c3d");
            const isolated = res
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.name.startsWith("network-isolated-"))
                .map((s) => `${s.name}-id`);
            assert.deepEqual(group.inputs.subnetIds, isolated);

            const params = res.one("aws:rds/parameterGroup:ParameterGroup");
            assert.equal(db.inputs.parameterGroupName, "database-params-a1b2c3d");
            assert.equal(params.inputs.family, "postgres18");
            assert.ok(params.inputs.parameters.some((p: any) => p.name === "rds.force_ssl" && p.value === "1"));
            assert.ok(params.inputs.parameters.some((p: any) => p.name === "log_min_duration_statement"));
        });

        it(`${stack}: its security group admits 5432 from the app security group and nothing else`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const db = res.one(INSTANCE, "database-primary");
            assert.deepEqual(db.inputs.vpcSecurityGroupIds, ["database-sg-id"]);
            const sg = res.one("aws:ec2/securityGroup:SecurityGroup", "database-sg");
            assert.equal(sg.inputs.ingress, undefined);
            // prod's queue workers record in PostgreSQL too: their own rule (platforms/aws, database-from-workers), from their group only.
            const all = res.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === "database-sg-id");
            const workers = all.filter((r) => r.name === "database-from-workers");
            assert.deepEqual(
                workers.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]),
                stack === "prod" ? [["workers-sg-id", 5432, 5432, undefined]] : [],
            );
            const rules = all.filter((r) => r !== workers[0]);
            assert.equal(rules.length, 1);
            assert.deepEqual(
                [
                    rules[0].inputs.referencedSecurityGroupId,
                    rules[0].inputs.ipProtocol,
                    rules[0].inputs.fromPort,
                    rules[0].inputs.toPort,
                    rules[0].inputs.cidrIpv4,
                ],
                ["network-app-id", "tcp", 5432, 5432, undefined],
            );
            assert.equal(
                res.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === "database-sg-id").length,
                0,
            );
        });
    }

    it("follows each tier: Multi-AZ, backups, deletion protection, protect, storage autoscaling, size", async () => {
        const expected = {
            dev: {
                multiAz: false,
                backupRetentionPeriod: 7,
                deletionProtection: false,
                instanceClass: "db.t4g.micro",
                allocatedStorage: 20,
                maxAllocatedStorage: 0,
                protect: false,
            },
            growth: {
                multiAz: true,
                backupRetentionPeriod: 14,
                deletionProtection: true,
                instanceClass: "db.t4g.micro",
                allocatedStorage: 20,
                maxAllocatedStorage: 100,
                protect: true,
            },
            prod: {
                multiAz: true,
                backupRetentionPeriod: 30,
                deletionProtection: true,
                instanceClass: "db.t4g.small",
                allocatedStorage: 50,
                maxAllocatedStorage: 200,
                protect: true,
            },
        };
        for (const [stack, want] of Object.entries(expected)) {
            const db = await primaryOf(stack);
            const { protect, ...inputs } = want;
            for (const [k, v] of Object.entries(inputs)) assert.equal(db.inputs[k], v, `${stack} ${k}`);
            assert.equal(db.options.protect, protect, `${stack} protect`);
        }
    });

    it("prod monitors: Performance Insights under the key, enhanced monitoring with its role, logs exported to encrypted, expiring log groups", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const db = res.one(INSTANCE, "database-primary");
        assert.equal(db.inputs.performanceInsightsEnabled, true);
        assert.equal(db.inputs.performanceInsightsKmsKeyId, KEY_ARN);
        assert.equal(db.inputs.performanceInsightsRetentionPeriod, 7);
        assert.equal(db.inputs.monitoringInterval, 60);
        const role = res.one("aws:iam/role:Role", "database-monitoring");
        assert.match(db.inputs.monitoringRoleArn, /:role\/database-monitoring$/);
        assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "monitoring.rds.amazonaws.com");
        assert.equal(
            res.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "database-monitoring").inputs.policyArn,
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        );
        assert.deepEqual(db.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
        for (const log of ["postgresql", "upgrade"]) {
            const group = res.one("aws:cloudwatch/logGroup:LogGroup", `database-primary-${log}`);
            assert.equal(group.inputs.name, `/aws/rds/instance/alicerce-prod-db/${log}`);
            assert.equal(group.inputs.retentionInDays, 90);
            assert.equal(group.inputs.kmsKeyId, KEY_ARN);
            assert.ok(db.dependencies.includes(group.urn), "the log group exists before RDS exports to it");
        }
    });

    it("growth: Performance Insights (7 days, free, under the key) on its db.t4g.micro; mvp: none", async () => {
        // RDS for PostgreSQL supports Performance Insights on every class, db.t4g.micro included; the db.t*.micro/small
        // restrictions are MySQL's and MariaDB's (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html).
        const growth = await primaryOf("growth");
        assert.equal(growth.inputs.instanceClass, "db.t4g.micro");
        assert.equal(growth.inputs.performanceInsightsEnabled, true);
        assert.equal(growth.inputs.performanceInsightsKmsKeyId, KEY_ARN);
        assert.equal(growth.inputs.performanceInsightsRetentionPeriod, 7, "7 days is the free retention");
        const dev = await primaryOf("dev");
        assert.equal(dev.inputs.performanceInsightsEnabled, false);
    });

    it("below prod: no enhanced monitoring or log exports (and no role or log groups)", async () => {
        for (const stack of ["dev", "growth"]) {
            const res = await resourcesOf(stackRun(stack));
            const db = res.one(INSTANCE, "database-primary");
            assert.equal(db.inputs.monitoringInterval, 0);
            assert.deepEqual(db.inputs.enabledCloudwatchLogsExports, []);
            assert.equal(res.ofType("aws:iam/role:Role").filter((r) => r.name.startsWith("database-")).length, 0);
            assert.equal(res.ofType("aws:cloudwatch/logGroup:LogGroup").filter((r) => r.name.startsWith("database-")).length, 0);
        }
    });

    it("prod read replica: replicates the primary by identifier, carries nothing RDS inherits or rejects, same SG and parameters", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const replica = res.one(INSTANCE, "database-replica");
        assert.equal(replica.inputs.replicateSourceDb, "alicerce-prod-db");
        assert.equal(replica.inputs.identifier, "alicerce-prod-db-replica");
        for (const inherited of [
            "username",
            "password",
            "dbName",
            "engine",
            "engineVersion",
            "kmsKeyId",
            "dbSubnetGroupName",
            "manageMasterUserPassword",
            "allocatedStorage",
            "backupRetentionPeriod",
        ]) {
            assert.equal(replica.inputs[inherited], undefined, `the replica must not set ${inherited}`);
        }
        assert.equal(replica.inputs.instanceClass, "db.t4g.small");
        assert.deepEqual(replica.inputs.vpcSecurityGroupIds, ["database-sg-id"]);
        assert.equal(replica.inputs.parameterGroupName, "database-params-a1b2c3d");
        assert.equal(replica.inputs.storageEncrypted, true);
        assert.equal(replica.inputs.publiclyAccessible, false);
        assert.equal(replica.inputs.skipFinalSnapshot, true);
        assert.equal(replica.inputs.maxAllocatedStorage, 200, "the replica's storage grows with the primary's");
        assert.ok(replica.dependencies.includes(res.one(INSTANCE, "database-primary").urn));
    });

    it("exports the replica as the reader endpoint in prod, the writer elsewhere, and secret ARNs only", async () => {
        const prod = (await stackRun("prod")).outputs;
        assert.equal(prod.database.writer, "alicerce-prod-db.c0ffee.us-east-1.rds.amazonaws.com");
        assert.equal(prod.database.reader, "alicerce-prod-db-replica.c0ffee.us-east-1.rds.amazonaws.com");
        assert.equal(prod.database.port, 5432);
        assert.equal(prod.database.name, "app");
        assert.match(prod.secretArns.database, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-/);
        assert.match(prod.secretArns.app, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:alicerce-prod-app-session-/);
        const dev = (await stackRun("dev")).outputs;
        assert.equal(dev.database.reader, dev.database.writer, "reads go to the writer without a replica");
        assert.equal((await resourcesOf(stackRun("growth"))).ofType(INSTANCE).length, 1, "no replica below prod");
    });

    it("prod keeps weekly copies 90 days in an AWS Backup vault under the stack key; lower tiers have none", async () => {
        const res = await resourcesOf(stackRun("prod"));
        const vault = res.one("aws:backup/vault:Vault", "database-vault");
        assert.equal(vault.inputs.kmsKeyArn, KEY_ARN);
        assert.equal(vault.options.protect, true);
        const rule = res.one("aws:backup/plan:Plan").inputs.rules[0];
        assert.deepEqual(rule.lifecycle, { deleteAfter: 90 });
        assert.equal(rule.targetVaultName, "database-vault-a1b2c3d");
        assert.match(rule.schedule, /^cron\(0 7 \? \* SUN \*\)$/);
        const selection = res.one("aws:backup/selection:Selection");
        assert.deepEqual(selection.inputs.resources, ["arn:aws:rds:us-east-1:123456789012:db:alicerce-prod-db"]);
        assert.equal(
            JSON.parse(res.one("aws:iam/role:Role", "database-backup").inputs.assumeRolePolicy).Statement[0].Principal.Service,
            "backup.amazonaws.com",
        );
        for (const stack of ["dev", "growth"]) assert.equal((await resourcesOf(stackRun(stack))).ofType("aws:backup/plan:Plan").length, 0);
    });
});

describe("AppSecrets", () => {
    for (const [stack, protect] of [
        ["dev", false],
        ["prod", true],
    ] as const) {
        it(`${stack}: a generated signing key stored as JSON in Secrets Manager under the stack key, value only as a secret`, async () => {
            const res = await resourcesOf(stackRun(stack));
            const key = res.one("random:index/randomPassword:RandomPassword", "secrets-session-key");
            assert.equal(key.inputs.length, 64);
            assert.equal(key.inputs.special, false);
            const secret = res.one("aws:secretsmanager/secret:Secret", "secrets-session");
            assert.equal(secret.inputs.kmsKeyId, KEY_ARN);
            assert.equal(secret.inputs.namePrefix, `alicerce-${stack}-app-session-`);
            assert.equal(secret.options.protect, protect);
            assert.equal(key.options.protect, protect);
            const version = res.one("aws:secretsmanager/secretVersion:SecretVersion", "secrets-session");
            assert.equal(version.inputs.secretId, "secrets-session-id");
            assert.deepEqual(version.secretPaths, ["secretString"]);
            assert.deepEqual(Object.keys(JSON.parse(version.inputs.secretString)), ["sessionSigningKey"]);
            assert.match(key.provider ?? "", /pulumi:providers:random::random::/);
        });
    }
});
