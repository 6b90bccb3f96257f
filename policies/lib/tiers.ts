/**
 * The tiers, in upgrade order: one definition for the program (`stacks/tiers.ts`
 * builds its presets on it, `alicerce:tier` is validated against it) and the
 * policy pack (tier rules read the `tier` stack output). It lives in the pack
 * so the pack stays publishable on its own.
 */

/** The tiers, in upgrade order. */
export const TIERS = ["mvp", "growth", "prod"] as const;
/** A tier name. */
export type Tier = (typeof TIERS)[number];
