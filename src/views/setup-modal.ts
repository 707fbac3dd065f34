import type { InputBlock, ModalView, PlainTextOption } from "@slack/types";
import { TARGET_LEVEL } from "../survey/advice.js";
import type { Market, Side } from "../survey/types.js";
import { type ParticipationSettings, participationInputs } from "./setup-participation.js";
import { context, type MessageView, noticeModal, section } from "./text.js";

export const SETUP_CALLBACK_ID = "setup_submit";
export const CHANNEL_ACTION_ID = "channel";
export const LEADERS_BLOCK_ID = "leaders";
export const LEADERS_ACTION_ID = "users";
export const MAX_LEADERS = 20;
export const CHANNEL_BLOCK_IDS: Record<Side, string> = {
  sales: "sales_channel",
  marketing: "marketing_channel",
};
/** The other settings' inputs: block_id and action_id are the same word. */
export const SETTING_IDS = {
  market: "market",
  minGroup: "min_group",
  roundDays: "round_days",
  digestDay: "digest_day",
  digestTime: "digest_time",
} as const;

/** What the setup shows besides channels and leaders: the workspace's current settings. */
export interface SetupSettings {
  market: Market;
  minGroup: number;
  roundDays: number;
  /** The digest's weekday (0 = Sunday) and "HH:MM"; undefined while the schedule is a custom cron. */
  digest: { day: number; time: string } | undefined;
}

export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
] as const;

const MARKET_WORDS: Record<Market, string> = {
  stable: "Stable market",
  shifting: "Shifting market",
  complex: "Complex market",
};

const plainOption = (text: string, value: string): PlainTextOption => ({
  text: { type: "plain_text", text },
  value,
});

function marketInput(current: Market): InputBlock {
  const options = (Object.keys(MARKET_WORDS) as Market[]).map((market) =>
    plainOption(`${MARKET_WORDS[market]}: aim for ${TARGET_LEVEL[market]}`, market),
  );
  return {
    type: "input",
    block_id: SETTING_IDS.market,
    label: { type: "plain_text", text: "Market situation" },
    hint: {
      type: "plain_text",
      text: "Sets the level the advice aims for. Not every company should aim for the top: a stable market needs only Defined.",
    },
    element: {
      type: "static_select",
      action_id: SETTING_IDS.market,
      options,
      initial_option: options.find((o) => o.value === current) as PlainTextOption,
    },
  };
}

/** A whole-number field within `range`, `current` filled in. */
export function numberInput(
  id: string,
  label: string,
  hint: string,
  range: { min: number; max: number },
  current: number,
  actionId = id,
): InputBlock {
  return {
    type: "input",
    block_id: id,
    label: { type: "plain_text", text: label },
    hint: { type: "plain_text", text: hint },
    element: {
      type: "number_input",
      action_id: actionId,
      is_decimal_allowed: false,
      min_value: String(range.min),
      max_value: String(range.max),
      initial_value: String(current),
    },
  };
}

function digestInputs(current: SetupSettings["digest"]): InputBlock[] {
  const days = WEEKDAYS.map((day, i) => plainOption(day, String(i)));
  const custom = current
    ? ""
    : " The schedule is a custom one now (TRUCE_DIGEST_CRON); choosing a day and time replaces it.";
  return [
    {
      type: "input",
      block_id: SETTING_IDS.digestDay,
      label: { type: "plain_text", text: "Weekly digest: day" },
      hint: {
        type: "plain_text",
        text: `Leaders get the digest by DM on this day, in their own time zone.${custom}`,
      },
      element: {
        type: "static_select",
        action_id: SETTING_IDS.digestDay,
        options: days,
        ...(current ? { initial_option: days[current.day] as PlainTextOption } : {}),
      },
    },
    {
      type: "input",
      block_id: SETTING_IDS.digestTime,
      label: { type: "plain_text", text: "Weekly digest: time" },
      element: {
        type: "timepicker",
        action_id: SETTING_IDS.digestTime,
        ...(current ? { initial_time: current.time } : {}),
      },
    },
  ];
}

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
  settings: SetupSettings = {
    market: "shifting",
    minGroup: 5,
    roundDays: 7,
    digest: { day: 1, time: "09:00" },
  },
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
      marketInput(settings.market),
      numberInput(
        SETTING_IDS.minGroup,
        "Minimum group",
        "The smallest group whose results are shown: 3 or more (5 recommended). Smaller groups would expose individuals.",
        { min: 3, max: 50 },
        settings.minGroup,
      ),
      numberInput(
        SETTING_IDS.roundDays,
        "Default round length (days)",
        "How long a round runs when `/alignment launch` is given no number of days: 1 to 60.",
        { min: 1, max: 60 },
        settings.roundDays,
      ),
      ...digestInputs(settings.digest),
      ...(participation ? participationInputs(participation) : []),
      context(
        "I join public channels by myself. For a private channel, type `/invite @Truce` in it before you launch a round.",
      ),
    ],
  };
}

export function setupSavedModal(
  channels: Record<Side, string>,
  settings?: Omit<SetupSettings, "digest"> & { digest: { day: number; time: string } },
): ModalView {
  const lines = settings
    ? [
        `Market: ${MARKET_WORDS[settings.market].toLowerCase()}, aiming for ${TARGET_LEVEL[settings.market]}`,
        `Minimum group: ${settings.minGroup} · Default round: ${settings.roundDays} day${settings.roundDays === 1 ? "" : "s"}`,
        `Weekly digest: ${WEEKDAYS[settings.digest.day]} at ${settings.digest.time}, in each leader's time zone`,
      ]
    : [];
  return noticeModal("Truce setup", "Done", [
    section(
      [
        `:white_check_mark: *Saved.* Sales: <#${channels.sales}> · Marketing: <#${channels.marketing}>`,
        ...lines,
        "A leader can now run `/alignment launch`.",
      ].join("\n"),
    ),
  ]);
}

export const OPEN_SETUP_ACTION_ID = "open_setup";

/** The answer to any command in a workspace whose survey channels are not chosen yet. */
export function setupNeededMessage(): MessageView {
  const text =
    "Truce isn't set up in this workspace yet: a leader chooses the sales and marketing channels (and the other settings) with `/alignment setup`, or the button below. Leaders are the workspace's admins and owners until others are chosen there.";
  return {
    text: text.replace(/`/g, ""),
    blocks: [
      section(`:wave: ${text}`),
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: OPEN_SETUP_ACTION_ID,
            style: "primary",
            text: { type: "plain_text", text: "Set up Truce" },
            value: "setup",
          },
        ],
      },
    ],
  };
}
