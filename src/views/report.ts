import type { KnownBlock } from "@slack/types";
import type { JointAction, RoundReport, StatementGap } from "../survey/report.js";
import { oneDecimal } from "../survey/scoring.js";
import {
  gapFigures,
  meanTotal,
  overallGapLine,
  participationLine,
  pointsToNextText,
  scoreLine,
  signed,
} from "./figures.js";
import { type OpenRoundStatus, openRoundLine } from "./status.js";
import {
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  type MessageView,
  plainDate,
  section,
  slackDate,
} from "./text.js";

/** A closed round's analysis and when it closed: what every results view renders. */
export interface ClosedRound {
  closedAt: number;
  report: RoundReport;
}

export interface ReportInput {
  closed: ClosedRound | undefined;
  open: OpenRoundStatus | undefined;
}

const pointsTo = (row: RoundReport["levels"][number]) => {
  const text = pointsToNextText(row.mean);
  return text ? ` — ${text}` : " — the highest level";
};

/** The contract lines, one per visible group. */
export const scoreLines = (report: RoundReport): string[] => report.levels.map(scoreLine);

const gapLine = (gap: StatementGap) =>
  `*${gap.number}. ${escapeMrkdwn(gap.theme)}* — Sales ${oneDecimal(gap.sales)} · Marketing ${oneDecimal(gap.marketing)} · ${gapFigures(gap)}`;

const actionBlock = (action: JointAction, index: number) =>
  section(
    `*${index + 1}. ${escapeMrkdwn(action.title)}*\n${escapeMrkdwn(action.detail)}\n_Why: ${escapeMrkdwn(action.reason)}. ${escapeMrkdwn(action.originNote)}._`,
  );

/** Level summary: the contract line for each visible group, its distance to the next level, and what the level looks like. */
function levelSummaryBlocks(report: RoundReport): KnownBlock[] {
  const lines = report.levels.map((row) => `*${scoreLine(row)}*${pointsTo(row)}`);
  const described = new Set<string>();
  const descriptions = report.levels.flatMap((row) => {
    if (described.has(row.level)) return [];
    described.add(row.level);
    return [`_${row.level}_: ${row.levelDescription}`];
  });
  return [section(lines.join("\n")), context(...descriptions)];
}

function withheldBlocks(report: RoundReport): KnownBlock[] {
  const notes = [...report.notes];
  if (report.participation.warning) notes.push(`:warning: ${report.participation.warning}`);
  return notes.length > 0 ? [context(...notes)] : [];
}

/** The full report: `/alignment report`, bare `/alignment`, and the leaders' DM at close. */
export function reportMessage(input: ReportInput): MessageView {
  const blocks: KnownBlock[] = [header("Sales & Marketing alignment")];
  const text: string[] = [];
  const { closed, open } = input;
  if (!closed) {
    const none = "No round has closed yet, so there are no results to show.";
    blocks.push(section(none));
    text.push(none);
  } else {
    const { report, closedAt } = closed;
    blocks.push(
      section(
        `*Results of the round that closed ${slackDate(closedAt)}* · ${participationLine(report.participation, report.participation.invited)}`,
      ),
    );
    text.push(`Results of the round that closed ${plainDate(closedAt)}`, ...scoreLines(report));
    blocks.push(...withheldBlocks(report));
    if (report.levels.length > 0) blocks.push(...levelSummaryBlocks(report));
    blocks.push(
      ...gapBlocks(report),
      ...extremesBlocks(report),
      ...trendBlocks(report),
      ...adviceBlocks(report, 5),
    );
    if (report.notes.length > 0) text.push(...report.notes);
  }
  if (open) {
    blocks.push(divider(), context(`:hourglass_flowing_sand: ${openRoundLine(open)}`));
    text.push(`A round is open: ${participationLine(open.participation, open.invited)}`);
  }
  return { text: text.join("\n"), blocks };
}

function gapBlocks(report: RoundReport): KnownBlock[] {
  const gap = report.gap;
  if (!gap) return [];
  const blocks: KnownBlock[] = [divider(), header("How differently the two sides see it")];
  const headline = [
    gap.levelHeadline ? `*${gap.levelHeadline}.*` : undefined,
    `${gap.overall.sentence}.`,
  ]
    .filter(Boolean)
    .join(" ");
  blocks.push(section(headline));
  if (gap.tested) blocks.push(section(overallGapLine(gap.overall)));
  if (gap.widest.length > 0) {
    blocks.push(
      section(
        `*Seen most differently* (ratings 1–5: a gap of 1 point or more that is significant, its interval wholly on one side of zero)\n${gap.widest.slice(0, 8).map(gapLine).join("\n")}`,
      ),
    );
  } else {
    blocks.push(
      section(
        "No statement is seen clearly differently: no gap of a full point or more stands out from chance at these group sizes.",
      ),
    );
  }
  const rows = gap.statements.map(
    (s) =>
      `${s.number}. ${escapeMrkdwn(clip(s.theme, 60))} — ${oneDecimal(s.sales)} / ${oneDecimal(s.marketing)} (${signed(s.gap)})`,
  );
  blocks.push(section(`*Every statement* — Sales / Marketing (gap)\n${rows.join("\n")}`));
  const spread = (side: "sales" | "marketing") =>
    `${side === "sales" ? "Sales" : "Marketing"} ${gap.spread[side].cohesion} (spread ±${gap.spread[side].sd} points)`;
  blocks.push(
    context(
      `How united each side is: ${spread("sales")} · ${spread("marketing")}`,
      gap.significanceNote ?? "",
      gap.methodNote,
    ),
  );
  return blocks;
}

