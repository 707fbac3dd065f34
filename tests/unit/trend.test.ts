import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import type { Answer } from "../../src/survey/types.js";
import { answer, GAP_SET, many } from "./helpers.js";

/*
 * The previous round: everyone rates 2 except (statement numbers)
 *            #3 #5 #7 #9 #12 #14   total (14 × 2 = 28 + the six)
 *   Sales     3  3  4  3   2   4   28 + 19 = 47   (three people)
 *   Marketing 3  3  3  3   4   2   28 + 18 = 46   (three people)
 * Gaps then: #7 +1, #12 −2, #14 +2, all others 0.
 * Now (GAP_SET): Sales 236/3, Marketing 227/3, Everyone 463/6; gaps #3 13/3 − 10/3 = 1,
 * #5 −2/3, #7 8/3, #9 5/3, #12 −5/3, #14 0.
 */
const PREVIOUS: Answer[] = [
  ...Array.from({ length: 3 }, () => answer("sales", 2, { 3: 3, 5: 3, 7: 4, 9: 3, 12: 2, 14: 4 })),
  ...Array.from({ length: 3 }, () =>
    answer("marketing", 2, { 3: 3, 5: 3, 7: 3, 9: 3, 12: 4, 14: 2 }),
  ),
];

const base = {
  instrument: DEFAULT_INSTRUMENT,
  roundClosed: true,
  minGroup: 3,
  market: "shifting" as const,
};

describe("trend against the previous closed round", () => {
  const report = analyzeRound({ ...base, answers: GAP_SET, previous: { answers: PREVIOUS } });
  const trend = report.trend;

  it("gives each group's change in mean and level", () => {
    expect(trend?.groups.map((g) => g.group)).toEqual(["sales", "marketing", "everyone"]);
    const [sales, marketing, everyone] = trend?.groups ?? [];
    // Sales: 236/3 − 47 = 95/3 = 31.667, Defined → Aligned.
    expect(sales).toMatchObject({
      previousN: 3,
      n: 3,
      previousMean: 47,
      previousLevel: "Defined",
      level: "Aligned",
      levelChange: "up",
    });
    expect(sales?.change).toBeCloseTo(95 / 3, 12);
    // Marketing: 227/3 − 46 = 89/3 = 29.667.
    expect(marketing?.change).toBeCloseTo(89 / 3, 12);
    // Everyone: 463/6 − 279/6 = 184/6 = 30.667 (previous (141 + 138)/6 = 46.5).
    expect(everyone?.previousMean).toBe(46.5);
    expect(everyone?.change).toBeCloseTo(184 / 6, 12);
  });

  it("lists gaps that widened or narrowed by at least 0.5", () => {
    // |now| − |before|: #7 8/3 − 1 = 5/3; #9 5/3 − 0 = 5/3 (tie: 7 first); #3 1 − 0 = 1;
    // #5 2/3 − 0 = 0.667; #12 5/3 − 2 = −1/3 (neither); #14 0 − 2 = −2.
    expect(trend?.gaps?.widened.map((c) => c.number)).toEqual([7, 9, 3, 5]);
    expect(trend?.gaps?.narrowed.map((c) => c.number)).toEqual([14]);
    const seven = trend?.gaps?.widened[0];
    expect(seven?.previousGap).toBe(1);
    expect(seven?.gap).toBeCloseTo(8 / 3, 12);
    expect(seven?.change).toBeCloseTo(5 / 3, 12);
    expect(trend?.gaps?.narrowed[0]).toMatchObject({ id: "shared-funnel", previousGap: 2, gap: 0 });
  });

  it("counts a change of exactly 0.5 and ignores 0.25", () => {
    // Four a side, so means move in quarters. Before: everyone rates 3, every gap 0.
    // After: Sales rate #1 4, 4, 3, 3 → 3.5, gap 0.5 (widened by exactly 0.5);
    // Sales rate #2 4, 3, 3, 3 → 3.25, gap 0.25 (ignored). Marketing still all 3.
    const before = [...many(4, "sales", 3), ...many(4, "marketing", 3)];
    const after = [
      answer("sales", 3, { 1: 4, 2: 4 }),
      answer("sales", 3, { 1: 4 }),
      answer("sales", 3),
      answer("sales", 3),
      ...many(4, "marketing", 3),
    ];
    const t = analyzeRound({ ...base, answers: after, previous: { answers: before } }).trend;
    expect(t?.gaps?.widened.map((c) => c.number)).toEqual([1]);
    expect(t?.gaps?.narrowed).toEqual([]);
  });

  it("compares only groups visible in both rounds", () => {
    // Previous round: 3 Sales + 2 Marketing → only Everyone was visible then.
    const previous = [...many(3, "sales", 2), ...many(2, "marketing", 2)];
    const t = analyzeRound({ ...base, answers: GAP_SET, previous: { answers: previous } }).trend;
    expect(t?.groups.map((g) => g.group)).toEqual(["everyone"]);
    expect(t?.gaps).toBeUndefined();
    // Everyone before: 5 × 40 = 40 → after 463/6: up from Defined to Aligned.
    expect(t?.groups[0]).toMatchObject({ previousMean: 40, previousLevel: "Defined" });

    // And the other way round: sides visible before, not now.
    const now = [...many(3, "sales", 3), ...many(2, "marketing", 3)];
    const t2 = analyzeRound({ ...base, answers: now, previous: { answers: GAP_SET } }).trend;
    expect(t2?.groups.map((g) => g.group)).toEqual(["everyone"]);
    expect(t2?.gaps).toBeUndefined();
  });

  it("gives no trend while the round is open", () => {
    const open = analyzeRound({
      ...base,
      roundClosed: false,
      answers: GAP_SET,
      previous: { answers: PREVIOUS },
    });
    expect(open.trend).toBeUndefined();
  });
});
