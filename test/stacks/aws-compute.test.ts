/**
 * The app servers, their alarms and their subnets in every AWS stack, held
 * to the rules AWS itself enforces (each cited beside its check), and to
 * the stability a fleet needs: zones and the AMI are chosen once and kept,
 * and rollouts stop only on signals a bad release gives.
 */
import { strict as assert } from "assert";
import { rolloutAlarmKeys } from "../../components/aws/monitoring";
import { subnetLayout } from "../../components/shared/cidr";
import { RecordedResource, Resources, runStack, StackRun } from "../../offline";
import { AL2023_IMAGES } from "../../offline/calls";
import { resourcesOf, stackRun } from "./runs";

const T = {
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    asg: "aws:autoscaling/group:Group",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    policy: "aws:autoscaling/policy:Policy",
    subnet: "aws:ec2/subnet:Subnet",
} as const;

const AWS_STACKS = ["dev", "growth", "prod"] as const;
const ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones";
const LATEST_AMI = "aws:ssm/getParameter:getParameter";
/** Zones pinned through run overrides (the shipped stack files pin none: names differ per account). */
const PINNED = "us-east-1a,us-east-1b,us-east-1c";

/** The recorded alarm a name in the refresh's alarm specification refers to (the mocks suffix names with -a1b2c3d). */
const alarmNamed = (r: Resources, name: string): RecordedResource => r.one(T.alarm, name.replace(/-a1b2c3d$/, ""));

/** Seconds an alarm needs breaching before it fires, and the span it looks at. */
const windowOf = (a: RecordedResource) => {
    const period = a.inputs.period ?? a.inputs.metricQueries.find((q: any) => q.metric)?.metric.period;
    return { breaching: (a.inputs.datapointsToAlarm ?? a.inputs.evaluationPeriods) * period, span: a.inputs.evaluationPeriods * period, period };
};

