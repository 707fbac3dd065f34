import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../sandbox/driver.js";
import {
  CODE_TTL_MS,
  type FakeSlackGrid,
  type GridWorkspaceOptions,
  startFakeSlackGrid,
} from "../../sandbox/grid.js";
import {
  GRID_CLIENT_ID,
  GRID_CLIENT_SECRET,
  gridWorkspaces,
  type Obj,
  silent,
  slackError,
  T0,
  TEAM_A,
  TEAM_B,
} from "./helpers.js";

const CLIENT_ID = GRID_CLIENT_ID;
const CLIENT_SECRET = GRID_CLIENT_SECRET;
const A = TEAM_A;
const B = TEAM_B;
const WORKSPACES = gridWorkspaces();

let clock = T0;
let grid: FakeSlackGrid;

function client(token?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: grid.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
}

/** oauth.v2.access with the app's credentials as form parameters (what InstallProvider sends). */
function exchange(args: Record<string, string>): Promise<Obj> {
  return client().oauth.v2.access({
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    ...args,
  }) as unknown as Promise<Obj>;
}

async function install(teamId: string, userId: string, extra: Obj = {}): Promise<Obj> {
  return exchange({ code: grid.authorize({ teamId, userId, ...extra }) });
}

async function startGrid(extra: Partial<Parameters<typeof startFakeSlackGrid>[0]> = {}) {
  grid = await startFakeSlackGrid({
    workspaces: WORKSPACES,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    now: () => clock,
    ...extra,
  });
}

afterEach(async () => {
  await grid.close();
});

