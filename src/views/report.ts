import type { KnownBlock } from "@slack/types";
import type { RoundSummary } from "../survey/summary.js";
import type { Group } from "../survey/types.js";
import { scoreLine } from "./figures.js";
import { type OpenRoundStatus, openRoundLine, withheldNote } from "./status.js";
import { context, header, type MessageView, plainDate, section, slackDate } from "./text.js";

const GROUP_ORDER: readonly Group[] = ["sales", "marketing", "everyone"];

/** The contract lines (`Sales n=4 · 60.0 · Aligned`) for the groups the summary may show. */
export function scoreLines(summary: RoundSummary): string[] {
  return GROUP_ORDER.flatMap((group) => {
    const score = summary.scores[group];
    return score ? [scoreLine(group, score)] : [];
  });
}

export interface ReportInput {
  closed: { closedAt: number; summary: RoundSummary } | undefined;
  open: OpenRoundStatus | undefined;
  minGroup: number;
}

/** `/alignment` and `/alignment report`: the latest closed round, plus the open round's participation. */
export function reportMessage(input: ReportInput): MessageView {
  const blocks: KnownBlock[] = [header("Sales & Marketing alignment")];
  const text: string[] = [];
  if (input.closed) {
    const { summary, closedAt } = input.closed;
    const lines = scoreLines(summary);
    const note = withheldNote(summary.disclosure.withheld, input.minGroup);
    blocks.push(section(`*Round closed ${slackDate(closedAt)}*`));
    text.push(`Round closed ${plainDate(closedAt)}`);
    if (lines.length > 0) {
      blocks.push(section(lines.join("\n")));
      text.push(...lines);
    }
    if (note) {
      blocks.push(context(note));
      text.push(note);
    }
  } else {
    const none = "No round has closed yet, so there are no results to show.";
    blocks.push(section(none));
    text.push(none);
  }
  if (input.open) {
    blocks.push(context(`:hourglass_flowing_sand: ${openRoundLine(input.open)}`));
    text.push(
      `Open round: ${openRoundLine(input.open).replace(/<!date\^\d+\^[^|]*\|([^>]*)>/, "$1")}`,
    );
  }
  return { text: text.join("\n"), blocks };
}
