import { describe, expect, it } from "vitest";
import {
  describeStatementMeans,
  GAP_METHOD_NOTE,
  isDisputed,
  levelHeadline,
  overallGapSentence,
  perceptionGap,
  spreadOf,
  statementMeans,
  strongestAndWeakest,
} from "../../src/survey/gap.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import type { Answer } from "../../src/survey/types.js";
import { answer, GAP_SET } from "./helpers.js";

const sides = {
  sales: GAP_SET.filter((a) => a.side === "sales"),
  marketing: GAP_SET.filter((a) => a.side === "marketing"),
};

describe("statementMeans", () => {
  it("means each statement over a group", () => {
    const means = statementMeans(sides.sales, 20);
    // #3: (5+4+4)/3 = 13/3; #5: (3+4+2)/3 = 3; #7: (5+5+4)/3 = 14/3; #9: 15/3 = 5; #12: (2+2+1)/3 = 5/3.
    expect(means[2]).toBeCloseTo(13 / 3, 12);
    expect(means[4]).toBe(3);
    expect(means[6]).toBeCloseTo(14 / 3, 12);
    expect(means[8]).toBe(5);
    expect(means[11]).toBeCloseTo(5 / 3, 12);
    expect(means[0]).toBe(4);
  });
});

describe("perceptionGap on the gap data set (helpers.ts shows the table)", () => {
  const gap = perceptionGap(DEFAULT_INSTRUMENT, sides);

  it("says it is Truce's own method and names the test", () => {
    expect(gap.methodNote).toBe(GAP_METHOD_NOTE);
    expect(gap.methodNote).toContain("Truce's own addition");
    expect(gap.methodNote).toContain("Mann–Whitney U test, exact given the ties (mid-p)");
    expect(gap.methodNote).toContain("95 % confidence interval (Welch's t interval");
    expect(gap.methodNote).toContain(
      "only when its gap is at least 1.0 point, significant, and its interval lies wholly on one side of zero",
    );
  });

  it("overall: Sales 236/3 = 78.667, Marketing 227/3 = 75.667, gap 9/3 = 3.0", () => {
    expect(gap.overall.sales).toBeCloseTo(236 / 3, 12);
    expect(gap.overall.marketing).toBeCloseTo(227 / 3, 12);
    expect(gap.overall.gap).toBeCloseTo(3, 12);
    expect(gap.overall.sentence).toBe(
      "Sales rates the relationship 3.0 points higher than Marketing",
    );
    expect(gap.overall.significance).toBeUndefined();
  });

  it("per statement: each side's mean and sales − marketing", () => {
    const row = (n: number) => gap.statements[n - 1];
    // #7: Sales 14/3, Marketing 6/3 = 2 → gap 8/3.
    expect(row(7)).toMatchObject({ number: 7, index: 6, id: "common-language", marketing: 2 });
    expect(row(7)?.sales).toBeCloseTo(14 / 3, 12);
    expect(row(7)?.gap).toBeCloseTo(8 / 3, 12);
    // #12: Sales 5/3, Marketing (4+3+3)/3 = 10/3 → gap −5/3.
    expect(row(12)?.gap).toBeCloseTo(-5 / 3, 12);
    // #5: Sales 3, Marketing 11/3 → gap −2/3.
    expect(row(5)?.gap).toBeCloseTo(-2 / 3, 12);
    // #1: 4 and 4.
    expect(row(1)).toMatchObject({ sales: 4, marketing: 4, gap: 0 });
    expect(gap.statements).toHaveLength(20);
  });

  it("widest: nothing at three a side, however large the gaps (#7 is 8/3 apart)", () => {
    // The sides are too small to test, so no gap can be told from chance: none is a dispute.
    expect(gap.statements[6]?.gap).toBeCloseTo(8 / 3, 12);
    expect(gap.statements.some((s) => s.disputed)).toBe(false);
    expect(gap.widest).toEqual([]);
  });

  it("no headline when both sides see the same level (78.7 and 75.7 are both Aligned)", () => {
    expect(gap.levelHeadline).toBeUndefined();
  });

  it("spread: sample SDs 2.309 and 2.082 round to 2 points, both close", () => {
    // Sales 80, 80, 76: mean 236/3; squared deviations 16/9 + 16/9 + 64/9 = 96/9; / 2 = 16/3;
    // √(16/3) = 2.309 → 2. Marketing 78, 75, 74: (49 + 4 + 25)/9 = 78/9; / 2 = 13/3; √ = 2.082 → 2.
    expect(gap.spread).toEqual({
      sales: { sd: 2, cohesion: "close" },
      marketing: { sd: 2, cohesion: "close" },
    });
  });

  it("does not test samples below 5 a side, and says so", () => {
    expect(gap.tested).toBe(false);
    expect(gap.statements.every((s) => s.significance === undefined)).toBe(true);
    expect(gap.significanceNote).toBe(
      "Samples are too small to tell the differences from chance: each side needs at least 5 respondents (Sales n=3, Marketing n=3), so no statement is called seen differently.",
    );
  });
});

