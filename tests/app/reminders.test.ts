import { afterEach, describe, expect, it } from "vitest";
import type { FakeUser } from "../../sandbox/fake-slack.js";
import {
  ADMIN,
  answerAll,
  type Harness,
  LEADER,
  launchRound,
  MARKETING,
  people,
  ratingsFor,
  readableText,
  replyTo,
  SALES,
  startHarness,
  surveyValues,
} from "./harness.js";

let h: Harness;
let invitations: Record<"sales" | "marketing", string>;
afterEach(async () => {
  await h?.close();
});

const HOUR = 3_600_000;
const sales = people("sales", 6);
const marketing = people("marketing", 6);
const BOT = "U0BOTHELP1";

/**
 * Monday 23 November 2026, 09:00 UTC (the harness's start). Who is who:
 * U0S0001 and U0M0001 answer; U0S0002 is on holiday (emoji), U0S0003 out of office (text),
 * U0S0004 deactivated; U0M0002 lives in Tokyo (18:00 there); LEADER in New York (04:00 there);
 * a bot sits in the marketing channel. Everyone else has no time zone: TRUCE_TIMEZONE, UTC.
 */
const users: FakeUser[] = [
  { id: LEADER, name: "lee", tz: "America/New_York" },
  { id: ADMIN, name: "ada", isAdmin: true, tz: "Europe/London" },
  ...sales.map((id) => ({ id })),
  ...marketing.map((id) => ({ id })),
  { id: BOT, name: "helper", isBot: true },
].map((u): FakeUser => {
  if (u.id === "U0S0002") return { ...u, statusEmoji: ":palm_tree:", statusText: "" };
  if (u.id === "U0S0003") return { ...u, statusText: "OOO until Monday" };
  if (u.id === "U0S0004") return { ...u, deleted: true };
  if (u.id === "U0M0002") return { ...u, tz: "Asia/Tokyo" };
  return u;
});
const channels = [
  { id: SALES, name: "sales", members: [LEADER, ADMIN, ...sales] },
  { id: MARKETING, name: "marketing", members: [LEADER, ADMIN, ...marketing, BOT] },
];
const NOW_PEOPLE = [ADMIN, "U0S0005", "U0S0006", "U0M0003", "U0M0004", "U0M0005", "U0M0006"];
const NEVER = ["U0S0001", "U0M0001", "U0S0002", "U0S0003", "U0S0004", BOT];

const reminders = (user: string) =>
  h.fake.dms(user).filter((m) => /A reminder/.test(readableText(m.blocks)));

async function start() {
  h = await startHarness({ users, channels, sharedClock: true });
  invitations = await launchRound(h);
  await answerAll(h, invitations, [
    { side: "sales", user: "U0S0001", ratings: ratingsFor(60) },
    { side: "marketing", user: "U0M0001", ratings: ratingsFor(70) },
  ]);
  await h.truce.idle();
}

async function remind(text = "remind") {
  const before = h.fake.responses.filter((r) => r.context.user === LEADER).length;
  await h.driver.command(LEADER, SALES, text);
  await h.fake.waitFor(
    () => h.fake.responses.filter((r) => r.context.user === LEADER).length > before,
    { timeoutMs: 10_000 },
  );
  await h.truce.idle();
  // The reply's section (the fallback text above it is the same words without formatting).
  return replyTo(h, LEADER).split("\n").at(-1);
}

