import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import type { Answer } from "../../src/survey/types.js";
import { answer, GAP_SET, many, named, pseudonyms, walk } from "./helpers.js";

/** The same six people in both rounds (GAP_SET and PREVIOUS list 3 Sales, then 3 Marketing). */
const SIX = [...pseudonyms("s", 3), ...pseudonyms("m", 3)];
const NOW = named(GAP_SET, SIX);

/*
 * The previous round, answered by the same six people: everyone rates 2 except (statement numbers)
 *            #3 #5 #7 #9 #12 #14   total (14 × 2 = 28 + the six)
 *   Sales     3  3  4  3   2   4   28 + 19 = 47   (three people)
 *   Marketing 3  3  3  3   4   2   28 + 18 = 46   (three people)
 * Gaps then: #7 +1, #12 −2, #14 +2, all others 0.
 * Now (GAP_SET): Sales 236/3, Marketing 227/3, Everyone 463/6; gaps #3 13/3 − 10/3 = 1,
 * #5 −2/3, #7 8/3, #9 5/3, #12 −5/3, #14 0.
 */
const PREVIOUS: Answer[] = named(
  [
    ...Array.from({ length: 3 }, () =>
      answer("sales", 2, { 3: 3, 5: 3, 7: 4, 9: 3, 12: 2, 14: 4 }),
    ),
    ...Array.from({ length: 3 }, () =>
      answer("marketing", 2, { 3: 3, 5: 3, 7: 3, 9: 3, 12: 4, 14: 2 }),
    ),
  ],
  SIX,
);

const base = {
  instrument: DEFAULT_INSTRUMENT,
  roundClosed: true,
  minGroup: 3,
  market: "shifting" as const,
};

describe("trend against the previous closed round", () => {
  const report = analyzeRound({ ...base, answers: NOW, previous: { answers: PREVIOUS } });
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
    const eight = [...pseudonyms("s", 4), ...pseudonyms("m", 4)];
    const before = named([...many(4, "sales", 3), ...many(4, "marketing", 3)], eight);
    const after = named(
      [
        answer("sales", 3, { 1: 4, 2: 4 }),
        answer("sales", 3, { 1: 4 }),
        answer("sales", 3),
        answer("sales", 3),
        ...many(4, "marketing", 3),
      ],
      eight,
    );
    const t = analyzeRound({ ...base, answers: after, previous: { answers: before } }).trend;
    expect(t?.gaps?.widened.map((c) => c.number)).toEqual([1]);
    expect(t?.gaps?.narrowed).toEqual([]);
  });

  it("compares only groups visible in both rounds", () => {
    // Previous round: 3 Sales + 2 Marketing → only Everyone was visible then. Five other people
    // answered it, so Everyone's respondents differ by 11, enough for its change to be shown.
    const previous = named(
      [...many(3, "sales", 2), ...many(2, "marketing", 2)],
      pseudonyms("old", 5),
    );
    const t = analyzeRound({ ...base, answers: NOW, previous: { answers: previous } }).trend;
    expect(t?.groups.map((g) => g.group)).toEqual(["everyone"]);
    expect(t?.gaps).toBeUndefined();
    // Everyone before: 5 × 40 = 40 → after 463/6: up from Defined to Aligned.
    expect(t?.groups[0]).toMatchObject({ previousMean: 40, previousLevel: "Defined" });

    // And the other way round: sides visible before, not now (one Marketing person left, and
    // six new people answered, so the sets differ by 11).
    const now = named([...many(3, "sales", 3), ...many(2, "marketing", 3)], pseudonyms("new", 5));
    const t2 = analyzeRound({ ...base, answers: now, previous: { answers: NOW } }).trend;
    expect(t2?.groups.map((g) => g.group)).toEqual(["everyone"]);
    expect(t2?.gaps).toBeUndefined();
  });

  it("gives no trend while the round is open", () => {
    const open = analyzeRound({
      ...base,
      roundClosed: false,
      answers: NOW,
      previous: { answers: PREVIOUS },
    });
    expect(open.trend).toBeUndefined();
  });
});

