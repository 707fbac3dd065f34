import { type DmRow, dmOf } from "../dm-rows.js";
import type {
  DeliveryClaim,
  DeliveryKey,
  DeliveryRepository,
  DmQueueRepository,
  InstallationKey,
  InstallationRepository,
  QueuedDmKey,
  RequestLog,
  SettingsRepository,
} from "../types.js";
import { type Client, type Pool, query, row, rows, transaction } from "./db.js";
import type { Run } from "./errors.js";

export function createSettingsRepository(pool: Pool, run: Run): SettingsRepository {
  return {
    replace: (teamId, key, expected, value) =>
      run(() =>
        transaction(pool, async (client) => {
          // Locks the row (when there is one) until commit, so a second claimer sees the new value.
          const current = await row<{ value: string }>(
            client,
            "SELECT value FROM settings WHERE team_id = $1 AND key = $2 FOR UPDATE",
            [teamId, key],
          );
          if (current?.value !== expected) return false;
          if (value === undefined) {
            await query(client, "DELETE FROM settings WHERE team_id = $1 AND key = $2", [
              teamId,
              key,
            ]);
            return true;
          }
          // Unset before: a concurrent insert of the same key makes this one change nothing.
          const written = await query(
            client,
            current === undefined
              ? "INSERT INTO settings (team_id, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
              : "UPDATE settings SET value = $3 WHERE team_id = $1 AND key = $2",
            [teamId, key, value],
          );
          return written.rowCount === 1;
        }),
      ),
    delete: (teamId, key) =>
      run(async () => {
        await query(pool, "DELETE FROM settings WHERE team_id = $1 AND key = $2", [teamId, key]);
      }),
    teamsWith: (key) =>
      run(() =>
        rows<{ teamId: string; value: string }>(
          pool,
          'SELECT team_id AS "teamId", value FROM settings WHERE key = $1 ORDER BY team_id',
          [key],
        ),
      ),
    get: (teamId, key) =>
      run(
        async () =>
          (
            await row<{ value: string }>(
              pool,
              "SELECT value FROM settings WHERE team_id = $1 AND key = $2",
              [teamId, key],
            )
          )?.value,
      ),
    set: (teamId, key, value) =>
      run(async () => {
        await query(
          pool,
          "INSERT INTO settings (team_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (team_id, key) DO UPDATE SET value = excluded.value",
          [teamId, key, value],
        );
      }),
  };
}

const WHERE = "team_id = $1 AND kind = $2 AND recipient_key = $3 AND period = $4";
const keyOf = (key: DeliveryKey) => [key.teamId, key.kind, key.recipientKey, key.period];

/** The row may be forgotten between our insert and our read: the claim starts over then. */
const CLAIM_ATTEMPTS = 3;

async function claimOnce(
  client: Client,
  key: DeliveryKey,
  now: number,
  leaseMs: number,
): Promise<DeliveryClaim | undefined> {
  const leaseUntil = now + leaseMs;
  // A concurrent claimer of a new delivery waits here for the first to commit, then finds the
  // row (and its lease) below: exactly one of them sends.
  const inserted = await query(
    client,
    `INSERT INTO deliveries (team_id, kind, recipient_key, period, state, created_at, lease_until, attempts)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, 1) ON CONFLICT DO NOTHING`,
    [...keyOf(key), now, leaseUntil],
  );
  if (inserted.rowCount === 1) return { state: "claimed", resumed: false, attempts: 1 };
  // Locked until commit, so a second claimer of an expired lease waits, then sees the new one.
  const found = await row<{
    state: "pending" | "done";
    ts: string | null;
    lease_until: number;
    attempts: number;
  }>(
    client,
    `SELECT state, ts, lease_until, attempts FROM deliveries WHERE ${WHERE} FOR UPDATE`,
    keyOf(key),
  );
  if (!found) return undefined;
  if (found.state === "done") return { state: "done", ts: found.ts ?? undefined };
  if (found.lease_until > now) return { state: "busy" };
  await query(
    client,
    `UPDATE deliveries SET lease_until = $5, attempts = attempts + 1 WHERE ${WHERE}`,
    [...keyOf(key), leaseUntil],
  );
  return { state: "claimed", resumed: true, attempts: found.attempts + 1 };
}

