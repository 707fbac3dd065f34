import { EPSILON, WIDE_GAP } from "../survey/gap.js";
import type { RoundReport } from "../survey/report.js";
import { LEVEL_FLOORS, oneDecimal, TOTAL_MAX, TOTAL_MIN } from "../survey/scoring.js";
import { LEVELS, type Level, type Side } from "../survey/types.js";

/**
 * What the charts show, as plain data computed from the round reports (which already hold only
 * what the anonymity rules allow). Drawing (svg.ts) reads nothing else, so what a chart may show
 * is decided, and unit-tested, here.
 */

/** One statement in the gap chart. */
export interface GapChartRow {
  number: number;
  theme: string;
  /** Sales' mean rating (1–5), unrounded. */
  sales: number;
  /** Marketing's mean rating (1–5), unrounded. */
  marketing: number;
  /** sales − marketing. */
  gap: number;
  /** Who rates the statement higher, or "same" when the means round to the same figure. */
  higher: Side | "same";
  /** |gap| of WIDE_GAP or more: one of the statements the report lists as seen most differently. */
  wide: boolean;
  /** Significance tested and the difference is more than chance (never shown as a p-value). */
  clearlyDifferent: boolean;
}

export interface GapChartData {
  /** Every statement, widest gap first (ties: lower statement number first). */
  rows: GapChartRow[];
  /** e.g. "Sales n=12 · Marketing n=8". */
  counts: { sales: number; marketing: number };
  closedAt: number;
}

/** Who rates higher, judged on the figures people read (one decimal), so chart and text agree. */
function higherOf(gap: number): Side | "same" {
  if (oneDecimal(Math.abs(gap)) === "0.0") return "same";
  return gap > 0 ? "sales" : "marketing";
}

/**
 * The gap chart's rows, or undefined when the report may not show both sides (a side below the
 * minimum group, a round still open): then there is no chart at all, as there are no per-side
 * figures in the text.
 */
export function gapChartData(report: RoundReport, closedAt: number): GapChartData | undefined {
  const gap = report.gap;
  if (!gap || !report.roundClosed) return undefined;
  const sales = report.levels.find((row) => row.group === "sales");
  const marketing = report.levels.find((row) => row.group === "marketing");
  if (!sales || !marketing) return undefined;
  const rows = gap.statements
    .map(
      (s): GapChartRow => ({
        number: s.number,
        theme: s.theme,
        sales: s.sales,
        marketing: s.marketing,
        gap: s.gap,
        higher: higherOf(s.gap),
        wide: Math.abs(s.gap) >= WIDE_GAP - EPSILON,
        clearlyDifferent: s.significance?.significant === true,
      }),
    )
    .sort((a, b) => {
      const d = Math.abs(b.gap) - Math.abs(a.gap);
      return Math.abs(d) <= EPSILON ? a.number - b.number : d;
    });
  return { rows, counts: { sales: sales.n, marketing: marketing.n }, closedAt };
}

/** How many of the widest gaps the alt text names. */
export const ALT_TEXT_GAPS = 3;
/** Slack refuses alt text over 1,000 characters (alt_txt_too_large). */
export const ALT_TEXT_MAX = 1000;

const name = { sales: "Sales", marketing: "Marketing" } as const;

/** "Sales higher by 1.2", "Marketing higher by 0.4", "same view". */
export function whoIsHigher(row: Pick<GapChartRow, "gap" | "higher">): string {
  return row.higher === "same"
    ? "same view"
    : `${name[row.higher]} higher by ${oneDecimal(Math.abs(row.gap))}`;
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Alt text for the gap chart: what it is, and the widest gaps by name. */
export function gapChartAltText(data: GapChartData): string {
  const top = data.rows.slice(0, ALT_TEXT_GAPS).filter((row) => row.higher !== "same");
  const intro = `Chart of how Sales (n=${data.counts.sales}) and Marketing (n=${data.counts.marketing}) rate each of ${data.rows.length} statements on the 1–5 scale, widest gap first.`;
  const gaps =
    top.length === 0
      ? " The two sides rate every statement the same."
      : ` Widest gaps: ${top
          .map(
            (row) =>
              `${row.number}. ${row.theme} (Sales ${oneDecimal(row.sales)}, Marketing ${oneDecimal(row.marketing)}: ${whoIsHigher(row)})`,
          )
          .join("; ")}.`;
  return clipText(intro + gaps, ALT_TEXT_MAX);
}

/** One closed round in the trend chart. */
export interface TrendPoint {
  closedAt: number;
  /** Each side's mean total (20–100), only when that round's report showed both sides. */
  sales?: number;
  marketing?: number;
}

export interface TrendChartData {
  /** Oldest first. */
  points: TrendPoint[];
  targetLevel: Level;
  /** The level bands on the 20–100 total, lowest first. */
  bands: { level: Level; from: number; to: number }[];
}

/** How many rounds the trend chart shows at most (the latest ones). */
export const TREND_ROUNDS = 8;

export const LEVEL_BANDS: TrendChartData["bands"] = LEVELS.map((level, i) => {
  const next = LEVELS[i + 1];
  return { level, from: LEVEL_FLOORS[level], to: next ? LEVEL_FLOORS[next] : TOTAL_MAX };
});

export { TOTAL_MAX, TOTAL_MIN };

/**
 * The trend chart's points from closed rounds' reports (any order; the latest TREND_ROUNDS are
 * kept, oldest first), or undefined unless at least two rounds showed both sides. A side's mean
 * is taken from its round's own report, so the chart shows only figures that round's report
 * shows: a round whose sides were withheld keeps its place on the time axis without a point.
 */
export function trendChartData(
  rounds: readonly { closedAt: number; report: RoundReport }[],
): TrendChartData | undefined {
  const latest = [...rounds].sort((a, b) => a.closedAt - b.closedAt).slice(-TREND_ROUNDS);
  const points = latest.map(({ closedAt, report }): TrendPoint => {
    const point: TrendPoint = { closedAt };
    const sales = report.levels.find((row) => row.group === "sales");
    const marketing = report.levels.find((row) => row.group === "marketing");
    if (report.roundClosed && sales && marketing) {
      point.sales = sales.mean;
      point.marketing = marketing.mean;
    }
    return point;
  });
  const shown = points.filter((p) => p.sales !== undefined).length;
  const last = latest.at(-1);
  if (shown < 2 || !last) return undefined;
  return { points, targetLevel: last.report.targetLevel, bands: LEVEL_BANDS };
}

/** Alt text for the trend chart: each side's first and latest shown mean. */
export function trendChartAltText(data: TrendChartData): string {
  const shown = data.points.filter((p) => p.sales !== undefined && p.marketing !== undefined);
  const first = shown[0];
  const last = shown.at(-1);
  const describe = (side: Side) =>
    first && last
      ? `${name[side]} ${oneDecimal(first[side] ?? 0)} → ${oneDecimal(last[side] ?? 0)}`
      : name[side];
  return clipText(
    `Chart of each side's mean score (20–100) over the last ${data.points.length} rounds, against the level bands Undefined, Defined, Aligned and Integrated (target: ${data.targetLevel}): ${describe("sales")}, ${describe("marketing")}.`,
    ALT_TEXT_MAX,
  );
}
