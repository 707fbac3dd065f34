import { describe, expect, it } from "vitest";
import { createRoundCache } from "../../src/services/round-cache.js";
import type { Round } from "../../src/store/index.js";

const roundOf = (id: number, closedAt?: number): Round => ({
  id,
  teamId: "T1",
  openedAt: 0,
  closesAt: 1_000,
  closedAt,
  salesChannel: "CS",
  marketingChannel: "CM",
  statementIds: ["a"],
  invited: { sales: undefined, marketing: undefined, people: undefined },
  membersKnown: true,
  keyFingerprint: "fp",
});

/** A round repository that counts its reads; `closed` is what the database says now. */
function countingRounds(ids: number[]) {
  const reads: number[] = [];
  const closed = new Map<number, number>();
  return {
    reads,
    closed,
    get: async (id: number) => {
      reads.push(id);
      return ids.includes(id) ? roundOf(id, closed.get(id)) : undefined;
    },
  };
}

describe("the survey's round cache", () => {
  it("reads a round once, then answers from memory, out of date only in closedAt", async () => {
    const rounds = countingRounds([1, 2]);
    const cache = createRoundCache(rounds);
    expect((await cache.get(1))?.closedAt).toBeUndefined();
    rounds.closed.set(1, 500);
    expect((await cache.get(1))?.closedAt).toBeUndefined();
    expect(rounds.reads).toEqual([1]);
    // `fresh` reads the database again and keeps what it says.
    expect((await cache.fresh(1))?.closedAt).toBe(500);
    expect((await cache.get(1))?.closedAt).toBe(500);
    expect(rounds.reads).toEqual([1, 1]);
  });

  it("keeps no made-up id, and drops the oldest round read past its size", async () => {
    const rounds = countingRounds([1, 2, 3]);
    const cache = createRoundCache(rounds, 2);
    expect(await cache.get(99)).toBeUndefined();
    expect(await cache.get(99)).toBeUndefined();
    await cache.get(1);
    await cache.get(2);
    await cache.get(3); // 1 goes
    await cache.get(2);
    await cache.get(3);
    await cache.get(1);
    expect(rounds.reads).toEqual([99, 99, 1, 2, 3, 1]);
  });
});
