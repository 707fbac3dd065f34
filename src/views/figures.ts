import type { OverallGap, StatementGap } from "../survey/gap.js";
import type { InvitedCounts } from "../survey/report.js";
import { oneDecimal } from "../survey/scoring.js";
import { shownInterval, shownMeanTotal, shownPointsToNext } from "../survey/shown.js";
import { type Interval, SIGNIFICANCE_ALPHA, type Significance } from "../survey/significance.js";
import type { Participation } from "../survey/summary.js";
import { GROUP_LABELS, type Group, type Level } from "../survey/types.js";

export { GROUP_LABELS };

/**
 * A mean total with one decimal that never contradicts its level: 59.95 is Defined, so it reads
 * 59.9, not 60.0 (rounding would put it over the Aligned floor on screen but not in fact).
 * Every figure follows the one rounding rule of src/survey/shown.ts.
 */
export const meanTotal = shownMeanTotal;

/**
 * "0.2 points to Aligned": the distance from the *shown* mean, so the two shown numbers always
 * add up to the level's floor (59.75 shows 59.8 and 0.2, never 0.3). Undefined at Integrated.
 */
export function pointsToNextText(mean: number): string | undefined {
  const next = shownPointsToNext(mean);
  return next && `${next.points} points to ${next.level}`;
}

/** `Sales n=12 · 62.5 · Aligned` — the one form every view gives a group's figures in. */
export function scoreLine(row: { group: Group; n: number; mean: number; level: Level }): string {
  return `${GROUP_LABELS[row.group]} n=${row.n} · ${meanTotal(row.mean)} · ${row.level}`;
}

/** A signed one-decimal difference: +1.2, −0.4, 0.0. */
export function signed(value: number): string {
  const text = oneDecimal(Math.abs(value));
  if (text === "0.0") return "0.0";
  return `${value > 0 ? "+" : "−"}${text}`;
}

/**
 * `Sales n=3 (of 7) · Marketing n=2 (of 8) · Everyone n=5 (of 13)`, each "of" when known.
 * Everyone's "of" counts people, not memberships: someone in both channels is invited once.
 */
export function participationLine(participation: Participation, invited?: InvitedCounts): string {
  const part = (label: string, n: number, of: number | undefined) =>
    of ? `${label} n=${n} (of ${of})` : `${label} n=${n}`;
  return [
    part(GROUP_LABELS.sales, participation.sales, invited?.sales),
    part(GROUP_LABELS.marketing, participation.marketing, invited?.marketing),
    part("Everyone", participation.total, invited?.people),
  ].join(" · ");
}

/**
 * `Response rate: Sales 50% · Marketing 40% · Everyone 44%` as whole percentages, when both
 * sides' invited counts are known; everyone's rate is of people, a person in both channels once.
 */
export function responseRateLine(
  participation: Participation,
  invited: InvitedCounts,
): string | undefined {
  const { sales, marketing, people } = invited;
  if (!sales || !marketing) return undefined;
  const pct = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;
  const everyone = people ? ` · Everyone ${pct(participation.total, people)}` : "";
  return `Response rate: Sales ${pct(participation.sales, sales)} · Marketing ${pct(participation.marketing, marketing)}${everyone}`;
}

/** Below this a p-value reads "p < 0.001": smaller values say nothing more to a reader. */
export const P_FLOOR = 0.001;

/**
 * A number to two significant digits, rounding half up on its decimal form: 0.0495 → "0.050",
 * 0.0995 → "0.10", 0.23456 → "0.23", 1 → "1.0". For positive numbers.
 */
export function twoSignificant(value: number): string {
  const exponent = Math.floor(Math.log10(value));
  const scale = 10 ** (1 - exponent);
  // toPrecision(12) drops binary noise first (0.0495 × 1000 is 49.49999… in floating point).
  const rounded = Math.round(Number((value * scale).toPrecision(12))) / scale;
  const digits = Math.max(0, 1 - Math.floor(Math.log10(rounded)));
  return rounded.toFixed(digits);
}

