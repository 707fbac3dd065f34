import type { BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { Runtime } from "../runtime.js";
import { surveyChannels } from "../services/channels.js";
import { alreadyOpen, MAX_ROUND_DAYS } from "../services/launch.js";
import { closeAndSay, exportToDm, launchAndInvite } from "../services/leader-actions.js";
import { leads } from "../services/leaders.js";
import { mirrorOf } from "../services/mirror.js";
import { inviteModeFor, remindNow, remindReply } from "../services/reminders.js";
import { workspaceSettings } from "../services/settings.js";
import { describeError } from "../services/slack.js";
import { REMIND_ACTION_ID } from "../views/digest.js";
import {
  closeConfirmModal,
  HOME_ACTION_IDS,
  HOME_CLOSE_CALLBACK_ID,
  HOME_LAUNCH_CALLBACK_ID,
  LAUNCH_DAYS_ACTION_ID,
  LAUNCH_DAYS_BLOCK_ID,
  launchModal,
  myAnswersModal,
  noticeOnHome,
  parseLaunchDays,
} from "../views/home.js";
import { mirrorMessage } from "../views/mirror.js";
import type { Routes } from "./routes.js";

/** Who may use a leader's button: the same words as `/alignment`'s refusal. */
export const NOT_A_LEADER_TEXT =
  "Only the survey's leaders can do that: the people chosen in `/alignment setup` (else those in `TRUCE_LEADERS`, else the workspace's admins and owners).";

const roundId = z.coerce.number().int().positive();

type ActionBody = BlockAction<ButtonAction>;

const teamOf = (body: { team?: { id?: string } | null; user: { team_id?: string } }) =>
  body.team?.id ?? body.user.team_id ?? "";

/**
 * The Home tab: published when someone opens it, and its buttons. The leaders' buttons are
 * checked on the server whatever surface the payload came from (a forged or forwarded one from
 * someone else is refused). A button on Home answers on Home: Slack gives a Home tab no ephemeral
 * replies, so what it did becomes a line at the top of the presser's Home, republished at once;
 * from a message (the digest's Remind button) the answer is an ephemeral reply there as well.
 */
export function registerHome(routes: Routes, rt: Runtime) {
  routes.event("app_home_opened", async ({ event, context }) => {
    if (event.tab !== "home") return;
    rt.home.opened(context.teamId ?? "", event.user);
  });

  const isLeader = (teamId: string, client: WebClient, userId: string) =>
    leads(rt, teamId, client, userId);

  /** Tells the presser what their button did: on their Home, and in the message's thread of replies. */
  const tell = async (
    body: ActionBody,
    respond: RespondFn | undefined,
    text: string,
  ): Promise<void> => {
    rt.home.note(teamOf(body), body.user.id, text);
    if (body.container?.type === "message" && respond)
      await respond({ response_type: "ephemeral", replace_original: false, text }).catch((error) =>
        rt.logger.warn(`Could not answer a Home button: ${describeError(error)}`),
      );
  };

  const openModal = async (client: WebClient, triggerId: string, view: ModalView) => {
    await client.views
      .open({ trigger_id: triggerId, view })
      .catch((error) => rt.logger.warn(`Could not open a Home modal: ${describeError(error)}`));
  };

  // Remind non-respondents: from Home and from the leaders' digest. The same DMs, in working
  // hours, as `/alignment remind`; its reply says what it did, in counts, never who.
  routes.action<ActionBody>(REMIND_ACTION_ID, async ({ ack, body, client, respond }) => {
    await ack();
    const teamId = teamOf(body);
    if (!(await isLeader(teamId, client, body.user.id))) {
      await tell(body, respond, NOT_A_LEADER_TEXT);
      return;
    }
    // Looking up each non-respondent's working hours may take a while: after the ack.
    rt.afterAck("remind from a button", async () => {
      let text: string;
      try {
        const result = await remindNow(rt, teamId);
        text = result.ok ? remindReply(result.plan) : result.message;
      } catch (error) {
        rt.logger.warn(`Reminding from a button failed: ${describeError(error)}`);
        text = `I couldn't queue the reminders just now (${describeError(error)}). Nobody was reminded; please try again in a minute.`;
      }
      await tell(body, respond, text);
    });
  });

  // Close: asks first in a modal, with the same warnings as `/alignment close`.
  routes.action<ActionBody>(HOME_ACTION_IDS.close, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = teamOf(body);
    let view: ModalView;
    if (!(await isLeader(teamId, client, body.user.id))) {
      view = noticeOnHome("Close the round", NOT_A_LEADER_TEXT);
    } else {
      try {
        const round = await rt.store.rounds.openFor(teamId);
        const id = roundId.safeParse(action.value);
        view =
          round && id.success && round.id === id.data
            ? closeConfirmModal({
                roundId: round.id,
                closesAt: round.closesAt,
                counts: await rt.store.responses.counts(round.id),
                minGroup: (await workspaceSettings(rt, teamId)).minGroup,
              })
            : noticeOnHome(
                "Close the round",
                "That round is already closed. The Home tab now shows its results.",
              );
        if (!round || view.callback_id !== HOME_CLOSE_CALLBACK_ID)
          rt.home.opened(teamId, body.user.id);
      } catch (error) {
        rt.logger.warn(`Could not prepare the close confirmation: ${describeError(error)}`);
        view = noticeOnHome(
          "Close the round",
          "I couldn't read the round just now. Nothing changed; please try again in a minute.",
        );
      }
    }
    await openModal(client, body.trigger_id, view);
  });

  routes.view(HOME_CLOSE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const teamId = teamOf(body);
    const userId = body.user.id;
    if (!(await isLeader(teamId, client, userId))) {
      await ack({
        response_action: "update",
        view: noticeOnHome("Close the round", NOT_A_LEADER_TEXT),
      });
      return;
    }
    const id = roundId.safeParse(view.private_metadata);
    let round: Awaited<ReturnType<typeof rt.store.rounds.openFor>>;
    try {
      round = await rt.store.rounds.openFor(teamId);
    } catch (error) {
      rt.logger.warn(`Could not read the round to close: ${describeError(error)}`);
      await ack({
        response_action: "update",
        view: noticeOnHome(
          "Close the round",
          "I couldn't read the round just now. *The round is still open*; please try again in a minute.",
        ),
      });
      return;
    }
    if (!round || !id.success || round.id !== id.data) {
      await ack({
        response_action: "update",
        view: noticeOnHome(
          "Close the round",
          "That round is already closed. `/alignment report` shows its results.",
        ),
      });
      return;
    }
    // Closing posts in both channels and DMs each leader: longer than Slack waits for an ack.
    await ack({
      response_action: "update",
      view: noticeOnHome(
        "Close the round",
        ":hourglass_flowing_sand: Closing the round and posting the results…",
      ),
    });
    rt.afterAck("close the round from Home", async () => {
      let said: string;
      try {
        said = await closeAndSay(rt, round);
      } catch (error) {
        rt.logger.error(`Closing from Home failed: ${describeError(error)}`);
        said =
          "Something went wrong on my side and the round may still be open. Please try again in a minute.";
      }
      rt.home.note(teamId, userId, said);
      rt.home.changed(teamId, { urgent: true });
      await client.views
        .update({ view_id: body.view.id, view: noticeOnHome("Close the round", said) })
        .catch(() => undefined); // closed by the leader already: Home says it too
    });
  });

  // Launch: a small modal for the round's length (the workspace's default filled in).
  routes.action<ActionBody>(HOME_ACTION_IDS.launch, async ({ ack, body, client }) => {
    await ack();
    const teamId = teamOf(body);
    let view: ModalView;
    if (!(await isLeader(teamId, client, body.user.id))) {
      view = noticeOnHome("Launch a round", NOT_A_LEADER_TEXT);
    } else {
      try {
        const [open, channels, settings, mode] = await Promise.all([
          rt.store.rounds.openFor(teamId),
          surveyChannels(rt, teamId),
          workspaceSettings(rt, teamId),
          inviteModeFor(rt, teamId),
        ]);
        if (open) view = noticeOnHome("Launch a round", alreadyOpen(open));
        else if (!channels.sales || !channels.marketing)
          view = noticeOnHome(
            "Launch a round",
            "Choose the sales and marketing channels first: press *Set up* on the Home tab, or run `/alignment setup`.",
          );
        else
          view = launchModal({
            defaultDays: settings.roundDays,
            maxDays: MAX_ROUND_DAYS,
            channels: { sales: channels.sales, marketing: channels.marketing },
            inviteByDm: mode !== "channel",
          });
      } catch (error) {
        rt.logger.warn(`Could not prepare the launch: ${describeError(error)}`);
        view = noticeOnHome(
          "Launch a round",
          "I couldn't read the settings just now. Nothing was launched; please try again in a minute.",
        );
      }
    }
    await openModal(client, body.trigger_id, view);
  });

  routes.view(HOME_LAUNCH_CALLBACK_ID, async ({ ack, body, view, client, context }) => {
    const teamId = teamOf(body);
    const userId = body.user.id;
    if (!(await isLeader(teamId, client, userId))) {
      await ack({
        response_action: "errors",
        errors: { [LAUNCH_DAYS_BLOCK_ID]: NOT_A_LEADER_TEXT },
      });
      return;
    }
    const days = parseLaunchDays(
      view.state.values[LAUNCH_DAYS_BLOCK_ID]?.[LAUNCH_DAYS_ACTION_ID]?.value,
      MAX_ROUND_DAYS,
    );
    if (typeof days === "string") {
      await ack({ response_action: "errors", errors: { [LAUNCH_DAYS_BLOCK_ID]: days } });
      return;
    }
    // Launching lists both channels' members and posts in both: longer than an ack may take.
    await ack({
      response_action: "update",
      view: noticeOnHome(
        "Launch a round",
        ":hourglass_flowing_sand: Launching the round and inviting both channels…",
      ),
    });
    rt.afterAck("launch a round from Home", async () => {
      const result = await launchAndInvite(rt, client, {
        teamId,
        userId,
        days,
        botUserId: context.botUserId,
      });
      rt.home.note(teamId, userId, result.text);
      if (result.ok) rt.home.changed(teamId, { urgent: true });
      await client.views
        .update({ view_id: body.view.id, view: noticeOnHome("Launch a round", result.text) })
        .catch(() => undefined);
    });
  });

  // Export: the CSV file in the leader's DM, as `/alignment export`.
  routes.action<ActionBody>(HOME_ACTION_IDS.export, async ({ ack, body, client, respond }) => {
    await ack();
    const teamId = teamOf(body);
    if (!(await isLeader(teamId, client, body.user.id))) {
      await tell(body, respond, NOT_A_LEADER_TEXT);
      return;
    }
    rt.afterAck("export from a button", async () => {
      let text: string;
      try {
        text = await exportToDm(rt, client, teamId, body.user.id);
      } catch (error) {
        rt.logger.warn(`Export from Home failed: ${describeError(error)}`);
        text = "I couldn't prepare the export just now. Please try again in a minute.";
      }
      await tell(body, respond, text);
    });
  });

  // Compare my answers: `/alignment me`, in a modal only its presser sees.
  routes.action<ActionBody>(HOME_ACTION_IDS.me, async ({ ack, body, client }) => {
    await ack();
    const teamId = teamOf(body);
    let view: ModalView;
    try {
      const mirror = await mirrorOf(rt, teamId, body.user.id);
      view = myAnswersModal(
        typeof mirror === "string" ? mirrorMessage(undefined, mirror) : mirrorMessage(mirror),
      );
    } catch (error) {
      rt.logger.warn(`Could not prepare someone's own answers: ${describeError(error)}`);
      view = noticeOnHome(
        "Your answers",
        "I couldn't read your answers just now. Please try again in a minute, or run `/alignment me`.",
      );
    }
    await openModal(client, body.trigger_id, view);
  });
}
