import { describe, expect, it } from "vitest";
import { LEVEL_ONLY_NOTE } from "../../src/survey/advice.js";
import {
  changePermissions,
  changeWithheldNote,
  discloseAnswers,
  discloseChange,
  disclosure,
  effectiveMinGroup,
  respondentsAllowChange,
  withheldNotes,
} from "../../src/survey/anonymity.js";
import { countAnswers } from "../../src/survey/counts.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound, mirrorFor, type RoundReport } from "../../src/survey/report.js";
import { totalScore } from "../../src/survey/scoring.js";
import type { Answer } from "../../src/survey/types.js";
import { answer, GAP_SET, many, named, pseudonyms, walk } from "./helpers.js";

const closed = { minGroup: 3, roundClosed: true };

describe("disclosure", () => {
  it("shows nothing while the round is open", () => {
    expect(disclosure({ sales: 40, marketing: 40 }, { minGroup: 3, roundClosed: false })).toEqual({
      groups: [],
      perStatement: false,
      withheld: ["round-open"],
    });
  });

  it("shows all three groups when both sides reach the minimum", () => {
    expect(disclosure({ sales: 3, marketing: 3 }, closed)).toEqual({
      groups: ["sales", "marketing", "everyone"],
      perStatement: true,
      withheld: [],
    });
  });

  it("shows Everyone's total only when one side is small (5 + 2): no differencing", () => {
    expect(disclosure({ sales: 5, marketing: 2 }, closed)).toEqual({
      groups: ["everyone"],
      perStatement: false,
      withheld: ["side-too-small"],
    });
  });

  it("shows nothing when Everyone is below the minimum (1 + 1)", () => {
    expect(disclosure({ sales: 1, marketing: 1 }, closed)).toEqual({
      groups: [],
      perStatement: false,
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
  it("hands out sides only as a pair, and Everyone's ratings only with them", () => {
    const small = [...many(5, "sales", 4), ...many(2, "marketing", 2)];
    const d = discloseAnswers(small, closed);
    expect(d.sides).toBeUndefined();
    expect(d.everyone).toBeUndefined();
    expect(d.everyoneTotals).toEqual([80, 80, 80, 80, 80, 40, 40]);
    expect(d.counts).toEqual({ sales: 5, marketing: 2 });
    expect(withheldNotes(d, 3)).toEqual([
      "Per-side figures are withheld: each side needs at least 3 respondents (Sales n=5, Marketing n=2). Everyone is shown as its total only, without per-statement figures.",
    ]);

    const both = discloseAnswers(GAP_SET, closed);
    expect(both.sides?.sales).toHaveLength(3);
    expect(both.sides?.marketing).toHaveLength(3);
    expect(both.everyone).toHaveLength(6);
    expect(both.everyoneTotals).toEqual([80, 80, 76, 78, 75, 74]);
  });

  it("hands out nothing while the round is open", () => {
    const d = discloseAnswers(GAP_SET, { minGroup: 3, roundClosed: false });
    expect(d.sides).toBeUndefined();
    expect(d.everyone).toBeUndefined();
    expect(d.everyoneTotals).toBeUndefined();
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

  it("holds Everyone's total, and nothing per statement", () => {
    expect(report.levels.map((r) => r.group)).toEqual(["everyone"]);
    expect(report.levels[0]?.mean).toBeCloseTo(468 / 7, 12);
    expect(report.everyone).toBeUndefined();
    expect(report.advice?.actions.map((a) => a.kind)).toEqual([
      "level-move",
      "level-move",
      "level-move",
      "level-move",
      "level-move",
    ]);
    expect(report.advice?.message).toContain(LEVEL_ONLY_NOTE);
    // Neither round's answers carry pseudonyms, so who answered is unknown: no change is shown.
    expect(report.trend).toEqual({ groups: [], withheld: ["everyone"] });
  });

  it("holds no per-side figure anywhere (walking the whole model)", () => {
    expect(report.gap).toBeUndefined();
    expect(report.trend?.gaps).toBeUndefined();
    expect(sideTraces(report)).toEqual([]);
    const forbidden = [78, 39, 78 - 39, 4, 2, 1];
    expect(numbersIn(report).filter((n) => forbidden.includes(n.value))).toEqual([]);
    // And no text quotes them or hints at a gap (advice reasons and the like).
    const texts: string[] = [];
    walk(report, (_path, leaf) => {
      if (typeof leaf === "string") texts.push(leaf);
    });
    const quoting = /78\.0|39\.0|Sales rates|Marketing rates|(Sales|Marketing) \d|apart/;
    expect(texts.filter((text) => quoting.test(text))).toEqual([]);
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
      expect(key).not.toBe("respondent");
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

  it("shows own ratings beside Everyone's total only when a side is small", () => {
    const mirror = mirrorFor(own, answers, {
      instrument: DEFAULT_INSTRUMENT,
      minGroup: 3,
      roundClosed: true,
    });
    // (78 + 4 × 80 + 2 × 40) / 7 = 478 / 7.
    expect(mirror.groups.map((g) => [g.group, g.n, g.mean])).toEqual([["everyone", 7, 478 / 7]]);
    expect(mirror.rows.map((r) => r.means)).toEqual(Array(20).fill({}));
    expect(mirror.rows[6]?.own).toBe(2);
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

describe("a side withheld: Everyone cannot be differenced against an earlier round", () => {
  /*
   * Round 1: 5 Sales (rate every statement 4, #7 a 2) and 5 Marketing (all 3): both sides shown,
   * so Sales' per-statement means are published. Round 2: the same 5 Sales answer as before and
   * only 2 Marketing people answer. If round 2 showed Everyone's per-statement means, then
   * 7 × Everyone's mean − 5 × Sales' mean from round 1 would be the two Marketing people's summed
   * ratings, statement by statement (and each one's ratings when they agree).
   */
  const sales = named(
    Array.from({ length: 5 }, () => answer("sales", 4, { 7: 2 })),
    pseudonyms("s", 5),
  );
  const round1Answers = [...sales, ...named(many(5, "marketing", 3), pseudonyms("m", 5))];
  const options = {
    instrument: DEFAULT_INSTRUMENT,
    roundClosed: true,
    minGroup: 5,
    market: "shifting" as const,
  };
  const round1 = analyzeRound({ ...options, answers: round1Answers });
  // Two versions of round 2's Marketing pair, with the same totals (40 each) but opposite ratings.
  const pairA = named(
    [answer("marketing", 2, { 3: 1, 7: 3 }), answer("marketing", 2, { 3: 1, 7: 3 })],
    ["n1", "n2"],
  );
  const pairB = named(
    [answer("marketing", 2, { 3: 3, 7: 1 }), answer("marketing", 2, { 3: 3, 7: 1 })],
    ["n1", "n2"],
  );
  const round2 = (pair: Answer[]) =>
    analyzeRound({
      ...options,
      answers: [...sales, ...pair],
      previous: { answers: round1Answers },
    });

  it("leaves nothing per statement to subtract from round 1's Sales means", () => {
    const salesThen = round1.gap?.statements.map((s) => s.sales) ?? [];
    expect(salesThen).toHaveLength(20);
    const report = round2(pairA);
    const everyoneNow = report.everyone?.statements.map((s) => s.mean) ?? [];
    const pairSums = everyoneNow.map((mean, i) => 7 * mean - 5 * (salesThen[i] ?? 0));
    expect(pairSums).toEqual([]);
    expect(report.everyone).toBeUndefined();
    expect(report.levels.map((r) => [r.group, r.n])).toEqual([["everyone", 7]]);
  });

  it("gives the same report whatever the pair rated, as long as their totals are the same", () => {
    const a = round2(pairA);
    expect(a).toEqual(round2(pairB));
    // And so nothing chosen per statement: the advice follows from the level alone.
    expect(a.advice?.actions.map((action) => action.id)).toEqual(["stay"]);
    expect(a.advice?.message).toBe(
      `Your combined level is Aligned, the level a shifting market calls for: staying put is the right call. ${LEVEL_ONLY_NOTE}`,
    );
  });

  it("gives the same personal mirror too, with no group's statement means", () => {
    const own = sales[0] as Answer;
    const mirror = (pair: Answer[]) =>
      mirrorFor(own, [...sales, ...pair], {
        instrument: DEFAULT_INSTRUMENT,
        minGroup: 5,
        roundClosed: true,
      });
    const a = mirror(pairA);
    expect(a).toEqual(mirror(pairB));
    expect(a.rows.filter((r) => Object.keys(r.means).length > 0)).toEqual([]);
    // (5 × 78 + 2 × 40) / 7 = 470 / 7.
    expect(a.groups.map((g) => [g.group, g.n, g.mean])).toEqual([["everyone", 7, 470 / 7]]);
  });
});

describe("respondentsAllowChange: who answered decides whether a change may be shown", () => {
  const round = (names: string[]) => named(many(names.length, "sales", 3), names);
  const ten = pseudonyms("p", 10);

  it("allows the same people, in any order", () => {
    expect(respondentsAllowChange(round(ten), round([...ten].reverse()), 5)).toBe(true);
  });

  it("refuses sets that differ by 1 to 4 people, allows 5 or more (minimum 5)", () => {
    const differing = (joined: number, left: number) =>
      round([...ten.slice(left), ...pseudonyms("new", joined)]);
    expect(respondentsAllowChange(round(ten), differing(1, 0), 5)).toBe(false);
    expect(respondentsAllowChange(round(ten), differing(0, 1), 5)).toBe(false);
    expect(respondentsAllowChange(round(ten), differing(2, 2), 5)).toBe(false);
    expect(respondentsAllowChange(round(ten), differing(4, 0), 5)).toBe(false);
    expect(respondentsAllowChange(round(ten), differing(3, 2), 5)).toBe(true);
    expect(respondentsAllowChange(round(ten), differing(5, 0), 5)).toBe(true);
    expect(respondentsAllowChange(round(ten), differing(10, 10), 5)).toBe(true);
  });

  it("never goes below the floor of 3", () => {
    expect(respondentsAllowChange(round(ten), round(ten.slice(2)), 1)).toBe(false);
    expect(respondentsAllowChange(round(ten), round(ten.slice(3)), 1)).toBe(true);
  });

  it("refuses when a pseudonym is unknown on either side, or given twice in a round", () => {
    const unknown = [...round(ten.slice(1)), answer("sales", 3)];
    expect(respondentsAllowChange(round(ten), unknown, 5)).toBe(false);
    expect(respondentsAllowChange(unknown, round(ten), 5)).toBe(false);
    expect(respondentsAllowChange(many(10, "sales", 3), many(10, "sales", 3), 5)).toBe(false);
    const twice = round([...ten.slice(1), "p2"]);
    expect(respondentsAllowChange(twice, twice, 5)).toBe(false);
  });
});

describe("discloseChange: which groups' change may be shown", () => {
  const side = (s: Answer["side"], names: string[]) => named(many(names.length, s, 3), names);
  const options = { minGroup: 5, roundClosed: true };

  it("shows every group answered by the same people", () => {
    const round = [...side("sales", pseudonyms("s", 5)), ...side("marketing", pseudonyms("m", 5))];
    const change = discloseChange(round, round, options);
    expect(change.disclosure).toEqual({ groups: ["sales", "marketing", "everyone"], withheld: [] });
    // Tallies of totals (cell k: total 20 + k): five people at 60 in both rounds.
    const fiveAt60 = new Array<number>(81).fill(0);
    fiveAt60[40] = 5;
    expect(change.totals.sales).toEqual({ previous: fiveAt60, current: fiveAt60 });
    expect(change.sides?.current.marketing.n).toBe(5);
  });

  it("withholds the sides with Everyone: their changes add up to Everyone's", () => {
    /*
     * Four people switch from Marketing to Sales and each side gains one newcomer. Each side then
     * differs by 5 people, but Everyone only by the 2 newcomers, and Sales' sum plus Marketing's
     * sum is Everyone's sum in both rounds: the two side trends would give the newcomers' sum.
     */
    const before = [...side("sales", pseudonyms("s", 5)), ...side("marketing", pseudonyms("m", 9))];
    const now = [
      ...side("sales", [...pseudonyms("s", 5), ...pseudonyms("m", 4), "new1"]),
      ...side("marketing", [...pseudonyms("m", 5, 5), "new2"]),
    ];
    expect(respondentsAllowChange(before.slice(0, 5), now.slice(0, 10), 5)).toBe(true);
    expect(respondentsAllowChange(before.slice(5), now.slice(10), 5)).toBe(true);
    const change = discloseChange(before, now, options);
    expect(change.disclosure).toEqual({
      groups: [],
      withheld: ["sales", "marketing", "everyone"],
    });
    expect(change.totals).toEqual({});
    expect(change.sides).toBeUndefined();
  });

  it("shows Everyone alone when only the sides' sets differ by too few", () => {
    // One person switches side: each side differs by 1, Everyone is the same people.
    const before = [...side("sales", pseudonyms("s", 6)), ...side("marketing", pseudonyms("m", 5))];
    const now = [
      ...side("sales", pseudonyms("s", 5)),
      ...side("marketing", [...pseudonyms("m", 5), "s6"]),
    ];
    const change = discloseChange(before, now, options);
    expect(change.disclosure).toEqual({ groups: ["everyone"], withheld: ["sales", "marketing"] });
    expect(Object.keys(change.totals)).toEqual(["everyone"]);
    expect(change.sides).toBeUndefined();
    expect(changeWithheldNote(change.disclosure, 5)).toBe(
      "The change since the previous round is not shown for Sales and Marketing: it is shown only when a group was answered by the same people both times, or by people who differ by at least 5.",
    );
  });

  it("shows nothing while the current round is open", () => {
    const round = [...side("sales", pseudonyms("s", 5)), ...side("marketing", pseudonyms("m", 5))];
    const change = discloseChange(round, round, { minGroup: 5, roundClosed: false });
    expect(change.disclosure).toEqual({ groups: [], withheld: [] });
    expect(changeWithheldNote(change.disclosure, 5)).toBeUndefined();
  });
});

describe("changePermissions: who answered, for every group at once", () => {
  const round = (sales: string[], marketing: string[]) =>
    countAnswers(
      [
        ...named(many(sales.length, "sales", 3), sales),
        ...named(many(marketing.length, "marketing", 3), marketing),
      ],
      20,
    );

  it("agrees with respondentsAllowChange group by group, in one go and in slices", async () => {
    const cases: [string[], string[], string[], string[]][] = [
      [pseudonyms("s", 5), pseudonyms("m", 5), pseudonyms("s", 5), pseudonyms("m", 5)],
      // One person switches side: each side differs by 1, Everyone not at all.
      [pseudonyms("s", 6), pseudonyms("m", 5), pseudonyms("s", 5), [...pseudonyms("m", 5), "s6"]],
      // Five newcomers on each side.
      [pseudonyms("s", 5), pseudonyms("m", 5), pseudonyms("s", 5, 6), pseudonyms("m", 5, 6)],
      // Two newcomers: too few.
      [
        pseudonyms("s", 5),
        pseudonyms("m", 5),
        [...pseudonyms("s", 5), "n1"],
        [...pseudonyms("m", 5), "n2"],
      ],
    ];
    for (const [ps, pm, cs, cm] of cases) {
      const before = round(ps, pm);
      const now = round(cs, cm);
      const answersOf = (keys: string[], side: Answer["side"]) =>
        named(many(keys.length, side, 3), keys);
      const expected = {
        everyone: respondentsAllowChange(
          [...answersOf(ps, "sales"), ...answersOf(pm, "marketing")],
          [...answersOf(cs, "sales"), ...answersOf(cm, "marketing")],
          5,
        ),
        sales: respondentsAllowChange(answersOf(ps, "sales"), answersOf(cs, "sales"), 5),
        marketing: respondentsAllowChange(
          answersOf(pm, "marketing"),
          answersOf(cm, "marketing"),
          5,
        ),
      };
      expect(changePermissions(before, now, 5)).toEqual(expected);
    }
  });

  it("allows nothing when a pseudonym appears twice in a round or one is unknown", async () => {
    const twice = round([...pseudonyms("s", 4), "s1"], pseudonyms("m", 5));
    const fine = round(pseudonyms("s", 5), pseudonyms("m", 5));
    const none = { everyone: false, sales: false, marketing: false };
    expect(changePermissions(twice, twice, 5)).toEqual(none);
    // Someone on both sides at once is twice in Everyone.
    const both = round(pseudonyms("s", 5), [...pseudonyms("m", 4), "s1"]);
    expect(changePermissions(both, both, 5)).toEqual(none);
    const unknown = countAnswers([...many(5, "sales", 3), ...many(5, "marketing", 3)], 20);
    expect(changePermissions(unknown, fine, 5)).toEqual(none);
  });
});
