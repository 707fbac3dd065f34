import { describe, expect, it } from "vitest";
import { parseCommandText, parseDays } from "../../src/handlers/commands.js";
import { parseSetup } from "../../src/handlers/setup.js";
import { parseMetadata, parseSubmission } from "../../src/handlers/survey.js";
import { dayIn } from "../../src/survey/commitments.js";

describe("parseCommandText", () => {
  it("reads the subcommand case-insensitively, with its arguments", () => {
    expect(parseCommandText("")).toEqual({ subcommand: "report", args: [] });
    expect(parseCommandText("   ")).toEqual({ subcommand: "report", args: [] });
    expect(parseCommandText("LAUNCH  14 ")).toEqual({ subcommand: "launch", args: ["14"] });
    expect(parseCommandText("me")).toEqual({ subcommand: "me", args: [] });
    expect(parseCommandText("frob x")).toEqual({ unknown: "frob" });
  });
  it("quotes at most 40 characters of an unknown word back", () => {
    const huge = "x".repeat(100_000);
    expect(parseCommandText(huge)).toEqual({ unknown: `${"x".repeat(39)}…` });
  });
});

describe("parseDays", () => {
  it("quotes at most 40 characters of what was typed back", () => {
    const result = parseDays(["y".repeat(100_000)]) as { error: string };
    expect(result.error).toBe(
      `\`/alignment launch ${"y".repeat(39)}…\` — the round length must be a whole number of days from 1 to 60, e.g. \`/alignment launch 7\`.`,
    );
  });
  it("defaults to 7 and accepts whole days from 1 to 60", () => {
    expect(parseDays([])).toBe(7);
    expect(parseDays(["1"])).toBe(1);
    expect(parseDays(["60"])).toBe(60);
  });
  it.each([["0"], ["61"], ["2.5"], ["seven"], ["7", "days"], ["-3"]])("rejects %j", (...args) => {
    expect(parseDays(args)).toEqual({
      error: expect.stringContaining("whole number of days from 1 to 60"),
    });
  });
});

const radio = (value: string) => ({
  type: "radio_buttons" as const,
  selected_option: { text: { type: "plain_text" as const, text: value }, value },
});

describe("parseSubmission", () => {
  const full = (side: string, rating = "3") => ({
    side: { side: radio(side) },
    ...Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`statement_${i + 1}`, { rating: radio(rating) }]),
    ),
  });

  it("reads a side and twenty ratings", () => {
    expect(parseSubmission(full("marketing", "4"), 20)).toEqual({
      ok: true,
      side: "marketing",
      ratings: Array(20).fill(4),
    });
  });

  it("flags each missing or invalid answer under its own question", () => {
    const values = full("sales");
    delete (values as Record<string, unknown>).statement_3;
    (values as Record<string, unknown>).statement_9 = { rating: radio("6") };
    (values as Record<string, unknown>).side = { side: radio("finance") };
    const parsed = parseSubmission(values, 20);
    expect(parsed).toEqual({
      ok: false,
      errors: {
        side: "Please choose the team you are on.",
        statement_3: "Please choose an answer from Strongly disagree to Strongly agree.",
        statement_9: "Please choose an answer from Strongly disagree to Strongly agree.",
      },
    });
  });
});

describe("parseSetup", () => {
  const pick = (sales: string | null, marketing: string | null) => ({
    sales_channel: {
      channel: { type: "conversations_select" as const, selected_conversation: sales },
    },
    marketing_channel: {
      channel: { type: "conversations_select" as const, selected_conversation: marketing },
    },
    // The other settings, as the setup pre-fills them.
    market: { market: { type: "static_select", selected_option: { value: "shifting" } } as never },
    min_group: { min_group: { type: "number_input", value: "5" } as never },
    round_days: { round_days: { type: "number_input", value: "7" } as never },
    digest_day: { digest_day: { type: "static_select", selected_option: { value: "1" } } as never },
    digest_time: { digest_time: { type: "timepicker", selected_time: "09:00" } as never },
  });
  it("accepts two different channels", () => {
    expect(parseSetup(pick("C0A", "G0B"))).toEqual({
      ok: true,
      channels: { sales: "C0A", marketing: "G0B" },
      leaders: [],
      settings: {
        market: "shifting",
        minGroup: 5,
        roundDays: 7,
        digest: { day: 1, time: "09:00" },
      },
    });
  });
  it("takes the chosen leaders, once each, and refuses what is not a user id", () => {
    const users = (selected_users: unknown) => ({
      ...pick("C0A", "G0B"),
      leaders: { users: { type: "multi_users_select", selected_users } as never },
    });
    expect(parseSetup(users(["U0ONE", "W0TWO", "U0ONE"]))).toMatchObject({
      ok: true,
      leaders: ["U0ONE", "W0TWO"],
    });
    expect(parseSetup(users(["u1"]))).toEqual({
      ok: false,
      errors: { leaders: "Please choose up to 20 people." },
    });
  });
  it("rejects a direct message, a missing choice and the same channel twice", () => {
    expect(parseSetup(pick("D0DM", null))).toEqual({
      ok: false,
      errors: {
        sales_channel: "Please choose a channel (not a direct message).",
        marketing_channel: "Please choose a channel (not a direct message).",
      },
    });
    expect(parseSetup(pick("C0A", "C0A"))).toEqual({
      ok: false,
      errors: { marketing_channel: "Choose a different channel from the sales channel." },
    });
  });
});

describe("dayIn", () => {
  it("is the calendar day in the given zone", () => {
    const instant = Date.UTC(2026, 10, 23, 23, 30); // 23:30 UTC on 23 November
    expect(dayIn(instant, "UTC")).toBe("2026-11-23");
    expect(dayIn(instant, "Europe/Paris")).toBe("2026-11-24");
    expect(dayIn(instant, "America/Los_Angeles")).toBe("2026-11-23");
  });
});

describe("parseMetadata", () => {
  it("reads the round and the side the survey form was opened with", () => {
    expect(parseMetadata('{"roundId":7}')).toEqual({ roundId: 7 });
    expect(parseMetadata('{"roundId":7,"side":"sales"}')).toEqual({ roundId: 7, side: "sales" });
  });

  it("refuses anything else: no round, a bad id, an unknown side, not JSON", () => {
    for (const text of [
      undefined,
      "",
      "null",
      "[]",
      "not json",
      '{"roundId":"7"}',
      '{"roundId":0}',
      '{"roundId":-3}',
      '{"roundId":1.5}',
      '{"roundId":1e300}',
      '{"roundId":7,"side":"finance"}',
      '{"roundId":7,"side":null}',
    ])
      expect(parseMetadata(text)).toBeUndefined();
  });
});
