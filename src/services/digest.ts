import { CronExpressionParser } from "cron-parser";
import type { Deps } from "../deps.js";
import { todayOf } from "../deps.js";
import type { Runtime } from "../runtime.js";
import { commitmentBoard } from "../survey/commitments.js";
import { digestCommitmentBlocks } from "../views/commitments.js";
import { digestMessage } from "../views/digest.js";
import type { MessageView } from "../views/text.js";
import { deliverOnce } from "./delivery.js";
import { openRoundStatus } from "./participation.js";
import { closedRoundReport } from "./round-report.js";
import { nextLaunchOf } from "./schedule.js";
import { workspaceSettings } from "./settings.js";
import { describeError, openDm } from "./slack.js";

/** A digest missed while Truce was down is still sent if it is less than this late. */
export const DIGEST_CATCH_UP_MS = 24 * 60 * 60 * 1000;
const DIRECTORY_TTL_MS = 60 * 60 * 1000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** The latest time `cron` fired at or before `now`, reading the expression in `timeZone`. Pure. */
export function lastScheduledTime(cron: string, timeZone: string, now: number): number {
  const expression = CronExpressionParser.parse(cron, {
    currentDate: new Date(now + 1),
    tz: timeZone,
  });
  return expression.prev().toDate().getTime();
}

/**
 * What a leader's digest says about a workspace right now. Commitments done since `since` (the
 * previous digest) are listed as done; by default since a week ago.
 */
export async function digestFor(deps: Deps, teamId: string, since?: number): Promise<MessageView> {
  const [open, closed, commitments] = await Promise.all([
    deps.store.rounds.openFor(teamId),
    deps.store.rounds.latestClosed(teamId),
    deps.store.commitments.list(teamId),
  ]);
  const today = todayOf(deps);
  const board = commitmentBoard(commitments, today, since ?? deps.clock() - WEEK_MS);
  return digestMessage({
    now: deps.clock(),
    open: open && (await openRoundStatus(deps, open)),
    closed: closed && (await closedRoundReport(deps, closed)),
    commitments: digestCommitmentBlocks(board, today),
    nextLaunch: await nextLaunchOf(deps, teamId),
    // The digest goes to leaders only (and its preview answers leaders only).
    remindRoundId: open?.id,
  });
}

interface Leader {
  id: string;
  timeZone: string;
}

/**
 * Sends each leader of each workspace the weekly digest when TRUCE_DIGEST_CRON fires in *their*
 * time zone (users.info), else TRUCE_TIMEZONE. The outbox keys each send by the scheduled time,
 * so it goes out once even across restarts, and one missed while down is caught up within a day.
 * Who leads and where they live change rarely: both are looked up at most hourly, per workspace.
 */
export function createDigestScheduler(rt: Runtime) {
  const directories = new Map<string, { at: number; people: Leader[] }>();

  async function leadersOf(teamId: string): Promise<Leader[]> {
    const now = rt.clock();
    const cached = directories.get(teamId);
    if (cached && now - cached.at < DIRECTORY_TTL_MS) return cached.people;
    const client = await rt.slack(teamId);
    const ids = await rt.leaders.list(teamId, client);
    const people = await Promise.all(
      ids.map(async (id) => {
        try {
          const { user } = await client.users.info({ user: id });
          return { id, timeZone: user?.tz || rt.config.timeZone };
        } catch {
          return { id, timeZone: rt.config.timeZone };
        }
      }),
    );
    directories.set(teamId, { at: now, people });
    return people;
  }

  async function sendDue(teamIds: readonly string[]): Promise<number> {
    let sent = 0;
    for (const teamId of teamIds) {
      try {
        sent += await sendDueIn(teamId);
      } catch (error) {
        rt.logger.warn(`Sending the leaders' digests failed: ${describeError(error)}`);
      }
    }
    return sent;
  }

  async function sendDueIn(teamId: string): Promise<number> {
    const now = rt.clock();
    const { digestCron } = await workspaceSettings(rt, teamId);
    const due = (await leadersOf(teamId))
      .map((leader) => ({
        leader,
        at: lastScheduledTime(digestCron, leader.timeZone, now),
      }))
      .filter(({ at }) => now - at < DIGEST_CATCH_UP_MS);
    if (due.length === 0) return 0;
    const client = await rt.slack(teamId);
    let message: MessageView | undefined;
    let sent = 0;
    for (const { leader, at } of due) {
      const key = {
        teamId,
        kind: "digest",
        recipientKey: rt.personKey(teamId, leader.id),
        period: new Date(at).toISOString(),
      };
      if (await rt.store.deliveries.isDone(key)) continue;
      // "Done since the last digest": since this leader's previous scheduled digest.
      message ??= await digestFor(
        rt,
        teamId,
        lastScheduledTime(rt.config.digestCron, leader.timeZone, at - 1),
      );
      const outcome = await deliverOnce(rt, {
        key,
        client,
        channel: () => openDm(client, leader.id),
        message,
      });
      if (outcome.status === "sent") sent++;
    }
    return sent;
  }

  return { sendDue };
}

export type DigestScheduler = ReturnType<typeof createDigestScheduler>;
