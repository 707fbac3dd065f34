import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Instrument } from "../../src/survey/instrument.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import type { Harness } from "./harness.js";
import {
  ADMIN,
  answerAll,
  checkpoint,
  closeRound,
  LEADER,
  launchRound,
  MARKETING,
  people,
  ratingsFor,
  readableText,
  restartHarness,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/**
 * Everything Truce said anywhere, as people read it: channel posts and DMs (with their earlier
 * versions), ephemerals, replies, Home tabs and modals. Only text, never timestamps or ids: a
 * message ts such as 1795424480.012345 contains "80.0".
 */
function everythingSaid(h: Harness): string {
  return readableText(
    h.fake.messages,
    h.fake.ephemerals,
    h.fake.responses,
    [...h.fake.views.values()],
    [...h.fake.homeViews.values()],
  );
}

/** Sales rate statements 1–10 at 4 and 11–20 at 2 (total 60); marketing rate them all 3 … with one statement apart. */
const salesRatings = () => Array.from({ length: 20 }, (_, i) => (i < 10 ? "4" : "2"));
const marketingRatings = () => Array.from({ length: 20 }, (_, i) => (i === 4 ? "1" : "2"));

describe("when a round closes", () => {
  it("posts the summary to both channels and DMs each leader the full report", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const ts = await launchRound(h);
    await answerAll(h, ts, [
      ...people("sales", 5).map((user) => ({
        side: "sales" as const,
        user,
        ratings: salesRatings(),
      })),
      ...people("marketing", 5).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: marketingRatings(),
      })),
    ]);
    await closeRound(h);

    // Sales: 5 × 60 → 60.0 Aligned. Marketing: 1 + 19×2 = 39 each → 39.0 Undefined. Everyone 49.5 Defined.
    for (const channel of [SALES, MARKETING]) {
      const summary = h.fake.messagesIn(channel).at(-1);
      const text = readableText(summary?.blocks);
      expect(summary?.text).toContain("Sales n=5 · 60.0 · Aligned");
      expect(text).toContain("Marketing n=5 · 39.0 · Undefined");
      expect(text).toContain("Everyone n=10 · 49.5 · Defined");
      expect(text).toContain("Sales sees Aligned, Marketing sees Undefined");
      expect(text).toContain("Sales rates the relationship 21.0 points higher than Marketing");
      // Statement 5: Sales 4.0, Marketing 1.0 → the widest gap, +3.0, tested (5 v 5) and
      // significant: all 4s against all 1s, p = 0.0026998, two significant digits.
      // Channel posts speak plainly: who rates it higher, "clearly different", no p-value.
      expect(text).toContain(
        "*5. Useful collateral* — Sales 4.0 · Marketing 1.0: Sales rates it 3.0 higher · *clearly different*",
      );
      expect(text).not.toMatch(/p [=<] 0|Mann|Whitney|significant/);
      expect(text).toContain("*Levels* (mean score, 20–100)");
      expect(text).toContain("*Seen most differently* (ratings on the 1–5 scale)");
      expect(text).toContain("Suggested joint actions");
    }
    await h.driver.command(LEADER, SALES, "export");
    const exported = (
      await h.fake.waitFor(() => h.fake.filesIn(LEADER).find((f) => f.filename.endsWith(".csv")), {
        timeoutMs: 10_000,
      })
    ).bytes?.toString("utf8");
    expect(exported).toContain(",Sales,total,,Total score,20-100,5,60,0,,,,,\n");
    expect(exported).toContain(",Marketing,5,useful-collateral,Useful collateral,1-5,5,1,0,,,,,\n");

    // The leader's DM is short; the tables are behind its "Full report" button.
    const dm = h.fake.dms(LEADER).at(-1);
    const dmText = readableText(dm?.blocks);
    expect(dmText).toContain("Sales rates it 3.0 higher · *clearly different*");
    expect(dmText).not.toContain("Every statement");
    // About two screens: the results, then a line per suggested action (each with Adopt).
    expect(dm?.blocks).toHaveLength(11);
    const full = await h.driver.openModalFromMessage(
      LEADER,
      h.fake.dmChannel(LEADER) as string,
      dm?.ts as string,
      "open_full_report",
    );
    const fullText = readableText(full.view.blocks);
    expect(fullText).toContain("Every statement");
    expect(fullText).toContain("Truce's own addition");
    expect(fullText).toContain(
      // All 4s against all 1s: exact mid-p 2 · ½ · 1/252 = 0.0040; no spread, so the interval
      // is the gap itself.
      "*5. Useful collateral* — Sales 4.0 · Marketing 1.0: Sales rates it 3.0 higher · 95 % CI +3.0 to +3.0 · significant (p = 0.0040)",
    );
    expect(h.fake.dms(ADMIN)).toEqual([]); // TRUCE_LEADERS names only LEADER
    expect(h.fake.errors()).toEqual([]);
    expect(h.fake.warnings).toEqual([]);

    // Closing again (a restart, the heartbeat) posts nothing twice.
    const posted = h.fake.messages.length;
    await h.truce.runDueJobs();
    expect(h.fake.messages.length).toBe(posted);
  });

  it("closes a round at its deadline on the next heartbeat", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const ts = await launchRound(h);
    await answerAll(h, ts, [
      ...people("sales", 3).map((user) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(70),
      })),
      ...people("marketing", 3).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(50),
      })),
    ]);
    expect((await h.truce.runDueJobs()).closed).toEqual([]);
    h.advance(7 * 24 * 3600 * 1000);
    expect((await h.truce.runDueJobs()).closed).toHaveLength(1);
    await h.truce.idle();
    expect(h.fake.messagesIn(SALES).at(-1)?.text).toContain("Everyone n=6 · 60.0 · Aligned");
  });
});

