import { describe, expect, it } from "vitest";
import {
  levelFor,
  nextLevel,
  oneDecimal,
  ratingProblems,
  scoreGroup,
  totalScore,
} from "../../src/survey/scoring.js";
import { ratings } from "./helpers.js";

describe("totalScore", () => {
  it("sums the 20 ratings", () => {
    // 1+2+3+4+5 = 15, four times = 60.
    expect(totalScore([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5])).toBe(60);
    expect(totalScore(ratings(1))).toBe(20);
    expect(totalScore(ratings(5))).toBe(100);
  });
});

describe("levelFor: the scoring key, banded unrounded", () => {
  it.each([
    [20, "Undefined"],
    [39, "Undefined"],
    [39.99, "Undefined"],
    [40, "Defined"],
    [59, "Defined"],
    [59.9, "Defined"],
    [59.99, "Defined"],
    [60, "Aligned"],
    [79, "Aligned"],
    [79.9, "Aligned"],
    [80, "Integrated"],
    [100, "Integrated"],
  ])("%d → %s", (total, level) => {
    expect(levelFor(total)).toBe(level);
  });

  it("names the next level, none above Integrated", () => {
    expect(nextLevel("Undefined")).toBe("Defined");
    expect(nextLevel("Defined")).toBe("Aligned");
    expect(nextLevel("Aligned")).toBe("Integrated");
    expect(nextLevel("Integrated")).toBeUndefined();
  });
});

describe("scoreGroup: exact group means", () => {
  it("means a group's totals: (40 + 59 + 60) / 3 = 159 / 3 = 53, Defined, 7 to Aligned", () => {
    expect(scoreGroup([40, 59, 60])).toEqual({
      n: 3,
      mean: 53,
      level: "Defined",
      pointsToNext: 7,
    });
  });

  it("does not round the mean before banding: (59 + 60) / 2 = 59.5 is Defined, 0.5 short", () => {
    expect(scoreGroup([59, 60])).toEqual({ n: 2, mean: 59.5, level: "Defined", pointsToNext: 0.5 });
  });

  it("keeps thirds unrounded: (61 + 62 + 64) / 3 = 187/3 = 62.333…, 80 − 187/3 = 53/3 to go", () => {
    const g = scoreGroup([61, 62, 64]);
    expect(g.mean).toBeCloseTo(187 / 3, 12);
    expect(g.mean).not.toBe(62.3);
    expect(g.level).toBe("Aligned");
    expect(g.pointsToNext).toBeCloseTo(53 / 3, 12);
  });

  it("a mean of exactly 80 is Integrated with nothing above", () => {
    expect(scoreGroup([79, 81])).toEqual({
      n: 2,
      mean: 80,
      level: "Integrated",
      pointsToNext: undefined,
    });
  });

  it("refuses an empty group", () => {
    expect(() => scoreGroup([])).toThrow("scoreGroup needs at least one total");
  });
});

describe("ratingProblems", () => {
  it("accepts 20 whole ratings from 1 to 5", () => {
    expect(ratingProblems(ratings(3, { 1: 1, 20: 5 }))).toEqual([]);
  });

  it("reports a wrong count", () => {
    expect(ratingProblems(ratings(3).slice(0, 19))).toEqual(["expected 20 ratings, got 19"]);
    expect(ratingProblems([...ratings(3), 3])).toEqual(["expected 20 ratings, got 21"]);
  });

  it("reports each rating out of range, fractional, not a number or of the wrong type", () => {
    const bad: unknown[] = ratings(3);
    bad[0] = 0;
    bad[1] = 6;
    bad[2] = 2.5;
    bad[3] = "3";
    bad[4] = Number.NaN;
    bad[5] = null;
    expect(ratingProblems(bad)).toEqual([
      "rating 1 must be a whole number from 1 to 5",
      "rating 2 must be a whole number from 1 to 5",
      "rating 3 must be a whole number from 1 to 5",
      "rating 4 must be a whole number from 1 to 5",
      "rating 5 must be a whole number from 1 to 5",
      "rating 6 must be a whole number from 1 to 5",
    ]);
  });

  it("does not let the holes of a sparse array pass as ratings", () => {
    const sparse = new Array<number>(20);
    sparse[0] = 3;
    const problems = ratingProblems(sparse);
    expect(problems).toHaveLength(19);
    expect(problems[0]).toBe("rating 2 must be a whole number from 1 to 5");
  });

  it("takes the instrument's count", () => {
    expect(ratingProblems([1, 2, 3], 3)).toEqual([]);
    expect(ratingProblems([1, 2], 3)).toEqual(["expected 3 ratings, got 2"]);
  });
});

describe("oneDecimal", () => {
  it.each([
    [62.5, "62.5"],
    [62.45, "62.5"],
    [1.45, "1.5"],
    [14.25, "14.3"],
    [-14.25, "-14.3"],
    [-0.45, "-0.5"],
    [59.94, "59.9"],
    [2.675, "2.7"],
    [187 / 3, "62.3"],
    [0, "0.0"],
    [-0.04, "0.0"],
    [100, "100.0"],
  ])("%d → %s", (value, shown) => {
    expect(oneDecimal(value)).toBe(shown);
  });
});
