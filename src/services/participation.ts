import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import type { Participation } from "../survey/summary.js";
import type { OpenRoundStatus } from "../views/status.js";

/** Verified respondent counts per side, counted by the database (no answer is read). */
export async function participationIn(deps: Deps, roundId: number): Promise<Participation> {
  const counts = await deps.store.responses.counts(roundId);
  return { ...counts, total: counts.sales + counts.marketing };
}

export async function openRoundStatus(deps: Deps, round: Round): Promise<OpenRoundStatus> {
  return {
    closesAt: round.closesAt,
    participation: await participationIn(deps, round.id),
    invited: round.invited,
  };
}
