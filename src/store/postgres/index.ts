import pg from "pg";
import type { ExclusiveOutcome, Store } from "../types.js";
import { createCommitmentRepository } from "./commitments.js";
import { checkout, LOCK_KEY, lockName, migrate, type Pool, query, row, transaction } from "./db.js";
import { BUSY_BUDGET_MS, withRetry } from "./errors.js";
import { createMemberRepository, createResponseRepository } from "./responses.js";
import { createRoundRepository } from "./rounds.js";
import {
  createDeliveryRepository,
  createDmQueueRepository,
  createInstallationRepository,
  createRequestLog,
  createSettingsRepository,
} from "./settings.js";

/** Probing must not hang /healthz behind a lock: a short wait, then it reports the truth. */
const HEALTH_BUDGET_MS = 250;
/** A server that accepts no connection is as good as down; say so within the ack window. */
const CONNECT_TIMEOUT_MS = 2_500;

/**
 * The server engine: several Truce instances may share one PostgreSQL database. The store
 * migrates the database, then owns the pool (closing the store ends it). Lock waits are
 * bounded by the pool's `lock_timeout`, which `openPostgresStore` sets; a pool made elsewhere
 * should set one too, or a statement may wait on another session's lock indefinitely.
 */
export async function createPostgresStore(pool: Pool): Promise<Store> {
  // An idle pooled connection the server drops is reported here; the pool has already
  // discarded it and the next query gets a fresh one, so there is nothing else to do.
  pool.on("error", () => undefined);
  const run = withRetry;
  try {
    await run(() => migrate(pool));
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    rounds: createRoundRepository(pool, run),
    members: createMemberRepository(pool, run),
    responses: createResponseRepository(pool, run),
    settings: createSettingsRepository(pool, run),
    deliveries: createDeliveryRepository(pool, run),
    requests: createRequestLog(pool, run),
    installations: createInstallationRepository(pool, run),
    commitments: createCommitmentRepository(pool, run),
    dms: createDmQueueRepository(pool, run),
    forgetWorkspace: (teamId) =>
      run(() =>
        transaction(pool, async (client) => {
          // Rounds take their invitations, reminders, members and answers with them (CASCADE).
          for (const table of [
            "rounds",
            "settings",
            "deliveries",
            "seen_requests",
            "installations",
            "commitments",
          ])
            await query(client, `DELETE FROM ${table} WHERE team_id = $1`, [teamId]);
        }),
      ),
    async health() {
      let readable = false;
      try {
        readable =
          (await run(() => row<{ ok: number }>(pool, "SELECT 1 AS ok"), HEALTH_BUDGET_MS))?.ok ===
          1;
        await run(
          () =>
            transaction(
              pool,
              (client) =>
                query(
                  client,
                  "INSERT INTO health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
                  [Date.now()],
                ),
              HEALTH_BUDGET_MS,
            ),
          HEALTH_BUDGET_MS,
        );
        return { readable, writable: true };
      } catch (error) {
        return {
          readable,
          writable: false,
          problem: error instanceof Error ? error.message : String(error),
        };
      }
    },
    async exclusive<T>(name: string, work: () => Promise<T>): Promise<ExclusiveOutcome<T>> {
      // A session-level lock on a connection of its own, held while `work` runs: released when
      // the work ends, and by the server if this instance dies. Only taking the lock is retried
      // and translated; the work's own errors reach the caller as they are.
      const key = [lockName(`exclusive:${name}`)];
      const { client, done } = await run(() => checkout(pool));
      try {
        const taken = await run(() =>
          row<{ ok: boolean }>(client, `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, key),
        );
        if (!taken?.ok) return { ran: false };
        try {
          return { ran: true, value: await work() };
        } finally {
          // If the connection is gone the lock went with it, and the client is destroyed.
          await query(client, `SELECT pg_advisory_unlock(${LOCK_KEY})`, key).catch(() => undefined);
        }
      } finally {
        done();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Opens (migrating if needed) the database at a `postgres://` URL. */
export function openPostgresStore(url: string): Promise<Store> {
  return createPostgresStore(
    new pg.Pool({
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Another session's lock is waited for as long as SQLite's engine waits, then reported busy.
      lock_timeout: BUSY_BUDGET_MS,
      application_name: "truce",
    }),
  );
}
