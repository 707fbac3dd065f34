import { type Logger, LogLevel, WebClient, type WebClientOptions } from "@slack/web-api";
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from "../../sandbox/fake-slack.js";
import type { GridWorkspaceOptions } from "../../sandbox/grid.js";

export type Obj = Record<string, unknown>;

export const TOKEN = "xoxb-test-token";
export const T0 = 1_700_000_000_000;

export const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/**
 * A small workspace on a fake whose clock the test moves: U1 (admin), U2, U3 (deleted); C1 (bot
 * in), C2 (public, bot not in), G1 (private, bot not in), G2 (private, bot in).
 */
export async function startWorkspace(
  clock: () => number,
  extra: Partial<FakeSlackOptions> = {},
): Promise<FakeSlack> {
  return startFakeSlack({
    botToken: TOKEN,
    now: clock,
    users: [
      { id: "U1", name: "ann", realName: "Ann Admin", isAdmin: true },
      { id: "U2", name: "bob", realName: "Bob" },
      { id: "U3", name: "cat", deleted: true },
    ],
    channels: [
      { id: "C1", name: "sales", members: ["U1", "U2"], botIsMember: true },
      { id: "C2", name: "marketing", members: ["U1"] },
      { id: "G1", name: "secret", isPrivate: true, members: ["U1"] },
      { id: "G2", name: "leaders", isPrivate: true, members: ["U1"], botIsMember: true },
    ],
    ...extra,
  });
}

/** A WebClient on the fake that neither retries nor waits out rate limits. */
export function webClient(
  fake: FakeSlack,
  token = TOKEN,
  options: WebClientOptions = {},
): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
    ...options,
  });
}

/** The Slack error code (and body) of a rejected WebClient call. */
export async function slackError(p: Promise<unknown>): Promise<{ error: string; data: Obj }> {
  try {
    await p;
  } catch (err) {
    const data = (err as { data?: Obj }).data ?? {};
    const code = (err as { code?: string }).code;
    if (code === "slack_webapi_rate_limited_error") {
      return {
        error: "ratelimited",
        data: { retryAfter: (err as { retryAfter?: number }).retryAfter },
      };
    }
    return { error: String(data.error ?? code), data };
  }
  throw new Error("expected the call to fail");
}

/** POST a raw body to a Web API method of the fake with the bot token; the parsed answer. */
export async function rawCall(
  fake: FakeSlack,
  method: string,
  body: string,
  contentType = "application/json",
  token = TOKEN,
): Promise<{ status: number; headers: Headers; body: Obj }> {
  const res = await fetch(`${fake.apiUrl}${method}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Obj };
}

export const GRID_CLIENT_ID = "1111111111.2222222222";
export const GRID_CLIENT_SECRET = "grid-test-client-secret";
export const TEAM_A = "T0AAA0001";
export const TEAM_B = "T0BBB0001";

/**
 * Two workspaces for a grid, Alpha (U0ALICE01 admin, U0ARNO001; C0GENERAL, C0ASALES1) and Beta
 * (U0BOB0001; C0GENERAL, C0BSALES1), the bot in every channel. They share the channel id
 * C0GENERAL, so only the token can tell them apart.
 */
export function gridWorkspaces(): GridWorkspaceOptions[] {
  return [
    {
      teamId: TEAM_A,
      teamName: "Alpha",
      users: [
        { id: "U0ALICE01", name: "alice", isAdmin: true },
        { id: "U0ARNO001", name: "arno" },
      ],
      channels: [
        {
          id: "C0GENERAL",
          name: "general",
          members: ["U0ALICE01", "U0ARNO001"],
          botIsMember: true,
        },
        { id: "C0ASALES1", name: "sales", members: ["U0ALICE01"], botIsMember: true },
      ],
    },
    {
      teamId: TEAM_B,
      teamName: "Beta",
      users: [{ id: "U0BOB0001", name: "bob", isAdmin: true }],
      channels: [
        { id: "C0GENERAL", name: "general", members: ["U0BOB0001"], botIsMember: true },
        { id: "C0BSALES1", name: "sales", members: ["U0BOB0001"], botIsMember: true },
      ],
    },
  ];
}
