import { type Disclosure, disclosure } from "./anonymity.js";
import { LEVEL_DESCRIPTIONS } from "./instrument.js";
import { type GroupScore, nextLevel, scoreGroup, totalScore } from "./scoring.js";
import { type Answer, GROUP_LABELS, type Group, type Level, type Side } from "./types.js";

export interface Participation {
  sales: number;
  marketing: number;
  total: number;
}

/** A round's headline figures, already filtered by the anonymity rules. */
export interface RoundSummary {
  participation: Participation;
  /** Scores of the groups that may be shown; absent groups are withheld. */
  scores: Partial<Record<Group, GroupScore>>;
  disclosure: Disclosure;
}

export function participationOf(answers: readonly Answer[]): Participation {
  const sales = answers.filter((a) => a.side === "sales").length;
  return { sales, marketing: answers.length - sales, total: answers.length };
}

/** Totals of each group's members. */
export function totalsByGroup(answers: readonly Answer[]): Record<Group, number[]> {
  const bySide = (side: Side) =>
    answers.filter((a) => a.side === side).map((a) => totalScore(a.ratings));
  return {
    sales: bySide("sales"),
    marketing: bySide("marketing"),
    everyone: answers.map((a) => totalScore(a.ratings)),
  };
}

export function summarizeRound(
  answers: readonly Answer[],
  options: { minGroup: number; roundClosed: boolean },
): RoundSummary {
  const participation = participationOf(answers);
  const disc = disclosure(participation, options);
  const totals = totalsByGroup(answers);
  const scores: Partial<Record<Group, GroupScore>> = {};
  for (const group of disc.groups) scores[group] = scoreGroup(totals[group]);
  return { participation, scores, disclosure: disc };
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
  const score = scoreGroup(answers.map((a) => totalScore(a.ratings)));
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
