import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks";

/** The stack outputs of an AWS platform. */
export type AwsOutputs = Record<string, pulumi.Input<unknown>>;

/**
 * Composes the AWS platform for a stack: one explicit provider whose
 * `defaultTags` carry the standard tags (so no resource can miss them), then
 * the components in dependency order.
 */
export function deployAws(settings: StackSettings): AwsOutputs {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: { tags: { ...settings.tags } },
    });
    return { awsProvider: provider.urn };
}
