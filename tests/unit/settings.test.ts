import { describe, expect, it } from "vitest";
import { parseSetup } from "../../src/handlers/setup.js";
import { weeklyCron, weeklyTimeOf } from "../../src/services/settings.js";

describe("the digest's weekly schedule", () => {
  it("turns a weekday and time into cron and back", () => {
    expect(weeklyCron({ day: 1, time: "09:00" })).toBe("0 9 * * 1");
    expect(weeklyCron({ day: 5, time: "16:30" })).toBe("30 16 * * 5");
    expect(weeklyTimeOf("0 9 * * 1")).toEqual({ day: 1, time: "09:00" });
    expect(weeklyTimeOf("30 16 * * 7")).toEqual({ day: 0, time: "16:30" });
  });

  it("has no weekday and time for a schedule that is not weekly", () => {
    expect(weeklyTimeOf("0 9 * * 1-5")).toBeUndefined();
    expect(weeklyTimeOf("*/15 * * * *")).toBeUndefined();
    expect(weeklyTimeOf("0 25 * * 1")).toBeUndefined();
  });
});

describe("parseSetup", () => {
  const values = (overrides: Record<string, Record<string, unknown>> = {}) => ({
    sales_channel: { channel: { type: "conversations_select", selected_conversation: "C0SALES" } },
    marketing_channel: {
      channel: { type: "conversations_select", selected_conversation: "C0MARKET" },
    },
    leaders: { users: { type: "multi_users_select", selected_users: ["U0A", "U0A", "U0B"] } },
    market: { market: { type: "static_select", selected_option: { value: "complex" } } },
    min_group: { min_group: { type: "number_input", value: "4" } },
    round_days: { round_days: { type: "number_input", value: "10" } },
    digest_day: { digest_day: { type: "static_select", selected_option: { value: "3" } } },
    digest_time: { digest_time: { type: "timepicker", selected_time: "08:15" } },
    ...overrides,
  });

  it("reads every setting", () => {
    expect(parseSetup(values() as never)).toEqual({
      ok: true,
      channels: { sales: "C0SALES", marketing: "C0MARKET" },
      leaders: ["U0A", "U0B"],
      settings: {
        market: "complex",
        minGroup: 4,
        roundDays: 10,
        digest: { day: 3, time: "08:15" },
      },
    });
  });

  it("puts each problem under its own input", () => {
    const parsed = parseSetup(
      values({
        market: { market: { type: "static_select", selected_option: { value: "volatile" } } },
        min_group: { min_group: { type: "number_input", value: "2.5" } },
        round_days: { round_days: { type: "number_input", value: "" } },
        digest_time: { digest_time: { type: "timepicker", selected_time: "24:00" } },
      }) as never,
    );
    expect(parsed.ok).toBe(false);
    expect(Object.keys(parsed.ok ? {} : parsed.errors).sort()).toEqual([
      "digest_time",
      "market",
      "min_group",
      "round_days",
    ]);
  });
});