describe("reminders by DM", () => {
  it("/alignment remind DMs only non-respondents at work now, and says what it did in counts", async () => {
    await start();
    const reply = await remind();
    expect(reply).toBe(
      ":bell: Reminding 7 people now; 2 more at the start of their working day; 2 are away.",
    );
    for (const user of NOW_PEOPLE) expect(reminders(user), user).toHaveLength(1);
    for (const user of [...NEVER, LEADER, "U0M0002"]) expect(reminders(user), user).toHaveLength(0);
    // Nobody's name, id or mention is in the reply.
    expect(reply).not.toMatch(/<@|U0[SM]0/);
    // Each DM has the survey button and the opt-out, and a text fallback.
    const dm = reminders("U0M0004")[0];
    const buttons = JSON.stringify(dm?.blocks);
    expect(buttons).toContain('"action_id":"open_survey"');
    expect(buttons).toContain('"action_id":"reminder_opt_out"');
    expect(dm?.text).toMatch(/^Reminder: the Sales & Marketing alignment survey closes/);
    expect(h.fake.warnings).toEqual([]);
    expect(h.fake.errors()).toEqual([]);

    // Again the same day: nobody twice.
    expect(await remind()).toBe(
      "Everyone who hasn't answered has been reminded today already (2 are away); you can remind them again tomorrow.",
    );
    for (const user of NOW_PEOPLE) expect(reminders(user), user).toHaveLength(1);

    // 09:00 in New York is 14:00 UTC; 09:00 in Tokyo is 00:00 UTC the next day.
    h.advance(5 * HOUR);
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders(LEADER)).toHaveLength(1);
    expect(reminders("U0M0002")).toHaveLength(0);
    h.advance(10 * HOUR);
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders("U0M0002")).toHaveLength(1);
    // Delivered from 09:00 Tokyo time (the injected clock; a few paced seconds later), not earlier.
    const tokyo = Date.UTC(2026, 10, 24, 0, 0);
    expect(reminders("U0M0002")[0]?.postedAt).toBeGreaterThanOrEqual(tokyo);
    expect(reminders("U0M0002")[0]?.postedAt).toBeLessThan(tokyo + 60_000);
    expect(h.logger.lines).toContain("info reminders: 9 of 9 sent");
    // Nobody's id reaches the log.
    expect(h.logger.lines.filter((l) => /U0[SM]0|U0LEAD|U0ADMIN/.test(l))).toEqual([]);
  });

  it("the survey button in a DM opens the survey; an answer after queuing stops the reminder", async () => {
    await start();
    await remind();
    const dm = reminders("U0S0005")[0];
    if (!dm) throw new Error("no DM");
    const view = await h.driver.openModalFromMessage("U0S0005", dm.channel, dm.ts, "open_survey");
    const saved = await h.driver.submitView(
      "U0S0005",
      view.id,
      surveyValues("sales", ratingsFor(50), view),
    );
    expect(saved.ackMs).toBeLessThan(3000);
    expect(await h.store.responses.counts(1)).toEqual({ sales: 2, marketing: 1 });
    // U0M0002 (Tokyo) answers before their reminder's time: it is never sent.
    await answerAll(h, invitations, [
      { side: "marketing", user: "U0M0002", ratings: ratingsFor(40) },
    ]);
    h.advance(15 * HOUR);
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders("U0M0002")).toHaveLength(0);
    // LEADER's reminder was due at 09:00 in New York; at 19:00 there it waits for the morning.
    expect(reminders(LEADER)).toHaveLength(0);
    h.advance(14 * HOUR);
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders(LEADER)).toHaveLength(1);
  });

  it("'Don't remind me this round' is kept for the next slot; the midpoint reminds the rest in working hours", async () => {
    await start();
    await remind();
    const dm = reminders("U0M0003")[0];
    if (!dm) throw new Error("no DM");
    await h.driver.clickButton("U0M0003", dm.channel, dm.ts, "reminder_opt_out");
    await h.fake.waitFor(() =>
      h.fake.dms("U0M0003").find((m) => /no more reminders/.test(m.text ?? "")),
    );
    // The midpoint of the 7-day round is Thursday 26 November 21:00 UTC: after hours in UTC.
    h.advance(Date.UTC(2026, 10, 26, 21, 0) - h.now());
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders("U0M0004")).toHaveLength(1);
    // Friday 09:00 UTC.
    h.advance(12 * HOUR);
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders("U0M0004")).toHaveLength(2);
    const friday = Date.UTC(2026, 10, 27, 9, 0);
    expect(reminders("U0M0004")[1]?.postedAt).toBeGreaterThanOrEqual(friday);
    expect(reminders("U0M0004")[1]?.postedAt).toBeLessThan(friday + 60_000);
    expect(
      h.fake.dms("U0M0003").filter((m) => /A reminder/.test(readableText(m.blocks))),
    ).toHaveLength(0); // the first was replaced by the confirmation, and no second came
    for (const user of NEVER) expect(reminders(user), user).toHaveLength(0);
    // The heartbeat planned the slot once, however often it runs.
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(reminders("U0M0004")).toHaveLength(2);
  });

  it("/alignment remind channel still posts in both channels", async () => {
    await start();
    const reply = await remind("remind channel");
    expect(reply).toBe(`:bell: Reminder posted in <#${SALES}> and <#${MARKETING}>.`);
    for (const user of NOW_PEOPLE) expect(reminders(user)).toHaveLength(0);
  });
});

