import { createServer } from "node:net";
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRequestError } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "../../sandbox/fake-slack.js";
import { describeSlackStartError, StartupError, verifySlackTokens } from "../../src/startup.js";

const refused = (error: string) => new WebAPIPlatformError({ ok: false, error });
const unreachable = (code: string) => {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
  return new WebAPIRequestError(new TypeError("fetch failed", { cause }));
};
const LOCAL = "http://127.0.0.1:1/api/";

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("describeSlackStartError", () => {
  it("names the bot token and where to copy a good one when Slack refuses it", () => {
    expect(describeSlackStartError(refused("invalid_auth"), "SLACK_BOT_TOKEN", undefined)).toBe(
      "SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page.",
    );
    expect(describeSlackStartError(refused("not_authed"), "SLACK_BOT_TOKEN", LOCAL)).toBe(
      "SLACK_BOT_TOKEN was refused by Slack (not_authed): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page.",
    );
  });

  it("asks for a reinstall when the bot token was revoked or has expired", () => {
    for (const code of ["token_revoked", "token_expired", "account_inactive"]) {
      expect(describeSlackStartError(refused(code), "SLACK_BOT_TOKEN", undefined)).toBe(
        `SLACK_BOT_TOKEN was refused by Slack (${code}): reinstall the app from its OAuth & Permissions page and copy the new Bot User OAuth Token (xoxb-…).`,
      );
    }
  });

  it("names the app-level token in Socket Mode", () => {
    expect(
      describeSlackStartError(refused("not_allowed_token_type"), "SLACK_APP_TOKEN", undefined),
    ).toBe(
      "SLACK_APP_TOKEN was refused by Slack (not_allowed_token_type): create an app-level token (xapp-…) with the connections:write scope under your app's Basic Information → App-Level Tokens, and turn on Socket Mode.",
    );
    expect(describeSlackStartError(refused("token_revoked"), "SLACK_APP_TOKEN", undefined)).toBe(
      "SLACK_APP_TOKEN was refused by Slack (token_revoked): create a new app-level token (xapp-…) with the connections:write scope under your app's Basic Information → App-Level Tokens.",
    );
  });

  it("says Slack could not be reached, naming SLACK_API_URL when it is set", () => {
    expect(describeSlackStartError(unreachable("ECONNREFUSED"), "SLACK_BOT_TOKEN", LOCAL)).toBe(
      "Slack could not be reached at SLACK_API_URL (http://127.0.0.1:1/api/): connection refused (ECONNREFUSED); check SLACK_API_URL, or unset it to talk to Slack itself.",
    );
    expect(describeSlackStartError(unreachable("ENOTFOUND"), "SLACK_BOT_TOKEN", undefined)).toBe(
      "Slack could not be reached at https://slack.com/api/: host not found (ENOTFOUND); check this machine's network connection, DNS, proxy and firewall.",
    );
    const timeout = new WebAPIRequestError(
      new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    );
    expect(describeSlackStartError(timeout, "SLACK_APP_TOKEN", undefined)).toBe(
      "Slack could not be reached at https://slack.com/api/: The operation was aborted due to timeout; check this machine's network connection, DNS, proxy and firewall.",
    );
  });

  it("reports other answers as a check that could not be made, not as a bad token", () => {
    expect(describeSlackStartError(refused("unknown_method"), "SLACK_BOT_TOKEN", LOCAL)).toBe(
      "SLACK_BOT_TOKEN could not be checked: SLACK_API_URL (http://127.0.0.1:1/api/) answered unknown_method; check SLACK_API_URL, or unset it to talk to Slack itself.",
    );
    expect(
      describeSlackStartError(
        new WebAPIHTTPError(503, "Service Unavailable", {}),
        "SLACK_BOT_TOKEN",
        undefined,
      ),
    ).toBe(
      "SLACK_BOT_TOKEN could not be checked: https://slack.com/api/ answered HTTP 503; Slack may be having trouble: try again shortly.",
    );
    expect(describeSlackStartError(new Error("odd\nanswer"), "SLACK_APP_TOKEN", LOCAL)).toBe(
      "SLACK_APP_TOKEN could not be checked with Slack at SLACK_API_URL (http://127.0.0.1:1/api/): odd answer",
    );
  });

  it("always gives a single line", () => {
    const multiline = new WebAPIRequestError(new Error("first\nsecond\n    at frame"));
    expect(describeSlackStartError(multiline, "SLACK_BOT_TOKEN", LOCAL)).not.toContain("\n");
  });
});

describe("verifySlackTokens (against the sandbox)", () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(() => fake.close());

  it("passes with the tokens the sandbox issued", async () => {
    const config = { botToken: fake.botToken, appToken: fake.appToken, slackApiUrl: fake.apiUrl };
    await expect(verifySlackTokens(config)).resolves.toBeUndefined();
  });

  it("stops on a bot token Slack does not know", async () => {
    const config = { botToken: "xoxb-placeholder", appToken: undefined, slackApiUrl: fake.apiUrl };
    const error = await verifySlackTokens(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toBe(
      "SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page.",
    );
  });

  it("stops on an app-level token Slack does not know", async () => {
    const config = { botToken: fake.botToken, appToken: "xapp-wrong", slackApiUrl: fake.apiUrl };
    await expect(verifySlackTokens(config)).rejects.toThrow(
      /^SLACK_APP_TOKEN was refused by Slack \(invalid_auth\): /,
    );
  });

  it("stops within seconds when nothing listens at SLACK_API_URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const config = { botToken: fake.botToken, appToken: undefined, slackApiUrl: url };
    await expect(verifySlackTokens(config)).rejects.toThrow(
      `Slack could not be reached at SLACK_API_URL (${url}): connection refused (ECONNREFUSED); check SLACK_API_URL, or unset it to talk to Slack itself.`,
    );
  });
});
