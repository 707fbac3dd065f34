import type { Deps } from "../deps.js";
import { announceClosedRound, type ClosingDeps, closeRound } from "../services/closing.js";
import type { DigestScheduler } from "../services/digest.js";
import { describeError } from "../services/slack.js";

const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * One tick of the scheduler. What is due lives in the database, so a tick after a restart catches
 * up with whatever was missed, and the sent-log keeps announcements exactly-once.
 */
export async function runDueJobs(
  c: ClosingDeps,
  digests: DigestScheduler,
): Promise<{ closed: number[]; digests: number }> {
  const { deps } = c;
  const now = deps.clock();
  const closed: number[] = [];
  for (const round of deps.store.rounds.due(now)) {
    if (!isActive(deps, round.teamId)) continue;
    try {
      if (await closeRound(c, round)) closed.push(round.id);
    } catch (error) {
      deps.logger.error(`Closing round ${round.id} failed: ${describeError(error)}`);
    }
  }
  // Announcements that failed earlier (released in the sent-log) are retried for a day.
  for (const round of deps.store.rounds.closedSince(now - RETRY_WINDOW_MS)) {
    if (closed.includes(round.id) || !isActive(deps, round.teamId)) continue;
    await announceClosedRound(c, round.id, { refreshInvitations: false }).catch((error) =>
      deps.logger.warn(
        `Retrying round ${round.id}'s announcements failed: ${describeError(error)}`,
      ),
    );
  }
  let sentDigests = 0;
  try {
    sentDigests = await digests.sendDue(
      deps.store.rounds.teams().filter((team) => isActive(deps, team)),
    );
  } catch (error) {
    deps.logger.warn(`Sending the leaders' digests failed: ${describeError(error)}`);
  }
  return { closed, digests: sentDigests };
}

const isActive = (deps: Deps, teamId: string) =>
  deps.store.settings.get(teamId, "active") !== "false";
