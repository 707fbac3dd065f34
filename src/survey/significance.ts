import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/**
 * Is a difference between the sides more than chance, and how big is it? The article gives no
 * method for comparing the sides, so this is Truce's own choice.
 *
 * The test. Ratings are ordinal (1–5) and heavily tied, and groups are often five to ten people,
 * so we use the two-sided Mann–Whitney U test in its exact conditional (permutation) form: given
 * how many people gave each rating, every way of splitting them into a Sales group and a
 * Marketing group of the observed sizes is equally likely under "no difference", and p is read off
 * that distribution of U. The normal approximation is badly wrong here: 3,3,3,3,3 against
 * 3,3,5,5,5 gives an approximate p of 0.050 where the exact one is 0.167. With only five rating
 * levels the distribution is cheap to walk exactly (see enumerateTails and dynamicTails).
 * Two-sided p is twice the smaller one-sided p (capped at 1), the convention of exact permutation
 * tests. The decision uses the mid-p (the observed value counted half): a discrete test's plain p
 * is conservative (at five per side its real false-alarm rate is well below 5 %), and the mid-p
 * brings it close to the nominal rate without exceeding it in practice (tests/unit prove ≤ 6 %
 * at five per side on seeded null data). Reports may name both.
 *
 * Only when both sides have LARGE_SIDE or more respondents do we use the normal approximation
 * (with the tie correction). We leave out the continuity correction on purpose: the corrected
 * approximation tracks the plain exact p, the uncorrected one tracks the mid-p, which is what the
 * exact branch reports. Where an exact distribution would take more than EXACT_WORK_LIMIT
 * steps (only the totals, with their 81 levels, can get there, when one side is small and the
 * other in the hundreds) the normal approximation is used as well and the result says so.
 *
 * The interval. The gap is a difference of means, so its 95 % confidence interval is Welch's t
 * interval: it does not assume equal spreads on the two sides, and its Student-t quantile with
 * Welch–Satterthwaite degrees of freedom widens it properly at small n, where a normal interval
 * would be too narrow. It is closed-form (no resampling, the same answer every time).
 *
 * The effect size is Cliff's delta, the Mann–Whitney test's own: the chance that a random Sales
 * rating is above a random Marketing rating, minus the chance that it is below.
 *
 * Everything here works on counts: cell k of a tally is how many gave the k-th value in order
 * (rating 1–5, or total 20–100), so the cost does not depend on how many answered.
 */

/** A difference is called significant when p is below this. */
export const SIGNIFICANCE_ALPHA = 0.05;

/** Each side needs at least this many respondents before a test is run at all. */
export const MIN_SIDE_FOR_TEST = 5;

/** The normal approximation is used only when both sides have at least this many respondents. */
export const LARGE_SIDE = 30;

/** Confidence level of the intervals. */
export const CONFIDENCE = 0.95;

/**
 * Beyond about this many elementary steps the exact distribution is not built (see the module
 * comment): a few tens of milliseconds.
 */
export const EXACT_WORK_LIMIT = 20_000_000;

/** The test as reports name it. */
export const TEST_DESCRIPTION =
  "a two-sided Mann–Whitney U test, exact given the ties (mid-p) unless both sides have 30 or more respondents, then its normal approximation with tie correction";

/** The interval as reports name it. */
export const INTERVAL_DESCRIPTION = "Welch's t interval for the difference of the means";

export interface Significance {
  test: "mann-whitney-u";
  /** "exact": the permutation distribution of U given the ties; "normal": its approximation. */
  method: "exact" | "normal";
  /** Two-sided p-value the decision uses, unrounded: the mid-p when exact. */
  pValue: number;
  /** The plain exact two-sided p (observed value counted in full), when exact. */
  exactPValue?: number;
  /** pValue < SIGNIFICANCE_ALPHA. */
  significant: boolean;
}

/** A confidence interval for a difference (sales − marketing). */
export interface Interval {
  low: number;
  high: number;
}

/** Whether both sides are large enough to test a difference. */
export function canTestSignificance(counts: { sales: number; marketing: number }): boolean {
  return counts.sales >= MIN_SIDE_FOR_TEST && counts.marketing >= MIN_SIDE_FOR_TEST;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Twice the Mann–Whitney U of `x` (pairs where x is above y count 2, ties 1): an integer, so the
 * exact distribution can be compared without rounding. Cells are counts per value, in order.
 */
export function doubledU(x: readonly number[], y: readonly number[]): number {
  let below = 0; // y's count at values below the current cell
  let d = 0;
  for (let k = 0; k < x.length; k++) {
    const yk = y[k] ?? 0;
    d += (x[k] ?? 0) * (2 * below + yk);
    below += yk;
  }
  return d;
}

/** C(n, k) in floating point (exact for the sizes where it matters, relative error ~1e-15 else). */
function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= kk; i++) c = (c * (n - kk + i)) / i;
  return c;
}

