import { stringify } from "csv-stringify/sync";
import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import { discloseAnswers } from "../survey/anonymity.js";
import { momentsOf } from "../survey/counts.js";
import {
  type OverallGap,
  perceptionGap,
  type StatementGap,
  spreadOf,
  statementMeans,
} from "../survey/gap.js";
import type { Instrument } from "../survey/instrument.js";
import { oneDecimal, totalScore } from "../survey/scoring.js";
import { type Answer, GROUP_LABELS, type Group } from "../survey/types.js";
import { cliffsDeltaCell, intervalCells, meanTotal, pValueCell } from "../views/figures.js";
import { workspaceSettings } from "./settings.js";

/**
 * `/alignment export`: every closed round's figures as one CSV file, one row per round × group ×
 * statement (and one for the group's total), built only from what the anonymity rules let a
 * report show (discloseAnswers): no row for a side below the minimum group, and while a side is
 * withheld only Everyone's total, never its statements.
 */

export interface ExportRow {
  roundOpened: string;
  roundClosed: string;
  group: string;
  /** 1–20, or "total" for the 20–100 score. */
  statement: number | "total";
  statementId: string;
  theme: string;
  /** "1-5" for a statement, "20-100" for the total: the two are never read as one scale. */
  scale: "1-5" | "20-100";
  n: number | "";
  mean: string;
  sd: string;
  /** Gap rows only (group "Gap (Sales − Marketing)"): the 95 % interval, effect size and test. */
  gap?: { ciLow: string; ciHigh: string; cliffsDelta: string; p: string; disputed: string };
}

/** The group name of the rows that carry the gap between the sides. */
export const GAP_GROUP = "Gap (Sales − Marketing)";

/** How many closed rounds an export holds at most (the latest). */
export const EXPORT_ROUNDS = 100;

const isoDate = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/**
 * A statement's standard deviation with one decimal, like its mean: a spreadsheet can chart the
 * spread, and one decimal of a 1–5 rating is as coarse as the means beside it.
 */
function statementSd(ratings: readonly number[]): string {
  const cells = [0, 0, 0, 0, 0];
  for (const r of ratings) cells[r - 1] = (cells[r - 1] ?? 0) + 1;
  const { n, variance } = momentsOf(cells, 1);
  return n < 2 ? "0.0" : oneDecimal(Math.sqrt(variance));
}

/** A gap with one decimal as a spreadsheet reads it: "-1.2", "0.4" (oneDecimal's rounding). */
const plainSigned = (gap: number) => {
  const text = oneDecimal(Math.abs(gap));
  return text === "0.0" ? "0.0" : `${gap < 0 ? "-" : ""}${text}`;
};

/** A gap row's figures: only where the sides were tested (both large enough). */
const gapCells = (
  gap: Pick<StatementGap | OverallGap, "interval" | "cliffsDelta" | "significance">,
  disputed: string,
) => {
  const [ciLow, ciHigh] = intervalCells(gap.interval);
  return {
    ciLow,
    ciHigh,
    cliffsDelta: cliffsDeltaCell(gap.cliffsDelta),
    p: gap.significance ? pValueCell(gap.significance) : "",
    disputed,
  };
};

