/**
 * The 2,000-recipient DM fan-out (`/alignment remind`) through the paced DM queue, against the
 * Slack sandbox with its rate limits on: how long it takes under Slack's limits, how many DMs
 * went out, how many reached someone twice (must be none) and how many 429s Slack answered.
 *
 * Time: the queue paces itself (one DM every DM_INTERVAL_MS) and waits out Retry-After on the
 * app's clock, and the sandbox refills its rate limits on the same clock. The bench injects that
 * clock and moves it on whenever the queue waits, as the tests do: the real-time run would take
 * 2,000 × 0.5 s, over 16 minutes, mostly asleep. So the duration is the clock's: every pause the
 * limits impose, exactly as a real run would spend them; the real time the bench took is the
 * work between the pauses (in a real run it adds to them, with Slack's network latency). Two
 * runs: the sandbox's default limits (Slack's published ones), and a workspace-wide limit of
 * 1.5 posts a second with bursts of 10, below the queue's own pace, so that Slack answers 429
 * and every wait follows its Retry-After.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SlackDriver } from "../sandbox/driver.js";
import { sandboxEnv } from "../sandbox/env.js";
import { type RateLimitConfig, startFakeSlack } from "../sandbox/fake-slack.js";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { DM_INTERVAL_MS } from "../src/services/dm-queue.js";
import { manualScheduler } from "../src/services/scheduler.js";
import { openSqliteStore } from "../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../src/survey/instrument.js";

export interface FanOutRow {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
}

/** Recipients: everyone in the two channels, the leader included. */
const RECIPIENTS = 2_000;
const SIGNING_SECRET = "bench-fanout-signing-secret";
const SECRET = "bench-fanout-secret-0123456789";
const LEADER = "U0FANLEAD";
const SALES = "C0FANSALES";
const MARKETING = "C0FANMKTG";
/** The 429 mode of the fan-out test: below the queue's own pace, so Slack has to slow it. */
const BURST_LIMIT: RateLimitConfig = { burst: 10, perSecond: 1.5 };
/** Slack's limit lets through at most this share more than its steady rate (the first burst). */
const PACE_SLACK = 1.1;

const quiet = silentLogger;

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

async function fanOut(
  mode: "default limits" | "429 mode",
  workspacePostLimit: RateLimitConfig | undefined,
): Promise<FanOutRow> {
  const perSide = (RECIPIENTS - 1) / 2;
  const ids = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
  const sales = ids("U0FS", Math.ceil(perSide));
  const marketing = ids("U0FM", Math.floor(perSide));
  // Monday 09:00 UTC: everyone is in their working hours, so all are reminded now.
  const time = { now: Date.UTC(2026, 10, 23, 9, 0, 0) };
  const fake = await startFakeSlack({
    users: [
      { id: LEADER, name: "lead", realName: "Lee Leader", tz: "Europe/London" },
      ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
    ],
    channels: [
      { id: SALES, name: "sales", members: [LEADER, ...sales] },
      { id: MARKETING, name: "marketing", members: [LEADER, ...marketing] },
    ],
    now: () => time.now,
    ...(workspacePostLimit ? { workspacePostLimit } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), "truce-bench-fanout-"));
  const store = openSqliteStore(join(dir, "truce.db"));
  const config = loadConfig(
    sandboxEnv(
      fake,
      {
        databasePath: join(dir, "truce.db"),
        signingSecret: SIGNING_SECRET,
        salesChannel: SALES,
        marketingChannel: MARKETING,
        leader: LEADER,
      },
      { TRUCE_SECRET: SECRET, LOG_LEVEL: "warn" },
    ),
  );
  const timers = manualScheduler({
    now: () => time.now,
    set: (at) => {
      time.now = at;
    },
  });
  const truce = createApp({
    config,
    store,
    instrument: DEFAULT_INSTRUMENT,
    secret: SECRET,
    logger: quiet,
    clock: () => time.now,
    scheduler: timers.scheduler,
    heartbeat: false,
    // The queue's pauses move the clock (see the header).
    sleep: async (ms) => {
      time.now += ms;
    },
  });
  try {
    const port = await truce.start();
    const driver = new SlackDriver({
      appUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      fake,
    });
    await driver.command(LEADER, SALES, "launch 7");
    await fake.waitFor(() => fake.responses.find((r) => /launched/.test(r.text ?? "")), {
      timeoutMs: 30_000,
      message: "the round did not launch",
    });
    await truce.idle();
    const callsBefore = fake.calls.length;
    const clockStart = time.now;
    const realStart = performance.now();
    await driver.command(LEADER, SALES, "remind");
    await fake.waitFor(
      () => fake.responses.find((r) => /Reminding/.test(r.text ?? "")) ?? undefined,
      { timeoutMs: 60_000, message: "the reminders were not queued" },
    );
    await truce.idle();
    const realMs = performance.now() - realStart;
    const clockMs = time.now - clockStart;

    const perUser = new Map<string, number>();
    for (const m of fake.messages) {
      if (!m.channel.startsWith("D") || !/^Reminder/.test(m.text ?? "")) continue;
      const user = fake.channel(m.channel)?.imUser ?? "?";
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
    }
    const sent = [...perUser.values()].reduce((a, b) => a + b, 0);
    const twice = [...perUser.values()].filter((n) => n > 1).length;
    const posts = fake.calls.slice(callsBefore).filter((c) => c.method === "chat.postMessage");
    const limited = posts.filter((c) => c.status === 429).length;
    // Under the sandbox's default limits the queue's own pace decides; in 429 mode Slack's.
    const perSecond = workspacePostLimit
      ? Math.min(workspacePostLimit.perSecond, 1000 / DM_INTERVAL_MS)
      : 1000 / DM_INTERVAL_MS;
    const boundMs = (RECIPIENTS / perSecond) * 1000 * PACE_SLACK;
    const reached = perUser.size === RECIPIENTS && sent === RECIPIENTS && twice === 0;
    return {
      name: `DM fan-out to ${RECIPIENTS.toLocaleString("en")}, ${mode}`,
      measured:
        `${seconds(clockMs + realMs)} (${seconds(clockMs)} of pacing and Retry-After on the clock + ${seconds(realMs)} of work); ` +
        `${sent} DMs to ${perUser.size} people, ${twice} twice, ${limited} 429s`,
      target: `all ${RECIPIENTS} once, ≤${seconds(boundMs)}${workspacePostLimit ? ", 429s > 0" : ""}`,
      pass: reached && clockMs <= boundMs && (workspacePostLimit === undefined || limited > 0),
    };
  } finally {
    await truce.stop();
    await store.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function fanOutBench(say: (line: string) => void): Promise<FanOutRow[]> {
  const rows: FanOutRow[] = [];
  for (const [mode, limit] of [
    ["default limits", undefined],
    ["429 mode", BURST_LIMIT],
  ] as const) {
    const row = await fanOut(mode, limit);
    say(`fan-out: ${row.name}: ${row.measured}`);
    rows.push(row);
  }
  return rows;
}
