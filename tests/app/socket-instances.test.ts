import { afterEach, describe, expect, inject, it } from "vitest";
import { sandboxEnv } from "../../sandbox/env.js";
import { type FakeSlack, startFakeSlack } from "../../sandbox/fake-slack.js";
import { createDatabase, databaseUrl, dropDatabase } from "../../sandbox/postgres-server.js";
import { SocketModeDriver } from "../../sandbox/socket-mode.js";
import { createApp, type TruceApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgresStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import {
  LEADER,
  MARKETING,
  people,
  ratingsFor,
  recordingLogger,
  SALES,
  SECRET,
  surveyValues,
} from "./harness.js";

/**
 * Several instances in Socket Mode: each holds its own WebSocket to Slack, and Slack spreads the
 * envelopes over them. Answers taken by either count once, an event redelivered on the other
 * connection is handled once, and the close on one instance posts one summary per channel.
 */

const postgres = inject("postgres");
const PER_SIDE = 5;
const NEWCOMER = "U0NEWBIE1";

let fake: FakeSlack | undefined;
let driver: SocketModeDriver | undefined;
let instances: { truce: TruceApp; store: Store }[] = [];
let database: string | undefined;

afterEach(async () => {
  for (const i of instances) await i.truce.stop();
  await driver?.close();
  for (const i of instances) await i.store.close();
  instances = [];
  await fake?.close();
  if (database && postgres.state === "running")
    await dropDatabase(postgres.adminUrl, database).catch(() => undefined);
  database = undefined;
});

describe.runIf(postgres.state === "running")("Socket Mode with two instances", () => {
  it("spreads envelopes over both connections; every answer counts once, every post goes once", async () => {
    if (postgres.state !== "running") return;
    database = `socket_${process.pid}`;
    await createDatabase(postgres.adminUrl, database);
    const url = databaseUrl(postgres.adminUrl, database);
    const sales = people("sales", PER_SIDE);
    const marketing = people("marketing", PER_SIDE);
    fake = await startFakeSlack({
      users: [
        { id: LEADER, name: "lee" },
        { id: NEWCOMER, name: "newbie" },
        ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
      ],
      channels: [
        { id: SALES, name: "sales", members: [LEADER, ...sales] },
        { id: MARKETING, name: "marketing", members: [LEADER, ...marketing] },
      ],
    });
    const slack = fake;
    driver = new SocketModeDriver({ fake: slack, spread: true });
    const now = Date.UTC(2026, 10, 23, 9);
    for (let n = 0; n < 2; n += 1) {
      const config = loadConfig(
        sandboxEnv(
          slack,
          {
            databasePath: "unused-with-database-url.db",
            salesChannel: SALES,
            marketingChannel: MARKETING,
            leader: LEADER,
          },
          { SLACK_APP_TOKEN: slack.appToken, TRUCE_SECRET: SECRET, DATABASE_URL: url },
        ),
      );
      const store = await openPostgresStore(url);
      const truce = createApp({
        config,
        store,
        instrument: DEFAULT_INSTRUMENT,
        secret: SECRET,
        logger: recordingLogger(),
        clock: () => now,
        heartbeat: false,
      });
      instances.push({ truce, store });
      await truce.start();
      await driver.waitForConnection({ total: n + 1 });
    }
    expect(driver.openConnections).toBe(2);

    await driver.command(LEADER, SALES, "launch");
    await slack.waitFor(() => slack.responses.find((r) => /Round launched/.test(r.text ?? "")));
    const invitations = { [SALES]: "", [MARKETING]: "" };
    for (const channel of [SALES, MARKETING] as const) {
      expect(slack.messagesIn(channel)).toHaveLength(1);
      invitations[channel] = slack.messagesIn(channel)[0]?.ts as string;
    }

    // The same event, delivered on one connection and redelivered on the other.
    slack.addMember(SALES, NEWCOMER);
    const joined = {
      type: "member_joined_channel",
      user: NEWCOMER,
      channel: SALES,
      team: slack.teamId,
    };
    await driver.event(joined, { eventId: "Ev0SOCKETTWICE" });
    await slack.waitFor(() => slack.ephemeralsFor(NEWCOMER, SALES)[0]);
    await driver.event(joined, { eventId: "Ev0SOCKETTWICE", retryNum: 1, retryReason: "timeout" });

    for (const [side, channel, who] of [
      ["sales", SALES, sales],
      ["marketing", MARKETING, marketing],
    ] as const) {
      for (const user of who) {
        const view = await driver.openModalFromMessage(
          user,
          channel,
          invitations[channel],
          "open_survey",
        );
        const submitted = await driver.submitView(
          user,
          view.id,
          surveyValues(side, ratingsFor(70), view),
        );
        expect(submitted.body).toMatchObject({ response_action: "update" });
      }
    }
    const round = await instances[0]?.store.rounds.openFor(slack.teamId);
    expect(await instances[1]?.store.responses.counts(round?.id as number)).toEqual({
      sales: PER_SIDE,
      marketing: PER_SIDE,
    });
    // Each modal was opened through one instance and submitted through the other: the modal
    // lives in Slack, not in the instance that opened it.
    const opens = driver.envelopes.filter((e) => e.payloadType === "block_actions");
    const submissions = driver.envelopes.filter((e) => e.payloadType === "view_submission");
    expect(opens).toHaveLength(2 * PER_SIDE);
    expect(submissions.map((e, i) => e.connection !== opens[i]?.connection)).toEqual(
      submissions.map(() => true),
    );
    expect(new Set(driver.envelopes.map((e) => e.connection)).size).toBe(2);

    await driver.command(LEADER, SALES, "close now");
    const summary = (channel: string) =>
      slack.messagesIn(channel).filter((m) => /Everyone n=10/.test(m.text ?? ""));
    const reports = () => slack.dms(LEADER).filter((m) => /Everyone n=10/.test(m.text ?? ""));
    await slack.waitFor(
      () => (summary(SALES).length && summary(MARKETING).length && reports().length) || undefined,
      { timeoutMs: 10_000 },
    );
    for (const i of instances) await i.truce.idle();
    expect(summary(SALES)).toHaveLength(1);
    expect(summary(MARKETING)).toHaveLength(1);
    expect(reports()).toHaveLength(1);
    expect(slack.ephemeralsFor(NEWCOMER, SALES)).toHaveLength(1);
    expect(slack.errors()).toEqual([]);
  });
});
