/**
 * Delayed work on the app's own clock. Production runs real timers that never keep the process
 * alive; tests give one driven by their injected clock, so a delay passes when the test says so
 * (and no test waits for real time).
 */
export interface Scheduler {
  /** Runs `run` once `ms` milliseconds have passed; the returned function cancels it. */
  after(ms: number, run: () => void): () => void;
}

export const realTimers: Scheduler = {
  after(ms, run) {
    const timer = setTimeout(run, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * A scheduler for a clock that moves only when told: `advance` moves the clock and runs what
 * fell due, in order of due time. Pure bookkeeping, unit-tested.
 */
export function manualScheduler(clock: { now(): number; set(at: number): void }) {
  let next = 0;
  const pending = new Map<number, { at: number; run: () => void }>();
  const scheduler: Scheduler = {
    after(ms, run) {
      const id = next++;
      pending.set(id, { at: clock.now() + Math.max(0, ms), run });
      return () => void pending.delete(id);
    },
  };
  return {
    scheduler,
    /** Moves the clock by `ms`, running each timer that falls due at its own time. */
    advance(ms: number): void {
      const until = clock.now() + ms;
      for (;;) {
        let first: [number, { at: number; run: () => void }] | undefined;
        for (const entry of pending) if (!first || entry[1].at < first[1].at) first = entry;
        if (!first || first[1].at > until) break;
        pending.delete(first[0]);
        clock.set(Math.max(clock.now(), first[1].at));
        first[1].run();
      }
      clock.set(until);
    },
    /** Timers not yet run. */
    get pending(): number {
      return pending.size;
    },
  };
}
