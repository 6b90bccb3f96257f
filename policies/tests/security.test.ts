import { strict as assert } from "assert";
import { isInternetRange } from "../lib/cidr";
import { portRangeIncludes } from "../security";
import { compliantStack, idOf, UNKNOWN_INPUT } from "./fixtures";
import { advisory, expectViolations, mandatory } from "./helpers";

const WORLD_MESSAGE = (what: string, ports: string, cidr = "0.0.0.0/0") =>
    `${what} opens ${ports} to ${cidr}; only the load balancer's security group may accept the internet, and only on ports 80 and 443 (without a load balancer: the instance edge's rule, on port 80).`;

describe("security-group-world-ingress", () => {
    it("flags SSH from the internet on the app's security group", async () => {
        const s = compliantStack();
        s.f.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "ssh",
            { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
            { links: { securityGroupId: s.appGroup } },
        );
        await expectViolations(s.f, [mandatory("security-group-world-ingress", "ssh", WORLD_MESSAGE(`Security group rule "ssh"`, "port 22"))]);
    });

    it("flags 443 from the internet on a group that is not the load balancer's", async () => {
        const s = compliantStack();
        s.f.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "app-https",
            { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" },
            { links: { securityGroupId: s.appGroup } },
        );
        await expectViolations(s.f, [
            mandatory("security-group-world-ingress", "app-https", WORLD_MESSAGE(`Security group rule "app-https"`, "port 443", "::/0")),
        ]);
    });

    // q-budget-aws: the instance edge (components/aws/origin.ts): with no load balancer, the app instance's edge group
    // (tagged alicerce:edge=instance) is the one facing the internet, on 80/443 only; beside a load balancer it is not.
    it("accepts HTTP on port 80 from the internet by the instance edge's tagged rule only in a stack without a load balancer", async () => {
        const edge = { "alicerce:edge": "instance" };
        const edgeRules = (s: ReturnType<typeof compliantStack>) => {
            const rule = (name: string, port: number, tags?: Record<string, string>) =>
                s.f.add(
                    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                    name,
                    { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0", ...(tags ? { tags } : {}) },
                    { links: { securityGroupId: s.appGroup } },
                );
            rule("edge-in-80", 80, edge);
            // The tag admits port 80 only, and only the tagged rule.
            rule("edge-in-443", 443, edge);
            rule("untagged-80", 80);
        };
        const beside = compliantStack();
        edgeRules(beside);
        await expectViolations(beside.f, [
            mandatory("security-group-world-ingress", "edge-in-443", WORLD_MESSAGE(`Security group rule "edge-in-443"`, "port 443")),
            mandatory("security-group-world-ingress", "edge-in-80", WORLD_MESSAGE(`Security group rule "edge-in-80"`, "port 80")),
            mandatory("security-group-world-ingress", "untagged-80", WORLD_MESSAGE(`Security group rule "untagged-80"`, "port 80")),
        ]);
        const alone = compliantStack("mvp");
        for (const r of [alone.waf, alone.httpsListener, alone.httpListener, alone.alb, alone.https, alone.http, alone.appFromLb, alone.lbGroup])
            alone.f.remove(r);
        // Without the ALB writing access logs there, the SSE-S3 logs bucket is one by its tag (as the stacks tag it).
        alone.logs.inputs = { ...alone.logs.inputs, tags: { "alicerce:purpose": "logs" } };
        edgeRules(alone);
        await expectViolations(alone.f, [
            mandatory("security-group-world-ingress", "edge-in-443", WORLD_MESSAGE(`Security group rule "edge-in-443"`, "port 443")),
            mandatory("security-group-world-ingress", "untagged-80", WORLD_MESSAGE(`Security group rule "untagged-80"`, "port 80")),
        ]);
    });

    it("flags other ports, ranges and all-protocol rules even on the load balancer's group", async () => {
        const s = compliantStack();
        s.http.inputs = { ipProtocol: "tcp", fromPort: 80, toPort: 443, cidrIpv4: "0.0.0.0/0", securityGroupId: s.http.inputs.securityGroupId };
        s.https.inputs = { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", securityGroupId: s.https.inputs.securityGroupId };
        await expectViolations(s.f, [
            mandatory("security-group-world-ingress", "lb-http", WORLD_MESSAGE(`Security group rule "lb-http"`, "ports 80-443")),
            mandatory("security-group-world-ingress", "lb-https", WORLD_MESSAGE(`Security group rule "lb-https"`, "all ports")),
        ]);
    });

    it("flags the internet opened in pieces: 0.0.0.0/1 and 128.0.0.0/1, or ::/1", async () => {
        const s = compliantStack();
        for (const [name, cidr] of [
            ["ssh-low", { cidrIpv4: "0.0.0.0/1" }],
            ["ssh-high", { cidrIpv4: "128.0.0.0/1" }],
            ["ssh-v6", { cidrIpv6: "::/1" }],
            ["ssh-vpc", { cidrIpv4: "10.0.0.0/8" }],
        ] as const) {
            s.f.add(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                name,
                { ipProtocol: "tcp", fromPort: 22, toPort: 22, ...cidr },
                { links: { securityGroupId: s.appGroup } },
            );
        }
        await expectViolations(s.f, [
            mandatory("security-group-world-ingress", "ssh-high", WORLD_MESSAGE(`Security group rule "ssh-high"`, "port 22", "128.0.0.0/1")),
            mandatory("security-group-world-ingress", "ssh-low", WORLD_MESSAGE(`Security group rule "ssh-low"`, "port 22", "0.0.0.0/1")),
            mandatory("security-group-world-ingress", "ssh-v6", WORLD_MESSAGE(`Security group rule "ssh-v6"`, "port 22", "::/1")),
        ]);
    });

    it("does not take the app's group for the load balancer's because the load balancer's group list was computed from it", async () => {
        const s = compliantStack();
        // securityGroups: [pulumi.all([lb.id, app.id]).apply(([lb]) => lb)]
        s.alb.inputs.securityGroups = [idOf(s.lbGroup)];
        s.alb.propertyDependencies = { ...s.alb.propertyDependencies, securityGroups: [s.lbGroup.urn, s.appGroup.urn] };
        s.f.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "app-https",
            { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
            { links: { securityGroupId: s.appGroup } },
        );
        await expectViolations(s.f, [mandatory("security-group-world-ingress", "app-https", WORLD_MESSAGE(`Security group rule "app-https"`, "port 443"))]);
    });

    it("reads any IPv4 range wider than /8 or IPv6 range wider than /16 as the internet", () => {
        const cases: [string, boolean][] = [
            ["0.0.0.0/0", true],
            ["0.0.0.0/1", true],
            ["128.0.0.0/1", true],
            ["64.0.0.0/7", true],
            ["1.2.3.4/2", true],
            ["10.0.0.0/8", false],
            ["172.16.0.0/12", false],
            ["203.0.113.0/24", false],
            ["203.0.113.7", false],
            ["::/0", true],
            ["::/1", true],
            ["2000::/3", true],
            ["2001:db8::/15", true],
            ["2400::/16", false],
            ["2001:db8::/32", false],
            ["fc00::/7", false],
            ["fd00::/8", false],
            ["fe80::/10", false],
            ["not-a-cidr", false],
        ];
        for (const [cidr, internet] of cases) assert.equal(isInternetRange(cidr), internet, cidr);
    });

    it("covers inline ingress blocks and aws.ec2.SecurityGroupRule", async () => {
        const s = compliantStack();
        s.appGroup.inputs.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }];
        s.f.add(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "legacy",
            { type: "ingress", protocol: "tcp", fromPort: 3000, toPort: 3000, cidrBlocks: ["0.0.0.0/0"] },
            { links: { securityGroupId: s.appGroup } },
        );
        await expectViolations(s.f, [
            mandatory("security-group-world-ingress", "app", WORLD_MESSAGE(`Security group "app"`, "port 5432")),
            mandatory("security-group-world-ingress", "legacy", WORLD_MESSAGE(`Security group rule "legacy"`, "port 3000")),
        ]);
    });
});