describe("the trend", () => {
  /** One round: the first `sales` and `marketing` people of each side answer with the totals. */
  const round = async (
    sides: { sales: number; marketing: number },
    salesTotal: number,
    marketingTotal: number,
  ) => {
    const ts = await launchRound(h);
    await answerAll(h, ts, [
      ...people("sales", sides.sales).map((user) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(salesTotal),
      })),
      ...people("marketing", sides.marketing).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(marketingTotal),
      })),
    ]);
    await closeRound(h);
    h.fake.responses.splice(0);
  };
  const withheldNote =
    "The change since the previous round is not shown for Sales, Marketing and Everyone";

  it("compares a round with the previous closed round answered by the same people", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await round({ sales: 5, marketing: 5 }, 50, 40);
    await round({ sales: 5, marketing: 5 }, 66, 60);
    await h.driver.command(ADMIN, SALES, "report");
    const report = readableText(h.fake.responses.at(-1)?.blocks);
    // Sales 50.0 → 66.0 (+16.0), Defined → Aligned; Marketing 40.0 → 60.0; Everyone 45.0 → 63.0.
    expect(report).toContain("Since the previous round");
    expect(report).toContain("Sales: 50.0 → 66.0 (+16.0) · Defined → Aligned");
    expect(report).toContain("Marketing: 40.0 → 60.0 (+20.0) · Defined → Aligned");
    expect(report).toContain("Everyone: 45.0 → 63.0 (+18.0) · Defined → Aligned");
    expect(report).not.toContain(withheldNote);
  });

  it("shows no change across a change of TRUCE_SECRET: the same people would look like strangers", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await round({ sales: 5, marketing: 5 }, 50, 40);
    h = await restartHarness(h, {
      salesPeople: 5,
      marketingPeople: 5,
      secret: "another-secret-0123456789",
    });
    await round({ sales: 5, marketing: 5 }, 66, 60);
    await h.driver.command(ADMIN, SALES, "report");
    const report = readableText(h.fake.responses.at(-1)?.blocks);
    expect(report).not.toContain("Since the previous round");
    expect(report).toContain(withheldNote);
  });

  it("shows no change when one newcomer joins: it would give away the newcomer's answers", async () => {
    h = await startHarness({ salesPeople: 6, marketingPeople: 5 });
    await round({ sales: 5, marketing: 5 }, 50, 40);
    // The same ten answer as before, and a sixth salesperson joins: Sales' trend would show
    // 50.0 → 50.0 with n 5 → 6, so the newcomer's total is 6 × 50 − 5 × 50 = 50.
    await round({ sales: 6, marketing: 5 }, 50, 40);
    await h.driver.command(ADMIN, SALES, "report");
    const report = readableText(h.fake.responses.at(-1)?.blocks);
    expect(report).not.toContain("Since the previous round");
    expect(report).toContain(withheldNote);
  });
});

