import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import { mannWhitneyTest } from "../../src/survey/significance.js";
import type { Answer } from "../../src/survey/types.js";
import { exportCsv, exportMessage } from "../../src/views/export.js";
import { answer, many } from "./helpers.js";

const closed = (answers: Answer[]) => ({
  closedAt: Date.UTC(2026, 10, 30),
  report: analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers,
    roundClosed: true,
    minGroup: 5,
    market: "shifting",
  }),
});

const rows = (csv: string | undefined) => (csv ?? "").trimEnd().split("\n");

describe("exportCsv", () => {
  it("exports group figures and per-statement means and gaps, to one decimal", () => {
    // Sales rate everything 4 (total 80), marketing 2 (total 40); everyone (5×4 + 5×2)/10 = 3.
    const csv = exportCsv(closed([...many(5, "sales", 4), ...many(5, "marketing", 2)]));
    expect(rows(csv.groups)).toEqual([
      "group,n,mean_total,level",
      "Sales,5,80.0,Integrated",
      "Marketing,5,40.0,Defined",
      "Everyone,10,60.0,Aligned",
    ]);
    const lines = rows(csv.statements);
    expect(lines[0]).toBe(
      "statement,theme,everyone_mean,sales_mean,marketing_mean,gap,gap_ci95_low,gap_ci95_high,cliffs_delta,p_value,seen_differently",
    );
    expect(lines).toHaveLength(21);
    // All-4 against all-2, five each: exactly one of the C(10, 5) = 252 splits puts every 4 on
    // Sales' side, so the exact one-sided p is 1/252 and the two-sided mid-p 2 · ½ · 1/252 =
    // 0.003968 → 0.0040. Neither side varies, so the interval is the gap itself; every Sales
    // rating is above every Marketing rating: Cliff's delta 1.
    expect(lines[1]).toBe("1,Forecast accuracy,3.0,4.0,2.0,2.0,2.0,2.0,1.00,0.0040,yes");
    expect(lines[14]).toBe("14,One shared funnel,3.0,4.0,2.0,2.0,2.0,2.0,1.00,0.0040,yes");
  });

  it("gives a negative gap with a plain minus a spreadsheet reads", () => {
    const csv = exportCsv(closed([...many(5, "sales", 2), ...many(5, "marketing", 3)]));
    expect(rows(csv.statements)[1]).toBe(
      "1,Forecast accuracy,2.5,2.0,3.0,-1.0,-1.0,-1.0,-1.00,0.0040,yes",
    );
  });

  it("exports the overall gap of the totals with its test and interval", () => {
    // Totals: Sales five at 40, Marketing five at 60; no spread, so the interval is −20 itself.
    const csv = exportCsv(closed([...many(5, "sales", 2), ...many(5, "marketing", 3)]));
    expect(rows(csv.overall)).toEqual([
      "sales_mean_total,marketing_mean_total,gap,gap_ci95_low,gap_ci95_high,cliffs_delta,p_value",
      "40.0,60.0,-20.0,-20.0,-20.0,-1.00,0.0040",
    ]);
  });

  it("leaves out every per-side column and every statement row when a side is below the minimum", () => {
    const csv = exportCsv(closed([...many(5, "sales", 4), ...many(2, "marketing", 2)]));
    expect(csv.groups).toBe("group,n,mean_total,level\nEveryone,7,68.6,Aligned\n");
    expect(csv.statements).toBeUndefined();
    expect(csv.overall).toBeUndefined();
  });

  it("says why the statement rows are missing", () => {
    const view = exportMessage(closed([...many(5, "sales", 4), ...many(2, "marketing", 2)]));
    expect(view.blocks.at(-1)).toEqual({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: "No statement rows: per-statement figures are withheld while a side is below the minimum group size.",
        },
      ],
    });
  });

  it("holds nothing that tells a small side's statement ratings apart (same totals → same export)", () => {
    // Two Marketing people with totals of 40 either way, rating #3 and #7 the opposite way round.
    const sales = many(5, "sales", 4);
    const a = exportCsv(
      closed([
        ...sales,
        answer("marketing", 2, { 3: 1, 7: 3 }),
        answer("marketing", 2, { 3: 1, 7: 3 }),
      ]),
    );
    const b = exportCsv(
      closed([
        ...sales,
        answer("marketing", 2, { 3: 3, 7: 1 }),
        answer("marketing", 2, { 3: 3, 7: 1 }),
      ]),
    );
    expect(a).toEqual(b);
  });
});

