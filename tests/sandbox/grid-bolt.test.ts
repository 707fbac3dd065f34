/**
 * A tiny Bolt app in OAuth mode (Bolt's own InstallProvider, HTTP receiver) installed into the
 * grid's workspaces through the browser flow, then driven from each workspace.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  App,
  HTTPReceiver,
  type Installation,
  type InstallationQuery,
  type InstallationStore,
  LogLevel,
} from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeSlackGrid,
  type FakeSlackGridOptions,
  startFakeSlackGrid,
} from "../../sandbox/grid.js";
import {
  GRID_CLIENT_ID,
  GRID_CLIENT_SECRET,
  gridWorkspaces,
  type Obj,
  silent,
  slackError,
  TEAM_A,
  TEAM_B,
} from "./helpers.js";

const SIGNING_SECRET = "grid-bolt-signing-secret";
const SCOPES = ["chat:write", "commands", "users:read"];
const PUBLIC_REDIRECT = "https://truce.example.com/slack/oauth_redirect";

/** Installations by workspace (or organisation), readable by the test. */
function memoryStore() {
  const rows = new Map<string, Installation>();
  const key = (q: InstallationQuery<boolean>) =>
    q.isEnterpriseInstall ? `E:${q.enterpriseId}` : `T:${q.teamId}`;
  const store: InstallationStore = {
    storeInstallation: async (i) => {
      rows.set(i.isEnterpriseInstall ? `E:${i.enterprise?.id}` : `T:${i.team?.id}`, i);
    },
    fetchInstallation: async (q) => {
      const row = rows.get(key(q));
      if (!row) throw new Error(`no installation for ${key(q)}`);
      return row;
    },
    deleteInstallation: async (q) => {
      rows.delete(key(q));
    },
  };
  return { store, rows };
}

interface Running {
  app: App;
  receiver: HTTPReceiver;
  base: string;
  rows: Map<string, Installation>;
  events: Obj[];
}

let grid: FakeSlackGrid | undefined;
let running: Running | undefined;

afterEach(async () => {
  await running?.app.stop();
  await grid?.close();
  running = undefined;
  grid = undefined;
});

async function startGrid(extra: Partial<FakeSlackGridOptions> = {}): Promise<FakeSlackGrid> {
  grid = await startFakeSlackGrid({
    workspaces: gridWorkspaces(),
    clientId: GRID_CLIENT_ID,
    clientSecret: GRID_CLIENT_SECRET,
    redirectUri: PUBLIC_REDIRECT,
    ...extra,
  });
  return grid;
}

async function startApp(
  g: FakeSlackGrid,
  options: { directInstall?: boolean; redirectUri?: string | null } = {},
): Promise<Running> {
  const { store, rows } = memoryStore();
  const events: Obj[] = [];
  const redirectUri = options.redirectUri === undefined ? PUBLIC_REDIRECT : options.redirectUri;
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    clientId: GRID_CLIENT_ID,
    clientSecret: GRID_CLIENT_SECRET,
    stateSecret: "grid-bolt-state-secret",
    scopes: SCOPES,
    installationStore: store,
    ...(redirectUri !== null ? { redirectUri } : {}),
    installerOptions: {
      redirectUriPath: "/slack/oauth_redirect",
      directInstall: options.directInstall ?? false,
      // A receiver of one's own gets no clientOptions from the App: the installer's calls
      // (oauth.v2.access, auth.test) need the grid's URL here too.
      clientOptions: { slackApiUrl: g.apiUrl, retryConfig: { retries: 0 } },
    },
    logger: silent,
  });
  const app = new App({
    receiver,
    logger: silent,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: g.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command("/alignment", async ({ ack, command, client, context }) => {
    await ack();
    await client.chat.postMessage({
      channel: command.channel_id,
      text: `${context.teamId ?? "?"} says: ${command.text}`,
    });
  });
  for (const type of ["app_uninstalled", "tokens_revoked"] as const) {
    app.event(type, async ({ body, context }) => {
      events.push(body as unknown as Obj);
      if (type === "app_uninstalled") {
        const query: InstallationQuery<boolean> = {
          teamId: context.teamId,
          enterpriseId: context.enterpriseId,
          isEnterpriseInstall: context.isEnterpriseInstall,
        };
        await store.deleteInstallation?.(query);
      }
    });
  }
  const server = (await app.start({ port: 0, host: "127.0.0.1" })) as Server;
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  running = { app, receiver, base, rows, events };
  return running;
}

function webClient(g: FakeSlackGrid, token: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: g.apiUrl,
    retryConfig: { retries: 0 },
    logger: silent,
  });
}

