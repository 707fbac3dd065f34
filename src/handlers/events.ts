import type { AnyMiddlewareArgs, App, Middleware } from "@slack/bolt";
import type { Deps } from "../deps.js";
import { participationIn, reportInput } from "../services/rounds.js";
import { describeError } from "../services/slack.js";
import { homeView } from "../views/home.js";
import { invitationMessage } from "../views/invitation.js";

/**
 * Slack redelivers an event (with X-Slack-Retry-Num) when it did not see our acknowledgement in
 * time. Events are acknowledged before any listener runs, so a redelivery is a duplicate of one
 * already being handled: drop it by event_id. Remembers the last `capacity` ids.
 */
export function dropRedeliveredEvents(capacity = 1000): Middleware<AnyMiddlewareArgs> {
  const seen = new Set<string>();
  return async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === "string") {
      if (seen.has(eventId)) return;
      seen.add(eventId);
      if (seen.size > capacity) seen.delete(seen.values().next().value as string);
    }
    await next();
  };
}

export function registerEvents(app: App, deps: Deps) {
  app.event("app_home_opened", async ({ event, client, context }) => {
    if (event.tab !== "home") return;
    try {
      await client.views.publish({
        user_id: event.user,
        view: homeView({
          ...reportInput(deps, context.teamId ?? ""),
          openRoundId: deps.store.rounds.openFor(context.teamId ?? "")?.id,
        }),
      });
    } catch (error) {
      deps.logger.warn(`Could not publish the Home tab: ${describeError(error)}`);
    }
  });

  // Someone joins a survey channel while a round is open: show them the invitation privately,
  // since the original post may be far up the channel.
  app.event("member_joined_channel", async ({ event, client, context }) => {
    if (event.user === context.botUserId) return;
    const round = deps.store.rounds.openFor(event.team ?? context.teamId ?? "");
    if (
      !round ||
      (event.channel !== round.salesChannel && event.channel !== round.marketingChannel)
    )
      return;
    const message = invitationMessage({
      roundId: round.id,
      closesAt: round.closesAt,
      closedAt: undefined,
      statementCount: round.statementIds.length,
      participation: participationIn(deps, round.id),
      credit: deps.instrument.credit,
    });
    try {
      await client.chat.postEphemeral({ channel: event.channel, user: event.user, ...message });
    } catch (error) {
      deps.logger.warn(`Could not show the invitation to a new member: ${describeError(error)}`);
    }
  });

  // The app was removed or its tokens revoked: stop scheduled work for the workspace. The data
  // stays, so reinstalling picks up where it left off.
  const deactivate = async ({ context }: { context: { teamId?: string } }) => {
    if (!context.teamId) return;
    deps.store.settings.set(context.teamId, "active", "false");
    deps.logger.info(
      `Truce was uninstalled or its tokens revoked in ${context.teamId}; scheduled work stops there.`,
    );
  };
  app.event("app_uninstalled", deactivate);
  app.event("tokens_revoked", deactivate);
}
