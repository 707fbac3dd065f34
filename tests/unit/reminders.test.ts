import { describe, expect, it } from "vitest";
import {
  isAway,
  nextWorkingTime,
  type PersonProfile,
  parseReminderSlots,
  parseWorkingHours,
  reminderTarget,
  slotTimes,
  type WorkingHours,
} from "../../src/survey/reminders.js";

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const hours = (spec: string): WorkingHours => {
  const parsed = parseWorkingHours(spec);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
};
const OFFICE = hours("Mon-Fri 09:00-17:00");

describe("parseReminderSlots", () => {
  it("reads shares of the round and times before the deadline", () => {
    expect(parseReminderSlots("50%,-24h")).toEqual([
      { kind: "share", share: 0.5, label: "50%" },
      { kind: "before", ms: 24 * HOUR, label: "-24h" },
    ]);
    expect(parseReminderSlots(" 25% , -90m, -2d ")).toEqual([
      { kind: "share", share: 0.25, label: "25%" },
      { kind: "before", ms: 90 * 60_000, label: "-90m" },
      { kind: "before", ms: 2 * DAY, label: "-2d" },
    ]);
    expect(parseReminderSlots("off")).toEqual([]);
    expect(parseReminderSlots("")).toEqual([]);
  });

  it("refuses more than three, unknown forms, out-of-range shares and repeats", () => {
    expect(parseReminderSlots("10%,20%,30%,40%")).toEqual({
      error: "lists 4 reminders; at most 3 per round",
    });
    expect(parseReminderSlots("tomorrow")).toMatchObject({
      error: expect.stringContaining('"tomorrow" is not a reminder slot'),
    });
    expect(parseReminderSlots("100%")).toEqual({
      error: '"100%": a share of the round must be between 1% and 99%',
    });
    expect(parseReminderSlots("24h")).toMatchObject({ error: expect.stringContaining("-24h") });
    expect(parseReminderSlots("50%,50%")).toEqual({ error: "lists the same reminder twice" });
  });
});

describe("slotTimes", () => {
  const opened = Date.UTC(2026, 10, 23, 9, 0);
  it("places the midpoint and 24 hours before the deadline of a seven-day round", () => {
    const slots = parseReminderSlots("50%,-24h") as ReturnType<typeof parseReminderSlots> & [];
    expect(slotTimes(slots, opened, opened + 7 * DAY).map((s) => [s.index, iso(s.at)])).toEqual([
      [0, "2026-11-26T21:00:00.000Z"],
      [1, "2026-11-29T09:00:00.000Z"],
    ]);
  });
  it("leaves out a slot at or before the launch, keeping the others' indexes", () => {
    const slots = parseReminderSlots("-24h,50%") as ReturnType<typeof parseReminderSlots> & [];
    expect(slotTimes(slots, opened, opened + DAY)).toEqual([{ index: 1, at: opened + 12 * HOUR }]);
  });
});

describe("parseWorkingHours", () => {
  it("reads ranges, lists and weeks that wrap round Sunday", () => {
    expect(OFFICE).toMatchObject({ start: 540, end: 1020 });
    expect([...OFFICE.days]).toEqual([1, 2, 3, 4, 5]);
    expect([...hours("Sun-Thu 08:30-16:30").days].sort()).toEqual([1, 2, 3, 4, 7]);
    expect([...hours("Mon,Wed,Fri 10:00-15:00").days]).toEqual([1, 3, 5]);
    expect(hours("Mon-Sun 00:00-24:00")).toMatchObject({ start: 0, end: 1440 });
  });
  it("explains what is wrong", () => {
    expect(parseWorkingHours("weekdays")).toMatchObject({
      error: expect.stringContaining("Mon-Fri 09:00-17:00"),
    });
    expect(parseWorkingHours("Mon-Fry 09:00-17:00")).toMatchObject({
      error: expect.stringContaining('"Mon-Fry" is not a day'),
    });
    expect(parseWorkingHours("Mon-Fri 17:00-09:00")).toMatchObject({
      error: expect.stringContaining("must start before it ends"),
    });
    expect(parseWorkingHours("Mon-Fri 09:75-17:00")).toMatchObject({
      error: expect.stringContaining("not on a clock"),
    });
  });
});

