/**
 * The instance edge (docs/aws-edge.md, "Instance edge"): no load balancer; the one app instance serves the
 * internet from an Elastic IP it takes at boot once its app answers the health check on the host.
 *
 * - {@link InstanceEdge}: the Elastic IP and the rule on the app's security group that admits HTTP from the
 *   internet (or the listed ranges), the only rule besides a load balancer's that the policy pack lets face it.
 * - {@link originHost}: the host-side part, as lines of the AWS user data: `attach.sh` (take the address, end
 *   the launch lifecycle hook) and `report.sh` (the health metric the `origin-unhealthy` alarm reads).
 * - {@link originPolicyStatements}: what the instance role needs for that, and nothing more.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { HEREDOC, shellQuote } from "../shared/userdata";
import { clientPrefixList, ec2Text } from "./loadBalancer";
import { EDGE_TAG } from "../../policies/lib/tags";

/**
 * Where the host-side scripts are: beside this file in the source tree, or, from the built package entry
 * (bin/components/aws/), the package's own components/aws/origin/ (package.json "files" ships it).
 */
const ORIGIN_DIR =
    [path.join(__dirname, "origin"), path.join(__dirname, "..", "..", "..", "components", "aws", "origin")].find((d) =>
        fs.existsSync(path.join(d, "attach.sh")),
    ) ?? path.join(__dirname, "origin");

/** The host-side scripts (bash, shellcheck-clean, run for real by components/aws/origin.test.ts). */
export const ORIGIN_SCRIPTS = {
    attach: path.join(ORIGIN_DIR, "attach.sh"),
    report: path.join(ORIGIN_DIR, "report.sh"),
} as const;

/** The metric the instance holding the address publishes every minute: 1 when its app is healthy, 0 when not. */
export const ORIGIN_METRIC = { namespace: "Alicerce/Edge", metricName: "OriginHealthy", dimension: "AllocationId" } as const;

/**
 * The launch lifecycle hook's name (unique per group). A new instance waits in `Pending:Wait` until
 * `attach.sh` ends the hook: CONTINUE once it holds the address, ABANDON when its app never got healthy.
 */
export const ORIGIN_HOOK_NAME = "alicerce-origin-healthy";

/** The tag that marks the instance edge's address and ingress rule (the cost model, the policy pack and the plan's diff read it). */
export { EDGE_TAG } from "../../policies/lib/tags";

/** The port the instance edge serves on: the app container's port is published there. */
export const ORIGIN_PORT = 80;

/**
 * Seconds a new instance may take to get healthy before it abandons its launch: docker install, the
 * CloudWatch agent and the first image pull take 1-3 minutes, a release command (migrations) more.
 */
export const ORIGIN_WAIT_SECONDS = 600;

/**
 * The launch hook's heartbeat timeout, counted from launch: the boot before `attach.sh` starts (docker, the agent,
 * the first pull, a release command), its wait and its retries, with room to spare, so the instance ends the hook
 * itself; if it cannot (it died), the timeout abandons the launch. `attach.sh` never takes the address later than
 * {@link ORIGIN_HOOK_MARGIN_SECONDS} before it (it abandons instead), so an instance whose hook is about to
 * expire never takes the address from a healthy one.
 */
export const ORIGIN_HOOK_TIMEOUT_SECONDS = ORIGIN_WAIT_SECONDS + 600;

/** How long before the hook's timeout `attach.sh` stops trying to take the address (the association and the CONTINUE call). */
export const ORIGIN_HOOK_MARGIN_SECONDS = 60;

/** What the host needs to take the address and report on it. */
export interface OriginHostOptions {
    readonly region: string;
    /** The Elastic IP's allocation id (`eipalloc-...`). */
    readonly allocationId: string;
    /** Its address: the reporter compares it with the instance's public IPv4 to know it holds it. */
    readonly publicIp: string;
    /** Where the app answers on the host (`http://127.0.0.1:80/healthz`). */
    readonly healthUrl: string;
}

/**
 * One of {@link ORIGIN_SCRIPTS} as the user data embeds it: without its comment lines (EC2 takes 16 KB of user
 * data; the comments stay in the repository), in a quoted heredoc, so it must not contain the delimiter.
 */
export function embeddedScript(file: string): string {
    const text = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l, i) => i === 0 || !/^\s*#/.test(l))
        .join("\n")
        .trimEnd();
    if (text.includes(HEREDOC)) throw new Error(`${file} contains ${HEREDOC}, the user data's heredoc delimiter`);
    return text;
}

