import type { GroupScore } from "../survey/scoring.js";
import { oneDecimal } from "../survey/scoring.js";
import type { Participation } from "../survey/summary.js";
import type { Group, Side } from "../survey/types.js";

/** Group names as every report spells them (design.md ⚑). */
export const GROUP_LABELS: Record<Group, string> = {
  sales: "Sales",
  marketing: "Marketing",
  everyone: "Everyone",
};

/** `Sales n=12 · 62.5 · Aligned` — the contract form of a group's figures. */
export function scoreLine(group: Group, score: GroupScore): string {
  return `${GROUP_LABELS[group]} n=${score.n} · ${oneDecimal(score.mean)} · ${score.level}`;
}

/** `Sales n=3 · Marketing n=2 · Everyone n=5`, with response rates when the invited counts are known. */
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