describe("several workspaces behind one Web API URL", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid({ scopes: ["chat:write", "users:read", "channels:read"] });
  });

  it("accepts no token before the app is installed; unknown tokens invalid_auth, none not_authed", async () => {
    expect(grid.workspaces.map((w) => w.botToken)).toEqual(["", ""]);
    expect((await slackError(client("xoxb-nobody").auth.test())).error).toBe("invalid_auth");
    expect((await slackError(client().auth.test())).error).toBe("not_authed");
    expect(grid.calls.map((c) => [c.method, c.error])).toEqual([
      ["auth.test", "invalid_auth"],
      ["auth.test", "not_authed"],
    ]);
    expect(grid.errors().map((e) => e.error)).toEqual(["invalid_auth", "not_authed"]);
  });

  it("each workspace's token reaches only that workspace: auth.test, messages, users, channels", async () => {
    const a = client((await install(A, "U0ALICE01")).access_token as string);
    const b = client((await install(B, "U0BOB0001")).access_token as string);
    expect(await a.auth.test()).toMatchObject({
      team_id: A,
      team: "Alpha",
      user_id: grid.workspace(A).botUserId,
      bot_id: grid.workspace(A).botId,
    });
    expect(await b.auth.test()).toMatchObject({ team_id: B, team: "Beta" });
    expect(grid.workspace(A).botUserId).not.toBe(grid.workspace(B).botUserId);

    // The same channel id in both: the token decides where the message goes.
    await a.chat.postMessage({ channel: "C0GENERAL", text: "from A" });
    await b.chat.postMessage({ channel: "C0GENERAL", text: "from B" });
    expect(
      grid
        .workspace(A)
        .messagesIn("C0GENERAL")
        .map((m) => m.text),
    ).toEqual(["from A"]);
    expect(
      grid
        .workspace(B)
        .messagesIn("C0GENERAL")
        .map((m) => m.text),
    ).toEqual(["from B"]);

    // Nothing of the other workspace is visible.
    expect((await slackError(a.users.info({ user: "U0BOB0001" }))).error).toBe("user_not_found");
    expect((await slackError(b.users.info({ user: "U0ALICE01" }))).error).toBe("user_not_found");
    expect((await slackError(a.chat.postMessage({ channel: "C0BSALES1", text: "x" }))).error).toBe(
      "channel_not_found",
    );
    const names = async (c: WebClient) =>
      ((await c.users.list({})).members ?? []).map((m) => m.id).sort();
    expect(await names(a)).toEqual(["U0ALICE01", "U0ARNO001", grid.workspace(A).botUserId].sort());
    expect(await names(b)).toEqual(["U0BOB0001", grid.workspace(B).botUserId].sort());
    const channels = async (c: WebClient) =>
      ((await c.conversations.list({})).channels ?? []).map((ch) => ch.id).sort();
    expect(await channels(a)).toEqual(["C0ASALES1", "C0GENERAL"]);
    expect(await channels(b)).toEqual(["C0BSALES1", "C0GENERAL"]);

    // Each workspace recorded only its own calls; the front recorded only the two exchanges.
    expect(grid.workspace(A).calls.every((c) => c.method !== "oauth.v2.access")).toBe(true);
    expect(grid.workspace(B).messages.map((m) => m.text)).toEqual(["from B"]);
    expect(grid.calls.map((c) => c.method)).toEqual(["oauth.v2.access", "oauth.v2.access"]);
    expect(grid.calls[0]?.args.client_secret).toBe("[redacted]");
    // By time, then by workspace (the clock stands still here).
    expect(grid.errors().map((e) => [e.teamId, e.error])).toEqual([
      [A, "user_not_found"],
      [A, "channel_not_found"],
      [B, "user_not_found"],
    ]);
  });

  it("a token in a form body is routed as well as one in the Authorization header", async () => {
    const token = (await install(B, "U0BOB0001")).access_token as string;
    const res = await fetch(`${grid.apiUrl}auth.test`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(await res.json()).toMatchObject({ ok: true, team_id: B });
  });

  it("the installed token has exactly the scopes granted; every answer says them", async () => {
    const token = (await install(A, "U0ALICE01", { scopes: ["chat:write"] })).access_token;
    const a = client(token as string);
    const ok = await a.chat.postMessage({ channel: "C0GENERAL", text: "hi" });
    expect(ok.response_metadata?.scopes).toEqual(["chat:write"]);
    expect(await slackError(a.users.info({ user: "U0ALICE01" }))).toMatchObject({
      error: "missing_scope",
      data: { needed: "users:read", provided: "chat:write" },
    });
  });

  it("faults and rate limits stay per workspace, and the answers pass through the front untouched", async () => {
    const a = client((await install(A, "U0ALICE01")).access_token as string);
    const b = client((await install(B, "U0BOB0001")).access_token as string);
    grid.workspace(A).failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    expect(await slackError(a.chat.postMessage({ channel: "C0GENERAL", text: "x" }))).toEqual({
      error: "ratelimited",
      data: { retryAfter: 7 },
    });
    expect((await b.chat.postMessage({ channel: "C0GENERAL", text: "y" })).ok).toBe(true);
  });
});