/** The environment file both scripts read (non-secret: ids, an address, a URL). */
export function originEnvironment(o: OriginHostOptions): Record<string, string> {
    return {
        REGION: o.region,
        ALLOCATION_ID: o.allocationId,
        PUBLIC_IP: o.publicIp,
        HEALTH_URL: o.healthUrl,
        HOOK_NAME: ORIGIN_HOOK_NAME,
        WAIT_SECONDS: String(ORIGIN_WAIT_SECONDS),
        HOOK_DEADLINE_SECONDS: String(ORIGIN_HOOK_TIMEOUT_SECONDS - ORIGIN_HOOK_MARGIN_SECONDS),
        NAMESPACE: ORIGIN_METRIC.namespace,
        METRIC: ORIGIN_METRIC.metricName,
    };
}

/**
 * The user data lines of the instance edge: `setup` writes the scripts, their environment and three systemd
 * units; `startUnits` are started without waiting, before the app's first start (the attach unit polls the app,
 * and a failed first start, which ends the user data, must not leave them unstarted).
 */
export function originHost(o: OriginHostOptions): { setup: string[]; startUnits: string[] } {
    const env = originEnvironment(o);
    for (const [k, v] of Object.entries(env)) {
        if (!/^[A-Za-z0-9:/._-]+$/.test(v)) throw new Error(`instance edge: ${k} ${JSON.stringify(v)} has characters a systemd environment file would mangle`);
    }
    const file = (target: string, text: string, mode: string) => [
        `cat > ${shellQuote(target)} <<'${HEREDOC}'`,
        text,
        HEREDOC,
        `chmod ${mode} ${shellQuote(target)}`,
    ];
    const unit = (name: string, lines: string[]) => file(`/etc/systemd/system/${name}`, lines.join("\n"), "0644");
    return {
        setup: [
            "install -d -m 0700 /etc/alicerce-origin",
            ...file(
                "/etc/alicerce-origin/origin.env",
                Object.entries(env)
                    .map(([k, v]) => `${k}=${v}`)
                    .join("\n"),
                "0600",
            ),
            ...file("/usr/local/sbin/alicerce-origin-attach", embeddedScript(ORIGIN_SCRIPTS.attach), "0700"),
            ...file("/usr/local/sbin/alicerce-origin-report", embeddedScript(ORIGIN_SCRIPTS.report), "0700"),
            ...unit("alicerce-origin-attach.service", [
                "[Unit]",
                "Description=Take the stack's Elastic IP once the app is healthy (alicerce instance edge)",
                "After=network-online.target docker.service",
                "Wants=network-online.target",
                "",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                "EnvironmentFile=/etc/alicerce-origin/origin.env",
                "ExecStart=/usr/local/sbin/alicerce-origin-attach",
                `TimeoutStartSec=${ORIGIN_WAIT_SECONDS + 300}`,
                "",
                "[Install]",
                "WantedBy=multi-user.target",
            ]),
            ...unit("alicerce-origin-report.service", [
                "[Unit]",
                "Description=Report the origin's health to CloudWatch while this instance holds the stack's Elastic IP (alicerce instance edge)",
                "",
                "[Service]",
                "Type=oneshot",
                "EnvironmentFile=/etc/alicerce-origin/origin.env",
                "ExecStart=/usr/local/sbin/alicerce-origin-report",
                "TimeoutStartSec=50",
            ]),
            ...unit("alicerce-origin-report.timer", [
                "[Unit]",
                "Description=Every minute: report the origin's health (alicerce instance edge)",
                "",
                "[Timer]",
                "OnBootSec=60",
                "OnUnitActiveSec=60",
                "AccuracySec=1",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]),
        ],
        startUnits: ["alicerce-origin-attach.service", "alicerce-origin-report.timer"],
    };
}

/**
 * The instance role's statements for the instance edge. AssociateAddress is authorized against the Elastic IP,
 * the instance and its network interface (Service Authorization Reference, Amazon EC2, AssociateAddress), so
 * each is named: this allocation only, and instances and interfaces carrying `scope`'s tags (the pool's `Name`
 * and the stack's `Project` and `Environment`: the group and the launch template put them there; two stacks of a
 * project in one account share the `Name`). Ending the launch hook: groups with those tags. The metric: its
 * namespace only.
 */
