import pg from "pg";

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
type Queryable = Pool | Client;

/**
 * Epoch milliseconds and ids are BIGINT, which the driver returns as strings by default (they
 * may exceed 2^53). Ours never come near that, and the rest of Truce expects numbers, as SQLite
 * gives them. Passed with each query rather than set globally, so nothing else sharing the
 * driver in the process is affected, and a pool the caller made needs no special set-up.
 */
const TYPES = new pg.TypeOverrides();
TYPES.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export async function query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  on: Queryable,
  text: string,
  values: readonly unknown[] = [],
): Promise<pg.QueryResult<Row>> {
  return on.query<Row>({ text, values: values as unknown[], types: TYPES });
}

export async function rows<Row extends pg.QueryResultRow>(
  on: Queryable,
  text: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  return (await query<Row>(on, text, values)).rows;
}

export async function row<Row extends pg.QueryResultRow>(
  on: Queryable,
  text: string,
  values: readonly unknown[] = [],
): Promise<Row | undefined> {
  return (await query<Row>(on, text, values)).rows[0];
}

/**
 * A client of its own, until `done`. The pool listens for a connection's errors only while the
 * client is idle; a connection lost while checked out would otherwise be an unhandled 'error'
 * event and end the process. The failed query rejects anyway, so the listener only has to be
 * there. A client whose connection failed is destroyed rather than handed out again.
 */
export async function checkout(pool: Pool): Promise<{ client: Client; done(): void }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  return {
    client,
    done() {
      client.off("error", onError);
      client.release(broken);
    },
  };
}

export async function withClient<T>(pool: Pool, work: (client: Client) => Promise<T>): Promise<T> {
  const { client, done } = await checkout(pool);
  try {
    return await work(client);
  } finally {
    done();
  }
}

/**
 * Runs `work` in one transaction: committed if it returns, rolled back if it throws.
 * `lockTimeoutMs` shortens how long its statements may wait for another session's lock, for
 * work that must answer sooner than the pool's own limit allows.
 */
