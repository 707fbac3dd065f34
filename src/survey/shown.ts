import { LEVEL_FLOORS, levelFor, nextLevel, oneDecimal } from "./scoring.js";
import type { Interval } from "./significance.js";
import type { Level } from "./types.js";

/**
 * One rounding rule for every figure a reader sees, and every word said about it is decided on
 * the figure as shown, never on the unrounded value behind it. Otherwise the two can contradict
 * each other on screen: a gap shown as "+1.0" called "below a full point" (it was 0.96), a mean
 * shown as "3.0 of 5" called weak (it was 2.97), "59.8 … 0.3 points to Aligned" (the distance
 * 0.25 rounded up while the mean 59.75 rounded up as well).
 */

/** A value as shown with one decimal, as a number (2.97 → 3.0, 0.96 → 1.0). */
export function shownOneDecimal(value: number): number {
  return Number(oneDecimal(value));
}

/**
 * A mean total with one decimal that never contradicts its level: 59.95 is Defined, so it reads
 * 59.9, not 60.0 (rounding would put it over the Aligned floor on screen but not in fact).
 */
export function shownMeanTotal(mean: number): string {
  const rounded = oneDecimal(mean);
  if (levelFor(Number(rounded)) === levelFor(mean)) return rounded;
  return (Math.floor(Number((mean * 10).toPrecision(15))) / 10).toFixed(1);
}

/**
 * The points still needed to the next level, as shown beside the mean: the floor of the next
 * level minus the *shown* mean, so shown mean + shown distance is exactly the floor (59.75 shows
 * "59.8" and "0.2 points"). The shown mean is always below the next floor (see shownMeanTotal),
 * so this is at least 0.1. Undefined at the top level.
 */
export function shownPointsToNext(mean: number): { level: Level; points: string } | undefined {
  const next = nextLevel(levelFor(mean));
  if (next === undefined) return undefined;
  const tenths = Math.round(Number(shownMeanTotal(mean)) * 10);
  return { level: next, points: ((LEVEL_FLOORS[next] * 10 - tenths) / 10).toFixed(1) };
}

const tenthsOf = (value: number) => Number((value * 10).toPrecision(12));

/**
 * An interval as shown, one decimal, rounded outwards (the low end down, the high end up): the
 * shown interval always contains the computed one, so it is never narrower than the data allow,
 * and whether it excludes zero is read off the shown ends (see excludesZero).
 */
export function shownInterval(interval: Interval): Interval {
  const low = Math.floor(tenthsOf(interval.low)) / 10;
  const high = Math.ceil(tenthsOf(interval.high)) / 10;
  return { low: low === 0 ? 0 : low, high: high === 0 ? 0 : high };
}

/** Whether an interval, as shown, lies wholly on one side of zero. */
export function excludesZero(interval: Interval): boolean {
  const shown = shownInterval(interval);
  return shown.low > 0 || shown.high < 0;
}
