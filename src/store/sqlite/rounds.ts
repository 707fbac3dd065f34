import type { Side } from "../../survey/types.js";
import {
  type Invitation,
  type NewRound,
  type Round,
  RoundAlreadyOpenError,
  type RoundRepository,
} from "../types.js";
import type { Run } from "./busy.js";
import type { Db } from "./db.js";

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
  invited_people: number | null;
  members_known: number;
  key_fingerprint: string | null;
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
    people: row.invited_people ?? undefined,
  },
  membersKnown: row.members_known === 1,
  keyFingerprint: row.key_fingerprint ?? undefined,
});

const maybe = (row: RoundRow | undefined) => row && toRound(row);

export function createRoundRepository(db: Db, run: Run): RoundRepository {
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
    `${select} WHERE closed_at IS NULL AND closes_at <= ? ORDER BY closes_at, team_id`,
  );
  const closedSince = db.prepare<[number], RoundRow>(
    `${select} WHERE closed_at IS NOT NULL AND closed_at >= ? ORDER BY closed_at, id`,
  );
  const allOpen = db.prepare<[], RoundRow>(`${select} WHERE closed_at IS NULL ORDER BY team_id`);
  const teams = db.prepare<[], { team_id: string }>(
    "SELECT DISTINCT team_id FROM rounds ORDER BY team_id",
  );
  const insert = db.prepare(
    `INSERT INTO rounds (team_id, opened_by_key, opened_at, closes_at, sales_channel, marketing_channel,
       statement_ids, invited_sales, invited_marketing, invited_people, members_known,
       key_fingerprint)
     VALUES (@teamId, @openedByKey, @openedAt, @closesAt, @salesChannel, @marketingChannel,
       @statementIds, @invitedSales, @invitedMarketing, @invitedPeople, 1, @keyFingerprint)`,
  );
  const insertMember = db.prepare(
    "INSERT OR IGNORE INTO round_members (round_id, side, member_key, present) VALUES (?, ?, ?, 1)",
  );
  const close = db.prepare("UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL");
  const insertInvitation = db.prepare(
    "INSERT OR REPLACE INTO invitations (round_id, side, channel, ts) VALUES (?, ?, ?, ?)",
  );
  const invitations = db.prepare<[number], Invitation>(
    "SELECT side, channel, ts FROM invitations WHERE round_id = ? ORDER BY side DESC",
  );
  const deleteRound = db.prepare("DELETE FROM rounds WHERE id = ?");
  const deleteDeliveries = db.prepare("DELETE FROM deliveries WHERE team_id = ? AND period = ?");
  const insertReminder = db.prepare(
    "INSERT OR IGNORE INTO reminders (round_id, channel, ts) VALUES (?, ?, ?)",
  );
  const reminders = db.prepare<[number], { channel: string; ts: string }>(
    "SELECT channel, ts FROM reminders WHERE round_id = ? ORDER BY ts, channel",
  );

  // Through SELECT, so a round that does not exist claims nothing (rather than failing its key).
  const claimRefresh = db.prepare<{ roundId: number; now: number; windowMs: number }>(
    `INSERT INTO invitation_refreshes (round_id, refreshed_at)
     SELECT id, @now FROM rounds WHERE id = @roundId
     ON CONFLICT (round_id) DO UPDATE SET refreshed_at = excluded.refreshed_at
     WHERE @windowMs <= 0 OR invitation_refreshes.refreshed_at <= @now - @windowMs`,
  );

  const openRound = db.transaction((round: NewRound): Round => {
    const existing = open.get(round.teamId);
    if (existing) throw new RoundAlreadyOpenError(toRound(existing));
    const result = insert.run({
      ...round,
      statementIds: JSON.stringify(round.statementIds),
      invitedSales: round.invited.sales ?? null,
      invitedMarketing: round.invited.marketing ?? null,
      invitedPeople: round.invited.people ?? null,
    });
    const id = Number(result.lastInsertRowid);
    for (const side of ["sales", "marketing"] as const satisfies readonly Side[]) {
      for (const key of round.members[side]) insertMember.run(id, side, key);
    }
    return toRound(byId.get(id) as RoundRow);
  });
  const discard = db.transaction((id: number) => {
    const row = byId.get(id);
    if (!row) return;
    deleteDeliveries.run(row.team_id, `round-${id}`);
    deleteRound.run(id);
  });

  return {
    get: (id) => run(() => maybe(byId.get(id))),
    openFor: (teamId) => run(() => maybe(open.get(teamId))),
    latestClosed: (teamId) => run(() => maybe(latestClosed.get(teamId))),
    previousClosed: (round) => run(() => maybe(closedBefore.get(round.teamId, round.id))),
    due: (now) => run(() => due.all(now).map(toRound)),
    allOpen: () => run(() => allOpen.all().map(toRound)),
    teams: () => run(() => teams.all().map((row) => row.team_id)),
    closedSince: (since) => run(() => closedSince.all(since).map(toRound)),
    open: (round) => run(() => openRound.immediate(round)),
    close: (id, at) => run(() => close.run(at, id).changes === 1),
    discard: (id) => run(() => discard.immediate(id)),
    addInvitation: (roundId, invitation) =>
      run(() => {
        insertInvitation.run(roundId, invitation.side, invitation.channel, invitation.ts);
      }),
    invitations: (roundId) => run(() => invitations.all(roundId)),
    addReminder: (roundId, reminder) =>
      run(() => {
        insertReminder.run(roundId, reminder.channel, reminder.ts);
      }),
    reminders: (roundId) => run(() => reminders.all(roundId)),
    claimRefresh: (roundId, now, windowMs) =>
      run(() => claimRefresh.run({ roundId, now, windowMs }).changes === 1),
  };
}
