import { afterEach, describe, expect, it } from "vitest";
import type { StoredView } from "../../sandbox/fake-slack.js";
import type { Harness } from "./harness.js";
import {
  ADMIN,
  answerAll,
  closeRound,
  everyone,
  LEADER,
  launchRound,
  MARKETING,
  people,
  readableText,
  SALES,
  startHarness,
} from "./harness.js";

/**
 * The Home tab is the leader's desk: the open round with Close, Remind, Set up and Export (or
 * Launch), the latest results, the trend and the commitments board; everyone else sees the
 * survey, the summary, their own commitments and their own answers. It follows each change for
 * the people looking at it, and every leader's button is refused on the server to anyone else.
 */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const DAY = 86_400_000;
/** In the harness LEADER leads (TRUCE_LEADERS); ADMIN is an admin who does not. */
const STAFF = ADMIN;
const [SALES_OWNER] = people("sales", 1) as [string];
const [MARKETING_OWNER] = people("marketing", 1) as [string];
const NOT_A_LEADER =
  "Only the survey's leaders can do that: the people chosen in `/alignment setup` (else those in `TRUCE_LEADERS`, else the workspace's admins and owners).";

/** The user's Home tab once its text matches `pattern` (published in the background). */
async function homeOf(user: string, pattern?: RegExp): Promise<StoredView> {
  return h.fake.waitFor(
    () => {
      const home = h.fake.homeViews.get(user);
      if (!home) return undefined;
      return !pattern || pattern.test(readableText(home.view)) ? home : undefined;
    },
    { timeoutMs: 5000 },
  );
}

async function openHome(user: string, pattern?: RegExp): Promise<StoredView> {
  await h.driver.appHomeOpened(user);
  await h.truce.idle();
  return homeOf(user, pattern);
}

const buttons = (view: StoredView) =>
  JSON.stringify(view.view.blocks)
    .match(/"action_id":"[a-z_]+"/g)
    ?.map((m) => m.slice(13, -1)) ?? [];

/** Presses a button on someone's Home and waits for the background work it started. */
async function press(user: string, actionId: string) {
  const home = h.fake.homeViews.get(user) as StoredView;
  const response = await h.driver.clickViewButton(user, home.id, actionId);
  expect(response.status).toBe(200);
  await h.truce.idle();
  return response;
}

/** The modal a press opened for `user`. */
async function modalAfter(user: string, actionId: string): Promise<StoredView> {
  const before = new Set(h.fake.viewsOf(user).map((v) => v.id));
  await press(user, actionId);
  return h.fake.waitFor(() =>
    h.fake.viewsOf(user).find((v) => !before.has(v.id) && v.type === "modal" && v.open),
  );
}

/** A closed round with advice (five a side), and both people looking at Home. */
async function afterAClosedRound() {
  h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
  const invitations = await launchRound(h);
  await answerAll(h, invitations, [...everyone("sales", 5, 40), ...everyone("marketing", 5, 35)]);
  await closeRound(h);
}

