import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { Transform, transform } from "../shared/transform";

/** The children a {@link Transform} may change. */
export interface NetworkTransform {
    readonly vpc?: Transform<digitalocean.VpcArgs>;
}

/** Arguments of {@link Network}. */
export interface NetworkArgs {
    /** Region slug, e.g. nyc3. */
    readonly region: string;
    /**
     * The VPC's private range. DigitalOcean refuses ranges that overlap any
     * other VPC in the account, so every stack in one account needs its own.
     * Fixed for the VPC's life (changing it replaces the VPC and everything in it).
     */
    readonly ipRange: string;
    /**
     * The tag that marks this stack's app droplets. The load balancer, the
     * droplet firewall and the database firewalls all target it, so it must
     * be unique in the account (tags are account-wide).
     */
    readonly appTagName: string;
    /** The tag of the stack's queue-worker droplets (trusted by the data firewalls, not the balancer). @default undefined (no workers) */
    readonly workerTagName?: string;
    /** Shown on the VPC in the control panel. */
    readonly description: string;
    /** Changes to the child resources' args and options (see {@link Transform}). */
    readonly transform?: NetworkTransform;
}

/**
 * The stack's private network: a VPC with its own range, and the tag that
 * identifies the stack's app droplets to everything that must trust them.
 * VPCs cannot carry tags; the tag here is an identity, not a label.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcUrn: pulumi.Output<string>;
    public readonly ipRange: pulumi.Output<string>;
    /** The app tag's name (an Output, so users of it wait for the tag to exist). */
    public readonly appTag: pulumi.Output<string>;
    /** The worker tag's name, when there are workers. */
    public readonly workerTag?: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("alicerce:digitalocean:Network", name, {}, opts);
        const t = args.transform ?? {};
        const vpc = new digitalocean.Vpc(
            ...transform(
                t.vpc,
                `${name}-vpc`,
                { region: args.region, ipRange: args.ipRange, description: args.description },
                // A VPC cannot be deleted while resources sit in it; replacing one is a rebuild, never an update.
                { parent: this },
            ),
        );
        const tag = new digitalocean.Tag(`${name}-app`, { name: args.appTagName }, { parent: this });
        this.vpcId = vpc.id;
        this.vpcUrn = vpc.vpcUrn;
        this.ipRange = vpc.ipRange;
        this.appTag = tag.name;
        if (args.workerTagName !== undefined) this.workerTag = new digitalocean.Tag(`${name}-worker`, { name: args.workerTagName }, { parent: this }).name;
        this.registerOutputs({ vpcId: this.vpcId, vpcUrn: this.vpcUrn, ipRange: this.ipRange, appTag: this.appTag });
    }
}
