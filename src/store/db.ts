import { dirname } from "node:path";
import Database from "better-sqlite3";
import { databasePathError, makeFolder } from "./open-errors.js";

export type Db = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `migrations`. Append only: a shipped
 * migration is never edited, so every existing database upgrades the same way.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    team_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (team_id, key)
  );
  CREATE TABLE rounds (
    id                INTEGER PRIMARY KEY,
    team_id           TEXT NOT NULL,
    opened_by_key     TEXT NOT NULL,
    opened_at         INTEGER NOT NULL,
    closes_at         INTEGER NOT NULL,
    closed_at         INTEGER,
    sales_channel     TEXT NOT NULL,
    marketing_channel TEXT NOT NULL,
    statement_ids     TEXT NOT NULL CHECK (json_valid(statement_ids)),
    invited_sales     INTEGER,
    invited_marketing INTEGER,
    CHECK (closes_at > opened_at)
  );
  -- At most one open round per workspace.
  CREATE UNIQUE INDEX rounds_one_open ON rounds (team_id) WHERE closed_at IS NULL;
  CREATE INDEX rounds_by_team ON rounds (team_id, opened_at);
  CREATE TABLE invitations (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    side     TEXT NOT NULL CHECK (side IN ('sales', 'marketing')),
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (round_id, side)
  );
  CREATE TABLE responses (
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    respondent_key TEXT NOT NULL,
    side           TEXT NOT NULL CHECK (side IN ('sales', 'marketing')),
    submitted_at   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    ratings        TEXT NOT NULL CHECK (json_valid(ratings)),
    PRIMARY KEY (round_id, respondent_key)
  );
  CREATE TABLE sent_log (
    team_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    period        TEXT NOT NULL,
    sent_at       INTEGER NOT NULL,
    PRIMARY KEY (team_id, kind, recipient_key, period)
  );
  `,
  `
  -- Reminders posted during a round, so their survey button can be taken away at close.
  CREATE TABLE reminders (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (round_id, channel, ts)
  );
  `,
];

/**
 * Open (creating if needed) the database file, set pragmas and apply pending migrations. A path
 * that cannot hold the database throws StoragePathError (a setting to fix, not a crash).
 */
export function openDatabase(path: string): Db {
  let db: Db | undefined;
  try {
    if (path !== ":memory:") makeFolder(dirname(path));
    db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw (path === ":memory:" ? undefined : databasePathError(error, path)) ?? error;
  }
}

export function migrate(db: Db): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM migrations").get() as {
    v: number;
  };
  let applied = 0;
  for (let version = row.v + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1] as string);
      db.prepare("INSERT INTO migrations (version, applied_at) VALUES (?, ?)").run(
        version,
        Date.now(),
      );
    })();
    applied++;
  }
  return applied;
}

export function schemaVersion(db: Db): number {
  return (
    db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM migrations").get() as { v: number }
  ).v;
}
