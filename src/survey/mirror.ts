import { type Disclosure, discloseAnswers, withheldNotes } from "./anonymity.js";
import { type StatementRef, statementMeans, statementRefs } from "./gap.js";
import type { Instrument } from "./instrument.js";
import { levelFor, totalScore } from "./scoring.js";
import { type GroupResult, groupResult, groupResultOfTotals } from "./summary.js";
import type { Answer, Group, Level, Side } from "./types.js";
import { assertValidAnswers } from "./validation.js";

/**
 * The personal mirror (`/alignment me`): one person's own ratings beside each visible group's
 * per-statement means. It is for that person's eyes only (a DM or an ephemeral message), but what
 * it shows of the groups obeys exactly the same disclosure as the round report, since anyone can
 * ask for their own: nothing while the round is open, per-statement means (of every group) only
 * when both sides reach the minimum, and otherwise at most Everyone's total.
 */

export interface MirrorRow extends StatementRef {
  /** The person's own rating, 1–5. */
  own: number;
  /** Group means (1–5, unrounded), only when per-statement figures may be shown; else empty. */
  means: Partial<Record<Group, number>>;
}

export interface Mirror {
  side: Side;
  /** The person's own total, 20–100. */
  ownTotal: number;
  ownLevel: Level;
  /** One row per statement, in instrument order. */
  rows: MirrorRow[];
  /** Level summary of the visible groups, in the order Sales, Marketing, Everyone. */
  groups: GroupResult[];
  disclosure: Disclosure;
  notes: string[];
}

export function mirrorFor(
  ownAnswer: Answer,
  allAnswers: readonly Answer[],
  options: { instrument: Instrument; minGroup: number; roundClosed: boolean },
): Mirror {
  const { instrument } = options;
  assertValidAnswers([ownAnswer], instrument, "own answer");
  assertValidAnswers(allAnswers, instrument);
  const disclosed = discloseAnswers(allAnswers, options);
  const count = instrument.statements.length;

  const means: [Group, number[]][] = [];
  const groups: GroupResult[] = [];
  if (disclosed.sides) {
    means.push(["sales", statementMeans(disclosed.sides.sales, count)]);
    means.push(["marketing", statementMeans(disclosed.sides.marketing, count)]);
    groups.push(groupResult("sales", disclosed.sides.sales));
    groups.push(groupResult("marketing", disclosed.sides.marketing));
  }
  if (disclosed.everyone) means.push(["everyone", statementMeans(disclosed.everyone, count)]);
  if (disclosed.everyoneTotals) {
    groups.push(groupResultOfTotals("everyone", disclosed.everyoneTotals));
  }

  const rows = statementRefs(instrument).map((ref) => {
    const row: MirrorRow = { ...ref, own: ownAnswer.ratings[ref.index] ?? Number.NaN, means: {} };
    for (const [group, values] of means) row.means[group] = values[ref.index] ?? Number.NaN;
    return row;
  });
  const ownTotal = totalScore(ownAnswer.ratings);
  return {
    side: ownAnswer.side,
    ownTotal,
    ownLevel: levelFor(ownTotal),
    rows,
    groups,
    disclosure: disclosed.disclosure,
    notes: withheldNotes(disclosed, options.minGroup),
  };
}
