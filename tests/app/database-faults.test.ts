import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import {
  answerAll,
  everyone,
  LEADER,
  launchRound,
  MARKETING,
  people,
  replyTo,
  restartHarness,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const healthz = async (harness: Harness) => {
  const response = await fetch(harness.driver.appUrl.replace("/slack/events", "/healthz"));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const leaderReplies = (harness: Harness) =>
  harness.fake.responses.filter((r) => r.context.user === LEADER && r.ok).map((r) => r.text ?? "");

describe("when the database refuses a change", () => {
  for (const [reason, words] of [
    ["full", "database is full (no space left on the disk)"],
    ["read-only", "database is read-only"],
    ["busy", "database is busy (another process holds a lock)"],
  ] as const) {
    it(`/alignment close says the round is still open (${reason})`, async () => {
      h = await startHarness();
      await launchRound(h);
      h.faults.fail("rounds.close", reason);
      await h.driver.command(LEADER, SALES, "close now");
      const reply = await h.fake.waitFor(() =>
        leaderReplies(h).find((text) => /couldn't close/.test(text)),
      );
      expect(reply).toContain(`I couldn't close the round: the ${words}`);
      expect(reply).toContain("The round is still open");
      expect(leaderReplies(h).some((text) => /Round closed/.test(text))).toBe(false);
      h.faults.clear();
      expect((await h.store.rounds.openFor(h.fake.teamId))?.closedAt).toBeUndefined();
      // Nothing was announced for a round that did not close.
      expect(h.fake.messagesIn(SALES)).toHaveLength(1);
    });
  }

  it("answers /healthz with 503 while the database takes no writes, 200 once it does", async () => {
    h = await startHarness();
    const other = new Database(h.databasePath);
    other.exec("BEGIN IMMEDIATE");
    const locked = await healthz(h);
    expect(locked.status).toBe(503);
    expect(locked.body).toMatchObject({ ok: false, database: "not writable" });
    expect(String(locked.body.problem)).toContain("busy");
    other.exec("ROLLBACK");
    other.close();
    expect(await healthz(h)).toEqual({ status: 200, body: { ok: true, database: "writable" } });
    h.faults.failWrites("full");
    expect((await healthz(h)).status).toBe(503);
  });
});

describe("waiting on another process's lock", () => {
  it("keeps answering everyone else while a close waits, then closes", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 40)]);
    await h.truce.idle();
    const other = new Database(h.databasePath);
    other.exec("BEGIN IMMEDIATE"); // another process holds the write lock
    const closing = h.driver.command(LEADER, SALES, "close now");
    // While the close waits for the lock, someone else's command is answered.
    const asker = people("marketing", 1)[0] as string;
    await h.driver.command(asker, MARKETING, "status");
    expect(replyTo(h, asker)).toContain("Sales n=5");
    expect(leaderReplies(h).some((text) => /closed/i.test(text))).toBe(false);
    other.exec("COMMIT");
    other.close();
    await closing;
    const reply = await h.fake.waitFor(() => leaderReplies(h).find((t) => /closed/i.test(t)));
    expect(reply).toContain("Round closed");
    expect((await h.store.rounds.latestClosed(h.fake.teamId))?.closedAt).toBe(h.now());
  });
});

describe("redeliveries", () => {
  it("handles an event once, even when Slack redelivers it after a restart", async () => {
    h = await startHarness();
    await launchRound(h);
    const user = people("marketing", 1)[0] as string;
    const joined = {
      type: "member_joined_channel",
      user,
      channel: MARKETING,
      channel_type: "C",
      team: h.fake.teamId,
    };
    await h.driver.event(joined, { eventId: "Ev0REDELIVER" });
    await h.fake.waitFor(() => h.fake.ephemeralsFor(user, MARKETING)[0]);
    h = await restartHarness(h);
    h.fake.addMember(MARKETING, h.fake.botUserId); // the new sandbox has not seen the bot join
    await h.driver.event(joined, { eventId: "Ev0REDELIVER", retryNum: 1, retryReason: "timeout" });
    await h.driver.event(joined, { eventId: "Ev0SOMETHINGNEW" });
    await h.fake.waitFor(() => h.fake.ephemeralsFor(user, MARKETING)[0]);
    await h.truce.idle();
    expect(h.fake.ephemeralsFor(user, MARKETING)).toHaveLength(1);
  });
});
