import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound, mirrorFor } from "../../src/survey/report.js";
import { mirrorMessage } from "../../src/views/mirror.js";
import {
  channelSummaryMessage,
  fullReportModal,
  higherShort,
  leaderReportMessage,
  reportMessage,
  whoRatesHigher,
} from "../../src/views/report.js";
import { answer, many } from "./helpers.js";

/** The mrkdwn and plain text a reader sees in a list of blocks, one entry per text object. */
function texts(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      if ((obj.type === "mrkdwn" || obj.type === "plain_text") && typeof obj.text === "string") {
        out.push(obj.text);
      }
      for (const value of Object.values(obj)) visit(value);
    }
  };
  visit(blocks);
  return out;
}

describe("the mirror view", () => {
  it("shows only the person's own ratings and Everyone's total when a side is withheld", () => {
    const own = answer("sales", 4, { 1: 5 });
    const mirror = mirrorFor(own, [own, ...many(4, "sales", 4), ...many(2, "marketing", 2)], {
      instrument: DEFAULT_INSTRUMENT,
      minGroup: 5,
      roundClosed: true,
    });
    const shown = texts(mirrorMessage(mirror).blocks);
    // Everyone: (81 + 4 × 80 + 2 × 40) / 7 = 481 / 7 = 68.71.
    expect(shown.slice(0, 3)).toEqual([
      "Your answers beside the teams'",
      "Your total: *81* (Integrated). Only you can see this message.",
      "Everyone n=7 · 68.7 · Aligned",
    ]);
    const table = (shown[3] ?? "").split("\n");
    expect(table.slice(0, 3)).toEqual([
      "*Statement — you*",
      "1. Forecast accuracy — *5*",
      "2. No blame game — *4*",
    ]);
  });

  it("shows every group's means beside the person's own when both sides are shown", () => {
    const own = answer("sales", 5);
    const mirror = mirrorFor(own, [own, ...many(4, "sales", 3), ...many(5, "marketing", 2)], {
      instrument: DEFAULT_INSTRUMENT,
      minGroup: 5,
      roundClosed: true,
    });
    const shown = texts(mirrorMessage(mirror).blocks);
    expect(shown[2]).toBe(
      "Sales n=5 · 68.0 · Aligned\nMarketing n=5 · 40.0 · Defined\nEveryone n=10 · 54.0 · Defined",
    );
    // Statement 1: own 5; Sales (5 + 4 × 3) / 5 = 3.4; Marketing 2.0; Everyone 2.7.
    expect((shown[3] ?? "").split("\n").slice(0, 2)).toEqual([
      "*Statement — you / Sales / Marketing / Everyone*",
      "1. Forecast accuracy — *5* / 3.4 / 2.0 / 2.7",
    ]);
  });
});

describe("the report view", () => {
  const closedAt = Date.UTC(2026, 10, 30);
  // Five a side; statement 5 rated 4 by Sales and 1 by Marketing: the widest gap.
  const report = analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers: [
      ...Array.from({ length: 5 }, () => answer("sales", 3, { 5: 4 })),
      ...Array.from({ length: 5 }, () => answer("marketing", 3, { 5: 1 })),
    ],
    roundClosed: true,
    minGroup: 5,
    market: "shifting",
  });

  it("gives a p-value that rounds to 0.050 but is significant as p < 0.05", () => {
    const five = report.gap?.widest[0];
    if (!five) throw new Error("fixture: statement 5 is the widest gap");
    five.significance = {
      test: "mann-whitney-u",
      method: "exact",
      pValue: 0.0495,
      significant: true,
    };
    const lines = texts(reportMessage({ closed: { closedAt, report }, open: undefined }).blocks)
      .flatMap((t) => t.split("\n"))
      .filter((line) => line.startsWith("*5. Useful collateral*"));
    expect(lines).toEqual([
      // Neither side varies (all 4 against all 1), so the interval is the gap itself.
      "*5. Useful collateral* — Sales 4.0 · Marketing 1.0: Sales rates it 3.0 higher · 95 % CI +3.0 to +3.0 · significant (p < 0.05)",
    ]);
  });

  it("shows the overall gap of the totals with its interval and test", () => {
    const shown = texts(reportMessage({ closed: { closedAt, report }, open: undefined }).blocks);
    // Totals: Sales five at 61, Marketing five at 58 (3 × 19 + 1): no spread on either side.
    expect(shown).toContain(
      "Overall (total score, 20–100): Sales 61.0 · Marketing 58.0 · gap +3.0 (95 % CI +3.0 to +3.0) · significant (p = 0.0040)",
    );
  });

  it("shows no strongest or weakest statements while a side is withheld", () => {
    const small = analyzeRound({
      instrument: DEFAULT_INSTRUMENT,
      answers: [...many(5, "sales", 4), ...many(2, "marketing", 2)],
      roundClosed: true,
      minGroup: 5,
      market: "shifting",
    });
    const shown = texts(
      reportMessage({ closed: { closedAt, report: small }, open: undefined }).blocks,
    );
    expect(shown.filter((t) => /Strongest|Weakest|Every statement/.test(t))).toEqual([]);
    expect(shown).toContain(
      "Per-side figures are withheld: each side needs at least 5 respondents (Sales n=5, Marketing n=2). Everyone is shown as its total only, without per-statement figures.",
    );
  });
});

