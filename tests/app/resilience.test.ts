import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import type { Harness } from "./harness.js";
import {
  ADMIN,
  answerAll,
  everyone,
  LEADER,
  launchRound,
  MARKETING,
  people,
  ratingsFor,
  restartHarness,
  SALES,
  startHarness,
  surveyValues,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const realErrors = (h: Harness) => h.fake.errors().filter((e) => !e.injected);

describe("when Slack fails", () => {
  it("waits out a 429 and still posts the invitation", async () => {
    h = await startHarness();
    h.fake.failNext("chat.postMessage", { status: 429, error: "ratelimited", retryAfter: 1 });
    await launchRound(h);
    expect(h.fake.responses.at(-1)?.text).toMatch(/Round launched/);
    expect(h.fake.messagesIn(SALES)).toHaveLength(1);
    expect(h.fake.messagesIn(MARKETING)).toHaveLength(1);
    expect(h.fake.callsTo("chat.postMessage").filter((c) => c.status === 429)).toHaveLength(1);
  });

  it("launches even when channel info is unavailable, joining a public channel when a post says not_in_channel", async () => {
    h = await startHarness();
    h.fake.failNext("conversations.info", { error: "missing_scope", times: 2 });
    await launchRound(h);
    expect(h.fake.messagesIn(SALES)).toHaveLength(1);
    expect(h.fake.messagesIn(MARKETING)).toHaveLength(1);
    expect(
      h.fake.callsTo("chat.postMessage").filter((c) => c.error === "not_in_channel"),
    ).toHaveLength(2);
    expect(h.fake.callsTo("conversations.join").map((c) => c.args.channel)).toEqual([
      SALES,
      MARKETING,
    ]);
    expect((await h.store.rounds.openFor(h.fake.teamId))?.invited).toEqual({
      sales: 10,
      marketing: 10,
      people: 18,
    });
  });

  it("tells the person when the survey cannot be opened, and the next click works", async () => {
    h = await startHarness();
    await launchRound(h);
    const [user] = people("sales", 1) as [string];
    const ts = h.fake.messagesIn(SALES)[0]?.ts as string;
    h.fake.failNext("views.open", { error: "internal_error" });
    await h.driver.clickButton(user, SALES, ts, "open_survey");
    const apology = await h.fake.waitFor(() =>
      h.fake.responses.find(
        (r) => r.context.user === user && /didn't let me open the survey/.test(r.text ?? ""),
      ),
    );
    expect(apology.responseType).toBe("ephemeral");
    const view = await h.driver.openModalFromMessage(user, SALES, ts, "open_survey");
    expect(view.view.callback_id).toBe("survey_submit");
  });

  it("retries a results post that failed on the next heartbeat, and never posts twice", async () => {
    // Leaders are the admins here, so finding them costs a users.list call.
    h = await startHarness({
      salesPeople: 3,
      marketingPeople: 3,
      env: { TRUCE_LEADERS: "" },
      leaderIsAdmin: true,
    });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 3, 60), ...everyone("marketing", 3, 60)]);
    await h.truce.idle();
    // Every try of the first results post fails (the client retries a few times first).
    h.fake.failNext("chat.postMessage", { error: "internal_error", status: 500, times: 4 });
    await h.driver.command(LEADER, SALES, "close now");
    await h.fake.waitFor(
      () => h.fake.responses.find((r) => r.context.user === LEADER && /closed/i.test(r.text ?? "")),
      { timeoutMs: 15_000 },
    );
    const summaries = () =>
      h.fake.messages.filter(
        (m) => /Everyone n=6 · 60\.0 · Aligned/.test(m.text ?? "") && !m.channel.startsWith("D"),
      );
    expect(summaries()).toHaveLength(1);
    await h.truce.runDueJobs();
    expect(
      summaries()
        .map((m) => m.channel)
        .sort(),
    ).toEqual([MARKETING, SALES].sort());
    const calls = h.fake.calls.length;
    await h.truce.runDueJobs();
    expect(summaries()).toHaveLength(2);
    // Everything went out: later heartbeats do not touch Slack for this round any more.
    expect(h.fake.calls.length).toBe(calls);
    expect(realErrors(h)).toEqual([]);
  });
});

