import { createRequire } from "node:module";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import type { Db } from "./db.js";

/** How long after a write the WAL is folded back: at most a second of writes waits in it. */
export const CHECKPOINT_DELAY_MS = 1_000;

/**
 * The checkpointer's thread: its own connection to the file, and a PASSIVE checkpoint for each
 * message (never waiting for a reader or the writer; what it cannot fold now, the next one
 * does). CommonJS, evaluated: better-sqlite3's path comes from the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 1000");
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, problem: String(error && error.message) });
  }
});
`;

export interface Checkpointer {
  /** A statement ran (or is about to): a checkpoint is due within CHECKPOINT_DELAY_MS. */
  touch(): void;
  /** Folds the WAL now; resolves once done (or failed: the next write tries again). */
  now(): Promise<void>;
  /** Checkpoints done so far (tests). */
  readonly count: number;
  /** Stops the thread and closes its connection, so the store's own close is the last one. */
  stop(): Promise<void>;
}

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint is off (db.ts): it would fold
 * the WAL inside whichever commit crossed 1,000 pages, a stall of several ms in that request.
 * Folding on the main thread between requests is no better under load: the WAL of 2,000 answers
 * takes about 80 ms to fold, and every request waits meanwhile. So a worker thread with its own
 * connection does it, a second after the writes start, while the main thread goes on serving
 * (WAL mode lets a checkpoint run beside the writer). The thread never keeps the process alive.
 * An in-memory database has no WAL, and no thread.
 */
export function createCheckpointer(
  db: Db,
  /** thread: false folds on the main thread, as when the thread could not start (tests). */
  options: { thread?: boolean } = {},
): Checkpointer {
  if (db.memory) {
    return { touch: () => undefined, now: async () => undefined, count: 0, stop: async () => {} };
  }
  let dirty = false;
  let inFlight = false;
  let timer: NodeJS.Timeout | undefined;
  let checkpoints = 0;
  /** Callers of now(), told when the checkpoint in flight (or the next) is over. */
  const waiting: Array<() => void> = [];
  const settleWaiting = () => {
    for (const done of waiting.splice(0)) done();
  };

  const worker =
    options.thread === false
      ? undefined
      : new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: {
            driver: createRequire(import.meta.url).resolve("better-sqlite3"),
            path: resolve(db.name),
          },
        });
  worker?.unref();
  let alive = worker !== undefined;
  const exited = new Promise<void>((done) => {
    if (worker) worker.once("exit", () => done());
    else done();
  });
  // A thread that fails (it cannot open the file, say) leaves the folding to the main thread.
  worker?.once("error", () => {
    alive = false;
  });
  void exited.then(() => {
    alive = false;
    if (!inFlight) return;
    inFlight = false;
    dirty = true;
    start();
  });

  function onMainThread(): void {
    try {
      if (db.open) db.pragma("wal_checkpoint(PASSIVE)");
      checkpoints += 1;
    } catch {
      dirty = true;
    }
  }

  function schedule(): void {
    if (timer || inFlight || !dirty) return;
    timer = setTimeout(start, CHECKPOINT_DELAY_MS);
    timer.unref();
  }

  function start(): void {
    timer = undefined;
    if (inFlight) return;
    dirty = false;
    if (!alive) {
      onMainThread();
      settleWaiting();
      schedule();
      return;
    }
    inFlight = true;
    // Held while a checkpoint runs, so it finishes; at rest the thread keeps nothing alive.
    worker?.ref();
    worker?.postMessage("checkpoint");
  }

  worker?.on("message", (reply: { ok: boolean }) => {
    inFlight = false;
    worker.unref();
    if (reply.ok) checkpoints += 1;
    else dirty = true;
    settleWaiting();
    schedule();
  });

  return {
    touch(): void {
      dirty = true;
      schedule();
    },
    now(): Promise<void> {
      const done = new Promise<void>((settle) => waiting.push(settle));
      dirty = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!inFlight) start();
      return done;
    },
    get count(): number {
      return checkpoints;
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      dirty = false;
      // Held while it closes: an unreferenced thread would let a process with nothing else to
      // do exit in the middle of the await, its close never finished.
      worker?.ref();
      if (alive) worker?.postMessage("close");
      await exited;
    },
  };
}
