import { RATING_MAX, RATING_MIN, STATEMENT_COUNT } from "./instrument.js";
import { LEVELS, type Level } from "./types.js";

/** Lower bound (inclusive) of each level's band on the 20–100 total. */
export const LEVEL_FLOORS: Record<Level, number> = {
  Undefined: 20,
  Defined: 40,
  Aligned: 60,
  Integrated: 80,
};

export const TOTAL_MIN = STATEMENT_COUNT * RATING_MIN;
export const TOTAL_MAX = STATEMENT_COUNT * RATING_MAX;

/** A respondent's total: the sum of their 20 ratings (20–100). */
export function totalScore(ratings: readonly number[]): number {
  return ratings.reduce((sum, r) => sum + r, 0);
}

/**
 * The level for a total or a group's mean total. Banded unrounded, as the scoring key says:
 * a mean of 59.9 is still Defined.
 */
export function levelFor(total: number): Level {
  if (total >= LEVEL_FLOORS.Integrated) return "Integrated";
  if (total >= LEVEL_FLOORS.Aligned) return "Aligned";
  if (total >= LEVEL_FLOORS.Defined) return "Defined";
  return "Undefined";
}

/** The level above `level`, or undefined at the top. */
export function nextLevel(level: Level): Level | undefined {
  return LEVELS[LEVELS.indexOf(level) + 1];
}

export interface GroupScore {
  /** Number of respondents. */
  n: number;
  /** Mean of the members' totals, unrounded. */
  mean: number;
  level: Level;
  /** Points of mean total still needed to reach the next level; undefined at Integrated. */
  pointsToNext: number | undefined;
}

/** Summarise a group from its members' totals. Throws on an empty group: callers check size first. */
export function scoreGroup(totals: readonly number[]): GroupScore {
  if (totals.length === 0) throw new Error("scoreGroup needs at least one total");
  const m = totals.reduce((a, b) => a + b, 0) / totals.length;
  const level = levelFor(m);
  const next = nextLevel(level);
  return {
    n: totals.length,
    mean: m,
    level,
    pointsToNext: next === undefined ? undefined : LEVEL_FLOORS[next] - m,
  };
}

/** One decimal, as every report shows means ("62.5"). */
export function oneDecimal(value: number): string {
  // Round half away from zero on the decimal representation, not on binary floating point:
  // toPrecision(15) drops the binary noise (1.45 is stored as 1.4499999999999999556), and rounding
  // the magnitude makes -0.45 and 0.45 round alike (Math.round alone rounds -4.5 up to -4).
  const tenths = Math.round(Number((Math.abs(value) * 10).toPrecision(15)));
  return (tenths === 0 ? 0 : (Math.sign(value) * tenths) / 10).toFixed(1);
}

/** Problems with a set of ratings, or an empty list when they are a complete, valid answer. */
export function ratingProblems(ratings: readonly unknown[], count = STATEMENT_COUNT): string[] {
  const problems: string[] = [];
  if (ratings.length !== count) problems.push(`expected ${count} ratings, got ${ratings.length}`);
  // A plain loop, not forEach: forEach skips the holes of a sparse array, which would let
  // `new Array(20)` pass as a complete answer.
  for (let i = 0; i < ratings.length; i++) {
    const r = ratings[i];
    if (typeof r !== "number" || !Number.isInteger(r) || r < RATING_MIN || r > RATING_MAX) {
      problems.push(`rating ${i + 1} must be a whole number from ${RATING_MIN} to ${RATING_MAX}`);
    }
  }
  return problems;
}
