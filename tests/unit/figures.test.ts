import { describe, expect, it } from "vitest";
import { isDisputed } from "../../src/survey/gap.js";
import { levelFor } from "../../src/survey/scoring.js";
import type { Significance } from "../../src/survey/significance.js";
import {
  cliffsDeltaCell,
  gapFigures,
  intervalCells,
  intervalText,
  meanTotal,
  overallGapLine,
  participationLine,
  pointsToNextText,
  pValueCell,
  pValueText,
  responseRateLine,
  scoreLine,
  signed,
  twoSignificant,
} from "../../src/views/figures.js";

const sig = (pValue: number): Significance => ({
  test: "mann-whitney-u",
  method: "exact",
  pValue,
  significant: pValue < 0.05,
});

describe("twoSignificant", () => {
  it("rounds half up on the decimal form, keeping trailing zeros", () => {
    expect(twoSignificant(0.23456)).toBe("0.23");
    expect(twoSignificant(0.0012)).toBe("0.0012");
    expect(twoSignificant(0.001)).toBe("0.0010");
    expect(twoSignificant(0.0449)).toBe("0.045");
    expect(twoSignificant(0.0495)).toBe("0.050");
    expect(twoSignificant(0.0995)).toBe("0.10");
    expect(twoSignificant(0.00999)).toBe("0.010");
    expect(twoSignificant(0.95)).toBe("0.95");
    expect(twoSignificant(0.999)).toBe("1.0");
    expect(twoSignificant(1)).toBe("1.0");
  });
});

describe("p-values: two significant digits that never contradict the significance call", () => {
  it("gives two significant digits", () => {
    expect(pValueText(sig(0.0076218))).toBe("p = 0.0076");
    expect(pValueText(sig(0.048632))).toBe("p = 0.049");
    expect(pValueText(sig(0.050894))).toBe("p = 0.051");
    expect(pValueText(sig(0.23456))).toBe("p = 0.23");
    expect(pValueText(sig(1))).toBe("p = 1.0");
  });

  it("says p < 0.05 where rounding would show a significant p as 0.050", () => {
    expect(pValueText(sig(0.0495))).toBe("p < 0.05");
    expect(pValueText(sig(0.04996))).toBe("p < 0.05");
    expect(pValueText(sig(0.0494))).toBe("p = 0.049");
  });

  it("shows p = 0.050 only when it is not significant", () => {
    expect(pValueText(sig(0.05))).toBe("p = 0.050");
    expect(pValueText(sig(0.0504))).toBe("p = 0.050");
  });

  it("stops at p < 0.001", () => {
    expect(pValueText(sig(0.00099))).toBe("p < 0.001");
    expect(pValueText(sig(0))).toBe("p < 0.001");
    expect(pValueText(sig(0.001))).toBe("p = 0.0010");
  });

  it("never calls a non-significant p below the threshold", () => {
    // Only a caller with another threshold could produce this; the bound still keeps it honest.
    expect(
      pValueText({ test: "mann-whitney-u", method: "exact", pValue: 0.03, significant: false }),
    ).toBe("p ≥ 0.05");
  });

  it("gives the same in the export's cells", () => {
    expect(pValueCell(sig(0.0076218))).toBe("0.0076");
    expect(pValueCell(sig(0.0495))).toBe("<0.05");
    expect(pValueCell(sig(0.0002))).toBe("<0.001");
    expect(pValueCell(sig(0.5))).toBe("0.50");
  });
});

describe("means and differences", () => {
  it("shows a mean total with one decimal, never rounded over a level boundary", () => {
    expect(meanTotal(62.54)).toBe("62.5");
    expect(meanTotal(59.95)).toBe("59.9");
    expect(scoreLine({ group: "sales", n: 12, mean: 62.5, level: "Aligned" })).toBe(
      "Sales n=12 · 62.5 · Aligned",
    );
  });

  it("signs a one-decimal difference", () => {
    expect(signed(1.25)).toBe("+1.3");
    expect(signed(-0.44)).toBe("−0.4");
    expect(signed(0.04)).toBe("0.0");
  });
});

