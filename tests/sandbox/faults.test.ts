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

const quickRetries = { retries: 5, factor: 1, minTimeout: 10, maxTimeout: 10 };

describe("failNext: HTTP faults for retry and crash tests", () => {
  it("fails only the calls `when` picks, however many others come first", async () => {
    const handle = fake.failNext("chat.postMessage", {
      status: 503,
      when: (args) => args.channel === "C2",
    });
    const post = (channel: string) =>
      rawCall(fake, "chat.postMessage", JSON.stringify({ channel, text: "x" }));
    expect((await post("C1")).status).toBe(200);
    expect((await post("C1")).status).toBe(200);
    expect((await post("C2")).body).toEqual({ ok: false, error: "service_unavailable" });
    expect((await post("C2")).status).toBe(200);
    expect([handle.served, handle.remaining]).toEqual([1, 0]);
  });

  it("HTTP 503 for the next N calls (service_unavailable); a retrying WebClient gets through", async () => {
    const handle = fake.failNext("chat.postMessage", { status: 503, times: 2 });
    expect([handle.served, handle.remaining]).toEqual([0, 2]);
    const raw = await rawCall(
      fake,
      "chat.postMessage",
      JSON.stringify({ channel: "C1", text: "x" }),
    );
    expect(raw.status).toBe(503);
    expect(raw.body).toEqual({ ok: false, error: "service_unavailable" });
    expect([handle.served, handle.remaining]).toEqual([1, 1]);

    const retrying = webClient(fake, undefined, { retryConfig: quickRetries });
    const res = await retrying.chat.postMessage({ channel: "C1", text: "eventually" });
    expect(res.ok).toBe(true);
    expect(fake.callsTo("chat.postMessage").map((c) => [c.status, c.injected ?? false])).toEqual([
      [503, true],
      [503, true],
      [200, false],
    ]);
    expect(fake.messagesIn("C1").map((m) => m.text)).toEqual(["eventually"]);
    expect(handle.remaining).toBe(0);
  });

  it("429 with Retry-After", async () => {
    fake.failNext("conversations.history", { status: 429, retryAfter: 7 });
    const raw = await rawCall(fake, "conversations.history", JSON.stringify({ channel: "C1" }));
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(raw.body).toEqual({ ok: false, error: "ratelimited" });
  });

  it("delayMs holds each failing answer; whenServed resolves when the call has arrived", async () => {
    const handle = fake.failNext("chat.postMessage", { status: 503, delayMs: 2_000 });
    const started = Date.now();
    const call = rawCall(fake, "chat.postMessage", JSON.stringify({ channel: "C1", text: "x" }));
    let answered = false;
    void call.then(() => {
      answered = true;
    });
    await handle.whenServed();
    await new Promise((resolve) => setImmediate(resolve));
    // Served, and still held: the answer has not come back yet.
    expect(answered).toBe(false);
    expect(fake.callsTo("chat.postMessage")).toHaveLength(1);
    const res = await call;
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
  });

  it("a client that gives up during the delay leaves the fake working", async () => {
    const handle = fake.failNext("chat.postMessage", { status: 503, delayMs: 400 });
    const aborted = fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: "C1", text: "x" }),
      signal: AbortSignal.timeout(50),
    });
    await expect(aborted).rejects.toThrow();
    // The failure was taken by the aborted call (however late it arrived), and its hold is over.
    await handle.whenServed();
    await new Promise((r) => setTimeout(r, 450));
    expect((await web.chat.postMessage({ channel: "C1", text: "after" })).ok).toBe(true);
  });

  it("whenServed(n) waits for the n-th failing call, through the client's back-off", async () => {
    const handle = fake.failNext("users.info", { status: 503, times: 3 });
    const retrying = webClient(fake, undefined, { retryConfig: quickRetries });
    const pending = retrying.users.info({ user: "U1" });
    await handle.whenServed(3);
    expect(handle.served).toBe(3);
    expect((await pending).ok).toBe(true);
    await handle.whenServed(2); // already reached: resolves at once
  });

  it("cancel drops the failures not served yet", async () => {
    const handle = fake.failNext("users.info", { status: 503, times: 5 });
    await slackError(web.users.info({ user: "U1" }));
    handle.cancel();
    expect(handle.remaining).toBe(0);
    expect((await web.users.info({ user: "U1" })).ok).toBe(true);
  });

  it('"*" fails any method, after the method\'s own queue', async () => {
    fake.failNext("*", { error: "internal_error" });
    fake.failNext("users.info", { error: "user_not_found" });
    expect((await slackError(web.users.info({ user: "U1" }))).error).toBe("user_not_found");
    expect((await slackError(web.users.info({ user: "U1" }))).error).toBe("internal_error");
    expect((await web.users.info({ user: "U1" })).ok).toBe(true);
  });

  it("closing the fake while an answer is held does not hang", async () => {
    fake.failNext("chat.postMessage", { status: 503, delayMs: 5000 });
    const call = rawCall(fake, "chat.postMessage", JSON.stringify({ channel: "C1", text: "x" }));
    await fake.waitFor(() => fake.callsTo("chat.postMessage").length === 1);
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(call).rejects.toThrow();
    fake = await startWorkspace(() => clock); // for afterEach
  });
});