describe("anonymity", () => {
  it("5 sales + 2 marketing answers: no per-side figure in any message, report or DM", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 2 });
    const ts = await launchRound(h);
    await answerAll(h, ts, [
      ...people("sales", 5).map((user) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(80),
      })),
      ...people("marketing", 2).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(30),
      })),
    ]);
    await closeRound(h);
    await h.driver.command(ADMIN, SALES, "report");
    await h.driver.command(LEADER, SALES, "export");
    const exported = (
      await h.fake.waitFor(() => h.fake.filesIn(LEADER).find((f) => f.filename.endsWith(".csv")), {
        timeoutMs: 10_000,
      })
    ).bytes?.toString("utf8");
    await h.driver.command(people("sales", 1)[0] as string, SALES, "me");
    await h.driver.appHomeOpened(ADMIN);
    await h.fake.waitFor(() => h.fake.homeViews.get(ADMIN));

    const said = everythingSaid(h);
    // Everyone: (5×80 + 2×30) / 7 = 460 / 7 = 65.71… → 65.7 Aligned.
    expect(said).toContain("Everyone n=7 · 65.7 · Aligned");
    expect(said).toContain("Sales n=5"); // participation counts are fine…
    expect(said).not.toMatch(/Sales n=\d+ · \d/); // …scores are not
    expect(said).not.toMatch(/Marketing n=\d+ · \d/);
    expect(said).not.toContain("80.0");
    expect(said).not.toContain("30.0");
    expect(said).not.toContain("How differently the two sides see it");
    // The export has Everyone's total and nothing else: no side, no statement.
    expect(exported?.trimEnd().split("\n").slice(1)).toEqual([
      "2026-11-23,2026-11-23,Everyone,total,,Total score,20-100,7,65.7,24,,,,,",
    ]);
    expect(said).toContain(
      "Per-side figures are withheld: each side needs at least 5 respondents (Sales n=5, Marketing n=2). Everyone is shown as its total only, without per-statement figures.",
    );
  });

  it("shows no score while the round is open, only participation", async () => {
    h = await startHarness({ salesPeople: 4, marketingPeople: 4 });
    const ts = await launchRound(h);
    await answerAll(h, ts, [
      ...people("sales", 4).map((user) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(72),
      })),
      ...people("marketing", 4).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(44),
      })),
    ]);
    await h.driver.command(ADMIN, SALES, "report");
    await h.driver.command(ADMIN, SALES, "status");
    await h.driver.command(ADMIN, SALES, "actions");
    await h.driver.appHomeOpened(ADMIN);
    await h.fake.waitFor(() => h.fake.homeViews.get(ADMIN));
    const said = everythingSaid(h);
    // Each channel has 6 members: 4 people, the leader and the admin.
    expect(said).toContain("Sales n=4 (of 6) · Marketing n=4 (of 6) · Everyone n=8");
    expect(said).not.toMatch(/· (Undefined|Defined|Aligned|Integrated)/);
    // Sales 72.0, Marketing 44.0, Everyone 58.0: none of them may show yet.
    for (const mean of ["72.0", "44.0", "58.0"]) expect(said).not.toContain(mean);
  });

  it("keeps no respondent's user id in the database file, and logs no answers", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const ts = await launchRound(h);
    const respondents = [...people("sales", 3), ...people("marketing", 3)];
    await answerAll(
      h,
      ts,
      respondents.map((user, i) => ({
        side: i < 3 ? ("sales" as const) : ("marketing" as const),
        user,
        ratings: ratingsFor(41 + i),
      })),
    );
    await closeRound(h);
    await h.driver.command(respondents[0] as string, SALES, "me");
    checkpoint(h.databasePath);
    const bytes = readFileSync(h.databasePath).toString("latin1");
    expect(bytes).toContain("ratings"); // the file really is the database
    for (const user of [...respondents, LEADER]) expect(bytes).not.toContain(user);
    const logs = h.logger.lines.join("\n");
    for (const user of respondents) expect(logs).not.toContain(user);
    expect(logs).not.toMatch(/"ratings"|statement_1/);
  });
});