/**
 * A p-value as reports and the export give it: two significant digits, or a bound. A test on two
 * small groups' ratings is a function of their ranks, so more digits would narrow down which
 * ratings the smaller side gave without telling a reader anything more. Rounding must never
 * contradict the significance call beside it (0.0495 is significant but rounds to 0.050): then
 * the bound is given instead.
 */
function pValueParts(significance: Significance): { relation: "=" | "<" | "≥"; value: string } {
  const alpha = String(SIGNIFICANCE_ALPHA);
  const p = significance.pValue;
  if (p < P_FLOOR) return { relation: "<", value: String(P_FLOOR) };
  const value = twoSignificant(p);
  if (significance.significant && Number(value) >= SIGNIFICANCE_ALPHA) {
    return { relation: "<", value: alpha };
  }
  if (!significance.significant && Number(value) < SIGNIFICANCE_ALPHA) {
    return { relation: "≥", value: alpha };
  }
  return { relation: "=", value };
}

/** `p = 0.012`, `p < 0.05` or `p < 0.001` (see pValueParts). */
export function pValueText(significance: Significance): string {
  const { relation, value } = pValueParts(significance);
  return `p ${relation} ${value}`;
}

/** The export's p-value cell: `0.012`, `<0.05` or `<0.001` (see pValueParts). */
export function pValueCell(significance: Significance): string {
  const { relation, value } = pValueParts(significance);
  return relation === "=" ? value : `${relation}${value}`;
}

/** A signed one-decimal bound: +0.2, −2.6, 0.0. */
const bound = (value: number) =>
  value === 0 ? "0.0" : `${value > 0 ? "+" : "−"}${Math.abs(value).toFixed(1)}`;

/** "95 % CI −2.6 to +0.2", rounded outwards (see shownInterval). */
export function intervalText(interval: Interval): string {
  const shown = shownInterval(interval);
  return `95 % CI ${bound(shown.low)} to ${bound(shown.high)}`;
}

/** The export's interval cells, rounded outwards as in the report: ["-2.6", "0.2"]. */
export function intervalCells(interval: Interval | undefined): [string, string] {
  if (interval === undefined) return ["", ""];
  const shown = shownInterval(interval);
  return [shown.low.toFixed(1), shown.high.toFixed(1)];
}

/** Cliff's delta with two decimals ("0.44", "-0.20"), or empty when not computed. */
export function cliffsDeltaCell(delta: number | undefined): string {
  if (delta === undefined) return "";
  const text = (Math.round(Number((delta * 100).toPrecision(12))) / 100).toFixed(2);
  return text === "-0.00" ? "0.00" : text;
}

/** "clearly different (p = 0.012)" or "not clearly different (p = 0.31)". */
export function significanceWords(significance: Significance): string {
  const p = pValueText(significance);
  return significance.significant ? `significant (${p})` : `not significant (${p})`;
}

/** " · gap −1.2 (95 % CI −2.6 to +0.2) · not significant (p = 0.17)" for a statement row. */
export function gapFigures(gap: Pick<StatementGap, "gap" | "interval" | "significance">): string {
  const interval = gap.interval ? ` (${intervalText(gap.interval)})` : "";
  const test = gap.significance ? ` · ${significanceWords(gap.significance)}` : "";
  return `gap ${signed(gap.gap)}${interval}${test}`;
}

/**
 * The overall gap of the mean totals (20–100 scale), said as such: "Overall (total score, 20–100):
 * Sales 62.0 · Marketing 55.4 · gap +6.6 (95 % CI −1.3 to +14.5) · not significant (p = 0.09)".
 */
export function overallGapLine(overall: OverallGap): string {
  return `Overall (total score, 20–100): Sales ${meanTotal(overall.sales)} · Marketing ${meanTotal(overall.marketing)} · ${gapFigures(overall)}`;
}
