import { strict as assert } from "assert";
import {
    albLcuAt,
    assumptionsForTier,
    budgetAdvice,
    DEFAULT_ASSUMPTIONS,
    requestsPerMonth,
    TIER_TRAFFIC_RPM,
    AWS_SA_EAST_1,
    AWS_US_EAST_1,
    costByComponent,
    DIGITALOCEAN,
    estimateCost,
    FREE_TYPES,
    Price,
    PRICED_TYPES,
    PricedResource,
} from ".";

/** Within half a cent: the figures below are hand-computed to the tenth of a cent. */
function near(actual: number, expected: number, what: string): void {
    assert.ok(Math.abs(actual - expected) < 0.005, `${what}: ${actual} is not ${expected}`);
}

let n = 0;
/** A recorded resource for fixtures: a stable URN from type and name. */
function res(type: string, name: string, inputs: Record<string, any> = {}, extra: Partial<PricedResource> = {}): PricedResource {
    n++;
    return { urn: `urn:pulumi:test::alicerce::${type}::${name}`, type, name, inputs, custom: true, ...extra };
}
const component = (name: string) => res("alicerce:aws:Thing", name, {}, { custom: false });
const US = { cloud: "aws", region: "us-east-1" } as const;

describe("cost model", () => {
    describe("an mvp-like AWS stack (us-east-1), hand-computed", () => {
        const app = component("app");
        const data = component("data");
        const template = res(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "app-template",
            {
                instanceType: "t4g.micro",
                blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 20, volumeType: "gp3" } }],
                networkInterfaces: [{ associatePublicIpAddress: "true" }],
            },
            { parent: app.urn },
        );
        const resources = [
            app,
            data,
            template,
            res("aws:autoscaling/group:Group", "app-asg", { minSize: 1, maxSize: 1 }, { parent: app.urn, dependencies: [template.urn] }),
            res("aws:lb/loadBalancer:LoadBalancer", "app-alb", { subnets: ["subnet-a", "subnet-b"] }, { parent: app.urn }),
            res(
                "aws:rds/instance:Instance",
                "data-db",
                { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, storageType: "gp3" },
                { parent: data.urn },
            ),
            res("aws:kms/key:Key", "data-key", {}, { parent: data.urn }),
            res("aws:secretsmanager/secret:Secret", "data-secret", {}, { parent: data.urn }),
            res("aws:s3/bucket:Bucket", "data-bucket", {}, { parent: data.urn }),
            res("aws:cloudwatch/metricAlarm:MetricAlarm", "app-cpu", { period: 300 }, { parent: app.urn }),
            res("aws:cloudwatch/logGroup:LogGroup", "app-logs", { retentionInDays: 14 }, { parent: app.urn }),
            res("aws:ec2/subnet:Subnet", "app-public-a", { mapPublicIpOnLaunch: true }, { parent: app.urn }),
        ];
        const estimate = estimateCost(resources, US);

        it("prices each item from its inputs", () => {
            const by = (name: string, basis: RegExp) => {
                const found = estimate.lines.filter((l) => l.name === name && basis.test(l.basis));
                assert.equal(found.length, 1, `one line for ${name} ${basis}`);
                return found[0].monthlyUsd;
            };
            near(by("app-asg", /t4g\.micro/), 6.132, "1 × t4g.micro: 0.0084 × 730");
            near(by("app-asg", /^EBS/), 1.6, "20 GB gp3 × 0.08");
            near(by("app-asg", /public IPv4/), 3.65, "1 public address: 0.005 × 730");
            near(by("app-alb", /^ALB/), 16.425, "ALB 0.0225 × 730");
            near(by("app-alb", /LCU/), 5.84, "1 LCU 0.008 × 730");
            near(by("app-alb", /public IPv4/), 7.3, "2 AZ addresses: 2 × 0.005 × 730");
            near(by("data-db", /instance/), 11.68, "db.t4g.micro 0.016 × 730");
            near(by("data-db", /storage/), 2.3, "20 GB × 0.115");
            near(by("data-key", /key/), 1, "one KMS key");
            near(by("data-key", /requests/), 0.06, "20,000 KMS requests at $0.03 per 10,000");
            near(by("data-secret", /^secret/), 0.4, "one secret");
            near(by("data-secret", /API calls/), 0.05, "10,000 calls at $0.05 per 10,000");
            near(by("data-bucket", /requests/), 0.054, "10,000 GET at $0.0004/1,000 + 10,000 PUT at $0.005/1,000");
            near(by("data-bucket", /GB/), 0.115, "5 GB × 0.023");
            near(by("app-cpu", /metric/), 0.1, "one standard alarm metric");
            near(by("app-logs", /ingested/), 0.514, "1 GB × 0.50 + 14/30 GB stored × 0.03 = 0.5 + 0.014");
        });

        it("totals them: 6.132 + 1.6 + 3.65 + 22.265 + 7.3 + 11.68 + 2.3 + 1.06 + 0.45 + 0.169 + 0.1 + 0.514 = 57.22", () => {
            near(estimate.total, 57.22, "total");
            near(estimate.totalMax, 57.22, "nothing scales");
            near(estimate.totalMin, 57.22, "no traffic assumed: nothing is idle-dependent");
        });

        it("groups by component and lists the subnet as free, not unpriced", () => {
            const groups = costByComponent(estimate);
            assert.deepEqual(
                groups.map((g) => g.component),
                ["app", "data"],
            );
            near(groups[0].monthlyUsd, 6.132 + 1.6 + 3.65 + 22.265 + 7.3 + 0.1 + 0.514, "app");
            assert.deepEqual(estimate.unpriced, []);
            assert.deepEqual(estimate.free.map((f) => f.type).sort(), ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/subnet:Subnet"]);
        });
    });

    describe("scaling ranges", () => {
        it("an ASG runs its desired count and ranges from min to max", () => {
            const template = res("aws:ec2/launchTemplate:LaunchTemplate", "t", { instanceType: "t4g.medium" });
            const privateSubnet = res("aws:ec2/subnet:Subnet", "private-a", { mapPublicIpOnLaunch: false });
            const asg = res("aws:autoscaling/group:Group", "asg", { minSize: 2, maxSize: 5 }, { dependencies: [template.urn, privateSubnet.urn] });
            const e = estimateCost([template, privateSubnet, asg], US);
            const compute = e.lines.find((l) => /t4g\.medium/.test(l.basis))!;
            // No desiredCapacity: AWS starts at minSize. 2 × 0.0336 × 730 = 49.056; 5 × = 122.64.
            near(compute.monthlyUsd, 49.056, "2 × t4g.medium");
            assert.deepEqual(
                compute.range?.map((x) => +x.toFixed(3)),
                [49.056, 122.64],
            );
            // Root volume: 8 GB gp3 × 0.08 = 0.64 per instance; 2 to 5 instances.
            near(e.lines.find((l) => /^EBS/.test(l.basis))!.monthlyUsd, 1.28, "2 × 8 GB gp3");
            assert.ok(!e.lines.some((l) => /public IPv4/.test(l.basis)), "private subnets: no public address");
            near(e.totalMax, 122.64 + 3.2, "5 instances with their volumes");
        });

        it("RDS Multi-AZ doubles instance and storage; the replica inherits storage; storage autoscaling gives the range", () => {
            const primary = res("aws:rds/instance:Instance", "db", {
                identifier: "db",
                engine: "postgres",
                instanceClass: "db.t4g.small",
                multiAz: true,
                allocatedStorage: 50,
                maxAllocatedStorage: 200,
                storageType: "gp3",
                performanceInsightsEnabled: true,
                performanceInsightsRetentionPeriod: 7,
                monitoringInterval: 60,
            });
            const replica = res("aws:rds/instance:Instance", "db-replica", { replicateSourceDb: "db", instanceClass: "db.t4g.small" });
            const e = estimateCost([primary, replica], US);
            const of = (name: string, basis: RegExp) => e.lines.find((l) => l.name === name && basis.test(l.basis))!;
            near(of("db", /instance/).monthlyUsd, 46.72, "0.032 × 730 × 2");
            near(of("db", /storage/).monthlyUsd, 11.5, "50 GB × 0.115 × 2");
            assert.deepEqual(
                of("db", /storage/).range?.map((x) => +x.toFixed(2)),
                [11.5, 46],
                "to 200 GB × 0.115 × 2",
            );
            near(of("db", /Performance Insights/).monthlyUsd, 0, "7 days are free");
            near(of("db", /Enhanced Monitoring/).monthlyUsd, 0.025, "0.05 GB × 0.50");
            near(of("db-replica", /read replica/).monthlyUsd, 23.36, "0.032 × 730, single-AZ");
            near(of("db-replica", /storage/).monthlyUsd, 5.75, "the source's 50 GB gp3 × 0.115");
            near(e.total, 46.72 + 11.5 + 0.025 + 23.36 + 5.75, "total");
        });

        it("Performance Insights beyond 7 days is priced per vCPU", () => {
            const db = res("aws:rds/instance:Instance", "db", {
                engine: "postgres",
                instanceClass: "db.t4g.small",
                allocatedStorage: 20,
                performanceInsightsEnabled: true,
                performanceInsightsRetentionPeriod: 31,
            });
            // 2 vCPU × 0.0125 × 730 = 18.25.
            near(estimateCost([db], US).lines.find((l) => /Performance Insights/.test(l.basis))!.monthlyUsd, 18.25, "Database Insights Advanced");
        });
    });

    describe("other AWS items", () => {
        it("prices NAT, Elastic IP, WAF, endpoints and backups from their inputs", () => {
            const db = res("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 40 });
            const e = estimateCost(
                [
                    res("aws:ec2/natGateway:NatGateway", "nat"),
                    res("aws:ec2/eip:Eip", "nat-ip", { domain: "vpc" }),
                    res("aws:wafv2/webAcl:WebAcl", "waf", {
                        rules: [
                            { name: "a" },
                            { name: "b" },
                            { name: "c", statement: { managedRuleGroupStatement: { name: "AWSManagedRulesBotControlRuleSet" } } },
                        ],
                    }),
                    res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", { vpcEndpointType: "Gateway" }),
                    res("aws:ec2/vpcEndpoint:VpcEndpoint", "ecr", { vpcEndpointType: "Interface", subnetIds: ["a", "b", "c"] }),
                    db,
                    res("aws:backup/selection:Selection", "backup", {}, { dependencies: [db.urn] }),
                    res("aws:cloudwatch/metricAlarm:MetricAlarm", "anomaly", {
                        thresholdMetricId: "ad1",
                        metricQueries: [
                            { id: "m1", metric: { period: 60 } },
                            { id: "ad1", expression: "ANOMALY_DETECTION_BAND(m1)" },
                        ],
                    }),
                    res("aws:cloudwatch/metricAlarm:MetricAlarm", "fast", { period: 10 }),
                    res("aws:cloudwatch/logGroup:LogGroup", "forever", {}),
                ],
                US,
            );
            const of = (name: string) => e.lines.filter((l) => l.name === name).reduce((s, l) => s + l.monthlyUsd, 0);
            near(of("nat"), 33.3, "0.045 × 730 = 32.85, + 10 GB × 0.045 = 0.45");
            near(of("nat-ip"), 3.65, "0.005 × 730");
            near(of("waf"), 5 + 3 + 1.2 + 10, "ACL 5 + 3 rules + 2 M requests × 0.60 + Bot Control 10");
            near(of("s3"), 0, "gateway endpoints are free");
            near(of("ecr"), 21.91, "3 AZ × 0.01 × 730 = 21.90, + 1 GB × 0.01");
            near(of("backup"), 3.8, "40 GB × 0.095");
            near(of("anomaly"), 0.3, "1 metric with an anomaly band counts 3 × 0.10");
            near(of("fast"), 0.3, "high resolution 0.30");
            near(of("forever"), 0.5 + 1 * (365 / 30) * 0.03, "never expires: a year stored");
        });
    });

    describe("São Paulo (sa-east-1)", () => {
        it("prices with its own table", () => {
            const template = res("aws:ec2/launchTemplate:LaunchTemplate", "t", { instanceType: "t4g.micro" });
            const asg = res("aws:autoscaling/group:Group", "asg", { minSize: 1, maxSize: 1 }, { dependencies: [template.urn] });
            const e = estimateCost([template, asg, res("aws:ec2/natGateway:NatGateway", "nat")], { cloud: "aws", region: "sa-east-1" });
            assert.equal(e.priceTable, "aws sa-east-1");
            near(e.lines.find((l) => /t4g\.micro/.test(l.basis))!.monthlyUsd, 9.782, "0.0134 × 730");
            near(e.lines.find((l) => l.name === "nat")!.monthlyUsd, 68.82, "0.093 × 730 = 67.89, + 10 GB × 0.093 = 0.93");
        });

        it("says so when a region has no table of its own", () => {
            const e = estimateCost([res("aws:kms/key:Key", "k")], { cloud: "aws", region: "eu-west-1" });
            assert.equal(e.priceTable, "aws us-east-1");
            assert.ok(e.assumptions.some((a) => /no price table for eu-west-1/.test(a)));
        });
    });

    describe("DigitalOcean, a growth-like stack", () => {
        const resources = [
            res("digitalocean:index/dropletAutoscale:DropletAutoscale", "app", {
                config: { minInstances: 1, maxInstances: 3 },
                dropletTemplate: { size: "s-1vcpu-2gb" },
            }),
            res("digitalocean:index/loadBalancer:LoadBalancer", "lb", { sizeUnit: 1 }),
            res("digitalocean:index/databaseCluster:DatabaseCluster", "db", { engine: "pg", size: "db-s-1vcpu-2gb", nodeCount: 1 }),
            res("digitalocean:index/spacesBucket:SpacesBucket", "uploads"),
            res("digitalocean:index/spacesBucket:SpacesBucket", "backups"),
            res("digitalocean:index/containerRegistry:ContainerRegistry", "registry", { subscriptionTierSlug: "starter" }),
            res("digitalocean:index/firewall:Firewall", "fw"),
            res("digitalocean:index/vpc:Vpc", "vpc"),
        ];
        const e = estimateCost(resources, { cloud: "digitalocean", region: "nyc3" });

        it("totals 12 (1 droplet) + 12 (LB node) + 30 (database) + 5 (Spaces, once) + 0 (starter registry) = 59", () => {
            near(e.total, 59, "total");
            near(e.totalMax, 59 + 24, "3 droplets at most");
            assert.deepEqual(
                e.lines.filter((l) => l.type.endsWith("SpacesBucket") && !l.basis.startsWith("usage")).map((l) => l.monthlyUsd),
                [5, 0],
            );
            assert.deepEqual(e.unpriced, []);
        });

        it("prices standby nodes and read-only nodes per node", () => {
            const ha = estimateCost(
                [
                    res("digitalocean:index/databaseCluster:DatabaseCluster", "db", { engine: "pg", size: "db-s-2vcpu-4gb", nodeCount: 2 }),
                    res("digitalocean:index/databaseReplica:DatabaseReplica", "ro", { size: "db-s-2vcpu-4gb" }),
                ],
                { cloud: "digitalocean" },
            );
            near(ha.total, 2 * 60 + 60, "primary + standby + read-only node at $60");
        });
    });

    describe("what it cannot price", () => {
        it("reports unknown types and unknown sizes instead of pricing them at zero", () => {
            const e = estimateCost(
                [
                    res("aws:lambda/function:Function", "fn"),
                    res("aws:ec2/instance:Instance", "big", { instanceType: "u-24tb1.metal" }),
                    res("aws:rds/instance:Instance", "mysql", { engine: "mysql", instanceClass: "db.t4g.micro", allocatedStorage: 20 }),
                ],
                US,
            );
            assert.deepEqual(
                e.unpriced.map((u) => [u.name, u.reason]),
                [
                    ["fn", "no price and not on the free list"],
                    ["big", "no price for instance type u-24tb1.metal in us-east-1"],
                    ["mysql", "only RDS for PostgreSQL is priced (engine mysql)"],
                ],
            );
            assert.equal(e.total, 0);
        });

        it("never prices components, providers or the stack", () => {
            const e = estimateCost(
                [res("pulumi:pulumi:Stack", "alicerce-dev", {}, { custom: false }), res("pulumi:providers:aws", "aws"), component("app")],
                US,
            );
            assert.deepEqual([e.lines, e.unpriced, e.free], [[], [], []]);
        });
    });

    describe("price data", () => {
        const prices = (table: object): [string, Price][] => {
            const out: [string, Price][] = [];
            const walk = (v: unknown, at: string) => {
                if (v && typeof v === "object" && "usd" in v && "source" in v) out.push([at, v as Price]);
                else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
            };
            walk(table, "");
            return out;
        };

        for (const [name, table] of [
            ["aws us-east-1", AWS_US_EAST_1],
            ["aws sa-east-1", AWS_SA_EAST_1],
            ["digitalocean", DIGITALOCEAN],
        ] as const) {
            it(`${name}: every price cites a public page and the date it was read`, () => {
                const all = prices(table);
                assert.ok(all.length > 20);
                for (const [at, p] of all) {
                    assert.match(p.source, /^https:\/\/(aws\.amazon\.com|www\.digitalocean\.com)\//, `${at}: source`);
                    assert.match(p.read, /^\d{4}-\d{2}-\d{2}$/, `${at}: read date`);
                    assert.ok(Number.isFinite(p.usd) && p.usd >= 0, `${at}: usd`);
                }
            });
        }

        it("São Paulo prices every instance type and class us-east-1 prices for the tiers", () => {
            const tiers = ["t4g.micro", "t4g.small", "t4g.medium"];
            for (const t of tiers) assert.ok(AWS_SA_EAST_1.ec2[t].usd > AWS_US_EAST_1.ec2[t].usd, t);
            for (const c of ["db.t4g.micro", "db.t4g.small"]) assert.ok(AWS_SA_EAST_1.rdsPostgres[c].usd > AWS_US_EAST_1.rdsPostgres[c].usd, c);
        });

        it("no type is both priced and on the free list", () => {
            assert.deepEqual(
                PRICED_TYPES.filter((t) => FREE_TYPES[t] !== undefined),
                [],
            );
            assert.ok(n > 0);
        });
    });
});

