import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import {
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
 * From advice to done work: a leader adopts a suggested action, naming an owner on each side
 * and a due day; the owners are told and followed up; either of them (or a leader) marks it
 * done; nobody else can, whatever payload they send.
 */

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const DAY = 86_400_000;
const [SALES_OWNER, OTHER_SALES] = people("sales", 2) as [string, string];
const [MARKETING_OWNER] = people("marketing", 1) as [string];

/** A closed round with advice: five a side, both at Undefined. */
async function closedRound() {
  h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
  const invitations = await launchRound(h);
  await answerAll(h, invitations, [...everyone("sales", 5, 40), ...everyone("marketing", 5, 35)]);
  await closeRound(h);
}

/** `/alignment actions` as `user`: the ephemeral board, as the fake recorded it. */
async function board(user: string) {
  await h.driver.command(user, SALES, "actions");
  const reply = await h.fake.waitFor(() =>
    h.fake.ephemerals
      .filter((e) => e.user === user && /Joint commitments/.test(e.text ?? ""))
      .at(-1),
  );
  return reply;
}

const buttonsIn = (blocks: unknown) =>
  JSON.stringify(blocks)
    .match(/"action_id":"[a-z_]+"/g)
    ?.map((m) => m.slice(13, -1)) ?? [];

/** The action ids behind a message's Adopt buttons, in order. */
function adoptable(blocks: unknown): string[] {
  const found: string[] = [];
  JSON.stringify(blocks, (_key, value: { action_id?: string; value?: string }) => {
    if (value?.action_id === "adopt_action" && typeof value.value === "string")
      found.push((JSON.parse(value.value) as { actionId: string }).actionId);
    return value;
  });
  return found;
}

/** Adopts the board's first suggestion, or the one with `actionId`. */
async function adopt(values: Record<string, string | null>, actionId?: string) {
  const shown = await board(LEADER);
  const view = await h.driver.openModalFromMessage(LEADER, SALES, shown.ts, "adopt_action", {
    where: (value) =>
      actionId === undefined || value?.includes(`"actionId":"${actionId}"`) === true,
  });
  expect(JSON.stringify(view.view.title)).toContain("Adopt an action");
  return {
    view,
    result: await h.driver.submitView(LEADER, view.id, values, { allowEmptyRequired: true }),
  };
}

const complete = {
  commitment_title: "Write one lead definition together",
  commitment_sales_owner: SALES_OWNER,
  commitment_marketing_owner: MARKETING_OWNER,
  commitment_due: "2026-12-18",
  commitment_note: "Start from last quarter's lost deals",
};

describe("adopting a suggested action", () => {
  it("leaders see Adopt on each suggestion; the modal checks its fields; the owners are told", async () => {
    await closedRound();
    const shown = await board(LEADER);
    expect(buttonsIn(shown.blocks).filter((id) => id === "adopt_action").length).toBeGreaterThan(0);
    expect(readableText(shown.blocks)).toContain("No open commitments.");

    // Nothing chosen, a past day: inline errors, nothing stored.
    const { result: bad } = await adopt({
      commitment_title: "Shared lead definition",
      commitment_sales_owner: null,
      commitment_marketing_owner: null,
      commitment_due: "2026-11-01",
      commitment_note: "",
    });
    expect(bad.body).toEqual({
      response_action: "errors",
      errors: {
        commitment_sales_owner: "Choose who owns this on the sales side.",
        commitment_marketing_owner: "Choose who owns this on the marketing side.",
        commitment_due: "Choose today or a later day.",
      },
    });
    expect(await h.store.commitments.list(h.fake.teamId)).toEqual([]);

    const { result } = await adopt(complete);
    expect(result.body).toMatchObject({ response_action: "update" });
    expect(readableText(result.outcome.view?.view)).toContain("Write one lead definition together");
    await h.truce.idle();
    const [saved] = await h.store.commitments.list(h.fake.teamId);
    expect(saved).toMatchObject({
      title: "Write one lead definition together",
      owners: { sales: SALES_OWNER, marketing: MARKETING_OWNER },
      dueDate: "2026-12-18",
      createdBy: LEADER,
      note: "Start from last quarter's lost deals",
    });
    expect(saved?.statementIds.length).toBeGreaterThan(0);

    for (const owner of [SALES_OWNER, MARKETING_OWNER]) {
      const dms = h.fake.dms(owner);
      expect(dms).toHaveLength(1);
      expect(dms[0]?.text).toContain("New commitment: Write one lead definition together");
      expect(buttonsIn(dms[0]?.blocks)).toEqual(["commitment_done", "commitment_change"]);
    }

    // The board lists it; the adopted suggestion is no longer offered, and the advice goes on
    // to the next one instead.
    const after = await board(LEADER);
    expect(readableText(after.blocks)).toContain("Write one lead definition together");
    expect(readableText(after.blocks)).toContain(`Sales: <@${SALES_OWNER}>`);
    const [first, ...others] = adoptable(shown.blocks);
    expect(others.length).toBeGreaterThan(0);
    expect(adoptable(after.blocks)).toEqual(expect.arrayContaining(others));
    expect(adoptable(after.blocks)).not.toContain(first);
    expect(adoptable(after.blocks)).toHaveLength(adoptable(shown.blocks).length);

    // The earlier board's Adopt on the same suggestion says it is adopted; nothing doubles.
    const again = await h.driver.openModalFromMessage(LEADER, SALES, shown.ts, "adopt_action");
    expect(readableText(again.view.blocks)).toBe(
      "That suggestion is already adopted as *Write one lead definition together* (due Fri 18 Dec 2026). `/alignment actions` has the board.",
    );
    expect(await h.store.commitments.list(h.fake.teamId)).toHaveLength(1);
    expect(h.fake.errors()).toEqual([]);
  });

  it("the leader's report DM offers Adopt on each suggested action", async () => {
    await closedRound();
    const dm = h.fake.dms(LEADER).find((m) => buttonsIn(m.blocks).includes("adopt_action"));
    expect(dm).toBeDefined();
    expect(buttonsIn(dm?.blocks).filter((id) => id === "adopt_action").length).toBeGreaterThan(0);
    const view = await h.driver.openModalFromMessage(
      LEADER,
      h.fake.dmChannel(LEADER) as string,
      dm?.ts as string,
      "adopt_action",
    );
    expect(view.view.callback_id).toBe("commitment_submit");
    const result = await h.driver.submitView(LEADER, view.id, complete);
    expect(result.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    expect(await h.store.commitments.list(h.fake.teamId)).toHaveLength(1);
  });

  it("someone who does not lead sees no Adopt button, and a crafted Adopt is refused", async () => {
    await closedRound();
    const shown = await board(OTHER_SALES);
    expect(buttonsIn(shown.blocks)).not.toContain("adopt_action");
    expect(readableText(shown.blocks)).toContain("A survey leader can adopt a suggestion");

    const round = await h.store.rounds.latestClosed(h.fake.teamId);
    const leaderBoard = await board(LEADER);
    const value = JSON.stringify(leaderBoard.blocks)
      .match(/"value":"(\{[^}]*\})"/)?.[1]
      ?.replace(/\\"/g, '"');
    expect(value).toBeDefined();
    await h.driver.blockAction(OTHER_SALES, {
      actionId: "adopt_action",
      value: value as string,
      channelId: SALES,
    });
    const refusal = await h.fake.waitFor(() =>
      h.fake.viewsOf(OTHER_SALES).find((v) => /Adopt an action/.test(JSON.stringify(v.view.title))),
    );
    expect(readableText(refusal.view)).toContain("Only the survey's leaders can adopt an action.");

    // A crafted submission of the leader's modal by someone else is refused on the server.
    await h.driver.blockAction(LEADER, {
      actionId: "adopt_action",
      value: value as string,
      channelId: SALES,
    });
    const modal = await h.fake.waitFor(() =>
      h.fake.viewsOf(LEADER).find((v) => v.view.callback_id === "commitment_submit"),
    );
    const forged = await h.driver.submitForgedView(OTHER_SALES, modal, complete);
    expect(forged.body).toEqual({
      response_action: "errors",
      errors: { commitment_title: "Only the survey's leaders can adopt an action." },
    });
    expect(await h.store.commitments.list(h.fake.teamId)).toEqual([]);

    // A stale or made-up action id is not adopted either.
    await h.driver.blockAction(LEADER, {
      actionId: "adopt_action",
      value: JSON.stringify({ roundId: (round?.id as number) + 1, actionId: "stay" }),
      channelId: SALES,
    });
    const stale = await h.fake.waitFor(() =>
      h.fake.viewsOf(LEADER).find((v) => /earlier round/.test(readableText(v.view))),
    );
    expect(readableText(stale.view)).toContain("That suggestion is from an earlier round.");
  });
});

describe("following a commitment through", () => {
  it("owners are reminded a week before and on the day, once each; an owner marks it done; others are refused", async () => {
    await closedRound();
    const { result } = await adopt({ ...complete, commitment_due: "2026-12-10" });
    expect(result.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    const [c] = await h.store.commitments.list(h.fake.teamId);
    const followUps = (owner: string) =>
      h.fake.dms(owner).filter((m) => /^Reminder:/.test(m.text ?? ""));

    // 23 November: nothing due yet.
    await h.truce.runDueJobs();
    expect(followUps(SALES_OWNER)).toEqual([]);

    // 3 December, a week before: each owner once, however many ticks.
    h.advance(10 * DAY);
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    for (const owner of [SALES_OWNER, MARKETING_OWNER]) {
      expect(followUps(owner).map((m) => m.text)).toEqual([
        "Reminder: Write one lead definition together is due in a week (Thu 10 Dec 2026)",
      ]);
    }
    // 10 December, the day.
    h.advance(7 * DAY);
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    expect(followUps(MARKETING_OWNER).map((m) => m.text)).toEqual([
      "Reminder: Write one lead definition together is due in a week (Thu 10 Dec 2026)",
      "Reminder: Write one lead definition together is due today",
    ]);

    // Someone else presses Mark done on the owner's DM (a crafted payload): refused.
    const dm = h.fake.dms(SALES_OWNER)[0];
    const dmChannel = h.fake.dmChannel(SALES_OWNER) as string;
    await h.driver.blockAction(OTHER_SALES, {
      actionId: "commitment_done",
      value: String(c?.id),
      channelId: dmChannel,
      messageTs: dm?.ts as string,
    });
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) =>
        /Only its owners and the survey's leaders can mark/.test(r.text ?? ""),
      ),
    );
    expect((await h.store.commitments.get(h.fake.teamId, c?.id as number))?.doneAt).toBeUndefined();

    // The owner does: the DM becomes the record, and the board says so.
    await h.driver.clickButton(SALES_OWNER, dmChannel, dm?.ts as string, "commitment_done");
    await h.fake.waitFor(
      () => /^Done:/.test(h.fake.message(dmChannel, dm?.ts as string)?.text ?? "") || undefined,
    );
    const done = await h.store.commitments.get(h.fake.teamId, c?.id as number);
    expect(done).toMatchObject({ doneBy: SALES_OWNER, doneAt: h.now() });
    expect(h.fake.message(dmChannel, dm?.ts as string)?.text).toBe(
      "Done: Write one lead definition together",
    );
    const shown = await board(LEADER);
    expect(readableText(shown.blocks)).toContain("Done since the last round");
    expect(readableText(shown.blocks)).toContain("No open commitments.");

    // Done: no more follow-ups.
    h.advance(DAY);
    await h.truce.runDueJobs();
    expect(followUps(MARKETING_OWNER)).toHaveLength(2);

    // The digest of Monday 14 December (09:00 in the leader's New York) lists it as done.
    h.advance(3 * DAY + 5 * 3_600_000);
    await h.truce.runDueJobs();
    const digest = h.fake
      .dms(LEADER)
      .filter((m) => /Weekly alignment digest/.test(m.text ?? ""))
      .at(-1);
    expect(digest?.text).toContain("Commitments: 0 overdue, 0 open, 1 done since the last digest");
    expect(readableText(digest?.blocks)).toContain(
      "Write one lead definition together :white_check_mark:",
    );
    expect(h.fake.errors()).toEqual([]);
  });

  it("each owner is followed up in their own working hours; a Saturday due day comes on Monday", async () => {
    await closedRound();
    for (const [id, tz] of [
      [SALES_OWNER, "America/New_York"],
      [MARKETING_OWNER, "Asia/Tokyo"],
    ] as const)
      h.fake.addUser({ ...(h.fake.user(id) as { id: string; name: string }), tz });
    // Due Saturday 12 December.
    await adopt({ ...complete, commitment_due: "2026-12-12" });
    await h.truce.idle();
    const followUps = (owner: string) =>
      h.fake
        .dms(owner)
        .filter((m) => /^Reminder:/.test(m.text ?? ""))
        .map((m) => m.text);

    // Saturday 5 December, 09:00 UTC: a week before, but the weekend for both owners.
    h.advance(12 * DAY);
    await h.truce.runDueJobs();
    expect([followUps(SALES_OWNER), followUps(MARKETING_OWNER)]).toEqual([[], []]);
    // Monday 7 December 00:00 UTC: 09:00 in Tokyo, Sunday 19:00 in New York.
    h.advance(DAY + 15 * 3_600_000);
    await h.truce.runDueJobs();
    const inFiveDays =
      "Reminder: Write one lead definition together is due in 5 days (Sat 12 Dec 2026)";
    expect([followUps(SALES_OWNER), followUps(MARKETING_OWNER)]).toEqual([[], [inFiveDays]]);
    // 14:00 UTC: 09:00 in New York.
    h.advance(14 * 3_600_000);
    await h.truce.runDueJobs();
    await h.truce.runDueJobs();
    expect([followUps(SALES_OWNER), followUps(MARKETING_OWNER)]).toEqual([
      [inFiveDays],
      [inFiveDays],
    ]);

    // Saturday 12 December, the due day: nobody works; Monday 14 December, each at 09:00 there.
    h.advance(5 * DAY);
    await h.truce.runDueJobs();
    expect(followUps(MARKETING_OWNER)).toHaveLength(1);
    h.advance(DAY + 10 * 3_600_000); // Monday 00:00 UTC: 09:00 in Tokyo
    await h.truce.runDueJobs();
    const wasDue = "Reminder: Write one lead definition together was due Sat 12 Dec 2026";
    expect(followUps(MARKETING_OWNER)).toEqual([inFiveDays, wasDue]);
    expect(followUps(SALES_OWNER)).toEqual([inFiveDays]);
    h.advance(14 * 3_600_000); // 09:00 in New York
    await h.truce.runDueJobs();
    expect(followUps(SALES_OWNER)).toEqual([inFiveDays, wasDue]);
    expect(h.fake.errors()).toEqual([]);
  });

  it("the next round's report says what was done since, and how its statements moved", async () => {
    await closedRound();
    await adopt(complete);
    // Marketing still rates this one low next round: without the commitment it is suggested again.
    await adopt(
      { ...complete, commitment_title: "Joint pipeline review", commitment_due: "2027-01-15" },
      "statement:rise-or-fall-together",
    );
    await h.truce.idle();
    const adopted = await h.store.commitments.list(h.fake.teamId);
    const c = adopted.find((a) => a.title === complete.commitment_title);
    const open = adopted.find((a) => a.title === "Joint pipeline review");
    const dmChannel = h.fake.dmChannel(SALES_OWNER) as string;
    await h.driver.clickButton(
      SALES_OWNER,
      dmChannel,
      h.fake.dms(SALES_OWNER)[0]?.ts as string,
      "commitment_done",
    );
    await h.fake.waitFor(
      async () =>
        (await h.store.commitments.get(h.fake.teamId, c?.id as number))?.doneAt !== undefined ||
        undefined,
    );
    // The same people answer again, every statement a point higher on Sales' side.
    h.advance(DAY);
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(
      () =>
        h.fake.responses.filter((r) => /Round launched/.test(r.text ?? "")).length === 2 ||
        undefined,
    );
    const invitationIn = (channel: string) =>
      h.fake
        .messagesIn(channel)
        .filter((m) => JSON.stringify(m.blocks ?? []).includes("open_survey"))
        .at(-1)?.ts as string;
    const invitations = { sales: invitationIn(SALES), marketing: invitationIn(MARKETING) };
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 5, 35)]);
    await h.driver.command(LEADER, SALES, "close now");
    const dm = await h.fake.waitFor(
      () =>
        h.fake
          .dms(LEADER)
          .find((m) => /Alignment results \(round closed 2026-11-24/.test(m.text ?? "")),
      { timeoutMs: 10_000 },
    );
    const text = readableText(dm?.blocks);
    expect(text).toContain("Since the last round");
    const line = text.split("\n").find((l) => l.includes("Write one lead definition together"));
    expect(line).toMatch(
      /— done Mon 23 Nov 2026 — .+: Sales 2\.0 → 3\.0, Marketing \d\.\d → \d\.\d/,
    );
    // The advice does not offer again what is in hand, and says what was done.
    expect(text).toContain(
      "Already in hand, so not suggested again: *Joint pipeline review* (due Fri 15 Jan 2027). Done since the last round: *Write one lead definition together*.",
    );
    expect(open?.actionId).toBe("statement:rise-or-fall-together");
    expect(adoptable(dm?.blocks)).not.toContain(open?.actionId);
    expect(adoptable(dm?.blocks).length).toBeGreaterThan(0);
  });

  it("the weekly digest lists open and overdue commitments", async () => {
    await closedRound();
    await adopt({ ...complete, commitment_due: "2026-11-27" });
    await adopt({
      ...complete,
      commitment_title: "Joint pipeline review",
      commitment_due: "2027-01-15",
    });
    await h.truce.idle();
    // Monday 30 November, 09:00 in the leader's New York: the first is overdue.
    h.advance(7 * DAY + 5 * 3_600_000);
    await h.truce.runDueJobs();
    const digest = h.fake
      .dms(LEADER)
      .filter((m) => /Weekly alignment digest/.test(m.text ?? ""))
      .at(-1);
    expect(digest?.text).toContain("Commitments: 1 overdue, 1 open, 0 done since the last digest");
    const text = readableText(digest?.blocks);
    expect(text).toContain("Commitments in progress* (1 overdue)");
    expect(text.indexOf("Write one lead definition together")).toBeLessThan(
      text.indexOf("Joint pipeline review"),
    );
    expect(text).toMatch(
      /Write one lead definition together \(.*due Fri 27 Nov 2026\) — \*overdue\*/,
    );
  });

  it("an owner changes the due day and the other owner; both new owners are told", async () => {
    await closedRound();
    await adopt(complete);
    await h.truce.idle();
    const dm = h.fake.dms(MARKETING_OWNER)[0];
    const dmChannel = h.fake.dmChannel(MARKETING_OWNER) as string;
    const view = await h.driver.openModalFromMessage(
      MARKETING_OWNER,
      dmChannel,
      dm?.ts as string,
      "commitment_change",
    );
    expect(JSON.stringify(view.view.title)).toContain("Change commitment");
    const result = await h.driver.submitView(MARKETING_OWNER, view.id, {
      ...complete,
      commitment_sales_owner: OTHER_SALES,
      commitment_due: "2027-01-08",
    });
    expect(result.body).toMatchObject({ response_action: "update" });
    await h.truce.idle();
    const [c] = await h.store.commitments.list(h.fake.teamId);
    expect(c).toMatchObject({
      owners: { sales: OTHER_SALES, marketing: MARKETING_OWNER },
      dueDate: "2027-01-08",
    });
    expect(h.fake.dms(OTHER_SALES).map((m) => m.text)).toEqual([
      "Commitment changed: Write one lead definition together — due Fri 8 Jan 2027",
    ]);
    expect(h.fake.dms(MARKETING_OWNER).map((m) => m.text)).toEqual([
      "New commitment: Write one lead definition together — due Fri 18 Dec 2026",
      "Commitment changed: Write one lead definition together — due Fri 8 Jan 2027",
    ]);

    // Someone who is neither owner nor leader cannot open the Change modal.
    await h.driver.blockAction(SALES_OWNER, {
      actionId: "commitment_change",
      value: String(c?.id),
      channelId: SALES,
    });
    const refusal = await h.fake.waitFor(() =>
      h.fake
        .viewsOf(SALES_OWNER)
        .find((v) => /Change commitment/.test(JSON.stringify(v.view.title))),
    );
    expect(readableText(refusal.view)).toContain(
      "Only its owners and the survey's leaders can change",
    );
  });
});
