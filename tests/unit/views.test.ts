import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound, mirrorFor } from "../../src/survey/report.js";
import { mirrorMessage } from "../../src/views/mirror.js";
import { reportMessage } from "../../src/views/report.js";
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
      "*5. Useful collateral* — Sales 4.0 · Marketing 1.0 · gap +3.0 (95 % CI +3.0 to +3.0) · significant (p < 0.05)",
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
