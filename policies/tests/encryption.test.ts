import { strict as assert } from "assert";
import { isModernTlsPolicy } from "../encryption";
import { compliantStack, Fixture, UNKNOWN_INPUT } from "./fixtures";
import { advisory, expectViolations, mandatory } from "./helpers";

const NO_ENCRYPTION = (b: string) =>
    `S3 bucket "${b}" has no server-side encryption configuration (S3 applies only its default, SSE-S3); add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" for it.`;
const SSE_S3 = (b: string) =>
    `S3 bucket "${b}" is encrypted with SSE-S3, not KMS; set sseAlgorithm "aws:kms" with a KMS key (SSE-S3 is allowed only on log buckets: tagged alicerce:purpose=logs, or receiving ALB access logs or flow logs).`;

describe("policy pack: the compliant fixture", () => {
    for (const tier of ["mvp", "growth", "prod"] as const) {
        it(`passes every policy in ${tier}`, async () => {
            await expectViolations(compliantStack(tier).f, []);
        });
    }
});

describe("s3-bucket-encryption", () => {
    it("flags a bucket with no encryption configuration", async () => {
        const s = compliantStack();
        s.f.remove(s.dataEncryption);
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", NO_ENCRYPTION("data"))]);
    });

    it("flags SSE-S3 on a bucket that is not a log bucket", async () => {
        const s = compliantStack();
        s.dataEncryption.inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", SSE_S3("data"))]);
    });

    it("allows SSE-S3 on the ALB access-log bucket, and on a bucket tagged alicerce:purpose=logs, but not otherwise", async () => {
        const s = compliantStack();
        delete s.alb.inputs.accessLogs;
        delete s.alb.propertyDependencies.accessLogs;
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "logs", SSE_S3("logs"))]);
        s.logs.inputs.tags = { "alicerce:purpose": "logs" };
        await expectViolations(s.f, []);
    });

    it("recognises flow-log and server-access-log destinations as log buckets", async () => {
        for (const [type, prop] of [
            ["aws:ec2/flowLog:FlowLog", "logDestination"],
            ["aws:s3/bucketLogging:BucketLogging", "targetBucket"],
        ]) {
            const s = compliantStack();
            delete s.alb.inputs.accessLogs;
            delete s.alb.propertyDependencies.accessLogs;
            s.f.add(type, "log-shipping", {}, { links: { [prop]: s.logs } });
            await expectViolations(s.f, []);
        }
    });

    it("is not fooled by a configuration that encrypts another bucket", async () => {
        const s = compliantStack();
        s.f.link(s.dataEncryption, "bucket", s.logs);
        s.dataEncryption.propertyDependencies = { bucket: [s.logs.urn] };
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", NO_ENCRYPTION("data"))]);
    });

    it("links a configuration by value when no dependency is recorded", async () => {
        const s = compliantStack();
        s.dataEncryption.propertyDependencies = {};
        s.dataEncryption.inputs.bucket = "alicerce-test-data";
        await expectViolations(s.f, []);
        s.dataEncryption.inputs.bucket = "someone-elses-bucket";
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", NO_ENCRYPTION("data"))]);
    });

    it("is not fooled by a configuration computed from this bucket's id that names another bucket", async () => {
        const s = compliantStack();
        // bucket: pulumi.all([data.id, logs.bucket]).apply(([, logs]) => logs)
        s.dataEncryption.propertyDependencies = { bucket: [s.data.urn, s.logs.urn] };
        s.dataEncryption.inputs.bucket = "alicerce-test-logs";
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", NO_ENCRYPTION("data"))]);
    });

    it("does not take a bucket for a log bucket because the access-log setting was computed from it", async () => {
        const s = compliantStack();
        s.dataEncryption.inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
        s.alb.propertyDependencies = { ...s.alb.propertyDependencies, accessLogs: [s.data.urn, s.logs.urn] };
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "data", SSE_S3("data"))]);
    });

    it("while one configuration's bucket is unknown, still checks the buckets it cannot name", async () => {
        const s = compliantStack();
        s.dataEncryption.propertyDependencies = {};
        s.dataEncryption.inputs.bucket = UNKNOWN_INPUT;
        s.f.remove(s.logsEncryption);
        // Not a log bucket any more, so S3's default SSE-S3 (all it has without its configuration) is not enough.
        delete s.alb.inputs.accessLogs;
        delete s.alb.propertyDependencies.accessLogs;
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "logs", NO_ENCRYPTION("logs"))]);
    });

    it("stays silent while a configuration's bucket is unknown", async () => {
        const s = compliantStack();
        s.dataEncryption.propertyDependencies = {};
        s.dataEncryption.inputs.bucket = UNKNOWN_INPUT;
        await expectViolations(s.f, []);
    });

    it("covers the deprecated BucketV2 name and accepts the deprecated inline configuration", async () => {
        const s = compliantStack();
        const v2 = s.f.add("aws:s3/bucketV2:BucketV2", "legacy", {});
        s.f.add(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "legacy-block",
            { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { links: { bucket: v2 } },
        );
        await expectViolations(s.f, [mandatory("s3-bucket-encryption", "legacy", NO_ENCRYPTION("legacy"))]);
        v2.inputs.serverSideEncryptionConfiguration = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } };
        await expectViolations(s.f, []);
    });
});

