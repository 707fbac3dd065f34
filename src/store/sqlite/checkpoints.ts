import type { Db } from "./db.js";

/** Quiet this long after the last statement: fold the WAL back then. */
export const CHECKPOINT_IDLE_MS = 250;
/** Under unbroken load, fold at least this often, so the WAL cannot grow without bound. */
export const CHECKPOINT_LONGEST_MS = 30_000;

/**
 * WAL checkpoints between requests rather than inside one. With SQLite's automatic checkpoint
 * off (db.ts), every statement the store runs notes that the database is busy; once it has been
 * quiet for a moment (or at the latest every 30 s of unbroken load), a PASSIVE checkpoint folds
 * what was written back into the file — never waiting for a reader, never inside a commit that
 * someone's acknowledgement waits on. The timers never keep the process alive.
 */
export function createCheckpointer(db: Db) {
  let dirty = false;
  let lastCheckpoint = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let checkpoints = 0;

  function checkpoint(): void {
    timer = undefined;
    if (!dirty || !db.open) return;
    dirty = false;
    lastCheckpoint = performance.now();
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
      checkpoints += 1;
    } catch {
      // Busy or failing: the next quiet moment tries again (a write marks it dirty).
      dirty = true;
    }
  }

  return {
    /** A statement ran (or is about to): put the checkpoint off until things are quiet. */
    touch(): void {
      dirty = true;
      if (db.memory) return;
      const overdue = performance.now() - lastCheckpoint >= CHECKPOINT_LONGEST_MS;
      if (timer && !overdue) timer.refresh();
      else if (!timer) {
        timer = setTimeout(checkpoint, overdue ? 0 : CHECKPOINT_IDLE_MS);
        timer.unref();
      }
    },
    /** Folds the WAL now (the heartbeat; closing). */
    now: checkpoint,
    /** Checkpoints done so far (tests). */
    get count(): number {
      return checkpoints;
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