describe("the leader's Home", () => {
  it("with no round: Launch (a modal for the length), Set up and Export; launching refreshes both Homes", async () => {
    h = await startHarness();
    const leaderHome = await openHome(LEADER, /No round is open/);
    expect(buttons(leaderHome)).toEqual(
      expect.arrayContaining(["home_launch_round", "open_setup", "home_export"]),
    );
    expect(buttons(leaderHome)).not.toContain("remind_non_respondents");
    const staffHome = await openHome(STAFF);
    expect(buttons(staffHome)).toEqual(["home_my_answers"]);
    expect(readableText(staffHome.view)).toContain("No round has closed yet");

    const modal = await modalAfter(LEADER, "home_launch_round");
    expect(modal.view.callback_id).toBe("home_launch");
    expect(readableText(modal.view)).toContain(
      `Everyone in <#${SALES}> and <#${MARKETING}> is invited`,
    );
    // Out of range: an inline error, nothing launched.
    const bad = await h.driver.submitView(LEADER, modal.id, { launch_days: "0" });
    expect(bad.body).toEqual({
      response_action: "errors",
      errors: { launch_days: "Give a whole number of days from 1 to 60." },
    });
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();

    const ok = await h.driver.submitView(LEADER, modal.id, { launch_days: "3" });
    expect(ok.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(round?.closesAt).toBe(h.now() - (h.now() - (round?.openedAt ?? 0)) + 3 * DAY);
    expect(h.fake.messagesIn(SALES).at(-1)?.text).toContain("survey");
    // The modal says what happened; so does the top of the leader's Home.
    expect(readableText(h.fake.views.get(modal.id)?.view)).toContain("Round launched for 3 days");
    const launched = await homeOf(LEADER, /A round is open/);
    expect(readableText(launched.view)).toContain("Round launched for 3 days");
    expect(readableText(launched.view)).toContain(
      "Sales n=0 (of 10) · Marketing n=0 (of 10) · Everyone n=0",
    );
    expect(readableText(launched.view)).toContain("Response rate: Sales 0% · Marketing 0%");
    expect(buttons(launched)).toEqual(
      expect.arrayContaining([
        "open_survey",
        "remind_non_respondents",
        "home_close_round",
        "open_setup",
        "home_export",
      ]),
    );
    // The staff member looking at Home now sees the survey button, without reopening it.
    const refreshed = await homeOf(STAFF, /A survey round is open/);
    expect(buttons(refreshed)).toEqual(["open_survey", "home_my_answers"]);
    expect(h.fake.errors()).toEqual([]);
  });

  it("Remind non-respondents DMs them as /alignment remind does and says so at the top of Home", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, everyone("sales", 1, 60));
    await openHome(LEADER, /A round is open/);
    await press(LEADER, "remind_non_respondents");
    // Not reminded: the one who answered; later: the leader (04:00 in New York).
    const home = await homeOf(LEADER, /Reminding/);
    expect(readableText(home.view)).toContain(
      ":bell: Reminding 6 people now; 1 more at the start of their working day.",
    );
    await h.truce.idle();
    for (const user of [ADMIN, ...people("sales", 3).slice(1), ...people("marketing", 3)])
      expect(h.fake.dms(user).length, user).toBe(1);
    expect(h.fake.dms(people("sales", 1)[0] as string)).toHaveLength(0);
    // Pressed again the same day: nobody is reminded twice.
    await press(LEADER, "remind_non_respondents");
    expect(readableText((await homeOf(LEADER, /already/)).view)).toContain(
      "Everyone who hasn't answered has been reminded today already",
    );
    expect(h.fake.dms(ADMIN)).toHaveLength(1);
  });

  it("Close asks first with the warnings, then closes; Home then shows the results and Export sends the CSV", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 2 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 80), ...everyone("marketing", 2, 40)]);
    await openHome(LEADER, /A round is open/);
    const confirm = await modalAfter(LEADER, "home_close_round");
    expect(confirm.view.callback_id).toBe("home_close_confirm");
    expect(readableText(confirm.view)).toContain("Answers so far: Sales n=5 · Marketing n=2.");
    expect(readableText(confirm.view)).toContain(
      "Marketing has 2 answers, fewer than 5: its figures will be withheld, and Everyone is shown as a total only.",
    );
    // Closing the modal (Keep it open) changes nothing; submitting closes.
    const closed = await h.driver.submitView(LEADER, confirm.id, {});
    expect(closed.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
    expect(readableText(h.fake.views.get(confirm.id)?.view)).toContain("Round closed.");
    const home = await homeOf(LEADER, /Round closed/);
    expect(readableText(home.view)).toContain("No round is open.");
    expect(readableText(home.view)).toContain("Everyone n=7 · 68.6 · Aligned");
    expect(readableText(home.view)).not.toMatch(/Sales n=5 · \d/);
    expect(buttons(home)).toContain("home_launch_round");

    await press(LEADER, "home_export");
    const file = await h.fake.waitFor(() =>
      h.fake.filesIn(LEADER).find((f) => f.filename.endsWith(".csv")),
    );
    expect(file.bytes?.toString("utf8")).toContain("Everyone,total");
    expect(readableText((await homeOf(LEADER, /sent you the export/)).view)).toContain(
      "I've sent you the export (1 rows from 1 round) in our DM.",
    );
    expect(h.fake.errors()).toEqual([]);
  });

  it("Set up opens the setup modal from Home, and saving it republishes the Homes being looked at", async () => {
    h = await startHarness();
    await openHome(LEADER);
    const staffHome = await openHome(STAFF);
    expect(buttons(staffHome)).not.toContain("home_launch_round");
    const modal = await modalAfter(LEADER, "open_setup");
    expect(modal.view.callback_id).toBe("setup_submit");
    // The leader makes the admin a leader too: the admin's open Home becomes the desk.
    const saved = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      leaders: [LEADER, STAFF],
      market: "shifting",
      min_group: "5",
      round_days: "7",
      digest_day: "1",
      digest_time: "09:00",
    });
    expect(saved.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    const desk = await homeOf(STAFF, /your desk/);
    expect(buttons(desk)).toContain("home_launch_round");
  });
});

