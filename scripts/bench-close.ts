/**
 * Closing a round of 1,000,000 answers, with the previous round's 1,000,000 (the same people,
 * one in a hundred replaced), from the database: the real closed-round report
 * (closedRoundReport: tallies and who-answered comparison from the store, then the analysis)
 * and both report messages, while a 1 ms timer measures the longest the event loop waited. On
 * SQLite (a temporary file) and on PostgreSQL (a throwaway server, as the tests start one) when
 * it is installed. Called by scripts/bench.ts; prints its own lines and returns table rows.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import Database from "better-sqlite3";
import pg from "pg";
import {
  createDatabase,
  databaseUrl,
  findPostgresBin,
  postgresMissingReason,
  startThrowawayPostgres,
} from "../sandbox/postgres-server.js";
import type { Deps } from "../src/deps.js";
import { silentLogger } from "../src/logger.js";
import { closedRoundReport } from "../src/services/round-report.js";
import { openPostgresStore, openSqliteStore, type Store } from "../src/store/index.js";
import { keyFingerprint, personKeyer } from "../src/store/keys.js";
import { DEFAULT_INSTRUMENT } from "../src/survey/instrument.js";
import type { Side } from "../src/survey/types.js";
import { channelSummaryMessage, leaderReportMessage } from "../src/views/report.js";
import { ANALYSIS_TARGET, type AnalysisRow, longestStall } from "./bench-analysis.js";
import { seededRandom } from "./seeded-random.js";

const ANSWERS = Number(process.env.BENCH_CLOSE_ANSWERS) || 1_000_000;
/**
 * PostgreSQL's round, smaller by default: the server takes minutes to fill and compare two
 * rounds of a million on a shared 2-core machine, and what the event loop waits for is the same
 * page by page whatever the round's size (BENCH_CLOSE_PG_ANSWERS=1000000 for the full size).
 */
const PG_ANSWERS = Number(process.env.BENCH_CLOSE_PG_ANSWERS) || 100_000;
/** Rows written per statement while filling the database (not timed). */
const FILL_CHUNK = 20_000;
const SECRET = "bench-close-secret-0123456789";
const TEAM = "T0BENCHCLOSE";
const DAY = 86_400_000;

const ms = (x: number) => x.toFixed(1);

/** A full garbage collection, even under plain tsx (no --expose-gc on the command line). */
function collectGarbage(): void {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    if (typeof gc === "function") gc();
  } catch {
    // Without it the figure may include a collection of the bench's own garbage.
  }
}

/** Person i's keyed hash in round `round` (0 previous, 1 current): one in 100 is new. */
const keyOf = (i: number, round: number) =>
  createHash("sha256")
    .update(round === 1 && i % 100 === 0 ? `new-${i}` : `person-${i}`)
    .digest("hex");
const sideOf = (i: number): Side => (i % 5 < 3 ? "sales" : "marketing");

/** Person i's ratings in round `round`, as stored (JSON): seeded per person and round. */
function ratingsOf(i: number, round: number): string {
  const random = seededRandom(round * 2_000_003 + i);
  const lean = sideOf(i) === "sales" ? 0.4 : -0.2;
  const ratings = Array.from({ length: DEFAULT_INSTRUMENT.statements.length }, (_, s) => {
    const r = Math.round(3 + lean + ((s % 5) - 2) * 0.3 + (random() + random() - 1) * 2.2);
    return Math.min(5, Math.max(1, r));
  });
  return JSON.stringify(ratings);
}

/**
 * A round's people in key order: the members are recorded in their index's order, which is
 * fastest (random keys would scatter every insert over the whole index). The answers are stored
 * in the order people answer, as in a real round (see the fillers).
 */