describe("the trend cannot be differenced to single out a newcomer", () => {
  /*
   * Round 1: 5 Sales rate everything 5, 5 Marketing rate everything 3. Round 2: the same ten
   * people answer exactly as before, and one newcomer joins Sales, rating #1–#4 1 and the rest 4
   * (total 68). Both rounds show both sides (6 and 5 ≥ 5). Without the respondent rule, the trend
   * would hand an attacker the newcomer's answers:
   * - total: n × mean − previousN × previousMean, for Sales and for Everyone;
   * - ratings: with Marketing's mean m (unchanged, and shown in round 2), Sales' mean on a
   *   statement is gap + m now and previousGap + m then, so the newcomer rated it
   *   6 × (gap + m) − 5 × (previousGap + m).
   */
  const options = { ...base, minGroup: 5, market: "shifting" as const };
  const regulars = [
    ...named(many(5, "sales", 5), pseudonyms("s", 5)),
    ...named(many(5, "marketing", 3), pseudonyms("m", 5)),
  ];
  const newcomer = { ...answer("sales", 4, { 1: 1, 2: 1, 3: 1, 4: 1 }), respondent: "new" };
  const report = analyzeRound({
    ...options,
    answers: [...regulars, newcomer],
    previous: { answers: regulars },
  });

  it("gives no group's previous and current sums to subtract", () => {
    const derivedTotals = (report.trend?.groups ?? []).map(
      (g) => g.n * g.mean - g.previousN * g.previousMean,
    );
    expect(derivedTotals).toEqual([]);
    expect(report.trend?.withheld).toEqual(["sales", "marketing", "everyone"]);
  });

  it("gives no statement gaps to subtract", () => {
    const marketingNow = report.gap?.statements.map((s) => s.marketing) ?? [];
    expect(marketingNow).toHaveLength(20);
    const changes = [
      ...(report.trend?.gaps?.widened ?? []),
      ...(report.trend?.gaps?.narrowed ?? []),
    ];
    const derivedRatings = changes.map((c) => {
      const m = marketingNow[c.index] ?? 0;
      return 6 * (c.gap + m) - 5 * (c.previousGap + m);
    });
    expect(derivedRatings).toEqual([]);
    expect(report.trend?.gaps).toBeUndefined();
  });

  it("never carries a pseudonym into the report", () => {
    const strings: string[] = [];
    walk(report, (_path, leaf, key) => {
      if (key !== undefined) strings.push(key);
      if (typeof leaf === "string") strings.push(leaf);
    });
    const names = new Set([...pseudonyms("s", 5), ...pseudonyms("m", 5), "new"]);
    expect(strings.filter((text) => names.has(text))).toEqual([]);
  });

  it("says why in the report's notes", () => {
    expect(report.notes).toEqual([
      "The change since the previous round is not shown for Sales, Marketing and Everyone: it is shown only when a group was answered by the same people both times, or by people who differ by at least 5.",
    ]);
  });

  it("shows the change once at least 5 people differ", () => {
    const five = named(
      Array.from({ length: 5 }, () => answer("sales", 4, { 1: 1, 2: 1, 3: 1, 4: 1 })),
      pseudonyms("new", 5),
    );
    const t = analyzeRound({
      ...options,
      answers: [...regulars, ...five],
      previous: { answers: regulars },
    }).trend;
    expect(t?.withheld).toEqual([]);
    expect(t?.groups.map((g) => [g.group, g.previousN, g.n])).toEqual([
      ["sales", 5, 10],
      ["marketing", 5, 5],
      ["everyone", 10, 15],
    ]);
    // Sales: 100 → (5 × 100 + 5 × 68) / 10 = 84.
    expect(t?.groups[0]).toMatchObject({ previousMean: 100, mean: 84, change: -16 });
    // Gaps were +2 everywhere; now #1–#4 are 3 − 3 = 0 (−2) and the rest 4.5 − 3 = 1.5 (−0.5).
    const narrowed = t?.gaps?.narrowed.map((c) => [c.number, c.change]) ?? [];
    expect(narrowed).toHaveLength(20);
    expect(narrowed.slice(0, 5)).toEqual([
      [1, -2],
      [2, -2],
      [3, -2],
      [4, -2],
      [5, -0.5],
    ]);
  });
});
