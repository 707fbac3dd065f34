import { RATING_MAX, RATING_MIN } from "./instrument.js";
import type { Answer } from "./types.js";
import { answerProblems, InvalidAnswerError } from "./validation.js";

/**
 * Every figure Truce reports is a function of how many people on each side gave each rating to
 * each statement, and of how many people on each side reached each total: the means, spreads,
 * intervals, effect sizes and rank tests all follow from those tallies. So an analysis counts the
 * answers once, in one pass, and works on the tallies from then on: its cost after the count does
 * not grow with the number of answers, and no per-statement copy of the ratings is ever made.
 */

/** Distinct ratings (1–5). */
export const RATING_LEVELS = RATING_MAX - RATING_MIN + 1;

/** A group's tallies. */
export interface GroupCounts {
  /** Respondents. */
  n: number;
  /**
   * ratings[statement * RATING_LEVELS + (rating − 1)]: how many gave that statement that rating.
   */
  ratings: number[];
  /** totals[total − lowest total]: how many reached that total (lowest total = statements × 1). */
  totals: number[];
}

/** One side's tallies, with who answered. */
export interface SideCounts extends GroupCounts {
  /**
   * Each respondent's pseudonym, in answer order; undefined as soon as one answer has none (the
   * change since the previous round is then withheld, see anonymity.ts).
   */
  respondents: string[] | undefined;
}

/** A round's tallies, per side. */
export interface RoundCounts {
  statementCount: number;
  sales: SideCounts;
  marketing: SideCounts;
}

export function emptySideCounts(statementCount: number): SideCounts {
  return {
    n: 0,
    ratings: new Array<number>(statementCount * RATING_LEVELS).fill(0),
    totals: new Array<number>(statementCount * (RATING_MAX - RATING_MIN) + 1).fill(0),
    respondents: [],
  };
}

export function emptyRoundCounts(statementCount: number): RoundCounts {
  return {
    statementCount,
    sales: emptySideCounts(statementCount),
    marketing: emptySideCounts(statementCount),
  };
}

/**
 * Adds one answer to the tallies, checking it on the way (a side, one whole rating from 1 to 5
 * per statement, a non-empty pseudonym if any). The check is inline because it runs once per
 * rating of every answer; only a faulty answer pays for the full list of its problems.
 * Throws InvalidAnswerError naming the answer's position (`label position`), never a value.
 */
export function addAnswer(
  counts: RoundCounts,
  answer: Answer,
  position: number,
  label = "answer",
): void {
  const { statementCount } = counts;
  const side = answer.side === "sales" || answer.side === "marketing" ? answer.side : undefined;
  const { ratings, respondent } = answer;
  let ok =
    side !== undefined &&
    Array.isArray(ratings) &&
    ratings.length === statementCount &&
    (respondent === undefined || (typeof respondent === "string" && respondent !== ""));
  // One loop checks each rating and tallies it. A faulty answer throws below, and the whole
  // analysis with it, so the cells it already touched do not matter.
  const tally = side === undefined ? undefined : counts[side];
  let total = 0;
  if (ok && tally !== undefined) {
    const cells = tally.ratings;
    for (let i = 0, cell = -RATING_MIN; i < statementCount; i++, cell += RATING_LEVELS) {
      const r = ratings[i];
      if (r !== 1 && r !== 2 && r !== 3 && r !== 4 && r !== 5) {
        ok = false;
        break;
      }
      total += r;
      cells[cell + r] = (cells[cell + r] as number) + 1;
    }
  }
  if (!ok || tally === undefined) {
    const problems = answerProblems(answer, statementCount);
    throw new InvalidAnswerError(`${label} ${position}: ${problems.join("; ")}`);
  }
  tally.n++;
  const t = total - statementCount * RATING_MIN;
  tally.totals[t] = (tally.totals[t] as number) + 1;
  if (tally.respondents !== undefined) {
    if (respondent === undefined) tally.respondents = undefined;
    else tally.respondents.push(respondent);
  }
}

/** The tallies of a list of answers, in one pass (see addAnswer for the checks). */
export function countAnswers(
  answers: readonly Answer[],
  statementCount: number,
  label = "answer",
): RoundCounts {
  const counts = emptyRoundCounts(statementCount);
  for (let i = 0; i < answers.length; i++) {
    addAnswer(counts, answers[i] as Answer, i + 1, label);
  }
  return counts;
}

/** Work done between two yields to the event loop, in milliseconds. */
export const SLICE_MS = 8;

/** Lets pending I/O and timers run before the next slice. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The sum of two tallies (Everyone is Sales plus Marketing). */
export function addCounts(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x + (b[i] ?? 0));
}

/**
 * Everyone's tallies: both sides together. Without the pseudonyms: only the comparison of who
 * answered needs them, and it reads them side by side (anonymity.ts), so a million of them are
 * never copied into one list.
 */
export function everyoneCounts(counts: RoundCounts): GroupCounts {
  const { sales, marketing } = counts;
  return {
    n: sales.n + marketing.n,
    ratings: addCounts(sales.ratings, marketing.ratings),
    totals: addCounts(sales.totals, marketing.totals),
  };
}

/** One statement's counts per rating (index 0 is rating 1) for a side. */
export function statementCounts(side: GroupCounts, index: number): number[] {
  return side.ratings.slice(index * RATING_LEVELS, (index + 1) * RATING_LEVELS);
}

/** Count, mean and sample variance of a tally whose cell k holds how many had value first + k. */
export interface Moments {
  n: number;
  mean: number;
  /** Sample variance (n − 1 in the denominator); 0 when n < 2. */
  variance: number;
}

export function momentsOf(cells: readonly number[], first: number): Moments {
  let n = 0;
  let sum = 0;
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k] as number;
    n += c;
    sum += c * (first + k);
  }
  const mean = n === 0 ? Number.NaN : sum / n;
  // Two passes (mean first, then squared deviations): exact for these small integers and free of
  // the cancellation of Σx² − n·mean².
  let squares = 0;
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k] as number;
    if (c > 0) {
      const d = first + k - mean;
      squares += c * d * d;
    }
  }
  return { n, mean, variance: n < 2 ? 0 : squares / (n - 1) };
}

/** The lowest possible total for an instrument of `statementCount` statements. */
export const lowestTotal = (statementCount: number) => statementCount * RATING_MIN;
