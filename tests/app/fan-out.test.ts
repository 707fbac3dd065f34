import { afterEach, describe, expect, it } from "vitest";
import {
  type Harness,
  LEADER,
  launchRound,
  readableText,
  replyTo,
  SALES,
  startHarness,
} from "./harness.js";

/**
 * 2,000 people (plus the two leaders in both channels) reminded by DM against a sandbox whose
 * workspace-wide chat.postMessage limit answers 429 with Retry-After to bursts; the app is
 * stopped in the middle of the fan-out, once with a DM that reached Slack but was never marked
 * sent, and started again on the same database and the same Slack. Time is the injected clock.
 */
let h: Harness | undefined;
let first: Harness | undefined;
afterEach(async () => {
  await h?.close();
  if (first && first !== h) await first.fake.close();
});

const LIMIT = { burst: 10, perSecond: 1.5 };

describe("the paced DM fan-out", () => {
  it("reaches 2,002 people once each across 429s and a restart mid-fan-out", async () => {
    let stopAt: (() => void) | undefined;
    first = await startHarness({
      salesPeople: 1000,
      marketingPeople: 1000,
      sharedClock: true,
      workspacePostLimit: LIMIT,
      onSleep: () => stopAt?.(),
    });
    h = first;
    const running = first;
    const dmCount = () =>
      running.fake.messages.filter(
        (m) => m.channel.startsWith("D") && /^Reminder/.test(m.text ?? ""),
      ).length;
    await launchRound(running);
    // Half way through: one DM reaches Slack but is not recorded as sent (a crash between the
    // post and the database), then the database goes away and this instance stops sending.
    let phase = 0;
    stopAt = () => {
      const sent = dmCount();
      if (phase === 0 && sent >= 700) {
        phase = 1;
        running.faults.fail("deliveries.complete", "unavailable");
      } else if (phase === 1) {
        phase = 2;
        running.faults.clear();
        running.faults.fail("dms.claimNext", "unavailable");
      }
    };
    await running.driver.command(LEADER, SALES, "remind");
    await running.fake.waitFor(() => /Reminding/.test(replyTo(running, LEADER)) || undefined, {
      timeoutMs: 60_000,
    });
    // The leader lives in New York, where it is 04:00.
    if (!process.env.FANOUT_N)
      expect(replyTo(running, LEADER).split("\n").at(-1)).toBe(
        ":bell: Reminding 2,001 people now; 1 more at the start of their working day.",
      );
    await running.truce.idle();
    const beforeRestart = dmCount();
    expect(beforeRestart).toBeGreaterThanOrEqual(701);
    expect(beforeRestart).toBeLessThan(2002);

    // A new process on the same database and the same Slack.
    await running.truce.stop();
    await running.store.close();
    h = await startHarness({
      fake: running.fake,
      dir: running.dir,
      ownsDir: true,
      sharedClock: true,
      clock: running.clock,
    });
    const second = h;
    second.advance(90_000);
    await second.truce.runDueJobs();
    await second.truce.idle();
    expect(second.logger.lines).toContain("info reminders: 2,001 of 2,002 sent (1 waiting)");
    // 09:00 in New York.
    second.advance(Date.UTC(2026, 10, 23, 14, 0) - second.now());
    await second.truce.runDueJobs();
    await second.truce.idle();

    const perUser = new Map<string, number>();
    for (const m of running.fake.messages) {
      if (!m.channel.startsWith("D") || !/A reminder/.test(readableText(m.blocks))) continue;
      const user = running.fake.channel(m.channel)?.imUser ?? "?";
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
    }
    expect(perUser.size).toBe(2002);
    expect([...perUser.values()].filter((n) => n !== 1)).toEqual([]);
    expect(second.logger.lines).toContain("info reminders: 2,002 of 2,002 sent");
    expect(
      first.logger.lines.some((l) =>
        /^info reminders: 700 of 2,002 sent \(1,302 waiting\)$/.test(l),
      ),
    ).toBe(true);

    // The sandbox answered 429 to bursts, and every retry came after the Retry-After it gave.
    const posts = running.fake.callsTo("chat.postMessage").filter((c) => c.args.channel !== SALES);
    const limited = posts.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThan(100);
    for (const [i, call] of posts.entries()) {
      if (call.status !== 429) continue;
      const next = posts[i + 1];
      if (next) expect(next.at - call.at).toBeGreaterThanOrEqual(1000);
    }
    // Paced: 2,002 DMs under 1.5 a second take at least 1,300 s of (injected) time.
    const sent = posts.filter((c) => c.ok);
    const span = (sent.at(-1)?.at ?? 0) - (sent[0]?.at ?? 0);
    expect(span).toBeGreaterThan(1_300_000);
  }, 240_000);
});
