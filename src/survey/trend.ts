import type { DisclosedAnswers } from "./anonymity.js";
import { EPSILON, type StatementRef, statementMeans, statementRefs } from "./gap.js";
import type { Instrument } from "./instrument.js";
import { scoreGroup, totalScore } from "./scoring.js";
import { type Answer, type Group, LEVELS, type Level } from "./types.js";

/**
 * Change since the previous closed round. A group takes part only when it could be shown in both
 * rounds, and the statement gaps only when both sides could be shown in both rounds: both rounds
 * are read through discloseAnswers, so nothing withheld in either round enters a difference.
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
  /** Groups visible in both rounds, in the order Sales, Marketing, Everyone. */
  groups: GroupTrend[];
  /**
   * Present only when both sides are visible in both rounds. Widened: |gap| grew by at least
   * TREND_GAP_CHANGE, largest growth first; narrowed: shrank by at least that, largest shrink
   * first; ties to the lower statement number. A gap that flips sign but keeps its size is neither.
   */
  gaps?: { widened: GapChange[]; narrowed: GapChange[] };
}

function groupTrend(
  group: Group,
  previous: readonly Answer[],
  current: readonly Answer[],
): GroupTrend {
  const before = scoreGroup(previous.map((a) => totalScore(a.ratings)));
  const now = scoreGroup(current.map((a) => totalScore(a.ratings)));
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

function gapsOf(
  sides: { sales: readonly Answer[]; marketing: readonly Answer[] },
  count: number,
): number[] {
  const sales = statementMeans(sides.sales, count);
  const marketing = statementMeans(sides.marketing, count);
  return sales.map((s, i) => s - (marketing[i] ?? Number.NaN));
}

/** The trend between two rounds of the same instrument, each already cut down by disclosure. */
export function computeTrend(
  instrument: Instrument,
  current: DisclosedAnswers,
  previous: DisclosedAnswers,
): Trend {
  const groups: GroupTrend[] = [];
  if (current.sides && previous.sides) {
    groups.push(groupTrend("sales", previous.sides.sales, current.sides.sales));
    groups.push(groupTrend("marketing", previous.sides.marketing, current.sides.marketing));
  }
  if (current.everyone && previous.everyone) {
    groups.push(groupTrend("everyone", previous.everyone, current.everyone));
  }
  const trend: Trend = { groups };
  if (current.sides && previous.sides) {
    const count = instrument.statements.length;
    const now = gapsOf(current.sides, count);
    const before = gapsOf(previous.sides, count);
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
