import { INVITE_MODES, type InviteMode } from "../config.js";
import { type Deps, todayOf } from "../deps.js";
import type { Runtime } from "../runtime.js";
import type { NewQueuedDm, Round } from "../store/index.js";
import {
  parseReminderSlots,
  type ReminderSlot,
  reminderTarget,
  slotTimes,
} from "../survey/reminders.js";
import { lookUpPeople } from "./people.js";
import { describeError } from "./slack.js";

/** The reminder slots of a workspace: chosen in setup, else TRUCE_REMINDERS. */
export async function reminderSlotsFor(
  deps: Deps,
  teamId: string,
): Promise<readonly ReminderSlot[]> {
  const stored = await deps.store.settings.get(teamId, "reminder_slots");
  if (stored !== undefined) {
    const parsed = parseReminderSlots(stored);
    if (!("error" in parsed)) return parsed;
  }
  return deps.config.reminderSlots;
}

/** How a workspace's launches invite people: chosen in setup, else TRUCE_INVITE. */
export async function inviteModeFor(deps: Deps, teamId: string): Promise<InviteMode> {
  const stored = await deps.store.settings.get(teamId, "invite_mode");
  return (INVITE_MODES as readonly string[]).includes(stored ?? "")
    ? (stored as InviteMode)
    : deps.config.inviteMode;
}

/** Personal invitations of a new round (TRUCE_INVITE=dm or both), through the paced queue. */
export function inviteByDm(rt: Runtime, round: Round): Promise<FanOutPlan> {
  return queueFanOut(rt, round, "invitation", `round-${round.id}`);
}

/** The launch reply's sentence about DM invitations: counts only. Pure. */
export function invitedByDmLine(plan: FanOutPlan): string {
  const n = (count: number) => count.toLocaleString("en-US");
  const later = plan.later > 0 ? `; ${n(plan.later)} more at the start of their working day` : "";
  const away = plan.away > 0 ? `; ${n(plan.away)} away, not invited by DM` : "";
  return `Inviting ${n(plan.now)} ${plan.now === 1 ? "person" : "people"} by DM now${later}${away}.`;
}

/** What queuing a fan-out did, in counts only: never who. */
export interface FanOutPlan {
  /** Queued to go out now (paced). */
  now: number;
  /** Queued for the start of the person's working day. */
  later: number;
  /** Not reminded: their Slack status says they are away. */
  away: number;
  /** Left out because they were queued for the same period already. */
  already: number;
}

/**
 * Queues a DM of `kind` for each person in the round's two channels who has not answered (and,
 * for reminders, has not opted out): bots, deactivated accounts and people away are left out;
 * the rest are due now or at the start of their working day, in their own time zone. Each person
 * is queued once per period, however often this runs, on however many instances.
 */
export async function queueFanOut(
  rt: Runtime,
  round: Round,
  kind: "reminder" | "invitation",
  period: string,
): Promise<FanOutPlan> {
  const client = await rt.slack(round.teamId);
  const byKey = await rt.dms.membersOf(round, client, true);
  // Keys only: no rating is read to find who still owes an answer.
  const answered = new Set(await rt.store.responses.respondentKeys(round.id));
  const optedOut = new Set(kind === "reminder" ? await rt.store.dms.optOuts(round.id) : []);
  const wanted = [...byKey].filter(([key]) => !answered.has(key) && !optedOut.has(key));
  const profiles = await lookUpPeople(
    client,
    wanted.map(([, id]) => id),
  );
  rt.dms.rememberProfiles(round.teamId, profiles);
  const now = rt.clock();
  const soon: NewQueuedDm[] = [];
  const later: NewQueuedDm[] = [];
  let away = 0;
  for (const [recipientKey, id] of wanted) {
    const profile = profiles.get(id);
    if (!profile) continue;
    const target = reminderTarget(profile, now, rt.config.workingHours, rt.config.timeZone);
    if (target.send === "never") {
      if (target.why === "away") away++;
      continue;
    }
    const item = { teamId: round.teamId, kind, period, recipientKey, roundId: round.id };
    if (target.send === "now") soon.push({ ...item, notBefore: now });
    else later.push({ ...item, notBefore: target.at });
  }
  const queuedNow = await rt.store.dms.enqueue(soon, now);
  const queuedLater = await rt.store.dms.enqueue(later, now);
  if (queuedNow + queuedLater > 0) rt.dms.kick(round.teamId);
  return {
    now: queuedNow,
    later: queuedLater,
    away,
    already: soon.length + later.length - queuedNow - queuedLater,
  };
}