describe("oauth.v2.access", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid({ scopes: ["chat:write", "commands"] });
  });

  it("answers Slack's shape: a fresh bot token per install, the team, the installing user", async () => {
    const res = await install(A, "U0ALICE01");
    expect(res).toEqual({
      ok: true,
      access_token: expect.stringMatching(/^xoxb-\d+-\d+-[A-Za-z0-9]+$/),
      token_type: "bot",
      scope: "chat:write,commands",
      bot_user_id: grid.workspace(A).botUserId,
      app_id: "A0TRUCEAPP",
      team: { id: A, name: "Alpha" },
      enterprise: null,
      authed_user: { id: "U0ALICE01" },
      is_enterprise_install: false,
      response_metadata: expect.anything(),
    });
    expect(grid.workspace(A).botToken).toBe(res.access_token);
    expect(grid.installation(A)).toMatchObject({
      teamId: A,
      enterpriseId: null,
      isEnterpriseInstall: false,
      teamIds: [A],
      botToken: res.access_token,
      scopes: ["chat:write", "commands"],
      installerUserId: "U0ALICE01",
      installedAt: T0,
    });
    expect(grid.installation(A)?.refreshToken).toBeUndefined();
    expect(grid.installation(B)).toBeUndefined();
  });

  it("user scopes add a user token in authed_user; auth.test with it answers as the user", async () => {
    const res = await install(A, "U0ALICE01", { userScopes: ["search:read"] });
    expect(res.authed_user).toEqual({
      id: "U0ALICE01",
      scope: "search:read",
      access_token: expect.stringMatching(/^xoxp-/),
      token_type: "user",
    });
    const user = client((res.authed_user as Obj).access_token as string);
    const who = await user.auth.test();
    expect(who).toMatchObject({ user_id: "U0ALICE01", team_id: A });
    expect(who.bot_id).toBeUndefined();
  });

  it("takes the credentials by HTTP Basic auth too, as Slack recommends", async () => {
    const code = grid.authorize({ teamId: A, userId: "U0ALICE01" });
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64");
    const res = await fetch(`${grid.apiUrl}oauth.v2.access`, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ code }).toString(),
    });
    expect(await res.json()).toMatchObject({ ok: true, team: { id: A } });
    const wrong = Buffer.from(`${CLIENT_ID}:nope`).toString("base64");
    const refused = await fetch(`${grid.apiUrl}oauth.v2.access`, {
      method: "POST",
      headers: { authorization: `Basic ${wrong}`, "content-type": "application/json" },
      body: JSON.stringify({ code: grid.authorize({ teamId: A, userId: "U0ALICE01" }) }),
    });
    expect(await refused.json()).toEqual({ ok: false, error: "bad_client_secret" });
  });

  it("refuses what Slack refuses, with Slack's error codes", async () => {
    const code = grid.authorize({ teamId: A, userId: "U0ALICE01" });
    const error = async (args: Record<string, string | undefined>) =>
      (
        await slackError(
          client().apiCall("oauth.v2.access", args as Record<string, string>) as Promise<unknown>,
        )
      ).error;
    expect(await error({ client_secret: CLIENT_SECRET, code })).toBe("invalid_client_id");
    expect(await error({ client_id: "9.9", client_secret: CLIENT_SECRET, code })).toBe(
      "invalid_client_id",
    );
    expect(await error({ client_id: CLIENT_ID, code })).toBe("bad_client_secret");
    expect(await error({ client_id: CLIENT_ID, client_secret: "wrong", code })).toBe(
      "bad_client_secret",
    );
    const app = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    expect(await error({ ...app, code, grant_type: "password" })).toBe("invalid_grant_type");
    expect(await error({ ...app })).toBe("invalid_code");
    expect(await error({ ...app, code: "123.456.abc" })).toBe("invalid_code");
    expect(await error({ ...app, grant_type: "refresh_token" })).toBe("invalid_refresh_token");
    expect(await error({ ...app, grant_type: "refresh_token", refresh_token: "xoxe-1-x" })).toBe(
      "invalid_refresh_token",
    );
    // None of that spent the code.
    expect((await exchange({ code })).ok).toBe(true);
    expect(grid.errors().map((e) => e.error)).toEqual([
      "invalid_client_id",
      "invalid_client_id",
      "bad_client_secret",
      "bad_client_secret",
      "invalid_grant_type",
      "invalid_code",
      "invalid_code",
      "invalid_refresh_token",
      "invalid_refresh_token",
    ]);
  });

  it("a code works once", async () => {
    const code = grid.authorize({ teamId: A, userId: "U0ALICE01" });
    const first = await exchange({ code });
    expect((await slackError(exchange({ code }))).error).toBe("invalid_code");
    // The failed reuse leaves the first install alone.
    expect((await client(first.access_token as string).auth.test()).ok).toBe(true);
  });

  it("a code expires 10 minutes after Allow", async () => {
    const late = grid.authorize({ teamId: A, userId: "U0ALICE01" });
    clock = T0 + CODE_TTL_MS - 1;
    const inTime = grid.authorize({ teamId: A, userId: "U0ALICE01" });
    expect((await exchange({ code: inTime })).ok).toBe(true);
    clock = T0 + CODE_TTL_MS;
    expect((await slackError(exchange({ code: late }))).error).toBe("invalid_code");
  });

  it("redirect_uri must be the one given at authorize time, when one was", async () => {
    const redirectUri = "https://truce.example.com/slack/oauth_redirect";
    const code = grid.authorize({ teamId: A, userId: "U0ALICE01", redirectUri });
    expect((await slackError(exchange({ code }))).error).toBe("bad_redirect_uri");
    expect(
      (await slackError(exchange({ code, redirect_uri: "https://evil.example/slack" }))).error,
    ).toBe("bad_redirect_uri");
    expect((await exchange({ code, redirect_uri: redirectUri })).ok).toBe(true);
    // Without one at authorize time, none is needed.
    expect((await install(B, "U0BOB0001")).ok).toBe(true);
  });

  it("the consent page refuses unknown workspaces and users, and redirect URLs not the app's", async () => {
    expect(() => grid.authorize({ teamId: "T0NOPE001", userId: "U0ALICE01" })).toThrow(
      /no workspace T0NOPE001/,
    );
    expect(() => grid.authorize({ teamId: A, userId: "U0BOB0001" })).toThrow(/no user of/);
    expect(() => grid.authorize({ userId: "U0ALICE01" })).toThrow(/needs a teamId/);
    await grid.close();
    await startGrid({ redirectUri: "https://truce.example.com/slack/oauth_redirect" });
    expect(() =>
      grid.authorize({ teamId: A, userId: "U0ALICE01", redirectUri: "https://evil.example/" }),
    ).toThrow(/bad_redirect_uri/);
  });

  it("a code from the v1 authorize URL: oauth_authorization_url_mismatch", async () => {
    const code = grid.authorize({ teamId: A, userId: "U0ALICE01", v1: true });
    expect((await slackError(exchange({ code }))).error).toBe("oauth_authorization_url_mismatch");
  });

  it("a reinstall issues a new token; the old one answers token_revoked", async () => {
    const first = (await install(A, "U0ALICE01")).access_token as string;
    const second = (await install(A, "U0ARNO001", { scopes: ["chat:write"] })).access_token;
    expect(second).not.toBe(first);
    expect((await slackError(client(first).auth.test())).error).toBe("token_revoked");
    expect((await client(second as string).auth.test()).ok).toBe(true);
    expect(grid.installation(A)).toMatchObject({
      installerUserId: "U0ARNO001",
      scopes: ["chat:write"],
    });
    expect(grid.workspace(A).scopes()).toEqual(["chat:write"]);
  });
});

