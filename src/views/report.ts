import type { KnownBlock, ModalView } from "@slack/types";
import type { CommitmentEffect } from "../survey/commitments.js";
import type { JointAction, RoundReport, StatementGap } from "../survey/report.js";
import { oneDecimal } from "../survey/scoring.js";
import { ADOPT_ACTION_ID, adviceCommitmentsLine, sinceLastRoundBlocks } from "./commitments.js";
import {
  intervalText,
  meanTotal,
  overallGapLine,
  participationLine,
  pointsToNextText,
  scoreLine,
  signed,
  significanceWords,
} from "./figures.js";
import { type OpenRoundStatus, openRoundLine } from "./status.js";
import {
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  type MessageView,
  noticeModal,
  plainDate,
  section,
  slackDate,
} from "./text.js";

/** A closed round's analysis and when it closed: what every results view renders. */
export interface ClosedRound {
  closedAt: number;
  report: RoundReport;
  /** Commitments done since the previous round, and how their statements moved. */
  effects?: CommitmentEffect[];
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

/** "Sales rates it 1.2 higher", "Marketing rates it 0.4 higher" or "both rate it the same". */
export function whoRatesHigher(gap: number): string {
  const size = oneDecimal(Math.abs(gap));
  if (size === "0.0") return "both rate it the same";
  return `${gap > 0 ? "Sales" : "Marketing"} rates it ${size} higher`;
}

/** "Sales +1.2", "Marketing +0.4" or "same": who rates it higher, in a table's few characters. */
export function higherShort(gap: number): string {
  const size = oneDecimal(Math.abs(gap));
  if (size === "0.0") return "same";
  return `${gap > 0 ? "Sales" : "Marketing"} +${size}`;
}

/** The full report's interval and test result, with the p-value (the method note explains it). */
function significanceText(gap: StatementGap): string {
  const interval = gap.interval ? ` · ${intervalText(gap.interval)}` : "";
  return `${interval}${gap.significance ? ` · ${significanceWords(gap.significance)}` : ""}`;
}

/** Channel posts and the leader's DM say it plainly: no test, no p-value. */
const plainSignificance = (gap: StatementGap) =>
  gap.significance?.significant ? " · *clearly different*" : "";

const gapLine = (gap: StatementGap, detail: (gap: StatementGap) => string = significanceText) =>
  `*${gap.number}. ${escapeMrkdwn(gap.theme)}* — Sales ${oneDecimal(gap.sales)} · Marketing ${oneDecimal(gap.marketing)}: ${whoRatesHigher(gap.gap)}${detail(gap)}`;

/** The two scales, named wherever a report shows both: scores 20–100, ratings 1–5. */
const SCORE_SCALE = "mean score, 20–100";
const RATING_SCALE = "ratings on the 1–5 scale";

const actionBlock = (action: JointAction, index: number) =>
  section(
    `*${index + 1}. ${escapeMrkdwn(action.title)}*\n${escapeMrkdwn(action.detail)}\n_Why: ${escapeMrkdwn(action.reason)}. ${escapeMrkdwn(action.originNote)}._`,
  );

/** Level summary: the contract line for each visible group, its distance to the next level, and what the level looks like. */
function levelSummaryBlocks(report: RoundReport): KnownBlock[] {
  const lines = [
    `*Levels* (${SCORE_SCALE})`,
    ...report.levels.map((row) => `*${scoreLine(row)}*${pointsTo(row)}`),
  ];
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
      ...trendBlocks(report),
      ...sinceLastRoundBlocks(closed.effects),
      ...gapBlocks(report),
      ...extremesBlocks(report),
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
  blocks.push(section(gapHeadline(report)));
  if (gap.tested) blocks.push(section(overallGapLine(gap.overall)));
  if (gap.widest.length > 0) {
    blocks.push(
      section(
        `*Seen most differently* (${RATING_SCALE}; a gap of 1 point or more that is significant, its interval wholly on one side of zero)\n${gap.widest
          .slice(0, 8)
          .map((g) => gapLine(g))
          .join("\n")}`,
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
      `${s.number}. ${escapeMrkdwn(clip(s.theme, 60))} — ${oneDecimal(s.sales)} / ${oneDecimal(s.marketing)} (${higherShort(s.gap)})`,
  );
  blocks.push(
    section(
      `*Every statement* — Sales / Marketing, ${RATING_SCALE} (who rates it higher)\n${rows.join("\n")}`,
    ),
  );
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
  // A statement the sides dispute is not everyone's strength or weakness: say so beside it.
  const disputed = new Map((report.gap?.widest ?? []).map((g) => [g.number, g]));
  const list = (items: typeof everyone.strongest) =>
    items
      .map((s) => {
        const dispute = disputed.get(s.number);
        const note = dispute ? ` — _disputed: ${whoRatesHigher(dispute.gap)}_` : "";
        return `${s.number}. ${escapeMrkdwn(s.theme)} (${oneDecimal(s.mean)})${note}`;
      })
      .join("\n");
  return [
    {
      type: "section",
      fields: [
        {
          type: "mrkdwn",
          text: `*Strongest, for everyone* (${RATING_SCALE})\n${list(everyone.strongest)}`,
        },
        {
          type: "mrkdwn",
          text: `*Weakest, for everyone* (${RATING_SCALE})\n${list(everyone.weakest)}`,
        },
      ],
    },
  ];
}

function trendBlocks(report: RoundReport, maxGapLines = 10): KnownBlock[] {
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
      `Further apart: ${change.number}. ${escapeMrkdwn(change.theme)} (${higherShort(change.previousGap)} → ${higherShort(change.gap)})`,
    );
  }
  for (const change of trend.gaps?.narrowed ?? []) {
    gapLines.push(
      `Closer: ${change.number}. ${escapeMrkdwn(change.theme)} (${higherShort(change.previousGap)} → ${higherShort(change.gap)})`,
    );
  }
  const scales =
    gapLines.length > 0
      ? ` — ${SCORE_SCALE}; gaps in ${RATING_SCALE}, "Sales +1.0" meaning Sales rates it 1.0 higher`
      : ` — ${SCORE_SCALE}`;
  return [
    section(
      `*Since the previous round*${scales}\n${[...lines, ...gapLines.slice(0, maxGapLines)].join("\n")}`,
    ),
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
  const commitments = adviceCommitmentsLine(advice);
  if (commitments) blocks.push(context(commitments));
  return blocks;
}

/** "Sales sees Aligned, Marketing sees Defined. Sales rates the relationship 4.0 points higher …" */
function gapHeadline(report: RoundReport): string {
  const gap = report.gap;
  if (!gap) return "";
  return [
    gap.levelHeadline ? `*${gap.levelHeadline}.*` : undefined,
    `${gap.overall.sentence} (${SCORE_SCALE}).`,
  ]
    .filter(Boolean)
    .join(" ");
}

/** The plain-spoken top of a round's results: what channel posts and the leader's DM share. */
function plainResultBlocks(report: RoundReport): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (report.levels.length > 0) blocks.push(...levelSummaryBlocks(report));
  blocks.push(...trendBlocks(report, 3));
  const gap = report.gap;
  if (gap) {
    const top = gap.widest.slice(0, 3).map((g) => gapLine(g, plainSignificance));
    blocks.push(
      section(
        top.length > 0
          ? `${gapHeadline(report)}\n*Seen most differently* (${RATING_SCALE})\n${top.join("\n")}`
          : gapHeadline(report),
      ),
    );
  }
  return blocks;
}

/** Posted in both channels when a round closes: levels, change, the top gaps, the top three actions. */
export function channelSummaryMessage(closed: ClosedRound): MessageView {
  const { report, closedAt } = closed;
  const blocks: KnownBlock[] = [
    header("The results are in: how Sales and Marketing work together"),
    section(
      `The round closed ${slackDate(closedAt)} · ${participationLine(report.participation, report.participation.invited)}`,
    ),
    ...withheldBlocks(report),
    ...plainResultBlocks(report),
  ];
  blocks.push(...adviceBlocks(report, 3));
  blocks.push(
    context(
      "Run `/alignment report` for the full report, `/alignment chart` for the chart, or `/alignment me` to compare your own answers privately.",
    ),
  );
  const text = [
    `Alignment survey results (round closed ${plainDate(closedAt)})`,
    ...scoreLines(report),
    ...report.notes,
  ].join("\n");
  return { text, blocks };
}

export const FULL_REPORT_ACTION_ID = "open_full_report";

/**
 * The leaders' DM when a round closes: about two screens with the chart that follows it. The
 * tables (every statement, strongest and weakest, the spread, the method) are one button away.
 */
export function leaderReportMessage(closed: ClosedRound, roundId: number): MessageView {
  const { report, closedAt } = closed;
  const blocks: KnownBlock[] = [
    header("Sales & Marketing alignment: the results"),
    section(
      `*The round closed ${slackDate(closedAt)}* · ${participationLine(report.participation, report.participation.invited)}`,
    ),
    ...withheldBlocks(report),
    ...plainResultBlocks(report),
    ...sinceLastRoundBlocks(closed.effects),
  ];
  const actions = report.advice?.actions.slice(0, 3) ?? [];
  if (actions.length > 0) {
    // Each suggestion can be adopted from here: the DM goes to leaders only, and the button is
    // checked again on the server.
    blocks.push(section("*Suggested joint actions*"));
    actions.forEach((action, i) => {
      const line = section(`${i + 1}. ${escapeMrkdwn(action.title)}`);
      line.accessory = {
        type: "button",
        action_id: ADOPT_ACTION_ID,
        text: { type: "plain_text", text: "Adopt" },
        value: JSON.stringify({ roundId, actionId: action.id }),
      };
      blocks.push(line);
    });
  }
  const commitments = report.advice && adviceCommitmentsLine(report.advice);
  if (commitments) blocks.push(context(commitments));
  blocks.push(
    {
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: FULL_REPORT_ACTION_ID,
          text: { type: "plain_text", text: "Full report" },
          value: String(roundId),
        },
      ],
    },
    context(
      report.gap
        ? "The chart follows. *Full report*: every statement, the strongest and weakest, how united each side is, the method and every action. `/alignment export`: the figures as CSV."
        : "*Full report*: everything this round may show, and every action. `/alignment export`: the figures as CSV.",
    ),
  );
  const text = [
    `Alignment results (round closed ${plainDate(closedAt)})`,
    ...scoreLines(report),
    ...report.notes,
  ].join("\n");
  return { text, blocks };
}

/** The full report in a modal, from the leader's DM (at most 100 blocks, as Slack allows). */
export function fullReportModal(closed: ClosedRound): ModalView {
  const blocks = reportMessage({ closed, open: undefined }).blocks.slice(1, 101);
  return noticeModal("Full report", "Close", blocks);
}
