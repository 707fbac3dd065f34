import kruskalTest from "@stdlib/stats-kruskal-test";

/**
 * Is a difference between the sides more than chance? The article gives no method for comparing
 * the sides, so this is Truce's own choice:
 *
 * The ratings are ordinal (1–5) and small groups are far from normal, so we use a rank test, the
 * two-sided Mann–Whitney U test, in its normal approximation with the tie correction and without
 * a continuity correction. It is computed as a Kruskal–Wallis test with two groups: with two
 * groups the Kruskal–Wallis H (tie-corrected) equals z² of that Mann–Whitney approximation, and
 * its χ²(1) tail equals the two-sided normal p-value. This is the same p as SciPy's
 * `mannwhitneyu(x, y, use_continuity=False, method="asymptotic", alternative="two-sided")`.
 */

/** A difference is called significant when p is below this. */
export const SIGNIFICANCE_ALPHA = 0.05;

/** Each side needs at least this many respondents before a test is run at all. */
export const MIN_SIDE_FOR_TEST = 5;

/** The test as reports name it. */
export const TEST_DESCRIPTION =
  "a two-sided Mann–Whitney U test (normal approximation with tie correction, no continuity correction, computed as a Kruskal–Wallis test with two groups)";

export interface Significance {
  test: "mann-whitney-u";
  /** Two-sided p-value, unrounded. */
  pValue: number;
  /** p < SIGNIFICANCE_ALPHA. */
  significant: boolean;
}

/** Whether both sides are large enough to test a difference. */
export function canTestSignificance(counts: { sales: number; marketing: number }): boolean {
  return counts.sales >= MIN_SIDE_FOR_TEST && counts.marketing >= MIN_SIDE_FOR_TEST;
}

/** Two-sided Mann–Whitney U test of two samples (see the module comment for the exact variant). */
export function mannWhitneyTest(x: readonly number[], y: readonly number[]): Significance {
  if (x.length === 0 || y.length === 0)
    throw new Error("mannWhitneyTest needs two non-empty samples");
  const first = x[0];
  const allTied = [...x, ...y].every((v) => v === first);
  // When every value is tied the statistic is 0/0 (the tie correction divides by zero): there is
  // no evidence of any difference, so p = 1.
  let pValue = 1;
  if (!allTied) {
    const result = kruskalTest([...x], [...y], { alpha: SIGNIFICANCE_ALPHA });
    pValue = Number.isFinite(result.pValue) ? Math.min(1, Math.max(0, result.pValue)) : 1;
  }
  return { test: "mann-whitney-u", pValue, significant: pValue < SIGNIFICANCE_ALPHA };
}
