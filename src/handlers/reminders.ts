import type { BlockAction, ButtonAction } from "@slack/bolt";
import type { Runtime } from "../runtime.js";
import { describeError } from "../services/slack.js";
import { OPT_OUT_ACTION_ID, optedOutDm } from "../views/reminder-dm.js";
import type { Routes } from "./routes.js";

/** "Don't remind me this round" on a reminder DM: recorded under the keyed hash, then confirmed. */
export function registerReminderActions(routes: Routes, rt: Runtime) {
  routes.action<BlockAction<ButtonAction>>(
    OPT_OUT_ACTION_ID,
    async ({ ack, body, action, respond }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      try {
        const round = await rt.store.rounds.get(Number(action.value));
        if (!round || round.teamId !== teamId) return;
        await rt.store.dms.optOut(round.id, rt.personKey(teamId, body.user.id));
        await respond({
          replace_original: true,
          ...optedOutDm({ roundId: round.id, closesAt: round.closesAt }),
        });
      } catch (error) {
        rt.logger.warn(`Could not record a reminder opt-out: ${describeError(error)}`);
        await respond({
          response_type: "ephemeral",
          replace_original: false,
          text: "Sorry, I couldn't save that just now. Please press *Don't remind me this round* again in a minute.",
        }).catch(() => undefined);
      }
    },
  );
}