describe("the consent page from an authorize URL", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid({ redirectUri: "https://truce.example.com/slack/oauth_redirect" });
  });

  const authorizeUrl = (params: Record<string, string>) =>
    `https://slack.com/oauth/v2/authorize?${new URLSearchParams(params).toString()}`;

  it("approve: the URL's scopes and state; the redirect carries code and state", async () => {
    const url = authorizeUrl({
      scope: "chat:write,commands",
      user_scope: "",
      state: "st4te",
      client_id: CLIENT_ID,
    });
    const approval = grid.approve(url, { teamId: A, userId: "U0ALICE01" });
    expect(approval.state).toBe("st4te");
    const redirect = new URL(approval.redirectUrl);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(
      "https://truce.example.com/slack/oauth_redirect",
    );
    expect(redirect.searchParams.get("code")).toBe(approval.code);
    expect(redirect.searchParams.get("state")).toBe("st4te");
    const res = await exchange({ code: approval.code });
    expect(res.scope).toBe("chat:write,commands");
    expect(res.authed_user).toEqual({ id: "U0ALICE01" });
  });

  it("approve refuses another app's client_id; a URL's team picks the workspace", async () => {
    expect(() =>
      grid.approve(authorizeUrl({ scope: "chat:write", client_id: "5.5" }), {
        teamId: A,
        userId: "U0ALICE01",
      }),
    ).toThrow(/invalid_client_id/);
    const approval = grid.approve(
      authorizeUrl({ scope: "chat:write", client_id: CLIENT_ID, team: B }),
      { userId: "U0BOB0001" },
    );
    expect(((await exchange({ code: approval.code })).team as Obj).id).toBe(B);
  });

  it("deny: the redirect says access_denied and keeps the state", () => {
    const { redirectUrl } = grid.deny(
      authorizeUrl({ scope: "chat:write", client_id: CLIENT_ID, state: "s1" }),
    );
    const redirect = new URL(redirectUrl);
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe("s1");
    expect(redirect.searchParams.get("code")).toBeNull();
  });
});

