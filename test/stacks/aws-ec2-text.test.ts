/**
 * What EC2 and ELB accept in the names and descriptions the AWS stacks give
 * their security groups, rules, prefix lists, load balancer and target group,
 * checked over every resource of every shipped AWS plan. Mocks accept any
 * string; `pulumi up` does not, and a security group's name and description
 * force replacement, so they must be right before the first deploy.
 */
import { strict as assert } from "assert";
import { EC2_TEXT as COMPONENT_EC2_TEXT, ec2Text } from "../../components/aws/loadBalancer";
import { RecordedResource } from "../../offline";
import { resourcesOf, stackRun } from "./runs";

const AWS_STACKS = ["dev", "growth", "prod"] as const;

/**
 * EC2's rule for security group names, descriptions and rule descriptions,
 * written here from the API reference (not imported), so the test checks
 * the code against the cloud rather than against itself.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
 */
const EC2_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

const T = {
    group: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    rule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    prefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    repo: "aws:ecr/repository:Repository",
    image: "docker:index/image:Image",
    tg: "aws:lb/targetGroup:TargetGroup",
} as const;

/**
 * The name the provider gives a resource: the `name` input, or Pulumi's
 * autoname (the logical name, a hyphen and 7 random characters), which the
 * harness's mocks imitate.
 */
const nameOf = (r: RecordedResource): string =>
    r.inputs.name ?? (r.inputs.namePrefix !== undefined ? `${r.inputs.namePrefix}20260101000000000000000001` : `${r.name}-a1b2c3d`);

/** "Managed by Pulumi" is what the provider sends when a group has no description. */
const groupDescription = (r: RecordedResource): string => r.inputs.description ?? "Managed by Pulumi";

describe("AWS names and descriptions EC2 and ELB accept", () => {
    it("the character set refuses what EC2 refuses (so a clean result means something)", () => {
        for (const ok of ["Load balancer: HTTP(S) in", "a-z A-Z 0-9 ._-:/()#,@[]+=&;{}!$*", "x".repeat(255)]) assert.match(ok, EC2_TEXT);
        for (const bad of ["the app's port", "café", "50%", "a\nb", "<b>", "why?", "x".repeat(256)]) {
            assert.doesNotMatch(bad, EC2_TEXT);
            assert.doesNotMatch(bad, COMPONENT_EC2_TEXT, "the component's own check agrees");
            assert.throws(() => ec2Text(bad, "LoadBalancer ingressDescription"), /is not accepted by EC2/);
        }
    });

    for (const stack of AWS_STACKS) {
        describe(`Pulumi.${stack}.yaml`, () => {
            // CreateSecurityGroup: GroupName and Description up to 255 characters of a-z, A-Z, 0-9, spaces and
            // ._-:/()#,@[]+=&;{}!$*; GroupName cannot start with sg-.
            // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
            it("every security group's name and description (and inline rules') is in EC2's character set and length", async () => {
                const r = await resourcesOf(stackRun(stack));
                const groups = r.ofType(T.group);
                // dev serves from the instance edge: no load balancer group (aws-instance-edge.test.ts).
                assert.ok(groups.length >= (stack === "dev" ? 2 : 3), `${stack} declares the app, database (and load balancer) groups`);
                for (const g of groups) {
                    assert.match(groupDescription(g), EC2_TEXT, `security group ${g.name}: description`);
                    assert.notEqual(groupDescription(g), "", `security group ${g.name}: the provider refuses an empty description`);
                    assert.match(nameOf(g), EC2_TEXT, `security group ${g.name}: name`);
                    assert.doesNotMatch(nameOf(g), /^sg-/i, `security group ${g.name}: a name cannot start with sg-`);
                    for (const rule of [...(g.inputs.ingress ?? []), ...(g.inputs.egress ?? [])]) {
                        if (rule.description !== undefined) assert.match(rule.description, EC2_TEXT, `security group ${g.name}: inline rule description`);
                    }
                }
            });

            // IpRange / Ipv6Range / PrefixListId / UserIdGroupPair Description: up to 255 characters of a-z, A-Z, 0-9,
            // spaces and ._-:/()#,@[]+=&;{}!$* (AuthorizeSecurityGroupIngress/Egress).
            // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
            it("every security group rule's description is in EC2's character set and length", async () => {
                const r = await resourcesOf(stackRun(stack));
                const rules = [...r.ofType(T.ingress), ...r.ofType(T.egress), ...r.ofType(T.rule)];
                assert.ok(rules.length >= (stack === "dev" ? 3 : 4));
                for (const rule of rules) {
                    assert.equal(typeof rule.inputs.description, "string", `rule ${rule.name} says what it is for`);
                    assert.match(rule.inputs.description, EC2_TEXT, `rule ${rule.name}: description`);
                }
            });

            // CreateManagedPrefixList: PrefixListName up to 255 characters, not starting with com.amazonaws;
            // AddPrefixListEntry Description up to 255 characters.
            // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateManagedPrefixList.html
            // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AddPrefixListEntry.html
            it("prefix list names and entry descriptions are within EC2's limits", async () => {
                const r = await resourcesOf(stackRun(stack));
                for (const pl of r.ofType(T.prefixList)) {
                    assert.ok(nameOf(pl).length <= 255 && !nameOf(pl).startsWith("com.amazonaws"), `prefix list ${pl.name}: name`);
                    for (const e of pl.inputs.entries ?? []) assert.ok(String(e.description ?? "").length <= 255, `prefix list ${pl.name}: entry description`);
                }
            });

            // CreateRepository repositoryName: 2-256 characters,
            // (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)* (lower case only).
            // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
            // A docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} (distribution/reference grammar, which docker push applies).
            // https://docs.docker.com/reference/cli/docker/image/tag/
            it("the ECR repository's name and the image tag are what ECR and docker accept", async () => {
                const r = await resourcesOf(stackRun(stack));
                for (const repo of r.ofType(T.repo)) {
                    const name = nameOf(repo);
                    assert.ok(name.length >= 2 && name.length <= 256, `repository ${name}: length`);
                    assert.match(name, /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, `repository ${name}`);
                }
                for (const image of r.ofType(T.image)) {
                    const tag = String(image.inputs.imageName).split("/").pop()!.split(":")[1];
                    assert.match(tag, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, `image tag ${tag}`);
                }
            });

            // CreateLoadBalancer / CreateTargetGroup Name: at most 32 alphanumeric characters or hyphens, not beginning or
            // ending with a hyphen; a load balancer's cannot begin with "internal-".
            // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
            // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
            it("the load balancer's and target group's names fit ELB's rules", async () => {
                const r = await resourcesOf(stackRun(stack));
                for (const x of [...r.ofType(T.lb), ...r.ofType(T.tg)]) {
                    const name = nameOf(x);
                    assert.match(name, /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/, `${x.type} ${x.name}: name ${name}`);
                    assert.doesNotMatch(name, /^internal-/);
                }
            });
        });
    }
});
