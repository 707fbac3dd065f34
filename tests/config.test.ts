import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const minimal = { SLACK_BOT_TOKEN: "xoxb-1-2-3", SLACK_SIGNING_SECRET: "abc" };

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe("loadConfig: many workspaces and PostgreSQL", () => {
  const oauth = {
    SLACK_SIGNING_SECRET: "abc",
    SLACK_CLIENT_ID: "1234567890.9876543210",
    SLACK_CLIENT_SECRET: "0123456789abcdef0123",
    SLACK_STATE_SECRET: "state-secret-0123456789",
  };

  it("takes the OAuth settings instead of a bot token", () => {
    const config = loadConfig({ ...oauth, TRUCE_RETENTION_DAYS: "0" });
    expect(config.botToken).toBeUndefined();
    expect(config.oauth).toEqual({
      clientId: "1234567890.9876543210",
      clientSecret: "0123456789abcdef0123",
      stateSecret: "state-secret-0123456789",
    });
    expect(config.retentionDays).toBe(0);
  });

  it("names what is missing or contradictory, all at once", () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: "abc", SLACK_CLIENT_ID: "1.2" })).toEqual([
      "SLACK_CLIENT_SECRET and SLACK_STATE_SECRET are required with SLACK_CLIENT_ID (the OAuth install for many workspaces needs all three)",
      "SLACK_BOT_TOKEN is required (the bot token, xoxb-…), unless SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET set up the OAuth install for many workspaces",
    ]);
    expect(problemsOf({ ...oauth, SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" })).toEqual([
      "SLACK_BOT_TOKEN must be unset with the OAuth settings: each workspace gets its own token when it installs Truce",
      "SLACK_APP_TOKEN must be unset with the OAuth settings: installing into many workspaces needs HTTP mode (Slack must reach /slack/install and /slack/oauth_redirect)",
    ]);
  });

  it("requires TRUCE_SECRET with DATABASE_URL, and a PostgreSQL URL", () => {
    expect(problemsOf({ ...minimal, DATABASE_URL: "postgres://truce@db/truce" })).toEqual([
      "TRUCE_SECRET is required with DATABASE_URL (16+ characters, the same on every instance): a key file generated per instance would hash people differently",
    ]);
    expect(
      problemsOf({ ...minimal, DATABASE_URL: "mysql://db", TRUCE_SECRET: "0123456789abcdef" }),
    ).toEqual([
      "DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/truce",
    ]);
    expect(problemsOf({ ...minimal, TRUCE_RETENTION_DAYS: "-1" })).toEqual([
      "TRUCE_RETENTION_DAYS must be 0 or more days",
    ]);
    expect(
      loadConfig({
        ...minimal,
        DATABASE_URL: "postgresql://u:p@h:5432/t",
        TRUCE_SECRET: "0123456789abcdef",
      }).databaseUrl,
    ).toBe("postgresql://u:p@h:5432/t");
  });
});

describe("loadConfig", () => {
  it("applies the defaults README.md § Settings lists", () => {
    expect(loadConfig(minimal)).toEqual({
      botToken: "xoxb-1-2-3",
      oauth: undefined,
      databaseUrl: undefined,
      retentionDays: 30,
      appToken: undefined,
      signingSecret: "abc",
      port: 3000,
      slackApiUrl: undefined,
      databasePath: "./data/truce.db",
      secret: undefined,
      salesChannel: undefined,
      marketingChannel: undefined,
      leaders: undefined,
      timeZone: "UTC",
      minGroup: 5,
      market: "shifting",
      digestCron: "0 9 * * 1",
      instrumentPath: undefined,
      reminderSlots: [
        { kind: "share", share: 0.5, label: "50%" },
        { kind: "before", ms: 86_400_000, label: "-24h" },
      ],
      workingHours: {
        days: new Set([1, 2, 3, 4, 5]),
        start: 540,
        end: 1020,
        label: "Mon-Fri 09:00-17:00",
      },
      inviteMode: "channel",
      logLevel: "info",
    });
  });

  it("reads reminder slots, working hours and the invite mode, and names what is wrong", () => {
    const config = loadConfig({
      ...minimal,
      TRUCE_REMINDERS: "off",
      TRUCE_WORKING_HOURS: "Sun-Thu 08:00-16:00",
      TRUCE_INVITE: "both",
    });
    expect(config.reminderSlots).toEqual([]);
    expect([...config.workingHours.days].sort()).toEqual([1, 2, 3, 4, 7]);
    expect(config.inviteMode).toBe("both");
    expect(() =>
      loadConfig({
        ...minimal,
        TRUCE_REMINDERS: "10%,20%,30%,40%",
        TRUCE_WORKING_HOURS: "weekdays",
        TRUCE_INVITE: "email",
      }),
    ).toThrow(
      /TRUCE_REMINDERS lists 4 reminders; at most 3 per round[\s\S]*TRUCE_WORKING_HOURS "weekdays" is not a working week[\s\S]*TRUCE_INVITE must be channel, dm or both/,
    );
  });

  it("parses every setting", () => {
    const config = loadConfig({
      ...minimal,
      SLACK_APP_TOKEN: "xapp-1",
      PORT: "8080",
      SLACK_API_URL: "http://127.0.0.1:9999/api/",
      DATABASE_PATH: "/tmp/x.db",
      TRUCE_SECRET: "0123456789abcdef",
      TRUCE_SALES_CHANNEL: "C0SALES",
      TRUCE_MARKETING_CHANNEL: "G0MKTG",
      TRUCE_LEADERS: " U01, W02 ,",
      TRUCE_TIMEZONE: "Europe/Paris",
      TRUCE_MIN_GROUP: "3",
      TRUCE_MARKET: "complex",
      TRUCE_DIGEST_CRON: "0 8 * * 5",
      TRUCE_INSTRUMENT: "./wording.yaml",
      LOG_LEVEL: "warn",
    });
    expect(config).toMatchObject({
      appToken: "xapp-1",
      port: 8080,
      leaders: ["U01", "W02"],
      minGroup: 3,
      market: "complex",
      salesChannel: "C0SALES",
      marketingChannel: "G0MKTG",
      timeZone: "Europe/Paris",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names every problem at once, in one readable message", () => {
    let error: unknown;
    try {
      loadConfig({
        TRUCE_MIN_GROUP: "2",
        TRUCE_MARKET: "volatile",
        TRUCE_TIMEZONE: "Mars/Olympus",
        TRUCE_SALES_CHANNEL: "#sales",
        PORT: "http",
        TRUCE_DIGEST_CRON: "every monday",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^PORT /),
      "TRUCE_SALES_CHANNEL must be a Slack channel id such as C0123ABCD (not a #name)",
      "TRUCE_TIMEZONE must be an IANA time zone such as Europe/Paris",
      "TRUCE_MIN_GROUP must be at least 3 (smaller groups would expose individuals)",
      "TRUCE_MARKET must be stable, shifting or complex",
      "TRUCE_DIGEST_CRON must be a cron expression such as 0 9 * * 1 (Mondays at 09:00)",
      "SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)",
      "SLACK_BOT_TOKEN is required (the bot token, xoxb-…), unless SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET set up the OAuth install for many workspaces",
    ]);
    expect((error as Error).message).toMatch(
      /^Truce cannot start: the configuration has 8 problems:/,
    );
    expect((error as Error).message).not.toMatch(/ at .*\.ts/);
  });

  it("does not need a signing secret in Socket Mode", () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" }).appToken).toBe(
      "xapp-1",
    );
  });
});
