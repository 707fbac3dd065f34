import { setTimeout as sleep } from "node:timers/promises";
import { type StoreFailure, StoreUnavailableError } from "../types.js";

/**
 * PostgreSQL reports why it refused by SQLSTATE, and the driver reports a lost or refused
 * connection by the socket's error code or by message. Both become a StoreUnavailableError
 * whose reason tells the person who acted what really happened; anything else (a bug, a
 * constraint) passes through unchanged.
 */

/** Long enough to ride out another writer's lock or a retried conflict; short enough to ack within 3 s. */
export const BUSY_BUDGET_MS = 2_000;
const FIRST_WAIT_MS = 5;
const LONGEST_WAIT_MS = 100;

/** Lock waits, serialization failures and deadlocks clear up when tried again a moment later. */
const RETRYABLE = new Set(["55P03", "40001", "40P01"]);

/** Socket-level codes Node gives when the server cannot be reached or drops the connection. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT", // a unix socket path that is not there: no server
]);

/** What pg-pool and the client say, with no code, when a connection ends or cannot be made. */
const LOST_CONNECTION =
  /^(connection terminated|timeout exceeded when trying to connect|client has encountered a connection error|cannot use a pool after calling end)/i;

export function failureOf(
  error: unknown,
): { reason: StoreFailure; code: string | undefined } | undefined {
  if (error instanceof StoreUnavailableError) return { reason: error.reason, code: error.code };
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (RETRYABLE.has(code)) return { reason: "busy", code };
    if (code === "53100") return { reason: "full", code };
    if (code === "25006") return { reason: "read-only", code };
    if (SOCKET_CODES.has(code)) return { reason: "unavailable", code };
    // Class 08: connection exceptions. 57P01–57P03: the server is shutting down, crashed or
    // still starting. 3D000: no such database. Class 28: refused credentials. In each the
    // database cannot be used as configured, which is what "unavailable" tells.
    if (
      code.startsWith("08") ||
      /^57P0[1-3]$/.test(code) ||
      code === "3D000" ||
      code.startsWith("28")
    )
      return { reason: "unavailable", code };
  }
  // Node wraps a failure to reach any of several addresses (localhost: ::1 then 127.0.0.1).
  if (error instanceof AggregateError && error.errors.length > 0) return failureOf(error.errors[0]);
  if (LOST_CONNECTION.test(error.message))
    return { reason: "unavailable", code: typeof code === "string" ? code : undefined };
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : failureOf(cause);
}

/**
 * Runs `work` (one statement or one whole transaction), trying it again while the database
 * reports a lock conflict, and translates storage failures. A retry starts the whole unit
 * over, so `work` must not have effects outside its transaction.
 */
export async function withRetry<T>(work: () => Promise<T>, budgetMs = BUSY_BUDGET_MS): Promise<T> {
  const deadline = performance.now() + budgetMs;
  let wait = FIRST_WAIT_MS;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const failure = failureOf(error);
      if (!failure) throw error;
      if (failure.reason !== "busy" || performance.now() + wait > deadline)
        throw error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError(failure.reason, failure.code);
      await sleep(wait);
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  }
}

export type Run = typeof withRetry;
