import { levelFor, oneDecimal } from "../survey/scoring.js";
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