/** Every way five people can rate one statement (as a sorted list), 126 of them. */
function ratingSets(size: number, from = 1): number[][] {
  if (size === 0) return [[]];
  const out: number[][] = [];
  for (let r = from; r <= 5; r++)
    for (const rest of ratingSets(size - 1, r)) out.push([r, ...rest]);
  return out;
}

/** Whether a value fits a published cell: within half its last digit, or under a `<` bound. */
function fits(value: number, cell: string): boolean {
  if (cell.startsWith("<")) return value < Number(cell.slice(1));
  const decimals = cell.split(".")[1]?.length ?? 0;
  return Math.abs(value - Number(cell)) <= 0.5 * 10 ** -decimals + 1e-12;
}

describe("the export's precision does not pin a side's ratings", () => {
  /*
   * On statement 1 Sales rate 1, 1, 1, 2, 4 and Marketing 1, 2, 3, 4, 5 (exact mid-p 0.2143); every
   * other statement is rated 3. An attacker tries every pair of five-person rating sets, keeps
   * those that reproduce the exported cells (both means and the p-value) and looks at what is
   * left for Marketing. With four decimals (p = 0.2143) only the true set is left.
   * The interval and Cliff's delta narrow the sets further (here to the true one): they say how
   * spread each side's ratings are. That tells the group's mix of ratings, never who gave which.
   */
  const sales = [1, 1, 1, 2, 4].map((r) => answer("sales", 3, { 1: r }));
  const marketing = [1, 2, 3, 4, 5].map((r) => answer("marketing", 3, { 1: r }));
  const cells = rows(exportCsv(closed([...sales, ...marketing])).statements)[1]?.split(",") ?? [];

  it("exports one-decimal means, the interval rounded outwards, Cliff's delta and a two-significant-digit p-value", () => {
    // Welch: variances 1.7 and 2.5, se² = 0.34 + 0.5 = 0.84, df = 0.84² / (0.34²/4 + 0.5²/4) =
    // 7.72, so −1.2 ± t(0.975, 7.72) · √0.84 = −3.33 … +0.93 → −3.4 … +1.0 rounded outwards;
    // Cliff's delta: (pairs above 4 − pairs below 16) / 25 = −0.48.
    expect(cells).toEqual([
      "1",
      "Forecast accuracy",
      "2.4",
      "1.8",
      "3.0",
      "-1.2",
      "-3.4",
      "1.0",
      "-0.48",
      "0.21",
      "no",
    ]);
  });

  it("leaves four rating sets that Marketing might have given", () => {
    const [, , , salesMean, marketingMean, , , , , p] = cells as string[];
    const sum = (set: number[]) => set.reduce((a, b) => a + b, 0);
    const salesSets = ratingSets(5).filter((s) => fits(sum(s) / 5, salesMean as string));
    const marketingSets = ratingSets(5).filter((m) => fits(sum(m) / 5, marketingMean as string));
    const left = new Set<string>();
    for (const s of salesSets) {
      for (const m of marketingSets) {
        if (fits(mannWhitneyTest(s, m).pValue, p as string)) left.add(m.join(" "));
      }
    }
    expect([...left].sort()).toEqual(["1 2 3 4 5", "1 2 4 4 4", "1 3 3 3 5", "2 2 3 3 5"]);
  });
});
