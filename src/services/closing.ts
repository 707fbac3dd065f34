import type { Runtime } from "../runtime.js";
import { type DeliveryKey, type Round, StoreUnavailableError } from "../store/index.js";
import { channelSummaryMessage, reportMessage } from "../views/report.js";
import { deliverOnce } from "./delivery.js";
import { closedRoundReport } from "./round-report.js";
import { describeError, openDm } from "./slack.js";

export type CloseResult =
  | { ok: true; closedNow: boolean; announced: boolean }
  /** The database refused to close it: the round is still open. */
  | { ok: false; problem: string };

/**
 * Closes a round and shares its results: the summary in both channels, the full report to each
 * leader by DM. Closing happens once (the database decides); every announcement goes through the
 * outbox, so a crash or a second close never loses one and never posts one twice.
 */
export async function closeRound(rt: Runtime, round: Round): Promise<CloseResult> {
  let closedNow: boolean;
  try {
    closedNow = await rt.store.rounds.close(round.id, rt.clock());
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    rt.logger.error(`Closing round ${round.id} failed: ${error.message}`);
    return { ok: false, problem: error.message };
  }
  let announced = false;
  try {
    announced = await announceClosedRound(rt, round.id);
  } catch (error) {
    rt.logger.warn(`Round ${round.id}'s announcements will be retried: ${describeError(error)}`);
  }
  return { ok: true, closedNow, announced };
}

const announcedKey = (round: Round): DeliveryKey => ({
  teamId: round.teamId,
  kind: "round-announced",
  recipientKey: "*",
  period: `round-${round.id}`,
});

/** Posts what a closed round still owes; true once every announcement has gone out. */
export async function announceClosedRound(
  rt: Runtime,
  roundId: number,
  options: { refreshInvitations: boolean } = { refreshInvitations: true },
): Promise<boolean> {
  const { store } = rt;
  const round = await store.rounds.get(roundId);
  if (!round?.closedAt) return false;
  // Once every announcement went out, the heartbeat has nothing left to retry for this round.
  if (await store.deliveries.isDone(announcedKey(round))) return true;
  if (options.refreshInvitations) rt.invitations.schedule(round.id, { urgent: true });
  const client = await rt.slack(round.teamId);
  const closed = await closedRoundReport(rt, round);
  const summary = channelSummaryMessage(closed);
  const fullReport = reportMessage({ closed, open: undefined });
  const period = `round-${round.id}`;
  let complete = true;
  for (const channel of new Set([round.salesChannel, round.marketingChannel])) {
    const outcome = await deliverOnce(rt, {
      key: { teamId: round.teamId, kind: "round-summary", recipientKey: channel, period },
      client,
      channel,
      message: summary,
    });
    complete &&= outcome.status === "sent" || outcome.status === "already";
  }
  let leaders: string[] = [];
  try {
    leaders = await rt.leaders.list(round.teamId, client);
  } catch (error) {
    complete = false;
    rt.logger.warn(`Could not list the leaders to send them the report: ${describeError(error)}`);
  }
  for (const leader of leaders) {
    const outcome = await deliverOnce(rt, {
      key: {
        teamId: round.teamId,
        kind: "round-report",
        recipientKey: rt.personKey(round.teamId, leader),
        period,
      },
      client,
      channel: () => openDm(client, leader),
      message: fullReport,
    });
    complete &&= outcome.status === "sent" || outcome.status === "already";
  }
  if (complete) {
    const key = announcedKey(round);
    await store.deliveries.claim(key, rt.clock(), 0);
    await store.deliveries.complete(key, undefined, rt.clock());
  }
  return complete;
}
