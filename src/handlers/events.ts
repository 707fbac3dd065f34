import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Runtime } from "../runtime.js";
import { sideOfChannel } from "../services/channels.js";
import { invitationOf } from "../services/invitations.js";
import type { SlackPerson } from "../services/leaders.js";
import { participationIn } from "../services/participation.js";
import { describeError } from "../services/slack.js";
import { workspaceRemoved } from "../services/workspaces.js";
import type { Routes } from "./routes.js";

/** What makes a request unique: an event's id, or the trigger of a command or interaction. */
export function requestKey(body: unknown): string | undefined {
  const b = body as { event_id?: unknown; trigger_id?: unknown } | null | undefined;
  if (typeof b?.event_id === "string") return `event:${b.event_id}`;
  if (typeof b?.trigger_id === "string") return `trigger:${b.trigger_id}`;
  return undefined;
}

/**
 * Slack redelivers an event (with X-Slack-Retry-Num) when it did not see our acknowledgement in
 * time, and a request can arrive twice through a retrying proxy. Each is handled once: the ids
 * already handled are kept in the database, so a redelivery after a restart is dropped too.
 */
export function dropRedeliveries(rt: Runtime): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = requestKey(args.body);
    if (key) {
      let first = true;
      try {
        first = await rt.store.requests.firstSeen(args.context.teamId ?? "", key, rt.clock());
      } catch (error) {
        // Better to handle a rare duplicate than to drop a request because the log is down.
        rt.logger.warn(`Could not check for a redelivery: ${describeError(error)}`);
      }
      if (!first) {
        const ack = (args as { ack?: () => Promise<void> }).ack;
        if (ack) await ack();
        return;
      }
    }
    await args.next();
  };
}

/**
 * In an organisation-wide install, requests name the workspace and the organisation; scheduled
 * work later has only the workspace, so the organisation is remembered for it (once per process).
 */
export function rememberOrganisations(rt: Runtime): Middleware<AnyMiddlewareArgs> {
  const known = new Set<string>();
  return async ({ context, next }) => {
    const { teamId, enterpriseId } = context;
    if (context.isEnterpriseInstall && teamId && enterpriseId && !known.has(teamId)) {
      try {
        await rt.store.settings.set(teamId, "enterprise_id", enterpriseId);
        known.add(teamId);
      } catch (error) {
        rt.logger.warn(`Could not record a workspace's organisation: ${describeError(error)}`);
      }
    }
    await next();
  };
}

export function registerEvents(routes: Routes, rt: Runtime) {
  // Someone joins a survey channel while a round is open: they may now answer for its side, and
  // are shown the invitation privately, since the original post may be far up the channel.
  routes.event("member_joined_channel", async ({ event, client, context }) => {
    if (event.user === context.botUserId) return;
    const teamId = event.team ?? context.teamId ?? "";
    const round = await rt.store.rounds.openFor(teamId);
    const side = round && sideOfChannel(round, event.channel);
    if (!round || !side) return;
    if (round.membersKnown)
      await rt.store.members.setPresent(round.id, side, rt.personKey(teamId, event.user), true);
    const message = invitationOf(rt, round, await participationIn(rt, round.id));
    try {
      await client.chat.postEphemeral({ channel: event.channel, user: event.user, ...message });
    } catch (error) {
      rt.logger.warn(`Could not show the invitation to a new member: ${describeError(error)}`);
    }
  });

  // Someone leaves a survey channel: from now on they cannot answer for its side (an answer
  // they gave while a member still counts).
  routes.event("member_left_channel", async ({ event, context }) => {
    const teamId = event.team ?? context.teamId ?? "";
    const round = await rt.store.rounds.openFor(teamId);
    const side = round && sideOfChannel(round, event.channel);
    if (!round || !side || !round.membersKnown) return;
    await rt.store.members.setPresent(round.id, side, rt.personKey(teamId, event.user), false);
  });

  // Who is an admin or owner changes rarely; the leader directory follows it from these rather
  // than paging through every member at each close and digest.
  const personChanged = async ({
    event,
    context,
  }: {
    event: { user: unknown };
    context: { teamId?: string };
  }) => {
    const person = event.user as SlackPerson | undefined;
    if (!context.teamId || typeof person !== "object" || person === null) return;
    try {
      await rt.leaders.personChanged(context.teamId, person);
    } catch (error) {
      rt.logger.warn(`Could not note a change of admins: ${describeError(error)}`);
    }
  };
  routes.event("user_change", personChanged);
  routes.event("team_join", personChanged);

  // The app was removed or its tokens revoked: its tokens go and scheduled work stops at once;
  // the survey data is kept for the retention period, so reinstalling picks up where it left off.
  const deactivate = async ({ context }: { context: { teamId?: string } }) => {
    if (context.teamId) await workspaceRemoved(rt, context.teamId);
  };
  routes.event("app_uninstalled", deactivate);
  routes.event("tokens_revoked", deactivate);
}
