import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import {
  answerAll,
  everyone,
  LEADER,
  launchRound,
  people,
  readableText,
  replyTo,
  restartHarness,
  SALES,
  startHarness,
} from "./harness.js";

const PARIS_LEADER = "U0LEADPARIS";
let h: Harness;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3600 * 1000;

describe("the leaders' weekly digest", () => {
  it("reaches each leader on Monday 09:00 in their own time zone, once, and never shows open-round scores", async () => {
    // The harness clock starts on Monday 23 November 2026, 09:00 UTC.
    h = await startHarness({ env: { TRUCE_LEADERS: `${LEADER},${PARIS_LEADER}` } });
    h.fake.addUser({ id: PARIS_LEADER, name: "pia", tz: "Europe/Paris" });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 3, 70), ...everyone("marketing", 2, 50)]);

    // 10:00 in Paris (due since 08:00 UTC); 04:00 in New York (not yet).
    expect((await h.truce.runDueJobs()).digests).toBe(1);
    const paris = h.fake.dms(PARIS_LEADER);
    expect(paris).toHaveLength(1);
    const text = readableText(paris[0]?.blocks);
    expect(text).toContain("A round is open");
    expect(text).toContain("Sales n=3 (of 10) · Marketing n=2 (of 10) · Everyone n=5 (of 18)");
    expect(text).toContain("Response rate: Sales 30% · Marketing 20% · Everyone 28%");
    expect(text).not.toMatch(/· (Undefined|Defined|Aligned|Integrated)/);
    expect(h.fake.dms(LEADER)).toEqual([]);

    // 14:05 UTC is 09:05 in New York.
    h.advance(5 * HOUR + 5 * 60 * 1000);
    expect((await h.truce.runDueJobs()).digests).toBe(1);
    expect(h.fake.dms(LEADER)).toHaveLength(1);
    expect((await h.truce.runDueJobs()).digests).toBe(0);
    expect(h.fake.dms(PARIS_LEADER)).toHaveLength(1);

    // A restart does not send this week's digest again.
    h = await restartHarness(h, { env: { TRUCE_LEADERS: `${LEADER},${PARIS_LEADER}` } });
    h.fake.addUser({ id: PARIS_LEADER, name: "pia", tz: "Europe/Paris" });
    h.advance(6 * HOUR);
    expect((await h.truce.runDueJobs()).digests).toBe(0);
  });

  it("catches up on a digest missed while Truce was down, within a day", async () => {
    h = await startHarness({ env: { TRUCE_LEADERS: LEADER } });
    await launchRound(h);
    // New York's 09:00 was at 14:00 UTC; Truce comes back at 13:00 UTC the next day (23 h late).
    h.advance(28 * HOUR);
    expect((await h.truce.runDueJobs()).digests).toBe(1);
    // Two days late is too late: the next one is next Monday.
    h.advance(48 * HOUR);
    expect((await h.truce.runDueJobs()).digests).toBe(0);
  });

  it("/alignment digest previews it for a leader, with the latest results once a round has closed", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 70), ...everyone("marketing", 5, 50)]);
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round closed/.test(r.text ?? "")));
    await h.driver.command(LEADER, SALES, "digest");
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /Weekly alignment digest/.test(r.text ?? "")),
    );
    const preview = replyTo(h, LEADER);
    expect(preview).toContain("No round is open");
    expect(preview).toContain("Sales n=5 · 70.0 · Aligned");
    expect(preview).toContain("Everyone n=10 · 60.0 · Aligned");
    expect(preview).toContain("Joint actions to work on");

    const [user] = people("sales", 1) as [string];
    await h.driver.command(user, SALES, "digest");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === user));
    expect(replyTo(h, user)).toMatch(/Only the survey's leaders/);
    expect(h.fake.errors()).toEqual([]);
  });
});
