import type { Answer, Group, Side } from "./types.js";

/** The smallest group size the product ever shows, whatever the configuration says. */
export const ABSOLUTE_MIN_GROUP = 3;

export type WithheldReason =
  /** The round is still open: only participation counts may be shown. */
  | "round-open"
  /** A side has fewer respondents than the minimum, so no per-side figure may be shown. */
  | "side-too-small"
  /** Too few respondents altogether: nothing but counts may be shown. */
  | "everyone-too-small";

/** The minimum group size actually applied: the configured one, never below the absolute floor. */
export function effectiveMinGroup(minGroup: number): number {
  // NaN (a bad configuration) must not switch the rule off: fall back to the floor.
  return Number.isFinite(minGroup) ? Math.max(ABSOLUTE_MIN_GROUP, minGroup) : ABSOLUTE_MIN_GROUP;
}

export interface Disclosure {
  /** Groups whose figures may be shown. Never a single side without the other. */
  groups: Group[];
  withheld: WithheldReason[];
}

/**
 * The one place that decides which groups' figures may be shown (README.md § Anonymity).
 * 1. While a round is open, no scores at all: comparing reports around one submission would
 *    reveal it.
 * 2. A group is shown only with at least `minGroup` respondents, and per-side figures only when
 *    *both* sides reach it: otherwise "everyone" minus "the other side" gives the small side away.
 */
export function disclosure(
  counts: Record<Side, number>,
  options: { minGroup: number; roundClosed: boolean },
): Disclosure {
  const min = effectiveMinGroup(options.minGroup);
  if (!options.roundClosed) return { groups: [], withheld: ["round-open"] };
  const withheld: WithheldReason[] = [];
  const groups: Group[] = [];
  if (counts.sales >= min && counts.marketing >= min) groups.push("sales", "marketing");
  else withheld.push("side-too-small");
  if (counts.sales + counts.marketing >= min) groups.push("everyone");
  else withheld.push("everyone-too-small");
  return { groups, withheld };
}

/**
 * The answers an analysis may look at, already cut down by {@link disclosure}. This is the only
 * gateway from raw answers to anything that computes a score: report.ts, trend.ts and mirror.ts
 * read groups from here, never from the raw list, so a withheld group cannot leak into a figure.
 * The two sides come as one pair, so no code path can ever hold one side without the other.
 */
export interface DisclosedAnswers {
  disclosure: Disclosure;
  /** Respondent counts per side; counts are always shown (they are not scores). */
  counts: Record<Side, number>;
  /** Everyone's answers, when Everyone may be shown. */
  everyone?: readonly Answer[];
  /** Both sides' answers, when per-side figures may be shown. */
  sides?: { sales: readonly Answer[]; marketing: readonly Answer[] };
}

export function discloseAnswers(
  answers: readonly Answer[],
  options: { minGroup: number; roundClosed: boolean },
): DisclosedAnswers {
  const sales = answers.filter((a) => a.side === "sales");
  const marketing = answers.filter((a) => a.side === "marketing");
  const counts = { sales: sales.length, marketing: marketing.length };
  const disc = disclosure(counts, options);
  const out: DisclosedAnswers = { disclosure: disc, counts };
  if (disc.groups.includes("everyone")) out.everyone = answers;
  if (disc.groups.includes("sales") && disc.groups.includes("marketing")) {
    out.sides = { sales, marketing };
  }
  return out;
}

/** Plain-language notes on what a disclosure withholds, for reports to show beside the figures. */
export function withheldNotes(disclosed: DisclosedAnswers, minGroup: number): string[] {
  const min = effectiveMinGroup(minGroup);
  const { sales, marketing } = disclosed.counts;
  const total = sales + marketing;
  const notes: Record<WithheldReason, string> = {
    "round-open": "The round is still open: only participation is shown until it closes.",
    "side-too-small": `Per-side figures are withheld: each side needs at least ${min} respondents (Sales n=${sales}, Marketing n=${marketing}).`,
    "everyone-too-small": `No scores are shown: at least ${min} respondents are needed (n=${total}).`,
  };
  return disclosed.disclosure.withheld.map((reason) => notes[reason]);
}
