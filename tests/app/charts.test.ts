import { afterEach, describe, expect, it } from "vitest";
import { PNG_SCALE, pngSize } from "../../src/charts/png.js";
import { CHART_WIDTH, gapChartHeight, TREND_HEIGHT } from "../../src/charts/svg.js";
import type { Harness } from "./harness.js";
import {
  answerAll,
  closeRound,
  LEADER,
  launchRound,
  MARKETING,
  people,
  replyTo,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Sales rate statements 1–10 at 4 and 11–20 at 2; Marketing all 2 but statement 5 at 1. */
const salesRatings = () => Array.from({ length: 20 }, (_, i) => (i < 10 ? "4" : "2"));
const marketingRatings = () => Array.from({ length: 20 }, (_, i) => (i === 4 ? "1" : "2"));

async function runRound(h: Harness, sales = 5, marketing = 5) {
  const ts = await launchRound(h);
  await answerAll(h, ts, [
    ...people("sales", sales).map((user) => ({
      side: "sales" as const,
      user,
      ratings: salesRatings(),
    })),
    ...people("marketing", marketing).map((user) => ({
      side: "marketing" as const,
      user,
      ratings: marketingRatings(),
    })),
  ]);
  await closeRound(h);
  // The next launch and close wait for their own replies.
  h.fake.responses.splice(0);
}

describe("the gap chart", () => {
  it("follows the summary in both channels and the leader's report, as a real PNG with alt text", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await runRound(h);

    for (const where of [SALES, MARKETING, LEADER]) {
      const files = h.fake.filesIn(where);
      expect(files.map((f) => f.title)).toEqual(["How Sales and Marketing rate each statement"]);
      const png = files[0]?.bytes as Buffer;
      expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      // The drawing's size: 1,000 px wide, one 112 px row per statement (20) under the header.
      expect(pngSize(png)).toEqual({
        width: CHART_WIDTH * PNG_SCALE,
        height: gapChartHeight(20) * PNG_SCALE,
      });
      expect(pngSize(png)?.width).toBe(1000);
      expect(files[0]?.filename).toMatch(/^truce-gap-\d{4}-\d{2}-\d{2}\.png$/);
      // Statement 5 is the widest gap (Sales 4.0, Marketing 1.0); then 1–4 and 6–10 (4 v 2).
      expect(files[0]?.altText).toContain(
        "Widest gaps: 5. Useful collateral (Sales 4.0, Marketing 1.0: Sales higher by 3.0); 1. Forecast accuracy (Sales 4.0, Marketing 2.0: Sales higher by 2.0)",
      );
    }
    // The chart comes after its text, in the same conversation.
    const summary = h.fake.messagesIn(SALES).at(-1);
    const chart = h.fake.filesIn(SALES)[0];
    expect(Number(chart?.ts)).toBeGreaterThan(Number(summary?.ts));
    // One round so far: no trend chart.
    expect(h.fake.files.filter((f) => f.filename.startsWith("truce-trend"))).toEqual([]);
    expect(h.fake.errors()).toEqual([]);

    // A heartbeat after the close shares nothing again.
    const shared = h.fake.files.length;
    await h.truce.runDueJobs();
    expect(h.fake.files.length).toBe(shared);
  });

  it("adds the trend chart from the second round on", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await runRound(h);
    h.advance(8 * 24 * 3600 * 1000);
    await runRound(h);
    const titles = h.fake.filesIn(LEADER).map((f) => f.title);
    expect(titles).toEqual([
      "How Sales and Marketing rate each statement",
      "How Sales and Marketing rate each statement",
      "Each side's score, round by round",
    ]);
    const trend = h.fake.filesIn(LEADER).at(-1);
    expect(pngSize(trend?.bytes as Buffer)).toEqual({
      width: CHART_WIDTH * PNG_SCALE,
      height: TREND_HEIGHT * PNG_SCALE,
    });
    expect(trend?.altText).toContain("Sales 60.0 → 60.0, Marketing 39.0 → 39.0");
    expect(h.fake.errors()).toEqual([]);
  });

  it("is not drawn while a side is too small to be shown", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 3 });
    await runRound(h, 5, 3);
    expect(h.fake.messagesIn(SALES).at(-1)?.text).toContain("Everyone n=8");
    expect(h.fake.files).toEqual([]);
    expect(h.fake.callsTo("files.getUploadURLExternal")).toEqual([]);
    const [salesperson] = people("sales", 1) as [string];
    await h.driver.command(salesperson, SALES, "chart");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === salesperson), {
      timeoutMs: 10_000,
    });
    expect(replyTo(h, salesperson)).toContain("There is no chart for this round");
    expect(h.fake.files).toEqual([]);
  });

  it("is sent to anyone's DM on request with /alignment chart", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const [salesperson] = people("sales", 1) as [string];
    await h.driver.command(salesperson, SALES, "chart");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === salesperson), {
      timeoutMs: 10_000,
    });
    expect(replyTo(h, salesperson)).toContain("No round has closed yet");

    await runRound(h);
    await h.driver.command(salesperson, SALES, "chart");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === salesperson), {
      timeoutMs: 10_000,
    });
    expect(replyTo(h, salesperson)).toContain("I've sent you the chart of the round that closed");
    const [file] = h.fake.filesIn(salesperson);
    expect(file?.title).toBe("How Sales and Marketing rate each statement");
    expect(file?.altText).toContain("5. Useful collateral");
    expect(h.fake.errors()).toEqual([]);
  });

  it("leaves the text in place and says why in the log when the upload fails", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const refused = h.fake.failNext("files.upload", { status: 500, times: 100 });
    await runRound(h);
    expect(refused.served).toBe(3); // both channels and the leader's DM
    for (const channel of [SALES, MARKETING]) {
      expect(h.fake.messagesIn(channel).at(-1)?.text).toContain("Sales n=5 · 60.0 · Aligned");
    }
    expect(h.fake.dms(LEADER).at(-1)?.text).toContain("Sales n=5 · 60.0 · Aligned");
    expect(h.fake.filesIn(SALES)).toEqual([]);
    const why = h.logger.lines.filter((line) => line.includes("Could not share the chart"));
    expect(why).toHaveLength(3);
    expect(why[0]).toContain("the file upload was refused (HTTP 500)");
    // Nothing else failed: the round's announcements are complete.
    expect(h.fake.errors().filter((e) => !e.injected)).toEqual([]);
  });

  it("leaves the text in place when the app lacks files:write (an old install)", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const scopes = ["chat:write", "commands", "users:read", "channels:read", "groups:read"];
    h.fake.setScopes([...scopes, "im:write", "channels:join", "channels:history", "im:history"]);
    await runRound(h);
    expect(h.fake.messagesIn(SALES).at(-1)?.text).toContain("Sales n=5 · 60.0 · Aligned");
    expect(h.fake.files).toEqual([]);
    expect(h.logger.lines.some((l) => l.includes("missing_scope"))).toBe(true);
  });
});
