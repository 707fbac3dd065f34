import type { Runtime } from "../runtime.js";
import { type DeliveryKey, type Round, StoreUnavailableError } from "../store/index.js";
import { channelSummaryMessage, leaderReportMessage } from "../views/report.js";
import {
  inBackground,
  type RoundCharts,
  renderRoundChartsSafely,
  shareChartsOnce,
} from "./charts.js";
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
  const fullReport = leaderReportMessage(closed, round.id);
  const period = `round-${round.id}`;
  // Drawn at most once per announcement, and only if some conversation still needs a chart.
  let charts: Promise<RoundCharts> | undefined;
  const roundCharts = () => {
    charts ??= renderRoundChartsSafely(rt, round);
    return charts;
  };
  // Each delivered text queues its chart; they are shared once every text has gone out.
  const chartJobs: Parameters<typeof shareChartsOnce>[1][] = [];
  let complete = true;
  for (const channel of new Set([round.salesChannel, round.marketingChannel])) {
    const outcome = await deliverOnce(rt, {
      key: { teamId: round.teamId, kind: "round-summary", recipientKey: channel, period },
      client,
      channel,
      message: summary,
    });
    const delivered = outcome.status === "sent" || outcome.status === "already";
    complete &&= delivered;
    // The chart follows its text, never comes without it; a chart that fails is only logged.
    if (delivered) {
      chartJobs.push({
        key: { teamId: round.teamId, kind: "round-summary-chart", recipientKey: channel, period },
        client,
        channel,
        charts: roundCharts,
      });
    }
  }
  let leaders: string[] = [];
  try {
    leaders = await rt.leaders.list(round.teamId, client);
  } catch (error) {
    complete = false;
    rt.logger.warn(`Could not list the leaders to send them the report: ${describeError(error)}`);
  }
  for (const leader of leaders) {
    const recipientKey = rt.personKey(round.teamId, leader);
    const outcome = await deliverOnce(rt, {
      key: { teamId: round.teamId, kind: "round-report", recipientKey, period },
      client,
      channel: () => openDm(client, leader),
      message: fullReport,
    });
    const delivered = outcome.status === "sent" || outcome.status === "already";
    complete &&= delivered;
    if (delivered) {
      chartJobs.push({
        key: { teamId: round.teamId, kind: "round-report-chart", recipientKey, period },
        client,
        channel: () => openDm(client, leader),
        charts: roundCharts,
      });
    }
  }
  if (chartJobs.length > 0) {
    inBackground(rt, async () => {
      for (const job of chartJobs) await shareChartsOnce(rt, job);
    });
  }
  if (complete) {
    const key = announcedKey(round);
    await store.deliveries.claim(key, rt.clock(), 0);
    await store.deliveries.complete(key, undefined, rt.clock());
  }
  return complete;
}
