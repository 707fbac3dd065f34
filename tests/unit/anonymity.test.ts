import { describe, expect, it } from "vitest";
import {
  discloseAnswers,
  disclosure,
  effectiveMinGroup,
  withheldNotes,
} from "../../src/survey/anonymity.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound, mirrorFor, type RoundReport } from "../../src/survey/report.js";
import { totalScore } from "../../src/survey/scoring.js";
import type { Answer } from "../../src/survey/types.js";
import { answer, GAP_SET, many, walk } from "./helpers.js";

const closed = { minGroup: 3, roundClosed: true };

describe("disclosure", () => {
  it("shows nothing while the round is open", () => {
    expect(disclosure({ sales: 40, marketing: 40 }, { minGroup: 3, roundClosed: false })).toEqual({
      groups: [],
      withheld: ["round-open"],
    });
  });

  it("shows all three groups when both sides reach the minimum", () => {
    expect(disclosure({ sales: 3, marketing: 3 }, closed)).toEqual({
      groups: ["sales", "marketing", "everyone"],
      withheld: [],
    });
  });

  it("shows Everyone only when one side is small (5 + 2): no differencing", () => {
    expect(disclosure({ sales: 5, marketing: 2 }, closed)).toEqual({
      groups: ["everyone"],
      withheld: ["side-too-small"],
    });
  });

  it("shows nothing when Everyone is below the minimum (1 + 1)", () => {
    expect(disclosure({ sales: 1, marketing: 1 }, closed)).toEqual({
      groups: [],
      withheld: ["side-too-small", "everyone-too-small"],
    });
  });

  it("never goes below 3, whatever TRUCE_MIN_GROUP says", () => {
    expect(effectiveMinGroup(1)).toBe(3);
    expect(effectiveMinGroup(Number.NaN)).toBe(3);
    expect(effectiveMinGroup(7)).toBe(7);
    expect(
      disclosure({ sales: 2, marketing: 2 }, { minGroup: 1, roundClosed: true }).groups,
    ).toEqual(["everyone"]);
    expect(
      disclosure({ sales: 9, marketing: 9 }, { minGroup: Number.NaN, roundClosed: true }).groups,
    ).toEqual(["sales", "marketing", "everyone"]);
  });

  it("applies a higher configured minimum: 4 + 6 with minimum 5 → Everyone only", () => {
    expect(
      disclosure({ sales: 4, marketing: 6 }, { minGroup: 5, roundClosed: true }).groups,
    ).toEqual(["everyone"]);
  });
});

describe("discloseAnswers: the one gateway to the analysis", () => {
  it("hands out sides only as a pair, and only when both may be shown", () => {
    const small = [...many(5, "sales", 4), ...many(2, "marketing", 2)];
    const d = discloseAnswers(small, closed);
    expect(d.sides).toBeUndefined();
    expect(d.everyone).toHaveLength(7);
    expect(d.counts).toEqual({ sales: 5, marketing: 2 });
    expect(withheldNotes(d, 3)).toEqual([
      "Per-side figures are withheld: each side needs at least 3 respondents (Sales n=5, Marketing n=2).",
    ]);

    const both = discloseAnswers(GAP_SET, closed);
    expect(both.sides?.sales).toHaveLength(3);
    expect(both.sides?.marketing).toHaveLength(3);
  });

  it("hands out nothing while the round is open", () => {
    const d = discloseAnswers(GAP_SET, { minGroup: 3, roundClosed: false });
    expect(d.sides).toBeUndefined();
    expect(d.everyone).toBeUndefined();
    expect(withheldNotes(d, 3)).toEqual([
      "The round is still open: only participation is shown until it closes.",
    ]);
  });
});

/** Every key in the model outside `participation` and every string value, with paths. */
function sideTraces(model: unknown): string[] {
  const found: string[] = [];
  walk(model, (path, leaf, key) => {
    if (path[0] === "participation") return;
    if (key === "sales" || key === "marketing") found.push(`key ${path.join(".")}`);
    if (leaf === "sales" || leaf === "marketing") found.push(`value ${path.join(".")}`);
  });
  return found;
}

/** Every number in the model outside participation counts and statement positions. */
function numbersIn(model: unknown): { path: string; value: number }[] {
  const out: { path: string; value: number }[] = [];
  walk(model, (path, leaf) => {
    if (typeof leaf !== "number") return;
    if (path[0] === "participation" || path[0] === "minGroup") return;
    const last = path[path.length - 1];
    if (last === "index" || last === "number" || last === "n") return;
    out.push({ path: path.join("."), value: leaf });
  });
  return out;
}

