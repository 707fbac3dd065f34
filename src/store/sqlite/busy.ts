import { setTimeout as sleep } from "node:timers/promises";
import { type StoreFailure, StoreUnavailableError } from "../types.js";

/**
 * SQLite is synchronous: with a busy timeout, a statement that meets another process's lock
 * would freeze the whole event loop until the lock goes. Truce runs with no busy timeout
 * instead, and waits here, asynchronously, between attempts, so every other request is served
 * meanwhile. Past the budget the caller gets a StoreUnavailableError saying what happened.
 */

/** Long enough to ride out another writer's transaction; short enough to ack within 3 s. */
export const BUSY_BUDGET_MS = 2_000;
const FIRST_WAIT_MS = 5;
const LONGEST_WAIT_MS = 100;

function failureOf(error: unknown): { reason: StoreFailure; code: string } | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return { reason: "busy", code };
  if (code.startsWith("SQLITE_READONLY")) return { reason: "read-only", code };
  if (code === "SQLITE_FULL") return { reason: "full", code };
  if (code.startsWith("SQLITE_IOERR") || code.startsWith("SQLITE_CANTOPEN"))
    return { reason: "unavailable", code };
  return undefined;
}

/** Runs `work`, retrying while the database is locked; translates storage failures. */
export async function withRetry<T>(work: () => T, budgetMs = BUSY_BUDGET_MS): Promise<T> {
  const deadline = performance.now() + budgetMs;
  let wait = FIRST_WAIT_MS;
  for (;;) {
    try {
      return work();
    } catch (error) {
      const failure = failureOf(error);
      if (!failure) throw error;
      if (failure.reason !== "busy" || performance.now() + wait > deadline)
        throw new StoreUnavailableError(failure.reason, failure.code);
      await sleep(wait);
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  }
}

export type Run = typeof withRetry;
