import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import { answerAll, closeRound, everyone, launchRound, startHarness } from "./harness.js";

const DAY = 86_400_000;
let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function roundThenUninstall(env: Record<string, string>) {
  h = await startHarness({ salesPeople: 5, marketingPeople: 5, env });
  const invitations = await launchRound(h);
  await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 60)]);
  await closeRound(h);
  const round = await h.store.rounds.latestClosed(h.fake.teamId);
  await h.driver.event({ type: "app_uninstalled" });
  await h.fake.waitFor(() =>
    h.logger.lines.find((l) => /uninstalled or its tokens revoked/.test(l)),
  );
  return round?.id as number;
}

describe("after Truce is uninstalled", () => {
  it("stops scheduled work at once, and deletes the survey data after TRUCE_RETENTION_DAYS", async () => {
    const roundId = await roundThenUninstall({ TRUCE_RETENTION_DAYS: "30" });
    expect(await h.store.settings.get(h.fake.teamId, "active")).toBe("false");
    h.advance(29 * DAY);
    await h.truce.runDueJobs();
    expect((await h.store.responses.counts(roundId)).sales).toBe(5);
    h.advance(DAY);
    await h.truce.runDueJobs();
    expect(await h.store.rounds.get(roundId)).toBeUndefined();
    expect(await h.store.responses.answers(roundId)).toEqual([]);
    expect(await h.store.settings.get(h.fake.teamId, "removed_at")).toBeUndefined();
    expect(
      h.logger.lines.some((l) => /Deleted every survey answer.*removed 30 days ago/.test(l)),
    ).toBe(true);
  });

  it("with TRUCE_RETENTION_DAYS=0 deletes it at once", async () => {
    const roundId = await roundThenUninstall({ TRUCE_RETENTION_DAYS: "0" });
    await h.fake.waitFor(() => h.logger.lines.find((l) => /Deleted every survey answer/.test(l)));
    expect(await h.store.rounds.get(roundId)).toBeUndefined();
  });
});
