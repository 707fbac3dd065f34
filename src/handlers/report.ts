import type { BlockAction, ButtonAction } from "@slack/bolt";
import type { Runtime } from "../runtime.js";
import { closedRoundReport } from "../services/round-report.js";
import { describeError } from "../services/slack.js";
import { FULL_REPORT_ACTION_ID, fullReportModal } from "../views/report.js";
import { noticeModal, section } from "../views/text.js";
import type { Routes } from "./routes.js";

/**
 * The leader's DM's "Full report" button. The trigger_id lives 3 seconds and a closed round's
 * analysis is cached, so the modal opens at once. The full report is what `/alignment report`
 * shows anyone in the workspace, so pressing the button needs no further permission; the round
 * must be this workspace's and closed.
 */
export function registerReport(routes: Routes, rt: Runtime): void {
  routes.action<BlockAction<ButtonAction>>(
    FULL_REPORT_ACTION_ID,
    async ({ ack, body, action, client }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      let view: ReturnType<typeof fullReportModal>;
      try {
        const round = await rt.store.rounds.get(Number(action.value));
        view =
          round && round.teamId === teamId && round.closedAt !== undefined
            ? fullReportModal(await closedRoundReport(rt, round))
            : noticeModal("Full report", "Close", [
                section(
                  "I can't find that round's results any more. `/alignment report` shows the latest.",
                ),
              ]);
      } catch (error) {
        rt.logger.warn(`Could not prepare the full report: ${describeError(error)}`);
        view = noticeModal("Full report", "Close", [
          section("I couldn't read the results just now. Please try again in a minute."),
        ]);
      }
      try {
        await client.views.open({ trigger_id: body.trigger_id, view });
      } catch (error) {
        rt.logger.warn(`Could not open the full report: ${describeError(error)}`);
      }
    },
  );
}