export function originPolicyStatements(p: { allocationArn: string; region: string; scope: Readonly<Record<string, string>> }): Record<string, unknown>[] {
    const tagged = (prefix: string) => Object.fromEntries(Object.entries(p.scope).map(([k, v]) => [`${prefix}:ResourceTag/${k}`, v]));
    return [
        { Sid: "OriginTakeAddress", Effect: "Allow", Action: ["ec2:AssociateAddress"], Resource: p.allocationArn },
        // DescribeAddresses and DescribeTags have no resource-level permissions (who holds the address; the
        // instance's group, from its aws:autoscaling:groupName tag).
        { Sid: "OriginWhoHoldsAddress", Effect: "Allow", Action: ["ec2:DescribeAddresses", "ec2:DescribeTags"], Resource: "*" },
        {
            Sid: "OriginTakeAddressOwnInstances",
            Effect: "Allow",
            Action: ["ec2:AssociateAddress"],
            Resource: [`arn:aws:ec2:${p.region}:*:instance/*`, `arn:aws:ec2:${p.region}:*:network-interface/*`],
            Condition: { StringEquals: tagged("aws") },
        },
        {
            Sid: "OriginEndLaunchHook",
            Effect: "Allow",
            Action: ["autoscaling:CompleteLifecycleAction"],
            Resource: "*",
            Condition: { StringEquals: tagged("autoscaling") },
        },
        {
            Sid: "OriginHealthMetric",
            Effect: "Allow",
            Action: ["cloudwatch:PutMetricData"],
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": ORIGIN_METRIC.namespace } },
        },
    ];
}

/** Arguments of {@link InstanceEdge}. */
export interface InstanceEdgeArgs {
    /**
     * The app instances' security group: the edge adds its one ingress rule there. A group of its own would be
     * attached to the running instance's network interface, and EC2 refuses to delete a group in use
     * (DependencyViolation), so the move to growth, which deletes the edge while the instance refresh is still
     * replacing that instance, would fail; a rule is revoked whatever uses the group.
     */
    readonly appSecurityGroupId: pulumi.Input<string>;
    /**
     * IPv4 ranges admitted on port 80 (`alicerce:lbIngressCidrs`), kept in a managed prefix list.
     * @default undefined (anyone)
     */
    readonly ingressCidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /** What the ranges are, for descriptions (EC2's character set). */
    readonly ingressDescription?: string;
    /** Tags for the address and the rule (the provider's default tags are added by the provider). */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The instance edge's cloud side: one Elastic IP (domain `vpc`) the app instance takes at boot, and one rule on
 * the app's security group admitting HTTP on {@link ORIGIN_PORT} from anyone (or the listed ranges), tagged
 * {@link EDGE_TAG} (the policy pack admits the internet there only in a stack with no load balancer). Nothing
 * else is open: no SSH (SSM Session Manager), no other port.
 */
export class InstanceEdge extends pulumi.ComponentResource {
    public readonly allocationId: pulumi.Output<string>;
    public readonly allocationArn: pulumi.Output<string>;
    public readonly publicIp: pulumi.Output<string>;

    constructor(name: string, args: InstanceEdgeArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:aws:InstanceEdge", name, {}, opts);
        const description = ec2Text(args.ingressDescription ?? "allowed clients", "InstanceEdge ingressDescription");
        const tags = { ...args.tags, [EDGE_TAG.key]: EDGE_TAG.value };
        const ip = new aws.ec2.Eip(`${name}-ip`, { domain: "vpc", tags: { ...tags, Name: `${name}-ip` } }, { parent: this });
        const prefixList =
            args.ingressCidrs === undefined
                ? undefined
                : clientPrefixList(`${name}-clients`, "IPv4", args.ingressCidrs, description, "the instance edge", this);
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-in-${ORIGIN_PORT}`,
            {
                securityGroupId: args.appSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: ORIGIN_PORT,
                toPort: ORIGIN_PORT,
                ...(prefixList ? { prefixListId: prefixList.id } : { cidrIpv4: "0.0.0.0/0" }),
                description: `HTTP from ${prefixList ? description : "anyone"} to the instance edge`,
                tags,
            },
            { parent: this },
        );
        this.allocationId = ip.allocationId;
        this.allocationArn = ip.arn;
        this.publicIp = ip.publicIp;
        this.registerOutputs({ allocationId: this.allocationId, publicIp: this.publicIp });
    }
}
