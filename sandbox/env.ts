import type { FakeSlack } from "./fake-slack.js";

/**
 * The environment that points Truce at the sandbox instead of Slack: the fake's tokens and API
 * URL, a database path, the two survey channels and one leader. Shared by the tests, the demo
 * and the bench; `extra` adds or overrides variables (an empty string unsets one).
 */
export function sandboxEnv(
  fake: FakeSlack,
  settings: {
    databasePath: string;
    signingSecret?: string;
    salesChannel: string;
    marketingChannel: string;
    leader: string;
    port?: number;
  },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_API_URL: fake.apiUrl,
    ...(settings.signingSecret ? { SLACK_SIGNING_SECRET: settings.signingSecret } : {}),
    PORT: String(settings.port ?? 0),
    DATABASE_PATH: settings.databasePath,
    TRUCE_SALES_CHANNEL: settings.salesChannel,
    TRUCE_MARKETING_CHANNEL: settings.marketingChannel,
    TRUCE_LEADERS: settings.leader,
    ...extra,
  };
}
