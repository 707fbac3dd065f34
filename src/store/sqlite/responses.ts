import type { Answer, Side } from "../../survey/types.js";
import { keysOfPages, respondentChangeOfPages, tallyPages } from "../paging.js";
import {
  type MemberRepository,
  membershipRefusal,
  type ResponseRepository,
  type SaveOutcome,
} from "../types.js";
import type { Run } from "./busy.js";
import { ANSWER_TIME_GRAIN_MS, type Db } from "./db.js";
import { ENTER_REQUEST } from "./settings.js";

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

/**
 * The channels a person is in now. No ORDER BY: with one, SQLite reads the round's members
 * through the primary key (ordered by side) and scans every member of the round on each survey
 * click and submission; without, it looks the person up in round_members_by_key.
 */
const SIDES_OF_MEMBER =
  "SELECT side FROM round_members WHERE round_id = ? AND member_key = ? AND present = 1";

const coarse = (at: number) => at - (at % ANSWER_TIME_GRAIN_MS);

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

  const anyKeyPage = db.prepare<[number, string, number], { respondent_key: string; side: Side }>(
    `SELECT respondent_key, side FROM responses
     WHERE round_id = ? AND respondent_key > ? ORDER BY respondent_key LIMIT ?`,
  );

  const openAt = db.prepare<[number, number], { members_known: number }>(
    "SELECT members_known FROM rounds WHERE id = ? AND closed_at IS NULL AND closes_at > ?",
  );
  const sidesOfMember = db.prepare<[number, string], { side: Side }>(SIDES_OF_MEMBER);
  const firstSeen = db.prepare(ENTER_REQUEST);

  const save = db.transaction((input: Parameters<ResponseRepository["save"]>[0]): SaveOutcome => {
    const { request } = input;
    const open = openAt.get(input.roundId, input.at);
    if (!open) return "closed";
    if (open.members_known === 1) {
      const refusal = membershipRefusal(
        sidesOfMember.all(input.roundId, input.respondentKey).map((row) => row.side),
        input.side,
      );
      if (refusal) return refusal;
    }
    if (request && firstSeen.run(request.teamId, request.key, input.at).changes === 0)
      return "duplicate";
    const before = existing.get(input.roundId, input.respondentKey);
    upsert.run({
      roundId: input.roundId,
      respondentKey: input.respondentKey,
      side: input.side,
      at: coarse(input.at),
      ratings: JSON.stringify(input.ratings),
    });
    return before ? "updated" : "created";
  });

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
    // In pages, the event loop free between them (see paging.ts): SQLite runs in this thread.
    tallies: (roundId, statementCount) =>
      tallyPages((after, size) => run(() => answerPage.all(roundId, after, size)), statementCount, {
        readBlocks: true,
      }),
    respondentKeys: (roundId) =>
      keysOfPages((after, size) => run(() => anyKeyPage.all(roundId, after, size)), {
        readBlocks: true,
      }),
    respondentChange: (previousRoundId, roundId) =>
      respondentChangeOfPages(
        (after, size) => run(() => keyPage.all(previousRoundId, after, size)),
        (after, size) => run(() => keyPage.all(roundId, after, size)),
        { readBlocks: true },
      ),
  };
}

export function createMemberRepository(db: Db, run: Run): MemberRepository {
  const sides = db.prepare<[number, string], { side: Side }>(SIDES_OF_MEMBER);
  const upsert = db.prepare(
    `INSERT INTO round_members (round_id, side, member_key, present) VALUES (?, ?, ?, ?)
     ON CONFLICT (round_id, side, member_key) DO UPDATE SET present = excluded.present`,
  );
  const counts = db.prepare<[number], { side: Side; n: number }>(
    "SELECT side, COUNT(*) AS n FROM round_members WHERE round_id = ? AND present = 1 GROUP BY side",
  );
  return {
    sidesOf: (roundId, memberKey) =>
      run(() => {
        const found = sides.all(roundId, memberKey).map((row) => row.side);
        return found.length > 1 ? (["sales", "marketing"] as Side[]) : found;
      }),
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