describe("rds-not-public", () => {
    it("flags a publicly accessible database", async () => {
        const s = compliantStack();
        s.db.inputs.publiclyAccessible = true;
        await expectViolations(s.f, [
            mandatory("rds-not-public", "db", `RDS instance "db" is publicly accessible; set publiclyAccessible: false (the app reaches it inside the VPC).`),
        ]);
    });
});

describe("imdsv2-required", () => {
    it("flags a launch template that allows IMDSv1, or says nothing", async () => {
        const s = compliantStack();
        s.template.inputs.metadataOptions = { httpTokens: "optional" };
        await expectViolations(s.f, [
            mandatory(
                "imdsv2-required",
                "app",
                `Launch template "app" allows IMDSv1 (metadataOptions.httpTokens is "optional"); set metadataOptions: { httpTokens: "required" }.`,
            ),
        ]);
        delete s.template.inputs.metadataOptions;
        await expectViolations(s.f, [
            mandatory(
                "imdsv2-required",
                "app",
                `Launch template "app" allows IMDSv1 (metadataOptions.httpTokens is "not set"); set metadataOptions: { httpTokens: "required" }.`,
            ),
        ]);
    });
});

describe("s3-public-access-block", () => {
    it("flags a bucket without a public access block", async () => {
        const s = compliantStack();
        s.f.remove(s.dataBlock);
        await expectViolations(s.f, [
            mandatory(
                "s3-public-access-block",
                "data",
                `S3 bucket "data" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with all four settings true.`,
            ),
        ]);
    });

    it("is not fooled by a block computed from this bucket's id that names another bucket", async () => {
        const s = compliantStack();
        s.dataBlock.propertyDependencies = { bucket: [s.data.urn, s.logs.urn] };
        s.dataBlock.inputs.bucket = "alicerce-test-logs";
        await expectViolations(s.f, [
            mandatory(
                "s3-public-access-block",
                "data",
                `S3 bucket "data" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with all four settings true.`,
            ),
        ]);
    });

    it("while one block's bucket is unknown, still checks the buckets it cannot name", async () => {
        const s = compliantStack();
        s.dataBlock.propertyDependencies = {};
        s.dataBlock.inputs.bucket = UNKNOWN_INPUT;
        s.f.remove(s.logsBlock);
        await expectViolations(s.f, [
            mandatory(
                "s3-public-access-block",
                "logs",
                `S3 bucket "logs" has no public access block; add an aws.s3.BucketPublicAccessBlock for it with all four settings true.`,
            ),
        ]);
    });

    it("flags a block that leaves settings off", async () => {
        const s = compliantStack();
        s.dataBlock.inputs.blockPublicPolicy = false;
        delete s.dataBlock.inputs.restrictPublicBuckets;
        await expectViolations(s.f, [
            mandatory(
                "s3-public-access-block",
                "data-block",
                `Public access block "data-block" leaves blockPublicPolicy, restrictPublicBuckets off; set all four to true.`,
            ),
        ]);
    });
});

