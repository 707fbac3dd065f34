import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import { type ChangePermissions, discloseCounts, effectiveMinGroup } from "../survey/anonymity.js";
import { adviceCommitments, commitmentEffects, type SideMeansById } from "../survey/commitments.js";
import { perceptionGapOfCounts, type StatementGap } from "../survey/gap.js";
import { sameStatementIds } from "../survey/instrument.js";
import { analyzeCounts, withCommitments } from "../survey/report.js";
import type { Market } from "../survey/types.js";
import type { ClosedRound, ReportInput } from "../views/report.js";
import { openRoundStatus } from "./participation.js";
import { workspaceSettings } from "./settings.js";

/**
 * A closed round never changes (nor does the one before it), so its analysis is computed once
 * and kept: `/alignment`, the Home tab and the close announcements then cost a lookup. A few
 * rounds are kept per process; the oldest is dropped first.
 */
const REPORT_CACHE_SIZE = 16;
const reportCache = new WeakMap<Deps, Map<string, Promise<AnalysedRound>>>();

/**
 * The analysis of a closed round, with the trend against the previous closed round of the same
 * wording, under the workspace's current minimum group and market (a change in
 * `/alignment setup` applies at once: the cache is keyed by both).
 */
export async function closedRoundReport(deps: Deps, round: Round): Promise<ClosedRound> {
  // The figures never change; the advice follows the commitments as they are now.
  const [analysed, commitments] = await Promise.all([
    analysedRound(deps, round),
    deps.store.commitments.list(round.teamId),
  ]);
  const { previousClosedAt, ...closed } = analysed;
  return {
    ...closed,
    report: withCommitments(
      closed.report,
      adviceCommitments(commitments, { id: round.id, previousClosedAt }),
    ),
  };
}

type AnalysedRound = ClosedRound & { previousClosedAt: number | undefined };

async function analysedRound(deps: Deps, round: Round): Promise<AnalysedRound> {
  const { minGroup, market } = await workspaceSettings(deps, round.teamId);
  const key = `${round.id}:${minGroup}:${market}`;
  const cache = reportCache.get(deps) ?? new Map<string, Promise<AnalysedRound>>();
  reportCache.set(deps, cache);
  const cached = cache.get(key);
  if (cached) return cached;
  const computed = analyzeClosedRound(deps, round, minGroup, market);
  cache.set(key, computed);
  // A failed read is not remembered: the next request tries again.
  computed.catch(() => cache.delete(key));
  if (cache.size > REPORT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return computed;
}

async function analyzeClosedRound(
  deps: Deps,
  round: Round,
  minGroup: number,
  market: Market,
): Promise<AnalysedRound> {
  const previousRound = await deps.store.rounds.previousClosed(round);
  const sameWording =
    previousRound !== undefined && sameStatementIds(previousRound.statementIds, round.statementIds);
  // The database counts the answers (a round of any size never holds up other requests, see
  // ResponseRepository.tallies); every figure is computed from its tallies.
  const statementCount = deps.instrument.statements.length;
  const counts = await deps.store.responses.tallies(round.id, statementCount);
  const previous = sameWording
    ? {
        previous: await deps.store.responses.tallies(previousRound.id, statementCount),
        changePermissions: await whoseChangeMayShow(deps, previousRound, round, minGroup),
      }
    : undefined;
  const report = analyzeCounts({
    instrument: deps.instrument,
    counts,
    roundClosed: true,
    minGroup,
    market,
    invited: definedOnly(round.invited),
    ...previous,
  });
  const closedAt = round.closedAt as number;
  const previousClosedAt = previousRound?.closedAt;
  if (!previousRound?.closedAt) return { closedAt, report, previousClosedAt };
  // Since the last round: the commitments done between the two closes, and how the statements
  // they targeted moved, only where the report may show the change of both sides.
  const before =
    previous && discloseCounts(previous.previous, { minGroup, roundClosed: true }).sides;
  const effects = commitmentEffects(
    await deps.store.commitments.list(round.teamId),
    { after: previousRound.closedAt, until: closedAt },
    {
      before:
        before &&
        meansById(perceptionGapOfCounts(deps.instrument, before).statements, previousRound),
      after: report.gap && meansById(report.gap.statements, round),
    },
    report.trend?.gaps !== undefined,
  );
  return { closedAt, report, previousClosedAt, ...(effects.length > 0 ? { effects } : {}) };
}

function meansById(statements: readonly StatementGap[], round: Round): SideMeansById {
  return new Map(
    statements.map((s) => [
      round.statementIds[s.index] ?? "",
      { theme: s.theme, sales: s.sales, marketing: s.marketing },
    ]),
  );
}

const NO_CHANGE: ChangePermissions = { everyone: false, sales: false, marketing: false };

/**
 * Whose change since the previous round may be shown, judged from who answered both rounds
 * (see respondentKeysAllowChange): the database says how many people differ per group. Only
 * when both rounds were keyed by the same secret: after a secret change every pseudonym differs,
 * which would make the same people look like strangers, so no change is shown.
 */
async function whoseChangeMayShow(
  deps: Deps,
  previous: Round,
  round: Round,
  minGroup: number,
): Promise<ChangePermissions> {
  const sameKeys =
    round.keyFingerprint !== undefined && round.keyFingerprint === previous.keyFingerprint;
  if (!sameKeys) return NO_CHANGE;
  return changePermissionsOfDifferences(
    await deps.store.responses.respondentChange(previous.id, round.id),
    minGroup,
  );
}

/**
 * A group's change may be shown when the same people answered both rounds, or when those in one
 * round and not the other make at least a minimum group (respondentKeysAllowChange's rule).
 */
export function changePermissionsOfDifferences(
  differing: Record<"everyone" | "sales" | "marketing", number>,
  minGroup: number,
): ChangePermissions {
  const min = effectiveMinGroup(minGroup);
  const ok = (n: number) => n === 0 || n >= min;
  return {
    everyone: ok(differing.everyone),
    sales: ok(differing.sales),
    marketing: ok(differing.marketing),
  };
}

const definedOnly = (invited: Round["invited"]) => ({
  ...(invited.sales !== undefined ? { sales: invited.sales } : {}),
  ...(invited.marketing !== undefined ? { marketing: invited.marketing } : {}),
  ...(invited.people !== undefined ? { people: invited.people } : {}),
});

/** The data behind `/alignment report`: the latest closed round and the open one, if any. */
export async function reportInput(deps: Deps, teamId: string): Promise<ReportInput> {
  const [closed, open] = await Promise.all([
    deps.store.rounds.latestClosed(teamId),
    deps.store.rounds.openFor(teamId),
  ]);
  return {
    closed: closed && (await closedRoundReport(deps, closed)),
    open: open && (await openRoundStatus(deps, open)),
  };
}