export function createDeliveryRepository(pool: Pool, run: Run): DeliveryRepository {
  const claim = async (key: DeliveryKey, now: number, leaseMs: number) => {
    for (let attempt = 1; ; attempt++) {
      const claimed = await transaction(pool, (client) => claimOnce(client, key, now, leaseMs));
      if (claimed) return claimed;
      if (attempt >= CLAIM_ATTEMPTS) return { state: "busy" } as const;
    }
  };

  return {
    claim: (key, now, leaseMs) => run(() => claim(key, now, leaseMs)),
    complete: (key, ts, now) =>
      run(async () => {
        await query(
          pool,
          `UPDATE deliveries SET state = 'done', ts = $5, done_at = $6, lease_until = 0 WHERE ${WHERE}`,
          [...keyOf(key), ts ?? null, now],
        );
      }),
    release: (key) =>
      run(async () => {
        await query(pool, `UPDATE deliveries SET lease_until = 0 WHERE ${WHERE}`, keyOf(key));
      }),
    abandon: (key) =>
      run(async () => {
        await query(
          pool,
          `DELETE FROM deliveries WHERE ${WHERE} AND state = 'pending'`,
          keyOf(key),
        );
      }),
    isDone: (key) =>
      run(
        async () =>
          (
            await row<{ state: string }>(
              pool,
              `SELECT state FROM deliveries WHERE ${WHERE}`,
              keyOf(key),
            )
          )?.state === "done",
      ),
    releaseAllLeases: () =>
      run(
        async () =>
          (
            await query(
              pool,
              "UPDATE deliveries SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0",
            )
          ).rowCount ?? 0,
      ),
    forgetPeriod: (teamId, period) =>
      run(async () => {
        await query(pool, "DELETE FROM deliveries WHERE team_id = $1 AND period = $2", [
          teamId,
          period,
        ]);
      }),
  };
}

/** A short wait: every request passes here, and a rare duplicate beats holding every request up. */
const REQUEST_LOG_BUDGET_MS = 200;

/** Records a request's first delivery (team, key, time); changes nothing for a redelivery. */
export const ENTER_REQUEST =
  "INSERT INTO seen_requests (team_id, key, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

export function createRequestLog(pool: Pool, run: Run): RequestLog {
  return {
    firstSeen: (teamId, key, at) =>
      run(
        () =>
          transaction(
            pool,
            async (client) =>
              (await query(client, ENTER_REQUEST, [teamId, key, at])).rowCount === 1,
            REQUEST_LOG_BUDGET_MS,
          ),
        REQUEST_LOG_BUDGET_MS,
      ),
    prune: (before) =>
      run(
        async () =>
          (await query(pool, "DELETE FROM seen_requests WHERE seen_at < $1", [before])).rowCount ??
          0,
      ),
  };
}

const none = (id: string | undefined) => id ?? "";
const some = (id: string) => (id === "" ? undefined : id);

export function createInstallationRepository(pool: Pool, run: Run): InstallationRepository {
  const slot = (key: InstallationKey) => [
    none(key.enterpriseId),
    key.isEnterpriseInstall ? "" : none(key.teamId),
  ];
  return {
    save: (key, sealed, at) =>
      run(async () => {
        await query(
          pool,
          `INSERT INTO installations (enterprise_id, team_id, is_enterprise_install, sealed, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (enterprise_id, team_id) DO UPDATE SET
             is_enterprise_install = excluded.is_enterprise_install, sealed = excluded.sealed,
             updated_at = excluded.updated_at`,
          [...slot(key), key.isEnterpriseInstall, sealed, at],
        );
      }),
    find: (key) =>
      run(
        async () =>
          (
            await row<{ sealed: string }>(
              pool,
              "SELECT sealed FROM installations WHERE enterprise_id = $1 AND team_id = $2",
              slot(key),
            )
          )?.sealed,
      ),
    findForTeam: (teamId) =>
      run(async () => {
        const found = await row<{
          enterprise_id: string;
          team_id: string;
          is_enterprise_install: boolean;
          sealed: string;
        }>(
          pool,
          `SELECT enterprise_id, team_id, is_enterprise_install, sealed FROM installations
           WHERE team_id = $1
              OR (is_enterprise_install AND team_id = '' AND enterprise_id = (
                SELECT value FROM settings WHERE team_id = $1 AND key = 'enterprise_id'))
           ORDER BY is_enterprise_install, enterprise_id LIMIT 1`,
          [teamId],
        );
        return (
          found && {
            key: {
              enterpriseId: some(found.enterprise_id),
              teamId: some(found.team_id),
              isEnterpriseInstall: found.is_enterprise_install,
            },
            sealed: found.sealed,
          }
        );
      }),
    delete: (key) =>
      run(
        async () =>
          (
            await query(
              pool,
              "DELETE FROM installations WHERE enterprise_id = $1 AND team_id = $2",
              [none(key.enterpriseId), none(key.teamId)],
            )
          ).rowCount ?? 0,
      ),
  };
}