describe("results, trend and commitments on Home", () => {
  it("shows the latest results, adopts from Home, and each owner sees and marks their commitment done", async () => {
    await afterAClosedRound();
    const home = await openHome(LEADER, /Latest results/);
    expect(readableText(home.view)).toContain("Sales n=5 · 40.0 · Defined");
    expect(readableText(home.view)).toContain("Marketing n=5 · 35.0 · Undefined");
    expect(buttons(home)).toContain("open_full_report");
    const adopts = buttons(home).filter((id) => id === "adopt_action").length;
    expect(adopts).toBeGreaterThan(0);
    const ownerHome = await openHome(SALES_OWNER);
    expect(buttons(ownerHome)).toEqual(["open_full_report", "home_my_answers"]);

    const modal = await modalAfter(LEADER, "adopt_action");
    expect(modal.view.callback_id).toBe("commitment_submit");
    await h.driver.submitView(LEADER, modal.id, {
      commitment_title: "Write one lead definition together",
      commitment_sales_owner: SALES_OWNER,
      commitment_marketing_owner: MARKETING_OWNER,
      commitment_due: "2026-12-18",
      commitment_note: "",
    });
    await h.truce.idle();
    // Both Homes being looked at follow: the board for the leader, "yours" for the owner.
    const board = await homeOf(LEADER, /Write one lead definition together/);
    // The adopted suggestion is no longer offered; the advice goes on to the next one.
    const [adopted] = await h.store.commitments.list(h.fake.teamId);
    const offered: string[] = [];
    JSON.stringify(board.view, (_key, value: { action_id?: string; value?: string }) => {
      if (value?.action_id === "adopt_action" && typeof value.value === "string")
        offered.push((JSON.parse(value.value) as { actionId: string }).actionId);
      return value;
    });
    expect(offered.length).toBe(adopts);
    expect(offered).not.toContain(adopted?.actionId);
    expect(buttons(board)).toEqual(
      expect.arrayContaining(["commitment_done", "commitment_change"]),
    );
    const mine = await homeOf(SALES_OWNER, /Your joint commitments/);
    expect(readableText(mine.view)).toContain("Write one lead definition together");
    expect(buttons(mine)).toEqual([
      "open_full_report",
      "commitment_done",
      "commitment_change",
      "home_my_answers",
    ]);

    // Someone who neither owns it nor leads forges Mark done from their Home: refused in a modal.
    const [commitment] = await h.store.commitments.list(h.fake.teamId);
    const outsider = people("sales", 3)[2] as string;
    const outsiderHome = await openHome(outsider);
    const before = new Set(h.fake.viewsOf(outsider).map((v) => v.id));
    await h.driver.blockAction(outsider, {
      actionId: "commitment_done",
      value: String(commitment?.id),
      view: outsiderHome,
    });
    await h.truce.idle();
    const refusal = await h.fake.waitFor(() =>
      h.fake.viewsOf(outsider).find((v) => !before.has(v.id) && v.type === "modal"),
    );
    expect(readableText(refusal.view)).toContain(
      "Only its owners and the survey's leaders can mark this commitment done.",
    );
    expect((await h.store.commitments.list(h.fake.teamId))[0]?.doneAt).toBeUndefined();

    // The owner marks it done from Home: theirs and the leader's follow.
    await press(SALES_OWNER, "commitment_done");
    expect((await h.store.commitments.list(h.fake.teamId))[0]?.doneBy).toBe(SALES_OWNER);
    const done = await homeOf(SALES_OWNER, /Done since the last round/);
    expect(buttons(done)).toEqual(["open_full_report", "home_my_answers"]);
    const leaderAfter = await homeOf(LEADER, /Done since the last round/);
    expect(buttons(leaderAfter)).not.toContain("commitment_done");
    expect(h.fake.errors()).toEqual([]);
  });

  it("Compare my answers opens the person's own /alignment me view", async () => {
    await afterAClosedRound();
    const user = people("marketing", 1)[0] as string;
    await openHome(user);
    const modal = await modalAfter(user, "home_my_answers");
    expect(readableText(modal.view)).toContain("Your total: *35* (Undefined)");
    await openHome(STAFF);
    const none = await modalAfter(STAFF, "home_my_answers");
    expect(readableText(none.view)).toContain(
      "You didn't answer the latest closed round, so there is nothing to compare.",
    );
  });

  it("lists the trend across rounds once two have closed", async () => {
    await afterAClosedRound();
    h.advance(DAY);
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(
      () => h.fake.responses.filter((r) => /Round launched/.test(r.text ?? "")).length === 2,
    );
    const sales = h.fake
      .messagesIn(SALES)
      .filter((m) => /open_survey/.test(JSON.stringify(m.blocks)));
    const marketing = h.fake
      .messagesIn(MARKETING)
      .filter((m) => /open_survey/.test(JSON.stringify(m.blocks)));
    const invitations = {
      sales: sales.at(-1)?.ts as string,
      marketing: marketing.at(-1)?.ts as string,
    };
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 55)]);
    await closeRound(h);
    const home = await openHome(LEADER, /Across rounds/);
    const text = readableText(home.view);
    expect(text).toContain(
      "Mon 23 Nov 2026 — Sales 40.0 (Defined) · Marketing 35.0 (Undefined) · Everyone 37.5 (Undefined)",
    );
    expect(text).toContain(
      "Tue 24 Nov 2026 — Sales 60.0 (Aligned) · Marketing 55.0 (Defined) · Everyone 57.5 (Defined)",
    );
  });

  it("a long board stays within Slack's 100 blocks, with a pointer to /alignment actions", async () => {
    await afterAClosedRound();
    for (let i = 0; i < 60; i++)
      await h.store.commitments.create({
        teamId: h.fake.teamId,
        roundId: (await h.store.rounds.latestClosed(h.fake.teamId))?.id as number,
        actionId: `custom-${i}`,
        title: `Commitment number ${i + 1} with a long enough title to fill the line`,
        note: "A note",
        owners: { sales: SALES_OWNER, marketing: MARKETING_OWNER },
        dueDate: "2026-12-18",
        statementIds: [],
        createdBy: LEADER,
        createdAt: h.now(),
      });
    const leaderHome = await openHome(LEADER, /Joint commitments/);
    expect((leaderHome.view.blocks as unknown[]).length).toBeLessThanOrEqual(100);
    expect(readableText(leaderHome.view)).toContain("`/alignment actions` lists every commitment");
    const ownerHome = await openHome(SALES_OWNER, /Your joint commitments/);
    expect((ownerHome.view.blocks as unknown[]).length).toBeLessThanOrEqual(100);
    expect(buttons(ownerHome).filter((id) => id === "commitment_done")).toHaveLength(10);
    expect(readableText(ownerHome.view)).toContain("`/alignment actions` lists every commitment.");
    expect(h.fake.errors()).toEqual([]);
  });
});

