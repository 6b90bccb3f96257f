import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deployEdge, EdgeDependencies } from "../../platforms/aws/edge";
import { PLATFORM_RULES } from "../../platforms";
import { loadSettings } from "../../stacks";

/**
 * Stand-in values for the data components (network, storage, secrets,
 * database, KMS key) in the shape they expose, so the edge can be run alone
 * through the harness's `program` option. Realistic ids, no credentials.
 */
export function fixtureDependencies(opts: { azs: number; appSubnetsArePublic: boolean; region: string }): EdgeDependencies {
    const r = opts.region;
    const acct = "123456789012";
    const azs = Array.from({ length: opts.azs }, (_, i) => i);
    return {
        kms: { keyArn: `arn:aws:kms:${r}:${acct}:key/0f1e2d3c-fixture` },
        network: {
            vpcId: "vpc-0fixture",
            publicSubnetIds: azs.map((i) => `subnet-0public${i}`),
            appSubnetIds: azs.map((i) => (opts.appSubnetsArePublic ? `subnet-0public${i}` : `subnet-0private${i}`)),
            appSubnetsArePublic: opts.appSubnetsArePublic,
            appSecurityGroupId: "sg-0appfixture",
        },
        storage: {
            logsBucketName: "alicerce-logs-fixture",
            assetsBucketName: "alicerce-assets-fixture",
            assetsBucketArn: "arn:aws:s3:::alicerce-assets-fixture",
        },
        secrets: { sessionSecretArn: `arn:aws:secretsmanager:${r}:${acct}:secret:alicerce-session-AbCdEf` },
        database: {
            writerAddress: `alicerce-db.c0ffee.${r}.rds.amazonaws.com`,
            readerAddress: `alicerce-db-replica.c0ffee.${r}.rds.amazonaws.com`,
            port: 5432,
            masterSecretArn: `arn:aws:secretsmanager:${r}:${acct}:secret:rds!db-0a1b2c-AbCdEf`,
            dbName: "app",
            identifier: "alicerce-db",
        },
    };
}

/** A program that runs only the edge, with the stack's real settings and fixture dependencies. */
export function edgeProgram(): () => Promise<Record<string, unknown>> {
    return async () => {
        const settings = loadSettings(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack(), PLATFORM_RULES);
        if (settings.cloud !== "aws") throw new Error(`edgeProgram runs AWS stacks; ${pulumi.getStack()} is ${settings.cloud}`);
        const provider = new aws.Provider("aws", { region: settings.region as aws.Region, defaultTags: { tags: { ...settings.tags } } });
        const deps = fixtureDependencies({
            azs: settings.network.azCount,
            appSubnetsArePublic: settings.network.egress === "public-subnets",
            region: settings.region,
        });
        return { ...deployEdge(settings, provider, deps).outputs, warnings: settings.warnings };
    };
}
