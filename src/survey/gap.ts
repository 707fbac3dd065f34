import {
  countAnswers,
  type GroupCounts,
  lowestTotal,
  momentsOf,
  type SideCounts,
  statementCounts,
} from "./counts.js";
import type { Instrument } from "./instrument.js";
import { RATING_MIN } from "./instrument.js";
import { levelFor, oneDecimal } from "./scoring.js";
import { excludesZero, shownOneDecimal } from "./shown.js";
import {
  CONFIDENCE,
  canTestSignificance,
  cliffsDelta,
  INTERVAL_DESCRIPTION,
  type Interval,
  MIN_SIDE_FOR_TEST,
  mannWhitneyCounts,
  SIGNIFICANCE_ALPHA,
  type Significance,
  TEST_DESCRIPTION,
  welchInterval,
} from "./significance.js";
import type { Answer, Level } from "./types.js";

/**
 * The perception gap: how differently Sales and Marketing see the relationship. This is Truce's
 * own addition to the article's method (the article only observes that the sides often disagree).
 * Everything here works on answers that disclosure already allowed (anonymity.ts): callers pass
 * both sides only when both may be shown.
 */

/** A statement as reports refer to it. */
export interface StatementRef {
  /** Position in the instrument, 0-based (ratings[index]). */
  index: number;
  /** Position as people read it, 1-based. */
  number: number;
  id: string;
  theme: string;
}

/** A group's mean rating (1–5) of one statement, unrounded. */
export interface StatementMean extends StatementRef {
  mean: number;
}

/** One statement seen from both sides. */
export interface StatementGap extends StatementRef {
  /** Sales' mean rating (1–5), unrounded. */
  sales: number;
  /** Marketing's mean rating (1–5), unrounded. */
  marketing: number;
  /** sales − marketing: positive when Sales rates the statement higher. */
  gap: number;
  /** Present only when both sides have at least MIN_SIDE_FOR_TEST respondents. */
  significance?: Significance;
  /** 95 % interval for the gap (Welch), present with `significance`. */
  interval?: Interval;
  /** Cliff's delta of Sales over Marketing (−1 to +1), present with `significance`. */
  cliffsDelta?: number;
  /**
   * The sides really see it differently: tested, significant, the shown interval wholly on one
   * side of zero and the shown gap at least WIDE_GAP (see isDisputed).
   */
  disputed: boolean;
}

/** A coarse reading of a side's spread: see {@link spreadOf}. */
export type Cohesion = "close" | "mixed" | "divided";

/** How divided a side is within itself. */
export interface Spread {
  /** Sample standard deviation of the members' totals, rounded to whole points (see spreadOf). */
  sd: number;
  /** "close" (sd < 5), "mixed" (5 ≤ sd < 10) or "divided" (sd ≥ 10). */
  cohesion: Cohesion;
}

export interface OverallGap {
  /** Sales' mean total (20–100), unrounded. */
  sales: number;
  /** Marketing's mean total (20–100), unrounded. */
  marketing: number;
  /** sales − marketing. */
  gap: number;
  /** e.g. "Sales rates the relationship 14.2 points higher than Marketing". */
  sentence: string;
  /** Test of the totals, present only when both sides are large enough. */
  significance?: Significance;
  /** 95 % interval for the gap of the mean totals (Welch), present with `significance`. */
  interval?: Interval;
  /** Cliff's delta of Sales' totals over Marketing's, present with `significance`. */
  cliffsDelta?: number;
}

export interface PerceptionGap {
  /** Says that the gap analysis is Truce's own and which test it uses. Show it with the gap. */
  methodNote: string;
  overall: OverallGap;
  /** Present only when the sides' levels differ: "Sales sees Aligned, Marketing sees Defined". */
  levelHeadline?: string;
  /** Every statement, in instrument order. */
  statements: StatementGap[];
  /**
   * The statements the sides dispute (`disputed`), largest |gap| first (ties: lower index first).
   * A large gap the data cannot tell from chance is not among them.
   */
  widest: StatementGap[];
  /** Whether significance was tested (both sides ≥ MIN_SIDE_FOR_TEST respondents). */
  tested: boolean;
  /** Present when not tested: why. */
  significanceNote?: string;
  spread: { sales: Spread; marketing: Spread };
}

/** A statement counts as "seen most differently" from this absolute gap (rating points). */
export const WIDE_GAP = 1.0;

/** How many strongest and weakest statements a report lists. */
export const EXTREMES_COUNT = 3;

/**
 * Means are quotients of small integers, so two means that are equal on paper can differ in the
 * last bit (3.4 − 2.4 is 0.9999999999999998). Distinct means of groups below ~10,000 people differ
 * by far more than this, so comparisons within it are treated as equal.
 */
export const EPSILON = 1e-9;

