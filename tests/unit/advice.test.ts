import { describe, expect, it } from "vitest";
import {
  type AdviceInput,
  genericStatementAction,
  LEVEL_MOVES,
  LEVEL_ONLY_NOTE,
  MAX_ACTIONS,
  STATEMENT_ACTIONS,
  STEP_NOTES,
  statementAction,
  suggestActions,
  TARGET_LEVEL,
  UNDEFINED_CAVEAT,
} from "../../src/survey/advice.js";
import type { StatementMean } from "../../src/survey/gap.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import type { Level, Market } from "../../src/survey/types.js";
import { sentenceCount } from "./helpers.js";

/** Everyone's statement means: 3.5 everywhere (not weak) except the overrides (by number). */
function means(
  overrides: Record<number, number> = {},
  ids?: (n: number) => string,
): StatementMean[] {
  return DEFAULT_INSTRUMENT.statements.map((s, index) => ({
    index,
    number: index + 1,
    id: ids ? ids(index + 1) : s.id,
    theme: ids ? `Theme ${index + 1}` : s.theme,
    mean: overrides[index + 1] ?? 3.5,
  }));
}

function input(level: Level, market: Market, extra: Partial<AdviceInput> = {}): AdviceInput {
  return { level, market, statements: means(), ...extra };
}

describe("the target level per market", () => {
  it("stable → Defined, shifting → Aligned, complex → Integrated", () => {
    expect(TARGET_LEVEL).toEqual({
      stable: "Defined",
      shifting: "Aligned",
      complex: "Integrated",
    });
  });
});

describe("advice for each level × market (no weak statements, so level moves rank in listed order)", () => {
  const undefinedMoves = [
    "move:rules-of-engagement",
    "move:define-lead",
    "move:set-expectations",
    "move:joint-events",
  ];
  const definedMoves = [
    "move:meeting-rhythm",
    "move:joint-assignments",
    "move:marketing-liaison",
    "move:co-location",
    "move:easy-feedback",
  ];
  const alignedMoves = [
    "move:revenue-leader",
    "move:joint-funnel",
    "move:split-marketing",
    "move:shared-rewards",
    "move:integrated-metrics",
  ];
  it.each<[Level, Market, "below" | "at" | "above", string[]]>([
    ["Undefined", "stable", "below", undefinedMoves],
    ["Undefined", "shifting", "below", undefinedMoves],
    ["Undefined", "complex", "below", undefinedMoves],
    ["Defined", "stable", "at", ["stay"]],
    ["Defined", "shifting", "below", definedMoves],
    ["Defined", "complex", "below", definedMoves],
    ["Aligned", "stable", "above", ["stay"]],
    ["Aligned", "shifting", "at", ["stay"]],
    ["Aligned", "complex", "below", alignedMoves],
    ["Integrated", "stable", "above", ["stay"]],
    ["Integrated", "shifting", "above", ["stay"]],
    ["Integrated", "complex", "at", ["stay"]],
  ])("%s in a %s market: %s target", (level, market, position, ids) => {
    const advice = suggestActions(input(level, market));
    expect(advice.position).toBe(position);
    expect(advice.atTarget).toBe(position !== "below");
    expect(advice.targetLevel).toBe(TARGET_LEVEL[market]);
    expect(advice.actions.map((a) => a.id)).toEqual(ids);
    expect(advice.actions.length).toBeLessThanOrEqual(MAX_ACTIONS);
    if (level === "Undefined") {
      expect(advice.caveat).toBe(UNDEFINED_CAVEAT);
      expect(advice.message).toContain(UNDEFINED_CAVEAT);
    } else {
      expect(advice.caveat).toBeUndefined();
    }
    if (position === "below") {
      expect(advice.message).toContain(STEP_NOTES[level as "Undefined" | "Defined" | "Aligned"]);
      expect(advice.actions.every((a) => a.reason === `Your combined level is ${level}`)).toBe(
        true,
      );
    } else {
      expect(advice.message).toContain("staying put is the right call");
      expect(advice.actions[0]?.kind).toBe("stay");
    }
  });

  it("words the messages exactly", () => {
    expect(suggestActions(input("Undefined", "complex")).message).toBe(
      "Your combined level is Undefined. In a complex market Integrated is worth aiming for, so the actions below work on the next step, Defined, on the way to Integrated. Only act if conflicts between the teams keep coming back: a small company whose people get on well informally is better left alone.",
    );
    expect(suggestActions(input("Defined", "shifting")).message).toBe(
      "Your combined level is Defined. In a shifting market Aligned is worth aiming for, so the actions below work on the next step, Aligned. Moving to Aligned pays off when your market is commoditising or customers expect offers tailored to them.",
    );
    expect(suggestActions(input("Defined", "stable")).message).toBe(
      "Your combined level is Defined, the level a stable market calls for: staying put is the right call. Nothing stands out as weak or disputed, so keep doing what works. In a stable market where people already get on well informally, leave well alone.",
    );
    expect(suggestActions(input("Integrated", "shifting")).message).toBe(
      "Your combined level is Integrated, above the Aligned a shifting market calls for: staying put is the right call, with no need to invest in climbing further. Nothing stands out as weak or disputed, so keep doing what works.",
    );
    expect(suggestActions(input("Aligned", "shifting")).actions[0]).toEqual({
      id: "stay",
      kind: "stay",
      trigger: "at-target",
      title: "Stay at Aligned",
      detail:
        "Your level suits your market, so protect the habits that got you here rather than reorganising. Run the diagnostic again in a few months to catch any slide.",
      reason: "Your combined level is Aligned; a shifting market calls for Aligned",
      origin: "article",
      originNote: "The article's advice: not every company should move up a level",
    });
  });
});

