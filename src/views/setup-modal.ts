import type { InputBlock, ModalView } from "@slack/types";
import type { Side } from "../survey/types.js";
import { type ParticipationSettings, participationInputs } from "./setup-participation.js";
import { context, noticeModal, section } from "./text.js";

export const SETUP_CALLBACK_ID = "setup_submit";
export const CHANNEL_ACTION_ID = "channel";
export const LEADERS_BLOCK_ID = "leaders";
export const LEADERS_ACTION_ID = "users";
export const MAX_LEADERS = 20;
export const CHANNEL_BLOCK_IDS: Record<Side, string> = {
  sales: "sales_channel",
  marketing: "marketing_channel",
};

function channelInput(side: Side, current: string | undefined): InputBlock {
  const team = side === "sales" ? "Sales" : "Marketing";
  return {
    type: "input",
    block_id: CHANNEL_BLOCK_IDS[side],
    label: { type: "plain_text", text: `${team} channel` },
    hint: {
      type: "plain_text",
      text: `Where the ${team.toLowerCase()} team is invited to the survey and sees the results.`,
    },
    element: {
      type: "conversations_select",
      action_id: CHANNEL_ACTION_ID,
      placeholder: { type: "plain_text", text: `Choose the ${team.toLowerCase()} channel` },
      filter: { include: ["public", "private"], exclude_bot_users: true },
      ...(current ? { initial_conversation: current } : {}),
    },
  };
}

function leadersInput(current: readonly string[]): InputBlock {
  return {
    type: "input",
    block_id: LEADERS_BLOCK_ID,
    optional: true,
    label: { type: "plain_text", text: "Leaders" },
    hint: {
      type: "plain_text",
      text: "Who may launch and close rounds and gets the full report and the weekly digest. Leave empty for the workspace's admins and owners (and whoever installed Truce).",
    },
    element: {
      type: "multi_users_select",
      action_id: LEADERS_ACTION_ID,
      placeholder: { type: "plain_text", text: "Choose people" },
      max_selected_items: MAX_LEADERS,
      ...(current.length > 0 ? { initial_users: [...current] } : {}),
    },
  };
}

/**
 * `/alignment setup`: which channel each side is in, and who leads. Stored settings win over the
 * environment.
 */
export function setupModal(
  current: Partial<Record<Side, string>>,
  leaders: readonly string[] = [],
  participation?: ParticipationSettings,
): ModalView {
  return {
    type: "modal",
    callback_id: SETUP_CALLBACK_ID,
    title: { type: "plain_text", text: "Truce setup" },
    submit: { type: "plain_text", text: "Save" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      section("Choose the channel of each team. Invitations and results are posted there."),
      channelInput("sales", current.sales),
      channelInput("marketing", current.marketing),
      leadersInput(leaders),
      ...(participation ? participationInputs(participation) : []),
      context(
        "I join public channels by myself. For a private channel, type `/invite @Truce` in it before you launch a round.",
      ),
    ],
  };
}

export function setupSavedModal(channels: Record<Side, string>): ModalView {
  return noticeModal("Truce setup", "Done", [
    section(
      `:white_check_mark: *Saved.* Sales: <#${channels.sales}> · Marketing: <#${channels.marketing}>\nA leader can now run \`/alignment launch\`.`,
    ),
  ]);
}
