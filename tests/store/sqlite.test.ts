import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqliteStore, StoreUnavailableError } from "../../src/store/index.js";
import { personKeyer, resolveSecret } from "../../src/store/keys.js";
import { withRetry } from "../../src/store/sqlite/busy.js";
import { CHECKPOINT_DELAY_MS, createCheckpointer } from "../../src/store/sqlite/checkpoints.js";
import { openDatabase, schemaVersion } from "../../src/store/sqlite/db.js";
import { newRound, storeSuite } from "./suite.js";

const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), "truce-store-"));
  return { dir, path: join(dir, "nested", "truce.db") };
};

storeSuite("sqlite", () => {
  const { dir, path } = tempPath();
  return {
    open: async () => openSqliteStore(path),
    reopen: async () => openSqliteStore(path),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("sqlite: the file", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = () => {
    const temp = tempPath();
    dir = temp.dir;
    return temp.path;
  };

  it("is created with WAL and foreign keys, every migration applied once", () => {
    const path = fresh();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(7);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    // Serving never waits on a lock synchronously: that would block the event loop.
    expect(db.pragma("busy_timeout", { simple: true })).toBe(0);
    db.close();
    const again = openDatabase(path);
    expect(again.prepare("SELECT COUNT(*) AS n FROM migrations").get()).toEqual({ n: 7 });
    again.close();
  });

  it("waits for another process's write lock without blocking the event loop, then writes", async () => {
    const path = fresh();
    const store = openSqliteStore(path);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const opening = store.rounds.open(newRound());
    // Other work runs while the write waits: a timer set after the write started fires first.
    const order: string[] = [];
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push("timer");
        resolve();
      }, 20),
    );
    order.push(
      `round opened: ${(await Promise.race([opening.then(() => "yes"), "not yet"])) as string}`,
    );
    other.exec("COMMIT");
    const round = await opening;
    expect(order).toEqual(["timer", "round opened: not yet"]);
    expect(round.teamId).toBe("T1");
    other.close();
    await store.close();
  });

  it("says the database is busy when a lock outlasts the wait, and health says not writable", async () => {
    const path = fresh();
    const store = openSqliteStore(path);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const error = await store.rounds.open(newRound()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe("busy");
    expect(await store.health()).toMatchObject({ readable: true, writable: false });
    other.exec("ROLLBACK");
    expect(await store.health()).toEqual({ readable: true, writable: true });
    other.close();
    await store.close();
  });

  it("names a full disk and a read-only file, and passes other errors through", async () => {
    const failing = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    await expect(withRetry(failing("SQLITE_FULL"))).rejects.toMatchObject({
      reason: "full",
      message: "database is full (no space left on the disk) (SQLITE_FULL)",
    });
    await expect(withRetry(failing("SQLITE_READONLY_DBMOVED"))).rejects.toMatchObject({
      reason: "read-only",
    });
    await expect(withRetry(failing("SQLITE_CONSTRAINT_PRIMARYKEY"))).rejects.not.toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});

describe("keys", () => {
  it("hashes team and user with the secret, never returning the raw id", () => {
    const key = personKeyer("s3cret-s3cret-s3cret");
    expect(key("T1", "U1")).toMatch(/^[0-9a-f]{64}$/);
    expect(key("T1", "U1")).toBe(key("T1", "U1"));
    expect(key("T1", "U1")).not.toBe(key("T2", "U1"));
    expect(key("T1", "U1")).not.toBe(personKeyer("another-secret-xx")("T1", "U1"));
  });

  it("generates a 0600 key file beside the database once and reuses it", () => {
    const { dir, path } = tempPath();
    const first = resolveSecret(undefined, path);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, "nested", "truce.key")).mode & 0o777).toBe(0o600);
    expect(resolveSecret(undefined, path)).toBe(first);
    expect(resolveSecret("configured-secret-value", path)).toBe("configured-secret-value");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("sqlite: WAL checkpoints off the event loop", () => {
  let dir = "";
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });
  const fresh = () => {
    const temp = tempPath();
    dir = temp.dir;
    return temp.path;
  };
  /** 400 rows of a kilobyte each: about 100 pages in the WAL, none yet in the file. */
  const fill = (db: ReturnType<typeof openDatabase>, touch: () => void, prefix: string) => {
    const write = db.prepare("INSERT INTO settings (team_id, key, value) VALUES (?, 'k', ?)");
    for (let i = 0; i < 400; i++) {
      touch();
      write.run(`${prefix}${i}`, "x".repeat(1_000));
    }
  };

  it.each([
    ["on its own thread", true],
    ["on the main thread when there is no thread", false],
  ])("folds the WAL into the file a second after the writes, %s", async (_name, thread) => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const path = fresh();
    const db = openDatabase(path);
    const checkpoints = createCheckpointer(db, { thread });
    try {
      expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
      const before = statSync(path).size;
      fill(db, checkpoints.touch, "A");
      // Asked for: folded at once.
      await checkpoints.now();
      const forced = checkpoints.count;
      expect(forced).toBe(1);
      expect(statSync(path).size).toBeGreaterThan(before + 300_000);
      fill(db, checkpoints.touch, "B");
      const grown = statSync(path).size;
      vi.advanceTimersByTime(CHECKPOINT_DELAY_MS - 1);
      expect(checkpoints.count).toBe(forced);
      vi.advanceTimersByTime(1);
      // The timer's checkpoint: done at once on the main thread; in flight on the thread, where
      // now() waits for it rather than starting another.
      expect(checkpoints.count).toBe(thread ? forced : forced + 1);
      if (thread) await checkpoints.now();
      expect(checkpoints.count).toBe(forced + 1);
      expect(statSync(path).size).toBeGreaterThan(grown + 300_000);
      // Nothing written since: the clock brings no checkpoint.
      const settled = checkpoints.count;
      vi.advanceTimersByTime(10 * CHECKPOINT_DELAY_MS);
      expect(checkpoints.count).toBe(settled);
    } finally {
      await checkpoints.stop();
      db.close();
    }
  });

  it("keeps a process with nothing else to do alive until the store has closed", () => {
    // Run as a script would: the thread is unreferenced at rest, yet awaiting the close must
    // not let the process end in the middle of it (it did, silently, with exit code 0).
    const path = fresh();
    const store = pathToFileURL(join(process.cwd(), "src", "store", "index.ts")).href;
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(store)});
      const s = openSqliteStore(${JSON.stringify(path)});
      await s.settings.set("T1", "k", "v");
      await s.close();
      console.log("closed");
    `;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const out = execFileSync(
      process.execPath,
      ["--import", tsx, "--input-type=module", "-e", script],
      {
        encoding: "utf8",
      },
    );
    expect(out.trim()).toBe("closed");
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("stops its thread before the store closes, so the close folds and removes the WAL", async () => {
    const path = fresh();
    const store = openSqliteStore(path);
    await store.rounds.open(newRound());
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
