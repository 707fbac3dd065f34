import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import type { Participation } from "../survey/summary.js";
import { participationLine } from "./figures.js";
import { ANSWER_MINUTES } from "./survey-modal.js";
import { context, header, type MessageView, plainDate, section, slackDate } from "./text.js";

export const OPEN_SURVEY_ACTION_ID = "open_survey";

export interface InvitationInput {
  roundId: number;
  closesAt: number;
  closedAt: number | undefined;
  statementCount: number;
  participation: Participation;
  credit: string;
}

/** The button that opens the survey; its value is the round id. */
export function surveyButtonElement(roundId: number): Button {
  return {
    type: "button",
    action_id: OPEN_SURVEY_ACTION_ID,
    text: { type: "plain_text", text: "Take the survey", emoji: true },
    value: String(roundId),
    style: "primary",
  };
}

/** The survey button in an actions block of its own. */
export function surveyButton(roundId: number): ActionsBlock {
  return { type: "actions", block_id: "survey_actions", elements: [surveyButtonElement(roundId)] };
}

/** The message posted to each side's channel; updated in place as answers come in and at close. */
export function invitationMessage(input: InvitationInput): MessageView {
  const closed = input.closedAt !== undefined;
  const button = surveyButton(input.roundId);
  const blocks: KnownBlock[] = [
    header("How well do Sales and Marketing work together?"),
    section(
      closed
        ? `This round closed on ${slackDate(input.closedAt as number)}. Thank you to everyone who answered — run \`/alignment report\` for the results.`
        : `Sales and Marketing are both asked to rate ${input.statementCount} statements about how the two teams work together. It takes about ${ANSWER_MINUTES} minutes. Answers are anonymous: Truce only ever shows group figures, and only after the round closes on ${slackDate(input.closesAt)}.`,
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

/** `/alignment remind`: a nudge in each channel while a round is open, with the same button. */
export function reminderMessage(input: {
  roundId: number;
  closesAt: number;
  closedAt: number | undefined;
  participation: Participation;
}): MessageView {
  const line = participationLine(input.participation);
  if (input.closedAt !== undefined) {
    const closed = `This round closed on ${slackDate(input.closedAt)}; run \`/alignment report\` for the results.`;
    return {
      text: `The Sales & Marketing survey closed on ${plainDate(input.closedAt)}.`,
      blocks: [section(`:bell: ${closed}`), context(`:bar_chart: Final responses: ${line}`)],
    };
  }
  return {
    text: `Reminder: the Sales & Marketing survey closes ${plainDate(input.closesAt)}. So far: ${line}.`,
    blocks: [
      section(
        `:bell: *Reminder:* the Sales & Marketing survey closes ${slackDate(input.closesAt)}. If you haven't answered yet, it takes about ${ANSWER_MINUTES} minutes and is anonymous. If you have, you can still change your answers.`,
      ),
      surveyButton(input.roundId),
      context(`:bar_chart: Responses so far: ${line}`),
    ],
  };
}
