import { levelFor, oneDecimal } from "../survey/scoring.js";
import { SIGNIFICANCE_ALPHA, type Significance } from "../survey/significance.js";
import type { Participation } from "../survey/summary.js";
import { GROUP_LABELS, type Group, type Level, type Side } from "../survey/types.js";

export { GROUP_LABELS };

/**
 * A mean total with one decimal that never contradicts its level: 59.95 is Defined, so it reads
 * 59.9, not 60.0 (rounding would put it over the Aligned floor on screen but not in fact).
 */
export function meanTotal(mean: number): string {
  const rounded = oneDecimal(mean);
  return levelFor(Number(rounded)) === levelFor(mean)
    ? rounded
    : (Math.floor(mean * 10) / 10).toFixed(1);
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

/** `Sales n=3 · Marketing n=2 · Everyone n=5`, with the invited counts when known. */
export function participationLine(
  participation: Participation,
  invited?: Partial<Record<Side, number | undefined>>,
): string {
  const part = (side: Side) => {
    const n = participation[side];
    const of = invited?.[side];
    return of ? `${GROUP_LABELS[side]} n=${n} (of ${of})` : `${GROUP_LABELS[side]} n=${n}`;
  };
  return `${part("sales")} · ${part("marketing")} · Everyone n=${participation.total}`;
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