/** The export's rows for one closed round (pure: the round's answers in, rows out). */
export function roundExportRows(
  instrument: Instrument,
  round: Pick<Round, "openedAt" | "closedAt" | "statementIds">,
  answers: readonly Answer[],
  minGroup: number,
): ExportRow[] {
  const disclosed = discloseAnswers(answers, { minGroup, roundClosed: true });
  const dates = {
    roundOpened: isoDate(round.openedAt),
    roundClosed: isoDate(round.closedAt as number),
  };
  const themeOf = new Map(instrument.statements.map((s) => [s.id, s.theme]));
  const rows: ExportRow[] = [];
  const totalRow = (group: Group, totals: readonly number[]) => {
    rows.push({
      ...dates,
      group: GROUP_LABELS[group],
      statement: "total",
      statementId: "",
      theme: "Total score",
      scale: "20-100",
      n: totals.length,
      mean: meanTotal(totals.reduce((a, b) => a + b, 0) / totals.length),
      // Whole points, as the report's spread: see spreadOf for why an exact figure would not do.
      sd: String(spreadOf(totals).sd),
    });
  };
  const statementRows = (group: Group, members: readonly Answer[]) => {
    const count = round.statementIds.length;
    const means = statementMeans(members, count);
    round.statementIds.forEach((id, index) => {
      rows.push({
        ...dates,
        group: GROUP_LABELS[group],
        statement: index + 1,
        statementId: id,
        theme: themeOf.get(id) ?? "",
        scale: "1-5",
        n: members.length,
        mean: oneDecimal(means[index] ?? Number.NaN),
        sd: statementSd(members.map((a) => a.ratings[index] ?? Number.NaN)),
      });
    });
  };
  const groups: [Group, readonly Answer[]][] = [];
  if (disclosed.sides) {
    groups.push(["sales", disclosed.sides.sales], ["marketing", disclosed.sides.marketing]);
  }
  if (disclosed.everyone) groups.push(["everyone", disclosed.everyone]);
  // The gap between the sides, only when both sides may be shown: its interval, Cliff's delta
  // and test, per statement and for the total (the full report's figures, as coarse).
  const gap = disclosed.sides && perceptionGap(instrument, disclosed.sides);
  for (const [group, members] of groups) {
    totalRow(
      group,
      members.map((a) => totalScore(a.ratings)),
    );
    statementRows(group, members);
  }
  if (gap) {
    rows.push({
      ...dates,
      group: GAP_GROUP,
      statement: "total",
      statementId: "",
      theme: "Total score",
      scale: "20-100",
      n: "",
      mean: plainSigned(gap.overall.gap),
      sd: "",
      gap: gapCells(gap.overall, ""),
    });
    for (const statement of gap.statements) {
      rows.push({
        ...dates,
        group: GAP_GROUP,
        statement: statement.number,
        statementId: round.statementIds[statement.index] ?? "",
        theme: themeOf.get(round.statementIds[statement.index] ?? "") ?? statement.theme,
        scale: "1-5",
        n: "",
        mean: plainSigned(statement.gap),
        sd: "",
        gap: gapCells(statement, statement.significance ? (statement.disputed ? "yes" : "no") : ""),
      });
    }
  }
  // Everyone as a total only (a side is withheld): its statements would give the small side away.
  if (!disclosed.everyone && disclosed.everyoneTotals) {
    totalRow("everyone", disclosed.everyoneTotals);
  }
  return rows;
}

export const EXPORT_HEADER = [
  "round_opened",
  "round_closed",
  "group",
  "statement",
  "statement_id",
  "theme",
  "scale",
  "n",
  "mean",
  "sd",
  "ci_low",
  "ci_high",
  "cliffs_delta",
  "p_value",
  "disputed",
] as const;

/**
 * The CSV text. Numbers go out as numbers; text cells that a spreadsheet would run as a formula
 * (beginning with =, +, -, @, a tab or a carriage return: a custom instrument's theme could) are
 * neutralised by csv-stringify's escape_formulas, which prefixes them with a single quote.
 */
export function exportCsvFile(rows: readonly ExportRow[]): string {
  return stringify(
    [
      [...EXPORT_HEADER],
      ...rows.map((r) => [
        r.roundOpened,
        r.roundClosed,
        r.group,
        r.statement,
        r.statementId,
        r.theme,
        r.scale,
        r.n,
        Number(r.mean),
        r.sd === "" ? "" : Number(r.sd),
        r.gap?.ciLow === undefined || r.gap.ciLow === "" ? "" : Number(r.gap.ciLow),
        r.gap?.ciHigh === undefined || r.gap.ciHigh === "" ? "" : Number(r.gap.ciHigh),
        r.gap?.cliffsDelta === undefined || r.gap.cliffsDelta === ""
          ? ""
          : Number(r.gap.cliffsDelta),
        r.gap?.p ?? "",
        r.gap?.disputed ?? "",
      ]),
    ],
    { escape_formulas: true },
  );
}

/** Every closed round of the workspace, latest first, at most EXPORT_ROUNDS. */
async function closedRounds(deps: Deps, teamId: string): Promise<Round[]> {
  const rounds: Round[] = [];
  let round = await deps.store.rounds.latestClosed(teamId);
  while (round && rounds.length < EXPORT_ROUNDS) {
    rounds.push(round);
    round = await deps.store.rounds.previousClosed(round);
  }
  return rounds;
}

/** The export of a workspace: oldest round first; undefined before any round closed. */
export async function workspaceExport(
  deps: Deps,
  teamId: string,
): Promise<{ csv: string; rounds: number; rows: number; latest: Round } | undefined> {
  const { minGroup } = await workspaceSettings(deps, teamId);
  const rounds = await closedRounds(deps, teamId);
  const latest = rounds[0];
  if (!latest) return undefined;
  const rows: ExportRow[] = [];
  for (const round of [...rounds].reverse()) {
    const answers = await deps.store.responses.answers(round.id);
    rows.push(...roundExportRows(deps.instrument, round, answers, minGroup));
  }
  return { csv: exportCsvFile(rows), rounds: rounds.length, rows: rows.length, latest };
}