describe("keeping Home up to date", () => {
  it("an answer refreshes the Homes being looked at once the throttle window allows", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const invitations = await launchRound(h);
    await openHome(STAFF, /A survey round is open/);
    await openHome(LEADER, /A round is open/);
    const published = () => h.fake.callsTo("views.publish").filter((c) => c.ok).length;
    const before = published();
    await answerAll(h, invitations, everyone("sales", 2, 60));
    // Within the window nothing is republished yet; the two answers wait together.
    expect(published()).toBe(before);
    expect(h.truce.runtime.home.waiting).toBe(2);
    h.advance(10_000);
    await homeOf(LEADER, /Sales n=2 \(of 5\)/);
    await homeOf(STAFF, /Sales n=2 \(of 5\)/);
    expect(published()).toBe(before + 2);
    expect(readableText(h.fake.homeViews.get(LEADER)?.view)).toContain(
      "Response rate: Sales 40% · Marketing 0%",
    );
  });

  it("a round closed at its deadline by the heartbeat republishes the Homes being looked at", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    await launchRound(h, 1);
    // Someone looks at Home a minute before the deadline.
    h.clock.now += DAY - 60_000;
    await openHome(STAFF, /A survey round is open/);
    h.clock.now += 60_000;
    await h.truce.runDueJobs();
    await h.truce.idle();
    const home = await homeOf(STAFF, /The round that closed/);
    expect(buttons(home)).not.toContain("open_survey");
  });

  it("forgets viewers after ten minutes: a change then republishes nobody's Home", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    await openHome(STAFF);
    expect(h.truce.runtime.home.viewers(h.fake.teamId)).toBe(1);
    h.advance(11 * 60_000);
    expect(h.truce.runtime.home.viewers(h.fake.teamId)).toBe(0);
    const published = h.fake.callsTo("views.publish").length;
    await launchRound(h);
    await h.truce.idle();
    expect(h.fake.callsTo("views.publish").length).toBe(published);
  });

  it("stopping the app publishes what is owed at once and leaves no timer waiting", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const invitations = await launchRound(h);
    await openHome(STAFF, /A survey round is open/);
    await answerAll(h, invitations, everyone("marketing", 1, 60));
    expect(h.truce.runtime.home.waiting).toBe(1);
    await h.truce.stop();
    expect(readableText(h.fake.homeViews.get(STAFF)?.view)).toContain("Marketing n=1 (of 5)");
    expect(h.truce.runtime.home.waiting).toBe(0);
  });
});

