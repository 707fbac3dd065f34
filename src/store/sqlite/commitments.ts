import {
  COMMITMENT_COLUMNS,
  type CommitmentRow,
  commitmentChangeValues,
  commitmentOf,
  commitmentValues,
} from "../commitment-rows.js";
import type { CommitmentRepository } from "../types.js";
import type { Run } from "./busy.js";
import type { Db } from "./db.js";

export function createCommitmentRepository(db: Db, run: Run): CommitmentRepository {
  const insert = db.prepare<unknown[], CommitmentRow>(
    `INSERT INTO commitments (${COMMITMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  );
  const one = db.prepare<[string, number], CommitmentRow>(
    "SELECT * FROM commitments WHERE team_id = ? AND id = ?",
  );
  const all = db.prepare<[string], CommitmentRow>(
    "SELECT * FROM commitments WHERE team_id = ? ORDER BY id",
  );
  const open = db.prepare<[], CommitmentRow>(
    "SELECT * FROM commitments WHERE done_at IS NULL ORDER BY team_id, id",
  );
  const update = db.prepare<unknown[], CommitmentRow>(
    `UPDATE commitments SET title = ?, note = ?, sales_owner = ?, marketing_owner = ?, due_date = ?,
       updated_at = ? WHERE team_id = ? AND id = ? RETURNING *`,
  );
  const done = db.prepare<unknown[], CommitmentRow>(
    `UPDATE commitments SET done_at = COALESCE(done_at, ?), done_by = COALESCE(done_by, ?),
       updated_at = CASE WHEN done_at IS NULL THEN ? ELSE updated_at END
     WHERE team_id = ? AND id = ? RETURNING *`,
  );
  const maybe = (row: CommitmentRow | undefined) => (row ? commitmentOf(row) : undefined);
  return {
    create: (c) => run(() => commitmentOf(insert.get(...commitmentValues(c)) as CommitmentRow)),
    get: (teamId, id) => run(() => maybe(one.get(teamId, id))),
    list: (teamId) => run(() => all.all(teamId).map(commitmentOf)),
    allOpen: () => run(() => open.all().map(commitmentOf)),
    update: (teamId, id, ch, at) =>
      run(() => maybe(update.get(...commitmentChangeValues(teamId, id, ch, at)))),
    markDone: (teamId, id, by, at) => run(() => maybe(done.get(at, by, at, teamId, id))),
  };
}