/** Tail sums of the exact null distribution of 2U at the observed value. */
export interface Tails {
  atOrAbove: number;
  atOrBelow: number;
  at: number;
}

/**
 * Walks every way the smaller side's n people can fall on the values, given the pooled counts
 * m_k: under "no difference" the counts a_k follow the multivariate hypergeometric distribution
 * Π C(m_k, a_k) / C(N, n). Placing a_k of them at value k adds a_k · (2 · others below + others at
 * k) to 2U, where the others at k are the m_k − a_k rest. With five ratings there are at most
 * C(n + 4, 4) ways (40,920 at n = 29), whatever the size of the other side.
 */
export function enumerateTails(pooled: readonly number[], n: number, observed: number): Tails {
  const tails: Tails = { atOrAbove: 0, atOrBelow: 0, at: 0 };
  const values = pooled.filter((m) => m > 0);
  const rest = values.map((_, k) => sum(values.slice(k)));
  // C(m_k, a) for every a that can occur, computed once per value rather than once per way.
  const choose = values.map((m) =>
    Array.from({ length: Math.min(m, n) + 1 }, (_, a) => binomial(m, a)),
  );
  let total = 0;
  const walk = (
    k: number,
    left: number,
    below: number,
    placedBelow: number,
    d: number,
    w: number,
  ) => {
    const m = values[k] as number;
    if (k === values.length - 1) {
      if (left > m) return;
      const weight = w * ((choose[k] as number[])[left] as number);
      const doubled = d + left * (2 * (below - placedBelow) + (m - left));
      total += weight;
      if (doubled >= observed) tails.atOrAbove += weight;
      if (doubled <= observed) tails.atOrBelow += weight;
      if (doubled === observed) tails.at += weight;
      return;
    }
    const least = Math.max(0, left - ((rest[k + 1] as number) ?? 0));
    for (let a = least; a <= Math.min(m, left); a++) {
      const add = a * (2 * (below - placedBelow) + (m - a));
      walk(
        k + 1,
        left - a,
        below + m,
        placedBelow + a,
        d + add,
        w * ((choose[k] as number[])[a] as number),
      );
    }
  };
  walk(0, n, 0, 0, 0, 1);
  tails.atOrAbove /= total;
  tails.atOrBelow /= total;
  tails.at /= total;
  return tails;
}

/**
 * The same tails by a dynamic programme over (people of the smaller side placed, 2U so far), one
 * value at a time: its cost grows with n² · (other side) rather than with the number of ways, so
 * it suits many distinct values (totals) with small sides.
 */
export function dynamicTails(
  pooled: readonly number[],
  n: number,
  otherSize: number,
  observed: number,
): Tails {
  const width = 2 * n * otherSize + 1;
  const rows: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(width));
  const reach = new Array<number>(n + 1).fill(-1); // highest 2U reached in each row
  (rows[0] as Float64Array)[0] = 1;
  reach[0] = 0;
  let below = 0;
  for (const m of pooled) {
    if (m === 0) continue;
    // Rows from the top down: row j feeds rows j + a above it, which have already fed theirs.
    for (let j = Math.min(n, below); j >= 0; j--) {
      const top = reach[j] as number;
      if (top < 0) continue;
      const source = rows[j] as Float64Array;
      const othersBelow = below - j;
      for (let a = 1; a <= Math.min(m, n - j); a++) {
        const weight = binomial(m, a);
        const add = a * (2 * othersBelow + (m - a));
        const target = rows[j + a] as Float64Array;
        for (let d = 0; d <= top; d++) {
          const w = source[d] as number;
          if (w !== 0) target[d + add] = (target[d + add] as number) + w * weight;
        }
        reach[j + a] = Math.max(reach[j + a] as number, top + add);
      }
    }
    below += m;
  }
  const final = rows[n] as Float64Array;
  let total = 0;
  const tails: Tails = { atOrAbove: 0, atOrBelow: 0, at: 0 };
  for (let d = 0; d <= (reach[n] as number); d++) {
    const w = final[d] as number;
    if (w === 0) continue;
    total += w;
    if (d >= observed) tails.atOrAbove += w;
    if (d <= observed) tails.atOrBelow += w;
    if (d === observed) tails.at += w;
  }
  tails.atOrAbove /= total;
  tails.atOrBelow /= total;
  tails.at /= total;
  return tails;
}

/** Ways to put n people on k values (no upper bounds): C(n + k − 1, k − 1). */
function compositions(n: number, k: number): number {
  return binomial(n + k - 1, k - 1);
}

