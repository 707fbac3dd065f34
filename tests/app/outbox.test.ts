import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import {
  answerAll,
  everyone,
  LEADER,
  launchRound,
  MARKETING,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const summaries = (channel: string) =>
  h.fake.messagesIn(channel).filter((m) => /Everyone n=10/.test(m.text ?? ""));

describe("the outbox", () => {
  it("a message that reached Slack before the process could mark it done is not posted again", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 60)]);
    await h.truce.idle();
    // Every post reaches Slack, but marking it done fails: what a crash right after posting leaves.
    h.faults.fail("deliveries.complete", "full");
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => r.context.user === LEADER && /closed/i.test(r.text ?? "")),
    );
    expect(summaries(SALES)).toHaveLength(1);
    expect(summaries(MARKETING)).toHaveLength(1);
    h.faults.clear();
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    // The resumed deliveries found their tagged messages: nothing twice.
    expect(summaries(SALES)).toHaveLength(1);
    expect(summaries(MARKETING)).toHaveLength(1);
    expect(h.fake.dms(LEADER).filter((m) => /Everyone n=10/.test(m.text ?? ""))).toHaveLength(1);
    expect(h.fake.callsTo("conversations.history").length).toBeGreaterThan(0);
    expect(h.logger.lines.filter((l) => /had gone out before a restart/.test(l))).toHaveLength(3);
    expect(
      h.fake.messagesWithMetadata(SALES, "truce_delivery").map((m) => m.metadata?.event_payload),
    ).toHaveLength(2); // the invitation and the summary, each tagged with its own digest
  });

  it("posts again when the app may not read the channel's history (at least once, never lost)", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 60)]);
    await h.truce.idle();
    // The first try and the client's three retries all fail.
    h.fake.failNext("chat.postMessage", {
      status: 503,
      times: 4,
      when: (a) => a.channel === SALES,
    });
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(
      () => h.fake.responses.find((r) => r.context.user === LEADER && /closed/i.test(r.text ?? "")),
      { timeoutMs: 15_000 },
    );
    expect(summaries(SALES)).toHaveLength(0);
    h.fake.failNext("conversations.history", { error: "missing_scope" });
    await h.truce.runDueJobs();
    expect(summaries(SALES)).toHaveLength(1);
    expect(summaries(MARKETING)).toHaveLength(1);
  });
});