describe("isDisputed: decided on the figures as shown", () => {
  const significant = {
    test: "mann-whitney-u" as const,
    method: "exact" as const,
    pValue: 0.01,
    significant: true,
  };
  it("a gap shown as +1.0 (0.96) is a full point; one shown as +0.9 (0.94) is not", () => {
    const interval = { low: 0.2, high: 1.7 };
    expect(isDisputed({ gap: 0.96, significance: significant, interval })).toBe(true);
    expect(isDisputed({ gap: 0.94, significance: significant, interval })).toBe(false);
    expect(
      isDisputed({ gap: -0.95, significance: significant, interval: { low: -1.7, high: -0.2 } }),
    ).toBe(true);
  });

  it("an interval shown as reaching 0.0 is not clear of zero, even when the test is significant", () => {
    // 0.04 is shown rounded outwards as 0.0: the reader sees an interval that touches zero.
    expect(
      isDisputed({ gap: 1.5, significance: significant, interval: { low: 0.04, high: 2.9 } }),
    ).toBe(false);
    expect(
      isDisputed({ gap: 1.5, significance: significant, interval: { low: 0.1, high: 2.9 } }),
    ).toBe(true);
  });

  it("not significant, or not tested, is never a dispute", () => {
    const interval = { low: 0.5, high: 2.5 };
    expect(
      isDisputed({
        gap: 1.5,
        significance: { ...significant, pValue: 0.06, significant: false },
        interval,
      }),
    ).toBe(false);
    expect(isDisputed({ gap: 1.5 })).toBe(false);
  });
});

describe("level headline", () => {
  it("names both levels when the sides disagree", () => {
    expect(levelHeadline("Aligned", "Defined")).toBe("Sales sees Aligned, Marketing sees Defined");
    expect(levelHeadline("Defined", "Defined")).toBeUndefined();
  });

  it("is set from the sides' means: 3 × 60 vs 3 × 59 → Aligned vs Defined", () => {
    const set: Answer[] = [
      ...Array.from({ length: 3 }, () => answer("sales", 3)),
      ...Array.from({ length: 3 }, () => answer("marketing", 3, { 1: 2 })),
    ];
    const gap = perceptionGap(DEFAULT_INSTRUMENT, {
      sales: set.slice(0, 3),
      marketing: set.slice(3),
    });
    expect(gap.levelHeadline).toBe("Sales sees Aligned, Marketing sees Defined");
    expect(gap.overall.sentence).toBe(
      "Sales rates the relationship 1.0 points higher than Marketing",
    );
  });
});

describe("overall gap sentence", () => {
  it("says higher, lower or the same", () => {
    expect(overallGapSentence(14.2)).toBe(
      "Sales rates the relationship 14.2 points higher than Marketing",
    );
    expect(overallGapSentence(-14.25)).toBe(
      "Sales rates the relationship 14.3 points lower than Marketing",
    );
    expect(overallGapSentence(0.04)).toBe("Sales and Marketing rate the relationship the same");
  });
});

describe("strongest and weakest for Everyone", () => {
  it("orders by mean with ties to the lower statement number", () => {
    // Everyone's means on the gap set (6 people): #9 (15+10)/6 = 4.167, 15 statements at 4,
    // #3 23/6 = 3.833, #5 20/6 and #7 20/6 = 3.333 (tie), #12 15/6 = 2.5.
    const statements = describeStatementMeans(DEFAULT_INSTRUMENT, GAP_SET);
    const { strongest, weakest } = strongestAndWeakest(statements);
    expect(strongest.map((s) => s.number)).toEqual([9, 1, 2]);
    expect(weakest.map((s) => s.number)).toEqual([12, 5, 7]);
    expect(strongest[0]?.mean).toBeCloseTo(25 / 6, 12);
    expect(weakest[0]?.mean).toBe(2.5);
  });

  it("never lists a statement as both: when all tie, strongest 1–3, weakest 4–6", () => {
    const statements = describeStatementMeans(DEFAULT_INSTRUMENT, [answer("sales", 3)]);
    const { strongest, weakest } = strongestAndWeakest(statements);
    expect(strongest.map((s) => s.number)).toEqual([1, 2, 3]);
    expect(weakest.map((s) => s.number)).toEqual([4, 5, 6]);
  });
});

describe("spreadOf: SD rounded to whole points, never min, max or quartiles", () => {
  it.each([
    // 50, 60, 70: squared deviations 100 + 0 + 100 = 200, / 2 = 100, √ = 10 → divided.
    [[50, 60, 70], { sd: 10, cohesion: "divided" }],
    // 55, 60, 65: 25 + 0 + 25 = 50, / 2 = 25, √ = 5 → mixed.
    [[55, 60, 65], { sd: 5, cohesion: "mixed" }],
    // 60, 64, 69: mean 193/3; deviations −13/3, −1/3, 14/3; (169 + 1 + 196)/9 = 366/9; / 2 = 61/3;
    // √(61/3) = 4.509 → 5 → mixed (the reading follows the rounded figure).
    [[60, 64, 69], { sd: 5, cohesion: "mixed" }],
    // 60, 62, 64: 4 + 0 + 4 = 8, / 2 = 4, √ = 2 → close.
    [[60, 62, 64], { sd: 2, cohesion: "close" }],
  ])("%j → %j", (totals, spread) => {
    expect(spreadOf(totals)).toEqual(spread);
  });

  it("carries no other figure", () => {
    expect(Object.keys(spreadOf([40, 50, 90])).sort()).toEqual(["cohesion", "sd"]);
  });
});