function exactTest(x: readonly number[], y: readonly number[]): Significance | undefined {
  const nx = sum(x);
  const ny = sum(y);
  const [small, large] = nx <= ny ? [x, y] : [y, x];
  const n = Math.min(nx, ny);
  const other = Math.max(nx, ny);
  const pooled = small.map((c, k) => c + (large[k] ?? 0));
  const distinct = pooled.filter((m) => m > 0).length;
  const observed = doubledU(small, large);
  const enumerationCost = compositions(n, distinct) * distinct;
  const dynamicCost = distinct * (n + 1) * (2 * n * other + 1) * Math.min(n, 4);
  let tails: Tails;
  if (enumerationCost <= EXACT_WORK_LIMIT && enumerationCost <= dynamicCost) {
    tails = enumerateTails(pooled, n, observed);
  } else if (dynamicCost <= EXACT_WORK_LIMIT) {
    tails = dynamicTails(pooled, n, other, observed);
  } else {
    return undefined;
  }
  const { atOrAbove, atOrBelow, at } = tails;
  const exactPValue = Math.min(1, 2 * Math.min(atOrAbove, atOrBelow));
  const pValue = Math.min(1, 2 * Math.min(atOrAbove - at / 2, atOrBelow - at / 2));
  return {
    test: "mann-whitney-u",
    method: "exact",
    pValue,
    exactPValue,
    significant: pValue < SIGNIFICANCE_ALPHA,
  };
}

function normalTest(x: readonly number[], y: readonly number[]): Significance {
  const nx = sum(x);
  const ny = sum(y);
  const n = nx + ny;
  let ties = 0;
  for (let k = 0; k < x.length; k++) {
    const t = (x[k] ?? 0) + (y[k] ?? 0);
    ties += t * t * t - t;
  }
  const variance = ((nx * ny) / 12) * (n + 1 - ties / (n * (n - 1)));
  const u = doubledU(x, y) / 2;
  // Every value tied: U cannot vary, so there is no evidence of any difference.
  const z = variance > 0 ? Math.abs(u - (nx * ny) / 2) / Math.sqrt(variance) : 0;
  const pValue = variance > 0 ? Math.min(1, 2 * normalCdf(-z, 0, 1)) : 1;
  return {
    test: "mann-whitney-u",
    method: "normal",
    pValue,
    significant: pValue < SIGNIFICANCE_ALPHA,
  };
}

/**
 * Two-sided Mann–Whitney U test from counts per value (cell k: how many of each side gave the
 * k-th value, in order). Exact (mid-p) unless both sides have LARGE_SIDE or more (see the module
 * comment).
 */
export function mannWhitneyCounts(x: readonly number[], y: readonly number[]): Significance {
  const nx = sum(x);
  const ny = sum(y);
  if (nx === 0 || ny === 0) throw new Error("mannWhitneyCounts needs two non-empty samples");
  if (nx < LARGE_SIDE || ny < LARGE_SIDE) {
    const exact = exactTest(x, y);
    if (exact !== undefined) return exact;
  }
  return normalTest(x, y);
}

/** Counts per value of two samples of whole numbers, over their pooled range. */
export function countsOf(
  x: readonly number[],
  y: readonly number[],
): { x: number[]; y: number[]; first: number } {
  const all = [...x, ...y];
  const first = Math.min(...all);
  const size = Math.max(...all) - first + 1;
  const tally = (values: readonly number[]) => {
    const cells = new Array<number>(size).fill(0);
    for (const v of values) cells[v - first] = (cells[v - first] ?? 0) + 1;
    return cells;
  };
  return { x: tally(x), y: tally(y), first };
}

/** mannWhitneyCounts on two samples of whole numbers (ratings or totals). */
export function mannWhitneyTest(x: readonly number[], y: readonly number[]): Significance {
  if (x.length === 0 || y.length === 0)
    throw new Error("mannWhitneyTest needs two non-empty samples");
  const cells = countsOf(x, y);
  return mannWhitneyCounts(cells.x, cells.y);
}

/** Size, mean and sample variance of one side (variance 0 below two people). */
export interface SampleMoments {
  n: number;
  mean: number;
  variance: number;
}

/**
 * Welch's 95 % interval for mean(x) − mean(y). When neither side varies at all the interval is the
 * difference itself (there is no spread to be uncertain about).
 */
export function welchInterval(x: SampleMoments, y: SampleMoments): Interval {
  const difference = x.mean - y.mean;
  const vx = x.variance / x.n;
  const vy = y.variance / y.n;
  const se2 = vx + vy;
  if (!(se2 > 0)) return { low: difference, high: difference };
  const df = (se2 * se2) / ((vx * vx) / (x.n - 1 || 1) + (vy * vy) / (y.n - 1 || 1));
  const half = tQuantile(1 - (1 - CONFIDENCE) / 2, df) * Math.sqrt(se2);
  return { low: difference - half, high: difference + half };
}

/**
 * Cliff's delta of x over y from counts per value: P(x > y) − P(x < y) over all pairs, from −1
 * (every x below every y) to +1. It is 2U/(nx·ny) − 1, the Mann–Whitney statistic rescaled.
 */
export function cliffsDelta(x: readonly number[], y: readonly number[]): number {
  const pairs = sum(x) * sum(y);
  return pairs === 0 ? 0 : doubledU(x, y) / pairs - 1;
}