// Prices: https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer out $0.09/GB), https://aws.amazon.com/s3/pricing/
// ($0.005 per 1,000 PUT, $0.0004 per 1,000 GET), https://aws.amazon.com/elasticloadbalancing/pricing/ (LCU dimensions:
// 25 new connections/s, 3,000 active connections/min, 1 GB/h for EC2 targets, 1,000 rule evaluations/s),
// https://aws.amazon.com/cloudwatch/pricing/ ($0.50/GB ingested).
describe("cost model at a tier's stated traffic", () => {
    const prod = assumptionsForTier("prod");
    const alb = res("aws:lb/loadBalancer:LoadBalancer", "edge-alb", { subnets: ["a", "b", "c"] });
    const assets = res("aws:s3/bucket:Bucket", "storage-assets");
    const logs = res("aws:cloudwatch/logGroup:LogGroup", "alicerce-app-logs", { retentionInDays: 30 });
    const e = estimateCost([alb, assets, logs], US, prod);
    const find = (name: string, basis: RegExp) => {
        const found = e.lines.filter((l) => l.name === name && basis.test(l.basis));
        assert.equal(found.length, 1, `one line for ${name} ${basis}`);
        return found[0];
    };

    it("prod is 1,000 requests a minute: 43.8 million a month, 0.667 LCU (new connections dominate), 43.8 million WAF requests", () => {
        assert.equal(TIER_TRAFFIC_RPM.prod, 1000);
        assert.equal(requestsPerMonth(1000), 43_800_000);
        near(prod.albLcuPerHour, 0.667, "16.67 new connections/s ÷ 25");
        near(prod.wafMillionRequestsMonth, 43.8, "WAF requests");
        near(albLcuAt(1000, 100), 6, "100 KB a request: 6 GB/h processed dominates");
    });

    it("prices data transfer out at the stated traffic: 43.8 M × 5 KB = 219 GB × $0.09 = $19.71, idle to × 3", () => {
        const l = find("edge-alb", /data transfer out/);
        near(l.monthlyUsd, 19.71, "data out");
        assert.deepEqual(
            l.range?.map((x) => +x.toFixed(2)),
            [0, 59.13],
        );
        near(find("edge-alb", /LCU/).monthlyUsd, 0.667 * 0.008 * 730, "LCU");
    });

    it("prices S3 requests in the app's bucket: 2.19 M GET ($0.876) + 219,000 PUT ($1.095)", () => {
        near(find("storage-assets", /requests/).monthlyUsd, 1.971, "S3 requests");
    });

    it("prices the app's log group by traffic: 43.8 M × 200 B = 8.76 GB at $0.50 + 8.76 GB stored at $0.03", () => {
        near(find("alicerce-app-logs", /ingested/).monthlyUsd, 8.76 * 0.5 + 8.76 * 0.03, "app logs");
    });

    it("gives a minimum (idle), a typical and a scaled-out figure", () => {
        assert.ok(e.totalMin < e.total && e.total < e.totalMax, `${e.totalMin} < ${e.total} < ${e.totalMax}`);
        near(e.totalMin, 16.425 + 3 * 3.65 + 0.115, "idle: ALB hours, 3 addresses, 5 GB stored; no traffic, LCU, requests or logs");
    });

    it("an ALB that is dualstack-without-public-ipv4 holds no public IPv4 address", () => {
        const v6 = estimateCost(
            [res("aws:lb/loadBalancer:LoadBalancer", "v6-alb", { subnets: ["a", "b"], ipAddressType: "dualstack-without-public-ipv4" })],
            US,
            prod,
        );
        assert.deepEqual(
            v6.lines.filter((l) => /IPv4/.test(l.basis)),
            [],
        );
    });

    it("states only its own cloud's assumptions: no droplet allowance on AWS, no LCU, NAT or KMS on DigitalOcean", () => {
        const aws = estimateCost([alb], US, prod).assumptions.join("\n");
        const doEstimate = estimateCost(
            [res("digitalocean:index/droplet:Droplet", "web", { size: "s-1vcpu-1gb" })],
            { cloud: "digitalocean", region: "nyc3" },
            prod,
        );
        const digitalocean = doEstimate.assumptions.join("\n");
        assert.match(aws, /LCU/);
        assert.doesNotMatch(aws, /DigitalOcean|droplet/);
        assert.match(digitalocean, /droplet transfer/);
        assert.doesNotMatch(digitalocean, /LCU|NAT gateway|KMS|WAF|Auto Scaling/);
        // Both keep the traffic they are priced at.
        for (const text of [aws, digitalocean]) assert.match(text, /1000 requests a minute/);
    });

    it("an unknown tier keeps the default assumptions (no traffic lines)", () => {
        assert.equal(assumptionsForTier("staging"), DEFAULT_ASSUMPTIONS);
        const idle = estimateCost([alb], US);
        assert.deepEqual(
            idle.lines.filter((l) => /data transfer/.test(l.basis)),
            [],
        );
    });
});

