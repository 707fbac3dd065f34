import {
  addAnswer,
  emptyRoundCounts,
  type RoundCounts,
  SLICE_MS,
  yieldToEventLoop,
} from "../../survey/counts.js";
import type { Answer, Side } from "../../survey/types.js";
import type { MemberRepository, ResponseRepository } from "../types.js";
import type { Run } from "./busy.js";
import { ANSWER_TIME_GRAIN_MS, type Db } from "./db.js";

interface ResponseRow {
  side: Side;
  ratings: string;
  submitted_at: number;
  updated_at: number;
}

/**
 * An answer counts only if its respondent was a member of its side's channel (for rounds whose
 * members were recorded): the minimum-group rule must count verified people, not claims.
 */
const VERIFIED = `(
  NOT (SELECT members_known FROM rounds WHERE id = r.round_id)
  OR EXISTS (SELECT 1 FROM round_members m
             WHERE m.round_id = r.round_id AND m.side = r.side AND m.member_key = r.respondent_key)
)`;

const coarse = (at: number) => at - (at % ANSWER_TIME_GRAIN_MS);

/**
 * SQLite runs in this thread: one query over a million answers would hold the event loop for
 * seconds. So the tallies and the comparison of two rounds read the rows in pages, in key order
 * (the primary key's own order, so each page is an index range), with the event loop free
 * between pages. Each page is sized from the last one's time to take about SLICE_MS, so a busy
 * machine gets smaller pages rather than longer stalls. (Counting inside SQLite instead, with
 * json_each and GROUP BY, measured about thirty times slower than tallying the pages here.)
 */
const FIRST_PAGE = 256;
const SMALLEST_PAGE = 64;
const LARGEST_PAGE = 16_384;

function nextPageSize(size: number, tookMs: number): number {
  const fitted = tookMs > 0 ? Math.floor((size * SLICE_MS) / tookMs) : size * 2;
  return Math.max(SMALLEST_PAGE, Math.min(LARGEST_PAGE, size * 2, fitted));
}

/** Pages through rows in key order (`after` the last key seen), yielding between pages. */
async function forEachPage<Row extends { respondent_key: string }>(
  run: Run,
  read: (after: string, size: number) => Row[],
  each: (rows: Row[]) => void,
): Promise<void> {
  let after = "";
  let size = FIRST_PAGE;
  for (;;) {
    const started = performance.now();
    const page = await run(() => read(after, size));
    each(page);
    const last = page[page.length - 1];
    if (page.length < size || last === undefined) return;
    after = last.respondent_key;
    size = nextPageSize(size, performance.now() - started);
    await yieldToEventLoop();
  }
}

