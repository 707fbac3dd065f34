import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@slack/bolt";
import { LogLevel } from "@slack/bolt";
import Database from "better-sqlite3";
import { SlackDriver } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import {
  type FakeChannel,
  type FakeSlack,
  type FakeUser,
  type RateLimitConfig,
  startFakeSlack,
} from "../../sandbox/fake-slack.js";
import { createApp, type TruceApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { manualScheduler } from "../../src/services/scheduler.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT, type Instrument } from "../../src/survey/instrument.js";
import { faultyStore, type StoreFaults } from "./faults.js";

export const SIGNING_SECRET = "test-signing-secret";
export const SECRET = "test-secret-0123456789";
export const SALES = "C0SALES01";
export const MARKETING = "C0MARKET1";
export const LEADER = "U0LEAD0001";
export const ADMIN = "U0ADMIN001";

/** `n` people on a side: U0S0001… for sales, U0M0001… for marketing. */
export const people = (side: "sales" | "marketing", n: number) =>
  Array.from(
    { length: n },
    (_, i) => `U0${side === "sales" ? "S" : "M"}${String(i + 1).padStart(4, "0")}`,
  );

/** A logger that keeps every line, so tests can prove nothing sensitive is logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (...msg: unknown[]) => {
      lines.push(
        `${level} ${msg.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ")}`,
      );
    };
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

export interface Harness {
  fake: FakeSlack;
  driver: SlackDriver;
  truce: TruceApp;
  /** The store the app uses (the real one, behind `faults`). */
  store: Store;
  /** Makes the app's database fail on purpose. */
  faults: StoreFaults;
  logger: ReturnType<typeof recordingLogger>;
  dir: string;
  databasePath: string;
  now(): number;
  /** The injected clock itself (pass it to a restart that keeps the sandbox). */
  clock: { now: number };
  /** Moves the app's clock, running the app's timers that fall due (the refresh throttle). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  salesPeople?: number;
  marketingPeople?: number;
  users?: FakeUser[];
  channels?: FakeChannel[];
  instrument?: Instrument;
  /** Reuse a database directory (restart tests). */
  dir?: string;
  /** Remove `dir` on close even though it was given (the harness took it over on a restart). */
  ownsDir?: boolean;
  rateLimit?: false;
  /** The key for pseudonyms (default SECRET). */
  secret?: string;
  /** Make LEADER a workspace admin (for tests that lead through admin status, TRUCE_LEADERS unset). */
  leaderIsAdmin?: boolean;
  /**
   * The sandbox reads the app's injected clock (its rate limits refill as the app's time moves),
   * instead of the wall clock. The DM queue's waits always move the app's clock, never real time.
   */
  sharedClock?: boolean;
  /** The sandbox's workspace-wide chat.postMessage limit. */
  workspacePostLimit?: RateLimitConfig | false;
  /** Called whenever the DM queue waits (after the clock moved), e.g. to stop the app mid-fan-out. */
  onSleep?: (ms: number) => void;
  /** Start against this sandbox (a restart that keeps Slack's state); it is not closed on close. */
  fake?: FakeSlack;
  /** The injected clock, shared with an earlier harness (a restart against the same sandbox). */
  clock?: { now: number };
}

/** The real app over HTTP, against the local Slack sandbox, with a temporary database. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sales = people("sales", options.salesPeople ?? 8);
  const marketing = people("marketing", options.marketingPeople ?? 8);
  const users: FakeUser[] = options.users ?? [
    {
      id: LEADER,
      name: "lee",
      realName: "Lee Leader",
      tz: "America/New_York",
      isAdmin: options.leaderIsAdmin === true,
    },
    { id: ADMIN, name: "ada", realName: "Ada Admin", isAdmin: true, tz: "Europe/London" },
    ...sales.map((id) => ({ id, name: id.toLowerCase() })),
    ...marketing.map((id) => ({ id, name: id.toLowerCase() })),
  ];
  const channels: FakeChannel[] = options.channels ?? [
    { id: SALES, name: "sales", members: [LEADER, ADMIN, ...sales] },
    { id: MARKETING, name: "marketing", members: [LEADER, ADMIN, ...marketing] },
  ];
  const time = options.clock ?? { now: Date.UTC(2026, 10, 23, 9, 0, 0) };
  const fake =
    options.fake ??
    (await startFakeSlack({
      users,
      channels,
      ...(options.rateLimit === false ? { rateLimit: false } : {}),
      ...(options.sharedClock ? { now: () => time.now } : {}),
      ...(options.workspacePostLimit !== undefined
        ? { workspacePostLimit: options.workspacePostLimit }
        : {}),
    }));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "truce-app-"));
  const databasePath = join(dir, "truce.db");
  const config = loadConfig(
    sandboxEnv(
      fake,
      {
        databasePath,
        signingSecret: SIGNING_SECRET,
        salesChannel: SALES,
        marketingChannel: MARKETING,
        leader: LEADER,
      },
      { TRUCE_SECRET: SECRET, ...options.env },
    ),
  );
  // Timers on the test's clock: a throttle window passes when the test advances time.
  const timers = manualScheduler({
    now: () => time.now,
    set: (at) => {
      time.now = at;
    },
  });
  const { store, faults } = faultyStore(openSqliteStore(databasePath));
  const logger = recordingLogger();
  const truce = createApp({
    config,
    store,
    instrument: options.instrument ?? DEFAULT_INSTRUMENT,
    secret: options.secret ?? SECRET,
    logger,
    clock: () => time.now,
    scheduler: timers.scheduler,
    heartbeat: false,
    sleep: async (ms) => {
      time.now += ms;
      options.onSleep?.(ms);
    },
  });
  const port = await truce.start();
  const driver = new SlackDriver({
    appUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    fake,
  });
  return {
    fake,
    driver,
    truce,
    store,
    faults,
    logger,
    dir,
    databasePath,
    now: () => time.now,
    clock: time,
    advance: (ms) => timers.advance(ms),
    close: async () => {
      await truce.stop();
      await store.close();
      if (!options.fake) await fake.close();
      if (!options.dir || options.ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** 20 ratings summing to `total` (20…100), spread as evenly as possible. */
