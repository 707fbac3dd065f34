import { momentsOf } from "./counts.js";
import { LEVEL_DESCRIPTIONS } from "./instrument.js";
import { LEVEL_FLOORS, levelFor, nextLevel, scoreGroup, totalScore } from "./scoring.js";
import { type Answer, GROUP_LABELS, type Group, type Level } from "./types.js";

export interface Participation {
  sales: number;
  marketing: number;
  total: number;
}

/** One row of the level summary: a group's size, mean total, level and what the level means. */
export interface GroupResult {
  group: Group;
  /** "Sales", "Marketing" or "Everyone". */
  label: string;
  /** Number of respondents. */
  n: number;
  /** Mean of the members' totals (20–100), unrounded; show with `oneDecimal`. */
  mean: number;
  level: Level;
  /** One sentence on what the level looks like (LEVEL_DESCRIPTIONS, our words). */
  levelDescription: string;
  /** The level above, absent at Integrated. */
  nextLevel?: Level;
  /** Points of mean total still needed to reach `nextLevel`, absent at Integrated. */
  pointsToNext?: number;
}

/** A group's level-summary row from its members' answers (callers check disclosure first). */
export function groupResult(group: Group, answers: readonly Answer[]): GroupResult {
  return groupResultOfTotals(
    group,
    answers.map((a) => totalScore(a.ratings)),
  );
}

/** A group's level-summary row from its members' totals alone (callers check disclosure first). */
export function groupResultOfTotals(group: Group, totals: readonly number[]): GroupResult {
  const score = scoreGroup(totals);
  const row: GroupResult = {
    group,
    label: GROUP_LABELS[group],
    n: score.n,
    mean: score.mean,
    level: score.level,
    levelDescription: LEVEL_DESCRIPTIONS[score.level],
  };
  const next = nextLevel(score.level);
  if (next !== undefined && score.pointsToNext !== undefined) {
    row.nextLevel = next;
    row.pointsToNext = score.pointsToNext;
  }
  return row;
}

/** A group's level-summary row from its tally of totals (cell k: how many reached first + k). */
export function groupResultOfCounts(
  group: Group,
  totals: readonly number[],
  first: number,
): GroupResult {
  const { n, mean } = momentsOf(totals, first);
  if (n === 0) throw new Error("groupResultOfCounts needs at least one total");
  const level = levelFor(mean);
  const row: GroupResult = {
    group,
    label: GROUP_LABELS[group],
    n,
    mean,
    level,
    levelDescription: LEVEL_DESCRIPTIONS[level],
  };
  const next = nextLevel(level);
  if (next !== undefined) {
    row.nextLevel = next;
    row.pointsToNext = LEVEL_FLOORS[next] - mean;
  }
  return row;
}