describe("instances-no-public-ip and instances-public-ip-without-nat", () => {
    it("flags an auto scaling group in subnets that assign public IPs: mandatory in prod, and wherever a NAT gateway exists", async () => {
        const prod = compliantStack("prod");
        prod.f.link(prod.group, "vpcZoneIdentifiers", [prod.publicSubnet]);
        await expectViolations(prod.f, [
            mandatory(
                "instances-no-public-ip",
                "app",
                `Auto scaling group "app" launches into subnet "public-a", which assigns public IPs (mapPublicIpOnLaunch); in prod instances stay in private subnets and reach the internet through NAT.`,
            ),
        ]);
        const growth = compliantStack("growth");
        growth.f.add("aws:ec2/natGateway:NatGateway", "nat", { connectivityType: "public" });
        growth.f.link(growth.group, "vpcZoneIdentifiers", [growth.publicSubnet]);
        await expectViolations(growth.f, [
            mandatory(
                "instances-no-public-ip",
                "app",
                `Auto scaling group "app" launches into subnet "public-a", which assigns public IPs (mapPublicIpOnLaunch); in growth instances stay in private subnets and reach the internet through NAT.`,
            ),
        ]);
    });

    it("only notes it below prod without a NAT gateway, whose egress design needs public IPs", async () => {
        for (const tier of ["mvp", "growth"] as const) {
            const s = compliantStack(tier);
            s.f.link(s.group, "vpcZoneIdentifiers", [s.publicSubnet]);
            await expectViolations(s.f, [
                advisory(
                    "instances-public-ip-without-nat",
                    "app",
                    `Auto scaling group "app" launches into subnet "public-a", which assigns public IPs (mapPublicIpOnLaunch): expected without a NAT gateway (egress through public subnets); keep its security group closed to the internet.`,
                ),
            ]);
        }
    });

    it("flags a launch template that asks for a public IP, and trusts one that refuses it", async () => {
        const s = compliantStack();
        s.template.inputs.networkInterfaces = [{ deviceIndex: 0, associatePublicIpAddress: "true" }];
        await expectViolations(s.f, [
            mandatory(
                "instances-no-public-ip",
                "app",
                `Launch template "app" gives its instances a public IP (networkInterfaces associatePublicIpAddress "true"); in prod instances stay in private subnets and reach the internet through NAT.`,
            ),
        ]);
        s.template.inputs.networkInterfaces = [{ deviceIndex: 0, associatePublicIpAddress: "false" }];
        s.f.link(s.group, "vpcZoneIdentifiers", [s.publicSubnet]);
        await expectViolations(s.f, []);
    });
});

