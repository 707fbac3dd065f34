import type { Side } from "../../survey/types.js";
import { tallyPages } from "../paging.js";
import { type MemberRepository, membershipRefusal, type ResponseRepository } from "../types.js";
import { ANSWER_TIME_GRAIN_MS, type Pool, query, row, rows, transaction } from "./db.js";
import type { Run } from "./errors.js";
import { ENTER_REQUEST } from "./settings.js";

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

const tally = (counted: { side: Side; n: number }[]) => {
  const result: Record<Side, number> = { sales: 0, marketing: 0 };
  for (const r of counted) result[r.side] = r.n;
  return result;
};

/** A page of the round's verified answers in key order (see paging.ts), ratings as JSON text. */
const ANSWER_PAGE = `
  SELECT respondent_key, side, ratings::text AS ratings FROM responses r
  WHERE round_id = $1 AND respondent_key > $2 AND ${VERIFIED} ORDER BY respondent_key LIMIT $3`;

/**
 * A round's verified respondents (as VERIFIED, in the form of a join: per row, the correlated
 * check costs several times more over a whole round).
 */
const verifiedRespondents = (round: string) => `
  SELECT r.respondent_key AS k, r.side FROM responses r
   WHERE r.round_id = ${round} AND NOT (SELECT members_known FROM rounds WHERE id = ${round})
  UNION ALL
  SELECT r.respondent_key, r.side FROM responses r
    JOIN round_members m
      ON m.round_id = r.round_id AND m.side = r.side AND m.member_key = r.respondent_key
   WHERE r.round_id = ${round} AND (SELECT members_known FROM rounds WHERE id = ${round})`;

/** Who answered only one of two rounds, compared by the server in one statement. */
const RESPONDENT_CHANGE = `
  WITH p AS (${verifiedRespondents("$1")}), c AS (${verifiedRespondents("$2")})
  SELECT COUNT(*) FILTER (WHERE p.k IS NULL OR c.k IS NULL)::int AS everyone,
         COUNT(*) FILTER (WHERE (p.side IS NOT DISTINCT FROM 'sales')
                            <> (c.side IS NOT DISTINCT FROM 'sales'))::int AS sales,
         COUNT(*) FILTER (WHERE (p.side IS NOT DISTINCT FROM 'marketing')
                            <> (c.side IS NOT DISTINCT FROM 'marketing'))::int AS marketing
    FROM p FULL OUTER JOIN c ON p.k = c.k`;

