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

const roundOpened = {
  event_type: "round_opened",
  event_payload: { round_id: 7, channels: [{ id: "C1" }], nested: { closes: "2024-01-01" } },
};

describe("message metadata on chat.postMessage", () => {
  it("stores the metadata WebClient sends (a JSON string in a form body) on the message", async () => {
    const res = await web.chat.postMessage({
      channel: "C1",
      text: "Round 7",
      metadata: roundOpened,
    });
    expect(res.ok).toBe(true);
    expect((res.message as Obj).metadata).toEqual(roundOpened);
    const [msg] = fake.messagesIn("C1");
    expect(msg?.metadata).toEqual(roundOpened);
    expect(fake.warnings).toEqual([]);
    expect(fake.errors()).toEqual([]);
  });

  it("takes metadata as an object in a JSON body, or as a JSON string inside it", async () => {
    const asObject = await rawCall(
      fake,
      "chat.postMessage",
      JSON.stringify({ channel: "C1", text: "a", metadata: roundOpened }),
    );
    const asString = await rawCall(
      fake,
      "chat.postMessage",
      JSON.stringify({ channel: "C1", text: "b", metadata: JSON.stringify(roundOpened) }),
    );
    expect([asObject.body.ok, asString.body.ok]).toEqual([true, true]);
    expect(fake.messagesIn("C1").map((m) => m.metadata)).toEqual([roundOpened, roundOpened]);
  });

  it("invalid_metadata_format when metadata is not a JSON object", async () => {
    for (const metadata of ["{not json", "[]", "42", '"text"']) {
      const res = await rawCall(
        fake,
        "chat.postMessage",
        new URLSearchParams({ channel: "C1", text: "x", metadata }).toString(),
        "application/x-www-form-urlencoded",
      );
      expect(res.body).toEqual({ ok: false, error: "invalid_metadata_format" });
    }
    expect(fake.messagesIn("C1")).toEqual([]);
  });

  it("invalid_metadata_schema without a string event_type or an object event_payload", async () => {
    const bad: unknown[] = [
      { event_payload: {} },
      { event_type: "x" },
      { event_type: 5, event_payload: {} },
      { event_type: "", event_payload: {} },
      { event_type: "x", event_payload: [1, 2] },
      { event_type: "x", event_payload: "y" },
    ];
    for (const metadata of bad) {
      clock += 1000; // past chat.postMessage's per-channel rate limit
      expect(
        (
          await slackError(
            web.chat.postMessage({ channel: "C1", text: "x", metadata: metadata as never }),
          )
        ).error,
      ).toBe("invalid_metadata_schema");
    }
    expect(fake.messagesIn("C1")).toEqual([]);
  });

  it("an event_type with a period or a space posts the message without metadata and warns", async () => {
    const res = await web.chat.postMessage({
      channel: "C1",
      text: "x",
      metadata: { event_type: "round.opened", event_payload: { id: 1 } },
    });
    expect(res.ok).toBe(true);
    expect(res.warning).toBe("invalid_metadata_schema");
    expect(res.response_metadata?.warnings).toEqual(["invalid_metadata_schema"]);
    expect(fake.messagesIn("C1")[0]?.metadata).toBeUndefined();
    expect(fake.warnings.map((w) => [w.method, w.warning, w.channel])).toEqual([
      ["chat.postMessage", "invalid_metadata_schema", "C1"],
    ]);
    // Letters, digits, underscores and hyphens are fine.
    await web.chat.postMessage({
      channel: "C1",
      text: "y",
      metadata: { event_type: "Round-opened_2", event_payload: {} },
    });
    expect(fake.messagesIn("C1")[1]?.metadata?.event_type).toBe("Round-opened_2");
  });

  it("lists both warnings when the text fallback is missing too", async () => {
    const res = await web.chat.postMessage({
      channel: "C1",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }],
      metadata: { event_type: "a b", event_payload: {} },
    });
    expect(res.response_metadata?.warnings).toEqual([
      "missing_text_or_fallback_or_attachments",
      "invalid_metadata_schema",
    ]);
    expect(res.warning).toBe("missing_text_or_fallback_or_attachments,invalid_metadata_schema");
  });
});