describe("the digest's Remind button", () => {
  it("is in the leader's digest while a round is open and reminds as Home's does", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    await launchRound(h);
    await h.driver.command(LEADER, SALES, "digest");
    const digest = await h.fake.waitFor(() =>
      h.fake.ephemerals.find((e) => e.user === LEADER && /Weekly/.test(e.text ?? "")),
    );
    expect(JSON.stringify(digest.blocks)).toContain('"action_id":"remind_non_respondents"');
    await h.driver.clickButton(LEADER, SALES, digest.ts, "remind_non_respondents");
    await h.truce.idle();
    const reply = await h.fake.waitFor(() =>
      h.fake.ephemerals.find((e) => e.user === LEADER && /Reminding/.test(e.text ?? "")),
    );
    expect(reply.text).toBe(
      ":bell: Reminding 7 people now; 1 more at the start of their working day.",
    );
    expect(h.fake.dms(ADMIN)).toHaveLength(1);
  });
});

describe("refusals: every leader's button, forged by someone who does not lead", () => {
  it("refuses Remind, Export, Close, Launch and their modals on the server", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    await launchRound(h);
    const staffHome = await openHome(STAFF, /A survey round is open/);
    const round = await h.store.rounds.openFor(h.fake.teamId);
    const forge = async (actionId: string, value: string) => {
      await h.driver.blockAction(STAFF, { actionId, value, view: staffHome });
      await h.truce.idle();
    };

    await forge("remind_non_respondents", String(round?.id));
    expect(readableText((await homeOf(STAFF, /Only the survey's leaders/)).view)).toContain(
      NOT_A_LEADER,
    );
    expect(h.fake.dms(people("sales", 1)[0] as string)).toHaveLength(0);

    await forge("home_export", "export");
    expect(h.fake.filesIn(STAFF)).toHaveLength(0);

    for (const [actionId, title] of [
      ["home_close_round", "Close the round"],
      ["home_launch_round", "Launch a round"],
    ] as const) {
      const before = new Set(h.fake.viewsOf(STAFF).map((v) => v.id));
      await forge(actionId, String(round?.id));
      const notice = await h.fake.waitFor(() =>
        h.fake.viewsOf(STAFF).find((v) => !before.has(v.id) && v.type === "modal"),
      );
      expect(readableText(notice.view.title)).toBe(title);
      expect(readableText(notice.view)).toContain(NOT_A_LEADER);
      expect(notice.view.submit ?? undefined).toBeUndefined();
    }

    // The leader's own confirmation modal, submitted by someone else: refused, still open.
    await openHome(LEADER, /A round is open/);
    const confirm = await modalAfter(LEADER, "home_close_round");
    const forgedClose = await h.driver.submitForgedView(STAFF, confirm, {});
    expect(JSON.stringify(forgedClose.body)).toContain("Only the survey's leaders can do that");
    await h.truce.idle();
    expect((await h.store.rounds.openFor(h.fake.teamId))?.id).toBe(round?.id);

    // The digest's button, forged into someone's own DM: refused there too.
    await h.driver.blockAction(STAFF, {
      actionId: "remind_non_respondents",
      value: String(round?.id),
      channelId: SALES,
    });
    await h.truce.idle();
    const answer = await h.fake.waitFor(() =>
      h.fake.responses.find((r) => r.context.user === STAFF && r.context.channel === SALES),
    );
    expect(answer.text).toBe(NOT_A_LEADER);
    expect(h.fake.dms(people("marketing", 1)[0] as string)).toHaveLength(0);
  });

  it("refuses a forged launch modal", async () => {
    h = await startHarness();
    await openHome(LEADER);
    const modal = await modalAfter(LEADER, "home_launch_round");
    const forged = await h.driver.submitForgedView(STAFF, modal, { launch_days: "5" });
    expect(forged.body).toEqual({
      response_action: "errors",
      errors: { launch_days: NOT_A_LEADER },
    });
    await h.truce.idle();
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
  });
});
