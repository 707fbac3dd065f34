import { type Disclosure, disclosure } from "./anonymity.js";
import { type GroupScore, scoreGroup, totalScore } from "./scoring.js";
import type { Answer, Group, Side } from "./types.js";

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
