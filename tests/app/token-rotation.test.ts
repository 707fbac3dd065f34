import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type FakeSlackGrid, startFakeSlackGrid } from "../../sandbox/grid.js";
import { createDatabase, databaseUrl, dropDatabase } from "../../sandbox/postgres-server.js";
import { CLIENT_ID, CLIENT_SECRET, type GridTruce, startTruceOnGrid } from "./grid-harness.js";
import { MARKETING, people, ratingsFor, SALES, SIGNING_SECRET, surveyValues } from "./harness.js";

/**
 * Rotating tokens (Slack's token rotation) with requests at once, several instances, and tokens
 * Slack expires before their time. Slack spends a refresh token when it is used and kills the
 * access token it replaces, so two refreshes of one installation at once leave the loser with a
 * dead token: every refresh here must happen once, and every call must still get through.
 */

const A = "T0AAAAAA1";
const ADMIN = "U0AADMIN1";
const DAY = 86_400_000;
const postgres = inject("postgres");

type Running = GridTruce;

let grid: FakeSlackGrid | undefined;
let running: Running[] = [];
let dir: string | undefined;
let database: string | undefined;
let now = Date.UTC(2026, 10, 23, 9);

afterEach(async () => {
  for (const r of running) {
    await r.truce.stop();
    await r.store.close();
  }
  running = [];
  await grid?.close();
  grid = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  if (database && postgres.state === "running")
    await dropDatabase(postgres.adminUrl, database).catch(() => undefined);
  database = undefined;
});

const sales = people("sales", 5);
const marketing = people("marketing", 5);

async function startGrid(expiresIn?: number) {
  now = Date.UTC(2026, 10, 23, 9);
  grid = await startFakeSlackGrid({
    workspaces: [
      {
        teamId: A,
        users: [
          { id: ADMIN, name: "admin", isAdmin: true },
          ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
        ],
        channels: [
          { id: SALES, name: "sales", members: [ADMIN, ...sales] },
          { id: MARKETING, name: "marketing", members: [ADMIN, ...marketing] },
        ],
      },
    ],
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    tokenRotation: expiresIn === undefined ? true : { expiresIn },
  });
  return grid;
}

async function startTruce(g: FakeSlackGrid, url?: string): Promise<Running> {
  dir ??= mkdtempSync(join(tmpdir(), "truce-rotation-"));
  const started = await startTruceOnGrid(g, {
    dir,
    ...(url ? { databaseUrl: url } : {}),
    clock: () => now,
  });
  running.push(started);
  return started;
}

const refreshes = (g: FakeSlackGrid) =>
  g.calls.filter((c) => c.method === "oauth.v2.access" && c.args.grant_type === "refresh_token");

async function install(g: FakeSlackGrid, app: Running) {
  const result = await g.installViaBrowser({ appBaseUrl: app.base, teamId: A, userId: ADMIN });
  expect(result.status).toBe(200);
}

/** Everyone in the workspace opens the Home tab at once, through the given instances in turn. */
async function everyoneOpensHome(g: FakeSlackGrid, apps: Running[]) {
  const users = [ADMIN, ...sales, ...marketing];
  const drivers = apps.map((app) =>
    g.driver(A, { appUrl: `${app.base}/slack/events`, signingSecret: SIGNING_SECRET }),
  );
  const ws = g.workspace(A);
  const publishedBefore = ws.callsTo("views.publish").filter((c) => c.ok).length;
  const answers = await Promise.all(
    users.map((user, i) => drivers[i % drivers.length]?.appHomeOpened(user)),
  );
  expect(answers.map((a) => a?.status)).toEqual(users.map(() => 200));
  await ws.waitFor(
    () =>
      ws.callsTo("views.publish").filter((c) => c.ok).length === publishedBefore + users.length ||
      undefined,
    { timeoutMs: 15_000 },
  );
  return users;
}

/**
 * Every Home was published, and no refresh token was spent twice. A call already on its way
 * with a token another request has just replaced is answered `token_expired` (Slack kills the
 * old token at once) and goes again with the new one: those are the only failures.
 */
