import { afterEach, describe, expect, it } from "vitest";
import {
  type Harness,
  LEADER,
  MARKETING,
  readableText,
  replyTo,
  restartHarness,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const DAY = 86_400_000;
const invitationsIn = (channel: string) =>
  h.fake.messagesIn(channel).filter((m) => /How well do Sales and Marketing/.test(m.text ?? ""));

async function command(text: string): Promise<string> {
  const before = h.fake.responses.filter((r) => r.context.user === LEADER).length;
  await h.driver.command(LEADER, SALES, text);
  await h.fake.waitFor(
    () => h.fake.responses.filter((r) => r.context.user === LEADER).length > before,
    { timeoutMs: 10_000 },
  );
  return replyTo(h, LEADER);
}

describe("recurring rounds", () => {
  it("launches on the cadence by itself, once across a restart, shows the next launch, and skips", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    // Monday 23 November 2026 09:00 UTC: the first Monday of December is the 7th.
    const set = await command("schedule monthly");
    expect(set).toContain("Rounds now launch by themselves (monthly, in UTC), each for 7 days.");
    expect(set).toContain("Next round launches 2026-12-07 09:00 UTC");
    expect(await command("status")).toContain("Next round launches");

    h.advance(Date.UTC(2026, 11, 7, 9, 0) - h.now() - 60_000);
    await h.truce.runDueJobs();
    expect(invitationsIn(SALES)).toHaveLength(0);

    // A restart just before the time; the restarted app launches at 09:00, once.
    const at = h.now();
    h = await restartHarness(h, { salesPeople: 3, marketingPeople: 3 });
    h.advance(at + 60_000 - h.now());
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    expect(invitationsIn(SALES)).toHaveLength(1);
    expect(invitationsIn(MARKETING)).toHaveLength(1);
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(round?.closesAt).toBe(Date.UTC(2026, 11, 14, 9, 0));

    // Restarted again mid-round: nothing launches twice.
    const later = h.now();
    h = await restartHarness(h, { salesPeople: 3, marketingPeople: 3 });
    h.advance(later - h.now());
    await h.truce.runDueJobs();
    expect(await h.store.rounds.openFor(h.fake.teamId)).toMatchObject({ id: round?.id });

    // The digest preview and Home show the next launch: the first Monday of January.
    const digest = await command("digest");
    expect(digest).toContain("Next round launches 2027-01-04 09:00 UTC");
    await h.driver.appHomeOpened(LEADER);
    await h.fake.waitFor(() => h.fake.homeViews.get(LEADER));
    expect(readableText(h.fake.homeViews.get(LEADER)?.view)).toContain("Next round launches");

    expect(await command("schedule skip")).toContain("Next round launches 2027-02-01 09:00 UTC");
    expect(await command("schedule off")).toContain("Recurring rounds are off");
    expect(await command("schedule")).toContain("No recurring rounds are set.");
    expect(await command("schedule fortnightly")).toContain("takes `monthly`");
    h.advance(90 * DAY);
    await h.truce.runDueJobs();
    // The round closed at its deadline, and with the schedule off nothing launched since.
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
    expect((await h.store.rounds.latestClosed(h.fake.teamId))?.id).toBe(round?.id);
  });
});
