import { resolve } from "node:path";
import type { ExclusiveOutcome, Store } from "../types.js";
import { type Run, withRetry } from "./busy.js";
import { createCheckpointer } from "./checkpoints.js";
import { createCommitmentRepository } from "./commitments.js";
import { type Db, openDatabase } from "./db.js";
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

/**
 * Names of exclusive work running now, per database file. One process serves a SQLite file,
 * so a lock in memory is enough; keyed by file so two stores on one file (a restart in tests)
 * still exclude each other. An in-memory database is its own.
 */
const running = new Map<string, Set<string>>();
const runningIn = (db: Db) => {
  if (db.memory) return new Set<string>();
  const file = resolve(db.name);
  const names = running.get(file) ?? new Set<string>();
  running.set(file, names);
  return names;
};

/** The embedded engine: one SQLite file, WAL mode. */
export function createSqliteStore(db: Db): Store {
  const checkpoints = createCheckpointer(db);
  const run: Run = (work, budgetMs) => {
    checkpoints.touch();
    return withRetry(work, budgetMs);
  };
  const read = db.prepare<[], { ok: number }>("SELECT 1 AS ok");
  const write = db.prepare(
    "INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
  );
  const exclusiveNames = runningIn(db);
  const forget = db.transaction((teamId: string) => {
    // Rounds take their invitations, reminders, members and answers with them (ON DELETE CASCADE).
    for (const table of ["rounds", "settings", "deliveries", "seen_requests", "commitments"])
      db.prepare(`DELETE FROM ${table} WHERE team_id = ?`).run(teamId);
    db.prepare("DELETE FROM installations WHERE team_id = ?").run(teamId);
  });
  return {
    rounds: createRoundRepository(db, run),
    members: createMemberRepository(db, run),
    responses: createResponseRepository(db, run),
    settings: createSettingsRepository(db, run),
    deliveries: createDeliveryRepository(db, run),
    requests: createRequestLog(db, run),
    installations: createInstallationRepository(db, run),
    commitments: createCommitmentRepository(db, run),
    dms: createDmQueueRepository(db, run),
    forgetWorkspace: (teamId) => run(() => forget.immediate(teamId)),
    async health() {
      let readable = false;
      try {
        readable = (await run(() => read.get(), HEALTH_BUDGET_MS))?.ok === 1;
        await run(() => write.run(Date.now()), HEALTH_BUDGET_MS);
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
      if (exclusiveNames.has(name)) return { ran: false };
      exclusiveNames.add(name);
      try {
        return { ran: true, value: await work() };
      } finally {
        exclusiveNames.delete(name);
      }
    },
    async close() {
      await checkpoints.stop();
      // Closing the last connection folds the WAL into the file as well.
      if (db.open) db.close();
    },
  };
}

export function openSqliteStore(path: string): Store {
  return createSqliteStore(openDatabase(path));
}
