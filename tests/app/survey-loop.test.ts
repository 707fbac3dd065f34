import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import {
  ADMIN,
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
afterEach(async () => {
  await h?.close();
});

async function answer(
  h: Harness,
  user: string,
  channel: string,
  ts: string,
  side: "sales" | "marketing",
  total: number,
) {
  const view = await h.driver.openModalFromMessage(user, channel, ts, "open_survey");
  const result = await h.driver.submitView(
    user,
    view.id,
    surveyValues(side, ratingsFor(total), view),
  );
  expect(result.ackMs).toBeLessThan(3000);
  return { view, result };
}

describe("one complete round in Slack", () => {
  it("launch → 10 people answer → close → report with exact figures", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    expect(replyTo(h, LEADER)).toMatch(/Round launched for 7 days/);
    expect(JSON.stringify(h.fake.message(SALES, invitations.sales)?.blocks)).toContain(
      "Ending the War Between Sales and Marketing",
    );

    // Someone in one survey channel is not asked their side: it is known from the channel.
    // Five a side: the smallest sides the default minimum group (5) shows.
    const sales = people("sales", 5);
    const marketing = people("marketing", 5);
    const first = await h.driver.openModalFromMessage(
      sales[0] as string,
      SALES,
      invitations.sales,
      "open_survey",
    );
    const blocks = first.view.blocks as Array<{ block_id?: string; type: string }>;
    expect(blocks.find((b) => b.block_id === "side")).toBeUndefined();
    expect(JSON.stringify(blocks)).toContain("You're answering for *Sales*");
    const inputs = (
      first.view.blocks as Array<{
        type: string;
        element?: { options?: Array<{ value: string; text: { text: string } }> };
      }>
    ).filter((b) => b.type === "input" && b.element?.options?.length === 5);
    expect(inputs).toHaveLength(20);
    expect(inputs[0]?.element?.options?.map((o) => o.value)).toEqual(["1", "2", "3", "4", "5"]);
    expect(inputs[0]?.element?.options?.map((o) => o.text.text)).toEqual([
      "1 · Strongly disagree",
      "2 · Disagree",
      "3 · Neither",
      "4 · Agree",
      "5 · Strongly agree",
    ]);
    await h.driver.viewClosed(sales[0] as string, first.id);

    for (const user of sales) await answer(h, user, SALES, invitations.sales, "sales", 60);
    const marketingTotals = [40, 50, 50, 60, 50];
    for (const [i, user] of marketing.entries()) {
      await answer(
        h,
        user,
        MARKETING,
        invitations.marketing,
        "marketing",
        marketingTotals[i] as number,
      );
    }

    // The invitations' participation line follows the answers.
    await h.truce.idle();
    expect(JSON.stringify(h.fake.message(SALES, invitations.sales)?.blocks)).toContain(
      "Responses: Sales n=5 · Marketing n=5 · Everyone n=10",
    );

    // While open: participation only, never scores.
    await h.driver.command(ADMIN, SALES, "status");
    // Both channels have 10 members (8 people, the leader and the admin).
    expect(replyTo(h, ADMIN)).toContain(
      "Sales n=5 (of 10) · Marketing n=5 (of 10) · Everyone n=10",
    );
    await h.driver.command(ADMIN, SALES, "report");
    expect(replyTo(h, ADMIN)).not.toMatch(/· (Undefined|Defined|Aligned|Integrated)/);

    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round closed/.test(r.text ?? "")));
    await h.truce.idle();

    await h.driver.command(ADMIN, SALES, "report");
    const report = replyTo(h, ADMIN);
    expect(report).toContain("Sales n=5 · 60.0 · Aligned");
    expect(report).toContain("Marketing n=5 · 50.0 · Defined");
    expect(report).toContain("Everyone n=10 · 55.0 · Defined");

    // Bare /alignment is the same report.
    await h.driver.command(ADMIN, MARKETING, "");
    expect(replyTo(h, ADMIN)).toContain("Everyone n=10 · 55.0 · Defined");

    // The invitations lost their button at close: no dead buttons.
    const closedInvitation = h.fake.message(SALES, invitations.sales);
    expect(JSON.stringify(closedInvitation?.blocks)).not.toContain("open_survey");
    expect(readableText(closedInvitation?.blocks)).toContain("closed");

    expect(h.fake.errors()).toEqual([]);
    expect(h.fake.warnings).toEqual([]);
  });

  it("pre-fills an earlier answer, says it is an update, and replaces it", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("sales", 1) as [string];
    await answer(h, user, SALES, invitations.sales, "sales", 40);
    const again = await h.driver.openModalFromMessage(
      user,
      SALES,
      invitations.sales,
      "open_survey",
    );
    expect(JSON.stringify(again.view.blocks)).toContain("You already answered this round");
    const statement = (
      again.view.blocks as Array<{
        block_id: string;
        element: { initial_option?: { value: string } };
      }>
    ).find((b) => b.block_id === "statement_1");
    expect(statement?.element.initial_option?.value).toBe("2");
    const result = await h.driver.submitView(
      user,
      again.id,
      surveyValues("sales", ratingsFor(80), again),
    );
    expect(JSON.stringify(result.outcome.view?.view.blocks)).toContain("Your answers are updated");
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 1, marketing: 0 });
    expect(
      (await h.store.responses.answers(round?.id as number))[0]?.ratings.reduce((a, b) => a + b, 0),
    ).toBe(80);
  });

  it("handles a redelivered submission once: an old copy does not overwrite a newer answer", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("sales", 1) as [string];
    const { result: first } = await answer(h, user, SALES, invitations.sales, "sales", 40);
    await answer(h, user, SALES, invitations.sales, "sales", 80);
    // The first submission's exact bytes again, as a retrying proxy would send them.
    const copy = await h.driver.send(
      new URLSearchParams({ payload: JSON.stringify(first.payload) }).toString(),
      "application/x-www-form-urlencoded",
    );
    expect(copy.status).toBe(200);
    expect(JSON.stringify(copy.body)).toContain("Your answers are saved");
    const round = await h.store.rounds.openFor(h.fake.teamId);
    const answers = await h.store.responses.answers(round?.id as number);
    expect(answers.map((a) => a.ratings.reduce((x, y) => x + y, 0))).toEqual([80]);
    // One request log for every kind of request: the copy is in it under its trigger.
    expect(
      await h.store.requests.firstSeen(h.fake.teamId, `trigger:${first.triggerId}`, Date.now()),
    ).toBe(false);
  });

  it("refuses an answer when the round closes while it is on its way, and saves nothing", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("sales", 1) as [string];
    const view = await h.driver.openModalFromMessage(user, SALES, invitations.sales, "open_survey");
    const round = await h.store.rounds.openFor(h.fake.teamId);
    // The close lands after the submission has read the round (open) and before its save.
    const responses = h.truce.runtime.store.responses;
    const save = responses.save.bind(responses);
    responses.save = async (input) => {
      await h.store.rounds.close(round?.id as number, h.now());
      return save(input);
    };
    const result = await h.driver.submitView(
      user,
      view.id,
      surveyValues("sales", ratingsFor(40), view),
    );
    expect(JSON.stringify(result.outcome.view?.view.blocks)).toMatch(/closed/i);
    expect(JSON.stringify(result.outcome.view?.view.blocks)).not.toContain(
      "Your answers are saved",
    );
    expect(await h.store.responses.respondentKeys(round?.id as number)).toEqual([]);
  });

  it("answers an incomplete submission with inline errors and saves nothing", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("marketing", 1) as [string];
    const view = await h.driver.openModalFromMessage(
      user,
      MARKETING,
      invitations.marketing,
      "open_survey",
    );
    const values = surveyValues("marketing", ratingsFor(60), view);
    delete values.statement_7;
    delete values.statement_20;
    const result = await h.driver.submitView(user, view.id, values, { allowEmptyRequired: true });
    expect(result.body).toEqual({
      response_action: "errors",
      errors: {
        statement_7: "Please choose an answer from Strongly disagree to Strongly agree.",
        statement_20: "Please choose an answer from Strongly disagree to Strongly agree.",
      },
    });
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 0, marketing: 0 });
  });

  it("a closed round's button says the round is closed instead of opening the survey", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("sales", 1) as [string];
    const stale = await h.driver.openModalFromMessage(
      user,
      SALES,
      invitations.sales,
      "open_survey",
    );
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round closed/.test(r.text ?? "")));
    // A modal opened before the close cannot sneak an answer in afterwards.
    const late = await h.driver.submitView(
      user,
      stale.id,
      surveyValues("sales", ratingsFor(60), stale),
    );
    expect(JSON.stringify(late.outcome.view?.view)).toContain("no longer takes answers");
    // The button on an old copy of the invitation (before it was updated) opens the closed notice.
    await h.driver.blockAction(user, {
      actionId: "open_survey",
      value: String((await h.store.rounds.latestClosed(h.fake.teamId))?.id),
      channelId: SALES,
      messageTs: invitations.sales,
    });
    const notice = await h.fake.waitFor(() =>
      h.fake
        .viewsOf(user)
        .find((v) => v.view.title && JSON.stringify(v.view.title).includes("Survey closed")),
    );
    expect(JSON.stringify(notice.view.blocks)).toContain("closed on");
  });
});

