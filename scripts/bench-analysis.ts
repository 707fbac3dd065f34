/**
 * The analysis at scale: the full report (analysis and the report view) of 10,000, 100,000 and
 * 1,000,000 answers, the memory the analysis takes on top of the answers, and how long a closing
 * report of 1,000,000 answers holds up the event loop. Called by scripts/bench.ts; prints its own
 * lines and returns rows for the bench's table.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_INSTRUMENT } from "../src/survey/instrument.js";
import { type AnalyzeRoundInput, analyzeRound } from "../src/survey/report.js";
import type { Answer, Side } from "../src/survey/types.js";
import { reportMessage } from "../src/views/report.js";
import { seededRandom } from "./seeded-random.js";

export interface AnalysisRow {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
  /** Could not be measured here (e.g. no PostgreSQL installed): neither passed nor failed. */
  skipped?: boolean;
}

export const ANALYSIS_TARGET = {
  /** Full report of 10,000 answers (median). */
  tenThousandMs: 20,
  /** Full report of 1,000,000 answers. */
  millionMs: 2_000,
  /** Heap the analysis of 1,000,000 answers allocates on top of the answers themselves. */
  millionExtraHeapMb: 32,
  /** Longest the event loop waits while a closing report of 1,000,000 answers is computed. */
  blockMs: 50,
};

const SIZES = [10_000, 100_000, 1_000_000] as const;
const RUNS: Record<(typeof SIZES)[number], number> = { 10000: 21, 100000: 7, 1000000: 3 };
/** Runs first, untimed, so the code is compiled as in a server that has been running a while. */
const WARM_UPS: Record<(typeof SIZES)[number], number> = { 10000: 5, 100000: 2, 1000000: 1 };

function syntheticAnswers(count: number, seed: number): Answer[] {
  const random = seededRandom(seed);
  const statements = DEFAULT_INSTRUMENT.statements.length;
  return Array.from({ length: count }, (_, i) => {
    const side: Side = i % 5 < 3 ? "sales" : "marketing";
    const lean = side === "sales" ? 0.4 : -0.2;
    const ratings = Array.from({ length: statements }, (_, s) => {
      const r = Math.round(3 + lean + ((s % 5) - 2) * 0.3 + (random() + random() - 1) * 2.2);
      return Math.min(5, Math.max(1, r));
    });
    return { side, ratings, respondent: `p${i}` };
  });
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function input(answers: readonly Answer[], previous?: readonly Answer[]): AnalyzeRoundInput {
  return {
    instrument: DEFAULT_INSTRUMENT,
    answers,
    roundClosed: true,
    minGroup: 5,
    market: "shifting",
    invited: { sales: answers.length, marketing: answers.length },
    ...(previous ? { previous: { answers: previous } } : {}),
  };
}

/** Analysis plus the full report view, as a leader's report is built. */
function fullReport(answers: readonly Answer[], previous?: readonly Answer[]) {
  const report = analyzeRound(input(answers, previous));
  return reportMessage({ closed: { closedAt: Date.UTC(2026, 11, 1), report }, open: undefined });
}

function timeRuns(
  runs: number,
  warmUps: number,
  fn: () => unknown,
): { median: number; max: number } {
  for (let i = 0; i < warmUps; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return { median: median(times), max: Math.max(...times) };
}

/**
 * CPU time of this process's main thread (the one that runs the event loop), in ms, from
 * /proc's schedstat (Linux, nanoseconds); undefined elsewhere.
 */
const SCHEDSTAT = `/proc/${process.pid}/task/${process.pid}/schedstat`;
function mainThreadCpuMs(): number | undefined {
  try {
    const ns = Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The longest gap between event-loop turns while `work` runs (a 1 ms interval as the probe), as
 * wall time and as the CPU time the main thread spent within that gap. On a shared machine the
 * process may simply not be scheduled for a while, which stretches wall-time gaps without any
 * work blocking the loop; the main thread's CPU time within a gap (garbage collection pauses
 * included) is what the code itself held the loop for. Where the main thread's time is not
 * available, the whole process's CPU time stands in (an overestimate: background threads, such
 * as concurrent marking, count too).
 */
export async function longestStall(
  work: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number; source: "main thread" | "process" }> {
  const source = mainThreadCpuMs() === undefined ? "process" : "main thread";
  const cpuNow = () => {
    if (source === "main thread") return mainThreadCpuMs() ?? 0;
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuNow();
  let wall = 0;
  let cpu = 0;
  const tick = () => {
    const now = performance.now();
    const cpuAt = cpuNow();
    wall = Math.max(wall, now - last);
    cpu = Math.max(cpu, Math.min(now - last, cpuAt - lastCpu));
    last = now;
    lastCpu = cpuAt;
  };
  const probe = setInterval(tick, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  last = performance.now();
  lastCpu = cpuNow();
  await work();
  tick();
  clearInterval(probe);
  return { wall, cpu, source };
}

const ms = (x: number) => x.toFixed(1);
const mb = (bytes: number) => bytes / (1024 * 1024);

export async function analysisBench(say: (line: string) => void): Promise<AnalysisRow[]> {
  const rows: AnalysisRow[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  let million: Answer[] = [];
  for (const size of SIZES) {
    const answers = syntheticAnswers(size, size);
    const t = timeRuns(RUNS[size], WARM_UPS[size], () => fullReport(answers));
    say(`analysis: full report of ${size} answers: median ${ms(t.median)} ms, max ${ms(t.max)} ms`);
    if (size === 10_000) {
      rows.push({
        name: "full report, 10k answers",
        measured: `median ${ms(t.median)} ms (max ${ms(t.max)})`,
        target: `<${ANALYSIS_TARGET.tenThousandMs}`,
        pass: t.median < ANALYSIS_TARGET.tenThousandMs,
      });
      const previous = syntheticAnswers(size, size + 1);
      const withTrend = timeRuns(RUNS[size], WARM_UPS[size], () => fullReport(answers, previous));
      say(
        `analysis: full report of ${size} answers with the previous round's ${size}: median ${ms(withTrend.median)} ms`,
      );
    } else if (size === 100_000) {
      rows.push({
        name: "full report, 100k answers",
        measured: `median ${ms(t.median)} ms (max ${ms(t.max)})`,
        target: "(linear: ~10× 10k)",
        pass: true,
      });
    } else {
      rows.push({
        name: "full report, 1M answers",
        measured: `median ${ms(t.median)} ms (max ${ms(t.max)})`,
        target: `<${ANALYSIS_TARGET.millionMs}`,
        pass: t.max < ANALYSIS_TARGET.millionMs,
      });
      million = answers;
    }
  }

  // Memory: what one analysis of a million answers allocates beyond the answers themselves.
  // Tallies are a few hundred numbers per side plus the pseudonyms' list (one pointer each);
  // a copy of the ratings per statement would be 20 million numbers (160 MB).
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = analyzeRound(input(million));
  const extra = mb(process.memoryUsage().heapUsed - before);
  say(
    `analysis: heap allocated by the analysis of 1M answers: ${extra.toFixed(1)} MB${gc ? "" : " (no gc exposed: includes garbage)"}; levels ${kept.levels.length}`,
  );
  rows.push({
    name: "analysis heap, 1M answers",
    measured: `${extra.toFixed(1)} MB on top of the answers`,
    target: `<${ANALYSIS_TARGET.millionExtraHeapMb} MB`,
    pass: extra < ANALYSIS_TARGET.millionExtraHeapMb,
  });

  return rows;
}
