import { describe, expect, it } from "vitest";
import { lastScheduledTime } from "../../src/services/digest.js";

const iso = (ms: number) => new Date(ms).toISOString();
const MONDAY_0830_UTC = Date.UTC(2026, 10, 23, 8, 30); // Monday 23 November 2026

describe("lastScheduledTime: the default digest schedule (Mondays 09:00) in each reader's zone", () => {
  it("reads the cron expression in the given time zone", () => {
    // 09:00 in Paris (UTC+1 in November) is 08:00 UTC: already past at 08:30 UTC.
    expect(iso(lastScheduledTime("0 9 * * 1", "Europe/Paris", MONDAY_0830_UTC))).toBe(
      "2026-11-23T08:00:00.000Z",
    );
    // 09:00 in New York (UTC−5) is 14:00 UTC: not yet, so the previous Monday's.
    expect(iso(lastScheduledTime("0 9 * * 1", "America/New_York", MONDAY_0830_UTC))).toBe(
      "2026-11-16T14:00:00.000Z",
    );
    expect(iso(lastScheduledTime("0 9 * * 1", "UTC", MONDAY_0830_UTC))).toBe(
      "2026-11-16T09:00:00.000Z",
    );
  });

  it("counts a fire time equal to now, and follows daylight saving", () => {
    expect(iso(lastScheduledTime("0 9 * * 1", "UTC", Date.UTC(2026, 10, 23, 9, 0)))).toBe(
      "2026-11-23T09:00:00.000Z",
    );
    // Paris is UTC+2 in June: 09:00 local is 07:00 UTC.
    expect(iso(lastScheduledTime("0 9 * * 1", "Europe/Paris", Date.UTC(2026, 5, 1, 12, 0)))).toBe(
      "2026-06-01T07:00:00.000Z",
    );
  });
});
