import {
  type Invitation,
  type NewRound,
  type Round,
  RoundAlreadyOpenError,
  type RoundRepository,
} from "../types.js";
import { type Pool, query, row, rows, transaction } from "./db.js";
import type { Run } from "./errors.js";

interface RoundRow {
  id: number;
  team_id: string;
  opened_at: number;
  closes_at: number;
  closed_at: number | null;
  sales_channel: string;
  marketing_channel: string;
  statement_ids: string[];
  invited_sales: number | null;
  invited_marketing: number | null;
  invited_people: number | null;
  members_known: boolean;
  key_fingerprint: string | null;
}

const toRound = (r: RoundRow): Round => ({
  id: r.id,
  teamId: r.team_id,
  openedAt: r.opened_at,
  closesAt: r.closes_at,
  closedAt: r.closed_at ?? undefined,
  salesChannel: r.sales_channel,
  marketingChannel: r.marketing_channel,
  statementIds: r.statement_ids,
  invited: {
    sales: r.invited_sales ?? undefined,
    marketing: r.invited_marketing ?? undefined,
    people: r.invited_people ?? undefined,
  },
  membersKnown: r.members_known,
  keyFingerprint: r.key_fingerprint ?? undefined,
});

const maybe = (r: RoundRow | undefined) => r && toRound(r);

const COLUMNS = `id, team_id, opened_at, closes_at, closed_at, sales_channel, marketing_channel,
  statement_ids, invited_sales, invited_marketing, invited_people, members_known,
  key_fingerprint`;
const SELECT = `SELECT ${COLUMNS} FROM rounds`;

/** Another launch may close the open round between our insert and our read: try again then. */
const OPEN_ATTEMPTS = 3;

