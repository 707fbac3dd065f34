import { dirname } from "node:path";
import Database from "better-sqlite3";
import { databasePathError, makeFolder } from "../open-errors.js";

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
  `
  -- Each round's channel members, under the keyed hash, so a side can be verified without
  -- storing anyone's raw id. A member who leaves stays recorded (their answer was verified).
  ALTER TABLE rounds ADD COLUMN members_known INTEGER NOT NULL DEFAULT 0;
  -- Which secret keyed the round's respondents: keys made with another secret never match, so
  -- two rounds keyed differently must not be compared as if they were different people.
  ALTER TABLE rounds ADD COLUMN key_fingerprint TEXT;
  CREATE TABLE round_members (
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    side       TEXT NOT NULL CHECK (side IN ('sales', 'marketing')),
    member_key TEXT NOT NULL,
    present    INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
    PRIMARY KEY (round_id, side, member_key)
  );
  CREATE INDEX round_members_by_key ON round_members (round_id, member_key);
  -- The outbox: intent recorded before posting, marked done after, resumed after a crash.
  CREATE TABLE deliveries (
    team_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    period        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    ts            TEXT,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER,
    lease_until   INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, kind, recipient_key, period)
  );
  -- The old sent-log marked a message sent before posting it: what it holds counts as delivered.
  INSERT INTO deliveries (team_id, kind, recipient_key, period, state, created_at, done_at)
    SELECT team_id, kind, recipient_key, period, 'done', sent_at, sent_at FROM sent_log;
  DROP TABLE sent_log;
  -- Requests and events already handled, so a redelivery is dropped even after a restart.
  CREATE TABLE seen_requests (
    team_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, key)
  );
  CREATE INDEX seen_requests_by_time ON seen_requests (seen_at);
  -- Installations from Slack's OAuth flow, sealed (AES-256-GCM) by the application: the
  -- database never holds a token in the clear. '' stands for "none" in the key.
  CREATE TABLE installations (
    enterprise_id         TEXT NOT NULL,
    team_id               TEXT NOT NULL,
    is_enterprise_install INTEGER NOT NULL CHECK (is_enterprise_install IN (0, 1)),
    sealed                TEXT NOT NULL,
    updated_at            INTEGER NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
  );
  -- One row /healthz rewrites, to prove the database takes writes.
  CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
  );
  -- When someone answered, to the minute, could tell who it was: keep the hour only.
  UPDATE responses SET submitted_at = submitted_at - submitted_at % 3600000,
                       updated_at   = updated_at - updated_at % 3600000;
  `,
  `
  -- Suggested actions adopted by a leader, with an owner on each side and a due day.
  CREATE TABLE commitments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id          TEXT NOT NULL,
    round_id         INTEGER NOT NULL,
    action_id        TEXT NOT NULL,
    title            TEXT NOT NULL,
    note             TEXT,
    sales_owner      TEXT NOT NULL,
    marketing_owner  TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    statement_ids    TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    done_at          INTEGER,
    done_by          TEXT
  );
  CREATE INDEX commitments_by_team ON commitments (team_id, id);
  CREATE INDEX commitments_open ON commitments (done_at) WHERE done_at IS NULL;
  `,
  `
  -- The paced fan-out of direct messages (reminders, personal invitations). A person appears
  -- under the keyed hash only: the raw user id is looked up among the channel's members when
  -- the DM is sent, so the database never pairs a hash with the person it stands for.
  CREATE TABLE dm_queue (
    team_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    round_id      INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    not_before    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER,
    lease_until   INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, kind, period, recipient_key)
  );
  CREATE INDEX dm_queue_due ON dm_queue (team_id, state, not_before);
  -- "Don't remind me this round", under the keyed hash.
  CREATE TABLE reminder_opt_outs (
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    member_key TEXT NOT NULL,
    PRIMARY KEY (round_id, member_key)
  );
  `,
  `
  -- When a round's invitations were last refreshed with live participation, so a burst of
  -- answers costs one chat.update per window however many instances take them.
  CREATE TABLE invitation_refreshes (
    round_id     INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    refreshed_at INTEGER NOT NULL
  );
  `,
  `
  -- Distinct people invited over both channels: someone in both is one person, not two.
  ALTER TABLE rounds ADD COLUMN invited_people INTEGER;
  `,
];

/** Answer times are kept to the hour (see migration 3). */
export const ANSWER_TIME_GRAIN_MS = 60 * 60 * 1000;

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
    // Start-up may wait for another process's lock (nothing else is being served yet)...
    db.pragma("busy_timeout = 5000");
    migrate(db);
    // ...but once serving, a lock wait would block the event loop: busy.ts retries asynchronously.
    db.pragma("busy_timeout = 0");
    // SQLite would fold the WAL back into the file inside whichever commit crosses 1,000 pages
    // (a stall of several ms in that request, about every 400 answers); the store does it on a
    // thread of its own instead (see checkpoints.ts).
    db.pragma("wal_autocheckpoint = 0");
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