describe("at target, the advice works on weak statements instead of a level", () => {
  it("stays, then lists up to four weak statements, weakest first", () => {
    // Five weak statements; shortfalls 4 − mean: #2 2.0, #10 1.5, #4 1.2, #7 1.2 (tie: 4 first),
    // #19 1.1 (#20, 2.95, is shown as 3.0 and so not weak). Only four fit after "stay".
    const advice = suggestActions(
      input("Aligned", "shifting", {
        statements: means({ 2: 2.0, 10: 2.5, 4: 2.8, 7: 2.8, 19: 2.9, 20: 2.95 }),
      }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual([
      "stay",
      "statement:no-blame-game",
      "statement:little-firefighting",
      "statement:sales-shapes-plan",
      "statement:common-language",
    ]);
    expect(advice.actions[1]).toEqual({
      id: "statement:no-blame-game",
      kind: "statement",
      trigger: "weak-statement",
      title: STATEMENT_ACTIONS["no-blame-game"]?.title,
      detail: STATEMENT_ACTIONS["no-blame-game"]?.detail,
      reason: "Everyone rates 'No blame game' 2.0 of 5",
      statementId: "no-blame-game",
      origin: "truce",
      originNote: "Truce's own suggestion, for a weak statement",
    });
    expect(advice.message).toContain(
      "The actions below work on weak or disputed statements rather than pushing up a level.",
    );
  });

  it("treats a mean of exactly 3.0 as not weak", () => {
    const advice = suggestActions(input("Aligned", "shifting", { statements: means({ 5: 3.0 }) }));
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
  });

  it("never calls a mean shown as 3.0 weak: 2.96 is not, 2.94 (shown 2.9) is", () => {
    const shownAsThree = suggestActions(
      input("Aligned", "shifting", { statements: means({ 5: 2.96 }) }),
    );
    expect(shownAsThree.actions.map((a) => a.id)).toEqual(["stay"]);
    const below = suggestActions(input("Aligned", "shifting", { statements: means({ 5: 2.94 }) }));
    expect(below.actions.map((a) => a.id)).toEqual(["stay", "statement:useful-collateral"]);
    expect(below.actions[1]?.reason).toBe("Everyone rates 'Useful collateral' 2.9 of 5");
  });
});

describe("below target, moves are ranked by the weakness of the statements they work on", () => {
  it("Undefined with weak 'Common language' and 'Little firefighting'", () => {
    // Mean shortfall from 4 of each move's statements (others at 3.5 → 0.5):
    //   define-lead [#7 2.0 → 2.0] = 2.0
    //   rules-of-engagement [#10 2.5 → 1.5, #2 → 0.5] = 1.0
    //   joint-events [#19 2.8 → 1.2, #3 → 0.5] = 0.85
    //   set-expectations [#6 0.5, #5 0.5, #10 1.5] = 0.833
    // Two moves first; define-lead covers common-language, so the three statement slots go to
    // #10 (1.5), #19 (1.2) and #4 (1.1).
    const advice = suggestActions(
      input("Undefined", "shifting", { statements: means({ 7: 2.0, 10: 2.5, 19: 2.8, 4: 2.9 }) }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual([
      "move:define-lead",
      "move:rules-of-engagement",
      "statement:little-firefighting",
      "statement:joint-training",
      "statement:sales-shapes-plan",
    ]);
    expect(advice.actions.map((a) => a.originNote)).toEqual([
      "The article's move from Undefined to Defined",
      "The article's move from Undefined to Defined",
      "Truce's own suggestion, for a weak statement",
      "Truce's own suggestion, for a weak statement",
      "Truce's own suggestion, for a weak statement",
    ]);
    expect(advice.actions[0]?.reason).toBe(
      "Your combined level is Undefined; Everyone rates 'Common language' 2.0 of 5",
    );
    expect(advice.actions[2]?.reason).toBe("Everyone rates 'Little firefighting' 2.5 of 5");
  });
});

describe("a move that repeats a listed statement action is skipped", () => {
  it("Aligned: embed-marketers is passed over once 'Marketing in key accounts' is listed", () => {
    // Mean shortfalls from 4 (others at 3.5 → 0.5):
    //   revenue-leader [#17 1.0 → 3] = 3; joint-funnel [#14 1.0 → 3, #15 0.5, #9 0.5] = 4/3;
    //   split-marketing [#8 3.0 → 1, #11 0.5] = 0.75; embed-marketers [#13 2.9 → 1.1, #3 4 → 0]
    //   = 0.55; shared-rewards 0.5 and integrated-metrics 0.5 (tie: listed order).
    // Weak: #17 and #14 (covered by the first two moves) and #13, which takes the third slot; then
    // split-marketing, and next would be embed-marketers, but that is the #13 action again, so
    // shared-rewards.
    const advice = suggestActions(
      input("Aligned", "complex", { statements: means({ 17: 1, 14: 1, 8: 3, 13: 2.9, 3: 4 }) }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual([
      "move:revenue-leader",
      "move:joint-funnel",
      "statement:marketing-key-accounts",
      "move:split-marketing",
      "move:shared-rewards",
    ]);
  });
});

describe("disputed statements (only when the gaps are disclosed)", () => {
  const statements = means({ 12: 3.2 });
  const gaps = statements.map((s) => ({
    ...s,
    sales: s.number === 12 ? 4.0 : 3.5,
    marketing: s.number === 12 ? 2.4 : 3.5,
    gap: s.number === 12 ? 1.6 : 0,
    disputed: s.number === 12,
  }));

  it("acts on a wide gap even when the mean is not weak", () => {
    const advice = suggestActions(input("Aligned", "shifting", { statements, gaps }));
    expect(advice.actions.map((a) => a.id)).toEqual(["stay", "statement:shared-metrics"]);
    expect(advice.actions[1]?.trigger).toBe("disputed-statement");
    expect(advice.actions[1]?.reason).toBe(
      "Sales and Marketing clearly differ on 'Shared success metrics': Sales rates it 1.6 points higher (Sales 4.0, Marketing 2.4)",
    );
    expect(advice.actions[1]?.originNote).toBe(
      "Truce's own suggestion, for a statement the sides dispute",
    );
    expect(advice.actions[1]?.detail).toBe(
      `Start by hearing why each side rates this as it does. ${STATEMENT_ACTIONS["shared-metrics"]?.detail}`,
    );
  });

  it("a wide gap the data cannot tell from chance is no dispute and drives no action", () => {
    const undecided = gaps.map((g) => ({ ...g, disputed: false }));
    const advice = suggestActions(input("Aligned", "shifting", { statements, gaps: undecided }));
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
  });

  it("without the gaps (a side too small) the same round suggests nothing about it", () => {
    const advice = suggestActions(input("Aligned", "shifting", { statements }));
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
  });
});

describe("advice from the level alone (per-statement figures withheld)", () => {
  it("below target: the step's moves in their listed order, and says why", () => {
    const advice = suggestActions({ market: "complex", level: "Aligned" });
    expect(advice.actions.map((a) => a.id)).toEqual([
      "move:revenue-leader",
      "move:joint-funnel",
      "move:split-marketing",
      "move:shared-rewards",
      "move:integrated-metrics",
    ]);
    expect(advice.actions.map((a) => a.reason)).toEqual(
      Array(5).fill("Your combined level is Aligned"),
    );
    expect(advice.message).toBe(
      `Your combined level is Aligned. In a complex market Integrated is worth aiming for, so the actions below work on the next step, Integrated. ${LEVEL_ONLY_NOTE} ${STEP_NOTES.Aligned}`,
    );
  });

  it("at target: stay, without claiming that nothing is weak", () => {
    const advice = suggestActions({ market: "shifting", level: "Aligned" });
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
    expect(advice.message).toBe(
      `Your combined level is Aligned, the level a shifting market calls for: staying put is the right call. ${LEVEL_ONLY_NOTE}`,
    );
  });

  it("ignores gaps handed over without the statements", () => {
    const statements = means({ 12: 1 });
    const gaps = statements.map((s) => ({ ...s, sales: 4, marketing: 1, gap: 3, disputed: true }));
    const advice = suggestActions({ market: "shifting", level: "Aligned", gaps });
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
  });
});

describe("an organisation's own wording", () => {
  it("falls back to a generic action built from the theme", () => {
    const statements = means({ 5: 2.2 }, (n) => `q${n}`);
    const advice = suggestActions(input("Aligned", "shifting", { statements }));
    expect(advice.actions[1]).toEqual({
      id: "statement:q5",
      kind: "statement",
      trigger: "weak-statement",
      title: "Work on 'Theme 5' together",
      detail:
        "Put 'Theme 5' on the agenda of the next joint meeting: ask each side what good would look like, agree one concrete change with an owner, and check at the next round whether it moved.",
      reason: "Everyone rates 'Theme 5' 2.2 of 5",
      statementId: "q5",
      origin: "truce",
      originNote: "Truce's own suggestion, for a weak statement",
    });
    // Level moves still work (no statement matches their links, so they keep the listed order).
    const below = suggestActions(input("Defined", "shifting", { statements }));
    expect(below.actions.slice(0, 3).map((a) => a.id)).toEqual([
      "move:meeting-rhythm",
      "move:joint-assignments",
      "statement:q5",
    ]);
    expect(below.actions[3]?.id).toBe("move:marketing-liaison");
  });

  it("does not mistake an inherited property name for a statement id", () => {
    expect(statementAction({ id: "constructor", theme: "Odd" })).toEqual(
      genericStatementAction("Odd"),
    );
  });
});

describe("the advice texts", () => {
  const ids = DEFAULT_INSTRUMENT.statements.map((s) => s.id);

  it("has a targeted action for every one of the 20 statements, and no other", () => {
    expect(Object.keys(STATEMENT_ACTIONS).sort()).toEqual([...ids].sort());
  });

  it("links level moves only to real statement ids", () => {
    for (const move of Object.values(LEVEL_MOVES).flat()) {
      for (const id of move.links) expect(ids).toContain(id);
      if (move.covers !== undefined) expect(move.links).toContain(move.covers);
    }
  });

  it("keeps every detail to 1–3 sentences, even with the disputed-statement opener", () => {
    const details = [
      ...Object.values(STATEMENT_ACTIONS).map((a) => a.detail),
      ...Object.values(STATEMENT_ACTIONS).map(
        (a) => `Start by hearing why each side rates this as it does. ${a.detail}`,
      ),
      ...Object.values(LEVEL_MOVES)
        .flat()
        .map((m) => m.detail),
      genericStatementAction("Anything").detail,
    ];
    for (const detail of details) {
      expect(sentenceCount(detail), detail).toBeGreaterThanOrEqual(1);
      expect(sentenceCount(detail), detail).toBeLessThanOrEqual(3);
      expect(detail.endsWith("."), detail).toBe(true);
    }
  });

  it("suggests the shared definitions of lead, MQL and SQL for a weak 'Common language'", () => {
    expect(STATEMENT_ACTIONS["common-language"]?.detail).toMatch(/lead.*\(MQL\).*\(SQL\)/);
    expect(STATEMENT_ACTIONS["shared-metrics"]?.title).toBe("Commit to one shared number");
  });

  it("never repeats a statement's own wording as its advice", () => {
    for (const s of DEFAULT_INSTRUMENT.statements) {
      expect(STATEMENT_ACTIONS[s.id]?.detail).not.toContain(s.text.replace(/\.$/, ""));
    }
  });
});

describe("commitments: what is in hand is not suggested again, and what was done is said", () => {
  const ref = (actionId: string, statementIds: string[], extra: { doneAt?: number } = {}) => ({
    actionId,
    title: `Commitment for ${actionId}`,
    dueDate: "2026-12-18",
    statementIds,
    ...extra,
  });

  it("below target, an open move is left out and the next move takes its place", () => {
    const open = ref("move:rules-of-engagement", ["little-firefighting", "no-blame-game"]);
    const advice = suggestActions(
      input("Undefined", "shifting", {
        commitments: { open: [open], adoptedHere: [], done: [] },
      }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual([
      "move:define-lead",
      "move:set-expectations",
      "move:joint-events",
    ]);
    expect(advice.inHand).toEqual([open]);
    expect(advice.done).toBeUndefined();
  });

  it("a statement in an open commitment is not suggested again, even through its own action", () => {
    // Weak: #2 no-blame-game (2.0) and #10 little-firefighting (2.5); the open level move aims
    // at both, so neither statement action is offered, and the stay-at-target advice says why.
    const open = ref("move:rules-of-engagement", ["little-firefighting", "no-blame-game"]);
    const advice = suggestActions(
      input("Aligned", "shifting", {
        statements: means({ 2: 2.0, 10: 2.5 }),
        commitments: { open: [open], adoptedHere: [], done: [] },
      }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual(["stay"]);
    expect(advice.message).toContain(
      "What stands out as weak or disputed is already in hand, so see it through and keep doing what works.",
    );
  });

  it("an action adopted from this round is not offered again even when done", () => {
    const advice = suggestActions(
      input("Undefined", "shifting", {
        commitments: { open: [], adoptedHere: ["move:define-lead"], done: [] },
      }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual([
      "move:rules-of-engagement",
      "move:set-expectations",
      "move:joint-events",
    ]);
    expect(advice.inHand).toBeUndefined();
  });

  it("an action done since the last round and suggested again says it was done", () => {
    const done = ref("statement:no-blame-game", ["no-blame-game"], { doneAt: 1_000 });
    const advice = suggestActions(
      input("Aligned", "shifting", {
        statements: means({ 2: 2.0 }),
        commitments: { open: [], adoptedHere: [], done: [done] },
      }),
    );
    expect(advice.actions.map((a) => a.id)).toEqual(["stay", "statement:no-blame-game"]);
    expect(advice.actions[1]?.reason).toBe(
      "Everyone rates 'No blame game' 2.0 of 5; 'Commitment for statement:no-blame-game' was done since the last round, and this still stands out",
    );
    expect(advice.done).toEqual([done]);
  });
});