describe("the round report obeys the anonymity rules", () => {
  /*
   * The differencing case: 5 Sales + 2 Marketing. Everyone (7) may be shown, but if Sales were too,
   * Marketing's figures would follow: (7 × Everyone − 5 × Sales) / 2.
   * Sales rate every statement 4 (total 80) except #7 = 2 (total 78); Marketing rate every
   * statement 2 (total 40) except #7 = 1 (total 39).
   * Side means: Sales 78, Marketing 39, gap 39; per statement Sales 4 or 2, Marketing 2 or 1,
   * gaps 2 or 1. Everyone: (5 × 78 + 2 × 39)/7 = 468/7 = 66.857; statements (20 + 4)/7 = 24/7,
   * #7 (10 + 2)/7 = 12/7 = 1.714.
   */
  const answers: Answer[] = [
    ...Array.from({ length: 5 }, () => answer("sales", 4, { 7: 2 })),
    ...Array.from({ length: 2 }, () => answer("marketing", 2, { 7: 1 })),
  ];
  const report = analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers,
    roundClosed: true,
    minGroup: 3,
    market: "complex",
    invited: { sales: 10, marketing: 2 },
    previous: { answers: [...many(5, "sales", 3), ...many(2, "marketing", 3)] },
  });

  it("holds Everyone's figures", () => {
    expect(report.levels.map((r) => r.group)).toEqual(["everyone"]);
    expect(report.levels[0]?.mean).toBeCloseTo(468 / 7, 12);
    expect(report.everyone?.statements[6]?.mean).toBeCloseTo(12 / 7, 12);
    expect(report.advice).toBeDefined();
    expect(report.trend?.groups.map((g) => g.group)).toEqual(["everyone"]);
  });

  it("holds no per-side figure anywhere (walking the whole model)", () => {
    expect(report.gap).toBeUndefined();
    expect(report.trend?.gaps).toBeUndefined();
    expect(sideTraces(report)).toEqual([]);
    const forbidden = [78, 39, 78 - 39, 4, 2, 1];
    expect(numbersIn(report).filter((n) => forbidden.includes(n.value))).toEqual([]);
    // And no text quotes them or hints at a gap (advice reasons and the like).
    const texts = JSON.stringify(report);
    expect(texts).not.toMatch(/78\.0|39\.0|Sales rates|Marketing rates|(Sales|Marketing) \d|apart/);
    expect(report.advice?.actions.map((a) => a.trigger)).not.toContain("disputed-statement");
  });

  it("still reports participation counts and rates for both sides", () => {
    expect(report.participation).toMatchObject({
      sales: 5,
      marketing: 2,
      total: 7,
      responseRates: { sales: 0.5, marketing: 1 },
      lowConfidence: false,
    });
  });

  it("holds no single person's ratings", () => {
    walk(report, (_path, _leaf, key) => {
      expect(key).not.toBe("ratings");
    });
  });
});

describe("an open round holds participation only", () => {
  const report = analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers: [...GAP_SET, ...GAP_SET],
    roundClosed: false,
    minGroup: 3,
    market: "shifting",
    previous: { answers: GAP_SET },
  });

  it("has no score sections at all", () => {
    expect(Object.keys(report).sort()).toEqual(
      [
        "disclosure",
        "levels",
        "market",
        "minGroup",
        "notes",
        "participation",
        "roundClosed",
        "targetLevel",
      ].sort(),
    );
    expect(report.levels).toEqual([]);
    expect(numbersIn(report)).toEqual([]);
    expect(report.participation).toEqual({
      sales: 6,
      marketing: 6,
      total: 12,
      lowConfidence: false,
    });
  });
});

describe("too few respondents altogether", () => {
  it("holds counts and notes only", () => {
    const report: RoundReport = analyzeRound({
      instrument: DEFAULT_INSTRUMENT,
      answers: [answer("sales", 5), answer("marketing", 1)],
      roundClosed: true,
      minGroup: 3,
      market: "stable",
    });
    expect(report.levels).toEqual([]);
    expect(report.everyone).toBeUndefined();
    expect(report.advice).toBeUndefined();
    expect(numbersIn(report)).toEqual([]);
    expect(report.notes).toEqual([
      "Per-side figures are withheld: each side needs at least 3 respondents (Sales n=1, Marketing n=1).",
      "No scores are shown: at least 3 respondents are needed (n=2).",
    ]);
  });
});

describe("the mirror obeys the same rules", () => {
  const own = answer("sales", 4, { 7: 2 });
  const answers = [own, ...many(4, "sales", 4), ...many(2, "marketing", 2)];

  it("shows own ratings beside Everyone only when a side is small", () => {
    const mirror = mirrorFor(own, answers, {
      instrument: DEFAULT_INSTRUMENT,
      minGroup: 3,
      roundClosed: true,
    });
    expect(mirror.groups.map((g) => g.group)).toEqual(["everyone"]);
    expect(mirror.rows.every((r) => Object.keys(r.means).join() === "everyone")).toBe(true);
    expect(sideTraces({ rows: mirror.rows, groups: mirror.groups })).toEqual([]);
  });

  it("shows own ratings only while the round is open", () => {
    const mirror = mirrorFor(own, [...GAP_SET, own], {
      instrument: DEFAULT_INSTRUMENT,
      minGroup: 3,
      roundClosed: false,
    });
    expect(mirror.groups).toEqual([]);
    expect(mirror.rows.every((r) => Object.keys(r.means).length === 0)).toBe(true);
    expect(mirror.rows[6]?.own).toBe(2);
    expect(mirror.ownTotal).toBe(totalScore(own.ratings));
  });
});
