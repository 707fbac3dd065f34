import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SlackDriver } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import { type FakeSlack, type RecordedMessage, startFakeSlack } from "../../sandbox/fake-slack.js";
import { startTruceProcess, type TruceProcess } from "../../sandbox/process.js";
import {
  LEADER,
  MARKETING,
  people,
  ratingsFor,
  SALES,
  SECRET,
  SIGNING_SECRET,
  surveyValues,
} from "./harness.js";

/**
 * SIGKILL at each step of a launch and a close, the real process each time: after a restart,
 * every channel and every leader has exactly the messages owed to them, once.
 */

const SECOND_LEADER = "U0LEAD0002";
/** Each test starts the real process twice; on a loaded two-core machine that takes a while. */
const PROCESS_TEST_MS = 90_000;
let fake: FakeSlack;
let truce: TruceProcess | undefined;
let dir: string;

afterEach(async () => {
  await truce?.kill();
  truce = undefined;
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(): Promise<void> {
  const sales = people("sales", 5);
  const marketing = people("marketing", 5);
  fake = await startFakeSlack({
    users: [
      { id: LEADER, name: "lee" },
      { id: SECOND_LEADER, name: "lou" },
      ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
    ],
    channels: [
      { id: SALES, name: "sales", members: [LEADER, ...sales] },
      { id: MARKETING, name: "marketing", members: [SECOND_LEADER, ...marketing] },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), "truce-crash-"));
}

const env = () =>
  sandboxEnv(
    fake,
    {
      databasePath: join(dir, "truce.db"),
      signingSecret: SIGNING_SECRET,
      salesChannel: SALES,
      marketingChannel: MARKETING,
      leader: LEADER,
    },
    { TRUCE_SECRET: SECRET, TRUCE_LEADERS: `${LEADER},${SECOND_LEADER}`, LOG_LEVEL: "warn" },
  );

async function start(): Promise<SlackDriver> {
  truce = await startTruceProcess(env(), { cwd: dir });
  return new SlackDriver({
    appUrl: `http://127.0.0.1:${truce.port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    fake,
  });
}

/** Restarts after a kill; the start-up tick resumes what was left. Resolves once `done()` holds. */
async function restartUntil(done: () => boolean): Promise<void> {
  await start();
  await fake.waitFor(() => done() || undefined, { timeoutMs: 30_000 });
  // A graceful stop waits for the tick under way, so nothing is still being sent when we count.
  await truce?.stop();
  truce = undefined;
}

const posted = (channel: string, pattern: RegExp) =>
  fake.messagesIn(channel).filter((m: RecordedMessage) => pattern.test(m.text ?? ""));
const invitations = (channel: string) => posted(channel, /Take the 5-minute anonymous survey/);
const summaries = (channel: string) => posted(channel, /Everyone n=10/);
const reports = (leader: string) =>
  fake.dms(leader).filter((m) => /Everyone n=10/.test(m.text ?? ""));

async function launchAndAnswer(driver: SlackDriver): Promise<void> {
  await driver.command(LEADER, SALES, "launch");
  await fake.waitFor(() => fake.responses.find((r) => /launched/.test(r.text ?? "")));
  for (const [side, channel] of [
    ["sales", SALES],
    ["marketing", MARKETING],
  ] as const) {
    const ts = invitations(channel)[0]?.ts as string;
    for (const user of people(side, 5)) {
      const view = await driver.openModalFromMessage(user, channel, ts, "open_survey");
      await driver.submitView(user, view.id, surveyValues(side, ratingsFor(60), view));
    }
  }
}

/** Hangs (then fails with 503) the next post that `when` picks; resolves once it is in flight. */
function hangPost(when: (args: Record<string, unknown>) => boolean) {
  return fake.failNext("chat.postMessage", { status: 503, delayMs: 60_000, when });
}
const to = (channel: string) => (args: Record<string, unknown>) => args.channel === channel;
const toDmOf = (user: string) => (args: Record<string, unknown>) =>
  args.channel !== undefined && args.channel === fake.dmChannel(user);

describe("a crash during a launch", { timeout: PROCESS_TEST_MS }, () => {
  for (const [step, channel] of [
    ["the first invitation", SALES],
    ["the second invitation", MARKETING],
  ] as const) {
    it(
      `killed while ${step} is in flight: both channels get one invitation`,
      async () => {
        await setUp();
        const driver = await start();
        const hanging = hangPost(to(channel));
        void driver.command(LEADER, SALES, "launch");
        await hanging.whenServed();
        await truce?.kill();
        expect(invitations(channel)).toHaveLength(0);
        await restartUntil(
          () => invitations(SALES).length > 0 && invitations(MARKETING).length > 0,
        );
        expect(invitations(SALES)).toHaveLength(1);
        expect(invitations(MARKETING)).toHaveLength(1);
      },
      PROCESS_TEST_MS,
    );
  }
});

describe("a crash during a close", { timeout: PROCESS_TEST_MS }, () => {
  for (const [step, when] of [
    ["the sales summary", () => to(SALES)],
    ["the marketing summary", () => to(MARKETING)],
    ["the first leader's report", () => toDmOf(LEADER)],
    ["the second leader's report", () => toDmOf(SECOND_LEADER)],
  ] as const) {
    it(
      `killed while ${step} is in flight: every channel and leader gets theirs once`,
      async () => {
        await setUp();
        const driver = await start();
        await launchAndAnswer(driver);
        const hanging = hangPost(when());
        void driver.command(LEADER, SALES, "close now");
        await hanging.whenServed();
        await truce?.kill();
        await restartUntil(
          () =>
            summaries(SALES).length > 0 &&
            summaries(MARKETING).length > 0 &&
            reports(LEADER).length > 0 &&
            reports(SECOND_LEADER).length > 0,
        );
        expect(summaries(SALES)).toHaveLength(1);
        expect(summaries(MARKETING)).toHaveLength(1);
        expect(reports(LEADER)).toHaveLength(1);
        expect(reports(SECOND_LEADER)).toHaveLength(1);
      },
      PROCESS_TEST_MS,
    );
  }
});
