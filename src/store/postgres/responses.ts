import {
  emptyRoundCounts,
  lowestTotal,
  RATING_LEVELS,
  type RoundCounts,
} from "../../survey/counts.js";
import type { Side } from "../../survey/types.js";
import { InvalidAnswerError } from "../../survey/validation.js";
import type { MemberRepository, ResponseRepository } from "../types.js";
import { ANSWER_TIME_GRAIN_MS, type Pool, query, row, rows, transaction } from "./db.js";
import type { Run } from "./errors.js";

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

/**
 * The tallies, counted by the server in one statement (the event loop waits for nothing): part 0
 * counts each side's ratings per statement (the element's JSON text, so that 3.0 or "3" never
 * passes for 3); part 1 counts each side's answers per length and total, which gives the
 * respondents, the totals and whether every answer has one rating per statement.
 */
const TALLIES = `
  WITH v AS MATERIALIZED (SELECT side, ratings FROM responses r WHERE round_id = $1 AND ${VERIFIED})
  SELECT 0 AS part, v.side, (e.ord - 1)::int AS a, e.value::text AS b, COUNT(*)::int AS n
    FROM v CROSS JOIN LATERAL jsonb_array_elements(v.ratings) WITH ORDINALITY AS e(value, ord)
    GROUP BY v.side, e.ord, e.value::text
  UNION ALL
  SELECT 1, side, jsonb_array_length(ratings),
         (SELECT COALESCE(SUM(CASE WHEN x::text IN ('1', '2', '3', '4', '5') THEN x::text::int END), 0)
            FROM jsonb_array_elements(ratings) x)::text,
         COUNT(*)::int
    FROM v GROUP BY 2, 3, 4`;

const RESPONDENT_CHANGE = `
  WITH p AS (SELECT respondent_key AS k, side FROM responses r WHERE round_id = $1 AND ${VERIFIED}),
       c AS (SELECT respondent_key AS k, side FROM responses r WHERE round_id = $2 AND ${VERIFIED})
  SELECT COUNT(*) FILTER (WHERE p.k IS NULL OR c.k IS NULL)::int AS everyone,
         COUNT(*) FILTER (WHERE (p.side IS NOT DISTINCT FROM 'sales')
                            <> (c.side IS NOT DISTINCT FROM 'sales'))::int AS sales,
         COUNT(*) FILTER (WHERE (p.side IS NOT DISTINCT FROM 'marketing')
                            <> (c.side IS NOT DISTINCT FROM 'marketing'))::int AS marketing
    FROM p FULL OUTER JOIN c ON p.k = c.k`;

const RATING_TEXTS = new Map(["1", "2", "3", "4", "5"].map((text, i) => [text, i]));

function talliesOf(
  counted: { part: number; side: Side; a: number; b: string; n: number }[],
  statementCount: number,
): RoundCounts {
  const tallies = emptyRoundCounts(statementCount);
  tallies.sales.respondents = undefined;
  tallies.marketing.respondents = undefined;
  const first = lowestTotal(statementCount);
  for (const { part, side, a, b, n } of counted) {
    const group = tallies[side];
    if (part === 1) {
      if (a !== statementCount)
        throw new InvalidAnswerError(
          `answer: ${n} stored answer(s) do not have ${statementCount} ratings`,
        );
      group.n += n;
      const cell = Number(b) - first;
      group.totals[cell] = (group.totals[cell] ?? 0) + n;
    } else {
      const rating = RATING_TEXTS.get(b);
      if (rating === undefined)
        throw new InvalidAnswerError("answer: a stored rating is not a whole number from 1 to 5");
      // A statement past the last one belongs to an answer that the length check refuses.
      if (a < statementCount) {
        const cell = a * RATING_LEVELS + rating;
        group.ratings[cell] = (group.ratings[cell] as number) + n;
      }
    }
  }
  return tallies;
}

export function createResponseRepository(pool: Pool, run: Run): ResponseRepository {
  return {
    save: (input) =>
      run(() =>
        transaction(pool, async (client) => {
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
    tallies: (roundId, statementCount) =>
      run(async () =>
        talliesOf(
          await rows<{ part: number; side: Side; a: number; b: string; n: number }>(pool, TALLIES, [
            roundId,
          ]),
          statementCount,
        ),
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
