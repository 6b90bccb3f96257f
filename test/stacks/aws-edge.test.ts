/**
 * The AWS edge in the shipped stacks (the real program, data components
 * included): where traffic reaches the app. Each issue point is asserted on
 * recorded inputs, and the wiring the prod plan must show is asserted both
 * by value and by dependency: HTTPS listener -> target group <- Auto Scaling
 * group, WAF association -> the load balancer, access logs -> logs bucket,
 * alarms -> SNS topic.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { TLS_POLICY } from "../../components/aws/loadBalancer";
import { contextTag, readContext } from "../../components/aws/registry";
import { ORIGIN_TLS_SETTINGS } from "../../components/cloudflare/dns";
import { TIER_PRESETS } from "../../stacks";
import { CLOUDFLARE_IPV4 } from "../../offline/calls";
import { MOCK_ACCOUNT_ID } from "../../offline/outputs";
import { RecordedResource, Resources, ROOT, runStack, StackRun } from "../../offline";
import { overriddenRun, resourcesOf, stackRun, tierRun } from "./runs";
import { appConfigProblems, containerEnvironment, loadAppParseConfig } from "../support/app-config";

const T = {
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    asg: "aws:autoscaling/group:Group",
    lt: "aws:ec2/launchTemplate:LaunchTemplate",
    wafAssoc: "aws:wafv2/webAclAssociation:WebAclAssociation",
    acl: "aws:wafv2/webAcl:WebAcl",
    wafLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    bucket: "aws:s3/bucket:Bucket",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    prefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    repo: "aws:ecr/repository:Repository",
    image: "docker:index/image:Image",
    cfRecord: "cloudflare:index/dnsRecord:DnsRecord",
    cfSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    certValidation: "aws:acm/certificateValidation:CertificateValidation",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    scaling: "aws:autoscaling/policy:Policy",
} as const;

const AWS_STACKS = ["dev", "growth", "prod"] as const;

/**
 * The stack as these load balancer tests read it: dev serves from the instance edge (no load balancer:
 * aws-instance-edge.test.ts), so mvp's load balancer path (a domain, or `alicerce:edge load-balancer`) is run here.
 */
const edgeRun = (stack: string) => (stack === "dev" ? overriddenRun("dev", { "alicerce:edge": "load-balancer" }) : stackRun(stack));

/** The user data of the stack's launch template, decoded. */
function userDataOf(r: Resources): string {
    return Buffer.from(r.one(T.lt, "alicerce-app-lt").inputs.userData, "base64").toString("utf8");
}

/** True when `from` depends on `to` (its URN is among the recorded dependencies). */
const dependsOn = (from: RecordedResource, to: RecordedResource) => from.dependencies.includes(to.urn);

function shellcheck(script: string): string {
    const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], { input: script, encoding: "utf8" });
    if (r.error) throw new Error(`shellcheck is needed: apt-get install -y shellcheck (${r.error.message})`);
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

