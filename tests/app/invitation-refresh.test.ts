import { afterEach, describe, expect, it } from "vitest";
import { SlackDriver } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import { createApp, type TruceApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { REFRESH_WINDOW_MS } from "../../src/services/invitations.js";
import { manualScheduler } from "../../src/services/scheduler.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import type { Harness } from "./harness.js";
import {
  answerAll,
  everyone,
  LEADER,
  launchRound,
  MARKETING,
  people,
  ratingsFor,
  recordingLogger,
  SALES,
  SECRET,
  SIGNING_SECRET,
  startHarness,
  surveyValues,
} from "./harness.js";

let h: Harness;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await h?.close();
});

const updates = () => h.fake.callsTo("chat.update").filter((c) => c.ok);
const participationOf = (channel: string, ts: string) =>
  /Responses: ([^"]*?)"/.exec(JSON.stringify(h.fake.message(channel, ts)?.blocks))?.[1];

describe("live participation on the invitations", () => {
  it("refreshes at once, then once per window in a burst, and always shows the last count", async () => {
    h = await startHarness({ salesPeople: 10, marketingPeople: 10 });
    const invitations = await launchRound(h);
    // The clock stands still: the whole burst falls in one window.
    await answerAll(h, invitations, [
      ...everyone("sales", 10, 60),
      ...everyone("marketing", 10, 50),
    ]);
    // The first answer refreshed both invitations at once; the other 19 wait for the window.
    await h.fake.waitFor(() => updates().length >= 2);
    expect(updates()).toHaveLength(2);
    expect(participationOf(SALES, invitations.sales)).not.toContain("Everyone n=20");
    expect(h.truce.runtime.invitations.waiting).toBe(1);

    h.advance(REFRESH_WINDOW_MS);
    await h.fake.waitFor(() => updates().length >= 4);
    await h.fake.waitFor(() => h.truce.runtime.invitations.waiting === 0);
    expect(participationOf(SALES, invitations.sales)).toBe(
      "Sales n=10 · Marketing n=10 · Everyone n=20",
    );
    expect(participationOf(MARKETING, invitations.marketing)).toBe(
      "Sales n=10 · Marketing n=10 · Everyone n=20",
    );
    // Nothing changed since: later windows cost nothing.
    h.advance(10 * REFRESH_WINDOW_MS);
    expect(updates()).toHaveLength(4);

    // Closing does not wait for the window: the invitations say so at once.
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() =>
      /This round closed on/.test(JSON.stringify(h.fake.message(SALES, invitations.sales)?.blocks)),
    );
    await h.fake.waitFor(() =>
      /This round closed on/.test(
        JSON.stringify(h.fake.message(MARKETING, invitations.marketing)?.blocks),
      ),
    );
    expect(updates()).toHaveLength(6);
    expect(JSON.stringify(h.fake.message(SALES, invitations.sales)?.blocks)).not.toContain(
      "open_survey",
    );
  });

  it("a 429 on chat.update does not hold up the closing posts, and is retried after Retry-After", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 60)]);
    await h.truce.idle();
    const before = updates().length;
    // Slack asks to wait ten minutes before the next chat.update.
    const limited = h.fake.failNext("chat.update", { error: "ratelimited", retryAfter: 600 });
    await h.driver.command(LEADER, SALES, "close now");
    await limited.whenServed();
    // The summaries and the leader's report go out meanwhile, on a client nobody told to wait.
    await h.fake.waitFor(
      () =>
        h.fake.messagesIn(SALES).some((m) => /Everyone n=10/.test(m.text ?? "")) &&
        h.fake.messagesIn(MARKETING).some((m) => /Everyone n=10/.test(m.text ?? "")) &&
        h.fake.dms(LEADER).some((m) => /Everyone n=10/.test(m.text ?? "")),
      { timeoutMs: 10_000, message: "the closing posts waited behind the rate-limited update" },
    );
    // Not hammered: nothing was updated since the 429, not even by a flush.
    await h.truce.idle();
    expect(updates()).toHaveLength(before);
    expect(JSON.stringify(h.fake.message(SALES, invitations.sales)?.blocks)).toContain(
      "open_survey",
    );
    // Once Slack's wait is over, the closed invitations are shown.
    h.advance(600_000);
    await h.fake.waitFor(() => updates().length >= before + 2);
    for (const [channel, ts] of [
      [SALES, invitations.sales],
      [MARKETING, invitations.marketing],
    ] as const) {
      expect(JSON.stringify(h.fake.message(channel, ts)?.blocks)).toContain("This round closed on");
    }
  });

  it("two instances on one database refresh no more often than one", async () => {
    h = await startHarness({ salesPeople: 10, marketingPeople: 10 });
    const invitations = await launchRound(h);
    // A second instance on the same database, the same clock and its own timers.
    let now = h.now();
    const timers = manualScheduler({
      now: () => now,
      set: (at) => {
        now = at;
      },
    });
    const store: Store = openSqliteStore(h.databasePath);
    const second: TruceApp = createApp({
      config: loadConfig(
        sandboxEnv(
          h.fake,
          {
            databasePath: h.databasePath,
            signingSecret: SIGNING_SECRET,
            salesChannel: SALES,
            marketingChannel: MARKETING,
            leader: LEADER,
          },
          { TRUCE_SECRET: SECRET },
        ),
      ),
      store,
      instrument: DEFAULT_INSTRUMENT,
      secret: SECRET,
      logger: recordingLogger(),
      clock: () => now,
      scheduler: timers.scheduler,
      heartbeat: false,
    });
    const port = await second.start();
    cleanups.push(async () => {
      await second.stop();
      await store.close();
    });
    const drivers = [
      h.driver,
      new SlackDriver({
        appUrl: `http://127.0.0.1:${port}/slack/events`,
        signingSecret: SIGNING_SECRET,
        fake: h.fake,
      }),
    ];
    const everybody = [...people("sales", 10), ...people("marketing", 10)];
    const answerWindow = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const user = everybody[i] as string;
        const side = user.startsWith("U0S") ? "sales" : "marketing";
        const channel = side === "sales" ? SALES : MARKETING;
        // Opened through one instance, submitted through the other, alternating.
        const view = await (drivers[i % 2] as SlackDriver).openModalFromMessage(
          user,
          channel,
          invitations[side],
          "open_survey",
        );
        await (drivers[(i + 1) % 2] as SlackDriver).submitView(
          user,
          view.id,
          surveyValues(side, ratingsFor(60), view),
        );
      }
    };
    const settled = () =>
      Promise.all([h.truce.runtime.invitations.settled(), second.runtime.invitations.settled()]);
    // Both clocks move together; each instance's timers run when theirs falls due.
    let windows = 1;
    const nextWindow = async () => {
      h.advance(REFRESH_WINDOW_MS);
      now += REFRESH_WINDOW_MS;
      timers.advance(0);
      windows += 1;
      await settled();
    };
    // Two windows of ten answers each, through both instances; then until nothing is left.
    await answerWindow(0, 10);
    await settled();
    await nextWindow();
    await answerWindow(10, 20);
    await settled();
    while (
      (h.truce.runtime.invitations.waiting > 0 || second.runtime.invitations.waiting > 0) &&
      windows < 10
    )
      await nextWindow();
    expect(participationOf(SALES, invitations.sales)).toBe(
      "Sales n=10 · Marketing n=10 · Everyone n=20",
    );
    expect(participationOf(MARKETING, invitations.marketing)).toBe(
      "Sales n=10 · Marketing n=10 · Everyone n=20",
    );
    // At most one refresh (an update per channel) per window across both instances. Each
    // instance on its own would refresh in every window (twice as many).
    expect(windows).toBeLessThanOrEqual(5);
    expect(updates().length).toBeLessThanOrEqual(2 * windows);
    expect(updates().length % 2).toBe(0);
  });
});
