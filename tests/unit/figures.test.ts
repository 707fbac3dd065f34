import { describe, expect, it } from "vitest";
import type { Significance } from "../../src/survey/significance.js";
import {
  meanTotal,
  pValueCell,
  pValueText,
  scoreLine,
  signed,
  twoSignificant,
} from "../../src/views/figures.js";

const sig = (pValue: number): Significance => ({
  test: "mann-whitney-u",
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
    expect(pValueText({ test: "mann-whitney-u", pValue: 0.03, significant: false })).toBe(
      "p ≥ 0.05",
    );
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