describe("token rotation", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid({ tokenRotation: true, scopes: ["chat:write"] });
  });

  it("the exchange adds refresh_token and expires_in; tokens look like Slack's rotating ones", async () => {
    const res = await install(A, "U0ALICE01", { userScopes: ["search:read"] });
    expect(res).toMatchObject({
      access_token: expect.stringMatching(/^xoxe\.xoxb-1-/),
      refresh_token: expect.stringMatching(/^xoxe-1-/),
      expires_in: 43200,
      token_type: "bot",
    });
    expect(res.authed_user).toMatchObject({
      access_token: expect.stringMatching(/^xoxe\.xoxp-1-/),
      refresh_token: expect.stringMatching(/^xoxe-1-/),
      expires_in: 43200,
    });
    expect(grid.installation(A)).toMatchObject({
      refreshToken: res.refresh_token,
      expiresAt: T0 + 43_200_000,
    });
  });

  it("an access token expires with the clock: token_expired", async () => {
    const a = client((await install(A, "U0ALICE01")).access_token as string);
    clock = T0 + 43_200_000 - 1;
    expect((await a.auth.test()).ok).toBe(true);
    clock = T0 + 43_200_000;
    expect((await slackError(a.chat.postMessage({ channel: "C0GENERAL", text: "x" }))).error).toBe(
      "token_expired",
    );
  });

  it("grant_type=refresh_token: new access and refresh tokens; the old ones stop working", async () => {
    const installed = await install(A, "U0ALICE01");
    clock = T0 + 60_000;
    const refreshed = await exchange({
      grant_type: "refresh_token",
      refresh_token: installed.refresh_token as string,
    });
    expect(refreshed).toEqual({
      ok: true,
      app_id: "A0TRUCEAPP",
      access_token: expect.stringMatching(/^xoxe\.xoxb-1-/),
      expires_in: 43200,
      refresh_token: expect.stringMatching(/^xoxe-1-/),
      token_type: "bot",
      scope: "chat:write",
      bot_user_id: grid.workspace(A).botUserId,
      team: { id: A, name: "Alpha" },
      enterprise: null,
      is_enterprise_install: false,
      response_metadata: expect.anything(),
    });
    expect(refreshed.access_token).not.toBe(installed.access_token);
    expect(refreshed.refresh_token).not.toBe(installed.refresh_token);
    expect((await slackError(client(installed.access_token as string).auth.test())).error).toBe(
      "token_expired",
    );
    expect(await client(refreshed.access_token as string).auth.test()).toMatchObject({
      team_id: A,
    });
    // The spent refresh token is no good any more; the new one is.
    expect(
      (
        await slackError(
          exchange({
            grant_type: "refresh_token",
            refresh_token: installed.refresh_token as string,
          }),
        )
      ).error,
    ).toBe("invalid_refresh_token");
    expect(grid.installation(A)).toMatchObject({
      botToken: refreshed.access_token,
      refreshToken: refreshed.refresh_token,
      expiresAt: T0 + 60_000 + 43_200_000,
    });
    expect(grid.workspace(A).botToken).toBe(refreshed.access_token);
    // A refresh token of workspace A refreshes nothing of B.
    await install(B, "U0BOB0001");
    const bToken = grid.installation(B)?.botToken as string;
    await exchange({
      grant_type: "refresh_token",
      refresh_token: refreshed.refresh_token as string,
    });
    expect((await client(bToken).auth.test()).team_id).toBe(B);
  });

  it("a user token refreshes with its own refresh token", async () => {
    const installed = await install(A, "U0ALICE01", { userScopes: ["search:read"] });
    const user = installed.authed_user as Obj;
    const refreshed = await exchange({
      grant_type: "refresh_token",
      refresh_token: user.refresh_token as string,
    });
    expect(refreshed).toMatchObject({
      token_type: "user",
      scope: "search:read",
      access_token: expect.stringMatching(/^xoxe\.xoxp-1-/),
    });
    expect(refreshed.bot_user_id).toBeUndefined();
    expect((await slackError(client(user.access_token as string).auth.test())).error).toBe(
      "token_expired",
    );
    expect((await client(refreshed.access_token as string).auth.test()).user_id).toBe("U0ALICE01");
    // The bot token is untouched.
    expect((await client(installed.access_token as string).auth.test()).ok).toBe(true);
  });

  it("expireTokens: the workspace's tokens expire now; a refresh brings them back", async () => {
    const a = await install(A, "U0ALICE01");
    const b = await install(B, "U0BOB0001");
    grid.expireTokens(A);
    expect((await slackError(client(a.access_token as string).auth.test())).error).toBe(
      "token_expired",
    );
    expect((await client(b.access_token as string).auth.test()).ok).toBe(true);
    const refreshed = await exchange({
      grant_type: "refresh_token",
      refresh_token: a.refresh_token as string,
    });
    expect((await client(refreshed.access_token as string).auth.test()).team_id).toBe(A);
    expect(() => grid.expireTokens("T0NOPE001")).toThrow(/not installed/);
  });

  it("a shorter lifetime can be asked for", async () => {
    await grid.close();
    await startGrid({ tokenRotation: { expiresIn: 3600 } });
    expect((await install(A, "U0ALICE01")).expires_in).toBe(3600);
    expect(grid.installation(A)?.expiresAt).toBe(T0 + 3_600_000);
  });

  it("without rotation there is nothing to expire", async () => {
    await grid.close();
    await startGrid();
    await install(A, "U0ALICE01");
    expect(() => grid.expireTokens(A)).toThrow(/tokenRotation/);
  });
});

