import type { BlockAction, ButtonAction, ViewStateValue } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { Deps } from "../deps.js";
import type { Runtime } from "../runtime.js";
import { surveyChannels } from "../services/channels.js";
import { chosenLeaders, leads } from "../services/leaders.js";
import {
  parseParticipationSetup,
  participationSettingsOf,
  saveParticipationSettings,
} from "../services/participation-settings.js";
import { MAX_MIN_GROUP, MAX_ROUND_DAYS, workspaceSettings } from "../services/settings.js";
import { describeError } from "../services/slack.js";
import { ABSOLUTE_MIN_GROUP } from "../survey/anonymity.js";
import { MARKETS, type Market, type Side } from "../survey/types.js";
import {
  CHANNEL_ACTION_ID,
  CHANNEL_BLOCK_IDS,
  LEADERS_ACTION_ID,
  LEADERS_BLOCK_ID,
  MAX_LEADERS,
  OPEN_SETUP_ACTION_ID,
  SETTING_IDS,
  SETUP_CALLBACK_ID,
  setupModal,
  setupSavedModal,
} from "../views/setup-modal.js";
import { noticeModal, section } from "../views/text.js";
import type { Routes } from "./routes.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/);

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);

export interface ParsedSettings {
  market: Market;
  minGroup: number;
  roundDays: number;
  digest: { day: number; time: string };
}

export type ParsedSetup =
  | { ok: true; channels: Record<Side, string>; leaders: string[]; settings: ParsedSettings }
  | { ok: false; errors: Record<string, string> };

/** The settings' inputs; each error goes under its own input. Pure. */
function parseSettings(
  values: StateValues,
  errors: Record<string, string>,
): ParsedSettings | undefined {
  const value = (id: string) => values[id]?.[id];
  const market = z.enum(MARKETS).safeParse(value(SETTING_IDS.market)?.selected_option?.value);
  if (!market.success) errors[SETTING_IDS.market] = "Please choose the market situation.";
  const whole = (id: string, min: number, max: number, message: string) => {
    const raw = value(id)?.value;
    const n = Number(raw);
    if (
      typeof raw !== "string" ||
      raw.trim() === "" ||
      !Number.isInteger(n) ||
      n < min ||
      n > max
    ) {
      errors[id] = message;
      return undefined;
    }
    return n;
  };
  const minGroup = whole(
    SETTING_IDS.minGroup,
    ABSOLUTE_MIN_GROUP,
    MAX_MIN_GROUP,
    `Please give a whole number from ${ABSOLUTE_MIN_GROUP} to ${MAX_MIN_GROUP}: smaller groups would expose individuals.`,
  );
  const roundDays = whole(
    SETTING_IDS.roundDays,
    1,
    MAX_ROUND_DAYS,
    `Please give a whole number of days from 1 to ${MAX_ROUND_DAYS}.`,
  );
  const day = z
    .enum(["0", "1", "2", "3", "4", "5", "6"])
    .safeParse(value(SETTING_IDS.digestDay)?.selected_option?.value);
  if (!day.success) errors[SETTING_IDS.digestDay] = "Please choose a day.";
  const time = z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .safeParse(value(SETTING_IDS.digestTime)?.selected_time);
  if (!time.success) errors[SETTING_IDS.digestTime] = "Please choose a time.";
  if (!market.success || minGroup === undefined || roundDays === undefined) return undefined;
  if (!day.success || !time.success) return undefined;
  return {
    market: market.data,
    minGroup,
    roundDays,
    digest: { day: Number(day.data), time: time.data },
  };
}

/** Reads the setup modal: two different channels, or inline errors by block_id. Pure. */
export function parseSetup(values: StateValues): ParsedSetup {
  const pick = (side: Side) =>
    channelId.safeParse(
      values[CHANNEL_BLOCK_IDS[side]]?.[CHANNEL_ACTION_ID]?.selected_conversation,
    );
  const sales = pick("sales");
  const marketing = pick("marketing");
  const errors: Record<string, string> = {};
  if (!sales.success)
    errors[CHANNEL_BLOCK_IDS.sales] = "Please choose a channel (not a direct message).";
  if (!marketing.success) {
    errors[CHANNEL_BLOCK_IDS.marketing] = "Please choose a channel (not a direct message).";
  }
  if (sales.success && marketing.success && sales.data === marketing.data) {
    errors[CHANNEL_BLOCK_IDS.marketing] = "Choose a different channel from the sales channel.";
  }
  const chosen = z
    .array(userId)
    .max(MAX_LEADERS)
    .safeParse(values[LEADERS_BLOCK_ID]?.[LEADERS_ACTION_ID]?.selected_users ?? []);
  if (!chosen.success) errors[LEADERS_BLOCK_ID] = `Please choose up to ${MAX_LEADERS} people.`;
  const settings = parseSettings(values, errors);
  if (
    !sales.success ||
    !marketing.success ||
    !chosen.success ||
    !settings ||
    Object.keys(errors).length > 0
  )
    return { ok: false, errors };
  return {
    ok: true,
    channels: { sales: sales.data, marketing: marketing.data },
    leaders: [...new Set(chosen.data)],
    settings,
  };
}