describe("message metadata on chat.update", () => {
  async function post(): Promise<string> {
    const res = await web.chat.postMessage({ channel: "C1", text: "v1", metadata: roundOpened });
    return res.ts as string;
  }

  it("keeps the metadata when the update has none, replaces it, and removes it with {}", async () => {
    const ts = await post();
    await web.chat.update({ channel: "C1", ts, text: "v2" });
    expect(fake.message("C1", ts)?.metadata).toEqual(roundOpened);

    const closed = { event_type: "round_closed", event_payload: { round_id: 7 } };
    const res = await web.chat.update({ channel: "C1", ts, text: "v3", metadata: closed });
    expect((res.message as Obj).metadata).toEqual(closed);
    expect(fake.message("C1", ts)?.metadata).toEqual(closed);

    await web.chat.update({ channel: "C1", ts, text: "v4", metadata: {} as never });
    const msg = fake.message("C1", ts);
    expect(msg?.metadata).toBeUndefined();
    expect(msg?.history.map((v) => [v.text, v.metadata?.event_type])).toEqual([
      ["v1", "round_opened"],
      ["v2", "round_opened"],
      ["v3", "round_closed"],
    ]);
  });

  it("validates like chat.postMessage; an invalid event_type leaves the old metadata", async () => {
    const ts = await post();
    const format = await rawCall(
      fake,
      "chat.update",
      JSON.stringify({ channel: "C1", ts, text: "x", metadata: "{oops" }),
    );
    expect(format.body).toEqual({ ok: false, error: "invalid_metadata_format" });
    expect(
      (
        await slackError(
          web.chat.update({ channel: "C1", ts, text: "x", metadata: { event_type: "x" } as never }),
        )
      ).error,
    ).toBe("invalid_metadata_schema");
    expect(fake.message("C1", ts)?.text).toBe("v1");

    const res = await web.chat.update({
      channel: "C1",
      ts,
      text: "v2",
      metadata: { event_type: "bad.type", event_payload: {} },
    });
    expect(res.warning).toBe("invalid_metadata_schema");
    expect(fake.message("C1", ts)).toMatchObject({ text: "v2", metadata: roundOpened });
  });
});

describe("finding messages by metadata", () => {
  it("messagesWithMetadata lists a channel's or a user's DM messages, by event type", async () => {
    await web.chat.postMessage({ channel: "C1", text: "plain" });
    await web.chat.postMessage({ channel: "C1", text: "opened", metadata: roundOpened });
    await web.chat.postMessage({
      channel: "C1",
      text: "closed",
      metadata: { event_type: "round_closed", event_payload: {} },
    });
    await web.chat.postMessage({
      channel: "U2",
      text: "reminder",
      metadata: { event_type: "reminder_sent", event_payload: { round_id: 7 } },
    });
    expect(fake.messagesWithMetadata("C1").map((m) => m.text)).toEqual(["opened", "closed"]);
    expect(fake.messagesWithMetadata("C1", "round_closed").map((m) => m.text)).toEqual(["closed"]);
    expect(fake.messagesWithMetadata("U2").map((m) => m.metadata)).toEqual([
      { event_type: "reminder_sent", event_payload: { round_id: 7 } },
    ]);
    expect(fake.dms("U2")[0]?.metadata?.event_type).toBe("reminder_sent");
    expect(fake.messagesWithMetadata("U1")).toEqual([]);
    expect(fake.messagesIn("C1").map((m) => m.metadata?.event_type)).toEqual([
      undefined,
      "round_opened",
      "round_closed",
    ]);
  });

  it("leaves deleted messages out", async () => {
    const res = await web.chat.postMessage({ channel: "C1", text: "x", metadata: roundOpened });
    await web.chat.delete({ channel: "C1", ts: res.ts as string });
    expect(fake.messagesWithMetadata("C1")).toEqual([]);
  });
});
