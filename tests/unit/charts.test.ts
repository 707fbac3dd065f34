import { describe, expect, it } from "vitest";
import {
  ALT_TEXT_MAX,
  gapChartAltText,
  gapChartData,
  TREND_ROUNDS,
  trendChartAltText,
  trendChartData,
} from "../../src/charts/data.js";
import {
  gapChartSvg,
  gapLabel,
  shortDate,
  trendChartSvg,
  xmlEscape,
} from "../../src/charts/svg.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound, type RoundReport } from "../../src/survey/report.js";
import { answer, GAP_SET, many } from "./helpers.js";

const analyze = (answers: Parameters<typeof analyzeRound>[0]["answers"], roundClosed = true) =>
  analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers,
    roundClosed,
    minGroup: 3,
    market: "shifting",
  });

const CLOSED = Date.UTC(2026, 11, 1, 12);

describe("gapChartData (the gap data set in helpers.ts)", () => {
  const data = gapChartData(analyze(GAP_SET), CLOSED);

  it("has one row per statement, widest gap first, ties in statement order", () => {
    // Gaps (Sales − Marketing): #7 14/3 − 6/3 = +2.67, #12 5/3 − 10/3 = −1.67, #9 +1.67,
    // #3 +1.0, #5 −0.67; every other statement 4 v 4.
    expect(data?.rows.map((r) => r.number)).toEqual([
      7, 9, 12, 3, 5, 1, 2, 4, 6, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    const [seven, nine, twelve] = data?.rows ?? [];
    expect(seven).toMatchObject({ higher: "sales", wide: true, theme: "Common language" });
    expect(seven?.sales).toBeCloseTo(14 / 3, 12);
    expect(seven?.marketing).toBeCloseTo(2, 12);
    expect(nine).toMatchObject({ higher: "sales", wide: true });
    expect(twelve).toMatchObject({ higher: "marketing", wide: true });
    expect(data?.rows.find((r) => r.number === 5)).toMatchObject({
      higher: "marketing",
      wide: false,
    });
    expect(data?.rows.find((r) => r.number === 20)).toMatchObject({ higher: "same", gap: 0 });
    expect(data?.counts).toEqual({ sales: 3, marketing: 3 });
  });

  it("never calls a difference clear without a test (3 v 3 is too small to test)", () => {
    expect(data?.rows.some((r) => r.clearlyDifferent)).toBe(false);
  });

  it("names the widest gaps and who rates each higher in the alt text", () => {
    const alt = gapChartAltText(data as NonNullable<typeof data>);
    expect(alt).toBe(
      "Chart of how Sales (n=3) and Marketing (n=3) rate each of 20 statements on the 1–5 scale, widest gap first. " +
        "Widest gaps: 7. Common language (Sales 4.7, Marketing 2.0: Sales higher by 2.7); " +
        "9. Joint view of segments (Sales 5.0, Marketing 3.3: Sales higher by 1.7); " +
        "12. Shared success metrics (Sales 1.7, Marketing 3.3: Marketing higher by 1.7).",
    );
    expect(alt.length).toBeLessThanOrEqual(ALT_TEXT_MAX);
  });
});

describe("what the gap chart withholds", () => {
  it("draws nothing while a side is below the minimum group", () => {
    const report = analyze([...many(5, "sales", 4), ...many(2, "marketing", 2)]);
    expect(report.levels.map((r) => r.group)).toEqual(["everyone"]);
    expect(gapChartData(report, CLOSED)).toBeUndefined();
  });

  it("draws nothing while the round is open", () => {
    expect(gapChartData(analyze(GAP_SET, false), CLOSED)).toBeUndefined();
  });

  it("marks a tested, significant difference as clearly different", () => {
    // 5 v 5: statement 1 all 5s against all 1s; the rest the same.
    const report = analyze([
      ...Array.from({ length: 5 }, () => answer("sales", 3, { 1: 5 })),
      ...Array.from({ length: 5 }, () => answer("marketing", 3, { 1: 1 })),
    ]);
    const rows = gapChartData(report, CLOSED)?.rows ?? [];
    expect(rows[0]).toMatchObject({ number: 1, higher: "sales", clearlyDifferent: true });
    expect(rows.slice(1).every((r) => !r.clearlyDifferent && r.higher === "same")).toBe(true);
    expect(gapChartAltText(gapChartData(report, CLOSED) as never)).toContain(
      "Widest gaps: 1. Forecast accuracy (Sales 5.0, Marketing 1.0: Sales higher by 4.0).",
    );
  });

  it("says when the sides rate every statement the same", () => {
    const report = analyze([...many(3, "sales", 3), ...many(3, "marketing", 3)]);
    const data = gapChartData(report, CLOSED);
    expect(data?.rows.every((r) => r.higher === "same")).toBe(true);
    expect(gapChartAltText(data as never)).toContain(
      "The two sides rate every statement the same.",
    );
  });
});

describe("trendChartData", () => {
  const shown = (sales: number, marketing: number) =>
    analyze([...many(3, "sales", sales), ...many(3, "marketing", marketing)]);
  const withheld = () => analyze([...many(5, "sales", 4), ...many(2, "marketing", 2)]);
  const at = (day: number, report: RoundReport) => ({
    closedAt: Date.UTC(2026, 0, day),
    report,
  });

  it("needs two rounds that showed both sides", () => {
    expect(trendChartData([at(1, shown(3, 2))])).toBeUndefined();
    expect(trendChartData([at(1, shown(3, 2)), at(8, withheld())])).toBeUndefined();
  });

  it("gives each side's mean per round, oldest first, and no point for a withheld round", () => {
    const data = trendChartData([at(15, shown(4, 3)), at(1, shown(3, 2)), at(8, withheld())]);
    expect(data?.points).toEqual([
      { closedAt: Date.UTC(2026, 0, 1), sales: 60, marketing: 40 },
      { closedAt: Date.UTC(2026, 0, 8) },
      { closedAt: Date.UTC(2026, 0, 15), sales: 80, marketing: 60 },
    ]);
    expect(data?.targetLevel).toBe("Aligned");
    expect(data?.bands.map((b) => [b.level, b.from, b.to])).toEqual([
      ["Undefined", 20, 40],
      ["Defined", 40, 60],
      ["Aligned", 60, 80],
      ["Integrated", 80, 100],
    ]);
    expect(trendChartAltText(data as never)).toContain("Sales 60.0 → 80.0, Marketing 40.0 → 60.0");
  });

  it("keeps the latest rounds only", () => {
    const rounds = Array.from({ length: TREND_ROUNDS + 3 }, (_, i) => at(i + 1, shown(3, 2)));
    const data = trendChartData(rounds);
    expect(data?.points).toHaveLength(TREND_ROUNDS);
    expect(data?.points[0]?.closedAt).toBe(Date.UTC(2026, 0, 4));
  });
});

describe("drawing", () => {
  it("says in words who rates each statement higher, beside the S and M markers", () => {
    expect(gapLabel({ gap: 1.25, higher: "sales" })).toBe("Sales +1.3");
    expect(gapLabel({ gap: -0.4, higher: "marketing" })).toBe("Marketing +0.4");
    expect(gapLabel({ gap: 0.02, higher: "same" })).toBe("Same");
    const svg = gapChartSvg(gapChartData(analyze(GAP_SET), CLOSED) as never);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(">7. Common language</text>");
    expect(svg).toContain(">Sales +2.7</text>");
    expect(svg).toContain(">Marketing +1.7</text>");
    expect(svg.match(/>S<\/text>/g)).toHaveLength(21); // one per row and the legend
    expect(svg.match(/>M<\/text>/g)).toHaveLength(21);
  });

  it("escapes text from a custom instrument", () => {
    expect(xmlEscape(`R&D <"quotes"> 'too'`)).toBe(
      "R&amp;D &lt;&quot;quotes&quot;&gt; &apos;too&apos;",
    );
  });

  it("labels the trend's rounds by date and marks the withheld ones", () => {
    expect(shortDate(Date.UTC(2026, 11, 2, 23))).toBe("2 Dec");
    const data = trendChartData([
      {
        closedAt: Date.UTC(2026, 0, 1),
        report: analyze([...many(3, "sales", 3), ...many(3, "marketing", 2)]),
      },
      {
        closedAt: Date.UTC(2026, 0, 8),
        report: analyze([...many(5, "sales", 4), ...many(2, "marketing", 2)]),
      },
      {
        closedAt: Date.UTC(2026, 0, 15),
        report: analyze([...many(3, "sales", 4), ...many(3, "marketing", 3)]),
      },
    ]);
    const svg = trendChartSvg(data as never);
    expect(svg).toContain(">1 Jan</text>");
    expect(svg).toContain(">withheld</text>");
    expect(svg).toContain(">80.0</text>");
    expect(svg).toContain(">target</text>");
  });
});
