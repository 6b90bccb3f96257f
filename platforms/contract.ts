import type * as pulumi from "@pulumi/pulumi";
import type { Cloud, CloudRules, ProviderSecrets, Settings } from "../stacks";

/**
 * The outputs every platform exports under the same names, so stack
 * references and the plan's output view read `url` or `assetsBucket` the
 * same way whatever the cloud.
 */
export interface CommonOutputs {
    /** The app's public URL: `https://<domain>`, or plain HTTP to the load balancer or host without a domain. */
    readonly url: pulumi.Output<string>;
    /** The bucket the app's presigned uploads go to (S3, Spaces, or the host's S3-compatible store). */
    readonly assetsBucket: pulumi.Output<string>;
    /** The image the app runs: a digest-pinned reference, or the local image id on a single host. */
    readonly image: pulumi.Output<string>;
}

/** The names of {@link CommonOutputs}, which every platform exports (a test holds each shipped stack to them). */
export const COMMON_OUTPUT_NAMES = ["url", "assetsBucket", "image"] as const satisfies readonly (keyof CommonOutputs)[];

/**
 * Output names that mean one thing on every cloud that has the thing: a
 * platform either exports it under this name or not at all (a test checks
 * that no stack exports the same thing under another name).
 */
export const SHARED_OUTPUT_NAMES = ["url", "assetsBucket", "backupsBucket", "logsBucket", "image", "vpcId", "database"] as const;

/** Names earlier releases exported, one per thing now under a {@link SHARED_OUTPUT_NAMES} name; none may come back. */
export const RETIRED_OUTPUT_NAMES = ["appUrl", "buckets"] as const;

/** Where the app's PostgreSQL is reached, on a platform with a managed database. */
export interface DatabaseOutputs {
    /** The writer's host name. */
    readonly writer: pulumi.Output<string>;
    /** Where reads go: the read replica's host name, or the writer's without a replica. */
    readonly reader: pulumi.Output<string>;
    /** The TCP port of both. */
    readonly port: pulumi.Output<number>;
    /** The database the app uses. */
    readonly name: pulumi.Output<string>;
}

/**
 * One cloud's platform: its own config rules, and the composition of its
 * components into a stack. `index.ts` picks the platform by `alicerce:cloud`
 * and exports what `deploy` returns; the three platforms in
 * `platforms/<cloud>/` each satisfy this interface.
 */
export interface Platform<S extends Settings, O extends CommonOutputs> {
    /** The `alicerce:cloud` value this platform deploys. */
    readonly cloud: S["cloud"] & Cloud;
    /**
     * The cloud's own config rules, run by `loadSettings` with the shared
     * ones so every problem is reported at once, before any resource is declared.
     */
    readonly validate: CloudRules;
    /** Declares the stack's resources from validated settings; resolves to its typed outputs. */
    deploy(settings: S, secrets: ProviderSecrets): Promise<O>;
}
