import { type Logger, LogLevel, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeSlack,
  type FakeSlackOptions,
  type RecordedCall,
  type StoredView,
  sampleWorkspace,
  startFakeSlack,
} from "../../sandbox/fake-slack.js";

type Obj = Record<string, unknown>;

const titleOf = (v: StoredView | undefined): unknown => (v?.view.title as Obj | undefined)?.text;

const TOKEN = "xoxb-test-token";
const T0 = 1_700_000_000_000;

const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

const plain = (text: string) => ({ type: "plain_text" as const, text });
const section = (text: string) => ({
  type: "section" as const,
  text: { type: "mrkdwn" as const, text },
});
const modal = (title = "Survey", extra: Obj = {}) => ({
  type: "modal" as const,
  title: plain(title),
  close: plain("Cancel"),
  blocks: [section("Hello")],
  ...extra,
});

/** The Slack error code of a rejected WebClient call. */
async function slackError(p: Promise<unknown>): Promise<{ error: string; data: Obj }> {
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

let clock = T0;
let fake: FakeSlack;
let web: WebClient;

async function start(extra: Partial<FakeSlackOptions> = {}): Promise<void> {
  fake = await startFakeSlack({
    botToken: TOKEN,
    now: () => clock,
    users: [
      {
        id: "U1",
        name: "ann",
        realName: "Ann Admin",
        isAdmin: true,
        isOwner: true,
        tz: "Europe/Berlin",
      },
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
  web = new WebClient(TOKEN, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silent,
  });
}

beforeEach(async () => {
  clock = T0;
  await start();
});

afterEach(async () => {
  await fake.close();
});

describe("transport and auth", () => {
  it("serves the Web API at a URL ending in /api/ on 127.0.0.1", () => {
    expect(fake.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it("auth.test answers with the bot's identity", async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({
      ok: true,
      team_id: fake.teamId,
      user_id: fake.botUserId,
      bot_id: fake.botId,
    });
  });

  it("rejects a wrong token with invalid_auth and a missing one with not_authed", async () => {
    const bad = new WebClient("xoxb-wrong", {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      logger: silent,
    });
    expect((await slackError(bad.auth.test())).error).toBe("invalid_auth");
    const res = await fetch(`${fake.apiUrl}auth.test`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("accepts JSON bodies with a bearer token, but not a token inside a JSON body", async () => {
    const post = (body: Obj, auth?: string) =>
      fetch(`${fake.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Obj>);
    expect(await post({ channel: "C1", text: "hi" }, TOKEN)).toMatchObject({
      ok: true,
      channel: "C1",
    });
    expect(await post({ channel: "C1", text: "hi", token: TOKEN })).toEqual({
      ok: false,
      error: "not_authed",
    });
  });

  it("accepts the token as a form parameter", async () => {
    const res = await fetch(`${fake.apiUrl}auth.test`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("answers unknown methods with unknown_method", async () => {
    expect((await slackError(web.apiCall("chat.sendCarrierPigeon", {}))).error).toBe(
      "unknown_method",
    );
  });

  it("records calls with decoded arguments and no token", async () => {
    await web.chat.postMessage({ channel: "C1", text: "hi", blocks: [section("hi")] });
    const call = fake.callsTo("chat.postMessage")[0];
    expect(call?.ok).toBe(true);
    expect(call?.args.blocks).toEqual([section("hi")]);
    expect(call?.args.token).toBeUndefined();
    expect(call?.at).toBe(T0);
  });
});

describe("chat.postMessage", () => {
  it("posts into a channel the bot is in, with ts and recorded message", async () => {
    const res = await web.chat.postMessage({
      channel: "C1",
      text: "Round open",
      blocks: [section("Round open")],
    });
    expect(res.ok).toBe(true);
    expect(res.ts).toMatch(/^1700000000\.\d{6}$/);
    const [msg] = fake.messagesIn("C1");
    expect(msg).toMatchObject({
      channel: "C1",
      ts: res.ts,
      text: "Round open",
      user: fake.botUserId,
    });
    expect(msg?.blocks?.[0]).toMatchObject({ type: "section", block_id: expect.any(String) });
    expect(fake.warnings).toEqual([]);
    expect(fake.errors()).toEqual([]);
  });

  it("not_in_channel for a public channel the bot has not joined; works after conversations.join", async () => {
    expect((await slackError(web.chat.postMessage({ channel: "C2", text: "x" }))).error).toBe(
      "not_in_channel",
    );
    await web.conversations.join({ channel: "C2" });
    expect((await web.chat.postMessage({ channel: "C2", text: "x" })).ok).toBe(true);
  });

  it("channel_not_found for unknown channels and private channels the bot is not in", async () => {
    expect((await slackError(web.chat.postMessage({ channel: "C404", text: "x" }))).error).toBe(
      "channel_not_found",
    );
    expect((await slackError(web.chat.postMessage({ channel: "G1", text: "x" }))).error).toBe(
      "channel_not_found",
    );
    expect((await web.chat.postMessage({ channel: "G2", text: "x" })).ok).toBe(true);
  });

  it("no_text when there is neither text nor blocks", async () => {
    expect((await slackError(web.chat.postMessage({ channel: "C1", text: "" }))).error).toBe(
      "no_text",
    );
  });

  it("text: 40,000 characters ok, 40,001 msg_too_long", async () => {
    expect((await web.chat.postMessage({ channel: "C1", text: "x".repeat(40_000) })).ok).toBe(true);
    expect(
      (await slackError(web.chat.postMessage({ channel: "C1", text: "x".repeat(40_001) }))).error,
    ).toBe("msg_too_long");
  });

  it("blocks without a text fallback are posted but leave a warning", async () => {
    const res = await web.chat.postMessage({
      channel: "C1",
      blocks: [section("only blocks")],
    } as never);
    expect(res.ok).toBe(true);
    expect(res.response_metadata?.warnings).toEqual(["missing_text_or_fallback_or_attachments"]);
    expect(fake.warnings).toEqual([
      {
        method: "chat.postMessage",
        warning: "missing_text_or_fallback_or_attachments",
        channel: "C1",
        at: T0,
      },
    ]);
  });

  it("invalid blocks answer invalid_blocks with Slack's [ERROR] messages", async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: "divider" }));
    const { error, data } = await slackError(
      web.chat.postMessage({ channel: "C1", text: "x", blocks }),
    );
    expect(error).toBe("invalid_blocks");
    expect(data.errors).toEqual(["no more than 50 items allowed [json-pointer:/blocks]"]);
    expect((data.response_metadata as Obj).messages).toEqual([
      "[ERROR] no more than 50 items allowed [json-pointer:/blocks]",
    ]);
    expect(fake.messagesIn("C1")).toEqual([]);
    expect(fake.errors()).toEqual([
      {
        source: "web_api",
        method: "chat.postMessage",
        error: "invalid_blocks",
        messages: ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"],
        at: T0,
      },
    ]);
  });

  it("a user id as channel posts into the bot's DM with that user", async () => {
    const res = await web.chat.postMessage({ channel: "U2", text: "Your digest" });
    expect(res.channel).toMatch(/^D/);
    expect(fake.dms("U2").map((m) => m.text)).toEqual(["Your digest"]);
  });
});

describe("rate limit on chat.postMessage", () => {
  it("lets a burst of 5 through per channel, then 429 with Retry-After: 1; refills at 1/s", async () => {
    for (let i = 0; i < 5; i++)
      expect((await web.chat.postMessage({ channel: "C1", text: `m${i}` })).ok).toBe(true);
    expect((await web.chat.postMessage({ channel: "G2", text: "other channel" })).ok).toBe(true);

    const raw = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "channel=C1&text=six",
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("1");
    expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });

    const viaClient = await slackError(web.chat.postMessage({ channel: "C1", text: "seven" }));
    expect(viaClient).toEqual({ error: "ratelimited", data: { retryAfter: 1 } });

    clock += 1000;
    expect((await web.chat.postMessage({ channel: "C1", text: "after a second" })).ok).toBe(true);
    expect(
      (await slackError(web.chat.postMessage({ channel: "C1", text: "too soon" }))).error,
    ).toBe("ratelimited");
    expect(fake.messagesIn("C1")).toHaveLength(6);
  });

  it("is configurable and can be switched off", async () => {
    fake.setRateLimit({ burst: 1, perSecond: 1 });
    expect((await web.chat.postMessage({ channel: "C1", text: "1" })).ok).toBe(true);
    expect((await slackError(web.chat.postMessage({ channel: "C1", text: "2" }))).error).toBe(
      "ratelimited",
    );
    fake.setRateLimit(false);
    for (let i = 0; i < 20; i++)
      expect((await web.chat.postMessage({ channel: "C1", text: `${i}` })).ok).toBe(true);
  });

  it("a WebClient that retries waits Retry-After and succeeds", async () => {
    fake.failNext("chat.postMessage", { error: "ratelimited", retryAfter: 0 });
    const retrying = new WebClient(TOKEN, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 1, factor: 1, minTimeout: 0, maxTimeout: 0 },
      logger: silent,
    });
    const res = await retrying.chat.postMessage({ channel: "C1", text: "eventually" });
    expect(res.ok).toBe(true);
    expect(fake.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
  });
});

describe("fault injection", () => {
  it("failNext makes the next call(s) fail, then behaves again", async () => {
    fake.failNext("users.info", { status: 500, times: 2 });
    const first = await web.users
      .info({ user: "U1" })
      .catch((e: { code?: string; statusCode?: number }) => e);
    expect(first).toMatchObject({ code: "slack_webapi_http_error", statusCode: 500 });
    await expect(web.users.info({ user: "U1" })).rejects.toThrow();
    expect((await web.users.info({ user: "U1" })).ok).toBe(true);
    expect(fake.errors().map((e) => [e.method, e.error, e.injected])).toEqual([
      ["users.info", "internal_error", true],
      ["users.info", "internal_error", true],
    ]);
  });

  it("can fail with a Slack error code on HTTP 200", async () => {
    fake.failNext("views.open", { error: "expired_trigger_id" });
    const trigger = fake.newTriggerId("U1");
    expect((await slackError(web.views.open({ trigger_id: trigger, view: modal() }))).error).toBe(
      "expired_trigger_id",
    );
    expect((await web.views.open({ trigger_id: trigger, view: modal() })).ok).toBe(true);
  });
});

describe("chat.postEphemeral, chat.update, chat.delete", () => {
  it("posts an ephemeral message to a member of the channel", async () => {
    const res = await web.chat.postEphemeral({ channel: "C1", user: "U2", text: "only you" });
    expect(res.message_ts).toBeDefined();
    expect(fake.ephemeralsFor("U2", "C1").map((e) => e.text)).toEqual(["only you"]);
    expect(fake.messagesIn("C1")).toEqual([]);
  });

  it("user_not_in_channel when the user is not a member", async () => {
    expect(
      (await slackError(web.chat.postEphemeral({ channel: "G2", user: "U2", text: "x" }))).error,
    ).toBe("user_not_in_channel");
  });

  it("chat.update keeps the history; unknown ts → message_not_found", async () => {
    const { ts } = await web.chat.postMessage({
      channel: "C1",
      text: "v1",
      blocks: [section("v1")],
    });
    await web.chat.update({ channel: "C1", ts: ts as string, text: "v2", blocks: [section("v2")] });
    const msg = fake.message("C1", ts as string);
    expect(msg?.text).toBe("v2");
    expect(msg?.history.map((h) => h.text)).toEqual(["v1"]);
    expect((await slackError(web.chat.update({ channel: "C1", ts: "1.2", text: "x" }))).error).toBe(
      "message_not_found",
    );
  });

  it("chat.update validates blocks too", async () => {
    const { ts } = await web.chat.postMessage({ channel: "C1", text: "v1" });
    const bad = { type: "header", text: { type: "mrkdwn", text: "no" } };
    const { error } = await slackError(
      web.chat.update({ channel: "C1", ts: ts as string, text: "v2", blocks: [bad] as never }),
    );
    expect(error).toBe("invalid_blocks");
  });

  it("cannot update or delete someone else's message", async () => {
    const m = fake.addUserMessage("C1", "U2", "hello bot");
    expect((await slackError(web.chat.update({ channel: "C1", ts: m.ts, text: "x" }))).error).toBe(
      "cant_update_message",
    );
    expect((await slackError(web.chat.delete({ channel: "C1", ts: m.ts }))).error).toBe(
      "cant_delete_message",
    );
  });

  it("chat.delete removes the bot's message", async () => {
    const { ts } = await web.chat.postMessage({ channel: "C1", text: "bye" });
    await web.chat.delete({ channel: "C1", ts: ts as string });
    expect(fake.messagesIn("C1")).toEqual([]);
  });
});

describe("users, conversations, team", () => {
  it("users.info gives admin/owner flags, time zone and offset", async () => {
    const { user } = await web.users.info({ user: "U1" });
    expect(user).toMatchObject({
      id: "U1",
      real_name: "Ann Admin",
      is_admin: true,
      is_owner: true,
      deleted: false,
      tz: "Europe/Berlin",
      tz_offset: 3600, // 14 Nov 2023: CET
    });
    const bob = (await web.users.info({ user: "U2" })).user as Obj;
    expect(bob.is_admin).toBe(false);
    expect(bob.tz).toBeUndefined();
    expect(((await web.users.info({ user: "U3" })).user as Obj).deleted).toBe(true);
    expect((await slackError(web.users.info({ user: "U404" }))).error).toBe("user_not_found");
  });

  it("users.list pages with a cursor", async () => {
    const first = await web.users.list({ limit: 2 });
    expect(first.members?.map((m) => m.id)).toEqual([fake.botUserId, "U1"]);
    const second = await web.users.list({
      limit: 2,
      cursor: first.response_metadata?.next_cursor as string,
    });
    expect(second.members?.map((m) => m.id)).toEqual(["U2", "U3"]);
    expect(second.response_metadata?.next_cursor).toBe("");
  });

  it("conversations.info tells privacy and bot membership", async () => {
    expect((await web.conversations.info({ channel: "C2" })).channel).toMatchObject({
      id: "C2",
      name: "marketing",
      is_private: false,
      is_member: false,
    });
    expect((await web.conversations.info({ channel: "G2" })).channel).toMatchObject({
      is_private: true,
      is_member: true,
    });
    expect((await slackError(web.conversations.info({ channel: "G1" }))).error).toBe(
      "channel_not_found",
    );
  });

  it("conversations.join: public only", async () => {
    expect((await web.conversations.join({ channel: "C2" })).ok).toBe(true);
    expect(fake.channel("C2")?.members.has(fake.botUserId)).toBe(true);
    expect((await slackError(web.conversations.join({ channel: "G2" }))).error).toBe(
      "method_not_supported_for_channel_type",
    );
    const again = await web.conversations.join({ channel: "C2" });
    expect(again.response_metadata?.warnings).toEqual(["already_in_channel"]);
  });

  it("conversations.open returns a stable D… channel; messages there are the user's DMs", async () => {
    const a = await web.conversations.open({ users: "U1" });
    const b = await web.conversations.open({ users: "U1" });
    expect(a.channel?.id).toMatch(/^D[A-Z0-9]{10}$/);
    expect(b.channel?.id).toBe(a.channel?.id);
    expect(b.already_open).toBe(true);
    await web.chat.postMessage({ channel: a.channel?.id as string, text: "hi Ann" });
    expect(fake.dms("U1").map((m) => m.text)).toEqual(["hi Ann"]);
    expect((await slackError(web.conversations.open({ users: "U404" }))).error).toBe(
      "user_not_found",
    );
  });

  it("conversations.members lists members", async () => {
    const res = await web.conversations.members({ channel: "C1" });
    expect(res.members).toEqual(["U1", "U2", fake.botUserId]);
  });

  it("team.info", async () => {
    expect((await web.team.info()).team).toMatchObject({
      id: fake.teamId,
      domain: fake.teamDomain,
    });
  });
});

describe("trigger_id and views.open", () => {
  it("a trigger is good for 3 s: 2,999 ms ok", async () => {
    const trigger = fake.newTriggerId("U1");
    clock += 2999;
    const res = await web.views.open({ trigger_id: trigger, view: modal() });
    expect(res.view?.id).toMatch(/^V/);
    expect(fake.lastView("U1")?.id).toBe(res.view?.id);
  });

  it("a trigger expires at 3,000 ms", async () => {
    const trigger = fake.newTriggerId("U1");
    clock += 3000;
    expect((await slackError(web.views.open({ trigger_id: trigger, view: modal() }))).error).toBe(
      "expired_trigger_id",
    );
    expect(fake.lastView("U1")).toBeUndefined();
  });

  it("a trigger works once; unknown ones are invalid", async () => {
    const trigger = fake.newTriggerId("U1");
    await web.views.open({ trigger_id: trigger, view: modal() });
    expect((await slackError(web.views.open({ trigger_id: trigger, view: modal() }))).error).toBe(
      "exchanged_trigger_id",
    );
    expect(
      (await slackError(web.views.open({ trigger_id: "123.456.abc", view: modal() }))).error,
    ).toBe("invalid_trigger_id");
  });

  it("an invalid view answers invalid_arguments with messages (and keeps the trigger)", async () => {
    const trigger = fake.newTriggerId("U1");
    const { error, data } = await slackError(
      web.views.open({ trigger_id: trigger, view: modal("x".repeat(25)) }),
    );
    expect(error).toBe("invalid_arguments");
    expect((data.response_metadata as Obj).messages).toEqual([
      "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
    ]);
    expect((await web.views.open({ trigger_id: trigger, view: modal("x".repeat(24)) })).ok).toBe(
      true,
    );
  });

  it("a view over 250 kB answers view_too_large", async () => {
    const blocks = Array.from({ length: 100 }, () => section("x".repeat(2600)));
    const trigger = fake.newTriggerId("U1");
    expect(
      (await slackError(web.views.open({ trigger_id: trigger, view: modal("Big", { blocks }) })))
        .error,
    ).toBe("view_too_large");
  });

  it("the stored view has Slack's fields and generated block/action ids", async () => {
    const view = modal("Survey", {
      callback_id: "survey",
      private_metadata: "round=1",
      submit: plain("Send"),
      blocks: [{ type: "input", label: plain("Q1"), element: { type: "plain_text_input" } }],
    });
    const res = await web.views.open({ trigger_id: fake.newTriggerId("U1"), view });
    const stored = fake.views.get(res.view?.id as string);
    expect(stored?.view).toMatchObject({
      type: "modal",
      callback_id: "survey",
      private_metadata: "round=1",
      hash: expect.any(String),
      state: { values: {} },
      root_view_id: res.view?.id,
      previous_view_id: null,
    });
    const block = ((stored?.view.blocks ?? []) as Obj[])[0] as Obj;
    expect(block.block_id).toEqual(expect.any(String));
    expect((block.element as Obj).action_id).toEqual(expect.any(String));
  });
});

describe("modal stack, views.update, views.publish", () => {
  it("views.push: at most 3 views in the stack", async () => {
    await web.views.open({ trigger_id: fake.newTriggerId("U1"), view: modal("One") });
    await web.views.push({ trigger_id: fake.newTriggerId("U1"), view: modal("Two") });
    await web.views.push({ trigger_id: fake.newTriggerId("U1"), view: modal("Three") });
    expect(fake.modalStack("U1").map((v) => titleOf(v))).toEqual(["One", "Two", "Three"]);
    expect(
      (
        await slackError(
          web.views.push({ trigger_id: fake.newTriggerId("U1"), view: modal("Four") }),
        )
      ).error,
    ).toBe("push_limit_reached");
  });

  it("views.update by view_id; a stale hash → hash_conflict; unknown id → not_found", async () => {
    const opened = await web.views.open({
      trigger_id: fake.newTriggerId("U1"),
      view: modal("One"),
    });
    const id = opened.view?.id as string;
    const hash = opened.view?.hash as string;
    const updated = await web.views.update({ view_id: id, hash, view: modal("Two") });
    expect(updated.view?.hash).not.toBe(hash);
    expect(titleOf(fake.lastView("U1"))).toBe("Two");
    expect(fake.views.get(id)?.history).toHaveLength(1);
    expect(
      (await slackError(web.views.update({ view_id: id, hash, view: modal("Three") }))).error,
    ).toBe("hash_conflict");
    expect(
      (await slackError(web.views.update({ view_id: "V404", view: modal("Three") }))).error,
    ).toBe("not_found");
  });

  it("views.publish stores the Home tab per user, and validates it", async () => {
    await web.views.publish({
      user_id: "U1",
      view: { type: "home", blocks: [section("Welcome")] },
    });
    expect(fake.homeViews.get("U1")?.view.blocks).toMatchObject([section("Welcome")]);
    await web.views.publish({ user_id: "U1", view: { type: "home", blocks: [section("Again")] } });
    expect(fake.homeViews.get("U1")?.history).toHaveLength(1);
    const blocks = Array.from({ length: 101 }, () => ({ type: "divider" as const }));
    expect(
      (await slackError(web.views.publish({ user_id: "U1", view: { type: "home", blocks } })))
        .error,
    ).toBe("invalid_arguments");
    expect(
      (await slackError(web.views.publish({ user_id: "U404", view: { type: "home", blocks: [] } })))
        .error,
    ).toBe("user_not_found");
  });

  it("applies view_submission response actions: update, push, errors, clear, plain ack", async () => {
    const input = {
      type: "input",
      block_id: "q1",
      label: plain("Q1"),
      element: { type: "plain_text_input", action_id: "a" },
    };
    const open = await web.views.open({
      trigger_id: fake.newTriggerId("U1"),
      view: modal("Form", { submit: plain("Send"), blocks: [input] }),
    });
    const id = open.view?.id as string;
    expect(
      fake.applyViewSubmissionResponse("U1", id, {
        response_action: "errors",
        errors: { q1: "Required" },
      }).ok,
    ).toBe(true);
    const badKey = fake.applyViewSubmissionResponse("U1", id, {
      response_action: "errors",
      errors: { nope: "x" },
    });
    expect(badKey.errors).toEqual([
      'errors key "nope" is not the block_id of an input block in the view',
    ]);
    const badView = fake.applyViewSubmissionResponse("U1", id, {
      response_action: "update",
      view: modal("x".repeat(30)),
    });
    expect(badView.ok).toBe(false);
    expect(
      fake.applyViewSubmissionResponse("U1", id, {
        response_action: "update",
        view: modal("Thanks"),
      }).ok,
    ).toBe(true);
    expect(titleOf(fake.lastView("U1"))).toBe("Thanks");
    const pushed = fake.applyViewSubmissionResponse("U1", id, {
      response_action: "push",
      view: modal("Next"),
    });
    expect(fake.modalStack("U1")).toHaveLength(2);
    expect(
      fake.applyViewSubmissionResponse("U1", pushed.view?.id as string, undefined).view?.id,
    ).toBe(id);
    expect(fake.modalStack("U1")).toHaveLength(1);
    expect(fake.applyViewSubmissionResponse("U1", id, { response_action: "clear" }).ok).toBe(true);
    expect(fake.modalStack("U1")).toEqual([]);
    expect(fake.errors().map((e) => e.source)).toEqual(["view_response", "view_response"]);
  });
});

describe("response_url", () => {
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("takes 5 posts, then refuses with 404 used_url", async () => {
    const url = fake.newResponseUrl({ channel: "C1", user: "U2" });
    expect(url).toMatch(new RegExp(`^${fake.url}/respond/`));
    for (let i = 1; i <= 5; i++) expect((await post(url, { text: `reply ${i}` })).status).toBe(200);
    const sixth = await post(url, { text: "reply 6" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: "used_url" });
    expect(fake.ephemeralsFor("U2", "C1")).toHaveLength(5);
    expect(fake.responses.filter((r) => r.ok)).toHaveLength(5);
  });

  it("expires after 30 minutes", async () => {
    const url = fake.newResponseUrl({ channel: "C1", user: "U2" });
    clock += 30 * 60 * 1000;
    expect((await post(url, { text: "just in time" })).status).toBe(200);
    clock += 1;
    const late = await post(url, { text: "too late" });
    expect(late.status).toBe(404);
    expect(await late.json()).toEqual({ ok: false, error: "expired_url" });
  });

  it("validates messages like chat.postMessage", async () => {
    const url = fake.newResponseUrl({ channel: "C1", user: "U2" });
    const res = await post(url, {
      text: "x",
      blocks: [{ type: "header", text: { type: "mrkdwn", text: "x" } }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: "invalid_blocks" });
    expect((await post(url, {})).status).toBe(400);
    expect(fake.errors().map((e) => e.error)).toEqual(["invalid_blocks", "no_text"]);
  });

  it("in_channel posts a message; replace_original and delete_original act on the source message", async () => {
    const { ts } = await web.chat.postMessage({
      channel: "C1",
      text: "invite",
      blocks: [section("invite")],
    });
    const url = fake.newResponseUrl({ channel: "C1", user: "U2", messageTs: ts as string });
    await post(url, { response_type: "in_channel", text: "Everyone: round open" });
    expect(fake.messagesIn("C1").map((m) => m.text)).toEqual(["invite", "Everyone: round open"]);
    await post(url, { replace_original: true, text: "invite (3 answered)" });
    expect(fake.message("C1", ts as string)?.text).toBe("invite (3 answered)");
    await post(url, { delete_original: true });
    expect(fake.messagesIn("C1").map((m) => m.text)).toEqual(["Everyone: round open"]);
  });
});

describe("reset", () => {
  it("clears recordings but keeps the workspace", async () => {
    await web.chat.postMessage({ channel: "C1", text: "x" });
    await slackError(web.chat.postMessage({ channel: "C404", text: "x" }));
    fake.reset();
    expect(fake.calls).toEqual([]);
    expect(fake.messages).toEqual([]);
    expect(fake.errors()).toEqual([]);
    expect((await web.users.info({ user: "U1" })).ok).toBe(true);
  });
});

describe("sampleWorkspace and onCall", () => {
  it("starts a ready-made workspace and reports every call", async () => {
    const seen: RecordedCall[] = [];
    const demo = await startFakeSlack({
      ...sampleWorkspace(),
      botToken: TOKEN,
      onCall: (c) => seen.push(c),
    });
    try {
      const client = new WebClient(TOKEN, {
        slackApiUrl: demo.apiUrl,
        retryConfig: { retries: 0 },
        logger: silent,
      });
      expect((await client.chat.postMessage({ channel: "C0SALES01", text: "hi sales" })).ok).toBe(
        true,
      );
      expect(
        (await slackError(client.chat.postMessage({ channel: "C0GENERAL", text: "x" }))).error,
      ).toBe("not_in_channel");
      expect(((await client.users.info({ user: "U0ADMIN01" })).user as Obj).is_admin).toBe(true);
      expect(seen.map((c) => [c.method, c.ok])).toEqual([
        ["chat.postMessage", true],
        ["chat.postMessage", false],
        ["users.info", true],
      ]);
    } finally {
      await demo.close();
    }
  });
});
