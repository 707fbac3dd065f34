import type { App, ViewStateValue } from "@slack/bolt";
import { z } from "zod";
import type { Deps } from "../deps.js";
import type { Runtime } from "../runtime.js";
import { surveyChannels } from "../services/channels.js";
import { chosenLeaders } from "../services/leaders.js";
import {
  parseParticipationSetup,
  participationSettingsOf,
  saveParticipationSettings,
} from "../services/participation-settings.js";
import { describeError } from "../services/slack.js";
import type { Side } from "../survey/types.js";
import {
  CHANNEL_ACTION_ID,
  CHANNEL_BLOCK_IDS,
  LEADERS_ACTION_ID,
  LEADERS_BLOCK_ID,
  MAX_LEADERS,
  SETUP_CALLBACK_ID,
  setupModal,
  setupSavedModal,
} from "../views/setup-modal.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/);

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);

export type ParsedSetup =
  | { ok: true; channels: Record<Side, string>; leaders: string[] }
  | { ok: false; errors: Record<string, string> };

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
  if (!sales.success || !marketing.success || !chosen.success || Object.keys(errors).length > 0)
    return { ok: false, errors };
  return {
    ok: true,
    channels: { sales: sales.data, marketing: marketing.data },
    leaders: [...new Set(chosen.data)],
  };
}

/** Opens the setup modal for a leader (the command's trigger_id is good for 3 seconds). */
export async function openSetup(
  deps: Deps,
  client: App["client"],
  input: { teamId: string; triggerId: string },
): Promise<void> {
  await client.views.open({
    trigger_id: input.triggerId,
    view: setupModal(
      await surveyChannels(deps, input.teamId),
      await chosenLeaders(deps, input.teamId),
      await participationSettingsOf(deps, input.teamId),
    ),
  });
}

export function registerSetup(app: App, rt: Runtime) {
  app.view(SETUP_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    // The modal was opened by a leader, but check again: a view can be submitted much later.
    let allowed = false;
    try {
      allowed = await rt.leaders.isLeader(teamId, client, body.user.id);
    } catch (error) {
      rt.logger.warn(`Leader check failed: ${describeError(error)}`);
    }
    if (!allowed) {
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
    } catch (error) {
      rt.logger.error(`Could not save the setup: ${describeError(error)}`);
      await ack({
        response_action: "errors",
        errors: {
          [CHANNEL_BLOCK_IDS.sales]:
            "Sorry, I couldn't save the channels just now. Nothing changed: press Save again in a moment.",
        },
      });
      return;
    }
    await ack({ response_action: "update", view: setupSavedModal(parsed.channels) });
  });
}