export function createRoundRepository(pool: Pool, run: Run): RoundRepository {
  const openFor = (teamId: string) =>
    row<RoundRow>(pool, `${SELECT} WHERE team_id = $1 AND closed_at IS NULL`, [teamId]);

  const openOnce = (round: NewRound) =>
    transaction(pool, async (client) => {
      // The partial unique index decides, so two launches at once cannot both open a round:
      // the second waits for the first to commit, then inserts nothing.
      const inserted = await row<RoundRow>(
        client,
        `INSERT INTO rounds (team_id, opened_by_key, opened_at, closes_at, sales_channel,
           marketing_channel, statement_ids, invited_sales, invited_marketing, invited_people,
           members_known, key_fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, TRUE, $11)
         ON CONFLICT (team_id) WHERE closed_at IS NULL DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          round.teamId,
          round.openedByKey,
          round.openedAt,
          round.closesAt,
          round.salesChannel,
          round.marketingChannel,
          JSON.stringify(round.statementIds),
          round.invited.sales ?? null,
          round.invited.marketing ?? null,
          round.invited.people ?? null,
          round.keyFingerprint,
        ],
      );
      if (!inserted) return undefined;
      for (const side of ["sales", "marketing"] as const) {
        await query(
          client,
          `INSERT INTO round_members (round_id, side, member_key)
           SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
          [inserted.id, side, [...round.members[side]]],
        );
      }
      return toRound(inserted);
    });

  return {
    get: (id) => run(async () => maybe(await row<RoundRow>(pool, `${SELECT} WHERE id = $1`, [id]))),
    openFor: (teamId) => run(async () => maybe(await openFor(teamId))),
    latestClosed: (teamId) =>
      run(async () =>
        maybe(
          await row<RoundRow>(
            pool,
            `${SELECT} WHERE team_id = $1 AND closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC LIMIT 1`,
            [teamId],
          ),
        ),
      ),
    previousClosed: (round) =>
      run(async () =>
        maybe(
          await row<RoundRow>(
            pool,
            `${SELECT} WHERE team_id = $1 AND closed_at IS NOT NULL AND id < $2 ORDER BY id DESC LIMIT 1`,
            [round.teamId, round.id],
          ),
        ),
      ),
    due: (now) =>
      run(async () =>
        (
          await rows<RoundRow>(
            pool,
            `${SELECT} WHERE closed_at IS NULL AND closes_at <= $1 ORDER BY closes_at, team_id`,
            [now],
          )
        ).map(toRound),
      ),
    allOpen: () =>
      run(async () =>
        (await rows<RoundRow>(pool, `${SELECT} WHERE closed_at IS NULL ORDER BY team_id`)).map(
          toRound,
        ),
      ),
    teams: () =>
      run(async () =>
        (
          await rows<{ team_id: string }>(
            pool,
            "SELECT DISTINCT team_id FROM rounds ORDER BY team_id",
          )
        ).map((r) => r.team_id),
      ),
    closedSince: (since) =>
      run(async () =>
        (
          await rows<RoundRow>(
            pool,
            `${SELECT} WHERE closed_at IS NOT NULL AND closed_at >= $1 ORDER BY closed_at, id`,
            [since],
          )
        ).map(toRound),
      ),
    open: (round) =>
      run(async () => {
        for (let attempt = 1; ; attempt++) {
          const opened = await openOnce(round);
          if (opened) return opened;
          const existing = await openFor(round.teamId);
          if (existing) throw new RoundAlreadyOpenError(toRound(existing));
          if (attempt >= OPEN_ATTEMPTS)
            throw new Error(`could not open a round for ${round.teamId}`);
        }
      }),
    close: (id, at) =>
      run(
        async () =>
          (
            await query(
              pool,
              "UPDATE rounds SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
              [at, id],
            )
          ).rowCount === 1,
      ),
    discard: (id) =>
      run(() =>
        transaction(pool, async (client) => {
          const found = await row<{ team_id: string }>(
            client,
            "SELECT team_id FROM rounds WHERE id = $1 FOR UPDATE",
            [id],
          );
          if (!found) return;
          await query(client, "DELETE FROM deliveries WHERE team_id = $1 AND period = $2", [
            found.team_id,
            `round-${id}`,
          ]);
          await query(client, "DELETE FROM rounds WHERE id = $1", [id]);
        }),
      ),
    addInvitation: (roundId, invitation) =>
      run(async () => {
        await query(
          pool,
          `INSERT INTO invitations (round_id, side, channel, ts) VALUES ($1, $2, $3, $4)
           ON CONFLICT (round_id, side) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
          [roundId, invitation.side, invitation.channel, invitation.ts],
        );
      }),
    invitations: (roundId) =>
      run(() =>
        rows<Invitation & Record<string, unknown>>(
          pool,
          "SELECT side, channel, ts FROM invitations WHERE round_id = $1 ORDER BY side DESC",
          [roundId],
        ),
      ),
    addReminder: (roundId, reminder) =>
      run(async () => {
        await query(
          pool,
          "INSERT INTO reminders (round_id, channel, ts) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          [roundId, reminder.channel, reminder.ts],
        );
      }),
    reminders: (roundId) =>
      run(() =>
        rows<{ channel: string; ts: string }>(
          pool,
          "SELECT channel, ts FROM reminders WHERE round_id = $1 ORDER BY ts, channel",
          [roundId],
        ),
      ),
    // One statement, so two instances claiming at once cannot both win: the second waits on
    // the first's row lock, then sees its time. Through SELECT, an unknown round claims nothing.
    claimRefresh: (roundId, now, windowMs) =>
      run(
        async () =>
          (
            await query(
              pool,
              `INSERT INTO invitation_refreshes (round_id, refreshed_at)
               SELECT id, $2 FROM rounds WHERE id = $1
               ON CONFLICT (round_id) DO UPDATE SET refreshed_at = excluded.refreshed_at
               WHERE $3 <= 0 OR invitation_refreshes.refreshed_at <= $2::bigint - $3`,
              [roundId, now, windowMs],
            )
          ).rowCount === 1,
      ),
  };
}