export function ratingsFor(total: number): string[] {
  const base = Math.floor(total / 20);
  const extra = total - base * 20;
  return Array.from({ length: 20 }, (_, i) => String(base + (i < extra ? 1 : 0)));
}

/**
 * A survey's answers as the driver submits them. The side is answered only when `view` asks it
 * (someone in both channels); the side of someone in one channel is known, not asked.
 */
export function surveyValues(
  side: "sales" | "marketing",
  ratings: readonly string[],
  view?: { view: { blocks?: unknown } },
) {
  const asksSide =
    view === undefined ||
    (Array.isArray(view.view.blocks) &&
      view.view.blocks.some((b) => (b as { block_id?: unknown }).block_id === "side"));
  return Object.fromEntries([
    ...(asksSide ? [["side", side]] : []),
    ...ratings.map((r, i) => [`statement_${i + 1}`, r]),
  ]);
}

/**
 * The words a person can read in Slack payloads (messages, replies, views, blocks, or lists of
 * them), one per line: every string under a `text` key, which covers a message's fallback text
 * and every text object in its blocks. Nothing else: no ts, ids, block ids, hashes, button values
 * or metadata, so a test looking for a figure such as "80.0" cannot match a timestamp by chance.
 */
export function readableText(...payloads: unknown[]): string {
  const lines: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "text" && typeof value === "string") lines.push(value);
        else visit(value);
      }
    }
  };
  for (const payload of payloads) visit(payload);
  return lines.join("\n");
}

/** The text a person would read: the last ephemeral reply to their command (ack body or response_url). */
export function replyTo(h: { fake: FakeSlack }, user: string): string {
  const last = h.fake.responses.filter((r) => r.context.user === user && r.ok).at(-1);
  if (!last) throw new Error(`no reply to ${user}`);
  return readableText({ text: last.text, blocks: last.blocks });
}

/** The leader launches a round; resolves to the ts of the invitation in each channel. */
export async function launchRound(
  h: Harness,
  days?: number,
): Promise<Record<"sales" | "marketing", string>> {
  await h.driver.command(LEADER, SALES, days === undefined ? "launch" : `launch ${days}`);
  await h.fake.waitFor(
    () => h.fake.responses.find((r) => r.context.user === LEADER && /launched/.test(r.text ?? "")),
    {
      timeoutMs: 10_000,
    },
  );
  const sales = h.fake.messagesIn(SALES).at(-1);
  const marketing = h.fake.messagesIn(MARKETING).at(-1);
  if (!sales || !marketing) throw new Error("invitations were not posted");
  return { sales: sales.ts, marketing: marketing.ts };
}

export interface PersonAnswer {
  side: "sales" | "marketing";
  user: string;
  ratings: string[];
}

/** Each person opens the survey from their side's invitation and submits it. */
export async function answerAll(
  h: Harness,
  invitations: Record<"sales" | "marketing", string>,
  answers: readonly PersonAnswer[],
) {
  for (const a of answers) {
    const channel = a.side === "sales" ? SALES : MARKETING;
    const view = await h.driver.openModalFromMessage(
      a.user,
      channel,
      invitations[a.side],
      "open_survey",
    );
    const result = await h.driver.submitView(
      a.user,
      view.id,
      surveyValues(a.side, a.ratings, view),
    );
    if (result.ackMs >= 3000) throw new Error(`submission acknowledged after ${result.ackMs} ms`);
  }
}

/** `n` people of a side who all give the same total. */
export const everyone = (side: "sales" | "marketing", n: number, total: number): PersonAnswer[] =>
  people(side, n).map((user) => ({ side, user, ratings: ratingsFor(total) }));

/** The leader closes the round; resolves once the results are posted. */
export async function closeRound(h: Harness): Promise<void> {
  await h.driver.command(LEADER, SALES, "close now");
  await h.fake.waitFor(() => h.fake.responses.find((r) => /Round closed/.test(r.text ?? "")), {
    timeoutMs: 10_000,
  });
  await h.truce.idle();
}

/** Stops the app (and its Slack sandbox) and starts a new one on the same database directory. */
export async function restartHarness(old: Harness, options: HarnessOptions = {}): Promise<Harness> {
  await old.truce.stop();
  await old.store.close();
  await old.fake.close();
  return startHarness({ ...options, dir: old.dir, ownsDir: true });
}

/** Folds the WAL into the database file (from a connection of the test's own), to read the file. */
export function checkpoint(databasePath: string): void {
  const db = new Database(databasePath);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}
