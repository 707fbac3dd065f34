import { type DmRow, dmOf } from "../dm-rows.js";
import type {
  DeliveryClaim,
  DeliveryKey,
  DeliveryRepository,
  DmQueueRepository,
  InstallationRepository,
  QueuedDm,
  QueuedDmKey,
  RequestLog,
  SettingsRepository,
} from "../types.js";
import type { Run } from "./busy.js";
import type { Db } from "./db.js";

export function createSettingsRepository(db: Db, run: Run): SettingsRepository {
  const get = db.prepare<[string, string], { value: string }>(
    "SELECT value FROM settings WHERE team_id = ? AND key = ?",
  );
  const set = db.prepare(
    "INSERT INTO settings (team_id, key, value) VALUES (?, ?, ?) ON CONFLICT (team_id, key) DO UPDATE SET value = excluded.value",
  );
  const remove = db.prepare("DELETE FROM settings WHERE team_id = ? AND key = ?");
  const withKey = db.prepare<[string], { teamId: string; value: string }>(
    "SELECT team_id AS teamId, value FROM settings WHERE key = ? ORDER BY team_id",
  );
  const replace = db.transaction(
    (teamId: string, key: string, expected: string | undefined, value: string | undefined) => {
      if (get.get(teamId, key)?.value !== expected) return false;
      if (value === undefined) remove.run(teamId, key);
      else set.run(teamId, key, value);
      return true;
    },
  );
  return {
    replace: (teamId, key, expected, value) =>
      run(() => replace.immediate(teamId, key, expected, value)),
    delete: (teamId, key) =>
      run(() => {
        remove.run(teamId, key);
      }),
    teamsWith: (key) => run(() => withKey.all(key)),
    get: (teamId, key) => run(() => get.get(teamId, key)?.value),
    set: (teamId, key, value) =>
      run(() => {
        set.run(teamId, key, value);
      }),
  };
}

interface DeliveryRow {
  state: "pending" | "done";
  ts: string | null;
  lease_until: number;
  attempts: number;
}

export function createDeliveryRepository(db: Db, run: Run): DeliveryRepository {
  const where =
    "team_id = @teamId AND kind = @kind AND recipient_key = @recipientKey AND period = @period";
  const find = db.prepare<[DeliveryKey], DeliveryRow>(
    `SELECT state, ts, lease_until, attempts FROM deliveries WHERE ${where}`,
  );
  const insert = db.prepare(
    `INSERT INTO deliveries (team_id, kind, recipient_key, period, state, created_at, lease_until, attempts)
     VALUES (@teamId, @kind, @recipientKey, @period, 'pending', @now, @leaseUntil, 1)`,
  );
  const lease = db.prepare(
    `UPDATE deliveries SET lease_until = @leaseUntil, attempts = attempts + 1 WHERE ${where}`,
  );
  const complete = db.prepare(
    `UPDATE deliveries SET state = 'done', ts = @ts, done_at = @now, lease_until = 0 WHERE ${where}`,
  );
  const release = db.prepare(`UPDATE deliveries SET lease_until = 0 WHERE ${where}`);
  const abandon = db.prepare(`DELETE FROM deliveries WHERE ${where} AND state = 'pending'`);
  const releaseAll = db.prepare(
    "UPDATE deliveries SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0",
  );
  const forget = db.prepare("DELETE FROM deliveries WHERE team_id = ? AND period = ?");

  const claim = db.transaction((key: DeliveryKey, now: number, leaseMs: number): DeliveryClaim => {
    const row = find.get(key);
    const leaseUntil = now + leaseMs;
    if (!row) {
      insert.run({ ...key, now, leaseUntil });
      return { state: "claimed", resumed: false, attempts: 1 };
    }
    if (row.state === "done") return { state: "done", ts: row.ts ?? undefined };
    if (row.lease_until > now) return { state: "busy" };
    lease.run({ ...key, leaseUntil });
    return { state: "claimed", resumed: true, attempts: row.attempts + 1 };
  });

  return {
    claim: (key, now, leaseMs) => run(() => claim.immediate(key, now, leaseMs)),
    complete: (key, ts, now) =>
      run(() => {
        complete.run({ ...key, ts: ts ?? null, now });
      }),
    release: (key) =>
      run(() => {
        release.run(key);
      }),
    abandon: (key) =>
      run(() => {
        abandon.run(key);
      }),
    isDone: (key) => run(() => find.get(key)?.state === "done"),
    releaseAllLeases: () => run(() => releaseAll.run().changes),
    forgetPeriod: (teamId, period) =>
      run(() => {
        forget.run(teamId, period);
      }),
  };
}

