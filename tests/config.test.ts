import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

const minimal = { SLACK_BOT_TOKEN: "xoxb-1-2-3", SLACK_SIGNING_SECRET: "abc" };

describe("loadConfig", () => {
  it("applies the defaults README.md § Settings lists", () => {
    expect(loadConfig(minimal)).toEqual({
      botToken: "xoxb-1-2-3",
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
      logLevel: "info",
    });
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
      "SLACK_BOT_TOKEN is required (the bot token, xoxb-…)",
      expect.stringMatching(/^PORT /),
      "TRUCE_SALES_CHANNEL must be a Slack channel id such as C0123ABCD (not a #name)",
      "TRUCE_TIMEZONE must be an IANA time zone such as Europe/Paris",
      "TRUCE_MIN_GROUP must be at least 3 (smaller groups would expose individuals)",
      "TRUCE_MARKET must be stable, shifting or complex",
      "TRUCE_DIGEST_CRON must be a cron expression such as 0 9 * * 1 (Mondays at 09:00)",
      "SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)",
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
