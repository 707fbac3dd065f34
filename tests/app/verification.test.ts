import { afterEach, describe, expect, it } from "vitest";
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
  ratingsFor,
  replyTo,
  SALES,
  startHarness,
  surveyValues,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A hand-made, correctly signed view_submission: what a person could send without Slack's UI. */
async function forgedSubmission(
  user: string,
  view: { id: string; view: Record<string, unknown> },
  metadata: Record<string, unknown>,
  values: Record<string, string>,
) {
  const state = Object.fromEntries(
    Object.entries(values).map(([blockId, value]) => [
      blockId,
      {
        [blockId === "side" ? "side" : "rating"]: {
          type: "radio_buttons",
          selected_option: { text: { type: "plain_text", text: value }, value },
        },
      },
    ]),
  );
  const payload = {
    type: "view_submission",
    team: { id: h.fake.teamId, domain: "truce" },
    user: {
      id: user,
      username: user.toLowerCase(),
      name: user.toLowerCase(),
      team_id: h.fake.teamId,
    },
    api_app_id: "A0TRUCEAPP",
    token: "deprecated-verification-token",
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.forged`,
    view: {
      ...view.view,
      id: view.id,
      private_metadata: JSON.stringify(metadata),
      state: { values: state },
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return h.driver.send(
    `payload=${encodeURIComponent(JSON.stringify(payload))}`,
    "application/x-www-form-urlencoded",
  );
}

describe("the side is verified by channel membership", () => {
  it("does not let salespeople answer as marketing to unmask a one-person marketing side", async () => {
    h = await startHarness({ salesPeople: 6, marketingPeople: 1, env: { TRUCE_MIN_GROUP: "3" } });
    const invitations = await launchRound(h);
    const [marketer] = people("marketing", 1) as [string];
    const [colleagueA, colleagueB] = people("sales", 2) as [string, string];
    await answerAll(h, invitations, [
      { side: "marketing", user: marketer, ratings: ratingsFor(77) },
      ...everyone("sales", 6, 50),
    ]);
    // Two salespeople each forge a "marketing" answer with known ratings: one names the side in
    // the form's metadata, the other answers a side question the form never asked.
    const forge = async (user: string, metadata: { roundId: number; side?: string }) => {
      const view = await h.driver.openModalFromMessage(
        user,
        SALES,
        invitations.sales,
        "open_survey",
      );
      const values = surveyValues("marketing", ratingsFor(20));
      return JSON.stringify((await forgedSubmission(user, view, metadata, values)).body);
    };
    expect(await forge(colleagueA, { roundId: 1, side: "marketing" })).toContain(
      "Your survey channels changed while the form was open",
    );
    expect(await forge(colleagueB, { roundId: 1 })).toContain(
      "You're not in the Marketing channel, so your answers count for Sales.",
    );
    const round = await h.store.rounds.openFor(h.fake.teamId);
    // Each forger still counts once, for Sales, where they are members; marketing is still 1.
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 6, marketing: 1 });
    await closeRound(h);
    await h.driver.command(LEADER, SALES, "report");
    const report = replyTo(h, LEADER);
    expect(report).toContain("Marketing n=1");
    expect(report).not.toMatch(/Marketing n=\d+ · \d/); // no marketing figure at all
    expect(report).not.toContain("77.0");
  });

  it("tells someone in neither channel the survey is for the two channels, and stores nothing", async () => {
    h = await startHarness();
    const outsider = "U0OUTSIDE1";
    h.fake.addUser({ id: outsider, name: "olly" });
    const invitations = await launchRound(h);
    await h.driver.appHomeOpened(outsider);
    const home = await h.fake.waitFor(() => h.fake.homeViews.get(outsider));
    const before = new Set(h.fake.viewsOf(outsider).map((v) => v.id));
    await h.driver.clickViewButton(outsider, home.id, "open_survey");
    const notice = await h.fake.waitFor(() =>
      h.fake.viewsOf(outsider).find((v) => !before.has(v.id) && v.type === "modal"),
    );
    expect(JSON.stringify(notice.view.blocks)).toContain(
      `This survey is for the members of <#${SALES}> and <#${MARKETING}>`,
    );
    expect(notice.view.submit ?? undefined).toBeUndefined();
    // A forged submission is refused the same way.
    const salesView = await h.driver.openModalFromMessage(
      people("sales", 1)[0] as string,
      SALES,
      invitations.sales,
      "open_survey",
    );
    const forged = await forgedSubmission(
      outsider,
      salesView,
      { roundId: 1 },
      surveyValues("sales", ratingsFor(60)),
    );
    expect(JSON.stringify(forged.body)).toContain("This survey is for the members of");
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 0, marketing: 0 });
  });

  it("follows people joining and leaving a survey channel during the round", async () => {
    h = await startHarness();
    const invitations = await launchRound(h);
    const newcomer = "U0NEWCOME1";
    h.fake.addUser({ id: newcomer, name: "nico" });
    h.fake.addMember(MARKETING, newcomer);
    await h.driver.event({
      type: "member_joined_channel",
      user: newcomer,
      channel: MARKETING,
      channel_type: "C",
      team: h.fake.teamId,
    });
    await h.fake.waitFor(() => h.fake.ephemeralsFor(newcomer, MARKETING)[0]);
    const modal = await h.driver.openModalFromMessage(
      newcomer,
      MARKETING,
      invitations.marketing,
      "open_survey",
    );
    await h.driver.submitView(newcomer, modal.id, surveyValues("marketing", ratingsFor(60), modal));
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(await h.store.responses.counts(round?.id as number)).toEqual({ sales: 0, marketing: 1 });

    // ADMIN leaves #sales: from now on they may answer only for Marketing, and are not asked.
    await h.driver.event({
      type: "member_left_channel",
      user: ADMIN,
      channel: SALES,
      channel_type: "C",
      team: h.fake.teamId,
    });
    const adminView = await h.driver.openModalFromMessage(
      ADMIN,
      MARKETING,
      invitations.marketing,
      "open_survey",
    );
    expect(JSON.stringify(adminView.view.blocks)).toContain("You're answering for *Marketing*");
  });
});
