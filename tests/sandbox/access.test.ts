import { App, LogLevel } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { rawCall, slackError, startWorkspace, T0, TOKEN, webClient } from "./helpers.js";

let clock = T0;
let fake: FakeSlack;
let web: WebClient;

beforeEach(async () => {
  clock = T0;
  fake = await startWorkspace(() => clock);
  web = webClient(fake);
});

afterEach(async () => {
  await fake.close();
});

describe("revoked tokens", () => {
  it("revokeToken makes every call with the token fail, auth.test included; restoreToken undoes it", async () => {
    fake.revokeToken(TOKEN);
    expect(await slackError(web.auth.test())).toMatchObject({
      error: "account_inactive",
      data: { ok: false, error: "account_inactive" },
    });
    expect((await slackError(web.chat.postMessage({ channel: "C1", text: "x" }))).error).toBe(
      "account_inactive",
    );
    const raw = await rawCall(fake, "conversations.history", JSON.stringify({ channel: "C1" }));
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual({ ok: false, error: "account_inactive" });
    expect(fake.messagesIn("C1")).toEqual([]);
    expect(fake.errors().map((e) => e.error)).toEqual([
      "account_inactive",
      "account_inactive",
      "account_inactive",
    ]);

    fake.restoreToken(TOKEN);
    expect((await web.auth.test()).ok).toBe(true);
  });

  it("answers the code it was given: invalid_auth or token_revoked", async () => {
    fake.revokeToken(TOKEN, "invalid_auth");
    expect((await slackError(web.users.info({ user: "U1" }))).error).toBe("invalid_auth");
    fake.revokeToken(TOKEN, "token_revoked");
    expect((await slackError(web.users.info({ user: "U1" }))).error).toBe("token_revoked");
  });

  it("wins over queued failures, and the token in a form body is checked too", async () => {
    fake.failNext("auth.test", { status: 503 });
    fake.revokeToken(TOKEN, "invalid_auth");
    const form = await rawCall(
      fake,
      "auth.test",
      new URLSearchParams({ token: TOKEN }).toString(),
      "application/x-www-form-urlencoded",
      "",
    );
    expect(form.body).toEqual({ ok: false, error: "invalid_auth" });
  });

  it("the app-level token: apps.connections.open answers the revoked code; a wrong one invalid_auth", async () => {
    const open = (token: string) =>
      rawCall(fake, "apps.connections.open", "", "application/x-www-form-urlencoded", token);
    expect((await open(fake.appToken)).body.ok).toBe(true);
    expect((await open("xapp-1-A0OTHER-1-nope")).body).toEqual({
      ok: false,
      error: "invalid_auth",
    });
    fake.revokeToken(fake.appToken, "token_revoked");
    expect((await open(fake.appToken)).body).toEqual({ ok: false, error: "token_revoked" });
    // The bot token still works.
    expect((await web.auth.test()).ok).toBe(true);
  });

  it("reset restores revoked tokens", async () => {
    fake.revokeToken(TOKEN);
    fake.reset();
    expect((await web.auth.test()).ok).toBe(true);
  });

  it("Bolt does not start with a revoked bot token (its auth.test fails)", async () => {
    fake.revokeToken(TOKEN, "account_inactive");
    const app = new App({
      token: TOKEN,
      signingSecret: "secret",
      deferInitialization: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    await expect(app.init()).rejects.toThrow(/account_inactive/);
  });
});

describe("accepted tokens", () => {
  it("acceptToken adds a bot token; botToken names the last one; both work", async () => {
    fake.acceptToken("xoxb-second");
    expect(fake.botToken).toBe("xoxb-second");
    expect((await webClient(fake, "xoxb-second").auth.test()).bot_id).toBe(fake.botId);
    expect((await web.auth.test()).ok).toBe(true);
    expect(fake.ownsToken("xoxb-second")).toBe(true);
    expect(fake.ownsToken(fake.appToken)).toBe(true);
    expect(fake.ownsToken("xoxb-stranger")).toBe(false);
    expect((await slackError(webClient(fake, "xoxb-stranger").auth.test())).error).toBe(
      "invalid_auth",
    );
  });

  it("a token past its expiresAt answers token_expired on every method", async () => {
    fake.acceptToken("xoxe.xoxb-1-rotating", { expiresAt: T0 + 1000 });
    const rotating = webClient(fake, "xoxe.xoxb-1-rotating");
    expect((await rotating.auth.test()).ok).toBe(true);
    clock = T0 + 1000;
    expect(await slackError(rotating.auth.test())).toMatchObject({
      error: "token_expired",
      data: { ok: false, error: "token_expired" },
    });
    expect((await slackError(rotating.chat.postMessage({ channel: "C1", text: "x" }))).error).toBe(
      "token_expired",
    );
    expect(fake.messagesIn("C1")).toEqual([]);
    // A rotating bot token is no app-level token either.
    const open = await rawCall(
      fake,
      "apps.connections.open",
      "",
      "application/x-www-form-urlencoded",
      "xoxe.xoxb-1-rotating",
    );
    expect(open.body).toEqual({ ok: false, error: "not_allowed_token_type" });
    // Accepting it again with a later expiry makes it usable again; revokeToken wins over that.
    fake.acceptToken("xoxe.xoxb-1-rotating", { expiresAt: T0 + 5000 });
    expect((await rotating.auth.test()).ok).toBe(true);
    fake.revokeToken("xoxe.xoxb-1-rotating", "token_expired");
    expect((await slackError(rotating.auth.test())).error).toBe("token_expired");
  });

  it("a user token: auth.test answers as the user, without bot_id; botToken is unchanged", async () => {
    fake.acceptToken("xoxp-ann", { user: "U1" });
    expect(fake.botToken).toBe(TOKEN);
    const res = await webClient(fake, "xoxp-ann").auth.test();
    expect(res).toMatchObject({ ok: true, user_id: "U1", user: "ann", team_id: fake.teamId });
    expect(res.bot_id).toBeUndefined();
  });

  it("a fake started with botToken null accepts no bot token until one is accepted", async () => {
    const bare = await startWorkspace(() => clock, { botToken: null });
    try {
      expect(bare.botToken).toBe("");
      expect((await slackError(webClient(bare).auth.test())).error).toBe("invalid_auth");
      bare.acceptToken(TOKEN);
      expect((await webClient(bare).auth.test()).ok).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it("a workspace of an Enterprise Grid organisation; an org-wide token names the organisation", async () => {
    const grid = await startWorkspace(() => clock, {
      teamId: "T0ORGWS01",
      enterpriseId: "E0ORG0001",
      enterpriseName: "Acme Org",
    });
    try {
      expect(await webClient(grid).auth.test()).toMatchObject({
        team_id: "T0ORGWS01",
        enterprise_id: "E0ORG0001",
        is_enterprise_install: false,
      });
      expect((await webClient(grid).team.info()).team).toMatchObject({
        id: "T0ORGWS01",
        enterprise_id: "E0ORG0001",
        enterprise_name: "Acme Org",
      });
      grid.acceptToken("xoxb-org-wide", { enterpriseInstall: true });
      expect(await webClient(grid, "xoxb-org-wide").auth.test()).toMatchObject({
        url: "https://e0org0001.enterprise.slack.com/",
        team: "Acme Org",
        team_id: "E0ORG0001",
        enterprise_id: "E0ORG0001",
        bot_id: grid.botId,
        is_enterprise_install: true,
      });
    } finally {
      await grid.close();
    }
  });
});

describe("scopes", () => {
  it("are not checked unless set", async () => {
    expect(fake.scopes()).toBeUndefined();
    const res = await web.team.info();
    expect(res.ok).toBe(true);
    expect(res.response_metadata?.scopes).toBeUndefined();
  });

  it("missing_scope with Slack's needed and provided; X-OAuth-Scopes on every answer", async () => {
    fake.setScopes(["chat:write", "channels:read"]);
    expect(fake.scopes()).toEqual(["chat:write", "channels:read"]);
    const ok = await web.chat.postMessage({ channel: "C1", text: "x" });
    expect(ok.response_metadata?.scopes).toEqual(["chat:write", "channels:read"]);
    expect(await slackError(web.users.info({ user: "U1" }))).toMatchObject({
      error: "missing_scope",
      data: { needed: "users:read", provided: "chat:write,channels:read" },
    });
    expect((await slackError(web.team.info())).data.needed).toBe("team:read");
    expect((await slackError(web.conversations.join({ channel: "C2" }))).data.needed).toBe(
      "channels:join",
    );
    // Methods that need no scope.
    expect((await web.auth.test()).ok).toBe(true);
    expect((await web.chat.getPermalink({ channel: "C1", message_ts: ok.ts as string })).ok).toBe(
      true,
    );
    fake.setScopes(undefined);
    expect((await web.users.info({ user: "U1" })).ok).toBe(true);
  });

  it("conversations.history needs the history scope of the conversation's type", async () => {
    fake.setScopes(["chat:write", "channels:history"]);
    await web.chat.postMessage({ channel: "U2", text: "hi" });
    const dm = fake.dmChannel("U2") as string;
    expect((await web.conversations.history({ channel: "C1" })).ok).toBe(true);
    const needed = async (channel: string) =>
      (await slackError(web.conversations.history({ channel }))).data.needed;
    expect(await needed("G2")).toBe("groups:history");
    expect(await needed(dm)).toBe("im:history");
    // Membership is checked first, as the conversation decides the scope.
    expect((await slackError(web.conversations.history({ channel: "C2" }))).error).toBe(
      "not_in_channel",
    );
    fake.setScopes(["chat:write", "channels:history", "groups:history", "im:history"]);
    expect((await web.conversations.history({ channel: "G2" })).ok).toBe(true);
    expect((await web.conversations.history({ channel: dm })).ok).toBe(true);
  });

  it("conversations.info/members/list need the read scope of the type; open needs im:write", async () => {
    fake.setScopes(["channels:read"]);
    expect((await web.conversations.members({ channel: "C1" })).ok).toBe(true);
    expect((await slackError(web.conversations.members({ channel: "G2" }))).data.needed).toBe(
      "groups:read",
    );
    expect((await slackError(web.conversations.info({ channel: "G2" }))).data.needed).toBe(
      "groups:read",
    );
    expect((await web.conversations.list({ types: "public_channel" })).ok).toBe(true);
    expect(
      (await slackError(web.conversations.list({ types: "public_channel,private_channel" }))).data
        .needed,
    ).toBe("groups:read");
    expect((await slackError(web.conversations.open({ users: "U2" }))).data.needed).toBe(
      "im:write",
    );
    expect((await slackError(web.conversations.open({ users: "U1,U2" }))).data.needed).toBe(
      "mpim:write",
    );
  });

  it("can be given when the fake starts", async () => {
    const other = await startWorkspace(() => clock, { scopes: ["users:read"] });
    try {
      const client = webClient(other);
      expect((await client.users.info({ user: "U1" })).ok).toBe(true);
      expect((await slackError(client.chat.postMessage({ channel: "C1", text: "x" }))).error).toBe(
        "missing_scope",
      );
    } finally {
      await other.close();
    }
  });
});
