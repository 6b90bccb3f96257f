import type { Cloud, CloudRules } from "../stacks";
import { awsPlatform } from "./aws";
import { digitalOceanPlatform } from "./digitalocean";
import { dockerPlatform } from "./docker";

export { awsPlatform, digitalOceanPlatform, dockerPlatform };
export type { AwsOutputs } from "./aws";
export type { DigitalOceanOutputs } from "./digitalocean";
export type { DockerOutputs } from "./docker";
export type { CommonOutputs, DatabaseOutputs, Platform } from "./contract";

/** Every platform, by the `alicerce:cloud` value that picks it. */
export const PLATFORMS = { aws: awsPlatform, digitalocean: digitalOceanPlatform, docker: dockerPlatform } as const satisfies {
    readonly [C in Cloud]: { readonly cloud: C };
};

/** Each cloud's own config rules, for `loadSettings`. */
export const PLATFORM_RULES: { readonly [C in Cloud]: CloudRules } = {
    aws: awsPlatform.validate,
    digitalocean: digitalOceanPlatform.validate,
    docker: dockerPlatform.validate,
};
