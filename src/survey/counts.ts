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

/** One side's tallies. */
export interface SideCounts {
  /** Respondents. */
  n: number;
  /**
   * ratings[statement * RATING_LEVELS + (rating − 1)]: how many gave that statement that rating.
   */
  ratings: number[];
  /** totals[total − lowest total]: how many reached that total (lowest total = statements × 1). */
  totals: number[];
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
  let total = 0;
  if (ok) {
    for (let i = 0; i < statementCount; i++) {
      const r = ratings[i] as number;
      if (!(r === 1 || r === 2 || r === 3 || r === 4 || r === 5)) {
        ok = false;
        break;
      }
      total += r;
    }
  }
  if (!ok || side === undefined) {
    const problems = answerProblems(answer, statementCount);
    throw new InvalidAnswerError(`${label} ${position}: ${problems.join("; ")}`);
  }
  const tally = counts[side];
  tally.n++;
  const cells = tally.ratings;
  for (let i = 0; i < statementCount; i++) {
    const cell = i * RATING_LEVELS + (ratings[i] as number) - RATING_MIN;
    cells[cell] = (cells[cell] as number) + 1;
  }
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

/** Answers tallied between two yields to the event loop: a few milliseconds of work. */
export const COUNT_CHUNK = 20_000;

/** Lets pending I/O and timers run before the next chunk. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * countAnswers for a closing report of any size: the answers are tallied in chunks of
 * COUNT_CHUNK, yielding to the event loop between chunks, so other requests wait at most one
 * chunk (a few milliseconds) rather than the whole count.
 */
export async function countAnswersInChunks(
  answers: readonly Answer[],
  statementCount: number,
  label = "answer",
  chunk = COUNT_CHUNK,
): Promise<RoundCounts> {
  const counts = emptyRoundCounts(statementCount);
  for (let start = 0; start < answers.length; start += chunk) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(answers.length, start + chunk);
    for (let i = start; i < end; i++) addAnswer(counts, answers[i] as Answer, i + 1, label);
  }
  return counts;
}

/** The sum of two tallies (Everyone is Sales plus Marketing). */
export function addCounts(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x + (b[i] ?? 0));
}

/** Everyone's tallies: both sides together (pseudonyms in the order Sales, then Marketing). */
export function everyoneCounts(counts: RoundCounts): SideCounts {
  const { sales, marketing } = counts;
  return {
    n: sales.n + marketing.n,
    ratings: addCounts(sales.ratings, marketing.ratings),
    totals: addCounts(sales.totals, marketing.totals),
    respondents:
      sales.respondents && marketing.respondents
        ? [...sales.respondents, ...marketing.respondents]
        : undefined,
  };
}

/** One statement's counts per rating (index 0 is rating 1) for a side. */
export function statementCounts(side: SideCounts, index: number): number[] {
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
