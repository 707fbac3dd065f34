import type { WebClient } from "@slack/web-api";
import {
  gapChartAltText,
  gapChartData,
  TREND_ROUNDS,
  trendChartAltText,
  trendChartData,
} from "../charts/data.js";
import { svgToPng } from "../charts/png.js";
import { gapChartSvg, trendChartSvg } from "../charts/svg.js";
import type { Deps } from "../deps.js";
import type { DeliveryKey, Round } from "../store/index.js";
import { sameStatementIds } from "../survey/instrument.js";
import type { ClosedRound } from "../views/report.js";
import { type FileToShare, shareFile } from "./file-upload.js";
import { closedRoundReport } from "./round-report.js";
import { describeError } from "./slack.js";

/**
 * Chart uploads run after the text they follow has gone out, in the background, so closing a
 * round answers its leader as soon as the text is posted. Kept per runtime so shutdown (and
 * tests) can wait for them.
 */
const background = new WeakMap<Deps, Set<Promise<void>>>();

export function inBackground(deps: Deps, work: () => Promise<void>): void {
  const running = background.get(deps) ?? new Set<Promise<void>>();
  background.set(deps, running);
  const job = work()
    .catch((error) => deps.logger.warn(`Sharing the charts failed: ${describeError(error)}`))
    .finally(() => running.delete(job));
  running.add(job);
}

/** Waits for every chart upload under way (shutdown, tests). */
export async function chartsIdle(deps: Deps): Promise<void> {
  const running = background.get(deps);
  while (running && running.size > 0) await Promise.all([...running]);
}

export interface RoundCharts {
  files: FileToShare[];
  /** Why there is no chart, when there is none (a side withheld, too few answers). */
  withheld?: string;
}

const NO_SIDES =
  "There is no chart for this round: it compares Sales with Marketing, and per-side figures are withheld while a side is below the minimum group size.";

/**
 * The closed rounds with the same wording as `round`, `round` first and then back in time, at
 * most TREND_ROUNDS. Each comes from its own cached analysis, so every figure a trend chart
 * shows is one its round's report shows.
 */
export async function roundHistory(deps: Deps, round: Round): Promise<ClosedRound[]> {
  const history: ClosedRound[] = [await closedRoundReport(deps, round)];
  let current = round;
  while (history.length < TREND_ROUNDS) {
    const previous = await deps.store.rounds.previousClosed(current);
    if (!previous || !sameStatementIds(previous.statementIds, round.statementIds)) break;
    history.push(await closedRoundReport(deps, previous));
    current = previous;
  }
  return history;
}

const dateStamp = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

/**
 * The PNG charts of a closed round: the gap chart, and the trend chart once two rounds or more
 * have shown both sides. Nothing is drawn for a round whose report withholds the sides.
 */
export async function renderRoundCharts(deps: Deps, round: Round): Promise<RoundCharts> {
  const history = await roundHistory(deps, round);
  const latest = history[0] as ClosedRound;
  const gap = gapChartData(latest.report, latest.closedAt);
  if (!gap) return { files: [], withheld: NO_SIDES };
  const stamp = dateStamp(latest.closedAt);
  const files: FileToShare[] = [
    {
      filename: `truce-gap-${stamp}.png`,
      title: "How Sales and Marketing rate each statement",
      bytes: await svgToPng(gapChartSvg(gap)),
      altText: gapChartAltText(gap),
    },
  ];
  const trend = trendChartData(history);
  if (trend) {
    files.push({
      filename: `truce-trend-${stamp}.png`,
      title: "Each side's score, round by round",
      bytes: await svgToPng(trendChartSvg(trend)),
      altText: trendChartAltText(trend),
    });
  }
  return { files };
}

/** The charts, or none (with the reason in the log) when drawing them failed. */
export async function renderRoundChartsSafely(deps: Deps, round: Round): Promise<RoundCharts> {
  try {
    return await renderRoundCharts(deps, round);
  } catch (error) {
    deps.logger.warn(
      `Could not draw the charts of round ${round.id}; the text goes out without them: ${describeError(error)}`,
    );
    return { files: [] };
  }
}

/** Shares each chart in a conversation; a failed upload is logged and the rest go on. */
export async function shareCharts(
  deps: Deps,
  client: WebClient,
  channel: string,
  charts: readonly FileToShare[],
): Promise<{ shared: number; failed: number }> {
  let shared = 0;
  let failed = 0;
  for (const chart of charts) {
    try {
      await shareFile(client, channel, chart);
      shared++;
    } catch (error) {
      failed++;
      deps.logger.warn(
        `Could not share the chart "${chart.title}" in ${channel}; the text was sent without it: ${describeError(error)}`,
      );
    }
  }
  return { shared, failed };
}

/**
 * Shares a round's charts in one conversation, each once: the outbox records each chart, so a
 * retried announcement (after a failed post elsewhere, a restart) does not upload it again. A
 * failed upload is released, so a later retry of the same announcement may try it again.
 */
export async function shareChartsOnce(
  deps: Deps,
  request: {
    /** The conversation's delivery key; each chart's key adds its position to the kind. */
    key: DeliveryKey;
    client: WebClient;
    channel: string | (() => Promise<string | undefined>);
    charts: () => Promise<RoundCharts>;
  },
): Promise<void> {
  const { store, clock } = deps;
  try {
    const { files } = await request.charts();
    let channel: string | undefined;
    for (const [index, file] of files.entries()) {
      const key = { ...request.key, kind: `${request.key.kind}-${index + 1}` };
      const claim = await store.deliveries.claim(key, clock(), 2 * 60 * 1000);
      if (claim.state !== "claimed") continue;
      try {
        channel ??= typeof request.channel === "string" ? request.channel : await request.channel();
        if (!channel) throw new Error("no conversation to share the chart in");
        await shareFile(request.client, channel, file);
        await store.deliveries.complete(key, undefined, clock());
      } catch (error) {
        await store.deliveries.release(key).catch(() => undefined);
        deps.logger.warn(
          `Could not share the chart "${file.title}" (${request.key.period}); the text was sent without it: ${describeError(error)}`,
        );
      }
    }
  } catch (error) {
    deps.logger.warn(`Could not share the charts (${request.key.period}): ${describeError(error)}`);
  }
}
