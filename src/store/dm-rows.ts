import type { QueuedDm } from "./types.js";

/** A dm_queue row as both engines select it. */
export interface DmRow {
  team_id: string;
  kind: string;
  period: string;
  recipient_key: string;
  round_id: number;
  not_before: number;
  created_at: number;
  attempts: number;
}

export const dmOf = (row: DmRow): QueuedDm => ({
  teamId: row.team_id,
  kind: row.kind,
  period: row.period,
  recipientKey: row.recipient_key,
  roundId: row.round_id,
  notBefore: row.not_before,
  createdAt: row.created_at,
  attempts: row.attempts,
});
