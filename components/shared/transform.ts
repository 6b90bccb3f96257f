import * as pulumi from "@pulumi/pulumi";

/**
 * A change to one child resource of a component, after SST v3's `Transform`
 * (sst/sst `platform/src/components/component.ts`): either an object merged
 * over the args the component computed, or a function that edits the args
 * and the resource options in place. The logical name is passed for
 * reference and cannot change, and the options that make the URN (parent,
 * aliases) are put back after the hook, so a transform never moves a URN;
 * `protect` can be raised, never dropped. Args are the provider's: setting a
 * physical name or another input the provider replaces on change (an RDS
 * `identifier`, a bucket name) still replaces that resource.
 *
 * ```ts
 * new Database("db", { ..., transform: { primary: { performanceInsightsEnabled: true } } });
 * new ComputePool("worker", { ..., transform: { group: (args, opts) => { args.capacityRebalance = true; opts.ignoreChanges = ["desiredCapacity"]; } } });
 * ```
 */
export type Transform<T> = Partial<T> | ((args: T, opts: pulumi.CustomResourceOptions, name: string) => void);

/**
 * Applies a {@link Transform} to a child about to be declared; returns the
 * constructor's arguments: `new aws.ec2.Vpc(...transform(t?.vpc, name, args, opts))`.
 * Without a transform the args and options pass through unchanged.
 */
export function transform<T extends object>(
    change: Transform<T> | undefined,
    name: string,
    args: T,
    opts: pulumi.CustomResourceOptions,
): [string, T, pulumi.CustomResourceOptions] {
    if (typeof change === "function") {
        const a = { ...args };
        const o = { ...opts };
        change(a, o, name);
        // The URN is the parent's and the name's; aliases say where it was. A hook cannot move them or unprotect data.
        o.parent = opts.parent;
        o.aliases = opts.aliases;
        if (opts.protect === true) o.protect = true;
        return [name, a, o];
    }
    return [name, change === undefined ? args : { ...args, ...change }, opts];
}
