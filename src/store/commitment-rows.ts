import type { Commitment, CommitmentChanges, NewCommitment } from "./types.js";

/** A commitments row as both engines select it. */
export interface CommitmentRow {
  id: number;
  team_id: string;
  round_id: number;
  action_id: string;
  title: string;
  note: string | null;
  sales_owner: string;
  marketing_owner: string;
  due_date: string;
  statement_ids: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  done_at: number | null;
  done_by: string | null;
}

export function commitmentOf(row: CommitmentRow): Commitment {
  return {
    id: row.id,
    teamId: row.team_id,
    roundId: row.round_id,
    actionId: row.action_id,
    title: row.title,
    note: row.note ?? undefined,
    owners: { sales: row.sales_owner, marketing: row.marketing_owner },
    dueDate: row.due_date,
    statementIds: JSON.parse(row.statement_ids) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    doneAt: row.done_at ?? undefined,
    doneBy: row.done_by ?? undefined,
  };
}

/** The columns an insert fills, in this order (both engines insert the same values). */
export const COMMITMENT_COLUMNS =
  "team_id, round_id, action_id, title, note, sales_owner, marketing_owner, due_date, statement_ids, created_by, created_at, updated_at";

export function commitmentValues(c: NewCommitment): unknown[] {
  return [
    c.teamId,
    c.roundId,
    c.actionId,
    c.title,
    c.note ?? null,
    c.owners.sales,
    c.owners.marketing,
    c.dueDate,
    JSON.stringify(c.statementIds),
    c.createdBy,
    c.createdAt,
    c.createdAt,
  ];
}

/** An update's values in the order both engines bind them: the changes, the time, the key. */
export function commitmentChangeValues(
  teamId: string,
  id: number,
  ch: CommitmentChanges,
  at: number,
): unknown[] {
  return [
    ch.title,
    ch.note ?? null,
    ch.owners.sales,
    ch.owners.marketing,
    ch.dueDate,
    at,
    teamId,
    id,
  ];
}
