import type { KnownBlock } from "@slack/types";
import { stringify } from "csv-stringify/sync";
import { oneDecimal } from "../survey/scoring.js";
import { cliffsDeltaCell, intervalCells, meanTotal, pValueCell } from "./figures.js";
import type { ClosedRound } from "./report.js";
import { context, header, type MessageView, plainDate, section } from "./text.js";

/**
 * Rating means and gaps in the CSV: one decimal, as in the report, as plain numbers a spreadsheet
 * reads. More would pin down a small group's ratings: with five people a mean to two decimals is
 * their exact sum, and it would let the export say more than the report it is built from.
 */
const num = (value: number | undefined) => (value === undefined ? "" : oneDecimal(value));

/**
 * The latest results as CSV (group figures, then one row per statement). Built from the round's
 * report, so it holds exactly what the report may show: group figures only, per-side columns only
 * when both sides reach the minimum group size, and statement rows only when per-statement
 * figures may be shown (`statements` is undefined otherwise).
 */
export function exportCsv(closed: ClosedRound): {
  groups: string;
  overall?: string;
  statements?: string;
} {
  const { report } = closed;
  const groups = stringify([
    ["group", "n", "mean_total", "level"],
    ...report.levels.map((row) => [row.label, row.n, meanTotal(row.mean), row.level]),
  ]);
  // The gap of the mean totals (20–100), with its test and interval, when both sides are shown.
  const gap = report.gap;
  const overall =
    gap?.overall.significance === undefined
      ? undefined
      : stringify([
          [
            "sales_mean_total",
            "marketing_mean_total",
            "gap",
            "gap_ci95_low",
            "gap_ci95_high",
            "cliffs_delta",
            "p_value",
          ],
          [
            meanTotal(gap.overall.sales),
            meanTotal(gap.overall.marketing),
            num(gap.overall.gap),
            ...intervalCells(gap.overall.interval),
            cliffsDeltaCell(gap.overall.cliffsDelta),
            pValueCell(gap.overall.significance),
          ],
        ]);
  if (!report.everyone) return { groups };
  const withOverall = overall === undefined ? {} : { overall };
  const gapByNumber = new Map(report.gap?.statements.map((g) => [g.number, g]));
  const perSide = report.gap !== undefined;
  const statements = stringify([
    [
      "statement",
      "theme",
      "everyone_mean",
      ...(perSide
        ? [
            "sales_mean",
            "marketing_mean",
            "gap",
            "gap_ci95_low",
            "gap_ci95_high",
            "cliffs_delta",
            "p_value",
            "seen_differently",
          ]
        : []),
    ],
    ...report.everyone.statements.map((s) => {
      const gap = gapByNumber.get(s.number);
      return [
        s.number,
        s.theme,
        num(s.mean),
        ...(perSide
          ? [
              num(gap?.sales),
              num(gap?.marketing),
              num(gap?.gap),
              ...intervalCells(gap?.interval),
              cliffsDeltaCell(gap?.cliffsDelta),
              gap?.significance ? pValueCell(gap.significance) : "",
              gap?.disputed ? "yes" : "no",
            ]
          : []),
      ];
    }),
  ]);
  return { groups, ...withOverall, statements };
}

const codeBlock = (csv: string) => `\`\`\`${csv.trimEnd()}\`\`\``;

/** `/alignment export`: the CSV in code blocks, ready to copy into a spreadsheet. */
export function exportMessage(closed: ClosedRound | undefined): MessageView {
  if (!closed) {
    const text = "No round has closed yet, so there is nothing to export.";
    return { text, blocks: [section(text)] };
  }
  const csv = exportCsv(closed);
  const blocks: KnownBlock[] = [
    header("Alignment results as CSV"),
    context(
      `Round closed ${plainDate(closed.closedAt)}. Copy a block into a spreadsheet; group figures only, as in the report.`,
    ),
  ];
  if (closed.report.levels.length === 0) {
    blocks.push(section(closed.report.notes.join(" ") || "Too few answers to export anything."));
  } else {
    blocks.push(section(`*Groups*\n${codeBlock(csv.groups)}`));
    if (csv.overall !== undefined) {
      blocks.push(section(`*Overall gap (total score, 20–100)*\n${codeBlock(csv.overall)}`));
    }
    blocks.push(
      csv.statements === undefined
        ? context(
            "No statement rows: per-statement figures are withheld while a side is below the minimum group size.",
          )
        : section(`*Statements*\n${codeBlock(csv.statements)}`),
    );
  }
  return { text: `Alignment results (round closed ${plainDate(closed.closedAt)}) as CSV.`, blocks };
}