export function createResponseRepository(pool: Pool, run: Run): ResponseRepository {
  return {
    save: (input) =>
      run(() =>
        transaction(pool, async (client) => {
          // FOR SHARE: a close (an UPDATE of the round) waits for this save, or this save for it.
          // The person's channels come in the same query: one round trip decides who may answer.
          const open = await query<{ members_known: boolean; sides: Side[] }>(
            client,
            `SELECT members_known,
               ARRAY(SELECT side FROM round_members
                     WHERE round_id = rounds.id AND member_key = $3 AND present) AS sides
             FROM rounds WHERE id = $1 AND closed_at IS NULL AND closes_at > $2 FOR SHARE`,
            [input.roundId, input.at, input.respondentKey],
          );
          const round = open.rows[0];
          if (!round) return "closed" as const;
          const refusal = round.members_known && membershipRefusal(round.sides, input.side);
          if (refusal) return refusal;
          const { request } = input;
          if (request) {
            const seen = await query(client, ENTER_REQUEST, [
              request.teamId,
              request.key,
              input.at,
            ]);
            if (seen.rowCount === 0) return "duplicate" as const;
          }
          const at = coarse(input.at);
          const ratings = JSON.stringify(input.ratings);
          // Insert if new; if someone (this person, twice at once) got there first, the insert
          // waits for them and does nothing, and the update below replaces their answer.
          const created = await query(
            client,
            `INSERT INTO responses (round_id, respondent_key, side, submitted_at, updated_at, ratings)
             VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (round_id, respondent_key) DO NOTHING`,
            [input.roundId, input.respondentKey, input.side, at, ratings],
          );
          if (created.rowCount === 1) return "created" as const;
          await query(
            client,
            `UPDATE responses SET side = $3, ratings = $5, updated_at = $4
             WHERE round_id = $1 AND respondent_key = $2`,
            [input.roundId, input.respondentKey, input.side, at, ratings],
          );
          return "updated" as const;
        }),
      ),
    find: (roundId, respondentKey) =>
      run(async () => {
        const found = await row<{
          side: Side;
          ratings: number[];
          submitted_at: number;
          updated_at: number;
        }>(
          pool,
          "SELECT side, ratings, submitted_at, updated_at FROM responses WHERE round_id = $1 AND respondent_key = $2",
          [roundId, respondentKey],
        );
        return (
          found && {
            side: found.side,
            ratings: found.ratings,
            submittedAt: found.submitted_at,
            updatedAt: found.updated_at,
          }
        );
      }),
    // Ordered by key, not by time: the order of answers must not hint at who answered when.
    answers: (roundId) =>
      run(async () =>
        (
          await rows<{ side: Side; ratings: number[]; respondent_key: string }>(
            pool,
            `SELECT side, ratings, respondent_key FROM responses r WHERE round_id = $1 AND ${VERIFIED}
             ORDER BY respondent_key`,
            [roundId],
          )
        ).map((r) => ({ side: r.side, ratings: r.ratings, respondent: r.respondent_key })),
      ),
    counts: (roundId) =>
      run(async () =>
        tally(
          await rows<{ side: Side; n: number }>(
            pool,
            `SELECT side, COUNT(*) AS n FROM responses r WHERE round_id = $1 AND ${VERIFIED} GROUP BY side`,
            [roundId],
          ),
        ),
      ),
    // In pages tallied here (see paging.ts): faster than taking the lists apart in SQL.
    tallies: (roundId, statementCount) =>
      tallyPages(
        (after, size) =>
          run(() =>
            rows<{ respondent_key: string; side: Side; ratings: string }>(pool, ANSWER_PAGE, [
              roundId,
              after,
              size,
            ]),
          ),
        statementCount,
        { readBlocks: false },
      ),
    respondentKeys: (roundId) =>
      run(async () =>
        (
          await rows<{ respondent_key: string }>(
            pool,
            "SELECT respondent_key FROM responses WHERE round_id = $1 ORDER BY respondent_key",
            [roundId],
          )
        ).map((r) => r.respondent_key),
      ),
    respondentChange: (previousRoundId, roundId) =>
      run(async () => {
        const found = await row<Record<"everyone" | Side, number>>(pool, RESPONDENT_CHANGE, [
          previousRoundId,
          roundId,
        ]);
        return {
          everyone: found?.everyone ?? 0,
          sales: found?.sales ?? 0,
          marketing: found?.marketing ?? 0,
        };
      }),
  };
}

export function createMemberRepository(pool: Pool, run: Run): MemberRepository {
  return {
    sidesOf: (roundId, memberKey) =>
      run(async () =>
        (
          await rows<{ side: Side }>(
            pool,
            "SELECT side FROM round_members WHERE round_id = $1 AND member_key = $2 AND present ORDER BY side DESC",
            [roundId, memberKey],
          )
        ).map((r) => r.side),
      ),
    setPresent: (roundId, side, memberKey, present) =>
      run(async () => {
        await query(
          pool,
          `INSERT INTO round_members (round_id, side, member_key, present) VALUES ($1, $2, $3, $4)
           ON CONFLICT (round_id, side, member_key) DO UPDATE SET present = excluded.present`,
          [roundId, side, memberKey, present],
        );
      }),
    counts: (roundId) =>
      run(async () =>
        tally(
          await rows<{ side: Side; n: number }>(
            pool,
            "SELECT side, COUNT(*) AS n FROM round_members WHERE round_id = $1 AND present GROUP BY side",
            [roundId],
          ),
        ),
      ),
  };
}
