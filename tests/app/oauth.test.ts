import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SlackDriver } from "../../sandbox/driver.js";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { type FakeSlackGrid, startFakeSlackGrid } from "../../sandbox/grid.js";
import type { TruceApp } from "../../src/app.js";
import type { Store } from "../../src/store/index.js";
import { CLIENT_ID, CLIENT_SECRET, startTruceOnGrid } from "./grid-harness.js";
import {
  checkpoint,
  MARKETING,
  people,
  ratingsFor,
  SALES,
  SIGNING_SECRET,
  surveyValues,
} from "./harness.js";

/**
 * Truce distributed to two workspaces through Slack's OAuth flow: each installs, runs its own
 * round with its own token, and no figure, message or digest crosses between them.
 */

const A = "T0AAAAAA1";
const B = "T0BBBBBB2";
const ADMIN_OF = { [A]: "U0AADMIN1", [B]: "U0BADMIN1" } as const;
const DAY = 86_400_000;

let grid: FakeSlackGrid;
let truce: TruceApp;
let store: Store;
let dir: string;
let now = Date.UTC(2026, 10, 23, 9);
let base = "";

afterEach(async () => {
  await truce?.stop();
  await store?.close();
  await grid?.close();
  rmSync(dir, { recursive: true, force: true });
});

const workspace = (teamId: string) => {
  const sales = people("sales", 5);
  const marketing = people("marketing", 5);
  const admin = ADMIN_OF[teamId as keyof typeof ADMIN_OF];
  return {
    teamId,
    users: [
      { id: admin, name: "admin", isAdmin: true },
      ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
    ],
    channels: [
      { id: SALES, name: "sales", members: [admin, ...sales] },
      { id: MARKETING, name: "marketing", members: [admin, ...marketing] },
    ],
  };
};

async function start(): Promise<void> {
  now = Date.UTC(2026, 10, 23, 9);
  grid = await startFakeSlackGrid({
    workspaces: [workspace(A), workspace(B)],
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    // An hour-long token is refreshed on every use (the installer refreshes within two hours).
    tokenRotation: { expiresIn: 3600 },
  });
  dir = mkdtempSync(join(tmpdir(), "truce-oauth-"));
  ({ truce, store, base } = await startTruceOnGrid(grid, { dir, clock: () => now }));
}

const driverOf = (teamId: string) =>
  grid.driver(teamId, { appUrl: `${base}/slack/events`, signingSecret: SIGNING_SECRET });

async function install(teamId: string): Promise<void> {
  const result = await grid.installViaBrowser({
    appBaseUrl: base,
    teamId,
    userId: ADMIN_OF[teamId as keyof typeof ADMIN_OF],
  });
  expect(result.status).toBe(200);
}

async function runRound(driver: SlackDriver, fake: FakeSlack, teamId: string, total: number) {
  const admin = ADMIN_OF[teamId as keyof typeof ADMIN_OF];
  await driver.command(admin, SALES, "launch 1");
  await fake.waitFor(() => fake.responses.find((r) => /Round launched/.test(r.text ?? "")));
  for (const [side, channel] of [
    ["sales", SALES],
    ["marketing", MARKETING],
  ] as const) {
    const ts = fake.messagesIn(channel)[0]?.ts as string;
    for (const user of people(side, 5)) {
      const view = await driver.openModalFromMessage(user, channel, ts, "open_survey");
      await driver.submitView(user, view.id, surveyValues(side, ratingsFor(total), view));
    }
  }
}

const summaryIn = (fake: FakeSlack) =>
  fake.messagesIn(SALES).find((m) => /Everyone n=10/.test(m.text ?? ""))?.text ?? "";

