import type { Group, Side } from "./types.js";

/** The smallest group size the product ever shows, whatever the configuration says. */
export const ABSOLUTE_MIN_GROUP = 3;

export type WithheldReason =
  /** The round is still open: only participation counts may be shown. */
  | "round-open"
  /** A side has fewer respondents than the minimum, so no per-side figure may be shown. */
  | "side-too-small"
  /** Too few respondents altogether: nothing but counts may be shown. */
  | "everyone-too-small";

export interface Disclosure {
  /** Groups whose figures may be shown. Never a single side without the other. */
  groups: Group[];
  withheld: WithheldReason[];
}

/**
 * The one place that decides which groups' figures may be shown (design.md § Anonymity rules).
 * 1. While a round is open, no scores at all: comparing reports around one submission would
 *    reveal it.
 * 2. A group is shown only with at least `minGroup` respondents, and per-side figures only when
 *    *both* sides reach it: otherwise "everyone" minus "the other side" gives the small side away.
 */
export function disclosure(
  counts: Record<Side, number>,
  options: { minGroup: number; roundClosed: boolean },
): Disclosure {
  const min = Math.max(ABSOLUTE_MIN_GROUP, options.minGroup);
  if (!options.roundClosed) return { groups: [], withheld: ["round-open"] };
  const withheld: WithheldReason[] = [];
  const groups: Group[] = [];
  if (counts.sales >= min && counts.marketing >= min) groups.push("sales", "marketing");
  else withheld.push("side-too-small");
  if (counts.sales + counts.marketing >= min) groups.push("everyone");
  else withheld.push("everyone-too-small");
  return { groups, withheld };
}