describe("installing through the browser", () => {
  it("two workspaces: each installation holds its own token, and each reply reaches only its workspace", async () => {
    const g = await startGrid();
    const { base, rows } = await startApp(g);

    const a = await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_A, userId: "U0ALICE01" });
    const b = await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_B, userId: "U0BOB0001" });
    for (const result of [a, b]) {
      expect(result.status).toBe(200);
      expect(result.body).toContain("Thank you!");
      expect(result.cookies.some((c) => c.startsWith("slack-app-oauth-state="))).toBe(true);
      const url = new URL(result.authorizeUrl);
      expect(url.searchParams.get("client_id")).toBe(GRID_CLIENT_ID);
      expect(url.searchParams.get("scope")).toBe(SCOPES.join(","));
      expect(url.searchParams.get("redirect_uri")).toBe(PUBLIC_REDIRECT);
      expect(url.searchParams.get("state")).toBe(result.state);
    }
    expect(a.body).toContain(`slack://app?team=${TEAM_A}&amp;id=A0TRUCEAPP`);

    // The app stored what the grid issued, one installation per workspace.
    const rowA = rows.get(`T:${TEAM_A}`);
    const rowB = rows.get(`T:${TEAM_B}`);
    expect(rowA?.bot).toMatchObject({
      token: a.installation?.botToken,
      userId: g.workspace(TEAM_A).botUserId,
      id: g.workspace(TEAM_A).botId,
      scopes: SCOPES,
    });
    expect(rowB?.bot?.token).toBe(b.installation?.botToken);
    expect(rowA?.bot?.token).not.toBe(rowB?.bot?.token);
    expect(rowA?.user.id).toBe("U0ALICE01");
    // InstallProvider called oauth.v2.access, then auth.test with the new token.
    expect(g.calls.map((c) => [c.method, c.ok])).toEqual([
      ["oauth.v2.access", true],
      ["oauth.v2.access", true],
    ]);
    expect(g.workspace(TEAM_A).callsTo("auth.test")).toHaveLength(1);

    // Drive a command from each workspace in the channel id both share.
    const da = g.driver(TEAM_A, { appUrl: `${base}/slack/events`, signingSecret: SIGNING_SECRET });
    const db = g.driver(TEAM_B, { appUrl: `${base}/slack/events`, signingSecret: SIGNING_SECRET });
    await da.command("U0ALICE01", "C0GENERAL", "hello");
    await db.command("U0BOB0001", "C0GENERAL", "hi");
    const wsA = g.workspace(TEAM_A);
    const wsB = g.workspace(TEAM_B);
    await wsA.waitFor(() => wsA.messagesIn("C0GENERAL").length === 1);
    await wsB.waitFor(() => wsB.messagesIn("C0GENERAL").length === 1);
    expect(wsA.messagesIn("C0GENERAL").map((m) => m.text)).toEqual([`${TEAM_A} says: hello`]);
    expect(wsB.messagesIn("C0GENERAL").map((m) => m.text)).toEqual([`${TEAM_B} says: hi`]);
    expect(g.errors()).toEqual([]);
  });

  it("a direct install (302 to Slack) works the same", async () => {
    const g = await startGrid();
    const { base, rows } = await startApp(g, { directInstall: true });
    const result = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_B,
      userId: "U0BOB0001",
    });
    expect(result.status).toBe(200);
    expect(rows.get(`T:${TEAM_B}`)?.bot?.token).toBe(g.installation(TEAM_B)?.botToken);
  });

  it("without the state cookie Bolt refuses the redirect (400) and nothing is installed", async () => {
    const g = await startGrid();
    const { base, rows } = await startApp(g);
    const result = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_A,
      userId: "U0ALICE01",
      dropCookie: true,
    });
    expect(result.status).toBe(400);
    expect(result.body).toContain("slack_oauth_invalid_state");
    expect(rows.size).toBe(0);
    // The code was never exchanged.
    expect(g.calls).toEqual([]);
    expect(g.installation(TEAM_A)).toBeUndefined();
  });

  it("Cancel on the consent page: the app shows its failure page, nothing is installed", async () => {
    const g = await startGrid();
    const { base, rows } = await startApp(g);
    const result = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_A,
      userId: "U0ALICE01",
      deny: true,
    });
    expect(result.code).toBeUndefined();
    expect(result.status).toBe(500);
    expect(rows.size).toBe(0);
    expect(g.calls).toEqual([]);
  });

  it("replaying the redirect: the code was spent, oauth.v2.access answers invalid_code", async () => {
    const g = await startGrid();
    const { base } = await startApp(g);
    const first = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_A,
      userId: "U0ALICE01",
    });
    const replay = await fetch(
      `${base}/slack/oauth_redirect?code=${first.code}&state=${first.state}`,
      { headers: { cookie: first.cookies.join("; ") } },
    );
    expect(replay.status).toBe(500);
    expect(g.calls.map((c) => c.error ?? "ok")).toEqual(["ok", "invalid_code"]);
  });

  it("an app that names no redirect URL: Slack sends the browser to the app's configured one", async () => {
    const g = await startGrid();
    const { base, rows } = await startApp(g, { redirectUri: null });
    const result = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_A,
      userId: "U0ALICE01",
    });
    expect(new URL(result.authorizeUrl).searchParams.get("redirect_uri")).toBeNull();
    expect(result.status).toBe(200);
    expect(rows.get(`T:${TEAM_A}`)?.bot?.token).toBe(g.installation(TEAM_A)?.botToken);
  });
});