describe("plain, labelled results", () => {
  const closedAt = Date.UTC(2026, 10, 30);
  const analyze = (
    answers: Parameters<typeof analyzeRound>[0]["answers"],
    previous?: typeof answers,
  ) =>
    analyzeRound({
      instrument: DEFAULT_INSTRUMENT,
      answers,
      roundClosed: true,
      minGroup: 5,
      market: "shifting",
      ...(previous ? { previous: { answers: previous } } : {}),
    });
  const named = (answers: ReturnType<typeof answer>[]) =>
    answers.map((a, i) => ({ ...a, respondent: `p${i}` }));

  it("says who rates a statement higher", () => {
    expect(whoRatesHigher(1.25)).toBe("Sales rates it 1.3 higher");
    expect(whoRatesHigher(-0.4)).toBe("Marketing rates it 0.4 higher");
    expect(whoRatesHigher(0.04)).toBe("both rate it the same");
    expect(higherShort(-2)).toBe("Marketing +2.0");
    expect(higherShort(0)).toBe("same");
  });

  it("marks a strongest or weakest statement the sides dispute", () => {
    // Statement 1: Sales 5, Marketing 3 → Everyone 4.0, the strongest, but 2.0 apart.
    const report = analyze([
      ...Array.from({ length: 5 }, () => answer("sales", 3, { 1: 5 })),
      ...Array.from({ length: 5 }, () => answer("marketing", 3, { 1: 3 })),
    ]);
    const shown = texts(reportMessage({ closed: { closedAt, report }, open: undefined }).blocks);
    const strongest = shown.find((t) => t.startsWith("*Strongest, for everyone*"));
    expect(strongest?.split("\n")[1]).toBe(
      "1. Forecast accuracy (4.0) — _disputed: Sales rates it 2.0 higher_",
    );
    expect(strongest?.split("\n")[2]).toBe("2. No blame game (3.0)");
  });

  it("puts the change since the last round right after the levels, with its scales named", () => {
    const before = named([...many(5, "sales", 3), ...many(5, "marketing", 2)]);
    const now = named([
      ...Array.from({ length: 5 }, () => answer("sales", 3, { 1: 5 })),
      ...many(5, "marketing", 2),
    ]);
    const report = analyze(now, before);
    for (const message of [
      reportMessage({ closed: { closedAt, report }, open: undefined }),
      channelSummaryMessage({ closedAt, report }),
      leaderReportMessage({ closedAt, report }, 7),
    ]) {
      const shown = texts(message.blocks);
      const levels = shown.findIndex((t) => t.startsWith("*Levels* (mean score, 20–100)"));
      const since = shown.findIndex((t) => t.startsWith("*Since the previous round*"));
      expect(levels).toBeGreaterThan(0);
      // Levels and their descriptions, then the change, before any gap or action.
      const gaps = shown.findIndex((t) => /How differently|Seen most differently/.test(t));
      expect(shown.slice(levels + 1, since).every((t) => t.startsWith("_"))).toBe(true);
      expect(since).toBeLessThan(gaps);
      expect(shown[since]).toContain(
        'gaps in ratings on the 1–5 scale, "Sales +1.0" meaning Sales rates it 1.0 higher',
      );
      expect(shown[since]).toContain(
        "Further apart: 1. Forecast accuracy (Sales +1.0 → Sales +3.0)",
      );
    }
  });

  it("gives the leader a short DM with a Full report button, the tables in the modal", () => {
    const report = analyze([
      ...Array.from({ length: 5 }, () => answer("sales", 3, { 5: 4 })),
      ...Array.from({ length: 5 }, () => answer("marketing", 3, { 5: 1 })),
    ]);
    const dm = leaderReportMessage({ closedAt, report }, 42);
    const button = dm.blocks.find((b) => b.type === "actions") as {
      elements: { action_id: string; value: string; text: { text: string } }[];
    };
    expect(button.elements[0]).toMatchObject({
      action_id: "open_full_report",
      value: "42",
      text: { text: "Full report" },
    });
    expect(texts(dm.blocks).some((t) => t.includes("Every statement"))).toBe(false);
    expect(texts(dm.blocks).join("\n")).not.toMatch(/p [=<] 0/);
    const modal = fullReportModal({ closedAt, report });
    expect(modal.title.text).toBe("Full report");
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    expect(texts(modal.blocks).some((t) => t.startsWith("*Every statement*"))).toBe(true);
  });
});