describe("AWS app servers, alarms and subnets against the provider's rules", () => {
    for (const stack of AWS_STACKS) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("every CloudWatch alarm is one PutMetricAlarm accepts", async () => {
                const alarms = (await resourcesOf(stackRun(stack))).ofType(T.alarm);
                // dev has the instance edge: origin-unhealthy instead of the load balancer's five.
                assert.ok(alarms.length >= (stack === "dev" ? 5 : 9));
                for (const a of alarms) {
                    const i = a.inputs;
                    const { period, span } = windowOf(a);
                    // PutMetricAlarm Period: 10, 20, 30 or a multiple of 60; standard (non high-resolution) metrics here, so a multiple of 60.
                    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
                    assert.ok(period >= 60 && period % 60 === 0, `${a.name}: period ${period}`);
                    // Same page: Period x EvaluationPeriods at most one day for periods under an hour (7 days otherwise).
                    assert.ok(span <= (period < 3600 ? 86_400 : 604_800), `${a.name}: evaluates ${span} s`);
                    // DatapointsToAlarm: 1 to EvaluationPeriods.
                    assert.ok(Number.isInteger(i.evaluationPeriods) && i.evaluationPeriods >= 1, a.name);
                    assert.ok(
                        i.datapointsToAlarm >= 1 && i.datapointsToAlarm <= i.evaluationPeriods,
                        `${a.name}: ${i.datapointsToAlarm} of ${i.evaluationPeriods}`,
                    );
                    // TreatMissingData: breaching | notBreaching | ignore | missing.
                    assert.ok(["breaching", "notBreaching", "ignore", "missing"].includes(i.treatMissingData), `${a.name}: ${i.treatMissingData}`);
                    assert.ok(
                        ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"].includes(
                            i.comparisonOperator,
                        ),
                        a.name,
                    );
                    // AlarmDescription 0-1024 characters; AlarmActions and OKActions at most 5 each.
                    assert.ok(i.alarmDescription.length <= 1024, a.name);
                    assert.ok((i.alarmActions ?? []).length <= 5 && (i.okActions ?? []).length <= 5, a.name);
                    if (i.metricQueries) {
                        // Metric math: exactly one query returns data; ids start with a lowercase letter; up to 10 metrics; no top-level metric.
                        assert.equal(i.metricQueries.filter((q: any) => q.returnData).length, 1, a.name);
                        for (const q of i.metricQueries) assert.match(q.id, /^[a-z][A-Za-z0-9_]*$/, a.name);
                        assert.ok(i.metricQueries.length <= 10, a.name);
                        assert.equal(i.metricName, undefined, a.name);
                        assert.equal(i.period, undefined, a.name);
                    } else {
                        // Statistic and ExtendedStatistic are exclusive; one is required.
                        assert.ok((i.statistic === undefined) !== (i.extendedStatistic === undefined), `${a.name}: one of statistic and extendedStatistic`);
                        if (i.statistic) assert.ok(["SampleCount", "Average", "Sum", "Minimum", "Maximum"].includes(i.statistic), a.name);
                        if (i.extendedStatistic) assert.match(i.extendedStatistic, /^p\d{1,2}(\.\d+)?$/, a.name);
                    }
                }
            });

            it("the instance refresh and the group are ones Auto Scaling accepts", async () => {
                const r = await resourcesOf(stackRun(stack));
                const asg = r.one(T.asg, "alicerce-app-asg").inputs; // the web pool (prod also has alicerce-workers-asg, held to its rules in aws-queue.test.ts)
                const p = asg.instanceRefresh.preferences;
                // RefreshPreferences: MinHealthyPercentage 0-100, MaxHealthyPercentage 100-200, at most 100 apart;
                // AlarmSpecification up to 10 alarm names of 1-255 characters.
                // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html, API_AlarmSpecification.html
                assert.ok(p.minHealthyPercentage >= 0 && p.minHealthyPercentage <= 100);
                assert.ok(p.maxHealthyPercentage >= 100 && p.maxHealthyPercentage <= 200);
                assert.ok(p.maxHealthyPercentage - p.minHealthyPercentage <= 100);
                assert.match(p.instanceWarmup, /^\d+$/, "instance_warmup is a whole number of seconds (terraform-provider-aws: a nullable int)");
                assert.ok(p.alarmSpecification.alarms.length >= 1 && p.alarmSpecification.alarms.length <= 10);
                for (const name of p.alarmSpecification.alarms) assert.ok(name.length >= 1 && name.length <= 255, name);
                // AutoRollback needs a launch template version other than $Latest/$Default; off anyway (hashicorp/terraform-provider-aws#34189).
                assert.equal(p.autoRollback, false);
                assert.match(asg.launchTemplate.version, /^\d+$/);
                assert.equal(asg.instanceRefresh.strategy, "Rolling");
                // CreateAutoScalingGroup: tag keys 1-128, values 0-256 characters.
                for (const t of asg.tags) assert.ok(t.key.length >= 1 && t.key.length <= 128 && t.value.length <= 256, t.key);
                assert.ok(Number.isInteger(asg.healthCheckGracePeriod) && asg.healthCheckGracePeriod >= 0);
                assert.ok(Number.isInteger(asg.defaultInstanceWarmup) && asg.defaultInstanceWarmup >= 0);
                assert.match(asg.waitForCapacityTimeout, /^\d+[smh]$/, "wait_for_capacity_timeout parses as a duration");
                for (const policy of r.ofType(T.policy).filter((p) => p.name.startsWith("alicerce-app-"))) {
                    // the workers' backlog policy: aws-queue.test.ts
                    const label = policy.inputs.targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel;
                    // PredefinedMetricSpecification ResourceLabel: app/<lb>/<id>/targetgroup/<tg>/<id>, 1-1023 characters.
                    if (label !== undefined) assert.ok(label.length <= 1023 && /^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/.test(label), label);
                    assert.ok(policy.inputs.targetTrackingConfiguration.targetValue > 0);
                }
            });

            it("a rollout stops only on signals a bad release gives: every gate outlasts a normal launch, and the refresh waits for the gates", async () => {
                const r = await resourcesOf(stackRun(stack));
                const asg = r.one(T.asg, "alicerce-app-asg").inputs; // the web pool (prod also has alicerce-workers-asg, held to its rules in aws-queue.test.ts)
                const gates = asg.instanceRefresh.preferences.alarmSpecification.alarms.map((n: string) => alarmNamed(r, n));
                const instanceEdge = r.ofType("aws:lb/loadBalancer:LoadBalancer").length === 0;
                assert.equal(instanceEdge, stack === "dev");
                assert.deepEqual(
                    gates.map((g: RecordedResource) => g.name.replace("alicerce-monitoring-", "")),
                    [...rolloutAlarmKeys(instanceEdge)],
                );
                const bake = Number(asg.instanceRefresh.preferences.instanceWarmup);
                if (instanceEdge) {
                    // The instance edge's gate reads only the instance holding the address (origin/report.sh), and a new instance
                    // takes it only once healthy (the launch hook), so a launch cannot trip it; the bake outlasts its window.
                    for (const g of gates) assert.ok(bake >= windowOf(g).breaching + 60, `${g.name}: the refresh bakes ${bake} s`);
                    return;
                }
                for (const g of gates) {
                    const w = windowOf(g);
                    // A new instance fails health checks until its container is up, for up to the grace period: a gate must not fire within it.
                    assert.ok(w.breaching > asg.healthCheckGracePeriod, `${g.name}: ${w.breaching} s breaching vs grace ${asg.healthCheckGracePeriod} s`);
                    assert.ok(w.breaching > asg.defaultInstanceWarmup, `${g.name}: ${w.breaching} s vs warmup ${asg.defaultInstanceWarmup} s`);
                    // The refresh keeps the old instances until the new ones have served longer than the gate needs (plus a minute of metric delay).
                    assert.ok(bake >= w.breaching + 60, `${g.name}: the refresh bakes ${bake} s, the gate needs ${w.breaching} s`);
                }
                // The unhealthy-host alarm pages too, and with the same long window: it no longer pages on every scale-out.
                const unhealthy = r.one(T.alarm, "alicerce-monitoring-unhealthy-hosts");
                assert.ok((unhealthy.inputs.alarmActions ?? []).length > 0, "it pages");
                assert.ok(windowOf(unhealthy).breaching > asg.healthCheckGracePeriod);
            });

            it("launch template: user data within EC2's 16 KB, a description within 255 characters, tag specifications EC2 accepts", async () => {
                // Every pool's template (prod also has the workers').
                for (const { inputs: lt } of (await resourcesOf(stackRun(stack))).ofType(T.lt)) {
                    // EC2 user data: at most 16 KB before base64 encoding (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html).
                    assert.ok(Buffer.from(lt.userData, "base64").length <= 16 * 1024, `${Buffer.from(lt.userData, "base64").length} bytes`);
                    assert.ok(lt.description.length <= 255);
                    // LaunchTemplateTagSpecificationRequest ResourceType: instance, volume, network-interface, spot-instances-request.
                    for (const t of lt.tagSpecifications)
                        assert.ok(["instance", "volume", "network-interface", "spot-instances-request"].includes(t.resourceType));
                    // InstanceMetadataOptions HttpPutResponseHopLimit: 1-64.
                    assert.ok(lt.metadataOptions.httpPutResponseHopLimit >= 1 && lt.metadataOptions.httpPutResponseHopLimit <= 64);
                    assert.match(lt.imageId, /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/);
                }
            });

            it("subnets sit in the pinned zones of the stack's region, /16 to /28 each", async () => {
                const run = await runStack(stack, { overrides: { "alicerce:availabilityZones": PINNED } });
                const subnets = new Resources(run.resources).ofType(T.subnet);
                const pinned: string[] = PINNED.split(",");
                for (const s of subnets) {
                    // CreateSubnet: a zone of the VPC's region; an IPv4 block from /16 to /28.
                    assert.ok(pinned.includes(s.inputs.availabilityZone), `${s.name} in ${s.inputs.availabilityZone}`);
                    assert.match(s.inputs.availabilityZone, new RegExp(`^${run.config["alicerce:region"]}[a-z]$`));
                    const prefix = Number(s.inputs.cidrBlock.split("/")[1]);
                    assert.ok(prefix >= 16 && prefix <= 28, s.name);
                }
                // Pinned zones are still checked, read-only, against the account's zones (names differ per account).
                assert.ok(run.calls.some((c) => c.token === ZONES && c.inputs.allAvailabilityZones === true));
                assert.ok(!run.logs.some((l) => l.severity === "warning" && l.message.includes("availabilityZones")));
            });
        });
    }
});