function expectEveryCallThrough(g: FakeSlackGrid, users: string[]) {
  const published = g.workspace(A).callsTo("views.publish");
  expect(published.filter((c) => c.ok).map((c) => c.args.user_id)).toHaveLength(users.length);
  expect(new Set(published.filter((c) => c.ok).map((c) => c.args.user_id))).toEqual(new Set(users));
  expect(users.every((u) => g.workspace(A).homeViews.has(u))).toBe(true);
  expect([...new Set(published.filter((c) => !c.ok).map((c) => c.error))]).toEqual(
    published.some((c) => !c.ok) ? ["token_expired"] : [],
  );
  const used = refreshes(g).map((c) => c.args.refresh_token);
  expect(used.length).toBeGreaterThan(0);
  expect(
    refreshes(g)
      .filter((c) => !c.ok)
      .map((c) => c.error),
  ).toEqual([]);
  expect(new Set(used).size).toBe(used.length);
}

describe("a token Slack expired before its time", () => {
  it("a request's call answered token_expired is refreshed once and sent again", async () => {
    const g = await startGrid(); // twelve-hour tokens: nobody would refresh them by the clock
    const app = await startTruce(g);
    await install(g, app);
    const before = g.installation(A)?.botToken;
    g.expireTokens(A);

    const users = await everyoneOpensHome(g, [app]);
    const ws = g.workspace(A);
    expect(users.every((u) => ws.homeViews.has(u))).toBe(true);
    // One refresh for all of them; the failed calls went again with the new token.
    expect(refreshes(g)).toHaveLength(1);
    expect(g.installation(A)?.botToken).not.toBe(before);
    const published = ws.callsTo("views.publish");
    expect(published.filter((c) => c.ok)).toHaveLength(users.length);
    expect(published.filter((c) => !c.ok).map((c) => c.error)).toEqual(
      published.filter((c) => !c.ok).map(() => "token_expired"),
    );
  });

  it("scheduled work with no request: the deadline close refreshes and posts the summary", async () => {
    const g = await startGrid();
    const app = await startTruce(g);
    await install(g, app);
    const driver = g.driver(A, {
      appUrl: `${app.base}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    const ws = g.workspace(A);
    await driver.command(ADMIN, SALES, "launch 1");
    await ws.waitFor(() => ws.responses.find((r) => /Round launched/.test(r.text ?? "")));
    for (const [side, channel, who] of [
      ["sales", SALES, sales],
      ["marketing", MARKETING, marketing],
    ] as const) {
      const ts = ws.messagesIn(channel)[0]?.ts as string;
      for (const user of who) {
        const view = await driver.openModalFromMessage(user, channel, ts, "open_survey");
        await driver.submitView(user, view.id, surveyValues(side, ratingsFor(60), view));
      }
    }
    g.expireTokens(A);
    now += DAY + 1;
    await app.truce.runDueJobs();
    await app.truce.idle();
    expect(ws.messagesIn(SALES).some((m) => /Everyone n=10 · 60\.0/.test(m.text ?? ""))).toBe(true);
    expect(refreshes(g)).toHaveLength(1);
  });
});

describe("refreshes at once", () => {
  it("one instance, many requests at once: one refresh, never a spent refresh token", async () => {
    // An hour-long token is due for refresh at once (within two hours of its expiry); the one
    // that replaces it is not refreshed again for ten minutes.
    const g = await startGrid(3600);
    const app = await startTruce(g);
    await install(g, app);
    const users = await everyoneOpensHome(g, [app]);
    expectEveryCallThrough(g, users);
    expect(refreshes(g)).toHaveLength(1);
  });

  it.runIf(postgres.state === "running")(
    "two instances on one PostgreSQL database refresh one installation once between them",
    async () => {
      if (postgres.state !== "running") return;
      database = `rotation_${process.pid}`;
      await createDatabase(postgres.adminUrl, database);
      const url = databaseUrl(postgres.adminUrl, database);
      const g = await startGrid(3600);
      const first = await startTruce(g, url);
      const second = await startTruce(g, url);
      await install(g, first);
      const users = await everyoneOpensHome(g, [first, second]);
      expectEveryCallThrough(g, users);
      expect(refreshes(g)).toHaveLength(1);
      await everyoneOpensHome(g, [second, first]);
      expectEveryCallThrough(g, [...users, ...users]);
      expect(refreshes(g)).toHaveLength(1);
    },
  );
});