describe("personal invitations (TRUCE_INVITE)", () => {
  const invitationDms = (user: string) =>
    h.fake.dms(user).filter((m) => /You're invited/.test(readableText(m.blocks)));

  it("with dm, a launch invites each member by DM (paced, in working hours) and posts nothing in the channels", async () => {
    h = await startHarness({ users, channels, sharedClock: true, env: { TRUCE_INVITE: "dm" } });
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(
      () =>
        h.fake.responses.find((r) => r.context.user === LEADER && /launched/.test(r.text ?? "")),
      { timeoutMs: 10_000 },
    );
    await h.truce.idle();
    expect(replyTo(h, LEADER).split("\n").at(-1)).toMatch(
      /^:rocket: Round launched for 7 days \(closes .*\)\. Inviting 9 people by DM now; 2 more at the start of their working day; 2 away, not invited by DM\.$/,
    );
    expect(h.fake.messagesIn(SALES)).toEqual([]);
    expect(h.fake.messagesIn(MARKETING)).toEqual([]);
    for (const user of [...NOW_PEOPLE, "U0S0001", "U0M0001"])
      expect(invitationDms(user), user).toHaveLength(1);
    for (const user of ["U0S0002", "U0S0003", "U0S0004", BOT, LEADER, "U0M0002"])
      expect(invitationDms(user), user).toHaveLength(0);
    // The DM's button opens the survey; the heartbeat does not post channel invitations.
    const dm = invitationDms("U0S0005")[0];
    if (!dm) throw new Error("no DM");
    const view = await h.driver.openModalFromMessage("U0S0005", dm.channel, dm.ts, "open_survey");
    await h.driver.submitView("U0S0005", view.id, surveyValues("sales", ratingsFor(50), view));
    await h.truce.runDueJobs();
    await h.truce.idle();
    expect(h.fake.messagesIn(SALES)).toEqual([]);
    expect(await h.store.responses.counts(1)).toEqual({ sales: 1, marketing: 0 });
  });

  it("with both, the channels get their invitation too", async () => {
    h = await startHarness({ users, channels, sharedClock: true, env: { TRUCE_INVITE: "both" } });
    await launchRound(h);
    await h.truce.idle();
    expect(replyTo(h, LEADER)).toMatch(/Invitations posted in .* Inviting 9 people by DM now/);
    expect(invitationDms("U0M0004")).toHaveLength(1);
  });
});

describe("honest denominators", () => {
  it("a launch counts people: bots and deactivated accounts are neither invited nor counted", async () => {
    await start();
    const before = h.fake.responses.filter((r) => r.context.user === "U0M0005").length;
    await h.driver.command("U0M0005", MARKETING, "status");
    await h.fake.waitFor(
      () => h.fake.responses.filter((r) => r.context.user === "U0M0005").length > before,
    );
    // Sales: 2 leaders + 6, one deactivated → 7. Marketing: 2 leaders + 6 + a bot → 8.
    // The two leaders are in both channels: 13 people, not 15 memberships.
    expect(replyTo(h, "U0M0005")).toContain(
      "Sales n=1 (of 7) · Marketing n=1 (of 8) · Everyone n=2 (of 13)",
    );
    expect((await h.store.rounds.get(1))?.invited).toEqual({ sales: 7, marketing: 8, people: 13 });
    expect(await h.store.members.counts(1)).toEqual({ sales: 7, marketing: 8 });
  });
});
