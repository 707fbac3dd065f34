import type { ActionsBlock } from "@slack/types";
import { surveyButtonElement } from "./invitation.js";
import { ANSWER_MINUTES } from "./survey-modal.js";
import { context, type MessageView, plainDate, section, slackDate } from "./text.js";

export const OPT_OUT_ACTION_ID = "reminder_opt_out";

/** The survey button and, on reminders, "Don't remind me this round"; both carry the round id. */
function dmActions(roundId: number, optOut: boolean): ActionsBlock {
  return {
    type: "actions",
    block_id: "dm_actions",
    elements: [
      surveyButtonElement(roundId),
      ...(optOut
        ? [
            {
              type: "button" as const,
              action_id: OPT_OUT_ACTION_ID,
              text: { type: "plain_text" as const, text: "Don't remind me this round" },
              value: String(roundId),
            },
          ]
        : []),
    ],
  };
}

const PRIVACY =
  "Answers are anonymous: Truce only shows group figures, after the round closes. Nobody is told who has or hasn't answered.";

/** A reminder DM to someone in a survey channel who has not answered yet. */
export function reminderDm(input: { roundId: number; closesAt: number }): MessageView {
  return {
    text: `Reminder: the Sales & Marketing alignment survey closes ${plainDate(input.closesAt)}. It takes about ${ANSWER_MINUTES} minutes.`,
    blocks: [
      section(
        `:bell: *A reminder:* the Sales & Marketing alignment survey closes ${slackDate(input.closesAt)}. It takes about ${ANSWER_MINUTES} minutes. If you've answered since this was sent, thank you: nothing more to do.`,
      ),
      dmActions(input.roundId, true),
      context(PRIVACY),
    ],
  };
}

/** What a reminder becomes once its reader chose "Don't remind me this round". */
export function optedOutDm(input: { roundId: number; closesAt: number }): MessageView {
  return {
    text: "Got it: no more reminders this round.",
    blocks: [
      section(
        `:white_check_mark: Got it: no more reminders this round. The survey stays open until ${slackDate(input.closesAt)} if you change your mind.`,
      ),
      dmActions(input.roundId, false),
    ],
  };
}

/** A personal invitation (TRUCE_INVITE=dm or both). */
export function invitationDm(input: {
  roundId: number;
  closesAt: number;
  statementCount: number;
}): MessageView {
  return {
    text: `How well do Sales and Marketing work together? Take the 5-minute anonymous survey before ${plainDate(input.closesAt)}.`,
    blocks: [
      section(
        `:wave: *How well do Sales and Marketing work together?* You're invited, as a member of the sales or marketing channel, to rate ${input.statementCount} statements about how the two teams work together. It takes about ${ANSWER_MINUTES} minutes; the survey closes ${slackDate(input.closesAt)}.`,
      ),
      dmActions(input.roundId, false),
      context(PRIVACY),
    ],
  };
}
