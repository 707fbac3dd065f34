import type { WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import type { Participation } from "../survey/summary.js";
import { SIDES, type Side } from "../survey/types.js";
import { invitationMessage, reminderMessage } from "../views/invitation.js";
import type { MessageView } from "../views/text.js";
import { channelOf } from "./channels.js";
import { deliverOnce } from "./delivery.js";
import { participationIn } from "./participation.js";
import { describeError } from "./slack.js";

/** The invitation of a round as it should read now. */
export function invitationOf(deps: Deps, round: Round, participation: Participation): MessageView {
  return invitationMessage({
    roundId: round.id,
    closesAt: round.closesAt,
    closedAt: round.closedAt,
    statementCount: round.statementIds.length,
    participation,
    credit: deps.instrument.credit,
  });
}

export interface InvitationsPosted {
  posted: Side[];
  /** Sides whose invitation Slack refused (retried by the heartbeat while the round is open). */
  failed: Side[];
  /** Sides someone else is posting right now. */
  pending: Side[];
}

/**
 * Makes sure both channels of an open round have their invitation, through the outbox, so a
 * crash between the two posts of a launch is repaired by the next heartbeat, and an invitation
 * that went out before the crash is found (not posted twice).
 */
export async function ensureInvitations(
  deps: Deps,
  client: WebClient,
  round: Round,
): Promise<InvitationsPosted> {
  const have = new Set((await deps.store.rounds.invitations(round.id)).map((i) => i.side));
  const result: InvitationsPosted = { posted: [], failed: [], pending: [] };
  const missing = SIDES.filter((side) => !have.has(side));
  if (missing.length === 0) return { ...result, posted: [...SIDES] };
  const message = invitationOf(deps, round, await participationIn(deps, round.id));
  for (const side of SIDES) {
    if (have.has(side)) {
      result.posted.push(side);
      continue;
    }
    const channel = channelOf(round, side);
    const outcome = await deliverOnce(deps, {
      key: {
        teamId: round.teamId,
        kind: "invitation",
        recipientKey: channel,
        period: `round-${round.id}`,
      },
      client,
      channel,
      message,
    });
    if (outcome.status === "busy") result.pending.push(side);
    else if (outcome.status === "failed") result.failed.push(side);
    else {
      if (outcome.ts)
        await deps.store.rounds.addInvitation(round.id, { side, channel, ts: outcome.ts });
      result.posted.push(side);
    }
  }
  return result;
}

/**
 * Re-renders the invitations of a round with its current participation (or as closed). Updates
 * are coalesced per round: a burst of submissions costs one chat.update per channel.
 */
export function createInvitationRefresher(
  deps: Deps,
  slack: (teamId: string) => Promise<WebClient>,
) {
  const running = new Map<number, Promise<void>>();
  const pending = new Set<number>();

  async function refresh(roundId: number): Promise<void> {
    const round = await deps.store.rounds.get(roundId);
    if (!round) return;
    const client = await slack(round.teamId);
    const participation = await participationIn(deps, round.id);
    const message = invitationOf(deps, round, participation);
    for (const invitation of await deps.store.rounds.invitations(round.id)) {
      await update(client, invitation, message, "invitation");
    }
    // Reminders are snapshots; only at close do they change, to lose their survey button.
    if (round.closedAt === undefined) return;
    const closedReminder = reminderMessage({
      roundId: round.id,
      closesAt: round.closesAt,
      closedAt: round.closedAt,
      participation,
    });
    for (const reminder of await deps.store.rounds.reminders(round.id)) {
      await update(client, reminder, closedReminder, "reminder");
    }
  }

  async function update(
    client: WebClient,
    where: { channel: string; ts: string },
    message: MessageView,
    what: string,
  ): Promise<void> {
    try {
      await client.chat.update({ channel: where.channel, ts: where.ts, ...message });
    } catch (error) {
      deps.logger.warn(`Could not update the ${what} in ${where.channel}: ${describeError(error)}`);
    }
  }

  function schedule(roundId: number): Promise<void> {
    const current = running.get(roundId);
    if (current) {
      pending.add(roundId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          pending.delete(roundId);
          await refresh(roundId);
        } while (pending.has(roundId));
      } catch (error) {
        deps.logger.warn(
          `Could not refresh round ${roundId}'s invitations: ${describeError(error)}`,
        );
      } finally {
        running.delete(roundId);
      }
    })();
    running.set(roundId, run);
    return run;
  }

  return {
    schedule,
    /** Waits for every refresh under way (tests, shutdown). */
    idle: async () => {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
  };
}

export type InvitationRefresher = ReturnType<typeof createInvitationRefresher>;