describe("/alignment me", () => {
  it("shows a respondent their own ratings beside each side's means, privately", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const ts = await launchRound(h);
    const [me] = people("sales", 1) as [string];
    await answerAll(h, ts, [
      ...people("sales", 5).map((user, i) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(i === 0 ? 100 : 40),
      })),
      ...people("marketing", 5).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(60),
      })),
    ]);
    await closeRound(h);
    const reply = await h.driver.command(me, SALES, "me");
    const body = reply.body as { response_type: string; blocks: unknown[] };
    expect(body.response_type).toBe("ephemeral");
    const text = readableText(body.blocks);
    expect(text).toContain("Your total: *100* (Integrated)");
    // Statement 1: me 5; Sales (5 + 4 × 2) / 5 = 2.6; Marketing 3.0; Everyone (13 + 15) / 10 = 2.8.
    expect(text).toContain("1. Forecast accuracy — *5* / 2.6 / 3.0 / 2.8");
    const other = await h.driver.command(people("marketing", 1)[0] as string, MARKETING, "me");
    expect(readableText(other.body)).not.toContain("*100*");
  });
});

describe("Block Kit limits with long wording", () => {
  it("every payload passes Slack's limits with 2,000-character statements and many gaps", async () => {
    const long: Instrument = {
      ...DEFAULT_INSTRUMENT,
      statements: DEFAULT_INSTRUMENT.statements.map((_, i) => ({
        id: `custom-${i}`,
        theme: `${"Theme ".repeat(12)}${i}`.slice(0, 75),
        text: `${i + 1} ${"word ".repeat(400)}`.slice(0, 2000 - 5),
      })),
      scaleLabels: [
        "Not at all true of us, in any way",
        "Mostly untrue",
        "Partly",
        "Mostly true",
        "Entirely true of us, every day",
      ],
    };
    h = await startHarness({ salesPeople: 5, marketingPeople: 5, instrument: long });
    const ts = await launchRound(h);
    // Every statement disputed: sales 5s, marketing 1s → 20 gaps of 4.0.
    await answerAll(h, ts, [
      ...people("sales", 5).map((user) => ({
        side: "sales" as const,
        user,
        ratings: ratingsFor(100),
      })),
      ...people("marketing", 5).map((user) => ({
        side: "marketing" as const,
        user,
        ratings: ratingsFor(20),
      })),
    ]);
    await closeRound(h);
    await h.driver.command(ADMIN, SALES, "report");
    await h.driver.command(ADMIN, SALES, "actions");
    await h.driver.command(people("sales", 1)[0] as string, SALES, "me");
    await h.driver.appHomeOpened(ADMIN);
    await h.fake.waitFor(() => h.fake.homeViews.get(ADMIN));
    expect(h.fake.errors()).toEqual([]);
    expect(h.fake.warnings).toEqual([]);
    expect(h.fake.dms(LEADER)).toHaveLength(1);
  });
});
