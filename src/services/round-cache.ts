import type { Round, RoundRepository } from "../store/index.js";

/**
 * The rounds that survey submissions name, kept in memory: every answer reads its round, and on
 * PostgreSQL that read is a round trip of its own. A round never changes once opened except for
 * being closed, so a kept copy is right in everything but `closedAt`, and may say "open" after
 * another instance closed it. Callers may rely on it only where the database decides again — the
 * answer's save checks, in its own transaction, that the round is still open — and call `fresh`
 * when it says otherwise.
 */
export interface RoundCache {
  /** The round, from memory when it was read before (its `closedAt` may be out of date). */
  get(id: number): Promise<Round | undefined>;
  /** The round as the database has it now, kept for next time. */
  fresh(id: number): Promise<Round | undefined>;
}

/** Enough for every round open at once on a busy instance; the oldest read go first. */
export const ROUND_CACHE_SIZE = 1_000;

export function createRoundCache(
  rounds: Pick<RoundRepository, "get">,
  size = ROUND_CACHE_SIZE,
): RoundCache {
  const kept = new Map<number, Round>();
  const fresh = async (id: number) => {
    const round = await rounds.get(id);
    kept.delete(id);
    // An id with no round is not kept: made-up ids in forged metadata must not fill the memory.
    if (round) {
      kept.set(id, round);
      if (kept.size > size) kept.delete(kept.keys().next().value as number);
    }
    return round;
  };
  return {
    get: (id) => {
      const round = kept.get(id);
      return round ? Promise.resolve(round) : fresh(id);
    },
    fresh,
  };
}