/** Opens the setup modal for a leader (the command's trigger_id is good for 3 seconds). */
export async function openSetup(
  deps: Deps,
  client: WebClient,
  input: { teamId: string; triggerId: string },
): Promise<void> {
  const [channels, leaders, settings, participation] = await Promise.all([
    surveyChannels(deps, input.teamId),
    chosenLeaders(deps, input.teamId),
    workspaceSettings(deps, input.teamId),
    participationSettingsOf(deps, input.teamId),
  ]);
  await client.views.open({
    trigger_id: input.triggerId,
    view: setupModal(channels, leaders, settings, participation),
  });
}

export function registerSetup(routes: Routes, rt: Runtime) {
  // The button of the "not set up yet" answer: the setup for a leader, a note for anyone else.
  routes.action<BlockAction<ButtonAction>>(OPEN_SETUP_ACTION_ID, async ({ ack, body, client }) => {
    await ack();
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    try {
      if (await rt.leaders.isLeader(teamId, client, body.user.id)) {
        await openSetup(rt, client, { teamId, triggerId: body.trigger_id });
        return;
      }
      await client.views.open({
        trigger_id: body.trigger_id,
        view: noticeModal("Truce setup", "OK", [
          section(
            "Only the survey's leaders can set Truce up: until leaders are chosen, the workspace's admins and owners. Please ask one of them.",
          ),
        ]),
      });
    } catch (error) {
      rt.logger.warn(`Could not open the setup: ${describeError(error)}`);
    }
  });

  routes.view(SETUP_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    // The modal was opened by a leader, but check again: a view can be submitted much later.
    if (!(await leads(rt, teamId, client, body.user.id))) {
      await ack({
        response_action: "errors",
        errors: { [CHANNEL_BLOCK_IDS.sales]: "Only the survey's leaders can change the channels." },
      });
      return;
    }
    const parsed = parseSetup(view.state.values);
    // The participation fields are in the modal only when it was opened with them.
    const hasParticipation = view.blocks.some((b) => b.block_id === "invite_mode");
    const participation = hasParticipation ? parseParticipationSetup(view.state.values) : undefined;
    if (!parsed.ok || participation?.ok === false) {
      await ack({
        response_action: "errors",
        errors: {
          ...(parsed.ok ? {} : parsed.errors),
          ...(participation && !participation.ok ? participation.errors : {}),
        },
      });
      return;
    }
    try {
      await rt.store.settings.set(teamId, "sales_channel", parsed.channels.sales);
      await rt.store.settings.set(teamId, "marketing_channel", parsed.channels.marketing);
      if (parsed.leaders.length > 0)
        await rt.store.settings.set(teamId, "leaders", parsed.leaders.join(","));
      else await rt.store.settings.delete(teamId, "leaders");
      if (participation?.ok) await saveParticipationSettings(rt, teamId, participation.settings);
      const { market, minGroup, roundDays, digest } = parsed.settings;
      await rt.store.settings.set(teamId, "market", market);
      await rt.store.settings.set(teamId, "min_group", String(minGroup));
      await rt.store.settings.set(teamId, "round_days", String(roundDays));
      await rt.store.settings.set(teamId, "digest_day", String(digest.day));
      await rt.store.settings.set(teamId, "digest_time", digest.time);
    } catch (error) {
      rt.logger.error(`Could not save the setup: ${describeError(error)}`);
      await ack({
        response_action: "errors",
        errors: {
          [CHANNEL_BLOCK_IDS.sales]:
            "Sorry, I couldn't save the setup just now. Press Save again in a moment.",
        },
      });
      return;
    }
    await ack({
      response_action: "update",
      view: setupSavedModal(parsed.channels, parsed.settings),
    });
    // Who leads, the channels and the minimum group all change what Home shows.
    rt.home.changed(teamId, { urgent: true });
  });
}