describe("when the database fails", () => {
  it("keeps the survey open with an inline error instead of acknowledging an unsaved answer", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const [user] = people("sales", 1) as [string];
    const view = await h.driver.openModalFromMessage(user, SALES, invitations.sales, "open_survey");
    h.faults.fail("responses.save", "full");
    const result = await h.driver.submitView(
      user,
      view.id,
      surveyValues("sales", ratingsFor(60), view),
    );
    expect(result.body).toEqual({
      response_action: "errors",
      errors: {
        statement_1:
          "Sorry, your answers couldn't be saved just now. Nothing is lost: press Submit again in a moment.",
      },
    });
    expect(h.fake.lastView(user)?.id).toBe(view.id); // the modal, with the answers, is still open
    h.faults.clear();
  });

  it("answers /healthz with 503 when the database is unreachable", async () => {
    h = await startHarness();
    const url = h.driver.appUrl.replace("/slack/events", "/healthz");
    await h.store.close();
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, database: "unreachable" });
  });
});

describe("restarts", () => {
  it("loses nothing: answers given before a restart count after it", async () => {
    h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 3, 70), ...everyone("marketing", 3, 50)]);
    h = await restartHarness(h, { salesPeople: 3, marketingPeople: 3 });
    await h.driver.command(ADMIN, SALES, "status");
    expect(h.fake.responses.at(-1)?.text).toContain(
      "Sales n=3 (of 5) · Marketing n=3 (of 5) · Everyone n=6",
    );
    // The person's key is stable across restarts: their answer is still recognised as theirs.
    const user = people("sales", 1)[0] as string;
    const invitation = h.fake.messagesIn(SALES)[0];
    const round = await h.store.rounds.openFor(h.fake.teamId);
    await h.driver.blockAction(user, {
      actionId: "open_survey",
      value: String(round?.id),
      channelId: SALES,
      messageTs: invitation?.ts as string,
    });
    const view = await h.fake.waitFor(() => h.fake.lastView(user));
    expect(JSON.stringify(view.view.blocks)).toContain("You already answered this round");
    // h's harness objects are closed; only its directory is reused.
  });
});

describe("own wording", () => {
  it("stops taking answers when TRUCE_INSTRUMENT changed after the round was launched", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const reworded = {
      ...DEFAULT_INSTRUMENT,
      statements: DEFAULT_INSTRUMENT.statements.map((s, i) => ({ ...s, id: `org-${i + 1}` })),
    };
    h = await restartHarness(h, { instrument: reworded });
    const [user] = people("sales", 1) as [string];
    const round = await h.store.rounds.openFor(h.fake.teamId);
    await h.driver.blockAction(user, {
      actionId: "open_survey",
      value: String(round?.id),
      channelId: SALES,
      messageTs: invitations.sales,
    });
    const view = await h.fake.waitFor(() => h.fake.lastView(user));
    expect(JSON.stringify(view.view.blocks)).toContain(
      "The wording of this survey changed after the round was launched",
    );
  });
});

describe("events", () => {
  it("shows the invitation privately to someone who joins a survey channel during a round", async () => {
    h = await startHarness();
    await launchRound(h);
    h.fake.addUser({ id: "U0NEWBIE1", name: "newbie" });
    h.fake.addMember(SALES, "U0NEWBIE1");
    await h.driver.event({
      type: "member_joined_channel",
      user: "U0NEWBIE1",
      channel: SALES,
      channel_type: "C",
      team: h.fake.teamId,
    });
    const shown = await h.fake.waitFor(() => h.fake.ephemeralsFor("U0NEWBIE1", SALES)[0]);
    expect(JSON.stringify(shown.blocks)).toContain("open_survey");
  });

  it("handles a redelivered event once", async () => {
    h = await startHarness();
    await launchRound(h);
    h.fake.addUser({ id: "U0NEWBIE2", name: "newbie" });
    h.fake.addMember(SALES, "U0NEWBIE2");
    const event = {
      type: "member_joined_channel",
      user: "U0NEWBIE2",
      channel: SALES,
      channel_type: "C",
      team: h.fake.teamId,
    };
    await h.driver.event(event, { eventId: "Ev0REDELIVER" });
    await h.fake.waitFor(() => h.fake.ephemeralsFor("U0NEWBIE2", SALES)[0]);
    await h.driver.event(event, {
      eventId: "Ev0REDELIVER",
      retryNum: 1,
      retryReason: "http_timeout",
    });
    await h.driver.event({ type: "app_home_opened", user: ADMIN, channel: "D0ADMIN", tab: "home" });
    await h.fake.waitFor(() => h.fake.homeViews.get(ADMIN));
    expect(h.fake.ephemeralsFor("U0NEWBIE2", SALES)).toHaveLength(1);
  });

  it("stops scheduled work for a workspace that uninstalled the app", async () => {
    h = await startHarness();
    await launchRound(h);
    await h.driver.event({ type: "app_uninstalled" });
    h.advance(8 * 24 * 3600 * 1000);
    expect((await h.truce.runDueJobs()).closed).toEqual([]);
  });
});
