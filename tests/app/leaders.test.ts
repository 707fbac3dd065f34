import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import { ADMIN, LEADER, SALES, startHarness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const PROMOTED = "U0S0007";

const until = async (probe: () => Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await probe()); i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  expect(await probe()).toBe(true);
};

/** Launches a round and waits until it is open (launchRound waits for the first launch only). */
async function launch(): Promise<void> {
  const launched = h.fake.responses.filter((r) => /Round launched/.test(r.text ?? "")).length;
  await h.driver.command(LEADER, SALES, "launch");
  await h.fake.waitFor(
    () => h.fake.responses.filter((r) => /Round launched/.test(r.text ?? "")).length > launched,
  );
  await until(async () => (await h.store.rounds.openFor(h.fake.teamId)) !== undefined);
}

/** users.list pages the closes have read (a launch reads the list too, for its members). */
let closePages = 0;

/** Closes the open round; resolves to who received the leaders' report by DM. */
async function closeAndCollectReports(): Promise<string[]> {
  const pagesBefore = h.fake.callsTo("users.list").length;
  const candidates = [ADMIN, LEADER, PROMOTED, "U0NEWBIE1"];
  const before = candidates.map((user) => h.fake.dms(user).length);
  const round = await h.store.rounds.openFor(h.fake.teamId);
  await h.driver.command(LEADER, SALES, "close now");
  // Every announcement of the round went out (summaries, then each leader's report).
  const announced = {
    teamId: h.fake.teamId,
    kind: "round-announced",
    recipientKey: "*",
    period: `round-${round?.id}`,
  };
  await until(() => h.store.deliveries.isDone(announced));
  closePages += h.fake.callsTo("users.list").length - pagesBefore;
  return candidates.filter((user, i) => h.fake.dms(user).length > (before[i] as number)).sort();
}

describe("leaders without a list (TRUCE_LEADERS unset)", () => {
  it("pages users.list once per workspace and follows admin changes from events", async () => {
    // 450 people: three pages of users.list.
    h = await startHarness({
      salesPeople: 225,
      marketingPeople: 225,
      env: { TRUCE_LEADERS: "" },
      leaderIsAdmin: true,
    });
    closePages = 0;
    const pages = () => closePages;

    await launch();
    expect(await closeAndCollectReports()).toEqual([ADMIN, LEADER].sort());
    expect(pages()).toBe(3);

    // A second round, a digest: nobody pages the list again.
    await launch();
    expect(await closeAndCollectReports()).toEqual([ADMIN, LEADER].sort());
    expect(pages()).toBe(3);

    // Someone is made an admin: Slack sends user_change, and they lead from now on.
    h.fake.addUser({ ...(h.fake.user(PROMOTED) ?? { id: PROMOTED }), isAdmin: true });
    await h.driver.event({
      type: "user_change",
      user: { id: PROMOTED, name: "promoted", is_admin: true, is_owner: false, deleted: false },
    });
    // A new member joins as a plain member: nothing changes.
    await h.driver.event({
      type: "team_join",
      user: { id: "U0NEWBIE1", name: "newbie", is_admin: false, is_bot: false },
    });
    await launch();
    expect(await closeAndCollectReports()).toEqual([ADMIN, LEADER, PROMOTED].sort());

    // The admin is deactivated: they no longer receive the leaders' report.
    await h.driver.event({
      type: "user_change",
      user: { id: ADMIN, name: "ada", is_admin: true, deleted: true },
    });
    await launch();
    expect(await closeAndCollectReports()).toEqual([LEADER, PROMOTED].sort());
    expect(pages()).toBe(3);
  });

  it("lists again after a day, in case events were missed while Truce was down", async () => {
    h = await startHarness({ env: { TRUCE_LEADERS: "" }, leaderIsAdmin: true });
    closePages = 0;
    await launch();
    await closeAndCollectReports();
    expect(closePages).toBe(1);
    h.advance(25 * 60 * 60 * 1000);
    await launch();
    await closeAndCollectReports();
    expect(closePages).toBe(2);
  });
});
