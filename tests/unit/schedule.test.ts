import { describe, expect, it } from "vitest";
import { nextOccurrence, parseScheduleArgs } from "../../src/services/schedule.js";

const iso = (ms: number) => new Date(ms).toISOString();

describe("parseScheduleArgs", () => {
  it("reads named cadences, cron expressions, skip and off", () => {
    expect(parseScheduleArgs([])).toEqual({ kind: "show" });
    expect(parseScheduleArgs(["Monthly"])).toEqual({
      kind: "set",
      cron: "0 9 * * 1#1",
      name: "monthly",
    });
    expect(parseScheduleArgs(["quarterly"])).toEqual({
      kind: "set",
      cron: "0 9 * 1,4,7,10 1#1",
      name: "quarterly",
    });
    expect(parseScheduleArgs("0 10 15 * *".split(" "))).toEqual({
      kind: "set",
      cron: "0 10 15 * *",
      name: "`0 10 15 * *`",
    });
    expect(parseScheduleArgs(["skip"])).toEqual({ kind: "skip" });
    expect(parseScheduleArgs(["off"])).toEqual({ kind: "off" });
  });
  it("explains the forms on anything else", () => {
    for (const args of [["weekly-ish"], "0 99 * * *".split(" "), "0 9 * *".split(" ")])
      expect(parseScheduleArgs(args)).toMatchObject({ error: expect.stringContaining("monthly") });
  });
});

describe("nextOccurrence", () => {
  it("finds the first Monday of the next month and quarter, 09:00 in the zone", () => {
    const wednesday = Date.UTC(2026, 11, 2, 1, 0); // Wednesday 2 December 2026
    expect(iso(nextOccurrence("0 9 * * 1#1", "UTC", wednesday))).toBe("2026-12-07T09:00:00.000Z");
    expect(iso(nextOccurrence("0 9 * * 1#1", "Europe/Paris", wednesday))).toBe(
      "2026-12-07T08:00:00.000Z",
    );
    expect(iso(nextOccurrence("0 9 * 1,4,7,10 1#1", "UTC", wednesday))).toBe(
      "2027-01-04T09:00:00.000Z",
    );
    // Strictly after: a launch at its own time is followed by the next one.
    expect(iso(nextOccurrence("0 9 * * 1#1", "UTC", Date.UTC(2026, 11, 7, 9, 0)))).toBe(
      "2027-01-04T09:00:00.000Z",
    );
  });
});