describe("budget advice", () => {
    const db = res("aws:rds/instance:Instance", "database-primary", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, multiAz: true });
    const nat = res("aws:ec2/natGateway:NatGateway", "network-nat-0");
    const key = res("aws:kms/key:Key", "kms");
    const e = estimateCost([db, nat, key], US);

    it("is silent within the budget", () => {
        assert.equal(budgetAdvice(e, 1000), undefined);
    });

    it("names the three biggest items and the smallest single key that brings the stack under", () => {
        // total: 23.36 + 4.6 + 33.30 + 1.06 = 62.32; $5 over: dbHighAvailability false saves 11.68, egress 33.30
        const advice = budgetAdvice(e, e.total - 5)!;
        assert.match(
            advice,
            /Biggest items: network-nat-0 \$33\.30 \(NAT gateway[^)]*\)[^;]*; database-primary \$23\.36 [^;]+; database-primary \$4\.60 [^;]+\./,
        );
        assert.match(advice, /To bring it under: set alicerce:dbHighAvailability false \(saves about \$11\.68; gives up the synchronous standby/);
        assert.match(budgetAdvice(e, e.total - 20)!, /set alicerce:egress public-subnets \(saves about \$33\.30/);
        assert.match(budgetAdvice(e, 1)!, /no single key brings it under; the biggest is alicerce:egress public-subnets/);
    });

    it("says when no config key lowers the items", () => {
        assert.match(budgetAdvice(estimateCost([key], US), 0.5)!, /no config key lowers these items; raise alicerce:budgetUsd or pick a lower alicerce:tier/);
    });
});