describe("rds-storage-encrypted", () => {
    it("flags an instance without storage encryption", async () => {
        const s = compliantStack();
        s.db.inputs.storageEncrypted = false;
        await expectViolations(s.f, [
            mandatory(
                "rds-storage-encrypted",
                "db",
                `RDS instance "db" does not encrypt its storage; set storageEncrypted: true (with kmsKeyId for the stack's key). It cannot be turned on later without restoring from a snapshot.`,
            ),
        ]);
    });

    it("exempts a read replica, which inherits its source's encryption", async () => {
        const s = compliantStack();
        assert.equal(s.replica.inputs.storageEncrypted, undefined);
        await expectViolations(s.f, []);
    });

    it("flags an unencrypted Aurora cluster", async () => {
        const f = new Fixture();
        f.add("aws:rds/cluster:Cluster", "aurora", { engine: "aurora-postgresql", deletionProtection: true });
        await expectViolations(f, [
            mandatory(
                "rds-storage-encrypted",
                "aurora",
                `RDS cluster "aurora" does not encrypt its storage; set storageEncrypted: true (with kmsKeyId for the stack's key).`,
            ),
        ]);
    });
});

describe("ebs-volumes-encrypted", () => {
    it("flags a launch template volume with encryption off", async () => {
        const s = compliantStack();
        s.template.inputs.blockDeviceMappings[0].ebs.encrypted = "false";
        await expectViolations(s.f, [
            mandatory(
                "ebs-volumes-encrypted",
                "app",
                `Launch template "app" maps volume /dev/xvda without encryption; set encrypted "true" on it (with kmsKeyId for the stack's key).`,
            ),
        ]);
    });

    it("flags a launch template that maps no volume, unless EBS encryption by default is on", async () => {
        const s = compliantStack();
        delete s.template.inputs.blockDeviceMappings;
        const message = `Launch template "app" maps no EBS volume, so its root volume takes the AMI snapshot's encryption (none for public AMIs); map the root device with encrypted "true", or enable aws.ebs.EncryptionByDefault.`;
        await expectViolations(s.f, [mandatory("ebs-volumes-encrypted", "app", message)]);
        s.f.add("aws:ebs/encryptionByDefault:EncryptionByDefault", "ebs-default", { enabled: true });
        await expectViolations(s.f, []);
    });

    it("checks an instance's root and extra volumes", async () => {
        const f = new Fixture();
        const vm = f.add("aws:ec2/instance:Instance", "bastion", { metadataOptions: { httpTokens: "required" }, rootBlockDevice: { encrypted: true } });
        await expectViolations(f, []);
        vm.inputs.ebsBlockDevices = [{ deviceName: "/dev/sdf", encrypted: false }];
        await expectViolations(f, [
            mandatory(
                "ebs-volumes-encrypted",
                "bastion",
                `EC2 instance "bastion" maps volume /dev/sdf without encryption; set encrypted "true" on it (with kmsKeyId for the stack's key).`,
            ),
        ]);
    });
});

describe("KMS at rest: secrets, topics, log groups, repositories", () => {
    const cases = [
        [
            "secret",
            "secret-kms",
            "app-secrets",
            "kmsKeyId",
            `Secrets Manager secret "app-secrets" uses the AWS-managed key; set kmsKeyId to the stack's KMS key.`,
        ],
        [
            "topic",
            "sns-topic-kms",
            "alarms",
            "kmsMasterKeyId",
            `SNS topic "alarms" is not encrypted at rest; set kmsMasterKeyId to a customer-managed key whose policy lets CloudWatch publish (alarms cannot use the AWS-managed aws/sns key).`,
        ],
        [
            "logGroup",
            "log-group-kms",
            "app-logs",
            "kmsKeyId",
            `CloudWatch log group "app-logs" is not encrypted with KMS; set kmsKeyId to a KMS key ARN whose policy allows logs.<region>.amazonaws.com.`,
        ],
    ] as const;
    for (const [handle, policy, name, prop, message] of cases) {
        it(`${policy}: flags a ${handle} without ${prop}`, async () => {
            const s = compliantStack();
            delete s[handle].inputs[prop];
            await expectViolations(s.f, [mandatory(policy, name, message)]);
        });
    }

    it("ecr-repository-kms: flags a repository left on AES256", async () => {
        const s = compliantStack();
        delete s.repository.inputs.encryptionConfigurations;
        await expectViolations(s.f, [
            mandatory(
                "ecr-repository-kms",
                "app",
                `ECR repository "app" is encrypted with AES256, not KMS; set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey }] (this replaces the repository, so set it before pushing images).`,
            ),
        ]);
    });
});

