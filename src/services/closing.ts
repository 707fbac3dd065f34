import type { WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import { channelSummaryMessage, reportMessage } from "../views/report.js";
import type { LeaderDirectory } from "./leaders.js";
import type { InvitationRefresher } from "./rounds.js";
import { closedRoundReport } from "./rounds.js";
import { describeError, openDm, postToChannel } from "./slack.js";

export interface ClosingDeps {
  deps: Deps;
  client: () => WebClient;
  leaders: LeaderDirectory;
  invitations: InvitationRefresher;
}

/**
 * Closes a round and shares its results: the summary in both channels, the full report to each
 * leader by DM. Closing happens once (the database decides); each announcement is claimed in the
 * sent-log first, so a crash or a second close never posts twice, and a failed post is released
 * to be retried by the next heartbeat.
 */
export async function closeRound(c: ClosingDeps, round: Round): Promise<boolean> {
  const { deps } = c;
  const closedNow = deps.store.rounds.close(round.id, deps.clock());
  await announceClosedRound(c, round.id);
  return closedNow;
}

export async function announceClosedRound(
  c: ClosingDeps,
  roundId: number,
  options: { refreshInvitations: boolean } = { refreshInvitations: true },
): Promise<void> {
  const { deps } = c;
  const round = deps.store.rounds.get(roundId);
  if (!round?.closedAt) return;
  const period = `round-${round.id}`;
  // Once every announcement went out, the heartbeat has nothing left to retry for this round.
  if (deps.store.sentLog.has(round.teamId, "round-announced", ALL, period)) return;
  if (options.refreshInvitations) await c.invitations.schedule(round.id);
  const closed = closedRoundReport(deps, round);
  const summary = channelSummaryMessage(closed);
  const fullReport = reportMessage({ closed, open: undefined });
  let complete = true;
  const send = async (kind: string, recipientKey: string, post: () => Promise<void>) => {
    complete = (await sendOnce(c, round.teamId, kind, recipientKey, period, post)) && complete;
  };
  for (const channel of new Set([round.salesChannel, round.marketingChannel])) {
    await send("round-summary", channel, async () => {
      await postToChannel(c.client(), channel, summary);
    });
  }
  let leaders: string[] = [];
  try {
    leaders = await c.leaders.list(c.client());
  } catch (error) {
    complete = false;
    deps.logger.warn(`Could not list the leaders to send them the report: ${describeError(error)}`);
  }
  for (const leader of leaders) {
    await send("round-report", deps.personKey(round.teamId, leader), async () => {
      const dm = await openDm(c.client(), leader);
      if (dm)
        await c.client().chat.postMessage({ channel: dm, ...fullReport, unfurl_links: false });
    });
  }
  if (complete)
    deps.store.sentLog.claim(round.teamId, "round-announced", ALL, period, deps.clock());
}

/** The sent-log recipient of a whole round's announcements. */
const ALL = "*";

/** Sends unless already sent; false when the send failed (and was released for a retry). */
async function sendOnce(
  c: ClosingDeps,
  teamId: string,
  kind: string,
  recipientKey: string,
  period: string,
  send: () => Promise<void>,
): Promise<boolean> {
  const { sentLog } = c.deps.store;
  if (!sentLog.claim(teamId, kind, recipientKey, period, c.deps.clock())) return true;
  try {
    await send();
    return true;
  } catch (error) {
    sentLog.release(teamId, kind, recipientKey, period);
    c.deps.logger.warn(`Could not send the ${kind} (${period}): ${describeError(error)}`);
    return false;
  }
}