const REQUEST_LOG_BUDGET_MS = 200;

/** Records a request's first delivery (team, key, time); changes nothing for a redelivery. */
export const ENTER_REQUEST =
  "INSERT OR IGNORE INTO seen_requests (team_id, key, seen_at) VALUES (?, ?, ?)";

export function createRequestLog(db: Db, run: Run): RequestLog {
  const insert = db.prepare(ENTER_REQUEST);
  const prune = db.prepare("DELETE FROM seen_requests WHERE seen_at < ?");
  return {
    // A short wait: every request passes here, and under a long lock it is better to let a
    // rare duplicate through than to hold every request up.
    firstSeen: (teamId, key, at) =>
      run(() => insert.run(teamId, key, at).changes === 1, REQUEST_LOG_BUDGET_MS),
    prune: (before) => run(() => prune.run(before).changes),
  };
}

const none = (id: string | undefined) => id ?? "";
const some = (id: string) => (id === "" ? undefined : id);

export function createInstallationRepository(db: Db, run: Run): InstallationRepository {
  const upsert = db.prepare(
    `INSERT INTO installations (enterprise_id, team_id, is_enterprise_install, sealed, updated_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (enterprise_id, team_id) DO UPDATE SET
       is_enterprise_install = excluded.is_enterprise_install, sealed = excluded.sealed,
       updated_at = excluded.updated_at`,
  );
  const find = db.prepare<[string, string], { sealed: string }>(
    "SELECT sealed FROM installations WHERE enterprise_id = ? AND team_id = ?",
  );
  const forTeam = db.prepare<
    [string, string],
    { enterprise_id: string; team_id: string; is_enterprise_install: number; sealed: string }
  >(
    `SELECT enterprise_id, team_id, is_enterprise_install, sealed FROM installations
     WHERE team_id = ?
        OR (is_enterprise_install = 1 AND team_id = '' AND enterprise_id = ?)
     ORDER BY is_enterprise_install, enterprise_id LIMIT 1`,
  );
  const remove = db.prepare("DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?");
  return {
    save: (key, sealed, at) =>
      run(() => {
        upsert.run(
          none(key.enterpriseId),
          key.isEnterpriseInstall ? "" : none(key.teamId),
          key.isEnterpriseInstall ? 1 : 0,
          sealed,
          at,
        );
      }),
    find: (key) =>
      run(
        () =>
          find.get(none(key.enterpriseId), key.isEnterpriseInstall ? "" : none(key.teamId))?.sealed,
      ),
    findForTeam: (teamId) =>
      run(() => {
        const enterprise = db
          .prepare<[string], { value: string }>(
            "SELECT value FROM settings WHERE team_id = ? AND key = 'enterprise_id'",
          )
          .get(teamId)?.value;
        const found = forTeam.get(teamId, enterprise ?? "\u0000");
        return (
          found && {
            key: {
              enterpriseId: some(found.enterprise_id),
              teamId: some(found.team_id),
              isEnterpriseInstall: found.is_enterprise_install === 1,
            },
            sealed: found.sealed,
          }
        );
      }),
    delete: (key) => run(() => remove.run(none(key.enterpriseId), none(key.teamId)).changes),
  };
}