describe("listener-modern-tls", () => {
    it("flags an old TLS policy, and the default one", async () => {
        const s = compliantStack();
        s.httpsListener.inputs.sslPolicy = "ELBSecurityPolicy-2016-08";
        await expectViolations(s.f, [
            mandatory(
                "listener-modern-tls",
                "https",
                `Listener "https" uses TLS policy ELBSecurityPolicy-2016-08, which allows old TLS versions or ciphers; set sslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
            ),
        ]);
        delete s.httpsListener.inputs.sslPolicy;
        await expectViolations(s.f, [
            mandatory(
                "listener-modern-tls",
                "https",
                `Listener "https" uses TLS policy ELBSecurityPolicy-2016-08 (the default), which allows old TLS versions or ciphers; set sslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
            ),
        ]);
    });

    it("covers the aws.alb alias of the listener", async () => {
        const s = compliantStack();
        s.httpsListener.type = "aws:alb/listener:Listener";
        s.httpsListener.inputs.sslPolicy = "ELBSecurityPolicy-TLS-1-1-2017-01";
        await expectViolations(s.f, [
            mandatory(
                "listener-modern-tls",
                "https",
                `Listener "https" uses TLS policy ELBSecurityPolicy-TLS-1-1-2017-01, which allows old TLS versions or ciphers; set sslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
            ),
        ]);
    });

    it("accepts TLS 1.2+ forward-secret policies only", () => {
        for (const p of [
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-TLS13-1-3-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        ]) {
            assert.ok(isModernTlsPolicy(p), p);
        }
        for (const p of [
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-TLS13-1-1-2021-06",
            "ELBSecurityPolicy-TLS13-1-0-2021-06",
            "ELBSecurityPolicy-FS-1-1-2019-08",
            "ELBSecurityPolicy-TLS-1-2-2017-01",
        ]) {
            assert.ok(!isModernTlsPolicy(p), p);
        }
    });
});

describe("load-balancer-https and load-balancer-plain-http", () => {
    const PLAIN = (what: string) =>
        `${what} on load balancer "alb" serves plain HTTP; make HTTP redirect to HTTPS (a "redirect" action with protocol "HTTPS", or redirectHttpToHttps on DigitalOcean).`;

    it("flags an HTTP listener that forwards instead of redirecting", async () => {
        const s = compliantStack("growth");
        s.httpListener.inputs.defaultActions = [{ type: "forward" }];
        await expectViolations(s.f, [mandatory("load-balancer-https", "http", PLAIN(`Listener "http"`))]);
    });

    it("is not fooled by a listener rule that forwards on the redirecting HTTP listener", async () => {
        const s = compliantStack();
        s.f.add(
            "aws:lb/listenerRule:ListenerRule",
            "api-over-http",
            { actions: [{ type: "forward" }], conditions: [{ pathPattern: { values: ["/api/*"] } }] },
            { links: { listenerArn: s.httpListener } },
        );
        await expectViolations(s.f, [mandatory("load-balancer-https", "api-over-http", PLAIN(`Listener rule "api-over-http"`))]);
    });

    it("below prod, plain HTTP without any HTTPS listener is advisory (no domain yet)", async () => {
        const s = compliantStack("mvp");
        s.f.remove(s.httpsListener);
        s.httpListener.inputs.defaultActions = [{ type: "forward" }];
        await expectViolations(s.f, [
            advisory("load-balancer-plain-http", "alb", `Load balancer "alb" serves plain HTTP only; set alicerce:domain before real users arrive.`),
        ]);
    });

    it("in prod, a load balancer without HTTPS is a violation", async () => {
        const s = compliantStack("prod");
        s.f.remove(s.httpsListener);
        s.httpListener.inputs.defaultActions = [{ type: "forward" }];
        await expectViolations(s.f, [
            mandatory(
                "load-balancer-https",
                "alb",
                `Load balancer "alb" serves no HTTPS in a prod stack; set alicerce:domain so it gets a certificate and an HTTPS listener.`,
            ),
            mandatory("load-balancer-https", "http", PLAIN(`Listener "http"`)),
        ]);
    });

    it("flags a DigitalOcean load balancer that does not redirect HTTP to HTTPS", async () => {
        const s = compliantStack();
        s.doLb.inputs.redirectHttpToHttps = false;
        await expectViolations(s.f, [
            mandatory(
                "load-balancer-https",
                "do-lb",
                `HTTP forwarding rule on load balancer "do-lb" serves plain HTTP; make HTTP redirect to HTTPS (a "redirect" action with protocol "HTTPS", or redirectHttpToHttps on DigitalOcean).`,
            ),
        ]);
    });
});

describe("rds-force-ssl", () => {
    const MESSAGE = (p: string) => `RDS parameter group "pg" does not force SSL; add the parameter { name: "${p}", value: "1" }.`;

    it("flags a PostgreSQL parameter group without rds.force_ssl = 1", async () => {
        const s = compliantStack();
        s.params.inputs.parameters = [{ name: "rds.force_ssl", value: "0" }];
        await expectViolations(s.f, [mandatory("rds-force-ssl", "pg", MESSAGE("rds.force_ssl"))]);
        s.params.inputs.parameters = [];
        await expectViolations(s.f, [mandatory("rds-force-ssl", "pg", MESSAGE("rds.force_ssl"))]);
    });

    it("checks MySQL's require_secure_transport", async () => {
        const s = compliantStack();
        s.params.inputs = { family: "mysql8.0", parameters: [{ name: "require_secure_transport", value: "OFF" }] };
        await expectViolations(s.f, [mandatory("rds-force-ssl", "pg", MESSAGE("require_secure_transport"))]);
        s.params.inputs.parameters = [{ name: "require_secure_transport", value: "ON" }];
        await expectViolations(s.f, []);
    });
});

describe("kms-key-rotation", () => {
    it("flags a symmetric key without rotation, not an asymmetric one", async () => {
        const s = compliantStack();
        s.key.inputs.enableKeyRotation = false;
        await expectViolations(s.f, [mandatory("kms-key-rotation", "key", `KMS key "key" does not rotate; set enableKeyRotation: true.`)]);
        s.key.inputs.customerMasterKeySpec = "RSA_2048";
        s.key.inputs.keyUsage = "SIGN_VERIFY";
        await expectViolations(s.f, []);
    });
});

describe("digitalocean-database-firewall", () => {
    it("flags a database cluster without a firewall", async () => {
        const s = compliantStack();
        s.f.remove(s.doDbFirewall);
        await expectViolations(s.f, [
            mandatory(
                "digitalocean-database-firewall",
                "do-db",
                `Database cluster "do-db" has no firewall rules, so any address can try to connect; add a digitalocean.DatabaseFirewall for it admitting only the app.`,
            ),
        ]);
    });

    it("while one firewall's cluster is unknown, still checks the clusters it cannot name", async () => {
        const s = compliantStack();
        s.doDbFirewall.propertyDependencies = {};
        s.doDbFirewall.dependencies = [];
        s.doDbFirewall.inputs.clusterId = UNKNOWN_INPUT;
        await expectViolations(s.f, [
            mandatory(
                "digitalocean-database-firewall",
                "do-db",
                `Database cluster "do-db" has no firewall rules, so any address can try to connect; add a digitalocean.DatabaseFirewall for it admitting only the app.`,
            ),
        ]);
    });

    it("flags a database firewall that admits the internet in halves", async () => {
        const s = compliantStack();
        s.doDbFirewall.inputs.rules = [
            { type: "ip_addr", value: "0.0.0.0/1" },
            { type: "ip_addr", value: "128.0.0.0/1" },
            { type: "ip_addr", value: "10.10.0.0/16" },
        ];
        await expectViolations(s.f, [
            mandatory(
                "digitalocean-database-firewall",
                "do-db-firewall",
                `Database firewall "do-db-firewall" admits 0.0.0.0/1; name the app's droplets, tag or VPC range instead.`,
            ),
            mandatory(
                "digitalocean-database-firewall",
                "do-db-firewall",
                `Database firewall "do-db-firewall" admits 128.0.0.0/1; name the app's droplets, tag or VPC range instead.`,
            ),
        ]);
    });

    it("flags a database firewall that admits the whole internet", async () => {
        const s = compliantStack();
        s.doDbFirewall.inputs.rules = [{ type: "ip_addr", value: "0.0.0.0/0" }];
        await expectViolations(s.f, [
            mandatory(
                "digitalocean-database-firewall",
                "do-db-firewall",
                `Database firewall "do-db-firewall" admits 0.0.0.0/0; name the app's droplets, tag or VPC range instead.`,
            ),
        ]);
    });
});