/** A plain HTTP endpoint that checks Slack's signature and keeps what it received. */
async function startReceiver(secret: string) {
  const bodies: Obj[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += String(c);
    });
    req.on("end", () => {
      const ts = String(req.headers["x-slack-request-timestamp"]);
      const signed = signSlackRequest(secret, ts, raw) === req.headers["x-slack-signature"];
      if (signed) bodies.push(JSON.parse(raw) as Obj);
      res.writeHead(signed ? 200 : 401);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    url,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("uninstall", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid({ tokenRotation: true });
  });

  it("revokes the workspace's tokens, then its driver sends the signed events", async () => {
    const receiver = await startReceiver("uninstall-secret");
    try {
      const a = await install(A, "U0ALICE01", { userScopes: ["search:read"] });
      const b = await install(B, "U0BOB0001");
      grid.driver(A, { appUrl: receiver.url, signingSecret: "uninstall-secret" });
      const answers = await grid.uninstall(A);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      expect(receiver.bodies.map((e) => (e.event as Obj).type)).toEqual([
        "tokens_revoked",
        "app_uninstalled",
      ]);
      expect(receiver.bodies[0]).toMatchObject({
        team_id: A,
        api_app_id: "A0TRUCEAPP",
        event: { tokens: { oauth: ["U0ALICE01"], bot: [grid.workspace(A).botUserId] } },
        authorizations: [{ team_id: A, enterprise_id: null, is_enterprise_install: false }],
      });
      const user = (a.authed_user as Obj).access_token as string;
      for (const token of [a.access_token as string, user]) {
        expect((await slackError(client(token).auth.test())).error).toBe("account_inactive");
      }
      expect(
        (
          await slackError(
            exchange({ grant_type: "refresh_token", refresh_token: a.refresh_token as string }),
          )
        ).error,
      ).toBe("invalid_refresh_token");
      expect(grid.installation(A)).toBeUndefined();
      // The other workspace keeps working.
      expect((await client(b.access_token as string).auth.test()).team_id).toBe(B);
      // Installing again works, with a new token.
      const again = await install(A, "U0ALICE01");
      expect((await client(again.access_token as string).auth.test()).team_id).toBe(A);
    } finally {
      await receiver.close();
    }
  });

  it("needs a driver to send the events, unless told not to; token_revoked can be chosen", async () => {
    const a = await install(A, "U0ALICE01");
    await expect(grid.uninstall(A)).rejects.toThrow(/no driver/);
    expect((await client(a.access_token as string).auth.test()).ok).toBe(true);
    expect(await grid.uninstall(A, { notify: false, error: "token_revoked" })).toEqual([]);
    expect((await slackError(client(a.access_token as string).auth.test())).error).toBe(
      "token_revoked",
    );
    await expect(grid.uninstall(A, { notify: false })).rejects.toThrow(/not installed/);
  });
});

