/**
 * The CrossGuard entry point: `pulumi preview --policy-pack policies`.
 * Builds the pack and nothing else (constructing it starts the analyzer
 * server), so nothing may import this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./pack";

new PolicyPack(PACK_NAME, { policies: POLICIES, enforcementLevel: "mandatory" });
