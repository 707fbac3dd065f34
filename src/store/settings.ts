import type { Db } from "./db.js";

export type SettingKey = "sales_channel" | "marketing_channel" | "active";

export function createSettingsRepository(db: Db) {
  const get = db.prepare<[string, string], { value: string }>(
    "SELECT value FROM settings WHERE team_id = ? AND key = ?",
  );
  const set = db.prepare(
    "INSERT INTO settings (team_id, key, value) VALUES (?, ?, ?) ON CONFLICT (team_id, key) DO UPDATE SET value = excluded.value",
  );
  return {
    get: (teamId: string, key: SettingKey): string | undefined => get.get(teamId, key)?.value,
    set: (teamId: string, key: SettingKey, value: string): void => {
      set.run(teamId, key, value);
    },
  };
}

export function createSentLogRepository(db: Db) {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO sent_log (team_id, kind, recipient_key, period, sent_at) VALUES (?, ?, ?, ?, ?)",
  );
  const exists = db.prepare<[string, string, string, string], { found: number }>(
    "SELECT 1 AS found FROM sent_log WHERE team_id = ? AND kind = ? AND recipient_key = ? AND period = ?",
  );
  const remove = db.prepare(
    "DELETE FROM sent_log WHERE team_id = ? AND kind = ? AND recipient_key = ? AND period = ?",
  );
  return {
    /**
     * Claims a send: true only the first time for (team, kind, recipient, period), so nothing is
     * sent twice even across restarts. Call `release` if the send then fails, so it is retried.
     */
    claim: (teamId: string, kind: string, recipientKey: string, period: string, at: number) =>
      insert.run(teamId, kind, recipientKey, period, at).changes === 1,
    has: (teamId: string, kind: string, recipientKey: string, period: string): boolean =>
      exists.get(teamId, kind, recipientKey, period) !== undefined,
    release: (teamId: string, kind: string, recipientKey: string, period: string): void => {
      remove.run(teamId, kind, recipientKey, period);
    },
  };
}
