/**
 * The tag keys every taggable resource carries: one definition for the
 * program (`components/shared/tags.ts` builds the standard tags on it) and
 * the policy pack (`required-tags` checks them unless its config names
 * others). It lives in the pack so the pack stays publishable on its own.
 */

/** The required tag keys, in the order they are shown. */
export const REQUIRED_TAG_KEYS = ["Project", "Environment", "Owner", "CostCenter", "ManagedBy"] as const;
/** A required tag key. */
export type RequiredTagKey = (typeof REQUIRED_TAG_KEYS)[number];