describe("one rounding rule: the words follow the shown figure", () => {
  it("never puts a shown p of 0.05 or more beside 'significant', nor below 0.05 beside 'not'", () => {
    for (let i = 1; i <= 20_000; i++) {
      const p = i / 200_000; // 0.000005 … 0.1
      const s = sig(p);
      const [relation, value] = pValueText(s).split(" ").slice(1);
      if (s.significant) expect(relation === "<" || Number(value) < 0.05).toBe(true);
      else expect(relation === "≥" || Number(value) >= 0.05).toBe(true);
    }
  });

  it("n = 4, mean 59.75: shows 59.8 and 0.2 points to Aligned (not 0.3)", () => {
    expect(meanTotal(59.75)).toBe("59.8");
    expect(pointsToNextText(59.75)).toBe("0.2 points to Aligned");
    // 59.95 is shown 59.9 (still Defined), and then 0.1 to go, never 0.0.
    expect(pointsToNextText(59.95)).toBe("0.1 points to Aligned");
    expect(pointsToNextText(80)).toBeUndefined();
  });

  it("shown mean + shown distance is exactly the next floor, for every group of 1–40 people", () => {
    let cases = 0;
    const wrong: string[] = [];
    for (let n = 1; n <= 40; n++) {
      for (let sum = 20 * n; sum <= 100 * n; sum++) {
        const mean = sum / n;
        const text = pointsToNextText(mean);
        if (text === undefined) continue;
        const [points, , , level] = text.split(" ");
        const floor = { Defined: 40, Aligned: 60, Integrated: 80 }[level as string] as number;
        const shown = Number(meanTotal(mean));
        cases++;
        const adds = Math.round((shown + Number(points)) * 10) === floor * 10;
        if (!adds || !(Number(points) > 0) || levelFor(shown) !== levelFor(mean)) {
          wrong.push(`n=${n} sum=${sum}: ${meanTotal(mean)}, ${text}`);
        }
      }
    }
    expect(cases).toBe(49_200); // every (n, sum) whose mean is below 80
    expect(wrong).toEqual([]);
  });

  it("a gap shown as +1.0 counts as a full point; −0.9 does not", () => {
    const disputedIf = (gap: number) =>
      isDisputed({ gap, significance: sig(0.01), interval: { low: 0.3, high: 2 } });
    expect(signed(0.96)).toBe("+1.0");
    expect(disputedIf(0.96)).toBe(true);
    expect(signed(0.94)).toBe("+0.9");
    expect(disputedIf(0.94)).toBe(false);
  });

  it("gives intervals rounded outwards, so the shown one always contains the computed one", () => {
    expect(intervalText({ low: -2.61, high: 0.12 })).toBe("95 % CI −2.7 to +0.2");
    expect(intervalText({ low: 0.04, high: 1.01 })).toBe("95 % CI 0.0 to +1.1");
    expect(intervalText({ low: -1, high: -1 })).toBe("95 % CI −1.0 to −1.0");
    expect(intervalCells({ low: -2.61, high: 0.12 })).toEqual(["-2.7", "0.2"]);
    expect(intervalCells(undefined)).toEqual(["", ""]);
  });

  it("gives Cliff's delta with two decimals", () => {
    expect(cliffsDeltaCell(0.44)).toBe("0.44");
    expect(cliffsDeltaCell(-0.2)).toBe("-0.20");
    expect(cliffsDeltaCell(-0.001)).toBe("0.00");
    expect(cliffsDeltaCell(undefined)).toBe("");
  });

  it("writes a gap with its interval and test, and the overall gap on the 20–100 scale", () => {
    const interval = { low: -2.61, high: 0.12 };
    expect(gapFigures({ gap: -1.2, interval, significance: sig(0.083) })).toBe(
      "gap −1.2 (95 % CI −2.7 to +0.2) · not significant (p = 0.083)",
    );
    expect(gapFigures({ gap: 0.5 })).toBe("gap +0.5");
    expect(
      overallGapLine({
        sales: 62,
        marketing: 55.4,
        gap: 6.6,
        sentence: "",
        interval: { low: -1.25, high: 14.51 },
        significance: sig(0.09),
      }),
    ).toBe(
      "Overall (total score, 20–100): Sales 62.0 · Marketing 55.4 · gap +6.6 (95 % CI −1.3 to +14.6) · not significant (p = 0.090)",
    );
  });
});

describe("honest denominators", () => {
  const participation = { sales: 3, marketing: 2, total: 5 };
  it("gives everyone's 'of' in people, which is fewer than the memberships when some are in both", () => {
    expect(participationLine(participation, { sales: 7, marketing: 8, people: 13 })).toBe(
      "Sales n=3 (of 7) · Marketing n=2 (of 8) · Everyone n=5 (of 13)",
    );
    expect(participationLine(participation, { sales: 7, marketing: 8 })).toBe(
      "Sales n=3 (of 7) · Marketing n=2 (of 8) · Everyone n=5",
    );
    expect(participationLine(participation)).toBe("Sales n=3 · Marketing n=2 · Everyone n=5");
  });

  it("gives response rates of people, only when both sides' counts are known", () => {
    expect(responseRateLine(participation, { sales: 7, marketing: 8, people: 13 })).toBe(
      "Response rate: Sales 43% · Marketing 25% · Everyone 38%",
    );
    expect(responseRateLine(participation, { sales: 7, marketing: 8 })).toBe(
      "Response rate: Sales 43% · Marketing 25%",
    );
    expect(responseRateLine(participation, { sales: 7, people: 13 })).toBeUndefined();
  });
});