describe("AWS edge in the shipped stacks", () => {
    describe("the prod plan's wiring", () => {
        it("HTTPS listener -> target group <- Auto Scaling group", async () => {
            const r = await resourcesOf(stackRun("prod"));
            const tg = r.one(T.tg);
            const https = r.all.find((x) => x.type === T.listener && x.inputs.port === 443)!;
            assert.equal(https.inputs.protocol, "HTTPS");
            assert.equal(https.inputs.defaultActions[0].type, "forward");
            assert.match(https.inputs.defaultActions[0].targetGroupArn, /:targetgroup\/alicerce-lb-app\//);
            assert.ok(dependsOn(https, tg), "the HTTPS listener depends on the target group");
            const asg = r.one(T.asg, "alicerce-app-asg");
            assert.deepEqual(asg.inputs.targetGroupArns, [https.inputs.defaultActions[0].targetGroupArn]);
            assert.ok(dependsOn(asg, tg), "the Auto Scaling group depends on the target group");
            assert.ok(dependsOn(https, r.one(T.lb)));
        });

        it("WAF association -> the load balancer's ARN", async () => {
            const r = await resourcesOf(stackRun("prod"));
            const assoc = r.one(T.wafAssoc);
            const lb = r.one(T.lb);
            assert.match(assoc.inputs.resourceArn, /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:loadbalancer\/app\/alicerce-lb-alb\//);
            assert.ok(dependsOn(assoc, lb));
            assert.ok(dependsOn(assoc, r.one(T.acl)));
        });

        it("ALB access logs -> the logs bucket, after its policy allows delivery", async () => {
            const r = await resourcesOf(stackRun("prod"));
            const lb = r.one(T.lb);
            const logs = r.ofType(T.bucket).find((b) => /logs/.test(b.name))!;
            assert.ok(logs, "the storage component's logs bucket");
            assert.deepEqual(lb.inputs.accessLogs, { bucket: logs.inputs.bucket, prefix: "alb", enabled: true });
            assert.ok(dependsOn(lb, logs));
            const policy = r
                .ofType("aws:s3/bucketPolicy:BucketPolicy")
                .find((p) => p.parent === logs.parent && JSON.stringify(p.inputs).includes("logdelivery.elasticloadbalancing"));
            assert.ok(policy && dependsOn(lb, policy), "the load balancer waits for the bucket policy that admits ELB log delivery");
        });

        it("alarms -> the SNS topic, which is KMS-encrypted and mails alertEmail", async () => {
            const run = await stackRun("prod");
            const r = new Resources(run.resources);
            const topic = r.one(T.topic);
            const alarms = r.ofType(T.alarm);
            assert.equal(alarms.length, 15, "10 runbook alarms and 5 of the queue and cache (p-aws-workers)");
            // The rollout gate on the 5xx rate notifies nobody: errors-5xx pages for the same symptom.
            for (const a of alarms.filter((x) => x.name !== "alicerce-monitoring-rollout-errors")) {
                assert.deepEqual(a.inputs.alarmActions, [run.outputs.alarmTopicArn], a.name);
                assert.deepEqual(a.inputs.okActions, [run.outputs.alarmTopicArn], a.name);
                assert.ok(dependsOn(a, topic), a.name);
            }
            assert.match(topic.inputs.kmsMasterKeyId, /^arn:aws:kms:/);
            const sub = r.one("aws:sns/topicSubscription:TopicSubscription");
            assert.deepEqual([sub.inputs.protocol, sub.inputs.endpoint], ["email", run.config["alicerce:alertEmail"]]);
        });
    });

    for (const stack of AWS_STACKS) {
        describe(`Pulumi.${stack}.yaml${stack === "dev" ? " with alicerce:edge load-balancer" : ""}`, () => {
            const tier = stack === "dev" ? "mvp" : stack;
            const preset = TIER_PRESETS[tier];

            it("builds app-image/ for the instance type's architecture, into an immutable, scanned, KMS-encrypted repository", async () => {
                const run = await edgeRun(stack);
                const r = new Resources(run.resources);
                const repo = r.one(T.repo);
                assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
                assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
                assert.equal(repo.inputs.encryptionConfigurations[0].encryptionType, "KMS");
                assert.match(repo.inputs.encryptionConfigurations[0].kmsKey, /^arn:aws:kms:/);
                const lifecycle = JSON.parse(r.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy);
                assert.equal(lifecycle.rules.at(-1).selection.countType, "imageCountMoreThan");
                const image = r.one(T.image);
                assert.equal(image.inputs.build.context, "app-image", "relative to the project directory, the same from every checkout");
                assert.equal(image.inputs.build.platform, "linux/arm64", `${preset.compute.instanceType.aws} is Graviton`);
                assert.equal(image.inputs.imageName, `${run.outputs.repositoryUrl}:${contextTag(readContext(path.join(ROOT, "app-image")), "linux/arm64")}`);
                assert.ok(image.provider?.includes("pulumi:providers:docker"), "an explicit docker provider with the ECR credentials");
                assert.match(run.outputs.image, /^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/);
                assert.ok(run.calls.some((c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"));
            });

            it("runs instances from AL2023 of the right architecture, IMDSv2 with hop limit 2, an encrypted gp3 root, no SSH key", async () => {
                const run = await edgeRun(stack);
                const r = new Resources(run.resources);
                const lt = r.one(T.lt, "alicerce-app-lt");
                // The pinned image (alicerce:amiName), looked up by name among Amazon's own, deprecated ones included.
                const amiCall = run.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi")!;
                assert.deepEqual(amiCall.inputs.filters, [{ name: "name", values: [run.config["alicerce:amiName"]] }]);
                assert.match(run.config["alicerce:amiName"], /-arm64$/);
                assert.deepEqual([amiCall.inputs.owners, amiCall.inputs.includeDeprecated], [["amazon"], true]);
                assert.ok(!run.calls.some((c) => c.token === "aws:ssm/getParameter:getParameter"), "a pinned stack never reads the latest");
                assert.equal(lt.inputs.imageId, "ami-02e447f4c654c7179", "the us-east-1 id of the pinned arm64 image");
                assert.equal(lt.inputs.instanceType, preset.compute.instanceType.aws);
                assert.deepEqual(lt.inputs.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 2,
                    instanceMetadataTags: "disabled",
                });
                assert.deepEqual(lt.inputs.blockDeviceMappings[0].ebs, { volumeSize: 12, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" });
                assert.equal(lt.inputs.keyName, undefined);
                assert.equal(lt.inputs.networkInterfaces[0].associatePublicIpAddress, String(preset.network.egress === "public-subnets"));
                assert.deepEqual(
                    lt.inputs.tagSpecifications.map((t: any) => t.resourceType),
                    ["volume", "network-interface"],
                );
                assert.equal(lt.inputs.tagSpecifications[0].tags.Environment, stack, "the standard tags reach the volumes");
                const asgTags = r.one(T.asg, "alicerce-app-asg").inputs.tags;
                for (const key of ["Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Name"]) {
                    assert.ok(
                        asgTags.some((t: any) => t.key === key && t.propagateAtLaunch === true),
                        `the group propagates ${key} to its instances`,
                    );
                }
            });

            it("renders user data that passes shellcheck and runs the image by digest with the contract's environment", async () => {
                const run = await edgeRun(stack);
                const r = new Resources(run.resources);
                const script = userDataOf(r);
                assert.equal(shellcheck(script), "");
                assert.ok(script.startsWith("#!/bin/bash\n"));
                assert.ok(script.includes(`\n    ${run.outputs.image}\n`), "docker run names the image by digest");
                const env = Object.fromEntries(
                    script
                        .split("cat > '/etc/app/app.env' <<'ALICERCE_EOF'\n")[1]
                        .split("\nALICERCE_EOF")[0]
                        .split("\n")
                        .map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]),
                );
                const db = r.all.find((x) => x.type === "aws:rds/instance:Instance" && !x.inputs.replicateSourceDb)!;
                assert.equal(env.DB_HOST, `${db.inputs.identifier}.c0ffee.us-east-1.rds.amazonaws.com`);
                const replica = r.all.find((x) => x.type === "aws:rds/instance:Instance" && x.inputs.replicateSourceDb);
                if (preset.database.readReplica) assert.equal(env.DB_READER_HOST, `${replica!.inputs.identifier}.c0ffee.us-east-1.rds.amazonaws.com`);
                else assert.ok(!("DB_READER_HOST" in env), "no replica: no second pool against the writer");
                assert.equal(env.DB_SSL_MODE, "verify-full");
                assert.equal(env.SHUTDOWN_TIMEOUT_MS, "25000");
                assert.match(env.DB_SECRET_ARN, /^arn:aws:secretsmanager:/);
                assert.match(env.APP_SECRET_ARN, /^arn:aws:secretsmanager:/);
                assert.equal(env.AWS_REGION, "us-east-1");
                assert.ok(script.includes("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"));
                assert.ok(script.includes(`--log-opt awslogs-group=/alicerce/${stack}/app`));
                const secretValues = r.all
                    .flatMap((x) => x.secretPaths.map((p) => p.split(".").reduce<any>((v, k) => v?.[k], x.inputs)))
                    .filter((v) => typeof v === "string" && v.length >= 8);
                assert.ok(secretValues.length > 0, "the run has secret values to look for (registry password, generated keys)");
                for (const v of secretValues) assert.ok(!script.includes(v), "a secret value is in the user data");
            });

            it("gives the container an environment the app's own config check accepts (the app-image contract, checked by the app)", async () => {
                const r = await resourcesOf(edgeRun(stack));
                const env = containerEnvironment(userDataOf(r));
                // p-aws-workers: REDIS_URL (prod) is fetched from the queue secret; give it that secret's form.
                if (env.REDIS_URL !== undefined) env.REDIS_URL = `rediss://:${"a".repeat(64)}@master.alicerce-prod-queue.ab12cd.use1.cache.amazonaws.com:6379`;
                assert.deepEqual(appConfigProblems(env), []);
                const parsed = loadAppParseConfig()(env);
                assert.ok(parsed.ok);
                assert.equal(parsed.config.database.credentials.kind, "secretsManager");
                assert.equal(parsed.config.database.sslMode, "verify-full");
                assert.equal(parsed.config.database.reader !== undefined, preset.database.readReplica, "a reader pool only with a replica");
                // The check itself can fail: the app refuses a broken contract.
                assert.deepEqual(
                    appConfigProblems({ ...env, DB_SECRET_ARN: "" }).map((p) => p.split(":")[0]),
                    ["DATABASE_URL, DB_SECRET_ARN"],
                );
            });

            it("scales between the tier's bounds on ELB health, rolling new launch template versions with no capacity drop", async () => {
                const r = await resourcesOf(edgeRun(stack));
                const asg = r.one(T.asg, "alicerce-app-asg");
                assert.deepEqual([asg.inputs.minSize, asg.inputs.maxSize], [preset.compute.minInstances, preset.compute.maxInstances]);
                assert.equal(asg.inputs.desiredCapacity, undefined, "each `up` must not reset what the autoscaler chose");
                assert.equal(asg.inputs.healthCheckType, "ELB");
                assert.equal(asg.inputs.healthCheckGracePeriod, 300);
                assert.equal(asg.inputs.launchTemplate.version, "1", "the version number, not $Latest (pulumi/pulumi#7551)");
                assert.equal(asg.inputs.instanceRefresh.strategy, "Rolling");
                assert.equal(asg.inputs.instanceRefresh.preferences.minHealthyPercentage, 100);
                assert.equal(asg.inputs.instanceRefresh.preferences.maxHealthyPercentage, 200);
                // The sustained 5xx and unhealthy-host alarms stop a rollout; no autoRollback (it would relaunch the same version, provider #34189).
                const gates = ["rollout-errors", "unhealthy-hosts"].map((key) => r.one(T.alarm, `alicerce-monitoring-${key}`));
                assert.deepEqual(asg.inputs.instanceRefresh.preferences.alarmSpecification, { alarms: gates.map((a) => `${a.name}-a1b2c3d`) });
                for (const gate of gates) assert.ok(dependsOn(asg, gate), `the group waits for ${gate.name}`);
                assert.equal(asg.inputs.instanceRefresh.preferences.autoRollback, false);
                const appTier = preset.network.egress === "public-subnets" ? "public" : "private";
                const appSubnetIds = r
                    .ofType("aws:ec2/subnet:Subnet")
                    .filter((s) => s.name.startsWith(`network-${appTier}-`))
                    .map((s) => `${s.name}-id`);
                assert.equal(appSubnetIds.length, preset.network.azCount);
                assert.deepEqual([...asg.inputs.vpcZoneIdentifiers].sort(), appSubnetIds.sort(), `instances run in the ${appTier} subnets`);
                const policies = r.ofType(T.scaling).filter((p) => p.name.startsWith("alicerce-app-")); // the web pool's (p-aws-workers)
                if (preset.compute.maxInstances > preset.compute.minInstances) {
                    const types = policies.map((p) => p.inputs.targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType).sort();
                    assert.deepEqual(types, ["ALBRequestCountPerTarget", "ASGAverageCPUUtilization"]);
                    const cpu = policies.find(
                        (p) => p.inputs.targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType === "ASGAverageCPUUtilization",
                    )!;
                    assert.equal(cpu.inputs.targetTrackingConfiguration.targetValue, preset.compute.cpuTargetPercent);
                    const req = policies.find((p) => p !== cpu)!;
                    assert.match(
                        req.inputs.targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel,
                        /^app\/alicerce-lb-alb\/\w+\/targetgroup\/alicerce-lb-app\/\w+$/,
                    );
                } else {
                    assert.equal(policies.length, 0, "one fixed instance: nothing to scale");
                }
            });

            it("gives the instance role exactly this stack's secrets, repository and log group, and SSM instead of SSH", async () => {
                const r = await resourcesOf(edgeRun(stack));
                const doc = JSON.parse(r.one(T.rolePolicy, "alicerce-app-policy").inputs.policy);
                const secretArns = r.ofType("aws:secretsmanager/secret:Secret").length;
                const secrets = doc.Statement.find((s: any) => s.Sid === "ReadOwnSecrets").Resource;
                assert.equal(
                    secrets.length,
                    preset.awsCache.nodeType !== null ? 3 : 2,
                    "database, session key, and the queue's REDIS_URL where the tier has one (p-aws-workers)",
                );
                assert.ok(secrets.every((a: string) => a.startsWith("arn:aws:secretsmanager:us-east-1:")));
                assert.ok(secretArns >= 1);
                assert.match(doc.Statement.find((s: any) => s.Sid === "EcrPull").Resource, /:repository\/alicerce-registry-repo/);
                assert.equal(
                    doc.Statement.find((s: any) => s.Sid === "ContainerLogs").Resource,
                    `arn:aws:logs:us-east-1:${MOCK_ACCOUNT_ID}:log-group:/alicerce/${stack}/app:*`,
                );
                const attach = r.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "alicerce-app-ssm");
                assert.equal(attach.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
                assert.equal(r.ofType(T.ingress).filter((i) => i.inputs.fromPort === 22).length, 0);
            });

            it("admits only 80/443 to the load balancer and only the load balancer to the app's port", async () => {
                const run = await edgeRun(stack);
                const r = new Resources(run.resources);
                const lbSg = r.one("aws:ec2/securityGroup:SecurityGroup", "alicerce-lb-sg");
                // IPv4 rules here; the IPv6 ones of an IPv6-only load balancer (growth, prod) are in aws-budget.test.ts.
                const ingress = r
                    .ofType(T.ingress)
                    .filter((i) => i.parent === lbSg.parent && i.name.startsWith("alicerce-lb-in-") && !i.name.endsWith("-ipv6"));
                const https = stack !== "dev";
                assert.deepEqual(ingress.map((i) => i.inputs.fromPort).sort(), https ? [443, 80] : [80]);
                for (const i of ingress) assert.equal(i.inputs.toPort, i.inputs.fromPort);
                if (stack !== "dev") {
                    const list = r.one(T.prefixList, "alicerce-lb-clients");
                    assert.deepEqual(
                        list.inputs.entries.map((e: any) => e.cidr),
                        [...CLOUDFLARE_IPV4].sort(),
                        "Cloudflare's published ranges",
                    );
                    assert.ok(run.calls.some((c) => c.token === "cloudflare:index/getIpRanges:getIpRanges"));
                    for (const i of ingress) assert.ok(i.inputs.prefixListId && i.inputs.cidrIpv4 === undefined);
                    assert.ok(list.inputs.maxEntries * ingress.length <= 60, "a security group takes 60 rules; a prefix list counts as its max entries");
                } else {
                    for (const i of ingress) assert.equal(i.inputs.cidrIpv4, "0.0.0.0/0");
                    assert.equal(r.ofType(T.prefixList).length, 0);
                }
                const appIn = r.one(T.ingress, "alicerce-lb-app-from-lb");
                const appSg = r.one("aws:ec2/securityGroup:SecurityGroup", "network-app");
                assert.ok(dependsOn(appIn, appSg) && dependsOn(appIn, lbSg));
                assert.deepEqual([appIn.inputs.fromPort, appIn.inputs.toPort], [8080, 8080]);
                const out = r.one(T.egress, "alicerce-lb-out-app");
                assert.deepEqual([out.inputs.fromPort, out.inputs.toPort], [8080, 8080]);
                assert.ok(dependsOn(out, appSg));
            });

            it("puts an internet-facing ALB in the public subnets, checking /healthz and draining for 30 s", async () => {
                const run = await edgeRun(stack);
                const r = new Resources(run.resources);
                const lb = r.one(T.lb);
                assert.equal(lb.inputs.internal, false);
                assert.equal(lb.inputs.loadBalancerType, "application");
                assert.equal(lb.inputs.subnets.length, preset.network.azCount);
                const publicSubnetIds = r
                    .ofType("aws:ec2/subnet:Subnet")
                    .filter((s) => s.name.startsWith("network-public-"))
                    .map((s) => `${s.name}-id`);
                assert.ok(lb.inputs.subnets.length >= 2, "an ALB needs two AZs");
                assert.deepEqual([...lb.inputs.subnets].sort(), publicSubnetIds.sort());
                assert.equal(lb.inputs.dropInvalidHeaderFields, true);
                assert.equal(lb.inputs.enableDeletionProtection, stack === "prod");
                const tg = r.one(T.tg);
                assert.equal(tg.inputs.healthCheck.path, "/healthz");
                assert.equal(tg.inputs.port, 8080);
                assert.equal(tg.inputs.deregistrationDelay, 30);
            });

            if (stack === "dev") {
                it("with no domain (mvp only): a plain HTTP listener forwarding, and a warning in the plan and the outputs", async () => {
                    const run = await edgeRun(stack);
                    const r = new Resources(run.resources);
                    const listeners = r.ofType(T.listener);
                    assert.equal(listeners.length, 1);
                    assert.deepEqual(
                        [listeners[0].inputs.port, listeners[0].inputs.protocol, listeners[0].inputs.defaultActions[0].type],
                        [80, "HTTP", "forward"],
                    );
                    assert.match(run.outputs.url, /^http:\/\/.+\.elb\.amazonaws\.com$/);
                    assert.ok(run.outputs.warnings.some((w: string) => w.includes("plain HTTP")));
                    assert.ok(run.logs.some((l) => l.severity === "warning" && l.message.includes("plain HTTP")));
                    assert.equal(r.ofType("aws:acm/certificate:Certificate").length, 0);
                });
            } else {
                it("serves HTTPS with the current TLS 1.3/1.2 policy and a DNS-validated certificate; HTTP only redirects", async () => {
                    const run = await edgeRun(stack);
                    const r = new Resources(run.resources);
                    const cert = r.one("aws:acm/certificate:Certificate");
                    assert.equal(cert.inputs.domainName, run.config["alicerce:domain"]);
                    assert.equal(cert.inputs.validationMethod, "DNS");
                    const https = r.all.find((x) => x.type === T.listener && x.inputs.port === 443)!;
                    assert.equal(https.inputs.sslPolicy, TLS_POLICY);
                    assert.match(TLS_POLICY, /^ELBSecurityPolicy-TLS13-1-2-/);
                    assert.ok(dependsOn(https, r.one(T.certValidation)), "the listener waits until ACM issued the certificate");
                    const http = r.all.find((x) => x.type === T.listener && x.inputs.port === 80)!;
                    assert.deepEqual(http.inputs.defaultActions, [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
                    assert.equal(run.outputs.url, `https://${run.config["alicerce:domain"]}`);
                });

                it(`${preset.waf ? "puts the WAF web ACL (REGIONAL, managed groups, rate limit) on the load balancer, logging with credentials redacted" : "has no WAF web ACL (AWS WAF in prod only; Cloudflare in front)"}`, async () => {
                    const run = await edgeRun(stack);
                    const r = new Resources(run.resources);
                    if (!preset.waf) {
                        assert.deepEqual([...r.ofType(T.acl), ...r.ofType(T.wafAssoc), ...r.ofType(T.wafLogging)], []);
                        return;
                    }
                    const acl = r.one(T.acl);
                    assert.equal(acl.inputs.scope, "REGIONAL");
                    assert.deepEqual(
                        acl.inputs.rules.map((x: any) => x.name),
                        [
                            "AWSManagedRulesAmazonIpReputationList",
                            "AWSManagedRulesCommonRuleSet",
                            "AWSManagedRulesKnownBadInputsRuleSet",
                            "AWSManagedRulesSQLiRuleSet",
                            "rate-limit-per-ip",
                        ],
                    );
                    const logging = r.one(T.wafLogging);
                    const group = r.all.find((x) => x.type === T.logGroup && dependsOn(logging, x))!;
                    assert.match(group.inputs.namePrefix, /^aws-waf-logs-/);
                    assert.match(logging.inputs.logDestinationConfigs[0], /^arn:aws:logs:us-east-1:\d{12}:log-group:aws-waf-logs-[^:]+$/, "no :* suffix");
                    assert.deepEqual(logging.inputs.redactedFields, [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }]);
                    const rate = acl.inputs.rules.at(-1).statement.rateBasedStatement;
                    if (run.config["alicerce:cloudflareZoneId"] !== undefined) {
                        // Proxied: every request comes from a Cloudflare address; count per visitor.
                        assert.equal(rate.aggregateKeyType, "FORWARDED_IP");
                        assert.deepEqual(rate.forwardedIpConfig, { headerName: "CF-Connecting-IP", fallbackBehavior: "MATCH" });
                    } else {
                        assert.equal(rate.aggregateKeyType, "IP");
                        assert.equal(rate.forwardedIpConfig, undefined);
                    }
                    assert.equal(run.outputs.wafWebAclArn, r.one(T.wafAssoc).inputs.webAclArn);
                });
            }

            it("keeps every log group for the tier's days, encrypted with the stack key", async () => {
                const r = await resourcesOf(edgeRun(stack));
                const groups = r.ofType(T.logGroup);
                assert.ok(groups.length >= (preset.waf ? 2 : 1));
                for (const g of groups) {
                    assert.ok(g.inputs.retentionInDays > 0, `${g.name} keeps logs forever`);
                    assert.match(g.inputs.kmsKeyId, /^arn:aws:kms:/, `${g.name} is not KMS-encrypted`);
                }
                assert.equal(r.one(T.logGroup, "alicerce-app-logs").inputs.retentionInDays, preset.logRetentionDays);
            });

            it("alarms on the runbooks' signals, with replica lag only where there is a replica, and one dashboard", async () => {
                const r = await resourcesOf(edgeRun(stack));
                const keys = r
                    .ofType(T.alarm)
                    .map((a) => a.name.replace("alicerce-monitoring-", ""))
                    .sort();
                const expected = [
                    "app-cpu",
                    "app-memory",
                    "db-cpu",
                    "db-free-storage",
                    "errors-5xx",
                    "healthy-hosts",
                    "latency-p95",
                    "rollout-errors",
                    "unhealthy-hosts",
                    ...(preset.database.readReplica ? ["db-replica-lag"] : []),
                    ...(preset.awsCache.nodeType !== null ? ["queue-depth", "queue-oldest-job", "queue-failed-jobs", "cache-memory", "cache-evictions"] : []),
                ].sort();
                assert.deepEqual(keys, expected);
                const p95 = r.one(T.alarm, "alicerce-monitoring-latency-p95");
                assert.deepEqual([p95.inputs.extendedStatistic, p95.inputs.statistic, p95.inputs.threshold], ["p95", undefined, 2]);
                const errors = r.one(T.alarm, "alicerce-monitoring-errors-5xx");
                assert.equal(errors.inputs.metricQueries.filter((q: any) => q.returnData).length, 1);
                const asgName = (await edgeRun(stack)).outputs.autoScalingGroupName;
                assert.deepEqual(r.one(T.alarm, "alicerce-monitoring-app-memory").inputs.dimensions, { AutoScalingGroupName: asgName });
                const db = r.all.find((x) => x.type === "aws:rds/instance:Instance" && !x.inputs.replicateSourceDb)!;
                assert.deepEqual(r.one(T.alarm, "alicerce-monitoring-db-cpu").inputs.dimensions, { DBInstanceIdentifier: db.inputs.identifier });
                if (preset.database.readReplica) {
                    const replica = r.all.find((x) => x.type === "aws:rds/instance:Instance" && x.inputs.replicateSourceDb)!;
                    assert.deepEqual(r.one(T.alarm, "alicerce-monitoring-db-replica-lag").inputs.dimensions, {
                        DBInstanceIdentifier: replica.inputs.identifier,
                    });
                }
                // q-budget-aws: a dashboard where the tier has one (growth leaves it out: $3 of its budget).
                if (preset.dashboard) {
                    const dash = r.one("aws:cloudwatch/dashboard:Dashboard");
                    assert.equal(dash.inputs.dashboardName, `alicerce-${stack}`);
                    assert.ok(JSON.parse(dash.inputs.dashboardBody).widgets.length >= 4);
                } else assert.deepEqual(r.ofType("aws:cloudwatch/dashboard:Dashboard"), []);
            });

            it("exports the app URL, load balancer DNS name, Auto Scaling group name and the image with its digest", async () => {
                const run = await edgeRun(stack);
                for (const key of ["url", "loadBalancerDnsName", "autoScalingGroupName", "image"])
                    assert.ok(typeof run.outputs[key] === "string" && run.outputs[key] !== "", key);
                assert.match(run.outputs.loadBalancerDnsName, /\.elb\.amazonaws\.com$/);
                assert.match(run.outputs.image, /@sha256:[0-9a-f]{64}$/);
            });
        });
    }

    describe("Cloudflare (prod: domain and zone set)", () => {
        it("points a proxied record for the app at the ALB and validates the certificate through an unproxied record", async () => {
            const run = await stackRun("prod");
            const r = new Resources(run.resources);
            const records = r.ofType(T.cfRecord);
            const app = records.find((x) => x.inputs.name === "app.example.com")!;
            assert.deepEqual(
                [app.inputs.type, app.inputs.content, app.inputs.proxied, app.inputs.zoneId],
                ["CNAME", run.outputs.loadBalancerDnsName, true, run.config["alicerce:cloudflareZoneId"]],
            );
            const validation = records.find((x) => x !== app)!;
            assert.deepEqual(
                [validation.inputs.name, validation.inputs.type, validation.inputs.content, validation.inputs.proxied],
                ["_x1.app.example.com", "CNAME", "_x2.acm-validations.aws", false],
            );
            const issued = r.one(T.certValidation);
            assert.deepEqual(issued.inputs.validationRecordFqdns, ["_x1.app.example.com"]);
            assert.ok(dependsOn(issued, validation), "ACM validation waits for the Cloudflare record");
            for (const x of records) assert.ok(x.provider?.includes("pulumi:providers:cloudflare"));
        });

        it("sets the zone for an ALB origin: full (strict) TLS, always HTTPS, minimum TLS 1.2", async () => {
            const r = await resourcesOf(stackRun("prod"));
            const settings = Object.fromEntries(r.ofType(T.cfSetting).map((s) => [s.inputs.settingId, s.inputs.value]));
            assert.deepEqual(settings, { ssl: "strict", always_use_https: "on", min_tls_version: "1.2" });
            assert.deepEqual(settings, { ...ORIGIN_TLS_SETTINGS });
        });

        it("without a zone (growth unproxied), creates no Cloudflare resource and hands the records to create as an output", async () => {
            const run = await runStack("growth", { overrides: { "alicerce:cloudflareZoneId": undefined } });
            const r = new Resources(run.resources);
            assert.equal(r.all.filter((x) => x.type.startsWith("cloudflare:") || x.type === "pulumi:providers:cloudflare").length, 0);
            assert.deepEqual(run.outputs.dnsRecordsToCreate, [
                { name: "_x1.growth.example.com", type: "CNAME", value: "_x2.acm-validations.aws" },
                { name: "growth.example.com", type: "CNAME", value: run.outputs.loadBalancerDnsName },
            ]);
            assert.equal(r.one(T.certValidation).inputs.validationRecordFqdns, undefined);
        });
    });

    describe("variations", () => {
        const runs = new Map<string, Promise<StackRun>>();
        const variant = (key: string, overrides: Record<string, string | undefined>) => {
            if (!runs.has(key)) runs.set(key, runStack("prod", { overrides }));
            return runs.get(key)!;
        };

        it("alicerce:image runs a prebuilt image by digest and builds nothing", async () => {
            const image = `${MOCK_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"ab".repeat(32)}`;
            const run = await variant("image", { "alicerce:image": image });
            const r = new Resources(run.resources);
            assert.equal(r.ofType(T.image).length, 0);
            assert.equal(run.outputs.image, image);
            assert.ok(userDataOf(r).includes(`\n    ${image}\n`));
            assert.ok(!run.calls.some((c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"));
            const pull = JSON.parse(r.one(T.rolePolicy, "alicerce-app-policy").inputs.policy).Statement.find((s: any) => s.Sid === "EcrPull");
            assert.equal(pull.Resource, `arn:aws:ecr:us-east-1:${MOCK_ACCOUNT_ID}:repository/app`, "the instances may pull the image's own repository");
        });

        it("alicerce:image in another account's and region's repository: the pull grant and the login follow the image", async () => {
            const image = `210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/app@sha256:${"cd".repeat(32)}`;
            const r = new Resources((await variant("cross-account", { "alicerce:image": image })).resources);
            const pull = JSON.parse(r.one(T.rolePolicy, "alicerce-app-policy").inputs.policy).Statement.find((s: any) => s.Sid === "EcrPull");
            assert.equal(pull.Resource, "arn:aws:ecr:eu-west-1:210987654321:repository/shared/app");
            assert.ok(
                userDataOf(r).includes(
                    "aws ecr get-login-password --region 'eu-west-1' | docker login --username AWS --password-stdin '210987654321.dkr.ecr.eu-west-1.amazonaws.com'",
                ),
            );
        });

        it("an x86 instance type gets the x86_64 AMI and an amd64 build (pinned, or the latest when not pinned)", async () => {
            const pinned = new Resources(
                (await variant("x86-pinned", { "alicerce:instanceType": "t3.medium", "alicerce:amiName": "al2023-ami-2023.12.20260710.0-kernel-6.1-x86_64" }))
                    .resources,
            );
            assert.equal(pinned.one(T.lt, "alicerce-app-lt").inputs.imageId, "ami-0f1e2d3c4b5a69780");
            const run = await variant("x86", { "alicerce:instanceType": "t3.medium", "alicerce:amiName": undefined });
            const r = new Resources(run.resources);
            assert.equal(
                run.calls.find((c) => c.token === "aws:ssm/getParameter:getParameter")!.inputs.name,
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            );
            assert.equal(r.one(T.lt, "alicerce-app-lt").inputs.imageId, "ami-0f1e2d3c4b5a69780");
            assert.equal(r.one(T.image).inputs.build.platform, "linux/amd64");
            assert.match(r.one(T.image).inputs.imageName, /:ctx-[0-9a-f]{20}-amd64$/, "another platform, another immutable tag");
        });

        it("alicerce:lbIngressCidrs replaces Cloudflare's ranges; cloudflareProxied false admits anyone and leaves records unproxied", async () => {
            const listed = new Resources((await variant("listed", { "alicerce:lbIngressCidrs": "203.0.113.0/24,198.51.100.0/24" })).resources);
            assert.deepEqual(
                listed.one(T.prefixList).inputs.entries.map((e: any) => e.cidr),
                ["198.51.100.0/24", "203.0.113.0/24"],
            );
            const open = new Resources((await variant("unproxied", { "alicerce:cloudflareProxied": "false" })).resources);
            assert.equal(open.ofType(T.prefixList).length, 0);
            // Anyone may reach the load balancer, or only listed ranges: one trusted hop, or a client could forge its address.
            for (const v of [listed, open])
                assert.ok(!Buffer.from(v.one(T.lt, "alicerce-app-lt").inputs.userData, "base64").toString().includes("TRUST_PROXY_HOPS"));
            assert.equal(open.ofType(T.cfRecord).find((x) => x.inputs.name === "app.example.com")!.inputs.proxied, false);
        });
    });

    it("moving a stack mvp -> growth -> prod keeps the registry, load balancer, group and log group (same URNs, no replacing input)", async () => {
        const [mvp, prod] = [await tierRun("mvp"), await tierRun("prod")];
        const byUrn = new Map(prod.resources.map((x) => [x.urn, x]));
        const kept: [string, string[]][] = [
            [T.repo, ["name", "encryptionConfigurations"]],
            [T.lb, ["name", "internal", "loadBalancerType"]],
            [T.tg, ["name", "port", "protocol", "vpcId", "targetType"]],
            [T.asg, ["name"]],
            [T.logGroup, ["name", "namePrefix"]],
        ];
        for (const [type, inputs] of kept) {
            const before = mvp.resources.filter((x) => x.type === type);
            assert.ok(before.length > 0, type);
            for (const b of before) {
                const a = byUrn.get(b.urn);
                assert.ok(a, `${b.name} is replaced (its URN changes) when the tier changes`);
                for (const k of inputs) assert.deepEqual(a.inputs[k], b.inputs[k], `${b.name}.${k} changes with the tier`);
            }
        }
    });
});
