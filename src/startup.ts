import { ErrorCode, WebClient } from "@slack/web-api";
import type { Config } from "./config.js";
import { silentLogger } from "./logger.js";

/**
 * Checks, before Truce serves anything, that Slack accepts the configured tokens, so a placeholder
 * or revoked token stops start-up with one line saying which setting to fix instead of a stack
 * trace from the first request (or an unhandled rejection from Bolt's own auth.test).
 */

/** A problem the person running Truce fixes in the environment; main prints the message alone. */
export class StartupError extends Error {
  override name = "StartupError";
}

export type TokenSetting = "SLACK_BOT_TOKEN" | "SLACK_APP_TOKEN";

const SLACK_API = "https://slack.com/api/";

/** Slack's answers meaning "this token is not (or no longer) good", as opposed to an outage. */
const REVOKED = new Set([
  "token_revoked",
  "token_expired",
  "account_inactive",
  "user_removed_from_team",
  "team_disabled",
]);
const REFUSED = new Set([
  ...REVOKED,
  "invalid_auth",
  "not_authed",
  "not_allowed_token_type",
  "no_permission",
  "missing_scope",
  "access_denied",
  "ekm_access_denied",
  "team_access_not_granted",
  "forbidden_team",
  "enterprise_is_restricted",
  "org_login_required",
  "two_factor_setup_required",
]);

const WHAT_TO_DO: Record<TokenSetting, { copy: string; reissue: string }> = {
  SLACK_BOT_TOKEN: {
    copy: "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page.",
    reissue:
      "reinstall the app from its OAuth & Permissions page and copy the new Bot User OAuth Token (xoxb-…).",
  },
  SLACK_APP_TOKEN: {
    copy: "create an app-level token (xapp-…) with the connections:write scope under your app's Basic Information → App-Level Tokens, and turn on Socket Mode.",
    reissue:
      "create a new app-level token (xapp-…) with the connections:write scope under your app's Basic Information → App-Level Tokens.",
  },
};

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** The innermost cause, worded: "connection refused (ECONNREFUSED)" says more than "fetch failed". */
function networkReason(error: unknown): string {
  let at: unknown = error;
  let reason = error instanceof Error ? error.message : String(error);
  for (let depth = 0; at instanceof Error && depth < 5; depth++) {
    const code = (at as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code !== "") {
      const words = NETWORK_CODES[code];
      reason = words ? `${words} (${code})` : code;
    } else if (at.message) reason = at.message;
    at = at.cause;
  }
  return oneLine(reason);
}

/** One line naming the setting to fix and what to do, for an error from a start-up Slack call. */
export function describeSlackStartError(
  error: unknown,
  setting: TokenSetting,
  slackApiUrl: string | undefined,
): string {
  const where = slackApiUrl ? `SLACK_API_URL (${slackApiUrl})` : SLACK_API;
  const checkUrl = slackApiUrl
    ? `check SLACK_API_URL, or unset it to talk to Slack itself.`
    : "Slack may be having trouble: try again shortly.";
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.PlatformError) {
    const answer = String((error as { data?: { error?: unknown } }).data?.error ?? "unknown");
    if (REFUSED.has(answer)) {
      const hint = WHAT_TO_DO[setting];
      return `${setting} was refused by Slack (${answer}): ${REVOKED.has(answer) ? hint.reissue : hint.copy}`;
    }
    return `${setting} could not be checked: ${where} answered ${answer}; ${checkUrl}`;
  }
  if (code === ErrorCode.RequestError) {
    const reason = networkReason((error as { original?: unknown }).original ?? error);
    return slackApiUrl
      ? `Slack could not be reached at SLACK_API_URL (${slackApiUrl}): ${reason}; check SLACK_API_URL, or unset it to talk to Slack itself.`
      : `Slack could not be reached at ${SLACK_API}: ${reason}; check this machine's network connection, DNS, proxy and firewall.`;
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return `${setting} could not be checked: ${where} answered HTTP ${String(status)}; ${checkUrl}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${setting} could not be checked with Slack at ${where}: ${oneLine(message)}`;
}

/** The checks' own client: quiet (their failure is reported as one line) and quick to give up. */
function checkingClient(token: string, slackApiUrl: string | undefined): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    logger: silentLogger,
    timeout: 10_000,
    // A blip is retried; a refused connection or an unknown host still fails within a second.
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
  });
}

/**
 * auth.test with the bot token and, in Socket Mode, apps.connections.open with the app token
 * (the only method an app-level token may call; the URL it returns is simply left unused).
 * Throws StartupError with describeSlackStartError's line.
 */
export async function verifySlackTokens(
  config: Pick<Config, "botToken" | "appToken" | "slackApiUrl">,
  client: (token: string) => WebClient = (token) => checkingClient(token, config.slackApiUrl),
): Promise<void> {
  const check = async (setting: TokenSetting, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      throw new StartupError(describeSlackStartError(error, setting, config.slackApiUrl));
    }
  };
  // In OAuth mode there is no bot token yet: each workspace's arrives when it installs Truce.
  const botToken = config.botToken;
  if (botToken) await check("SLACK_BOT_TOKEN", () => client(botToken).auth.test());
  const appToken = config.appToken;
  if (appToken) {
    await check("SLACK_APP_TOKEN", () => client(appToken).apps.connections.open());
  }
}