describe("the Home tab", () => {
  it("lets people answer an open round from Home; someone in both channels chooses a side", async () => {
    h = await startHarness();
    await launchRound(h);
    const user = ADMIN; // a member of both channels
    await h.driver.appHomeOpened(user);
    const home = await h.fake.waitFor(() => h.fake.homeViews.get(user));
    expect(JSON.stringify(home.view.blocks)).toContain("A survey round is open");
    const before = new Set(h.fake.viewsOf(user).map((v) => v.id));
    await h.driver.clickViewButton(user, home.id, "open_survey");
    const modal = await h.fake.waitFor(() =>
      h.fake.viewsOf(user).find((v) => !before.has(v.id) && v.type === "modal"),
    );
    const side = (
      modal.view.blocks as Array<{ block_id?: string; element?: { initial_option?: unknown } }>
    ).find((b) => b.block_id === "side");
    expect(side?.element?.initial_option).toBeUndefined();
    expect(
      (
        modal.view.blocks as Array<{
          block_id?: string;
          element?: { options?: { value: string }[] };
        }>
      )
        .find((b) => b.block_id === "side")
        ?.element?.options?.map((o) => o.value),
    ).toEqual(["sales", "marketing"]);
    await h.driver.submitView(user, modal.id, surveyValues("marketing", ratingsFor(55), modal));
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 0, marketing: 1 });
    expect(h.fake.errors()).toEqual([]);
  });
});

