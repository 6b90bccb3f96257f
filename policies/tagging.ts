/**
 * Tagging: every resource that takes tags carries the required keys, so cost
 * reports and ownership queries see all of it. Mandatory by default.
 */
import { PolicyProviderResource, ResourceValidationPolicy } from "@pulumi/policy";
import { AWS_DEFAULT_TAGGED, DIGITALOCEAN_TAGGABLE } from "./generated/taggable-types";
import { REQUIRED_TAG_KEYS } from "./lib/tags";
import { isUnknown, jsonObject, plain, quoted, UNKNOWN, Unknown } from "./lib/values";

/** The required tag keys unless the pack's config names others (the program's standard tags are built on the same list). */
export const DEFAULT_REQUIRED_TAG_KEYS: readonly string[] = REQUIRED_TAG_KEYS;

/** The config of {@link requiredTags}. */
export interface RequiredTagsConfig {
    /** The tag keys every taggable resource must carry. */
    readonly requiredTags?: readonly string[];
}

const AUTOSCALING_GROUP = "aws:autoscaling/group:Group";

/**
 * DigitalOcean types whose `tags` select the droplets they apply to rather
 * than label the resource itself. Putting the shared standard tags there
 * would aim one stack's firewall or alert at every stack's droplets, so they
 * are exempt: they carry the stack's own droplet tag instead.
 */
export const DIGITALOCEAN_TAG_SELECTORS: readonly string[] = ["digitalocean:index/firewall:Firewall", "digitalocean:index/monitorAlert:MonitorAlert"];

/** The provider's `defaultTags.tags` (the SDK sends provider inputs JSON-encoded). */
export function providerDefaultTags(provider: PolicyProviderResource | undefined): Record<string, unknown> | Unknown {
    if (!provider) return {};
    const defaultTags = jsonObject(plain(provider.props)?.defaultTags);
    if (isUnknown(defaultTags)) return UNKNOWN;
    const tags = defaultTags?.tags;
    if (isUnknown(tags)) return UNKNOWN;
    return tags !== null && typeof tags === "object" ? (tags as Record<string, unknown>) : {};
}

/**
 * DigitalOcean types whose `tags` force replacement (ForceNew in
 * terraform-provider-digitalocean, digitalocean/database/resource_database_replica.go):
 * they carry only the tags that never change, so Owner and CostCenter, which
 * change when a team hands a stack over, are not required there.
 */
export const DIGITALOCEAN_TAGS_FORCE_NEW: readonly string[] = ["digitalocean:index/databaseReplica:DatabaseReplica"];
const CHANGING_TAG_KEYS: readonly string[] = ["Owner", "CostCenter"];

const hasValue = (v: unknown) => isUnknown(v) || (typeof v === "string" && v !== "");

/** Every taggable resource carries the required tag keys, its provider's `defaultTags` counted. */
export const requiredTags: ResourceValidationPolicy = {
    name: "required-tags",
    description: "Every taggable resource carries the required tags (AWS: its own tags plus the provider's defaultTags).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredTags: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [...DEFAULT_REQUIRED_TAG_KEYS],
                description: "The tag keys every taggable resource must carry.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const keys = args.getConfig<RequiredTagsConfig>().requiredTags ?? DEFAULT_REQUIRED_TAG_KEYS;
        const tags = plain(args.props).tags;
        if (isUnknown(tags)) return;

        if (AWS_DEFAULT_TAGGED.includes(args.type)) {
            const inherited = providerDefaultTags(args.provider);
            if (isUnknown(inherited)) return;
            const missing = keys.filter((k) => !hasValue(tags?.[k]) && !hasValue(inherited[k]));
            if (missing.length > 0) {
                reportViolation(
                    `${args.type} ${quoted(args.name)} is missing the tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; set ${missing.length > 1 ? "them" : "it"} in its provider's defaultTags (or its own tags).`,
                );
            }
        } else if (args.type === AUTOSCALING_GROUP) {
            const list: unknown[] = Array.isArray(tags) ? tags : [];
            if (list.some((t: any) => isUnknown(t) || isUnknown(t?.key) || isUnknown(t?.propagateAtLaunch))) return;
            const missing = keys.filter((k) => !list.some((t: any) => t?.key === k && hasValue(t?.value) && t?.propagateAtLaunch === true));
            if (missing.length > 0) {
                reportViolation(
                    `Auto scaling group ${quoted(args.name)} is missing the tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; add them to its tags with propagateAtLaunch: true (auto scaling groups ignore the provider's defaultTags, and their instances get only what is propagated).`,
                );
            }
        } else if (DIGITALOCEAN_TAGGABLE.includes(args.type) && !DIGITALOCEAN_TAG_SELECTORS.includes(args.type)) {
            const list: unknown[] = Array.isArray(tags) ? tags : [];
            if (list.some(isUnknown)) return;
            const wanted = DIGITALOCEAN_TAGS_FORCE_NEW.includes(args.type) ? keys.filter((k) => !CHANGING_TAG_KEYS.includes(k)) : keys;
            const missing = wanted.filter((k) => !list.some((t) => typeof t === "string" && t.startsWith(`${k.toLowerCase()}:`) && t.length > k.length + 1));
            if (missing.length > 0) {
                reportViolation(
                    `${args.type} ${quoted(args.name)} is missing the tag${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k.toLowerCase()}:<value>`).join(", ")}; add them to its tags.`,
                );
            }
        }
    },
};