// --- q-do: DigitalOcean prices, transfer and assumptions ---
describe("cost model: DigitalOcean usage (q-do)", () => {
    // https://www.digitalocean.com/pricing/droplets: premium Intel 1/2/4/8 GB is $8/$16/$32/$64 a month
    // (premium AMD is $7/$14/$28/$56); the regular 512 MB droplet is $4 with 500 GB of transfer.
    it("prices premium Intel droplets apart from premium AMD", () => {
        const usd = (slug: string) => DIGITALOCEAN.droplets[slug].usd;
        assert.deepEqual(["s-1vcpu-1gb-intel", "s-1vcpu-2gb-intel", "s-2vcpu-4gb-intel", "s-4vcpu-8gb-intel"].map(usd), [8, 16, 32, 64]);
        assert.deepEqual(["s-1vcpu-1gb-amd", "s-1vcpu-2gb-amd", "s-2vcpu-4gb-amd", "s-4vcpu-8gb-amd"].map(usd), [7, 14, 28, 56]);
        assert.equal(usd("s-1vcpu-512mb-10gb"), 4);
    });

    // https://docs.digitalocean.com/products/droplets/details/pricing/ ("Droplet Bandwidth"): each plan includes
    // outbound transfer, pooled across the team's droplets; beyond it $0.01 per GiB. Load balancers are bandwidth
    // neutral (https://docs.digitalocean.com/products/networking/load-balancers/).
    const web = (size: string, min: number) => [
        res("digitalocean:index/dropletAutoscale:DropletAutoscale", `app-${size}`, {
            config: { minInstances: min, maxInstances: min + 2 },
            dropletTemplate: { size },
        }),
        res("digitalocean:index/loadBalancer:LoadBalancer", `lb-${size}`, { sizeUnit: 1 }),
    ];
    const transfer = (e: ReturnType<typeof estimateCost>) => e.lines.find((l) => /^data transfer out/.test(l.basis))!;

    it("prices droplet transfer beyond the pooled allowance, and none within it", () => {
        // 1,000 requests a minute × 5 KB = 219 GB a month: inside one 1 GB droplet's 1,000 GB.
        const within = estimateCost(web("s-1vcpu-1gb", 1), { cloud: "digitalocean" }, assumptionsForTier("prod"));
        assert.equal(transfer(within).monthlyUsd, 0);
        assert.match(transfer(within).basis, /219 GB against the 1000 GB/);
        // 100 KB a response: 4,380 GB against a 512 MB droplet's 500 GB -> 3,880 GB × $0.01.
        const heavy = { ...assumptionsForTier("prod"), originKbPerRequest: 100 };
        const over = estimateCost(web("s-1vcpu-512mb-10gb", 1), { cloud: "digitalocean" }, heavy);
        near(transfer(over).monthlyUsd, 38.8, "(4380 - 500) × 0.01");
        near(transfer(over).range![1], (3 * 4380 - 500) * 0.01, "three times the traffic");
        // A single host without a load balancer: its droplet carries the line (s-2vcpu-4gb: 4,000 GB).
        const host = estimateCost(
            [res("digitalocean:index/droplet:Droplet", "host", { size: "s-2vcpu-4gb" })],
            { cloud: "digitalocean" },
            assumptionsForTier("growth"),
        );
        assert.match(transfer(host).basis, /65\.7 GB against the 4000 GB/);
        // Idle: no transfer line at all.
        assert.equal(estimateCost(web("s-1vcpu-1gb", 1), { cloud: "digitalocean" }).lines.filter((l) => /^data transfer/.test(l.basis)).length, 0);
    });

    // https://www.digitalocean.com/pricing/spaces-object-storage: $5 a month includes 250 GiB stored and 1 TiB out
    // (the CDN's transfer counts there); $0.02/GiB-month and $0.01/GiB beyond.
    it("prices Spaces storage and CDN transfer beyond the subscription", () => {
        const spaces = [res("digitalocean:index/spacesBucket:SpacesBucket", "a"), res("digitalocean:index/cdn:Cdn", "cdn")];
        const usage = (e: ReturnType<typeof estimateCost>) => e.lines.find((l) => /^usage:/.test(l.basis))!;
        assert.equal(usage(estimateCost(spaces, { cloud: "digitalocean" })).monthlyUsd, 0);
        const big = { ...DEFAULT_ASSUMPTIONS, s3GbPerBucket: 300, cdnGbOutMonth: 2024 };
        near(usage(estimateCost(spaces, { cloud: "digitalocean" }, big)).monthlyUsd, 50 * 0.02 + 1000 * 0.01, "50 GiB and 1,000 GiB over");
    });

    it("states what each DigitalOcean line assumes, and nothing AWS-only", () => {
        const e = estimateCost(web("s-1vcpu-1gb", 1), { cloud: "digitalocean" }, assumptionsForTier("growth"));
        const text = e.assumptions.join("\n");
        assert.match(text, /300 requests a minute .*5 a second/);
        assert.match(text, /droplet transfer: 5 KB .*65\.7 GB a month/);
        assert.match(text, /load balancer: billed per node, no per-request or per-GB charge/);
        assert.match(text, /Spaces: 5 GB stored per bucket and 50 GB a month out through each Spaces CDN/);
        assert.match(text, /container registry: 1 GB of images per repository/);
        assert.doesNotMatch(text, /NAT|WAF|KMS|LCU|CloudWatch|log group|S3 bucket|Enhanced Monitoring|Auto Scaling group/);
        // And the AWS estimate does not carry DigitalOcean's lines.
        const aws = estimateCost([res("aws:kms/key:Key", "k")], { cloud: "aws", region: "us-east-1" }, assumptionsForTier("growth"));
        assert.doesNotMatch(aws.assumptions.join("\n"), /DigitalOcean|droplet/);
    });
});

