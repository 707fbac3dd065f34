import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { type Obj, rawCall, slackError, startWorkspace, T0, webClient } from "./helpers.js";

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

const texts = (res: { messages?: unknown[] }) => (res.messages ?? []).map((m) => (m as Obj).text);

/** Post `n` bot messages into `channel`, one a second; their ts, oldest first. */
async function postMany(channel: string, n: number, prefix = "m"): Promise<string[]> {
  const ts: string[] = [];
  for (let i = 0; i < n; i++) {
    clock += 1000;
    const res = await web.chat.postMessage({ channel, text: `${prefix}${i}` });
    ts.push(res.ts as string);
  }
  return ts;
}

describe("conversations.history", () => {
  it("returns the channel's messages newest first, bot and user messages alike", async () => {
    await postMany("C1", 2);
    fake.addUserMessage("C1", "U1", "from Ann");
    const res = await web.conversations.history({ channel: "C1" });
    expect(texts(res)).toEqual(["from Ann", "m1", "m0"]);
    expect(res).toMatchObject({ ok: true, has_more: false, pin_count: 0 });
    expect(res.messages?.[1]).toMatchObject({
      type: "message",
      user: fake.botUserId,
      bot_id: fake.botId,
      app_id: fake.appId,
      team: fake.teamId,
    });
    expect(res.response_metadata?.next_cursor ?? "").toBe("");
  });

  it("reads private channels and DMs the bot is in", async () => {
    await web.chat.postMessage({ channel: "G2", text: "leaders only" });
    await web.chat.postMessage({ channel: "U2", text: "hi Bob" });
    const dm = fake.dmChannel("U2") as string;
    expect(dm).toMatch(/^D/);
    expect(texts(await web.conversations.history({ channel: "G2" }))).toEqual(["leaders only"]);
    expect(texts(await web.conversations.history({ channel: dm }))).toEqual(["hi Bob"]);
  });

  it("errors like Slack: not_in_channel, channel_not_found", async () => {
    const code = async (channel: string) =>
      (await slackError(web.conversations.history({ channel }))).error;
    expect(await code("C2")).toBe("not_in_channel"); // public, bot not a member
    expect(await code("G1")).toBe("channel_not_found"); // private, bot not a member
    expect(await code("C404")).toBe("channel_not_found");
    expect(await code("U1")).toBe("channel_not_found"); // a user id is not a conversation
    await web.conversations.join({ channel: "C2" });
    expect((await web.conversations.history({ channel: "C2" })).ok).toBe(true);
  });

  it("leaves out deleted messages, ephemerals and thread replies; parents count replies", async () => {
    const [parent, gone] = await postMany("C1", 2);
    await web.chat.delete({ channel: "C1", ts: gone as string });
    await web.chat.postEphemeral({ channel: "C1", user: "U1", text: "only Ann" });
    fake.addUserMessage("C1", "U2", "a reply", parent);
    fake.addUserMessage("C1", "U1", "another reply", parent);
    const res = await web.conversations.history({ channel: "C1" });
    expect(texts(res)).toEqual(["m0"]);
    expect(res.messages?.[0]).toMatchObject({
      ts: parent,
      thread_ts: parent,
      reply_count: 2,
      reply_users: ["U2", "U1"],
    });
  });

  it("pages with limit and cursor (newest first); WebClient.paginate walks all pages", async () => {
    fake.setRateLimit(false);
    await postMany("C1", 7);
    const first = await web.conversations.history({ channel: "C1", limit: 3 });
    expect(texts(first)).toEqual(["m6", "m5", "m4"]);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // A message posted between pages does not shift the next page.
    clock += 1000;
    await web.chat.postMessage({ channel: "C1", text: "late" });
    const second = await web.conversations.history({ channel: "C1", limit: 3, cursor });
    expect(texts(second)).toEqual(["m3", "m2", "m1"]);

    const all: unknown[] = [];
    for await (const page of web.paginate("conversations.history", { channel: "C1", limit: 2 })) {
      all.push(...texts(page as { messages?: unknown[] }));
    }
    expect(all).toEqual(["late", "m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
  });

  it("limit defaults to 100 and is capped at 999", async () => {
    for (let i = 0; i < 1005; i++) fake.addUserMessage("C1", "U1", `u${i}`);
    const byDefault = await web.conversations.history({ channel: "C1" });
    expect(byDefault.messages).toHaveLength(100);
    expect(byDefault.messages?.[0]).toMatchObject({ text: "u1004" });
    const big = await web.conversations.history({ channel: "C1", limit: 5000 });
    expect(big.messages).toHaveLength(999);
    expect(big.has_more).toBe(true);
    const rest = await web.conversations.history({
      channel: "C1",
      limit: 999,
      cursor: big.response_metadata?.next_cursor as string,
    });
    expect(texts(rest)).toEqual(["u5", "u4", "u3", "u2", "u1", "u0"]);
    expect(rest.has_more).toBe(false);
  });

  it("oldest and latest bound the range, exclusive unless inclusive", async () => {
    fake.setRateLimit(false);
    const ts = await postMany("C1", 5);
    const [t0, t1, , t3] = ts as [string, string, string, string, string];
    const range = async (args: Obj) =>
      texts(await web.conversations.history({ channel: "C1", ...args }));
    expect(await range({ oldest: t1 })).toEqual(["m4", "m3", "m2"]);
    expect(await range({ oldest: t1, inclusive: true })).toEqual(["m4", "m3", "m2", "m1"]);
    expect(await range({ latest: t3 })).toEqual(["m2", "m1", "m0"]);
    expect(await range({ oldest: t0, latest: t3, inclusive: true })).toEqual([
      "m3",
      "m2",
      "m1",
      "m0",
    ]);
    // Plain seconds work too: everything from the second m2 was posted on.
    const secondOfM2 = String(Math.floor((T0 + 3000) / 1000));
    expect(await range({ oldest: secondOfM2 })).toEqual(["m4", "m3", "m2"]);
  });

  it("invalid_cursor for a cursor it did not issue; invalid_ts_* for bad bounds", async () => {
    const code = async (args: Obj) =>
      (await slackError(web.conversations.history({ channel: "C1", ...args }))).error;
    expect(await code({ cursor: "bm9wZQ==" })).toBe("invalid_cursor"); // "nope"
    expect(await code({ cursor: "%%%" })).toBe("invalid_cursor");
    expect(await code({ oldest: "yesterday" })).toBe("invalid_ts_oldest");
    expect(await code({ latest: "soon" })).toBe("invalid_ts_latest");
  });

  it("returns metadata only with include_all_metadata", async () => {
    const metadata = { event_type: "round_opened", event_payload: { round_id: 7 } };
    await web.chat.postMessage({ channel: "C1", text: "opened", metadata });
    const without = await web.conversations.history({ channel: "C1" });
    expect((without.messages?.[0] as Obj | undefined)?.metadata).toBeUndefined();
    const withAll = await web.conversations.history({ channel: "C1", include_all_metadata: true });
    expect((withAll.messages?.[0] as Obj | undefined)?.metadata).toEqual(metadata);
    // The recording keeps it either way.
    expect(fake.messagesIn("C1")[0]?.metadata).toEqual(metadata);
  });

  it("is rate-limited per method (Tier 3: a burst of 50, then 429 with Retry-After)", async () => {
    for (let i = 0; i < 50; i++) {
      expect((await web.conversations.history({ channel: "C1" })).ok).toBe(true);
    }
    const limited = await rawCall(fake, "conversations.history", JSON.stringify({ channel: "G2" }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    clock += 2000;
    expect((await web.conversations.history({ channel: "C1" })).ok).toBe(true);
    // Other methods have their own limits.
    expect((await web.conversations.info({ channel: "C1" })).ok).toBe(true);
  });

  it("rate-limits chat.update per method too (Tier 3)", async () => {
    const posted = await web.chat.postMessage({ channel: "C1", text: "Responses: n=0" });
    const ts = posted.ts as string;
    for (let i = 0; i < 50; i++)
      expect((await web.chat.update({ channel: "C1", ts, text: `Responses: n=${i}` })).ok).toBe(
        true,
      );
    const limited = await rawCall(
      fake,
      "chat.update",
      JSON.stringify({ channel: "C1", ts, text: "x" }),
    );
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    clock += 2000;
    expect((await web.chat.update({ channel: "C1", ts, text: "Responses: n=50" })).ok).toBe(true);
  });

  it("setMethodRateLimit changes or switches off a method's limit", async () => {
    fake.setMethodRateLimit("conversations.history", { burst: 1, perSecond: 1 });
    await web.conversations.history({ channel: "C1" });
    expect((await slackError(web.conversations.history({ channel: "C1" }))).error).toBe(
      "ratelimited",
    );
    fake.setMethodRateLimit("conversations.history", false);
    for (let i = 0; i < 60; i++) await web.conversations.history({ channel: "C1" });
    // Methods without a default can get one too.
    fake.setMethodRateLimit("users.info", { burst: 1, perSecond: 1 });
    await web.users.info({ user: "U1" });
    expect((await slackError(web.users.info({ user: "U1" }))).error).toBe("ratelimited");
  });

  it("the per-method limits can be set when the fake starts", async () => {
    const other = await startWorkspace(() => clock, {
      methodRateLimits: {
        "conversations.history": false,
        "users.list": { burst: 1, perSecond: 1 },
      },
    });
    try {
      const client = webClient(other);
      for (let i = 0; i < 60; i++) await client.conversations.history({ channel: "C1" });
      await client.users.list({});
      expect((await slackError(client.users.list({}))).error).toBe("ratelimited");
    } finally {
      await other.close();
    }
  });
});