describe("token rotation through Bolt's InstallProvider", () => {
  it("a token within two hours of expiry is refreshed on the next request; the old one stops working", async () => {
    // Real clock here: InstallProvider decides on Date.now(), the grid on its own clock.
    const g = await startGrid({ tokenRotation: { expiresIn: 3600 } });
    const { base, rows } = await startApp(g);
    const installed = await g.installViaBrowser({
      appBaseUrl: base,
      teamId: TEAM_A,
      userId: "U0ALICE01",
    });
    const first = installed.installation?.botToken as string;
    expect(rows.get(`T:${TEAM_A}`)?.bot?.refreshToken).toBe(installed.installation?.refreshToken);

    const driver = g.driver(TEAM_A, {
      appUrl: `${base}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    await driver.command("U0ALICE01", "C0GENERAL", "rotated");
    const ws = g.workspace(TEAM_A);
    await ws.waitFor(() => ws.messagesIn("C0GENERAL").length === 1);
    expect(g.calls.map((c) => c.args.grant_type ?? "authorization_code")).toEqual([
      "authorization_code",
      "refresh_token",
    ]);
    const now = g.installation(TEAM_A)?.botToken as string;
    expect(now).not.toBe(first);
    expect(rows.get(`T:${TEAM_A}`)?.bot?.token).toBe(now);
    expect(ws.callsTo("chat.postMessage")).toHaveLength(1);
    expect((await slackError(webClient(g, first).auth.test())).error).toBe("token_expired");
  });

  it("scheduled work, no request: installer.authorize refreshes a workspace's token by itself", async () => {
    const g = await startGrid({ tokenRotation: { expiresIn: 3600 } });
    const { base, receiver, rows } = await startApp(g);
    await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_A, userId: "U0ALICE01" });
    await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_B, userId: "U0BOB0001" });
    g.expireTokens(TEAM_B);
    const auth = await receiver.installer?.authorize({
      teamId: TEAM_B,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(auth?.botToken).toBe(g.installation(TEAM_B)?.botToken);
    expect(rows.get(`T:${TEAM_B}`)?.bot?.token).toBe(auth?.botToken);
    await webClient(g, auth?.botToken as string).chat.postMessage({
      channel: "C0BSALES1",
      text: "weekly digest",
    });
    expect(
      g
        .workspace(TEAM_B)
        .messagesIn("C0BSALES1")
        .map((m) => m.text),
    ).toEqual(["weekly digest"]);
    expect(g.workspace(TEAM_A).messages).toEqual([]);
  });

  it("tokens expired early (twelve-hour lifetime): InstallProvider does not refresh, the call fails token_expired", async () => {
    const g = await startGrid({ tokenRotation: true });
    const { base } = await startApp(g);
    await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_A, userId: "U0ALICE01" });
    g.expireTokens(TEAM_A);
    const driver = g.driver(TEAM_A, {
      appUrl: `${base}/slack/events`,
      signingSecret: SIGNING_SECRET,
    });
    await driver.command("U0ALICE01", "C0GENERAL", "too late");
    const ws = g.workspace(TEAM_A);
    await ws.waitFor(() => ws.errors().length === 1);
    expect(ws.errors().map((e) => [e.method, e.error])).toEqual([
      ["chat.postMessage", "token_expired"],
    ]);
    expect(g.calls.filter((c) => c.args.grant_type === "refresh_token")).toEqual([]);
  });
});

describe("uninstalling", () => {
  it("the app hears tokens_revoked and app_uninstalled for that workspace; the other keeps working", async () => {
    const g = await startGrid();
    const { base, rows, events } = await startApp(g);
    await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_A, userId: "U0ALICE01" });
    await g.installViaBrowser({ appBaseUrl: base, teamId: TEAM_B, userId: "U0BOB0001" });
    const tokenA = g.installation(TEAM_A)?.botToken as string;
    g.driver(TEAM_A, { appUrl: `${base}/slack/events`, signingSecret: SIGNING_SECRET });
    const db = g.driver(TEAM_B, { appUrl: `${base}/slack/events`, signingSecret: SIGNING_SECRET });

    await g.uninstall(TEAM_A);
    await g.workspace(TEAM_A).waitFor(() => events.length === 2);
    expect(events.map((e) => [(e.event as Obj).type, e.team_id])).toEqual([
      ["tokens_revoked", TEAM_A],
      ["app_uninstalled", TEAM_A],
    ]);
    expect([...rows.keys()]).toEqual([`T:${TEAM_B}`]);
    expect((await slackError(webClient(g, tokenA).auth.test())).error).toBe("account_inactive");

    await db.command("U0BOB0001", "C0BSALES1", "still here");
    const wsB = g.workspace(TEAM_B);
    await wsB.waitFor(() => wsB.messagesIn("C0BSALES1").length === 1);
    expect(g.workspace(TEAM_A).messages).toEqual([]);
  });
});

describe("an organisation-wide install", () => {
  it("one installation for the org; a command from any of its workspaces is answered there", async () => {
    const [alpha, beta] = gridWorkspaces() as [
      ReturnType<typeof gridWorkspaces>[number],
      ReturnType<typeof gridWorkspaces>[number],
    ];
    const g = await startGrid({
      workspaces: [
        { ...alpha, enterpriseId: "E0ACME001", enterpriseName: "Acme" },
        { ...beta, enterpriseId: "E0ACME001" },
      ],
    });
    const { base, rows } = await startApp(g);
    const result = await g.installViaBrowser({
      appBaseUrl: base,
      enterpriseId: "E0ACME001",
      userId: "U0ALICE01",
    });
    expect(result.status).toBe(200);
    const row = rows.get("E:E0ACME001");
    expect(row).toMatchObject({
      isEnterpriseInstall: true,
      enterprise: { id: "E0ACME001", name: "Acme" },
      enterpriseUrl: "https://e0acme001.enterprise.slack.com/",
    });
    expect(row?.team).toBeUndefined();

    // Both workspaces' commands are authorized by the org's installation; Bolt adds team_id to
    // the org token's calls, which is how the grid knows which workspace each one is for.
    for (const [teamId, user] of [
      [TEAM_A, "U0ALICE01"],
      [TEAM_B, "U0BOB0001"],
    ] as const) {
      const driver = g.driver(teamId, {
        appUrl: `${base}/slack/events`,
        signingSecret: SIGNING_SECRET,
      });
      await driver.command(user, "C0GENERAL", "org");
      const ws = g.workspace(teamId);
      await ws.waitFor(() => ws.messagesIn("C0GENERAL").length === 1);
      expect(ws.messagesIn("C0GENERAL").map((m) => m.text)).toEqual([`${teamId} says: org`]);
    }
  });
});