function peopleInKeyOrder(round: number, n: number): { key: string; side: Side; i: number }[] {
  const people = Array.from({ length: n }, (_, i) => ({
    key: keyOf(i, round),
    side: sideOf(i),
    i,
  }));
  return people.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Fills a round with its members and every member's answer. */
type Filler = (roundId: number, round: number) => Promise<void>;

/** Opens, fills and closes the previous round and the current one; returns the current one. */
async function twoRounds(store: Store, n: number, fill: Filler) {
  let current: Awaited<ReturnType<Store["rounds"]["open"]>> | undefined;
  for (const round of [0, 1]) {
    const openedAt = Date.UTC(2026, 0, 1) + round * 100 * DAY;
    const sales = Math.ceil((n * 3) / 5);
    // Opened without members; the filler records them (the round still verifies sides).
    const opened = await store.rounds.open({
      teamId: TEAM,
      openedByKey: "k-leader",
      openedAt,
      closesAt: openedAt + 7 * DAY,
      salesChannel: "C0SALES",
      marketingChannel: "C0MKTG",
      statementIds: DEFAULT_INSTRUMENT.statements.map((s) => s.id),
      invited: { sales, marketing: n - sales, people: n },
      members: { sales: [], marketing: [] },
      keyFingerprint: keyFingerprint(SECRET),
    });
    await fill(opened.id, round);
    await store.rounds.close(opened.id, openedAt + 7 * DAY);
    current = opened;
  }
  const round = current && (await store.rounds.get(current.id));
  if (!round) throw new Error("the bench's round is missing");
  return round;
}

const quiet = silentLogger;

function depsFor(store: Store): Deps {
  return {
    // Only what the report reads: the market and minimum group behind the workspace's settings.
    config: { market: "shifting", minGroup: 5, digestCron: "0 9 * * 1" } as Deps["config"],
    store,
    instrument: DEFAULT_INSTRUMENT,
    clock: () => Date.UTC(2026, 6, 1),
    personKey: personKeyer(SECRET),
    keyFingerprint: keyFingerprint(SECRET),
    logger: quiet,
  };
}

/** The close itself, timed and watched; the row fails unless Everyone counts every answer. */
async function measureClose(
  engine: string,
  store: Store,
  roundId: number,
  n: number,
): Promise<AnalysisRow> {
  const round = await store.rounds.get(roundId);
  if (!round) throw new Error("no round");
  let everyone = 0;
  let trend = false;
  // The bench's own garbage (the rounds it just wrote) is collected first: a full collection of
  // it in the middle of the close would be the bench's stall, not Truce's.
  collectGarbage();
  const t0 = performance.now();
  const stall = await longestStall(async () => {
    const closed = await closedRoundReport(depsFor(store), round);
    channelSummaryMessage(closed);
    leaderReportMessage(closed, round.id);
    everyone = closed.report.levels.find((l) => l.group === "everyone")?.n ?? 0;
    trend = closed.report.trend !== undefined;
  });
  const took = performance.now() - t0;
  const complete = everyone === n && trend;
  const count = n.toLocaleString("en");
  return {
    name: `close from ${engine}: ${count} + ${count} previous, longest stall`,
    measured: `${ms(stall.cpu)} ms ${stall.source} CPU (wall ${ms(stall.wall)}); close took ${(took / 1000).toFixed(1)} s${complete ? "" : `; WRONG: Everyone n=${everyone}, trend ${trend}`}`,
    target: `<${ANALYSIS_TARGET.blockMs}`,
    pass: complete && stall.cpu < ANALYSIS_TARGET.blockMs,
  };
}

async function sqliteClose(say: (line: string) => void): Promise<AnalysisRow> {
  const dir = mkdtempSync(join(tmpdir(), "truce-bench-close-"));
  const path = join(dir, "truce.db");
  const store = openSqliteStore(path);
  try {
    const t0 = performance.now();
    // Filled through a connection of the bench's own, in one transaction per round.
    const db = new Database(path);
    db.pragma("cache_size = -262144");
    const member = db.prepare(
      "INSERT INTO round_members (round_id, side, member_key, present) VALUES (?, ?, ?, 1)",
    );
    const answer = db.prepare(
      `INSERT INTO responses (round_id, respondent_key, side, submitted_at, updated_at, ratings)
       VALUES (?, ?, ?, 0, 0, ?)`,
    );
    const round = await twoRounds(store, ANSWERS, async (roundId, r) => {
      const people = peopleInKeyOrder(r, ANSWERS);
      db.transaction(() => {
        for (const side of ["sales", "marketing"] as const)
          for (const p of people) if (p.side === side) member.run(roundId, side, p.key);
        // The answers as they arrive: in no order of their keys.
        for (let i = 0; i < ANSWERS; i++)
          answer.run(roundId, keyOf(i, r), sideOf(i), ratingsOf(i, r));
      })();
    });
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    say(
      `close: SQLite filled with 2 × ${ANSWERS} answers in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const row = await measureClose("SQLite", store, round.id, ANSWERS);
    say(`close: ${row.name}: ${row.measured}`);
    return row;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresClose(say: (line: string) => void): Promise<AnalysisRow> {
  const count = PG_ANSWERS.toLocaleString("en");
  const name = `close from PostgreSQL: ${count} + ${count} previous, longest stall`;
  if (!findPostgresBin()) {
    return {
      name,
      measured: `not measured: ${postgresMissingReason()}`,
      target: `<${ANALYSIS_TARGET.blockMs}`,
      pass: true,
      skipped: true,
    };
  }
  const server = await startThrowawayPostgres();
  try {
    const database = `truce_bench_close_${process.pid}`;
    await createDatabase(server.info.adminUrl, database);
    const url = databaseUrl(server.info.adminUrl, database);
    const store = await openPostgresStore(url);
    const fillPool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const t0 = performance.now();
      const round = await twoRounds(store, PG_ANSWERS, async (roundId, r) => {
        const people = peopleInKeyOrder(r, PG_ANSWERS);
        for (let from = 0; from < people.length; from += FILL_CHUNK) {
          const chunk = people.slice(from, from + FILL_CHUNK);
          await fillPool.query(
            `INSERT INTO round_members (round_id, side, member_key)
             SELECT $1, s, k FROM unnest($2::text[], $3::text[]) AS t(k, s)`,
            [roundId, chunk.map((p) => p.key), chunk.map((p) => p.side)],
          );
        }
        // The answers as they arrive: in no order of their keys.
        for (let from = 0; from < PG_ANSWERS; from += FILL_CHUNK) {
          const to = Math.min(PG_ANSWERS, from + FILL_CHUNK);
          const people = Array.from({ length: to - from }, (_, k) => from + k);
          await fillPool.query(
            `INSERT INTO responses (round_id, respondent_key, side, submitted_at, updated_at, ratings)
             SELECT $1, k, s, 0, 0, j::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS t(k, s, j)`,
            [
              roundId,
              people.map((i) => keyOf(i, r)),
              people.map(sideOf),
              people.map((i) => ratingsOf(i, r)),
            ],
          );
        }
      });
      await fillPool.query("VACUUM ANALYZE responses");
      await fillPool.query("VACUUM ANALYZE round_members");
      say(
        `close: PostgreSQL filled with 2 × ${PG_ANSWERS} answers in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const row = await measureClose("PostgreSQL", store, round.id, PG_ANSWERS);
      say(`close: ${row.name}: ${row.measured}`);
      return row;
    } finally {
      await fillPool.end();
      await store.close();
    }
  } finally {
    await server.stop();
  }
}

/** The close of a large round on each engine (`BENCH_CLOSE_ENGINES=sqlite` for one). */
export async function closeBench(say: (line: string) => void): Promise<AnalysisRow[]> {
  const engines = (process.env.BENCH_CLOSE_ENGINES ?? "sqlite,postgres").split(",");
  const rows: AnalysisRow[] = [];
  if (engines.includes("sqlite")) rows.push(await sqliteClose(say));
  if (engines.includes("postgres")) rows.push(await postgresClose(say));
  return rows;
}