export function createResponseRepository(db: Db, run: Run): ResponseRepository {
  const existing = db.prepare<[number, string], ResponseRow>(
    "SELECT side, ratings, submitted_at, updated_at FROM responses WHERE round_id = ? AND respondent_key = ?",
  );
  const upsert = db.prepare(
    `INSERT INTO responses (round_id, respondent_key, side, submitted_at, updated_at, ratings)
     VALUES (@roundId, @respondentKey, @side, @at, @at, @ratings)
     ON CONFLICT (round_id, respondent_key)
     DO UPDATE SET side = excluded.side, ratings = excluded.ratings, updated_at = excluded.updated_at`,
  );
  // Ordered by key, not by time: the order of answers must not hint at who answered when.
  const answers = db.prepare<[number], { side: Side; ratings: string; respondent_key: string }>(
    `SELECT side, ratings, respondent_key FROM responses r WHERE round_id = ? AND ${VERIFIED}
     ORDER BY respondent_key`,
  );
  const counts = db.prepare<[number], { side: Side; n: number }>(
    `SELECT side, COUNT(*) AS n FROM responses r WHERE round_id = ? AND ${VERIFIED} GROUP BY side`,
  );
  const answerPage = db.prepare<
    [number, string, number],
    { respondent_key: string; side: Side; ratings: string }
  >(
    `SELECT respondent_key, side, ratings FROM responses r
     WHERE round_id = ? AND respondent_key > ? AND ${VERIFIED} ORDER BY respondent_key LIMIT ?`,
  );
  const keyPage = db.prepare<[number, string, number], { respondent_key: string; side: Side }>(
    `SELECT respondent_key, side FROM responses r
     WHERE round_id = ? AND respondent_key > ? AND ${VERIFIED} ORDER BY respondent_key LIMIT ?`,
  );

  /** A round's verified respondents in key order, read a page at a time. */
  function keyCursor(roundId: number) {
    let page: { respondent_key: string; side: Side }[] = [];
    let at = 0;
    let after = "";
    let size = FIRST_PAGE;
    let done = false;
    return {
      /** The next respondent, undefined at the end; reads the next page when needed. */
      async head(): Promise<{ respondent_key: string; side: Side } | undefined> {
        if (at < page.length) return page[at];
        if (done) return undefined;
        const started = performance.now();
        page = await run(() => keyPage.all(roundId, after, size));
        at = 0;
        const last = page[page.length - 1];
        if (page.length < size || last === undefined) done = true;
        else {
          after = last.respondent_key;
          size = nextPageSize(size, performance.now() - started);
        }
        return page[0];
      },
      advance() {
        at++;
      },
    };
  }
  const save = db.transaction(
    (input: Parameters<ResponseRepository["save"]>[0]): "created" | "updated" => {
      const before = existing.get(input.roundId, input.respondentKey);
      upsert.run({ ...input, at: coarse(input.at), ratings: JSON.stringify(input.ratings) });
      return before ? "updated" : "created";
    },
  );

  return {
    save: (input) => run(() => save.immediate(input)),
    find: (roundId, respondentKey) =>
      run(() => {
        const row = existing.get(roundId, respondentKey);
        return (
          row && {
            side: row.side,
            ratings: JSON.parse(row.ratings) as number[],
            submittedAt: row.submitted_at,
            updatedAt: row.updated_at,
          }
        );
      }),
    answers: (roundId) =>
      run(() =>
        answers.all(roundId).map(
          (row): Answer => ({
            side: row.side,
            ratings: JSON.parse(row.ratings) as number[],
            respondent: row.respondent_key,
          }),
        ),
      ),
    counts: (roundId) =>
      run(() => {
        const result: Record<Side, number> = { sales: 0, marketing: 0 };
        for (const row of counts.all(roundId)) result[row.side] = row.n;
        return result;
      }),
    async tallies(roundId, statementCount) {
      const tallies: RoundCounts = emptyRoundCounts(statementCount);
      tallies.sales.respondents = undefined;
      tallies.marketing.respondents = undefined;
      let position = 0;
      await forEachPage(
        run,
        (after, size) => answerPage.all(roundId, after, size),
        (rows) => {
          for (const row of rows) {
            const answer = { side: row.side, ratings: JSON.parse(row.ratings) as number[] };
            addAnswer(tallies, answer, ++position);
          }
        },
      );
      return tallies;
    },
    async respondentChange(previousRoundId, roundId) {
      // A merge of the two rounds' keys, both in key order: a key in one round only differs
      // for Everyone; a key on a side in one round and not on it in the other, for that side.
      const before = keyCursor(previousRoundId);
      const now = keyCursor(roundId);
      const differing = { everyone: 0, sales: 0, marketing: 0 };
      let sliceStart = performance.now();
      let steps = 0;
      for (;;) {
        const a = await before.head();
        const b = await now.head();
        if (a === undefined && b === undefined) return differing;
        if (b === undefined || (a !== undefined && a.respondent_key < b.respondent_key)) {
          differing.everyone++;
          differing[(a as { side: Side }).side]++;
          before.advance();
        } else if (a === undefined || b.respondent_key < a.respondent_key) {
          differing.everyone++;
          differing[b.side]++;
          now.advance();
        } else {
          if (a.side !== b.side) {
            differing[a.side]++;
            differing[b.side]++;
          }
          before.advance();
          now.advance();
        }
        // The pages are read between yields already; the merge itself yields every slice too.
        if (++steps % 1024 === 0 && performance.now() - sliceStart >= SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    },
  };
}

export function createMemberRepository(db: Db, run: Run): MemberRepository {
  const sides = db.prepare<[number, string], { side: Side }>(
    "SELECT side FROM round_members WHERE round_id = ? AND member_key = ? AND present = 1 ORDER BY side DESC",
  );
  const upsert = db.prepare(
    `INSERT INTO round_members (round_id, side, member_key, present) VALUES (?, ?, ?, ?)
     ON CONFLICT (round_id, side, member_key) DO UPDATE SET present = excluded.present`,
  );
  const counts = db.prepare<[number], { side: Side; n: number }>(
    "SELECT side, COUNT(*) AS n FROM round_members WHERE round_id = ? AND present = 1 GROUP BY side",
  );
  return {
    sidesOf: (roundId, memberKey) =>
      run(() => sides.all(roundId, memberKey).map((row) => row.side)),
    setPresent: (roundId, side, memberKey, present) =>
      run(() => {
        upsert.run(roundId, side, memberKey, present ? 1 : 0);
      }),
    counts: (roundId) =>
      run(() => {
        const result: Record<Side, number> = { sales: 0, marketing: 0 };
        for (const row of counts.all(roundId)) result[row.side] = row.n;
        return result;
      }),
  };
}
