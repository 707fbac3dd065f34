import { DateTime } from "luxon";

/**
 * When people are reminded, and who is not: pure rules (no Slack, no database), unit-tested.
 * - reminder slots: `50%` (that share of the round's length after it opened) or `-24h` (that long
 *   before the deadline), at most three per round;
 * - working hours: days and a daily window read in each person's own time zone;
 * - away: a Slack status that says the person is not at work.
 */

export const MAX_REMINDER_SLOTS = 3;

export type ReminderSlot =
  | { kind: "share"; share: number; label: string }
  | { kind: "before"; ms: number; label: string };

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses `TRUCE_REMINDERS`: comma-separated slots such as `50%,-24h` (`-90m`, `-2d` too), or
 * `off` / empty for none. Returns the slots, or the problem in words.
 */
export function parseReminderSlots(spec: string): ReminderSlot[] | { error: string } {
  const trimmed = spec.trim().toLowerCase();
  if (trimmed === "" || trimmed === "off" || trimmed === "none") return [];
  const parts = trimmed.split(",").map((p) => p.trim());
  if (parts.length > MAX_REMINDER_SLOTS)
    return { error: `lists ${parts.length} reminders; at most ${MAX_REMINDER_SLOTS} per round` };
  const slots: ReminderSlot[] = [];
  for (const part of parts) {
    const share = /^(\d{1,3}(?:\.\d+)?)%$/.exec(part);
    const before = /^-(\d{1,4})([mhd])$/.exec(part);
    if (share) {
      const value = Number(share[1]);
      if (value <= 0 || value >= 100)
        return { error: `"${part}": a share of the round must be between 1% and 99%` };
      slots.push({ kind: "share", share: value / 100, label: part });
    } else if (before) {
      const ms = Number(before[1]) * UNIT_MS[before[2] as keyof typeof UNIT_MS];
      if (ms === 0) return { error: `"${part}": a time before the deadline must be above zero` };
      slots.push({ kind: "before", ms, label: part });
    } else {
      return {
        error: `"${part}" is not a reminder slot: use a share of the round such as 50% or a time before the deadline such as -24h (m, h or d)`,
      };
    }
  }
  if (new Set(slots.map((s) => s.label)).size < slots.length)
    return { error: "lists the same reminder twice" };
  return slots;
}

/** The slots as written in TRUCE_REMINDERS (for setup and help). */
export const formatReminderSlots = (slots: readonly ReminderSlot[]) =>
  slots.length === 0 ? "off" : slots.map((s) => s.label).join(",");

/**
 * When each slot falls in a round, in slot order. A slot at or before the launch, or at or after
 * the deadline, is left out (a one-day round has no "24 hours before"): its index stays, so a
 * slot keeps its identity whichever others exist.
 */
export function slotTimes(
  slots: readonly ReminderSlot[],
  openedAt: number,
  closesAt: number,
): { index: number; at: number }[] {
  const times: { index: number; at: number }[] = [];
  slots.forEach((slot, index) => {
    const at =
      slot.kind === "share"
        ? openedAt + Math.round((closesAt - openedAt) * slot.share)
        : closesAt - slot.ms;
    if (at > openedAt && at < closesAt) times.push({ index, at });
  });
  return times;
}

export interface WorkingHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: ReadonlySet<number>;
  /** Minutes after local midnight; start < end. */
  start: number;
  end: number;
  label: string;
}

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const dayNumber = (name: string) => DAY_NAMES.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/**
 * Parses `TRUCE_WORKING_HOURS`, e.g. `Mon-Fri 09:00-17:00`, `Sun-Thu 08:30-16:30` or
 * `Mon,Wed,Fri 10:00-15:00`. Returns the hours, or the problem in words.
 */