export const GAP_METHOD_NOTE =
  "The perception gap is Truce's own addition: the article notes that the two sides often see the relationship differently but gives no method for comparing them. " +
  "Gap = Sales' mean − Marketing's mean. A difference is called significant when " +
  `${TEST_DESCRIPTION} gives p < ${SIGNIFICANCE_ALPHA}; it is only tested when each side has at least ${MIN_SIDE_FOR_TEST} respondents. ` +
  `Each gap comes with a ${Math.round(CONFIDENCE * 100)} % confidence interval (${INTERVAL_DESCRIPTION}). ` +
  `A statement counts as seen differently only when its gap is at least ${WIDE_GAP.toFixed(1)} point, significant, and its interval lies wholly on one side of zero. ` +
  "With 20 statements, about one may pass the significance bar by chance.";

/** References to the instrument's statements, in order. */
export function statementRefs(instrument: Instrument): StatementRef[] {
  return instrument.statements.map((s, index) => ({
    index,
    number: index + 1,
    id: s.id,
    theme: s.theme,
  }));
}

/** Each statement's mean rating over a group's answers (answers are complete and validated). */
export function statementMeans(answers: readonly Answer[], count: number): number[] {
  if (answers.length === 0) throw new Error("statementMeans needs at least one answer");
  const sums = new Array<number>(count).fill(0);
  for (const answer of answers) {
    for (let i = 0; i < count; i++) sums[i] = (sums[i] ?? 0) + (answer.ratings[i] ?? 0);
  }
  return sums.map((sum) => sum / answers.length);
}

/** Each statement's mean rating from a group's tallies. */
export function statementMeansOfCounts(side: GroupCounts, count: number): number[] {
  return Array.from(
    { length: count },
    (_, i) => momentsOf(statementCounts(side, i), RATING_MIN).mean,
  );
}

/** A group's per-statement means from its tallies, labelled with the instrument's statements. */
export function describeStatementMeansOfCounts(
  instrument: Instrument,
  side: GroupCounts,
): StatementMean[] {
  const means = statementMeansOfCounts(side, instrument.statements.length);
  return statementRefs(instrument).map((ref) => ({ ...ref, mean: means[ref.index] ?? Number.NaN }));
}

/** A group's per-statement means, labelled with the instrument's statements. */
export function describeStatementMeans(
  instrument: Instrument,
  answers: readonly Answer[],
): StatementMean[] {
  const means = statementMeans(answers, instrument.statements.length);
  return statementRefs(instrument).map((ref) => ({ ...ref, mean: means[ref.index] ?? Number.NaN }));
}

/** Compare two numbers as equal within EPSILON; negative when a < b. */
function compareNumbers(a: number, b: number): number {
  return Math.abs(a - b) <= EPSILON ? 0 : a - b;
}

/**
 * The EXTREMES_COUNT strongest statements (highest mean first) and weakest (lowest mean first).
 * Ties go to the lower statement number in both lists, and a statement never appears in both
 * (when everything ties, the weakest list takes the next statements in order instead of repeating
 * the strongest).
 */
export function strongestAndWeakest(
  statements: readonly StatementMean[],
  count = EXTREMES_COUNT,
): { strongest: StatementMean[]; weakest: StatementMean[] } {
  const strongest = [...statements]
    .sort((a, b) => compareNumbers(b.mean, a.mean) || a.index - b.index)
    .slice(0, count);
  const taken = new Set(strongest.map((s) => s.index));
  const weakest = [...statements]
    .filter((s) => !taken.has(s.index))
    .sort((a, b) => compareNumbers(a.mean, b.mean) || a.index - b.index)
    .slice(0, count);
  return { strongest, weakest };
}

/**
 * How divided a side is within itself.
 *
 * Privacy: a group's min or max total *is* one person's total, so they are never shown. The
 * interquartile range is no better for the small groups this product sees: with 3–7 people every
 * quartile is one member's total or the midpoint of two (quartiles are order statistics), and for n = 3 the IQR is exactly max − min. Worse, for n = 3 the mean (shown anyway)
 * plus an exact SD plus the range pin down all three totals (three equations, three unknowns), and
 * even mean plus an exact SD often leaves only one set of integer totals (50, 60, 70 is the only
 * triple with mean 60 and SD 10).
 * So the model carries only the sample standard deviation, rounded to whole points, and a coarse
 * reading of it. Rounding turns the exact sum of squares into an interval that many different
 * sets of totals fit, while a whole point is still far finer than the 20-point bands that matter.
 * (This is a deliberate exception to "keep numbers unrounded": it is privacy, not display.)
 */
export function spreadOf(totals: readonly number[]): Spread {
  if (totals.length === 0) return spreadOfCounts([], 0);
  const first = Math.min(...totals);
  const cells = new Array<number>(Math.max(...totals) - first + 1).fill(0);
  for (const t of totals) cells[t - first] = (cells[t - first] ?? 0) + 1;
  return spreadOfCounts(cells, first);
}

