import type { ActionsBlock, KnownBlock } from "@slack/types";
import type { Participation } from "../survey/summary.js";
import type { Side } from "../survey/types.js";
import { participationLine } from "./figures.js";
import { context, header, type MessageView, plainDate, section, slackDate } from "./text.js";

export const OPEN_SURVEY_ACTION_ID = "open_survey";

export interface InvitationInput {
  roundId: number;
  side: Side;
  closesAt: number;
  closedAt: number | undefined;
  statementCount: number;
  participation: Participation;
  credit: string;
}

/** The message posted to each side's channel; updated in place as answers come in and at close. */
export function invitationMessage(input: InvitationInput): MessageView {
  const closed = input.closedAt !== undefined;
  const button: ActionsBlock = {
    type: "actions",
    block_id: "invitation_actions",
    elements: [
      {
        type: "button",
        action_id: OPEN_SURVEY_ACTION_ID,
        text: { type: "plain_text", text: "Take the survey", emoji: true },
        value: String(input.roundId),
        style: "primary",
      },
    ],
  };
  const blocks: KnownBlock[] = [
    header("How well do Sales and Marketing work together?"),
    section(
      closed
        ? `This round closed on ${slackDate(input.closedAt as number)}. Thank you to everyone who answered — run \`/alignment report\` for the results.`
        : `Sales and Marketing are both asked to rate ${input.statementCount} statements about how the two teams work together. It takes about 5 minutes. Answers are anonymous: Truce only ever shows group figures, and only after the round closes on ${slackDate(input.closesAt)}.`,
    ),
    ...(closed ? [] : [button]),
    context(`:bar_chart: Responses: ${participationLine(input.participation)}`),
    context(input.credit),
  ];
  const text = closed
    ? `The Sales & Marketing alignment survey closed on ${plainDate(input.closedAt as number)}.`
    : `How well do Sales and Marketing work together? Take the 5-minute anonymous survey before ${plainDate(input.closesAt)}.`;
  return { text, blocks };
}