describe("/alignment remind channel", () => {
  it("posts a reminder with a working button in both channels, once a day", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    await answer(h, people("sales", 1)[0] as string, SALES, invitations.sales, "sales", 60);
    await h.driver.command(LEADER, SALES, "remind channel");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Reminder posted/.test(r.text ?? "")));
    for (const channel of [SALES, MARKETING]) {
      const reminder = h.fake.messagesIn(channel).at(-1);
      expect(reminder?.text).toContain("Reminder: the Sales & Marketing survey closes");
      expect(JSON.stringify(reminder?.blocks)).toContain(
        "Responses so far: Sales n=1 · Marketing n=0 · Everyone n=1",
      );
    }
    // Its button opens the survey like the invitation's.
    const reminder = h.fake.messagesIn(MARKETING).at(-1);
    const view = await h.driver.openModalFromMessage(
      people("marketing", 1)[0] as string,
      MARKETING,
      reminder?.ts as string,
      "open_survey",
    );
    expect(view.view.callback_id).toBe("survey_submit");

    await h.driver.command(LEADER, SALES, "remind channel");
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /already reminded today/.test(r.text ?? "")),
    );
    expect(h.fake.messagesIn(SALES)).toHaveLength(2);
    h.advance(24 * 3600 * 1000);
    await h.driver.command(LEADER, SALES, "remind channel");
    await h.fake.waitFor(() => h.fake.messagesIn(SALES).length === 3);

    // At close every reminder loses its button too: no dead buttons left behind.
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round closed/.test(r.text ?? "")));
    await h.truce.idle();
    const round = await h.store.rounds.latestClosed(h.fake.teamId);
    const reminders = await h.store.rounds.reminders(round?.id as number);
    expect(reminders).toHaveLength(4); // two days, two channels
    for (const { channel, ts } of reminders) {
      const blocks = JSON.stringify(h.fake.message(channel, ts)?.blocks);
      expect(blocks).not.toContain("open_survey");
      expect(blocks).toContain("This round closed on");
    }

    const [user] = people("sales", 2).slice(1) as [string];
    await h.driver.command(user, SALES, "remind");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === user));
    expect(replyTo(h, user)).toMatch(/Only the survey's leaders/);
  });
});

