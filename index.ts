import * as pulumi from "@pulumi/pulumi";
import { deployAws } from "./platforms/aws";
import { deployDigitalOcean } from "./platforms/digitalocean";
import { deployDocker } from "./platforms/docker";
import { loadSettings, readProviderSecrets } from "./stacks";

/**
 * The alicerce program. Reads and validates the stack's `alicerce:` config
 * (every problem at once, before any resource is declared), then builds the
 * platform of the chosen cloud. The returned object is the stack's outputs.
 */
export = async (): Promise<Record<string, unknown>> => {
    const settings = loadSettings(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
    for (const warning of settings.warnings) pulumi.log.warn(warning);

    // cloud, tier, region and budgetUsd are read back by the policy pack (tier rules, cost guardrail).
    const common = {
        cloud: settings.cloud,
        tier: settings.tier,
        ...(settings.region ? { region: settings.region } : {}),
        budgetUsd: settings.budgetUsd,
        warnings: settings.warnings,
    };
    switch (settings.cloud) {
        case "aws":
            return { ...common, ...(await deployAws(settings, readProviderSecrets())) };
        case "digitalocean":
            return { ...common, ...deployDigitalOcean(settings, readProviderSecrets()) };
        case "docker":
            return { ...common, ...deployDocker(settings, readProviderSecrets()) };
    }
};