const DM_WHERE = "team_id = $1 AND kind = $2 AND period = $3 AND recipient_key = $4";
const dmKey = (key: QueuedDmKey) => [key.teamId, key.kind, key.period, key.recipientKey];
/** Rows per INSERT: a fan-out of thousands goes in a few statements. */
const ENQUEUE_CHUNK = 1000;

export function createDmQueueRepository(pool: Pool, run: Run): DmQueueRepository {
  return {
    enqueue: (items, now) =>
      run(() =>
        transaction(pool, async (client) => {
          let added = 0;
          for (let i = 0; i < items.length; i += ENQUEUE_CHUNK) {
            const chunk = items.slice(i, i + ENQUEUE_CHUNK);
            const result = await query(
              client,
              `INSERT INTO dm_queue (team_id, kind, period, recipient_key, round_id, not_before, created_at)
               SELECT t, k, p, r, rid, nb, $7 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
                 AS u(t, k, p, r, rid, nb)
               ON CONFLICT DO NOTHING`,
              [
                chunk.map((d) => d.teamId),
                chunk.map((d) => d.kind),
                chunk.map((d) => d.period),
                chunk.map((d) => d.recipientKey),
                chunk.map((d) => d.roundId),
                chunk.map((d) => d.notBefore),
                now,
              ],
            );
            added += result.rowCount ?? 0;
          }
          return added;
        }),
      ),
    claimNext: (teamId, now, leaseMs) =>
      run(async () => {
        // SKIP LOCKED: a second instance claiming at the same moment takes the next DM instead
        // of waiting for this one, and never the same one.
        const found = await row<DmRow>(
          pool,
          `UPDATE dm_queue q SET lease_until = $3, attempts = q.attempts + 1
           FROM (SELECT team_id, kind, period, recipient_key FROM dm_queue
                 WHERE team_id = $1 AND state = 'pending' AND not_before <= $2 AND lease_until <= $2
                 ORDER BY not_before, kind, period, recipient_key
                 LIMIT 1 FOR UPDATE SKIP LOCKED) c
           WHERE q.team_id = c.team_id AND q.kind = c.kind AND q.period = c.period
             AND q.recipient_key = c.recipient_key
           RETURNING q.team_id, q.kind, q.period, q.recipient_key, q.round_id, q.not_before,
                     q.created_at, q.attempts`,
          [teamId, now, now + leaseMs],
        );
        return found && dmOf(found);
      }),
    finish: (key, outcome, now) =>
      run(async () => {
        await query(
          pool,
          `UPDATE dm_queue SET state = $5, done_at = $6, lease_until = 0 WHERE ${DM_WHERE}`,
          [...dmKey(key), outcome, now],
        );
      }),
    reschedule: (key, notBefore) =>
      run(async () => {
        await query(
          pool,
          `UPDATE dm_queue SET not_before = $5, lease_until = 0 WHERE ${DM_WHERE} AND state = 'pending'`,
          [...dmKey(key), notBefore],
        );
      }),
    progress: (teamId, kind, period) =>
      run(async () => {
        const counts = { sent: 0, skipped: 0, failed: 0, pending: 0 };
        for (const { state, n } of await rows<{ state: string; n: number }>(
          pool,
          "SELECT state, COUNT(*)::int AS n FROM dm_queue WHERE team_id = $1 AND kind = $2 AND period = $3 GROUP BY state",
          [teamId, kind, period],
        ))
          counts[state as keyof typeof counts] = n;
        return { total: counts.sent + counts.skipped + counts.failed + counts.pending, ...counts };
      }),
    teamsDue: (now) =>
      run(async () =>
        (
          await rows<{ team_id: string }>(
            pool,
            `SELECT DISTINCT team_id FROM dm_queue
             WHERE state = 'pending' AND not_before <= $1 AND lease_until <= $1 ORDER BY team_id`,
            [now],
          )
        ).map((r) => r.team_id),
      ),
    releaseAllLeases: () =>
      run(
        async () =>
          (
            await query(
              pool,
              "UPDATE dm_queue SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0",
            )
          ).rowCount ?? 0,
      ),
    optOut: (roundId, memberKey) =>
      run(async () => {
        await query(
          pool,
          "INSERT INTO reminder_opt_outs (round_id, member_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          [roundId, memberKey],
        );
      }),
    optOuts: (roundId) =>
      run(async () =>
        (
          await rows<{ member_key: string }>(
            pool,
            "SELECT member_key FROM reminder_opt_outs WHERE round_id = $1 ORDER BY member_key",
            [roundId],
          )
        ).map((r) => r.member_key),
      ),
  };
}
