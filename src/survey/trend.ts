import type { DisclosedChange } from "./anonymity.js";
import { lowestTotal, momentsOf, type SideCounts } from "./counts.js";
import { EPSILON, type StatementRef, statementMeansOfCounts, statementRefs } from "./gap.js";
import type { Instrument } from "./instrument.js";
import { levelFor } from "./scoring.js";
import { GROUPS, type Group, LEVELS, type Level } from "./types.js";

/**
 * Change since the previous closed round. Both rounds are read through discloseChange, which
 * hands out a group only when it could be shown in both rounds and its respondents allow the
 * comparison, and the sides' answers (for the statement gaps) only when both sides' change may be
 * shown: nothing withheld enters a difference.
 */

/** A statement gap has widened or narrowed when |gap| changed by at least this (rating points). */
export const TREND_GAP_CHANGE = 0.5;

export type LevelChange = "up" | "down" | "same";

export interface GroupTrend {
  group: Group;
  previousN: number;
  n: number;
  /** Mean total in the previous round, unrounded. */
  previousMean: number;
  mean: number;
  /** mean − previousMean. */
  change: number;
  previousLevel: Level;
  level: Level;
  levelChange: LevelChange;
}

export interface GapChange extends StatementRef {
  /** sales − marketing in the previous round. */
  previousGap: number;
  /** sales − marketing now. */
  gap: number;
  /** |gap| − |previousGap|: positive when the sides moved apart. */
  change: number;
}

export interface Trend {
  /** Groups whose change may be shown (see discloseChange), in the order Sales, Marketing, Everyone. */
  groups: GroupTrend[];
  /** Groups shown in both rounds whose change is withheld because of who answered them. */
  withheld: Group[];
  /**
   * Present only when both sides' change may be shown (see discloseChange). Widened: |gap| grew
   * by at least TREND_GAP_CHANGE, largest growth first; narrowed: shrank by at least that, largest
   * shrink first; ties to the lower statement number. A gap that flips sign but keeps its size is
   * neither.
   */
  gaps?: { widened: GapChange[]; narrowed: GapChange[] };
}

/** Size, mean total and level from a tally of totals. */
function scoreOfCounts(totals: readonly number[], first: number) {
  const { n, mean } = momentsOf(totals, first);
  return { n, mean, level: levelFor(mean) };
}

function groupTrend(
  group: Group,
  previous: readonly number[],
  current: readonly number[],
  first: number,
): GroupTrend {
  const before = scoreOfCounts(previous, first);
  const now = scoreOfCounts(current, first);
  const step = LEVELS.indexOf(now.level) - LEVELS.indexOf(before.level);
  return {
    group,
    previousN: before.n,
    n: now.n,
    previousMean: before.mean,
    mean: now.mean,
    change: now.mean - before.mean,
    previousLevel: before.level,
    level: now.level,
    levelChange: step > 0 ? "up" : step < 0 ? "down" : "same",
  };
}

function gapsOf(sides: { sales: SideCounts; marketing: SideCounts }, count: number): number[] {
  const sales = statementMeansOfCounts(sides.sales, count);
  const marketing = statementMeansOfCounts(sides.marketing, count);
  return sales.map((s, i) => s - (marketing[i] ?? Number.NaN));
}

/** The trend between two rounds of the same instrument, already cut down by discloseChange. */
export function computeTrend(instrument: Instrument, change: DisclosedChange): Trend {
  const groups: GroupTrend[] = [];
  const first = lowestTotal(instrument.statements.length);
  for (const group of GROUPS) {
    const totals = change.totals[group];
    if (totals) groups.push(groupTrend(group, totals.previous, totals.current, first));
  }
  const trend: Trend = { groups, withheld: [...change.disclosure.withheld] };
  if (change.sides) {
    const count = instrument.statements.length;
    const now = gapsOf(change.sides.current, count);
    const before = gapsOf(change.sides.previous, count);
    const changes: GapChange[] = statementRefs(instrument).map((ref) => {
      const gap = now[ref.index] ?? Number.NaN;
      const previousGap = before[ref.index] ?? Number.NaN;
      return { ...ref, previousGap, gap, change: Math.abs(gap) - Math.abs(previousGap) };
    });
    const byChange = (sign: 1 | -1) => (a: GapChange, b: GapChange) => {
      const d = sign * (b.change - a.change);
      return Math.abs(d) <= EPSILON ? a.index - b.index : d;
    };
    trend.gaps = {
      widened: changes.filter((c) => c.change >= TREND_GAP_CHANGE - EPSILON).sort(byChange(1)),
      narrowed: changes.filter((c) => c.change <= -TREND_GAP_CHANGE + EPSILON).sort(byChange(-1)),
    };
  }
  return trend;
}
