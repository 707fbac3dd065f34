import type { ActionsBlock, KnownBlock } from "@slack/types";
import { participationLine, responseRateLine, scoreLine } from "./figures.js";
import type { ClosedRound } from "./report.js";
import { nextLaunchLine } from "./schedule.js";
import type { OpenRoundStatus } from "./status.js";
import {
  context,
  escapeMrkdwn,
  header,
  type MessageView,
  plainDate,
  section,
  slackDate,
} from "./text.js";

export interface DigestInput {
  now: number;
  open: OpenRoundStatus | undefined;
  closed: ClosedRound | undefined;
  /** The commitments part (see commitments.ts), placed before the latest results. */
  commitments?: { blocks: KnownBlock[]; text: string[] };
  /** When the next recurring round launches, if rounds recur. */
  nextLaunch?: number | undefined;
  /** The open round's id: the digest then offers "Remind non-respondents" (leaders only get it). */
  remindRoundId?: number | undefined;
}

/** The "Remind non-respondents" button of the digest and the leaders' Home tab. */
export const REMIND_ACTION_ID = "remind_non_respondents";

export function remindButton(roundId: number): ActionsBlock["elements"][number] {
  return {
    type: "button",
    action_id: REMIND_ACTION_ID,
    text: { type: "plain_text", text: "Remind non-respondents" },
    value: String(roundId),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The leaders' weekly digest (and `/alignment digest`, its preview). */
export function digestMessage(input: DigestInput): MessageView {
  const blocks: KnownBlock[] = [header("Your weekly Sales & Marketing alignment digest")];
  const text: string[] = ["Weekly alignment digest"];
  const { open, closed } = input;
  if (open) {
    const daysLeft = Math.max(0, Math.ceil((open.closesAt - input.now) / DAY_MS));
    const line = participationLine(open.participation, open.invited);
    const rate = responseRateLine(open.participation, open.invited);
    blocks.push(
      section(
        `*A round is open* — it closes ${slackDate(open.closesAt)} (${daysLeft} day${daysLeft === 1 ? "" : "s"} left).\n${line}${rate ? `\n${rate}` : ""}`,
      ),
    );
    text.push(`Open round, closes ${plainDate(open.closesAt)}: ${line}`);
    if (input.remindRoundId !== undefined)
      blocks.push({
        type: "actions",
        block_id: "digest_remind",
        elements: [remindButton(input.remindRoundId)],
      });
    blocks.push(
      context(
        "Scores appear when the round closes. *Remind non-respondents* (or `/alignment remind`) DMs everyone who hasn't answered, in their working hours; it never says who.",
      ),
    );
  } else {
    const none = closed
      ? "No round is open. When you want a fresh reading, start one with `/alignment launch`."
      : "No round has run yet. Start the first one with `/alignment launch`.";
    blocks.push(section(none));
    text.push(none.replace(/`/g, ""));
  }
  if (input.commitments) {
    blocks.push(...input.commitments.blocks);
    text.push(...input.commitments.text);
  }
  if (closed) {
    const { report } = closed;
    const lines = report.levels.map(scoreLine);
    blocks.push(
      section(
        `*Latest results* (round closed ${slackDate(closed.closedAt)})\n${lines.length > 0 ? lines.join("\n") : report.notes.join(" ")}`,
      ),
    );
    text.push(...lines);
    const actions = report.advice?.actions.slice(0, 3) ?? [];
    if (actions.length > 0) {
      blocks.push(
        section(
          `*Joint actions to work on*\n${actions.map((a, i) => `${i + 1}. ${escapeMrkdwn(a.title)}`).join("\n")}`,
        ),
      );
    }
    blocks.push(context("`/alignment report` has the full report."));
  }
  if (input.nextLaunch !== undefined) {
    blocks.push(context(nextLaunchLine(input.nextLaunch)));
    text.push(`Next round launches ${plainDate(input.nextLaunch)}.`);
  }
  return { text: text.join("\n"), blocks };
}