describe("who may do what", () => {
  it("refuses a non-leader's launch politely and launches nothing", async () => {
    h = await startHarness();
    const [user] = people("sales", 1) as [string];
    await h.driver.command(user, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === user));
    expect(replyTo(h, user)).toMatch(/Only the survey's leaders can do that/);
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
    expect(h.fake.messagesIn(SALES)).toEqual([]);
  });

  it("uses workspace admins as leaders when TRUCE_LEADERS is unset", async () => {
    h = await startHarness({ env: { TRUCE_LEADERS: "" } });
    await h.driver.command(ADMIN, SALES, "launch 3");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === ADMIN));
    expect(replyTo(h, ADMIN)).toMatch(/Round launched for 3 days/);
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === LEADER));
    expect(replyTo(h, LEADER)).toMatch(/Only the survey's leaders/);
    // Admins are the leaders: the admin gets the report by DM at close, nobody else does.
    await h.driver.command(ADMIN, SALES, "close now");
    await h.fake.waitFor(() => h.fake.dms(ADMIN)[0]);
    expect(h.fake.dms(LEADER)).toEqual([]);
  });

  it("says so when a round is already open, and checks the number of days", async () => {
    h = await startHarness();
    await launchRound(h);
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /already open/.test(r.text ?? "")));
    await h.driver.command(LEADER, SALES, "launch 0");
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /whole number of days from 1 to 60/.test(r.text ?? "")),
    );
    expect(h.fake.messagesIn(SALES)).toHaveLength(1);
  });

  it("joins a public channel it is not in, and asks to be invited to a private one", async () => {
    const sales = people("sales", 3);
    h = await startHarness({
      channels: [
        { id: SALES, name: "sales", members: [LEADER, ...sales] },
        { id: "G0MKTPRIV", name: "marketing", isPrivate: true, members: [LEADER] },
      ],
      env: { TRUCE_MARKETING_CHANNEL: "G0MKTPRIV" },
    });
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === LEADER));
    expect(replyTo(h, LEADER)).toMatch(/invite me there with `\/invite @Truce`/);
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
    expect(h.fake.callsTo("conversations.join").map((c) => c.args.channel)).toEqual([SALES]);
  });
});

describe("the command surface", () => {
  it("never echoes 100 kB of typed text back", async () => {
    h = await startHarness();
    for (const text of [`launch ${"9".repeat(100_000)}`, "z".repeat(100_000)]) {
      await h.driver.command(LEADER, SALES, text);
      const reply = await h.fake.waitFor(() =>
        h.fake.responses.filter((r) => r.context.user === LEADER && r.ok).at(-1),
      );
      expect(JSON.stringify(reply.blocks).length).toBeLessThan(3_000);
      expect(reply.text ?? "").toContain("…");
      h.fake.responses.splice(0);
    }
  });

  it("answers help and unknown subcommands with usage", async () => {
    h = await startHarness();
    const help = await h.driver.command(ADMIN, SALES, "help");
    expect(help.ackMs).toBeLessThan(3000);
    expect(replyTo(h, ADMIN)).toContain("/alignment launch [days]");
    await h.driver.command(ADMIN, SALES, "frobnicate now");
    expect(replyTo(h, ADMIN)).toContain("`frobnicate` isn't a Truce command");
    expect(replyTo(h, ADMIN)).toContain("/alignment status");
  });

  it("rejects a badly signed or stale request with 401 and does nothing", async () => {
    h = await startHarness();
    await h.driver.command(LEADER, SALES, "launch", { badSignature: true, expectStatus: 401 });
    await h.driver.command(LEADER, SALES, "launch", { staleTimestamp: true, expectStatus: 401 });
    expect(await h.store.rounds.openFor(h.fake.teamId)).toBeUndefined();
    expect(h.fake.calls).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ method: "chat.postMessage" })]),
    );
  });

  it("answers /healthz with JSON while the database is reachable", async () => {
    h = await startHarness();
    const url = h.driver.appUrl.replace("/slack/events", "/healthz");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: "writable" });
  });
});
