import { CronExpressionParser } from "cron-parser";
import type { Deps } from "../deps.js";
import type { Runtime } from "../runtime.js";
import { DEFAULT_ROUND_DAYS, launchRound } from "./launch.js";
import { inviteByDm, invitedByDmLine, inviteModeFor } from "./reminders.js";
import { describeError } from "./slack.js";

/**
 * Recurring rounds. A workspace's cadence is a five-field cron expression read in
 * TRUCE_TIMEZONE (setting `schedule`), and its next launch an instant (setting `next_launch_at`).
 * The heartbeat launches a due round through the outbox (one claim per occurrence, so a crash
 * mid-launch is resumed and two instances never both launch), then moves `next_launch_at` on
 * with a compare-and-set.
 */

/** Named cadences: the first Monday of the month (or of each quarter), 09:00. */
export const CADENCES: Readonly<Record<string, string>> = {
  monthly: "0 9 * * 1#1",
  quarterly: "0 9 * 1,4,7,10 1#1",
};

/** A launch missed while Truce was down is still made if it is less than this late. */
export const LAUNCH_CATCH_UP_MS = 24 * 60 * 60 * 1000;

export type ScheduleCommand =
  | { kind: "show" }
  | { kind: "off" }
  | { kind: "skip" }
  | { kind: "set"; cron: string; name: string };

/** Reads `/alignment schedule …`'s arguments. Pure. */
export function parseScheduleArgs(args: readonly string[]): ScheduleCommand | { error: string } {
  if (args.length === 0) return { kind: "show" };
  const word = args.join(" ").trim().toLowerCase();
  if (word === "off" || word === "skip") return { kind: word };
  const named = CADENCES[word];
  if (named) return { kind: "set", cron: named, name: word };
  const expression = args.join(" ").trim();
  if (expression.split(/\s+/).length === 5) {
    try {
      CronExpressionParser.parse(expression, { strict: false });
      return { kind: "set", cron: expression, name: `\`${expression}\`` };
    } catch {
      // fall through to the usage
    }
  }
  return {
    error:
      "`/alignment schedule` takes `monthly` (the first Monday of each month, 09:00), `quarterly`, a five-field cron expression such as `0 9 1 * *`, `skip` (skip the next launch) or `off`.",
  };
}

/** The first time `cron` fires strictly after `after`, in `timeZone`. Pure. */
export function nextOccurrence(cron: string, timeZone: string, after: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timeZone })
    .next()
    .toDate()
    .getTime();
}

/** When the workspace's next round launches by itself, if it has a cadence. */
export async function nextLaunchOf(deps: Deps, teamId: string): Promise<number | undefined> {
  const at = Number(await deps.store.settings.get(teamId, "next_launch_at"));
  return Number.isFinite(at) && at > 0 ? at : undefined;
}

/** `/alignment schedule …`: sets, shows, skips or stops the cadence; the reply in words. */
export async function changeSchedule(
  deps: Deps,
  teamId: string,
  command: ScheduleCommand,
): Promise<{ text: string; nextLaunch: number | undefined }> {
  const { store, clock, config } = deps;
  const cron = await store.settings.get(teamId, "schedule");
  if (command.kind === "off") {
    await store.settings.delete(teamId, "schedule");
    await store.settings.delete(teamId, "next_launch_at");
    return {
      text: "Recurring rounds are off: launch rounds with `/alignment launch`.",
      nextLaunch: undefined,
    };
  }
  if (command.kind === "set") {
    const next = nextOccurrence(command.cron, config.timeZone, clock());
    await store.settings.set(teamId, "schedule", command.cron);
    await store.settings.set(teamId, "next_launch_at", String(next));
    return {
      text: `Rounds now launch by themselves (${command.name}, in ${config.timeZone}), each for ${DEFAULT_ROUND_DAYS} days.`,
      nextLaunch: next,
    };
  }
  const next = await nextLaunchOf(deps, teamId);
  if (!cron || next === undefined)
    return {
      text: "No recurring rounds are set. `/alignment schedule monthly` (or `quarterly`, or a cron expression) starts them.",
      nextLaunch: undefined,
    };
  if (command.kind === "skip") {
    const after = nextOccurrence(cron, config.timeZone, next);
    // Compare-and-set: two leaders skipping at once skip one launch, not two.
    await store.settings.replace(teamId, "next_launch_at", String(next), String(after));
    return { text: "The next launch is skipped.", nextLaunch: await nextLaunchOf(deps, teamId) };
  }
  return {
    text: `Rounds launch by themselves (\`${cron}\`, in ${config.timeZone}).`,
    nextLaunch: next,
  };
}

/**
 * The heartbeat's part: launches each workspace's due round once. A launch missed by more than
 * LAUNCH_CATCH_UP_MS is skipped; one due while a round is still open is skipped too (said in the log).
 */
export async function launchDueRounds(rt: Runtime, isActive: (teamId: string) => Promise<boolean>) {
  const now = rt.clock();
  const launched: number[] = [];
  for (const { teamId, value: cron } of await rt.store.settings.teamsWith("schedule")) {
    if (!(await isActive(teamId))) continue;
    const next = await nextLaunchOf(rt, teamId);
    if (next === undefined || next > now) continue;
    const following = nextOccurrence(cron, rt.config.timeZone, Math.max(now, next));
    const key = {
      teamId,
      kind: "scheduled-launch",
      recipientKey: "workspace",
      period: new Date(next).toISOString(),
    };
    try {
      if (now - next < LAUNCH_CATCH_UP_MS) {
        const claim = await rt.store.deliveries.claim(key, now, 5 * 60 * 1000);
        if (claim.state === "busy") continue;
        if (claim.state === "claimed") {
          const id = await launchScheduled(rt, teamId);
          await rt.store.deliveries.complete(key, undefined, rt.clock());
          if (id !== undefined) launched.push(id);
        }
      } else {
        rt.logger.warn(
          `A scheduled launch (${key.period}) was missed by more than a day; the next one is kept.`,
        );
      }
      await rt.store.settings.replace(teamId, "next_launch_at", String(next), String(following));
    } catch (error) {
      await rt.store.deliveries.release(key).catch(() => undefined);
      rt.logger.warn(`The scheduled launch failed: ${describeError(error)}`);
    }
  }
  return launched;
}

async function launchScheduled(rt: Runtime, teamId: string): Promise<number | undefined> {
  const client = await rt.slack(teamId);
  const mode = await inviteModeFor(rt, teamId);
  const botUserId = (await client.auth.test()).user_id;
  const result = await launchRound(rt, client, {
    teamId,
    // The keyed hash of "the schedule", not of any person.
    userId: "schedule",
    days: DEFAULT_ROUND_DAYS,
    botUserId,
    postInChannels: mode !== "dm",
  });
  if (!result.ok) {
    rt.logger.warn(`The scheduled round was not launched: ${result.message}`);
    return undefined;
  }
  if (mode !== "channel")
    rt.logger.info(
      `Scheduled round ${result.round.id}: ${invitedByDmLine(await inviteByDm(rt, result.round))}`,
    );
  rt.logger.info(`Scheduled round ${result.round.id} launched.`);
  rt.home.changed(teamId, { urgent: true });
  return result.round.id;
}