function extremesBlocks(report: RoundReport): KnownBlock[] {
  const everyone = report.everyone;
  if (!everyone) return [];
  const list = (items: typeof everyone.strongest) =>
    items
      .map(
        (s) =>
          `${s.number}. ${escapeMrkdwn(s.theme)} (${oneDecimal(s.mean)} of 5${s.disputed ? ", but the sides clearly differ on it" : ""})`,
      )
      .join("\n");
  return [
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Strongest, for everyone*\n${list(everyone.strongest)}` },
        { type: "mrkdwn", text: `*Weakest, for everyone*\n${list(everyone.weakest)}` },
      ],
    },
  ];
}

function trendBlocks(report: RoundReport): KnownBlock[] {
  const trend = report.trend;
  if (!trend || trend.groups.length === 0) return [];
  const lines = trend.groups.map((g) => {
    const label = g.group === "everyone" ? "Everyone" : g.group === "sales" ? "Sales" : "Marketing";
    const level = g.levelChange === "same" ? g.level : `${g.previousLevel} → ${g.level}`;
    return `${label}: ${meanTotal(g.previousMean)} → ${meanTotal(g.mean)} (${signed(g.change)}) · ${level}`;
  });
  const gapLines: string[] = [];
  for (const change of trend.gaps?.widened ?? []) {
    gapLines.push(
      `Wider: ${change.number}. ${escapeMrkdwn(change.theme)} (${signed(change.previousGap)} → ${signed(change.gap)})`,
    );
  }
  for (const change of trend.gaps?.narrowed ?? []) {
    gapLines.push(
      `Closer: ${change.number}. ${escapeMrkdwn(change.theme)} (${signed(change.previousGap)} → ${signed(change.gap)})`,
    );
  }
  return [
    section(`*Since the previous round*\n${[...lines, ...gapLines.slice(0, 10)].join("\n")}`),
  ];
}

function adviceBlocks(report: RoundReport, max: number): KnownBlock[] {
  const advice = report.advice;
  if (!advice) return [];
  const blocks: KnownBlock[] = [
    divider(),
    header("Suggested joint actions"),
    section(escapeMrkdwn(advice.message)),
  ];
  blocks.push(...advice.actions.slice(0, max).map(actionBlock));
  if (advice.caveat) blocks.push(context(escapeMrkdwn(advice.caveat)));
  return blocks;
}

/** Posted in both channels when a round closes: the level summary, the top gaps, the top three actions. */
export function channelSummaryMessage(closed: ClosedRound): MessageView {
  const { report, closedAt } = closed;
  const blocks: KnownBlock[] = [
    header("The results are in: how Sales and Marketing work together"),
    section(
      `The round closed ${slackDate(closedAt)} · ${participationLine(report.participation, report.participation.invited)}`,
    ),
    ...withheldBlocks(report),
  ];
  if (report.levels.length > 0) blocks.push(...levelSummaryBlocks(report));
  const gap = report.gap;
  if (gap) {
    const headline = [
      gap.levelHeadline ? `*${gap.levelHeadline}.*` : undefined,
      `${gap.overall.sentence}.`,
    ]
      .filter(Boolean)
      .join(" ");
    const top = gap.widest.slice(0, 3).map(gapLine);
    blocks.push(
      section(
        top.length > 0 ? `${headline}\n*Seen most differently*\n${top.join("\n")}` : headline,
      ),
    );
  }
  blocks.push(...adviceBlocks(report, 3));
  blocks.push(
    context(
      "Run `/alignment report` for the full report, or `/alignment me` to compare your own answers privately.",
    ),
  );
  const text = [
    `Alignment survey results (round closed ${plainDate(closedAt)})`,
    ...scoreLines(report),
    ...report.notes,
  ].join("\n");
  return { text, blocks };
}

/** `/alignment actions`: just the suggested joint actions of the latest closed round. */
export function actionsMessage(closed: ClosedRound | undefined): MessageView {
  if (!closed?.report.advice) {
    const text = closed
      ? "Too few people answered the last round to suggest actions without exposing individual answers."
      : "No round has closed yet, so there are no suggested actions. A leader can start one with `/alignment launch`.";
    return { text, blocks: [section(text)] };
  }
  const blocks = adviceBlocks(closed.report, 5).slice(1);
  const text = closed.report.advice.actions.map((a, i) => `${i + 1}. ${a.title}`).join("\n");
  return { text: `Suggested joint actions:\n${text}`, blocks };
}