export function createDmQueueRepository(db: Db, run: Run): DmQueueRepository {
  const where =
    "team_id = @teamId AND kind = @kind AND period = @period AND recipient_key = @recipientKey";
  const insert = db.prepare(
    `INSERT OR IGNORE INTO dm_queue (team_id, kind, period, recipient_key, round_id, not_before, created_at)
     VALUES (@teamId, @kind, @period, @recipientKey, @roundId, @notBefore, @now)`,
  );
  const next = db.prepare<[string, number, number], DmRow>(
    `SELECT team_id, kind, period, recipient_key, round_id, not_before, created_at, attempts
     FROM dm_queue WHERE team_id = ? AND state = 'pending' AND not_before <= ? AND lease_until <= ?
     ORDER BY not_before, kind, period, recipient_key LIMIT 1`,
  );
  const lease = db.prepare(
    `UPDATE dm_queue SET lease_until = @leaseUntil, attempts = attempts + 1 WHERE ${where}`,
  );
  const finish = db.prepare(
    `UPDATE dm_queue SET state = @outcome, done_at = @now, lease_until = 0 WHERE ${where}`,
  );
  const reschedule = db.prepare(
    `UPDATE dm_queue SET not_before = @notBefore, lease_until = 0 WHERE ${where} AND state = 'pending'`,
  );
  const progress = db.prepare<[string, string, string], { state: string; n: number }>(
    "SELECT state, COUNT(*) AS n FROM dm_queue WHERE team_id = ? AND kind = ? AND period = ? GROUP BY state",
  );
  const teamsDue = db.prepare<[number, number], { team_id: string }>(
    `SELECT DISTINCT team_id FROM dm_queue
     WHERE state = 'pending' AND not_before <= ? AND lease_until <= ? ORDER BY team_id`,
  );
  const releaseAll = db.prepare(
    "UPDATE dm_queue SET lease_until = 0 WHERE state = 'pending' AND lease_until > 0",
  );
  const optOut = db.prepare(
    "INSERT OR IGNORE INTO reminder_opt_outs (round_id, member_key) VALUES (?, ?)",
  );
  const optOuts = db.prepare<[number], { member_key: string }>(
    "SELECT member_key FROM reminder_opt_outs WHERE round_id = ? ORDER BY member_key",
  );
  const enqueue = db.transaction((items: readonly QueuedDm[], now: number) => {
    let added = 0;
    for (const item of items)
      added += insert.run({
        ...keyOf(item),
        roundId: item.roundId,
        notBefore: item.notBefore,
        now,
      }).changes;
    return added;
  });
  const claim = db.transaction((teamId: string, now: number, leaseMs: number) => {
    const row = next.get(teamId, now, now);
    if (!row) return undefined;
    const dm = dmOf(row);
    lease.run({ ...keyOf(dm), leaseUntil: now + leaseMs });
    return { ...dm, attempts: dm.attempts + 1 };
  });
  return {
    enqueue: (items, now) => run(() => enqueue.immediate(items as QueuedDm[], now)),
    claimNext: (teamId, now, leaseMs) => run(() => claim.immediate(teamId, now, leaseMs)),
    finish: (key, outcome, now) =>
      run(() => {
        finish.run({ ...keyOf(key), outcome, now });
      }),
    reschedule: (key, notBefore) =>
      run(() => {
        reschedule.run({ ...keyOf(key), notBefore });
      }),
    progress: (teamId, kind, period) =>
      run(() => {
        const counts = { sent: 0, skipped: 0, failed: 0, pending: 0 };
        for (const { state, n } of progress.all(teamId, kind, period))
          counts[state as keyof typeof counts] = n;
        return { total: counts.sent + counts.skipped + counts.failed + counts.pending, ...counts };
      }),
    teamsDue: (now) => run(() => teamsDue.all(now, now).map((r) => r.team_id)),
    releaseAllLeases: () => run(() => releaseAll.run().changes),
    optOut: (roundId, memberKey) =>
      run(() => {
        optOut.run(roundId, memberKey);
      }),
    optOuts: (roundId) => run(() => optOuts.all(roundId).map((r) => r.member_key)),
  };
}

const keyOf = (key: QueuedDmKey) => ({
  teamId: key.teamId,
  kind: key.kind,
  period: key.period,
  recipientKey: key.recipientKey,
});
