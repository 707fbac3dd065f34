import type { WebClient } from "@slack/web-api";
import { CronExpressionParser } from "cron-parser";
import type { Deps } from "../deps.js";
import { digestMessage } from "../views/digest.js";
import type { LeaderDirectory } from "./leaders.js";
import { closedRoundReport, openRoundStatus } from "./rounds.js";
import { describeError, openDm } from "./slack.js";

/** A digest missed while Truce was down is still sent if it is less than this late. */
export const DIGEST_CATCH_UP_MS = 24 * 60 * 60 * 1000;
const DIRECTORY_TTL_MS = 60 * 60 * 1000;

/** The latest time `cron` fired at or before `now`, reading the expression in `timeZone`. Pure. */
export function lastScheduledTime(cron: string, timeZone: string, now: number): number {
  const expression = CronExpressionParser.parse(cron, {
    currentDate: new Date(now + 1),
    tz: timeZone,
  });
  return expression.prev().toDate().getTime();
}

/** What a leader's digest says about a workspace right now. */
export function digestFor(deps: Deps, teamId: string) {
  const open = deps.store.rounds.openFor(teamId);
  const closed = deps.store.rounds.latestClosed(teamId);
  return digestMessage({
    now: deps.clock(),
    open: open && openRoundStatus(deps, open),
    closed: closed && closedRoundReport(deps, closed),
  });
}

/**
 * Sends each leader the weekly digest when TRUCE_DIGEST_CRON fires in *their* time zone
 * (users.info), else TRUCE_TIMEZONE. The sent-log keys each send by the scheduled time, so it
 * goes out once even across restarts, and one missed while down is caught up within a day.
 * Who leads and where they live change rarely: both are looked up at most hourly.
 */
export function createDigestScheduler(
  deps: Deps,
  leaders: LeaderDirectory,
  client: () => WebClient,
) {
  let directory: { at: number; people: { id: string; timeZone: string }[] } | undefined;

  async function leadersWithZones(): Promise<{ id: string; timeZone: string }[]> {
    const now = deps.clock();
    if (directory && now - directory.at < DIRECTORY_TTL_MS) return directory.people;
    const ids = await leaders.list(client());
    const people = await Promise.all(
      ids.map(async (id) => {
        try {
          const { user } = await client().users.info({ user: id });
          return { id, timeZone: user?.tz || deps.config.timeZone };
        } catch {
          return { id, timeZone: deps.config.timeZone };
        }
      }),
    );
    directory = { at: now, people };
    return people;
  }

  async function sendDue(teamIds: readonly string[]): Promise<number> {
    if (teamIds.length === 0) return 0;
    const now = deps.clock();
    let sent = 0;
    const people = await leadersWithZones();
    for (const teamId of teamIds) {
      for (const leader of people) {
        const due = lastScheduledTime(deps.config.digestCron, leader.timeZone, now);
        if (now - due >= DIGEST_CATCH_UP_MS) continue;
        const key = deps.personKey(teamId, leader.id);
        const period = new Date(due).toISOString();
        if (!deps.store.sentLog.claim(teamId, "digest", key, period, now)) continue;
        try {
          const dm = await openDm(client(), leader.id);
          if (dm)
            await client().chat.postMessage({
              channel: dm,
              ...digestFor(deps, teamId),
              unfurl_links: false,
            });
          sent++;
        } catch (error) {
          deps.store.sentLog.release(teamId, "digest", key, period);
          deps.logger.warn(`Could not send a leader's digest: ${describeError(error)}`);
        }
      }
    }
    return sent;
  }

  return { sendDue };
}

export type DigestScheduler = ReturnType<typeof createDigestScheduler>;
