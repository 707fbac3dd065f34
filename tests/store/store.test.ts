import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, schemaVersion } from "../../src/store/db.js";
import { openStore, RoundAlreadyOpenError, type Store } from "../../src/store/index.js";
import { personKeyer, resolveSecret } from "../../src/store/keys.js";

const DAY = 86_400_000;
let dir: string;
let path: string;
let store: Store;

const newRound = (teamId = "T1", openedAt = 1_000) => ({
  teamId,
  openedByKey: "k-leader",
  openedAt,
  closesAt: openedAt + 7 * DAY,
  salesChannel: "CSALES",
  marketingChannel: "CMKTG",
  statementIds: ["a", "b"],
  invited: { sales: 12, marketing: undefined },
});
const ratings = (value: number) => Array.from({ length: 20 }, () => value);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "truce-store-"));
  path = join(dir, "nested", "truce.db");
  store = openStore(path);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("database", () => {
  it("creates the file and applies every migration to an empty database, once", () => {
    expect(schemaVersion(store.db)).toBe(2);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    store.close();
    const again = openDatabase(path);
    expect(schemaVersion(again)).toBe(2);
    expect(again.prepare("SELECT COUNT(*) AS n FROM migrations").get()).toEqual({ n: 2 });
    again.close();
    store = openStore(path);
  });
});

describe("rounds", () => {
  it("allows one open round per workspace, and one per team independently", () => {
    const round = store.rounds.open(newRound());
    expect(round).toMatchObject({
      id: 1,
      teamId: "T1",
      closedAt: undefined,
      statementIds: ["a", "b"],
    });
    expect(round.invited).toEqual({ sales: 12, marketing: undefined });
    expect(() => store.rounds.open(newRound())).toThrow(RoundAlreadyOpenError);
    expect(store.rounds.open(newRound("T2")).id).toBe(2);
    expect(store.rounds.openFor("T1")?.id).toBe(1);
  });

  it("closes once, lists due rounds by deadline, and finds the previous closed round", () => {
    const first = store.rounds.open(newRound());
    expect(store.rounds.due(first.closesAt - 1)).toEqual([]);
    expect(store.rounds.due(first.closesAt).map((r) => r.id)).toEqual([1]);
    expect(store.rounds.close(first.id, 5_000)).toBe(true);
    expect(store.rounds.close(first.id, 6_000)).toBe(false);
    expect(store.rounds.get(first.id)?.closedAt).toBe(5_000);
    const second = store.rounds.open(newRound("T1", 10_000));
    store.rounds.close(second.id, 20_000);
    expect(store.rounds.latestClosed("T1")?.id).toBe(second.id);
    expect(store.rounds.previousClosed(second)?.id).toBe(first.id);
    expect(store.rounds.previousClosed(first)).toBeUndefined();
  });
});

describe("responses", () => {
  it("keeps one response per person per round; a resubmission replaces it", () => {
    const round = store.rounds.open(newRound());
    expect(
      store.responses.save({
        roundId: round.id,
        respondentKey: "p1",
        side: "sales",
        ratings: ratings(3),
        at: 10,
      }),
    ).toBe("created");
    expect(
      store.responses.save({
        roundId: round.id,
        respondentKey: "p1",
        side: "marketing",
        ratings: ratings(4),
        at: 20,
      }),
    ).toBe("updated");
    store.responses.save({
      roundId: round.id,
      respondentKey: "p2",
      side: "sales",
      ratings: ratings(2),
      at: 30,
    });
    expect(store.responses.find(round.id, "p1")).toEqual({
      side: "marketing",
      ratings: ratings(4),
      submittedAt: 10,
      updatedAt: 20,
    });
    expect(store.responses.counts(round.id)).toEqual({ sales: 1, marketing: 1 });
    expect(store.responses.answers(round.id)).toHaveLength(2);
  });

  it("survives closing and reopening the file", () => {
    const round = store.rounds.open(newRound());
    store.responses.save({
      roundId: round.id,
      respondentKey: "p1",
      side: "sales",
      ratings: ratings(5),
      at: 10,
    });
    store.close();
    store = openStore(path);
    expect(store.rounds.openFor("T1")?.id).toBe(round.id);
    expect(store.responses.answers(round.id)).toEqual([{ side: "sales", ratings: ratings(5) }]);
  });
});

describe("sent log", () => {
  it("claims a send exactly once until released", () => {
    expect(store.sentLog.claim("T1", "digest", "k1", "2026-W47", 1)).toBe(true);
    expect(store.sentLog.claim("T1", "digest", "k1", "2026-W47", 2)).toBe(false);
    expect(store.sentLog.claim("T1", "digest", "k1", "2026-W48", 3)).toBe(true);
    store.sentLog.release("T1", "digest", "k1", "2026-W47");
    expect(store.sentLog.claim("T1", "digest", "k1", "2026-W47", 4)).toBe(true);
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
    const first = resolveSecret(undefined, path);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, "nested", "truce.key")).mode & 0o777).toBe(0o600);
    expect(resolveSecret(undefined, path)).toBe(first);
    expect(resolveSecret("configured-secret-value", path)).toBe("configured-secret-value");
  });
});