describe("alb-waf", () => {
    it("flags an internet-facing load balancer without a WAF in prod, not in mvp or growth (behind Cloudflare there)", async () => {
        for (const tier of ["prod"] as const) {
            const s = compliantStack(tier);
            s.f.remove(s.waf);
            await expectViolations(s.f, [
                mandatory(
                    "alb-waf",
                    "alb",
                    `Internet-facing load balancer "alb" has no WAF web ACL in a ${tier} stack; associate one with an aws.wafv2.WebAclAssociation.`,
                ),
            ]);
        }
        for (const tier of ["mvp", "growth"] as const) {
            const s = compliantStack(tier);
            s.f.remove(s.waf);
            await expectViolations(s.f, []);
        }
    });

    it("is not fooled by a WAF association on another load balancer", async () => {
        const s = compliantStack("prod");
        // A network load balancer: no WAF can sit on it, and no HTTPS rule applies to it.
        const internal = s.f.add("aws:lb/loadBalancer:LoadBalancer", "internal", { internal: true, loadBalancerType: "network" });
        s.waf.propertyDependencies = { resourceArn: [internal.urn] };
        await expectViolations(s.f, [
            mandatory(
                "alb-waf",
                "alb",
                `Internet-facing load balancer "alb" has no WAF web ACL in a prod stack; associate one with an aws.wafv2.WebAclAssociation.`,
            ),
        ]);
    });

    it("while one association's load balancer is unknown, still checks the load balancers it cannot name", async () => {
        const s = compliantStack("prod");
        s.waf.propertyDependencies = {};
        s.waf.dependencies = [];
        s.waf.inputs.resourceArn = UNKNOWN_INPUT;
        await expectViolations(s.f, [
            mandatory(
                "alb-waf",
                "alb",
                `Internet-facing load balancer "alb" has no WAF web ACL in a prod stack; associate one with an aws.wafv2.WebAclAssociation.`,
            ),
        ]);
    });

    it("treats a program that exports no tier as prod", async () => {
        const s = compliantStack("growth");
        delete s.f.outputs.tier;
        s.f.remove(s.waf);
        await expectViolations(s.f, [
            mandatory(
                "alb-waf",
                "alb",
                `Internet-facing load balancer "alb" has no WAF web ACL in a prod stack; associate one with an aws.wafv2.WebAclAssociation.`,
            ),
        ]);
    });
});

describe("prod-database-resilience", () => {
    it("flags a single-AZ, deletable prod database with short backups", async () => {
        const s = compliantStack("prod");
        Object.assign(s.db.inputs, { multiAz: false, deletionProtection: false, backupRetentionPeriod: 7 });
        await expectViolations(s.f, [
            mandatory("prod-database-resilience", "db", `Prod database "db" can be deleted by mistake; set deletionProtection: true.`),
            mandatory("prod-database-resilience", "db", `Prod database "db" is single-AZ; set multiAz: true.`),
            mandatory("prod-database-resilience", "db", `Prod database "db" keeps backups for 7 days; set backupRetentionPeriod to at least 14.`),
        ]);
    });

    it("holds a read replica to deletion protection only", async () => {
        const s = compliantStack("prod");
        assert.equal(s.replica.inputs.multiAz, undefined);
        delete s.replica.inputs.deletionProtection;
        await expectViolations(s.f, [
            mandatory("prod-database-resilience", "db-replica", `Prod database "db-replica" can be deleted by mistake; set deletionProtection: true.`),
        ]);
    });

    it("does not apply below prod", async () => {
        const s = compliantStack("growth");
        Object.assign(s.db.inputs, { multiAz: false, deletionProtection: false, backupRetentionPeriod: 7 });
        await expectViolations(s.f, []);
    });
});

describe("digitalocean-firewall-ssh", () => {
    it("flags SSH open to the internet, including through a wide range", async () => {
        for (const portRange of ["22", "1-65535", "all"]) {
            const s = compliantStack();
            s.doFirewall.inputs.inboundRules.push({ protocol: "tcp", portRange, sourceAddresses: ["0.0.0.0/0", "::/0"] });
            await expectViolations(s.f, [
                mandatory(
                    "digitalocean-firewall-ssh",
                    "do-firewall",
                    `Firewall "do-firewall" opens SSH (port 22) to 0.0.0.0/0 and ::/0; reach droplets through the DigitalOcean console or a VPN, or name a trusted address range.`,
                ),
            ]);
        }
    });

    it("flags SSH opened to the internet in pieces", async () => {
        const s = compliantStack();
        s.doFirewall.inputs.inboundRules.push({ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/1", "128.0.0.0/1", "::/1"] });
        await expectViolations(s.f, [
            mandatory(
                "digitalocean-firewall-ssh",
                "do-firewall",
                `Firewall "do-firewall" opens SSH (port 22) to 0.0.0.0/1 and 128.0.0.0/1 and ::/1; reach droplets through the DigitalOcean console or a VPN, or name a trusted address range.`,
            ),
        ]);
    });

    it("allows SSH from a named range", async () => {
        const s = compliantStack();
        s.doFirewall.inputs.inboundRules.push({ protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.0/24"] });
        await expectViolations(s.f, []);
    });

    it("reads DigitalOcean port ranges", () => {
        assert.ok(portRangeIncludes("20-30", 22));
        assert.ok(!portRangeIncludes("80", 22));
        assert.ok(!portRangeIncludes("23-1024", 22));
        assert.ok(portRangeIncludes(undefined, 22));
    });
});