describe("zones and the AMI are chosen once and kept", () => {
    /** The AZ and CIDR of every subnet, by logical name (the URN's last part). */
    const subnetPlan = (run: StackRun) =>
        Object.fromEntries(new Resources(run.resources).ofType(T.subnet).map((s) => [s.urn, { az: s.inputs.availabilityZone, cidr: s.inputs.cidrBlock }]));

    for (const stack of ["growth", "prod"] as const) {
        // EC2 CreateSubnet's AvailabilityZone cannot change: the provider's aws_subnet schema marks availability_zone
        // ForceNew (terraform-provider-aws internal/service/ec2/vpc_subnet.go), so a subnet in another zone is a new subnet.
        it(`${stack}: a zone leaving the look-up (an AWS event) moves no subnet: same URNs, zones and CIDRs`, async () => {
            const before = await runStack(stack, { overrides: { "alicerce:availabilityZones": PINNED } });
            const during = await runStack(stack, {
                overrides: { "alicerce:availabilityZones": PINNED },
                callOverrides: {
                    [ZONES]: (i, _r, usual) => {
                        const answer = usual() as { names: string[]; zoneIds: string[] };
                        if (i.state !== "available") return answer; // the zone still exists; it is not available now
                        return { ...answer, names: answer.names.slice(1), zoneIds: answer.zoneIds.slice(1) };
                    },
                },
            });
            assert.deepEqual(subnetPlan(during), subnetPlan(before));
            const layout = subnetLayout("10.20.0.0/16", stack === "prod" ? 3 : 2);
            assert.equal(Object.keys(subnetPlan(before)).length, layout.length);
            assert.deepEqual(during.outputs.azs, before.outputs.azs);
        });
    }

    it("without pinned zones, the look-up picks them and a vanished zone would move subnets (why they are pinned)", async () => {
        const unpinned = { "alicerce:availabilityZones": undefined };
        const usual = await runStack("prod", { overrides: unpinned });
        // The very look-up an existing, unpinned stack has always made (as at 739f486): its subnets keep their zones.
        const lookups = usual.calls.filter((c) => c.token === ZONES);
        assert.deepEqual(
            lookups.map((c) => c.inputs),
            [{ state: "available", excludeZoneIds: ["use1-az3"], filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }],
        );
        const shifted = await runStack("prod", {
            overrides: unpinned,
            callOverrides: { [ZONES]: (_i, _r, u) => ({ ...u(), names: (u() as any).names.filter((n: string) => n !== "us-east-1a") }) },
        });
        assert.deepEqual(usual.outputs.azs, ["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert.notDeepEqual(subnetPlan(shifted), subnetPlan(usual));
        assert.ok(
            usual.logs.some(
                (l) =>
                    l.severity === "warning" &&
                    l.message.includes("pulumi config set --stack prod alicerce:availabilityZones us-east-1a,us-east-1b,us-east-1c"),
            ),
        );
    });

    for (const stack of AWS_STACKS) {
        it(`${stack}: the shipped stack file pins no zone; the first up picks them and prints the command that pins them`, async () => {
            const run = await stackRun(stack);
            assert.equal(run.config["alicerce:availabilityZones"], undefined);
            const azs = stack === "prod" ? ["us-east-1a", "us-east-1b", "us-east-1c"] : ["us-east-1a", "us-east-1b"];
            assert.deepEqual(run.outputs.azs, azs);
            assert.ok(
                run.logs.some(
                    (l) => l.severity === "warning" && l.message.endsWith(`pulumi config set --stack ${stack} alicerce:availabilityZones ${azs.join(",")}`),
                ),
            );
        });
    }

    // Zone names map to different physical zones in each account; the zone id is the same everywhere
    // (https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html). use1-az3 has no current-generation
    // (Graviton) instance types, so t4g launches there fail.
    /** An account where us-east-1a is use1-az3 (and us-east-1e is use1-az4): the look-up honours excludeZoneIds. */
    const az3Account = (i: Record<string, any>, _r: string, usual: () => Record<string, unknown>) => {
        const u = usual() as { names: string[]; zoneIds: string[] };
        const all = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"];
        const ids = ["use1-az3", "use1-az6", "use1-az1", "use1-az2", "use1-az4", "use1-az5"];
        const kept = all.map((n, k) => [n, ids[k]]).filter(([, id]) => !(i.excludeZoneIds ?? []).includes(id));
        return { ...u, names: kept.map(([n]) => n), zoneIds: kept.map(([, id]) => id) };
    };

    it("a pinned zone that is use1-az3 in this account stops the run before any resource, naming the zone id", async () => {
        await assert.rejects(
            runStack("prod", { overrides: { "alicerce:availabilityZones": PINNED }, callOverrides: { [ZONES]: az3Account } }),
            (err: Error) => {
                assert.match(
                    err.message,
                    /alicerce:availabilityZones: "us-east-1a,us-east-1b,us-east-1c" lists us-east-1a, which is zone use1-az3 in this account/,
                );
                assert.match(err.message, /; use zones of us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f/);
                return true;
            },
        );
        // Unpinned in that account, the look-up skips it.
        const unpinned = await runStack("prod", { overrides: { "alicerce:availabilityZones": undefined }, callOverrides: { [ZONES]: az3Account } });
        assert.deepEqual(unpinned.outputs.azs, ["us-east-1b", "us-east-1c", "us-east-1d"]);
    });

    it("a pinned zone this account lacks (or has not opted in to) stops the run", async () => {
        await assert.rejects(
            runStack("dev", { overrides: { "alicerce:availabilityZones": "us-east-1a,us-east-1g" } }),
            /alicerce:availabilityZones: "us-east-1a,us-east-1g" lists us-east-1g, which this account does not have in us-east-1 or has not opted in to; use zones of/,
        );
    });

    it("a pinned zone that leaves the look-up's `available` answer moves nothing and warns", async () => {
        const pinned = { "alicerce:availabilityZones": PINNED };
        const before = await runStack("prod", { overrides: pinned });
        const impaired = await runStack("prod", {
            overrides: pinned,
            callOverrides: {
                [ZONES]: (i, _r, u) => {
                    const a = u() as { names: string[]; zoneIds: string[] };
                    if (i.state !== "available") return a;
                    const keep = a.names.map((n) => n !== "us-east-1a");
                    return { ...a, names: a.names.filter((_, k) => keep[k]), zoneIds: a.zoneIds.filter((_, k) => keep[k]) };
                },
            },
        });
        assert.deepEqual(subnetPlan(impaired), subnetPlan(before));
        assert.deepEqual(impaired.outputs.azs, before.outputs.azs);
        assert.ok(
            impaired.logs.some(
                (l) => l.severity === "warning" && l.message.startsWith("alicerce:availabilityZones: us-east-1a (use1-az4) is not reported available now"),
            ),
        );
    });

    it("a newer Amazon Linux release in the look-up leaves the launch template as it is (no rollout until amiName changes)", async () => {
        const newer = { name: "al2023-ami-2023.9.20261117.0-kernel-6.1-arm64", id: "ami-0123456789abcdef0" };
        const before = await stackRun("dev");
        const after = await runStack("dev", {
            callOverrides: {
                // AWS's public parameter now names a newer image (as after each release).
                [LATEST_AMI]: (_i, _r, usual) => ({ ...usual(), value: newer.id, version: 2 }),
            },
        });
        const lt = (run: StackRun) => new Resources(run.resources).one(T.lt, "alicerce-app-lt").inputs;
        assert.equal(lt(after).imageId, lt(before).imageId);
        assert.deepEqual(lt(after), lt(before), "the same launch template inputs: no new version, no instance refresh");
        const pinned = AL2023_IMAGES.find((i) => i.name === before.config["alicerce:amiName"])!;
        assert.equal(lt(before).imageId, pinned.ids["us-east-1"]);
    });

    it("without a pinned AMI, the latest is used and the plan warns with the command that pins it", async () => {
        const run = await runStack("dev", { overrides: { "alicerce:amiName": undefined } });
        const latest = AL2023_IMAGES.filter((i) => i.architecture === "arm64").at(-1)!;
        assert.equal(new Resources(run.resources).one(T.lt, "alicerce-app-lt").inputs.imageId, latest.ids["us-east-1"]);
        assert.ok(run.logs.some((l) => l.severity === "warning" && l.message.endsWith(`pulumi config set --stack dev alicerce:amiName ${latest.name}`)));
    });

    it("a pinned AMI name that is not an image in the region stops the run with a clear message", async () => {
        await assert.rejects(
            runStack("dev", { overrides: { "alicerce:amiName": "al2023-ami-2023.1.20230101.0-kernel-6.1-arm64" } }),
            /alicerce:amiName: "al2023-ami-2023\.1\.20230101\.0-kernel-6\.1-arm64" is not an Amazon-owned image in us-east-1/,
        );
    });
});
