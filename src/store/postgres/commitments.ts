import {
  COMMITMENT_COLUMNS,
  type CommitmentRow,
  commitmentChangeValues,
  commitmentOf,
  commitmentValues,
} from "../commitment-rows.js";
import type { CommitmentRepository } from "../types.js";
import { type Pool, row, rows } from "./db.js";
import type { Run } from "./errors.js";

export function createCommitmentRepository(pool: Pool, run: Run): CommitmentRepository {
  const maybe = (found: CommitmentRow | undefined) => (found ? commitmentOf(found) : undefined);
  return {
    create: (c) =>
      run(async () =>
        commitmentOf(
          (await row<CommitmentRow>(
            pool,
            `INSERT INTO commitments (${COMMITMENT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
            commitmentValues(c),
          )) as CommitmentRow,
        ),
      ),
    get: (teamId, id) =>
      run(async () =>
        maybe(
          await row<CommitmentRow>(
            pool,
            "SELECT * FROM commitments WHERE team_id = $1 AND id = $2",
            [teamId, id],
          ),
        ),
      ),
    list: (teamId) =>
      run(async () =>
        (
          await rows<CommitmentRow>(
            pool,
            "SELECT * FROM commitments WHERE team_id = $1 ORDER BY id",
            [teamId],
          )
        ).map(commitmentOf),
      ),
    allOpen: () =>
      run(async () =>
        (
          await rows<CommitmentRow>(
            pool,
            "SELECT * FROM commitments WHERE done_at IS NULL ORDER BY team_id, id",
            [],
          )
        ).map(commitmentOf),
      ),
    update: (teamId, id, ch, at) =>
      run(async () =>
        maybe(
          await row<CommitmentRow>(
            pool,
            `UPDATE commitments SET title = $1, note = $2, sales_owner = $3, marketing_owner = $4,
               due_date = $5, updated_at = $6 WHERE team_id = $7 AND id = $8 RETURNING *`,
            commitmentChangeValues(teamId, id, ch, at),
          ),
        ),
      ),
    markDone: (teamId, id, by, at) =>
      run(async () =>
        maybe(
          await row<CommitmentRow>(
            pool,
            `UPDATE commitments SET done_at = COALESCE(done_at, $1), done_by = COALESCE(done_by, $2),
               updated_at = CASE WHEN done_at IS NULL THEN $1 ELSE updated_at END
             WHERE team_id = $3 AND id = $4 RETURNING *`,
            [at, by, teamId, id],
          ),
        ),
      ),
  };
}