describe("drivers", () => {
  beforeEach(async () => {
    clock = T0;
    await startGrid();
  });

  it("sign each workspace's payloads with its team, the app's id and the right fake's triggers", async () => {
    const receiver = await startReceiver("driver-secret");
    try {
      const da = grid.driver(A, { appUrl: receiver.url, signingSecret: "driver-secret" });
      const db = grid.driver(B, { appUrl: receiver.url, signingSecret: "driver-secret" });
      expect([da.teamId, db.teamId]).toEqual([A, B]);
      expect([da.fake, db.fake]).toEqual([grid.workspace(A), grid.workspace(B)]);
      await da.appHomeOpened("U0ALICE01");
      await db.appHomeOpened("U0BOB0001");
      expect(receiver.bodies.map((b) => [b.team_id, b.api_app_id])).toEqual([
        [A, "A0TRUCEAPP"],
        [B, "A0TRUCEAPP"],
      ]);
      expect(receiver.bodies.map((b) => (b.authorizations as Obj[])[0]?.team_id)).toEqual([A, B]);
    } finally {
      await receiver.close();
    }
  });
});

describe("an Enterprise Grid organisation", () => {
  const ORG = "E0ACME001";
  const C = "T0CCC0001";

  beforeEach(async () => {
    clock = T0;
    await startGrid({
      scopes: ["chat:write"],
      workspaces: [
        {
          ...(WORKSPACES[0] as GridWorkspaceOptions),
          enterpriseId: ORG,
          enterpriseName: "Acme",
        },
        {
          teamId: C,
          teamName: "Gamma",
          enterpriseId: ORG,
          users: [{ id: "U0CARL001", name: "carl" }],
          channels: [{ id: "C0CSALES1", name: "sales", members: ["U0CARL001"], botIsMember: true }],
        },
        WORKSPACES[1] as GridWorkspaceOptions,
      ],
    });
  });

  it("a workspace install in an organisation names the enterprise", async () => {
    const res = await install(C, "U0CARL001");
    expect(res).toMatchObject({
      team: { id: C, name: "Gamma" },
      enterprise: { id: ORG, name: "Acme" },
      is_enterprise_install: false,
    });
    expect(await client(res.access_token as string).auth.test()).toMatchObject({
      team_id: C,
      enterprise_id: ORG,
      is_enterprise_install: false,
    });
    // The org's workspaces share their bot user, as in Enterprise Grid.
    expect(grid.workspace(C).botUserId).toBe(grid.workspace(A).botUserId);
    expect(grid.workspace(B).botUserId).not.toBe(grid.workspace(A).botUserId);
  });

  it("an org-wide install: team null, one token for every workspace of the org, none of others", async () => {
    const res = await exchange({
      code: grid.authorize({
        enterpriseId: ORG,
        userId: "U0ALICE01",
        scopes: ["chat:write", "users:read"],
      }),
    });
    expect(res).toMatchObject({
      team: null,
      enterprise: { id: ORG, name: "Acme" },
      is_enterprise_install: true,
      bot_user_id: grid.workspace(A).botUserId,
    });
    expect(grid.installation(ORG)).toMatchObject({
      teamId: null,
      enterpriseId: ORG,
      isEnterpriseInstall: true,
      teamIds: [A, C],
    });
    expect(grid.installationFor(C)?.enterpriseId).toBe(ORG);
    expect(grid.installationFor(B)).toBeUndefined();
    const org = client(res.access_token as string);
    expect(await org.auth.test()).toMatchObject({
      team_id: ORG,
      team: "Acme",
      url: "https://e0acme001.enterprise.slack.com/",
      is_enterprise_install: true,
    });
    // Routed by the channel the call names, or by team_id.
    await org.chat.postMessage({ channel: "C0CSALES1", text: "to Gamma" });
    await org.chat.postMessage({ channel: "C0ASALES1", text: "to Alpha" });
    expect(
      grid
        .workspace(C)
        .messagesIn("C0CSALES1")
        .map((m) => m.text),
    ).toEqual(["to Gamma"]);
    expect(
      grid
        .workspace(A)
        .messagesIn("C0ASALES1")
        .map((m) => m.text),
    ).toEqual(["to Alpha"]);
    const members = await org.users.list({ team_id: C });
    expect((members.members ?? []).map((m) => m.id)).toContain("U0CARL001");
    // Workspace B is outside the organisation.
    expect(
      (await slackError(org.chat.postMessage({ channel: "C0BSALES1", text: "x" }))).error,
    ).toBe("channel_not_found");
    expect(grid.workspace(B).calls).toEqual([]);

    // A workspace of an org-installed app cannot install it on its own.
    expect((await slackError(install(C, "U0CARL001"))).error).toBe(
      "cannot_install_an_org_installed_app",
    );
    await expect(grid.uninstall(C, { notify: false })).rejects.toThrow(/uninstall E0ACME001/);
  });

  it("drivers of an org-installed workspace say so; uninstalling the org revokes everywhere", async () => {
    const receiver = await startReceiver("org-secret");
    try {
      const driver = grid.driver(C, { appUrl: receiver.url, signingSecret: "org-secret" });
      await driver.appHomeOpened("U0CARL001");
      const token = (
        await exchange({ code: grid.authorize({ enterpriseId: ORG, userId: "U0ALICE01" }) })
      ).access_token as string;
      await driver.appHomeOpened("U0CARL001");
      expect(receiver.bodies.map((b) => b.authorizations)).toEqual([
        [
          {
            enterprise_id: ORG,
            team_id: C,
            user_id: grid.workspace(C).botUserId,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        [
          {
            enterprise_id: ORG,
            team_id: null,
            user_id: grid.workspace(C).botUserId,
            is_bot: true,
            is_enterprise_install: true,
          },
        ],
      ]);
      expect(receiver.bodies[1]).toMatchObject({ team_id: C, enterprise_id: ORG });
      await grid.uninstall(ORG);
      expect(
        receiver.bodies
          .slice(2)
          .map((b) => [
            (b.event as Obj).type,
            (b.authorizations as Obj[])[0]?.is_enterprise_install,
          ]),
      ).toEqual([
        ["tokens_revoked", true],
        ["app_uninstalled", true],
      ]);
      expect(grid.installation(ORG)).toBeUndefined();
      for (const teamId of [A, C]) {
        const routed = await fetch(`${grid.apiUrl}auth.test`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ team_id: teamId }).toString(),
        });
        expect(await routed.json()).toEqual({ ok: false, error: "account_inactive" });
      }
    } finally {
      await receiver.close();
    }
  });
});
