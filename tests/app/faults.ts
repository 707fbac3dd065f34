import { type Store, type StoreFailure, StoreUnavailableError } from "../../src/store/index.js";

type Repository = Exclude<keyof Store, "health" | "close">;

/**
 * A store whose chosen methods fail the way a database does (read-only file, full disk, a lock
 * held too long), for tests of what people are told. Everything else goes to the real store.
 */
export interface StoreFaults {
  /** Makes `repository.method` (e.g. "rounds.close") throw until cleared. */
  fail(method: `${Repository}.${string}`, reason: StoreFailure): void;
  /** Makes every write-like method fail (anything but reads). */
  failWrites(reason: StoreFailure): void;
  clear(): void;
}

const READS =
  /^(get|find|openFor|latestClosed|previousClosed|due|allOpen|teams|closedSince|invitations|reminders|answers|counts|tallies|respondentChange|respondentKeys|sidesOf|isDone|findForTeam|teamsWith)$/;

export function faultyStore(store: Store): { store: Store; faults: StoreFaults } {
  const failing = new Map<string, StoreFailure>();
  let writes: StoreFailure | undefined;
  const wrapped = Object.fromEntries(
    Object.entries(store).map(([name, value]) => {
      if (typeof value === "function") return [name, value.bind(store)];
      const repository = value as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const proxy = Object.fromEntries(
        Object.entries(repository).map(([method, fn]) => [
          method,
          async (...args: unknown[]) => {
            const reason =
              failing.get(`${name}.${method}`) ?? (READS.test(method) ? undefined : writes);
            if (reason) throw new StoreUnavailableError(reason, `TEST_${reason.toUpperCase()}`);
            return fn(...args);
          },
        ]),
      );
      return [name, proxy];
    }),
  ) as unknown as Store;
  wrapped.health = async () => {
    const real = await store.health();
    return writes ? { readable: real.readable, writable: false, problem: writes } : real;
  };
  return {
    store: wrapped,
    faults: {
      fail: (method, reason) => {
        failing.set(method, reason);
      },
      failWrites: (reason) => {
        writes = reason;
      },
      clear: () => {
        failing.clear();
        writes = undefined;
      },
    },
  };
}