export function parseWorkingHours(spec: string): WorkingHours | { error: string } {
  const match = /^\s*([A-Za-z,-]+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(spec);
  const usage = "use days and hours such as Mon-Fri 09:00-17:00";
  if (!match) return { error: `"${spec}" is not a working week: ${usage}` };
  const [, dayPart, h1, m1, h2, m2] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const days = new Set<number>();
  for (const piece of dayPart.split(",")) {
    const [from, to, ...rest] = piece.split("-");
    const a = dayNumber(from ?? "");
    const b = to === undefined ? a : dayNumber(to);
    if (
      rest.length > 0 ||
      a === 0 ||
      b === 0 ||
      (from?.length ?? 0) < 3 ||
      (to !== undefined && to.length < 3)
    )
      return { error: `"${piece}" is not a day or a range of days (Mon…Sun): ${usage}` };
    // A range may wrap round the week (Sat-Sun, Sun-Thu).
    for (let d = a; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === b) break;
    }
  }
  const start = Number(h1) * 60 + Number(m1);
  const end = Number(h2) * 60 + Number(m2);
  if (Number(m1) > 59 || Number(m2) > 59 || start > 24 * 60 || end > 24 * 60)
    return { error: `"${spec}" has a time that is not on a clock: ${usage}` };
  if (start >= end)
    return {
      error: `"${spec}": the day must start before it ends (overnight hours are not supported)`,
    };
  return { days, start, end, label: spec.trim() };
}

/**
 * The earliest moment at or after `now` that lies inside the working hours of `timeZone`: `now`
 * itself when the person is at work, else the start of their next working period (never 3 a.m.,
 * never a Saturday under Mon-Fri). Daylight-saving changes and half-hour zones are the time
 * zone database's business (luxon): 09:00 is 09:00 on the wall clock, whatever the offset.
 */
export function nextWorkingTime(now: number, timeZone: string, hours: WorkingHours): number {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  if (!local.isValid) throw new Error(`unknown time zone ${timeZone}`);
  const at = (day: DateTime, minutes: number) =>
    minutes === 24 * 60
      ? day.plus({ days: 1 }).toMillis()
      : // set() keeps 09:00 on the wall clock across a DST change (a time the change skips
        // moves forward, as the clock does).
        day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
  for (let offset = 0; offset <= 7; offset++) {
    const day = local.startOf("day").plus({ days: offset });
    if (!hours.days.has(day.weekday)) continue;
    const startMs = at(day, hours.start);
    const endMs = at(day, hours.end);
    if (now >= startMs && now < endMs) return now;
    if (startMs > now) return startMs;
  }
  // Unreachable with at least one working day; keep the caller moving rather than stall.
  return now;
}

export interface PersonProfile {
  isBot: boolean;
  deleted: boolean;
  /** IANA zone from users.info; undefined when Slack does not say. */
  timeZone: string | undefined;
  statusText: string;
  statusEmoji: string;
  /** Epoch seconds when the status clears; 0 when it does not. */
  statusExpiration: number;
}

/** Status emoji that mean "not at work": on holiday, ill, travelling. */
export const AWAY_EMOJI: readonly string[] = [
  ":palm_tree:",
  ":face_with_thermometer:",
  ":thermometer:",
  ":airplane:",
  ":desert_island:",
];

const AWAY_WORDS =
  /\b(out of (the )?office|ooo|on leave|vacation|holidays?|annual leave|sick leave|parental leave)\b/i;

/** Whether a person's Slack status says they are away now (an expired status says nothing). */
export function isAway(profile: PersonProfile, now: number): boolean {
  if (profile.statusExpiration > 0 && profile.statusExpiration * 1000 <= now) return false;
  const emoji = profile.statusEmoji.trim().toLowerCase();
  if (emoji && AWAY_EMOJI.includes(emoji.replace(/::skin-tone-\d:$/, ":"))) return true;
  return AWAY_WORDS.test(profile.statusText);
}

export type ReminderTarget =
  | { send: "now" }
  | { send: "later"; at: number }
  | { send: "never"; why: "bot" | "deactivated" | "away" };

/**
 * What to do with one person who has not answered: DM them now, at the start of their next
 * working period, or not at all (bots, deactivated accounts, someone away).
 */
export function reminderTarget(
  profile: PersonProfile,
  now: number,
  hours: WorkingHours,
  fallbackZone: string,
): ReminderTarget {
  if (profile.isBot) return { send: "never", why: "bot" };
  if (profile.deleted) return { send: "never", why: "deactivated" };
  if (isAway(profile, now)) return { send: "never", why: "away" };
  let at: number;
  try {
    at = nextWorkingTime(now, profile.timeZone ?? fallbackZone, hours);
  } catch {
    at = nextWorkingTime(now, fallbackZone, hours);
  }
  return at <= now ? { send: "now" } : { send: "later", at };
}
