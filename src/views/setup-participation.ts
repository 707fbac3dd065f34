import type { InputBlock, PlainTextOption } from "@slack/types";
import type { InviteMode } from "../config.js";

/**
 * The setup modal's participation fields (added after its channel and leader fields): when
 * non-respondents are reminded, how a launch invites people, and the cadence of recurring rounds.
 */
export const REMINDERS_BLOCK_ID = "reminder_slots";
export const INVITE_BLOCK_ID = "invite_mode";
export const SCHEDULE_BLOCK_ID = "schedule";
export const PARTICIPATION_ACTION_ID = "value";

const INVITE_OPTIONS: Record<InviteMode, string> = {
  channel: "A post in each channel",
  dm: "A DM to each member",
  both: "Both",
};

const option = (mode: InviteMode): PlainTextOption => ({
  text: { type: "plain_text", text: INVITE_OPTIONS[mode] },
  value: mode,
});

export interface ParticipationSettings {
  /** As TRUCE_REMINDERS writes them, e.g. "50%,-24h" or "off". */
  reminders: string;
  invite: InviteMode;
  /** "monthly", "quarterly", a cron expression, or "" for none. */
  schedule: string;
}

export function participationInputs(current: ParticipationSettings): InputBlock[] {
  return [
    {
      type: "input",
      block_id: REMINDERS_BLOCK_ID,
      optional: true,
      label: { type: "plain_text", text: "Reminders by DM" },
      hint: {
        type: "plain_text",
        text: "When people who haven't answered get a DM, in their working hours: shares of the round (50%) or times before the deadline (-24h), at most three, comma separated; off for none.",
      },
      element: {
        type: "plain_text_input",
        action_id: PARTICIPATION_ACTION_ID,
        initial_value: current.reminders,
        max_length: 40,
      },
    },
    {
      type: "input",
      block_id: INVITE_BLOCK_ID,
      optional: true,
      label: { type: "plain_text", text: "Invitations" },
      element: {
        type: "radio_buttons",
        action_id: PARTICIPATION_ACTION_ID,
        options: (["channel", "dm", "both"] as const).map(option),
        initial_option: option(current.invite),
      },
    },
    {
      type: "input",
      block_id: SCHEDULE_BLOCK_ID,
      optional: true,
      label: { type: "plain_text", text: "Recurring rounds" },
      hint: {
        type: "plain_text",
        text: "monthly (first Monday, 09:00), quarterly, or a cron expression such as 0 9 1 * *; leave empty to launch rounds by hand.",
      },
      element: {
        type: "plain_text_input",
        action_id: PARTICIPATION_ACTION_ID,
        ...(current.schedule ? { initial_value: current.schedule } : {}),
        max_length: 60,
      },
    },
  ];
}
