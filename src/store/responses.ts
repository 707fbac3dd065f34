import type { Answer, Side } from "../survey/types.js";
import type { Db } from "./db.js";

export interface StoredResponse extends Answer {
  submittedAt: number;
  updatedAt: number;
}

interface ResponseRow {
  side: Side;
  ratings: string;
  submitted_at: number;
  updated_at: number;
}

export function createResponseRepository(db: Db) {
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
  const answers = db.prepare<[number], { side: Side; ratings: string }>(
    "SELECT side, ratings FROM responses WHERE round_id = ? ORDER BY respondent_key",
  );
  const counts = db.prepare<[number], { side: Side; n: number }>(
    "SELECT side, COUNT(*) AS n FROM responses WHERE round_id = ? GROUP BY side",
  );

  return {
    /**
     * Saves one person's answer in a single transaction; a resubmission replaces the earlier one.
     * Returns whether it was new or an update.
     */
    save: (input: {
      roundId: number;
      respondentKey: string;
      side: Side;
      ratings: readonly number[];
      at: number;
    }): "created" | "updated" =>
      db.transaction(() => {
        const before = existing.get(input.roundId, input.respondentKey);
        upsert.run({ ...input, ratings: JSON.stringify(input.ratings) });
        return before ? "updated" : "created";
      })(),
    /** One person's own answer (for pre-filling their modal and their personal mirror). */
    find: (roundId: number, respondentKey: string): StoredResponse | undefined => {
      const row = existing.get(roundId, respondentKey);
      return (
        row && {
          side: row.side,
          ratings: JSON.parse(row.ratings) as number[],
          submittedAt: row.submitted_at,
          updatedAt: row.updated_at,
        }
      );
    },
    answers: (roundId: number): Answer[] =>
      answers
        .all(roundId)
        .map((row) => ({ side: row.side, ratings: JSON.parse(row.ratings) as number[] })),
    counts: (roundId: number): Record<Side, number> => {
      const result: Record<Side, number> = { sales: 0, marketing: 0 };
      for (const row of counts.all(roundId)) result[row.side] = row.n;
      return result;
    },
  };
}

export type ResponseRepository = ReturnType<typeof createResponseRepository>;