export async function transaction<T>(
  pool: Pool,
  work: (client: Client) => Promise<T>,
  lockTimeoutMs?: number,
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query("BEGIN");
    try {
      if (lockTimeoutMs !== undefined)
        await query(client, "SELECT set_config('lock_timeout', $1, true)", [`${lockTimeoutMs}ms`]);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // The rollback's own failure (a lost connection) must not hide the error that matters.
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Schema migrations, applied in order and recorded in `migrations`, each in one transaction.
 * Append only: a shipped migration is never edited, so every existing database upgrades the
 * same way. The schema is the SQLite engine's as of its migration 3, with PostgreSQL's types.
 *
 * Text that is compared or sorted uses the "C" collation: bytewise, like SQLite's default, so
 * both engines list rows in the same order whatever locale the database was created with.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    team_id TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (team_id, key)
  );
  CREATE TABLE rounds (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id           TEXT COLLATE "C" NOT NULL,
    opened_by_key     TEXT NOT NULL,
    opened_at         BIGINT NOT NULL,
    closes_at         BIGINT NOT NULL,
    closed_at         BIGINT,
    sales_channel     TEXT NOT NULL,
    marketing_channel TEXT NOT NULL,
    statement_ids     JSONB NOT NULL CHECK (jsonb_typeof(statement_ids) = 'array'),
    invited_sales     INTEGER,
    invited_marketing INTEGER,
    -- Whether the channel members were recorded at launch (only then is a side verified).
    members_known     BOOLEAN NOT NULL DEFAULT FALSE,
    -- Which secret keyed the respondents: rounds keyed differently are never compared.
    key_fingerprint   TEXT,
    CHECK (closes_at > opened_at)
  );
  -- At most one open round per workspace: the database, not a read before the write, makes
  -- two launches at once end with one round.
  CREATE UNIQUE INDEX rounds_one_open ON rounds (team_id) WHERE closed_at IS NULL;
  CREATE INDEX rounds_by_team ON rounds (team_id, opened_at);
  CREATE TABLE invitations (
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    side     TEXT COLLATE "C" NOT NULL CHECK (side IN ('sales', 'marketing')),
    channel  TEXT COLLATE "C" NOT NULL,
    ts       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, side)
  );
  -- Reminders posted during a round, so their survey button can be taken away at close.
  CREATE TABLE reminders (
    round_id BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    channel  TEXT COLLATE "C" NOT NULL,
    ts       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, channel, ts)
  );
  -- Each round's channel members, under the keyed hash, so a side can be verified without
  -- storing anyone's raw id. A member who leaves stays recorded (their answer was verified).
  CREATE TABLE round_members (
    round_id   BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    side       TEXT COLLATE "C" NOT NULL CHECK (side IN ('sales', 'marketing')),
    member_key TEXT COLLATE "C" NOT NULL,
    present    BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (round_id, side, member_key)
  );
  CREATE INDEX round_members_by_key ON round_members (round_id, member_key);
  -- Answer times are kept to the hour: when someone answered, to the minute, could tell who.
  CREATE TABLE responses (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    respondent_key TEXT COLLATE "C" NOT NULL,
    side           TEXT COLLATE "C" NOT NULL CHECK (side IN ('sales', 'marketing')),
    submitted_at   BIGINT NOT NULL CHECK (submitted_at % 3600000 = 0),
    updated_at     BIGINT NOT NULL CHECK (updated_at % 3600000 = 0),
    ratings        JSONB NOT NULL CHECK (jsonb_typeof(ratings) = 'array'),
    PRIMARY KEY (round_id, respondent_key)
  );
  -- The outbox: intent recorded before posting, marked done after, resumed after a crash.
  CREATE TABLE deliveries (
    team_id       TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    recipient_key TEXT COLLATE "C" NOT NULL,
    period        TEXT COLLATE "C" NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    ts            TEXT,
    created_at    BIGINT NOT NULL,
    done_at       BIGINT,
    lease_until   BIGINT NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, kind, recipient_key, period)
  );
  -- Requests and events already handled, so a redelivery is dropped even after a restart.
  CREATE TABLE seen_requests (
    team_id TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, key)
  );
  CREATE INDEX seen_requests_by_time ON seen_requests (seen_at);
  -- Installations from Slack's OAuth flow, sealed (AES-256-GCM) by the application: the
  -- database never holds a token in the clear. '' stands for "none" in the key.
  CREATE TABLE installations (
    enterprise_id         TEXT COLLATE "C" NOT NULL,
    team_id               TEXT COLLATE "C" NOT NULL,
    is_enterprise_install BOOLEAN NOT NULL,
    sealed                TEXT NOT NULL,
    updated_at            BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
  );
  -- One row /healthz rewrites, to prove the database takes writes.
  CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT NOT NULL
  );
  `,
  `
  -- Suggested actions adopted by a leader, with an owner on each side and a due day.
  CREATE TABLE commitments (
    id               BIGSERIAL PRIMARY KEY,
    team_id          TEXT COLLATE "C" NOT NULL,
    round_id         BIGINT NOT NULL,
    action_id        TEXT NOT NULL,
    title            TEXT NOT NULL,
    note             TEXT,
    sales_owner      TEXT NOT NULL,
    marketing_owner  TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    statement_ids    TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    done_at          BIGINT,
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
    team_id       TEXT COLLATE "C" NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    period        TEXT COLLATE "C" NOT NULL,
    recipient_key TEXT COLLATE "C" NOT NULL,
    round_id      BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    not_before    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    done_at       BIGINT,
    lease_until   BIGINT NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, kind, period, recipient_key)
  );
  CREATE INDEX dm_queue_due ON dm_queue (team_id, state, not_before);
  -- "Don't remind me this round", under the keyed hash.
  CREATE TABLE reminder_opt_outs (
    round_id   BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    member_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, member_key)
  );
  `,
  `
  -- When a round's invitations were last refreshed with live participation, so a burst of
  -- answers costs one chat.update per window however many instances take them.
  CREATE TABLE invitation_refreshes (
    round_id     INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    refreshed_at BIGINT NOT NULL
  );
  `,
  `
  -- Distinct people invited over both channels: someone in both is one person, not two.
  ALTER TABLE rounds ADD COLUMN invited_people INTEGER;
  `,
];

/** Answer times are kept to the hour (see the responses table). */
export const ANSWER_TIME_GRAIN_MS = 60 * 60 * 1000;

/**
 * Advisory lock keys are 64-bit; the server derives them from names, so a name is all any
 * instance needs to agree on. Prefixed so Truce's keys do not meet another application's.
 */
export const LOCK_KEY = "hashtextextended($1, 0)";
export const lockName = (name: string) => `truce:${name}`;

/**
 * Applies pending migrations. Several instances starting at once would otherwise race to
 * create the same tables: each waits for a session advisory lock, and the ones after the first
 * find nothing left to do.
 */
export async function migrate(pool: Pool): Promise<number> {
  return withClient(pool, async (client) => {
    await query(client, `SELECT pg_advisory_lock(${LOCK_KEY})`, [lockName("migrations")]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
      );
      let applied = 0;
      for (
        let version = (await schemaVersion(client)) + 1;
        version <= MIGRATIONS.length;
        version++
      ) {
        await client.query("BEGIN");
        try {
          // No parameters: the simple protocol, which takes several statements at once.
          await client.query(MIGRATIONS[version - 1] as string);
          await query(client, "INSERT INTO migrations (version, applied_at) VALUES ($1, $2)", [
            version,
            Date.now(),
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
        applied++;
      }
      return applied;
    } finally {
      // A lost connection releases the lock with the session; only a live one needs telling.
      await query(client, `SELECT pg_advisory_unlock(${LOCK_KEY})`, [lockName("migrations")]).catch(
        () => undefined,
      );
    }
  });
}

export async function schemaVersion(on: Queryable): Promise<number> {
  const result = await row<{ v: number }>(
    on,
    "SELECT COALESCE(MAX(version), 0) AS v FROM migrations",
  );
  return result?.v ?? 0;
}

export const migrationCount = MIGRATIONS.length;
