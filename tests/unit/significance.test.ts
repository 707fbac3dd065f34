import { describe, expect, it } from "vitest";
import { perceptionGap } from "../../src/survey/gap.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import {
  canTestSignificance,
  MIN_SIDE_FOR_TEST,
  mannWhitneyTest,
} from "../../src/survey/significance.js";
import type { Answer } from "../../src/survey/types.js";
import { answer } from "./helpers.js";

/*
 * Reference semantics: SciPy 1.17 `scipy.stats.mannwhitneyu(x, y, use_continuity=False,
 * method="asymptotic")` (two-sided, tie-corrected normal approximation, no continuity correction).
 * The p-values below were computed with it; the first is also worked by hand.
 */

describe("mannWhitneyTest", () => {
  it("Sales [5,5,4,4,5] vs Marketing [2,3,2,1,3]: p = 0.0076218 (worked by hand)", () => {
    // Pooled and ranked (N = 10): 1 → 1; 2,2 → 2.5; 3,3 → 4.5; 4,4 → 6.5; 5,5,5 → 9.
    // Sales' rank sum R = 9+9+9+6.5+6.5 = 40, so U = R − n(n+1)/2 = 40 − 15 = 25 (= n1·n2: no overlap).
    // E[U] = n1·n2/2 = 12.5.
    // Ties: three pairs (t = 2: t³ − t = 6 each) and one triple (t = 3: 24); Σ = 42.
    // Var[U] = n1·n2/12 · ((N+1) − Σ(t³−t)/(N(N−1))) = 25/12 · (11 − 42/90) = 21.9444…
    // z = 12.5 / √21.9444 = 2.668380; two-sided p = erfc(z/√2) = 0.00762179428381.
    // SciPy: 0.0076217942838130125. Kruskal–Wallis H = z² = 7.1203 on χ²(1) gives the same p.
    const result = mannWhitneyTest([5, 5, 4, 4, 5], [2, 3, 2, 1, 3]);
    expect(result.pValue).toBeCloseTo(0.0076217942838130125, 12);
    expect(result).toMatchObject({ test: "mann-whitney-u", significant: true });
  });

  it("just under 0.05 is significant: [4,4,4,2,1] vs [5,5,5,5,2], p = 0.048632", () => {
    const result = mannWhitneyTest([4, 4, 4, 2, 1], [5, 5, 5, 5, 2]);
    expect(result.pValue).toBeCloseTo(0.048632304514690354, 12);
    expect(result.significant).toBe(true);
  });

  it("just over 0.05 is not: [5,3,2,1,1] vs [5,5,5,4,4], p = 0.050894", () => {
    const result = mannWhitneyTest([5, 3, 2, 1, 1], [5, 5, 5, 4, 4]);
    expect(result.pValue).toBeCloseTo(0.050893803297302316, 12);
    expect(result.significant).toBe(false);
  });

  it("is symmetric in its two samples (two-sided)", () => {
    expect(mannWhitneyTest([2, 3, 2, 1, 3], [5, 5, 4, 4, 5]).pValue).toBeCloseTo(
      0.0076217942838130125,
      12,
    );
  });

  it("gives p = 1 when every rating is the same (the statistic would be 0/0)", () => {
    expect(mannWhitneyTest([3, 3, 3, 3, 3], [3, 3, 3, 3, 3])).toEqual({
      test: "mann-whitney-u",
      pValue: 1,
      significant: false,
    });
  });
});

describe("when to test", () => {
  it("needs at least 5 respondents on each side", () => {
    expect(MIN_SIDE_FOR_TEST).toBe(5);
    expect(canTestSignificance({ sales: 5, marketing: 5 })).toBe(true);
    expect(canTestSignificance({ sales: 4, marketing: 50 })).toBe(false);
    expect(canTestSignificance({ sales: 50, marketing: 4 })).toBe(false);
  });
});

/*
 * Five a side. Statements 1–3 carry the samples above; every other statement is 3 for everyone.
 *   member     #1 #2 #3  total (17 × 3 = 51 + #1 + #2 + #3)
 *   Sales 1     5  4  5  65
 *   Sales 2     5  4  3  63
 *   Sales 3     4  4  2  61
 *   Sales 4     4  2  1  58
 *   Sales 5     5  1  1  58
 *   Mkt 1       2  5  5  63
 *   Mkt 2       3  5  5  64
 *   Mkt 3       2  5  5  63
 *   Mkt 4       1  5  4  61
 *   Mkt 5       3  2  4  60
 */
const FIVE_A_SIDE: Answer[] = [
  answer("sales", 3, { 1: 5, 2: 4, 3: 5 }),
  answer("sales", 3, { 1: 5, 2: 4, 3: 3 }),
  answer("sales", 3, { 1: 4, 2: 4, 3: 2 }),
  answer("sales", 3, { 1: 4, 2: 2, 3: 1 }),
  answer("sales", 3, { 1: 5, 2: 1, 3: 1 }),
  answer("marketing", 3, { 1: 2, 2: 5, 3: 5 }),
  answer("marketing", 3, { 1: 3, 2: 5, 3: 5 }),
  answer("marketing", 3, { 1: 2, 2: 5, 3: 5 }),
  answer("marketing", 3, { 1: 1, 2: 5, 3: 4 }),
  answer("marketing", 3, { 1: 3, 2: 2, 3: 4 }),
];

describe("significance in the perception gap", () => {
  const split = (answers: Answer[]) => ({
    sales: answers.filter((a) => a.side === "sales"),
    marketing: answers.filter((a) => a.side === "marketing"),
  });

  it("tests every statement and the totals when both sides have 5", () => {
    const gap = perceptionGap(DEFAULT_INSTRUMENT, split(FIVE_A_SIDE));
    expect(gap.tested).toBe(true);
    expect(gap.significanceNote).toBeUndefined();
    expect(gap.statements[0]?.significance?.pValue).toBeCloseTo(0.0076217942838130125, 12);
    expect(gap.statements[1]?.significance?.pValue).toBeCloseTo(0.048632304514690354, 12);
    expect(gap.statements[2]?.significance?.pValue).toBeCloseTo(0.050893803297302316, 12);
    expect(gap.statements.map((s) => s.significance?.significant)).toEqual([
      true,
      true,
      false,
      ...new Array(17).fill(false),
    ]);
    expect(gap.statements[3]?.significance?.pValue).toBe(1);
    // Totals [65,63,61,58,58] vs [63,64,63,61,60]: SciPy p = 0.5232170977814901.
    expect(gap.overall.significance?.pValue).toBeCloseTo(0.5232170977814901, 12);
    expect(gap.overall.significance?.significant).toBe(false);
    // Gaps: #1 (23 − 11)/5 = 2.4, #2 (15 − 22)/5 = −1.4, #3 (12 − 23)/5 = −2.2.
    expect(gap.widest.map((s) => s.number)).toEqual([1, 3, 2]);
    expect(gap.widest[0]?.gap).toBeCloseTo(2.4, 12);
  });

  it("leaves significance undefined with 4 on one side", () => {
    const gap = perceptionGap(DEFAULT_INSTRUMENT, split(FIVE_A_SIDE.slice(1)));
    expect(gap.tested).toBe(false);
    expect(gap.overall.significance).toBeUndefined();
    expect(gap.statements.every((s) => s.significance === undefined)).toBe(true);
    expect(gap.significanceNote).toContain("(Sales n=4, Marketing n=5)");
  });
});