describe("nextWorkingTime", () => {
  it("is now during working hours, in the person's own zone", () => {
    const mondayNoonUtc = Date.UTC(2026, 10, 23, 12, 0); // Monday 23 November 2026
    expect(nextWorkingTime(mondayNoonUtc, "Europe/Paris", OFFICE)).toBe(mondayNoonUtc);
    // 07:00 in New York: the day starts at 09:00 EST, 14:00 UTC.
    expect(iso(nextWorkingTime(mondayNoonUtc, "America/New_York", OFFICE))).toBe(
      "2026-11-23T14:00:00.000Z",
    );
  });

  it("never at 3 a.m. and never on a Saturday: the start of the next working day", () => {
    // Friday 27 November, 18:00 in Berlin → Monday 30 November 09:00 CET (08:00 UTC).
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 27, 17, 0), "Europe/Berlin", OFFICE))).toBe(
      "2026-11-30T08:00:00.000Z",
    );
    // Saturday noon in Tokyo → Monday 09:00 JST (00:00 UTC).
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 28, 3, 0), "Asia/Tokyo", OFFICE))).toBe(
      "2026-11-30T00:00:00.000Z",
    );
    // 03:00 on a Tuesday in London → 09:00 the same day.
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 24, 3, 0), "Europe/London", OFFICE))).toBe(
      "2026-11-24T09:00:00.000Z",
    );
    // 17:00 exactly is after hours.
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 24, 17, 0), "UTC", OFFICE))).toBe(
      "2026-11-25T09:00:00.000Z",
    );
  });

  it("keeps half-hour zones on their own clock", () => {
    // 17:30 in Kolkata (UTC+05:30) on Monday → Tuesday 09:00 IST = 03:30 UTC.
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 23, 12, 0), "Asia/Kolkata", OFFICE))).toBe(
      "2026-11-24T03:30:00.000Z",
    );
    // 14:30 in Kolkata: at work.
    expect(nextWorkingTime(Date.UTC(2026, 10, 23, 9, 0), "Asia/Kolkata", OFFICE)).toBe(
      Date.UTC(2026, 10, 23, 9, 0),
    );
    // Adelaide in summer is UTC+10:30: Monday 09:00 ACDT is Sunday 22:30 UTC.
    expect(iso(nextWorkingTime(Date.UTC(2026, 10, 28, 12, 0), "Australia/Adelaide", OFFICE))).toBe(
      "2026-11-29T22:30:00.000Z",
    );
  });

  it("stays at 09:00 on the wall clock across a daylight-saving change", () => {
    // New York springs forward on Sunday 14 March 2027. Friday 12 March 17:30 EST (22:30 UTC)
    // → Monday 15 March 09:00 EDT, which is 13:00 UTC (not 14:00).
    expect(iso(nextWorkingTime(Date.UTC(2027, 2, 12, 22, 30), "America/New_York", OFFICE))).toBe(
      "2027-03-15T13:00:00.000Z",
    );
    // Europe falls back on Sunday 31 October 2027: Monday 09:00 in Paris is 08:00 UTC again.
    expect(iso(nextWorkingTime(Date.UTC(2027, 9, 29, 18, 0), "Europe/Paris", OFFICE))).toBe(
      "2027-11-01T08:00:00.000Z",
    );
  });
});

const person = (over: Partial<PersonProfile> = {}): PersonProfile => ({
  isBot: false,
  deleted: false,
  timeZone: "Europe/Paris",
  statusText: "",
  statusEmoji: "",
  statusExpiration: 0,
  ...over,
});

describe("isAway", () => {
  const now = Date.UTC(2026, 10, 23, 12, 0);
  it("reads holiday, illness and travel emoji", () => {
    for (const emoji of [":palm_tree:", ":face_with_thermometer:", ":airplane:"])
      expect(isAway(person({ statusEmoji: emoji }), now)).toBe(true);
    expect(isAway(person({ statusEmoji: ":coffee:" }), now)).toBe(false);
  });
  it("reads status text, case-insensitively, as whole words", () => {
    for (const text of ["Out of office until Monday", "OOO", "on leave", "Vacation!", "Holiday"])
      expect(isAway(person({ statusText: text }), now)).toBe(true);
    for (const text of ["In a meeting", "Booking my vacation? No, working", "Foooo"])
      expect(isAway(person({ statusText: text }), now)).toBe(text.includes("vacation"));
  });
  it("ignores a status that has expired", () => {
    const expired = Math.floor((now - HOUR) / 1000);
    const current = Math.floor((now + HOUR) / 1000);
    expect(isAway(person({ statusEmoji: ":palm_tree:", statusExpiration: expired }), now)).toBe(
      false,
    );
    expect(isAway(person({ statusEmoji: ":palm_tree:", statusExpiration: current }), now)).toBe(
      true,
    );
  });
});

describe("reminderTarget", () => {
  const mondayNoonUtc = Date.UTC(2026, 10, 23, 12, 0);
  it("never reminds bots, deactivated people or people away", () => {
    expect(reminderTarget(person({ isBot: true }), mondayNoonUtc, OFFICE, "UTC")).toEqual({
      send: "never",
      why: "bot",
    });
    expect(reminderTarget(person({ deleted: true }), mondayNoonUtc, OFFICE, "UTC")).toEqual({
      send: "never",
      why: "deactivated",
    });
    expect(reminderTarget(person({ statusText: "OOO" }), mondayNoonUtc, OFFICE, "UTC")).toEqual({
      send: "never",
      why: "away",
    });
  });
  it("reminds now at work, else at the start of the working day; the fallback zone when unknown", () => {
    expect(reminderTarget(person(), mondayNoonUtc, OFFICE, "UTC")).toEqual({ send: "now" });
    expect(
      reminderTarget(person({ timeZone: "America/Los_Angeles" }), mondayNoonUtc, OFFICE, "UTC"),
    ).toEqual({ send: "later", at: Date.UTC(2026, 10, 23, 17, 0) });
    expect(
      reminderTarget(person({ timeZone: undefined }), mondayNoonUtc, OFFICE, "Asia/Tokyo"),
    ).toEqual({ send: "later", at: Date.UTC(2026, 10, 24, 0, 0) });
    expect(
      reminderTarget(person({ timeZone: "Mars/Olympus" }), mondayNoonUtc, OFFICE, "UTC"),
    ).toEqual({ send: "now" });
  });
});
