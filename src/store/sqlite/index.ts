import type { Store } from "../types.js";
import { withRetry } from "./busy.js";
import { type Db, openDatabase } from "./db.js";
import { createMemberRepository, createResponseRepository } from "./responses.js";
import { createRoundRepository } from "./rounds.js";
import {
  createDeliveryRepository,
  createRequestLog,
  createSettingsRepository,
} from "./settings.js";

/** Probing must not hang /healthz behind a lock: a short wait, then it reports the truth. */
const HEALTH_BUDGET_MS = 250;

/** The embedded engine: one SQLite file, WAL mode. */
export function createSqliteStore(db: Db): Store {
  const run = withRetry;
  const read = db.prepare<[], { ok: number }>("SELECT 1 AS ok");
  const write = db.prepare(
    "INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
  );
  return {
    rounds: createRoundRepository(db, run),
    members: createMemberRepository(db, run),
    responses: createResponseRepository(db, run),
    settings: createSettingsRepository(db, run),
    deliveries: createDeliveryRepository(db, run),
    requests: createRequestLog(db, run),
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
    async close() {
      if (db.open) db.close();
    },
  };
}

export function openSqliteStore(path: string): Store {
  return createSqliteStore(openDatabase(path));
}
