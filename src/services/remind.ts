import type { WebClient } from "@slack/web-api";
import { type Deps, todayOf } from "../deps.js";
import { reminderMessage } from "../views/invitation.js";
import { deliverOnce } from "./delivery.js";
import { participationIn } from "./participation.js";

export type RemindResult = { ok: true; posted: string[] } | { ok: false; message: string };

/**
 * Posts a reminder with the survey button in both channels, at most once a day per channel
 * (a day in TRUCE_TIMEZONE), so a reminder never turns into spam.
 */
export async function remindRound(
  deps: Deps,
  client: WebClient,
  teamId: string,
): Promise<RemindResult> {
  const round = await deps.store.rounds.openFor(teamId);
  if (!round || round.closesAt <= deps.clock())
    return { ok: false, message: "There is no open round to remind people about." };
  const day = todayOf(deps);
  const message = reminderMessage({
    roundId: round.id,
    closesAt: round.closesAt,
    closedAt: undefined,
    participation: await participationIn(deps, round.id),
  });
  const posted: string[] = [];
  let failed = 0;
  for (const channel of [round.salesChannel, round.marketingChannel]) {
    const outcome = await deliverOnce(deps, {
      key: { teamId, kind: "reminder", recipientKey: channel, period: day },
      client,
      channel,
      message,
    });
    if (outcome.status === "sent") {
      if (outcome.ts) await deps.store.rounds.addReminder(round.id, { channel, ts: outcome.ts });
      posted.push(channel);
    } else if (outcome.status === "failed") failed++;
  }
  if (posted.length > 0) return { ok: true, posted };
  if (failed > 0)
    return {
      ok: false,
      message: "Slack didn't let me post the reminder; please try again in a minute.",
    };
  return {
    ok: false,
    message: "Both channels were already reminded today; you can remind them again tomorrow.",
  };
}
