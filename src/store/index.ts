import { type Db, openDatabase } from "./db.js";
import { createResponseRepository } from "./responses.js";
import { createRoundRepository } from "./rounds.js";
import { createSentLogRepository, createSettingsRepository } from "./settings.js";

/** Every repository over one database: what handlers and jobs receive. */
export function createStore(db: Db) {
  return {
    db,
    rounds: createRoundRepository(db),
    responses: createResponseRepository(db),
    settings: createSettingsRepository(db),
    sentLog: createSentLogRepository(db),
    /** Cheap liveness probe for /healthz. */
    ping: (): boolean => (db.prepare("SELECT 1 AS ok").get() as { ok: number }).ok === 1,
    close: (): void => {
      db.close();
    },
  };
}

export type Store = ReturnType<typeof createStore>;

export function openStore(path: string): Store {
  return createStore(openDatabase(path));
}

export type { Invitation, Round } from "./rounds.js";
export { RoundAlreadyOpenError } from "./rounds.js";