export type RemindNowResult = { ok: true; plan: FanOutPlan } | { ok: false; message: string };

/**
 * `/alignment remind`: reminds the open round's non-respondents by DM now (in their working
 * hours), at most once a day each (a day in TRUCE_TIMEZONE).
 */
export async function remindNow(rt: Runtime, teamId: string): Promise<RemindNowResult> {
  const round = await rt.store.rounds.openFor(teamId);
  if (!round || round.closesAt <= rt.clock())
    return { ok: false, message: "There is no open round to remind people about." };
  const period = `round-${round.id}:now-${todayOf(rt)}`;
  return { ok: true, plan: await queueFanOut(rt, round, "reminder", period) };
}

/** The reply to `/alignment remind`: what was done, in counts; never who. Pure. */
export function remindReply(plan: FanOutPlan): string {
  const n = (count: number) => count.toLocaleString("en-US");
  const people = (count: number) => `${n(count)} ${count === 1 ? "person" : "people"}`;
  if (plan.now + plan.later === 0) {
    const away = plan.away > 0 ? ` (${plan.away} ${plan.away === 1 ? "is" : "are"} away)` : "";
    return plan.already > 0
      ? `Everyone who hasn't answered has been reminded today already${away}; you can remind them again tomorrow.`
      : `There is nobody to remind right now${away}.`;
  }
  const parts = [`:bell: Reminding ${people(plan.now)} now`];
  if (plan.later > 0) parts.push(`${n(plan.later)} more at the start of their working day`);
  if (plan.away > 0) parts.push(`${n(plan.away)} ${plan.away === 1 ? "is" : "are"} away`);
  return `${parts.join("; ")}.`;
}

/**
 * The heartbeat's part: when a reminder slot of an open round has come, queues that slot's
 * reminders, once (the outbox records that the slot was planned). After a long stop only the
 * latest slot that has come is sent: two reminders in a row would be one too many.
 */
export async function remindDueSlots(rt: Runtime, round: Round): Promise<FanOutPlan | undefined> {
  const now = rt.clock();
  if (round.closedAt !== undefined || round.closesAt <= now) return undefined;
  const slots = await reminderSlotsFor(rt, round.teamId);
  const due = slotTimes(slots, round.openedAt, round.closesAt).filter((slot) => slot.at <= now);
  const latest = due.at(-1);
  if (!latest) return undefined;
  const period = `round-${round.id}:slot-${latest.index}`;
  const key = { teamId: round.teamId, kind: "reminder-slot", recipientKey: "round", period };
  const claim = await rt.store.deliveries.claim(key, now, 5 * 60 * 1000);
  if (claim.state !== "claimed") return undefined;
  try {
    const plan = await queueFanOut(rt, round, "reminder", period);
    await rt.store.deliveries.complete(key, undefined, rt.clock());
    rt.logger.info(
      `Round ${round.id}: reminder ${latest.index + 1} queued (${plan.now} now, ${plan.later} later, ${plan.away} away).`,
    );
    return plan;
  } catch (error) {
    await rt.store.deliveries.release(key).catch(() => undefined);
    rt.logger.warn(`Queuing round ${round.id}'s reminders failed: ${describeError(error)}`);
    return undefined;
  }
}