/** spreadOf from a tally of totals (cell k: how many reached total first + k). */
export function spreadOfCounts(cells: readonly number[], first: number): Spread {
  const moments = momentsOf(cells, first);
  const sd = moments.n < 2 ? 0 : Math.round(Math.sqrt(moments.variance));
  const cohesion: Cohesion = sd < 5 ? "close" : sd < 10 ? "mixed" : "divided";
  return { sd, cohesion };
}

/** "Sales rates the relationship 14.2 points higher than Marketing", or "… the same …". */
export function overallGapSentence(gap: number): string {
  const size = oneDecimal(Math.abs(gap));
  if (size === "0.0") return "Sales and Marketing rate the relationship the same";
  return `Sales rates the relationship ${size} points ${gap > 0 ? "higher" : "lower"} than Marketing`;
}

/** "Sales sees Aligned, Marketing sees Defined" when the sides' levels differ, else undefined. */
export function levelHeadline(sales: Level, marketing: Level): string | undefined {
  return sales === marketing ? undefined : `Sales sees ${sales}, Marketing sees ${marketing}`;
}

/**
 * Whether a gap is one the sides really dispute, decided on what a reader sees: tested and
 * significant, its interval as shown wholly on one side of zero, and the gap as shown at least
 * WIDE_GAP (a gap shown as "+1.0" counts as a full point; 0.94, shown as "+0.9", does not).
 */
export function isDisputed(gap: {
  gap: number;
  significance?: Significance;
  interval?: Interval;
}): boolean {
  return (
    gap.significance?.significant === true &&
    gap.interval !== undefined &&
    excludesZero(gap.interval) &&
    shownOneDecimal(Math.abs(gap.gap)) >= WIDE_GAP
  );
}

/** The disputed statements, largest |gap| first, ties to the lower statement number. */
export function widestGaps(statements: readonly StatementGap[]): StatementGap[] {
  return statements
    .filter((s) => s.disputed)
    .sort((a, b) => compareNumbers(Math.abs(b.gap), Math.abs(a.gap)) || a.index - b.index);
}

/**
 * The perception gap between two sides. Only call it with both sides' answers when disclosure
 * allows per-side figures (report.ts does, through its disclosure gateway).
 */
export function perceptionGap(
  instrument: Instrument,
  sides: { sales: readonly Answer[]; marketing: readonly Answer[] },
): PerceptionGap {
  const count = instrument.statements.length;
  return perceptionGapOfCounts(instrument, {
    sales: countAnswers(sides.sales, count).sales,
    marketing: countAnswers(sides.marketing, count).marketing,
  });
}

/** perceptionGap from the two sides' tallies: its cost does not depend on how many answered. */
export function perceptionGapOfCounts(
  instrument: Instrument,
  sides: { sales: SideCounts; marketing: SideCounts },
): PerceptionGap {
  const { sales, marketing } = sides;
  const tested = canTestSignificance({ sales: sales.n, marketing: marketing.n });
  const compare = <T extends { gap: number }>(
    row: T,
    x: readonly number[],
    y: readonly number[],
    first: number,
  ) => {
    if (!tested) return row;
    return {
      ...row,
      significance: mannWhitneyCounts(x, y),
      interval: welchInterval(momentsOf(x, first), momentsOf(y, first)),
      cliffsDelta: cliffsDelta(x, y),
    };
  };

  const statements: StatementGap[] = statementRefs(instrument).map((ref) => {
    const x = statementCounts(sales, ref.index);
    const y = statementCounts(marketing, ref.index);
    const s = momentsOf(x, RATING_MIN).mean;
    const m = momentsOf(y, RATING_MIN).mean;
    const row = compare({ ...ref, sales: s, marketing: m, gap: s - m }, x, y, RATING_MIN);
    return { ...row, disputed: isDisputed(row) };
  });

  const first = lowestTotal(instrument.statements.length);
  const salesMean = momentsOf(sales.totals, first).mean;
  const marketingMean = momentsOf(marketing.totals, first).mean;
  const overall: OverallGap = compare(
    {
      sales: salesMean,
      marketing: marketingMean,
      gap: salesMean - marketingMean,
      sentence: overallGapSentence(salesMean - marketingMean),
    },
    sales.totals,
    marketing.totals,
    first,
  );

  const result: PerceptionGap = {
    methodNote: GAP_METHOD_NOTE,
    overall,
    statements,
    widest: widestGaps(statements),
    tested,
    spread: {
      sales: spreadOfCounts(sales.totals, first),
      marketing: spreadOfCounts(marketing.totals, first),
    },
  };
  const headline = levelHeadline(levelFor(salesMean), levelFor(marketingMean));
  if (headline !== undefined) result.levelHeadline = headline;
  if (!tested) {
    result.significanceNote = `Samples are too small to tell the differences from chance: each side needs at least ${MIN_SIDE_FOR_TEST} respondents (Sales n=${sales.n}, Marketing n=${marketing.n}), so no statement is called seen differently.`;
  }
  return result;
}
