import {
  type Advice,
  type AdviceCommitments,
  type AdviceInput,
  suggestActions,
  TARGET_LEVEL,
} from "./advice.js";
import {
  type ChangePermissions,
  changeWithheldNote,
  type DisclosedCounts,
  type Disclosure,
  discloseChangeOfCounts,
  discloseCounts,
  effectiveMinGroup,
  withheldNotes,
} from "./anonymity.js";
import { countAnswers, type GroupCounts, lowestTotal, type RoundCounts } from "./counts.js";
import {
  describeStatementMeansOfCounts,
  type PerceptionGap,
  perceptionGapOfCounts,
  type StatementMean,
  strongestAndWeakest,
} from "./gap.js";
import type { Instrument } from "./instrument.js";
import { type GroupResult, groupResultOfCounts } from "./summary.js";
import { computeTrend, type Trend } from "./trend.js";
import type { Answer, Level, Market, Side } from "./types.js";

export type { Advice, JointAction } from "./advice.js";
export type { ChangeDisclosure, Disclosure } from "./anonymity.js";
export type { RoundCounts } from "./counts.js";
export type {
  OverallGap,
  PerceptionGap,
  Spread,
  StatementGap,
  StatementMean,
  StatementRef,
} from "./gap.js";
export { type Mirror, type MirrorRow, mirrorFor } from "./mirror.js";
export type { Interval, Significance } from "./significance.js";
export type { GroupResult } from "./summary.js";
export type { GapChange, GroupTrend, Trend } from "./trend.js";

/** How many were invited on each side, and `people`: distinct people over both sides. */
export type InvitedCounts = Partial<Record<Side | "people", number | undefined>>;

/** Respondent counts, response rates and whether the sides answered in comparable numbers. */
export interface ParticipationReport {
  sales: number;
  marketing: number;
  total: number;
  /** Invited counts as given (any may be unknown); `people` counts a person in both sides once. */
  invited?: InvitedCounts;
  /** Respondents / invited per side (0–1, unrounded), only when both invited counts are known. */
  responseRates?: Record<Side, number>;
  /** One side's response rate is less than half the other's: compare the sides with caution. */
  lowConfidence: boolean;
  /** Present when lowConfidence. */
  warning?: string;
}

/** A strongest or weakest statement, and whether the sides dispute it (see gap.ts). */
export interface ExtremeStatement extends StatementMean {
  /** The sides see it clearly differently: a list must say so beside it. */
  disputed: boolean;
}

/** Everyone's view of each statement. */
export interface EveryoneDetail {
  /** Every statement's mean rating (1–5) for Everyone, in instrument order. */
  statements: StatementMean[];
  /** Three highest means, highest first (ties: lower statement number first). */
  strongest: ExtremeStatement[];
  /** Three lowest means, lowest first (ties: lower statement number first; never a strongest). */
  weakest: ExtremeStatement[];
}

/**
 * One round's results, computed once and rendered by every view (channel summary, full report,
 * DM, digest, export). It holds only what the anonymity rules allow: while the round is open,
 * only participation; when a side is below the minimum, nothing per side (no side means,
 * statement means, gaps, spread, headline, significance or side trend) and nothing per statement
 * at all: only Everyone's total (level row and its trend), when Everyone itself is large enough,
 * and advice chosen from that level alone. No single person's ratings or pseudonym are ever in
 * it. Numbers are unrounded (apart from the spread, see gap.ts); views round them (figures.ts).
 */
export interface RoundReport {
  roundClosed: boolean;
  market: Market;
  /** The level the market calls for (stable → Defined, shifting → Aligned, complex → Integrated). */
  targetLevel: Level;
  /** The minimum group size applied (never below ABSOLUTE_MIN_GROUP). */
  minGroup: number;
  participation: ParticipationReport;
  disclosure: Disclosure;
  /** What is withheld and why, in plain words. */
  notes: string[];
  /** Level summary of the visible groups, in the order Sales, Marketing, Everyone. */
  levels: GroupResult[];
  /** Present when per-statement figures may be shown (both sides are). */
  everyone?: EveryoneDetail;
  /** Present only when both sides may be shown. */
  gap?: PerceptionGap;
  /** Present when a previous round was given and this round is closed (see discloseChange). */
  trend?: Trend;
  /** Present when Everyone may be shown. */
  advice?: Advice;
  /** What the advice was chosen from, so it can be chosen again as commitments change. */
  adviceInput?: AdviceInput;
}

export interface AnalyzeRoundInput {
  instrument: Instrument;
  answers: readonly Answer[];
  roundClosed: boolean;
  /** `TRUCE_MIN_GROUP`; values below ABSOLUTE_MIN_GROUP are raised to it. */
  minGroup: number;
  /** `TRUCE_MARKET`. */
  market: Market;
  /** How many people were invited on each side (and in all, `people`), when known. */
  invited?: InvitedCounts;
  /** The previous closed round of the same instrument, for the trend and the advice. */
  previous?: { answers: readonly Answer[] };
}

/** analyzeRound's input with the answers already counted (counts.ts). */
export interface AnalyzeCountsInput extends Omit<AnalyzeRoundInput, "answers" | "previous"> {
  counts: RoundCounts;
  previous?: RoundCounts;
  /** Whose change may be shown, when already worked out (see changePermissionsInSlices). */
  changePermissions?: ChangePermissions;
}