describe("many workspaces through OAuth", () => {
  it("installs into two workspaces, seals their tokens, and keeps their rounds apart", async () => {
    await start();
    const install = await fetch(`${base}/slack/install`, { redirect: "manual" });
    expect(install.status).toBe(200);
    expect(await install.text()).toContain("https://slack.com/oauth/v2/authorize?");
    await installBoth();
    // The database holds both installations, sealed: no token in the clear.
    checkpoint(join(dir, "truce.db"));
    const bytes = readFileSync(join(dir, "truce.db")).toString("latin1");
    for (const teamId of [A, B]) {
      const token = grid.installation(teamId)?.botToken as string;
      expect(token).toMatch(/^xoxe\.xoxb-/);
      expect(bytes).not.toContain(token);
    }
    expect(bytes).not.toContain("xoxe-1-"); // nor a refresh token

    const [fakeA, fakeB] = [grid.workspace(A), grid.workspace(B)];
    await runRound(driverOf(A), fakeA, A, 80);
    await runRound(driverOf(B), fakeB, B, 30);
    // Each workspace's installer leads it, and closes only its own round.
    await driverOf(A).command(ADMIN_OF[A], SALES, "close now");
    await fakeA.waitFor(() => summaryIn(fakeA) || undefined, { timeoutMs: 10_000 });
    expect(summaryIn(fakeA)).toContain("Everyone n=10 · 80.0 · Integrated");
    expect(summaryIn(fakeB)).toBe("");
    expect((await store.rounds.openFor(B))?.teamId).toBe(B);

    // B's round closes at its deadline on the heartbeat, with B's token refreshed first (no
    // request from B to carry one): its figures, never A's.
    grid.expireTokens(B);
    now += DAY + 1;
    await truce.runDueJobs();
    await truce.idle();
    expect(summaryIn(fakeB)).toContain("Everyone n=10 · 30.0 · Undefined");
    expect(
      grid.calls.filter(
        (c) => c.method === "oauth.v2.access" && c.args.grant_type === "refresh_token",
      ).length,
    ).toBeGreaterThan(0);
    expect(fakeB.messages.some((m) => /80\.0/.test(m.text ?? ""))).toBe(false);
    expect(fakeA.messages.some((m) => /30\.0/.test(m.text ?? ""))).toBe(false);
    // The report DMs went to each workspace's own leader only.
    expect(fakeA.dms(ADMIN_OF[A]).some((m) => /80\.0/.test(m.text ?? ""))).toBe(true);
    expect(fakeB.dms(ADMIN_OF[B]).some((m) => /30\.0/.test(m.text ?? ""))).toBe(true);
  });

  it("each workspace's leaders get one weekly digest, of their own workspace only", async () => {
    await start();
    await installBoth();
    const [fakeA, fakeB] = [grid.workspace(A), grid.workspace(B)];
    await runRound(driverOf(A), fakeA, A, 80);
    await runRound(driverOf(B), fakeB, B, 30);
    for (const [teamId, fake] of [
      [A, fakeA],
      [B, fakeB],
    ] as const) {
      await driverOf(teamId).command(ADMIN_OF[teamId], SALES, "close now");
      await fake.waitFor(() => summaryIn(fake) || undefined, { timeoutMs: 10_000 });
    }
    const digestsTo = (fake: FakeSlack, user: string) =>
      fake.dms(user).filter((m) => /Weekly alignment digest/.test(m.text ?? ""));
    expect(digestsTo(fakeA, ADMIN_OF[A])).toEqual([]);

    // The next Monday, 09:00 UTC (the admins have no time zone of their own).
    now += 7 * DAY;
    await truce.runDueJobs();
    await truce.idle();
    await truce.runDueJobs();
    const [digestA, digestB] = [digestsTo(fakeA, ADMIN_OF[A]), digestsTo(fakeB, ADMIN_OF[B])];
    expect(digestA).toHaveLength(1);
    expect(digestB).toHaveLength(1);
    expect(digestA[0]?.text).toContain("80.0");
    expect(digestA[0]?.text).not.toContain("30.0");
    expect(digestB[0]?.text).toContain("30.0");
    expect(digestB[0]?.text).not.toContain("80.0");
    // Neither workspace's leader is DMed in the other workspace.
    expect(digestsTo(fakeA, ADMIN_OF[B])).toEqual([]);
    expect(digestsTo(fakeB, ADMIN_OF[A])).toEqual([]);
  });

  it("refuses another workspace's round, and stores nothing", async () => {
    await start();
    await installBoth();
    const [fakeA, fakeB] = [grid.workspace(A), grid.workspace(B)];
    await driverOf(A).command(ADMIN_OF[A], SALES, "launch");
    await fakeA.waitFor(() => fakeA.responses.find((r) => /Round launched/.test(r.text ?? "")));
    const roundOfA = (await store.rounds.openFor(A))?.id as number;
    // Someone in B presses a button carrying A's round id.
    const user = people("sales", 1)[0] as string;
    await driverOf(B).blockAction(user, {
      actionId: "open_survey",
      value: String(roundOfA),
      channelId: SALES,
    });
    const notice = await fakeB.waitFor(() => fakeB.viewsOf(user)[0]);
    expect(JSON.stringify(notice.view.title)).toContain("Survey closed");
    expect(await store.responses.counts(roundOfA)).toEqual({ sales: 0, marketing: 0 });
  });

  it("an uninstall deletes that workspace's tokens at once and stops its work", async () => {
    await start();
    await installBoth();
    driverOf(A);
    await grid.uninstall(A);
    for (let i = 0; i < 50 && (await store.installations.findForTeam(A)); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.installations.findForTeam(A)).toBeUndefined();
    expect(await store.installations.findForTeam(B)).toBeDefined();
    expect(await store.settings.get(A, "active")).toBe("false");
    // Reinstalling brings it back.
    await install(A);
    expect(await store.settings.get(A, "active")).toBeUndefined();
    expect(await store.installations.findForTeam(A)).toBeDefined();
  });
});

async function installBoth(): Promise<void> {
  await install(A);
  await install(B);
}
