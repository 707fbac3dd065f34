import type { KnownBlock } from "@slack/types";
import type { InvitedCounts } from "../survey/report.js";
import type { Participation } from "../survey/summary.js";
import { participationLine } from "./figures.js";
import { context, type MessageView, plainDate, section, slackDate } from "./text.js";

export interface OpenRoundStatus {
  closesAt: number;
  participation: Participation;
  invited: InvitedCounts;
}

export function openRoundLine(open: OpenRoundStatus): string {
  return `Round open until ${slackDate(open.closesAt)} · ${participationLine(open.participation, open.invited)}`;
}

/** `/alignment status`. */
export function statusMessage(
  open: OpenRoundStatus | undefined,
  lastClosedAt?: number,
): MessageView {
  if (!open) {
    const text = lastClosedAt
      ? `No round is open. The last one closed on ${plainDate(lastClosedAt)}; run /alignment report for its results.`
      : "No round is open yet. A leader can start one with /alignment launch.";
    return { text, blocks: [section(text.replace(/\/alignment \w+/g, (c) => `\`${c}\``))] };
  }
  const line = `${participationLine(open.participation, open.invited)}`;
  const blocks: KnownBlock[] = [
    section(`*Survey round open* until ${slackDate(open.closesAt)}\n${line}`),
    context("Scores appear when the round closes; until then only participation is shown."),
  ];
  return {
    text: `Survey round open until ${plainDate(open.closesAt)}. ${line}`,
    blocks,
  };
}