/** A side's response rate counts as low when it is below this share of the other side's. */
export const LOW_RESPONSE_RATIO = 0.5;

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** Counts, response rates and the participation-balance warning. Counts only, never scores. */
export function participationReport(
  counts: Record<Side, number>,
  invited?: InvitedCounts,
): ParticipationReport {
  const report: ParticipationReport = {
    sales: counts.sales,
    marketing: counts.marketing,
    total: counts.sales + counts.marketing,
    lowConfidence: false,
  };
  if (invited === undefined) return report;
  const given: InvitedCounts = {};
  if (invited.sales !== undefined) given.sales = invited.sales;
  if (invited.marketing !== undefined) given.marketing = invited.marketing;
  if (invited.people !== undefined) given.people = invited.people;
  report.invited = given;
  const { sales, marketing } = given;
  // Rates need both denominators: without them, comparing raw counts says nothing about how
  // representative each side's answers are (a side may simply be smaller).
  if (sales === undefined || marketing === undefined || !(sales > 0) || !(marketing > 0)) {
    return report;
  }
  const rates = { sales: counts.sales / sales, marketing: counts.marketing / marketing };
  report.responseRates = rates;
  const [low, high]: [Side, Side] =
    rates.sales < rates.marketing ? ["sales", "marketing"] : ["marketing", "sales"];
  if (rates[low] < LOW_RESPONSE_RATIO * rates[high]) {
    report.lowConfidence = true;
    const name = { sales: "Sales", marketing: "Marketing" };
    report.warning = `The response rate in ${name[low]} (${percent(rates[low])}) is less than half that in ${name[high]} (${percent(rates[high])}): read any comparison between the sides with caution.`;
  }
  return report;
}

function everyoneDetail(
  instrument: Instrument,
  everyone: GroupCounts,
  gap: PerceptionGap | undefined,
): EveryoneDetail {
  const statements = describeStatementMeansOfCounts(instrument, everyone);
  const disputed = new Set(gap?.statements.filter((s) => s.disputed).map((s) => s.index));
  const mark = (s: StatementMean): ExtremeStatement => ({ ...s, disputed: disputed.has(s.index) });
  const { strongest, weakest } = strongestAndWeakest(statements);
  return { statements, strongest: strongest.map(mark), weakest: weakest.map(mark) };
}

function levelRows(disclosed: DisclosedCounts, first: number): GroupResult[] {
  const rows: GroupResult[] = [];
  if (disclosed.sides) {
    rows.push(groupResultOfCounts("sales", disclosed.sides.sales.totals, first));
    rows.push(groupResultOfCounts("marketing", disclosed.sides.marketing.totals, first));
  }
  if (disclosed.everyoneTotals) {
    rows.push(groupResultOfCounts("everyone", disclosed.everyoneTotals, first));
  }
  return rows;
}

/**
 * Analyse a round. The answers are checked and counted in one pass (counts.ts), and every figure
 * is computed from the counts through `discloseCounts`, the gateway that applies the anonymity
 * rules, so a withheld group never reaches any computation.
 * Throws InvalidAnswerError when an answer is not a complete, valid answer to the instrument.
 */
export function analyzeRound(input: AnalyzeRoundInput): RoundReport {
  const { answers, previous, ...rest } = input;
  const count = input.instrument.statements.length;
  const counted: AnalyzeCountsInput = { ...rest, counts: countAnswers(answers, count) };
  if (previous) counted.previous = countAnswers(previous.answers, count, "previous answer");
  return analyzeCounts(counted);
}

/** The analysis of counted answers: the same report as analyzeRound. */
export function analyzeCounts(input: AnalyzeCountsInput): RoundReport {
  const { instrument, market } = input;
  const first = lowestTotal(instrument.statements.length);
  const options = { minGroup: input.minGroup, roundClosed: input.roundClosed };
  const disclosed = discloseCounts(input.counts, options);
  const report: RoundReport = {
    roundClosed: input.roundClosed,
    market,
    targetLevel: TARGET_LEVEL[market],
    minGroup: effectiveMinGroup(input.minGroup),
    participation: participationReport(disclosed.counts, input.invited),
    disclosure: disclosed.disclosure,
    notes: withheldNotes(disclosed, input.minGroup),
    levels: levelRows(disclosed, first),
  };

  const everyoneRow = report.levels.find((row) => row.group === "everyone");
  if (disclosed.sides) report.gap = perceptionGapOfCounts(instrument, disclosed.sides);
  if (disclosed.everyone) {
    report.everyone = everyoneDetail(instrument, disclosed.everyone, report.gap);
  }
  if (input.previous && input.roundClosed) {
    const change = discloseChangeOfCounts(
      input.previous,
      input.counts,
      options,
      input.changePermissions,
    );
    report.trend = computeTrend(instrument, change);
    const note = changeWithheldNote(change.disclosure, input.minGroup);
    if (note !== undefined) report.notes.push(note);
  }
  if (everyoneRow) {
    // Without per-statement figures the advice follows from the level alone: picking "weak"
    // statements would hint at the very ratings the report withholds.
    const adviceInput: AdviceInput = { market, level: everyoneRow.level };
    if (report.everyone) adviceInput.statements = report.everyone.statements;
    if (report.gap) adviceInput.gaps = report.gap.statements;
    if (input.previous) {
      // What the previous round suggested, from what its own report showed, so this round's
      // advice does not simply repeat it (see suggestActions).
      const { previous: _, changePermissions: __, ...earlier } = input;
      const before = analyzeCounts({ ...earlier, counts: input.previous, roundClosed: true });
      if (before.advice) adviceInput.previousActions = before.advice.actions.map((a) => a.id);
    }
    report.adviceInput = adviceInput;
    report.advice = suggestActions(adviceInput);
  }
  return report;
}

/**
 * The report with its advice chosen again in view of the workspace's commitments: what is in
 * hand is not suggested again, and what was done is said. Cheap: the figures stay as they are.
 */
export function withCommitments(report: RoundReport, commitments: AdviceCommitments): RoundReport {
  if (!report.adviceInput) return report;
  return { ...report, advice: suggestActions({ ...report.adviceInput, commitments }) };
}
