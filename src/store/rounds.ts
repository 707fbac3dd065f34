import type { Side } from "../survey/types.js";
import type { Db } from "./db.js";

export interface Invitation {
  side: Side;
  channel: string;
  ts: string;
}

export interface Round {
  id: number;
  teamId: string;
  openedAt: number;
  closesAt: number;
  closedAt: number | undefined;
  salesChannel: string;
  marketingChannel: string;
  /** The statement ids the round was opened with, so answers stay tied to their wording. */
  statementIds: string[];
  /** Channel member counts at launch, for response rates; undefined when unknown. */
  invited: { sales: number | undefined; marketing: number | undefined };
}

interface RoundRow {
  id: number;
  team_id: string;
  opened_at: number;
  closes_at: number;
  closed_at: number | null;
  sales_channel: string;
  marketing_channel: string;
  statement_ids: string;
  invited_sales: number | null;
  invited_marketing: number | null;
}

const toRound = (row: RoundRow): Round => ({
  id: row.id,
  teamId: row.team_id,
  openedAt: row.opened_at,
  closesAt: row.closes_at,
  closedAt: row.closed_at ?? undefined,
  salesChannel: row.sales_channel,
  marketingChannel: row.marketing_channel,
  statementIds: JSON.parse(row.statement_ids) as string[],
  invited: {
    sales: row.invited_sales ?? undefined,
    marketing: row.invited_marketing ?? undefined,
  },
});

export class RoundAlreadyOpenError extends Error {
  constructor(readonly round: Round) {
    super(`round ${round.id} is already open`);
  }
}

export interface NewRound {
  teamId: string;
  openedByKey: string;
  openedAt: number;
  closesAt: number;
  salesChannel: string;
  marketingChannel: string;
  statementIds: readonly string[];
  invited: { sales: number | undefined; marketing: number | undefined };
}

export function createRoundRepository(db: Db) {
  const select = "SELECT * FROM rounds";
  const byId = db.prepare<[number], RoundRow>(`${select} WHERE id = ?`);
  const open = db.prepare<[string], RoundRow>(`${select} WHERE team_id = ? AND closed_at IS NULL`);
  const latestClosed = db.prepare<[string], RoundRow>(
    `${select} WHERE team_id = ? AND closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC LIMIT 1`,
  );
  const closedBefore = db.prepare<[string, number], RoundRow>(
    `${select} WHERE team_id = ? AND closed_at IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1`,
  );
  const due = db.prepare<[number], RoundRow>(
    `${select} WHERE closed_at IS NULL AND closes_at <= ? ORDER BY closes_at`,
  );
  const closedSince = db.prepare<[number], RoundRow>(
    `${select} WHERE closed_at IS NOT NULL AND closed_at >= ? ORDER BY closed_at`,
  );
  const allOpen = db.prepare<[], RoundRow>(`${select} WHERE closed_at IS NULL`);
  const teams = db.prepare<[], { team_id: string }>(
    "SELECT DISTINCT team_id FROM rounds ORDER BY team_id",
  );
  const insert = db.prepare(
    `INSERT INTO rounds (team_id, opened_by_key, opened_at, closes_at, sales_channel, marketing_channel,
       statement_ids, invited_sales, invited_marketing)
     VALUES (@teamId, @openedByKey, @openedAt, @closesAt, @salesChannel, @marketingChannel,
       @statementIds, @invitedSales, @invitedMarketing)`,
  );
  const close = db.prepare("UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL");
  const insertInvitation = db.prepare(
    "INSERT OR REPLACE INTO invitations (round_id, side, channel, ts) VALUES (?, ?, ?, ?)",
  );
  const invitations = db.prepare<[number], Invitation>(
    "SELECT side, channel, ts FROM invitations WHERE round_id = ? ORDER BY side DESC",
  );
  const deleteRound = db.prepare("DELETE FROM rounds WHERE id = ?");
  const insertReminder = db.prepare(
    "INSERT OR IGNORE INTO reminders (round_id, channel, ts) VALUES (?, ?, ?)",
  );
  const reminders = db.prepare<[number], { channel: string; ts: string }>(
    "SELECT channel, ts FROM reminders WHERE round_id = ? ORDER BY ts",
  );

  return {
    get: (id: number): Round | undefined => {
      const row = byId.get(id);
      return row && toRound(row);
    },
    openFor: (teamId: string): Round | undefined => {
      const row = open.get(teamId);
      return row && toRound(row);
    },
    latestClosed: (teamId: string): Round | undefined => {
      const row = latestClosed.get(teamId);
      return row && toRound(row);
    },
    /** The closed round before `round`, for trends. */
    previousClosed: (round: Round): Round | undefined => {
      const row = closedBefore.get(round.teamId, round.id);
      return row && toRound(row);
    },
    /** Open rounds whose deadline has passed. */
    due: (now: number): Round[] => due.all(now).map(toRound),
    allOpen: (): Round[] => allOpen.all().map(toRound),
    /** Workspaces that have run at least one round. */
    teams: (): string[] => teams.all().map((row) => row.team_id),
    closedSince: (since: number): Round[] => closedSince.all(since).map(toRound),
    /** Opens a round; throws RoundAlreadyOpenError when the workspace already has one. */
    open: (round: NewRound): Round =>
      db.transaction(() => {
        const existing = open.get(round.teamId);
        if (existing) throw new RoundAlreadyOpenError(toRound(existing));
        const result = insert.run({
          ...round,
          statementIds: JSON.stringify(round.statementIds),
          invitedSales: round.invited.sales ?? null,
          invitedMarketing: round.invited.marketing ?? null,
        });
        return toRound(byId.get(Number(result.lastInsertRowid)) as RoundRow);
      })(),
    /** Closes a round; false when it was already closed (so closing is idempotent). */
    close: (id: number, at: number): boolean => close.run(at, id).changes === 1,
    /** Removes a round that never got going (its invitations could not be posted). */
    discard: (id: number): void => {
      deleteRound.run(id);
    },
    addInvitation: (roundId: number, invitation: Invitation): void => {
      insertInvitation.run(roundId, invitation.side, invitation.channel, invitation.ts);
    },
    invitations: (roundId: number): Invitation[] => invitations.all(roundId),
    addReminder: (roundId: number, reminder: { channel: string; ts: string }): void => {
      insertReminder.run(roundId, reminder.channel, reminder.ts);
    },
    reminders: (roundId: number): { channel: string; ts: string }[] => reminders.all(roundId),
  };
}

export type RoundRepository = ReturnType<typeof createRoundRepository>;
