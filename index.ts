import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_RULES, PLATFORMS } from "./platforms";
import { loadSettings, readProviderSecrets } from "./stacks";

/**
 * The alicerce program. Reads and validates the stack's `alicerce:` config
 * (every problem at once, the chosen platform's own rules included, before
 * any resource is declared), then deploys the platform of the chosen cloud.
 * The returned object is the stack's outputs.
 */
export = async (): Promise<Record<string, unknown>> => {
    const settings = loadSettings(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack(), PLATFORM_RULES);
    for (const warning of settings.warnings) pulumi.log.warn(warning);

    // cloud, tier, region and budgetUsd are read back by the policy pack (tier rules, cost guardrail).
    const common = {
        cloud: settings.cloud,
        tier: settings.tier,
        ...(settings.region ? { region: settings.region } : {}),
        budgetUsd: settings.budgetUsd,
        warnings: settings.warnings,
    };
    const secrets = readProviderSecrets();
    const outputs = settings.cloud === "docker" ? await PLATFORMS.docker.deploy(settings, secrets) : await PLATFORMS[settings.cloud].deploy(settings, secrets);
    return { ...common, ...outputs };
};