// --- q-budget-aws: CloudWatch custom metrics and their API requests, replica buckets, RDS upgrade logs ---
// https://aws.amazon.com/cloudwatch/pricing/: custom metrics $0.30 per metric-month (first 10,000), API requests
// (PutMetricData and the like) $0.01 per 1,000; a metric is one namespace + name + dimension set, billed once
// however many alarms and dashboards read it.
describe("cost model: CloudWatch custom metrics (q-budget-aws)", () => {
    const alarm = (name: string, metric: Record<string, unknown>) => res("aws:cloudwatch/metricAlarm:MetricAlarm", name, { period: 60, ...metric });
    const depth = { namespace: "Alicerce/Queue", metricName: "QueueDepth", dimensions: { Queue: "upload-verify" } };

    it("prices a custom metric once, where it is first read, and AWS/ metrics never", () => {
        const e = estimateCost(
            [
                alarm("queue-depth", depth),
                alarm("queue-depth-again", depth),
                alarm("cpu", { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { AutoScalingGroupName: "g" } }),
                res("aws:cloudwatch/dashboard:Dashboard", "dash", {
                    dashboardBody: JSON.stringify({
                        widgets: [
                            {
                                properties: {
                                    metrics: [
                                        ["Alicerce/Queue", "QueueDepth", "Queue", "upload-verify", { stat: "Maximum" }],
                                        [".", "ActiveJobs", ".", ".", { stat: "Maximum" }],
                                        ["...", { stat: "p95" }],
                                    ],
                                },
                            },
                        ],
                    }),
                }),
            ],
            US,
        );
        const custom = e.lines.filter((l) => /^custom metric/.test(l.basis)).map((l) => [l.name, l.basis]);
        assert.deepEqual(custom, [
            ["queue-depth", "custom metric Alicerce/Queue QueueDepth at $0.3/metric-month"],
            // The dashboard's "." rows resolve to the row above: ActiveJobs with the same Queue dimension, once.
            ["dash", "custom metric Alicerce/Queue ActiveJobs at $0.3/metric-month"],
        ]);
    });

    it("prices the CloudWatch agent's metrics on its group from the config in the user data, with one PutMetricData a minute per instance", () => {
        const config = (appended: Record<string, string>, aggregation?: string[][]) => ({
            agent: { metrics_collection_interval: 60 },
            metrics: {
                namespace: "CWAgent",
                append_dimensions: appended,
                ...(aggregation ? { aggregation_dimensions: aggregation } : {}),
                metrics_collected: { mem: { measurement: ["mem_used_percent"] }, disk: { measurement: ["used_percent"], resources: ["/"] } },
            },
        });
        const userData = (cfg: object) =>
            Buffer.from(
                [
                    "#!/bin/bash",
                    "cat > '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json' <<'ALICERCE_EOF'",
                    JSON.stringify(cfg, null, 2),
                    "ALICERCE_EOF",
                    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:x",
                    "",
                ].join("\n"),
            ).toString("base64");
        const agentLine = (cfg: object) => {
            const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "t4g.micro", userData: userData(cfg) });
            const asg = res("aws:autoscaling/group:Group", "asg", { minSize: 2, maxSize: 4 }, { dependencies: [lt.urn] });
            return estimateCost([lt, asg], US).lines.find((l) => /^CloudWatch agent/.test(l.basis))!;
        };
        // Group only (the amazon-cloudwatch-agent drops `host` when append_dimensions is set): 2 metrics for the group.
        const group = agentLine(config({ AutoScalingGroupName: "${aws:AutoScalingGroupName}" }));
        assert.equal(group.basis, "CloudWatch agent: 2 custom metrics at $0.3/metric-month + 2 × 43800 PutMetricData requests at $0.01/1,000 requests");
        near(group.monthlyUsd, 2 * 0.3 + 2 * 0.438, "2 metrics + 87,600 requests");
        // Per instance plus one aggregate per group: 2 measurements × (2 instances + 1).
        const each = agentLine(config({ AutoScalingGroupName: "${aws:AutoScalingGroupName}", InstanceId: "${aws:InstanceId}" }, [["AutoScalingGroupName"]]));
        assert.match(each.basis, /^CloudWatch agent: 6 custom metrics/);
        near(each.range![1], 2 * (4 + 1) * 0.3 + 4 * 0.438, "at 4 instances");
        // No append_dimensions: the agent adds `host`, one series per instance (2 measurements × 2 instances).
        assert.match(
            agentLine({ metrics: { metrics_collected: { mem: { measurement: ["mem_used_percent"] }, disk: { measurement: ["used_percent"] } } } }).basis,
            /^CloudWatch agent: 4 custom metrics/,
        );
        // ImageId names no instance: still one series per group.
        assert.match(
            agentLine(config({ AutoScalingGroupName: "${aws:AutoScalingGroupName}", ImageId: "${aws:ImageId}" })).basis,
            /^CloudWatch agent: 2 custom metrics/,
        );
        // No agent in the user data: no line.
        const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "t4g.micro", userData: Buffer.from("#!/bin/bash\n").toString("base64") });
        const asg = res("aws:autoscaling/group:Group", "asg", { minSize: 1, maxSize: 1 }, { dependencies: [lt.urn] });
        assert.ok(!estimateCost([lt, asg], US).lines.some((l) => /CloudWatch agent/.test(l.basis)));
    });

    it("a replica of the app's bucket gets the app's writes (replication), not its reads; an RDS upgrade log group a trickle", () => {
        const a = assumptionsForTier("prod");
        const source = res("aws:s3/bucket:Bucket", "storage-assets", { bucket: "app-assets" });
        const replica = res("aws:s3/bucket:Bucket", "second-region-assets", { bucket: "app-assets-copy" });
        const replication = res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "second-region-assets-replication", {
            bucket: "app-assets",
            rules: [{ status: "Enabled", destination: { bucket: "arn:aws:s3:::app-assets-copy" } }],
        });
        const e = estimateCost([source, replica, replication], US, a);
        const requests = (name: string) => e.lines.find((l) => l.name === name && /^requests/.test(l.basis))!.basis;
        const monthly = requestsPerMonth(a.requestsPerMinute);
        assert.equal(
            requests("storage-assets"),
            `requests: ${monthly * a.s3ReadShare} GET at $0.0004/thousand requests + ${monthly * a.s3WriteShare} PUT at $0.005/thousand requests`,
        );
        assert.equal(
            requests("second-region-assets"),
            `requests: 10000 GET at $0.0004/thousand requests + ${monthly * a.s3WriteShare} PUT at $0.005/thousand requests`,
        );
        // RDS writes its `upgrade` log only during engine upgrades (CloudWatch Logs export, log type "upgrade").
        const logs = estimateCost(
            [
                res("aws:cloudwatch/logGroup:LogGroup", "database-primary-upgrade", { name: "/aws/rds/instance/db/upgrade", retentionInDays: 30 }),
                res("aws:cloudwatch/logGroup:LogGroup", "database-primary-postgresql", { name: "/aws/rds/instance/db/postgresql", retentionInDays: 30 }),
            ],
            US,
        );
        assert.match(logs.lines[0].basis, /^0\.01 GB ingested/);
        assert.match(logs.lines[1].basis, /^1 GB ingested/);
    });
});
