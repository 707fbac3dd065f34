import { stringify } from "csv-stringify/sync";
import { sampleStandardDeviation } from "simple-statistics";
import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import { discloseAnswers } from "../survey/anonymity.js";
import { spreadOf, statementMeans } from "../survey/gap.js";
import type { Instrument } from "../survey/instrument.js";
import { oneDecimal, totalScore } from "../survey/scoring.js";
import { type Answer, GROUP_LABELS, type Group } from "../survey/types.js";
import { meanTotal } from "../views/figures.js";
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
  n: number;
  mean: string;
  sd: string;
}

/** How many closed rounds an export holds at most (the latest). */
export const EXPORT_ROUNDS = 100;

const isoDate = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/**
 * A statement's standard deviation with one decimal, like its mean: a spreadsheet can chart the
 * spread, and one decimal of a 1–5 rating is as coarse as the means beside it.
 */
const statementSd = (ratings: readonly number[]) =>
  ratings.length < 2 ? "0.0" : oneDecimal(sampleStandardDeviation([...ratings]));

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
  for (const [group, members] of groups) {
    totalRow(
      group,
      members.map((a) => totalScore(a.ratings)),
    );
    statementRows(group, members);
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
        Number(r.sd),
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
