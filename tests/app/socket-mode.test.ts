import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { buildStateValues } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import { type FakeSlack, startFakeSlack } from "../../sandbox/fake-slack.js";
import { SocketModeDriver } from "../../sandbox/socket-mode.js";
import { createApp, type TruceApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import {
  ADMIN,
  LEADER,
  MARKETING,
  people,
  ratingsFor,
  readableText,
  recordingLogger,
  replyTo,
  SALES,
  SECRET,
  surveyValues,
} from "./harness.js";

interface SocketHarness {
  fake: FakeSlack;
  driver: SocketModeDriver;
  truce: TruceApp;
  store: Store;
  port: number;
  logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

/** The real app in Socket Mode (SLACK_APP_TOKEN set, no signing secret) against the sandbox. */
async function startSocketHarness(): Promise<SocketHarness> {
  const sales = people("sales", 4);
  const marketing = people("marketing", 4);
  const fake = await startFakeSlack({
    users: [
      { id: LEADER, name: "lee", realName: "Lee Leader", tz: "America/New_York" },
      { id: ADMIN, name: "ada", realName: "Ada Admin", isAdmin: true, tz: "Europe/London" },
      ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
    ],
    channels: [
      { id: SALES, name: "sales", members: [LEADER, ADMIN, ...sales] },
      { id: MARKETING, name: "marketing", members: [LEADER, ADMIN, ...marketing] },
    ],
  });
  // Attach before the app starts: its start() waits for the hello on its first connection.
  const driver = new SocketModeDriver({ fake });
  const dir = mkdtempSync(join(tmpdir(), "truce-socket-"));
  // Socket Mode: the app-level token, and no signing secret at all.
  const config = loadConfig(
    sandboxEnv(
      fake,
      {
        databasePath: join(dir, "truce.db"),
        salesChannel: SALES,
        marketingChannel: MARKETING,
        leader: LEADER,
      },
      { SLACK_APP_TOKEN: fake.appToken, TRUCE_SECRET: SECRET },
    ),
  );
  const store = openSqliteStore(config.databasePath);
  const logger = recordingLogger();
  const now = Date.UTC(2026, 10, 23, 9, 0, 0);
  const truce = createApp({
    config,
    store,
    instrument: DEFAULT_INSTRUMENT,
    secret: SECRET,
    logger,
    clock: () => now,
    heartbeat: false,
  });
  let stopped = false;
  const close = async () => {
    if (!stopped) {
      stopped = true;
      await truce.stop();
    }
    await driver.close();
    store.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let port: number | undefined;
  try {
    // Socket Mode: start() resolves once /healthz listens, and says on which port.
    port = await truce.start();
    await driver.waitForConnection();
  } catch (error) {
    await close();
    throw error;
  }
  if (port === undefined) throw new Error("start() did not report the /healthz port");
  return { fake, driver, truce, store, port, logger, close };
}

let h: SocketHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("Socket Mode (SLACK_APP_TOKEN set)", () => {
  it("answers /healthz with 503 while the socket to Slack is down", async () => {
    h = await startSocketHarness();
    const healthz = async () => {
      const response = await fetch(`http://127.0.0.1:${h?.port}/healthz`);
      return { status: response.status, body: await response.json() };
    };
    expect(await healthz()).toEqual({
      status: 200,
      body: { ok: true, database: "writable", socket: "connected" },
    });
    await h.driver.close(); // Slack goes away: the connection drops and reconnecting is refused
    let down = await healthz();
    for (let tries = 0; down.status !== 503 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      down = await healthz();
    }
    expect(down.body).toEqual({ ok: false, database: "writable", socket: "disconnected" });
  });

  it("connects with the app-level token and runs a survey round over the WebSocket", async () => {
    h = await startSocketHarness();
    const { fake, driver, store } = h;

    // The connection was opened with the app-level token, through the configured API URL.
    expect(fake.callsTo("apps.connections.open")).toHaveLength(1);
    expect(fake.callsTo("apps.connections.open")[0]?.ok).toBe(true);
    expect(driver.openConnections).toBe(1);

    // help: answered in the acknowledgement's payload.
    const help = await driver.command(ADMIN, SALES, "help");
    expect(help.ackMs).toBeLessThan(3000);
    expect(help.ackMessage?.ok).toBe(true);
    expect(replyTo({ fake }, ADMIN)).toContain("/alignment launch [days]");

    // A leader launches: the invitations are posted in both channels.
    const launch = await driver.command(LEADER, SALES, "launch");
    expect(launch.ackMs).toBeLessThan(3000);
    await fake.waitFor(() =>
      fake.responses.find((r) => r.context.user === LEADER && /launched/.test(r.text ?? "")),
    );
    expect(replyTo({ fake }, LEADER)).toMatch(/Round launched for 7 days/);
    const invitation = fake.messagesIn(SALES).at(-1);
    expect(invitation).toBeDefined();
    expect(fake.messagesIn(MARKETING)).toHaveLength(1);

    // A salesperson opens the survey from the invitation's button and submits it.
    const [user] = people("sales", 1) as [string];
    const view = await driver.openModalFromMessage(
      user,
      SALES,
      invitation?.ts as string,
      "open_survey",
    );
    const submitted = await driver.submitView(
      user,
      view.id,
      surveyValues("sales", ratingsFor(60), view),
    );
    expect(submitted.ackMs).toBeLessThan(3000);
    expect(submitted.body).toMatchObject({ response_action: "update" });
    expect(submitted.outcome.ok).toBe(true);
    expect(readableText(submitted.outcome.view?.view)).toMatch(/thank/i);

    const round = await store.rounds.openFor(fake.teamId);
    expect(round).toBeDefined();
    expect(await store.responses.counts(round?.id as number)).toEqual({ sales: 1, marketing: 0 });

    await driver.command(ADMIN, SALES, "status");
    expect(replyTo({ fake }, ADMIN)).toContain("Sales n=1");

    // Events come as events_api envelopes, acknowledged without a payload.
    await driver.appHomeOpened(user);
    const home = await fake.waitFor(() => fake.homeViews.get(user));
    expect(home.view.type).toBe("home");

    // Every envelope was acknowledged on time, with a payload only where Slack takes one.
    expect(driver.envelopes.map((e) => [e.type, e.payloadType ?? null])).toEqual([
      ["slash_commands", null],
      ["slash_commands", null],
      ["interactive", "block_actions"],
      ["interactive", "view_submission"],
      ["slash_commands", null],
      ["events_api", "app_home_opened"],
    ]);
    for (const e of driver.envelopes) {
      expect(e.ack?.ackMs).toBeLessThan(3000);
      if (!e.acceptsResponsePayload) expect(e.ack?.payload ?? {}).toEqual({});
    }

    // The health route is served on PORT in Socket Mode too.
    const health = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: "writable", socket: "connected" });

    await h.truce.idle();
    expect(fake.errors()).toEqual([]);
    expect(fake.warnings).toEqual([]);
    expect(h.logger.lines.filter((l) => /^(warn|error) /.test(l))).toEqual([]);
  });

  it("reconnects with a fresh URL when Slack asks it to refresh the connection", async () => {
    h = await startSocketHarness();
    const { fake, driver } = h;
    driver.disconnect("refresh_requested");
    // @slack/socket-mode waits clientPingTimeout (5 s) before its first reconnection.
    await driver.waitForConnection({ total: 2, timeoutMs: 9000 });
    expect(fake.callsTo("apps.connections.open")).toHaveLength(2);
    expect(driver.openConnections).toBe(1);
    await driver.command(ADMIN, SALES, "help");
    expect(replyTo({ fake }, ADMIN)).toContain("/alignment launch [days]");
    expect(fake.errors()).toEqual([]);
  }, 15_000);
});

describe("Socket Mode: malformed envelopes", () => {
  it("drops them before any listener runs, logging the problem but not the content", async () => {
    h = await startSocketHarness();
    const { fake, driver, store } = h;
    await driver.command(LEADER, SALES, "launch");
    await fake.waitFor(() => fake.messagesIn(SALES).at(-1));
    const invitation = fake.messagesIn(SALES).at(-1)?.ts as string;
    const round = await store.rounds.openFor(fake.teamId);
    const [user] = people("sales", 1) as [string];
    const view = await driver.openModalFromMessage(user, SALES, invitation, "open_survey");
    const marker = "answers-never-logged";
    const submission = {
      type: "view_submission",
      team: { id: fake.teamId, domain: fake.teamDomain },
      user: { id: "U1", team_id: fake.teamId },
      api_app_id: fake.appId,
      trigger_id: fake.newTriggerId(user),
      view: {
        ...view.view,
        state: {
          values: {
            ...buildStateValues(view.view, surveyValues("sales", ratingsFor(60), view), false),
            [marker]: { [marker]: { type: "plain_text_input", value: marker } },
          },
        },
      },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    // Not acknowledged: Slack shows the person an error rather than a false "saved".
    const dropped = driver.sendEnvelope("interactive", submission).then(
      () => "acknowledged",
      (error: Error) => error.message,
    );
    // Events are acknowledged by Bolt before any middleware; the listener still must not run.
    await driver.sendEnvelope("events_api", {
      type: "event_callback",
      team_id: fake.teamId,
      api_app_id: fake.appId,
      event_id: "Ev0SOCKETBAD",
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_home_opened", user: { id: user }, tab: "home" },
    });
    expect(await dropped).toMatch(/no acknowledgement of interactive envelope/);
    expect(await store.responses.counts(round?.id as number)).toEqual({ sales: 0, marketing: 0 });
    expect(fake.callsTo("views.publish")).toEqual([]);
    const warnings = h.logger.lines.filter((l) => /^(warn|error) /.test(l));
    expect(warnings).toEqual([
      "warn Dropped a request with a malformed envelope: view_submission: user.id.",
      "warn Dropped a request with a malformed envelope: app_home_opened: event.user.",
    ]);
    expect(h.logger.lines.join("\n")).not.toContain(marker);

    // The same submission from the person's real id is taken.
    await driver.sendEnvelope("interactive", { ...submission, user: { id: user } });
    expect(await store.responses.counts(round?.id as number)).toEqual({ sales: 1, marketing: 0 });
  });
});

describe("the sandbox's Socket Mode endpoint", () => {
  it("apps.connections.open takes the app-level token only, in the Authorization header", async () => {
    const fake = await startFakeSlack();
    try {
      const open = async (headers: Record<string, string>, body = "") => {
        const res = await fetch(`${fake.apiUrl}apps.connections.open`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
          body,
        });
        return (await res.json()) as { ok: boolean; error?: string; url?: string };
      };
      const opened = await open({ authorization: `Bearer ${fake.appToken}` });
      expect(opened.ok).toBe(true);
      expect(opened.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${fake.port}/socket/\\w+$`));
      expect(await open({ authorization: `Bearer ${fake.botToken}` })).toEqual({
        ok: false,
        error: "not_allowed_token_type",
      });
      expect(await open({ authorization: "Bearer xapp-1-A0OTHER-1-nope" })).toMatchObject({
        error: "invalid_auth",
      });
      expect(await open({}, `token=${fake.appToken}`)).toMatchObject({ error: "not_authed" });
      // The app-level token is not a bot token.
      const post = await fetch(`${fake.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${fake.appToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ channel: "C0NOPE", text: "hi" }),
      });
      expect(await post.json()).toMatchObject({ ok: false, error: "not_allowed_token_type" });
      // Without a SocketModeDriver attached, the URL is refused rather than left hanging.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(opened.url?.replace(/^ws/, "http") as string, {
          headers: {
            connection: "Upgrade",
            upgrade: "websocket",
            "sec-websocket-version": "13",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on("upgrade", () => reject(new Error("upgraded without a Socket Mode host")));
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(503);
      expect(fake.errors().map((e) => e.error)).toContain("socket_mode_not_attached");
    } finally {
      await fake.close();
    }
  });

  it("the driver fails a call whose acknowledgement comes too late", async () => {
    const fake = await startFakeSlack({
      users: [{ id: "U0SLOW001", name: "slow" }],
      channels: [{ id: "C0SLOW001", name: "slow", members: ["U0SLOW001"], botIsMember: true }],
    });
    const driver = new SocketModeDriver({ fake, ackTimeoutMs: 200 });
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logger: recordingLogger(),
      clientOptions: { slackApiUrl: fake.apiUrl },
    });
    app.command("/alignment", async ({ ack, command }) => {
      if (command.text === "slow") await new Promise((r) => setTimeout(r, 400));
      await ack({ response_type: "ephemeral", text: `done: ${command.text}` });
    });
    try {
      await app.start();
      await driver.waitForConnection();
      const quick = await driver.command("U0SLOW001", "C0SLOW001", "quick");
      expect(quick.body).toEqual({ response_type: "ephemeral", text: "done: quick" });
      expect(quick.ackMessage?.text).toBe("done: quick");
      await expect(driver.command("U0SLOW001", "C0SLOW001", "slow")).rejects.toThrow(
        /no acknowledgement of slash_commands envelope .* within 200 ms/,
      );
      // Requests in Socket Mode are not signed: HTTP-only options are refused, not ignored.
      await expect(
        driver.command("U0SLOW001", "C0SLOW001", "quick", { badSignature: true }),
      ).rejects.toThrow(/not signed/);
    } finally {
      await app.stop();
      await driver.close();
      await fake.close();
    }
  });
});
