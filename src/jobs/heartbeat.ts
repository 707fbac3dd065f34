import type { Runtime } from "../runtime.js";
import { announceClosedRound, closeRound } from "../services/closing.js";
import { sendFollowUps } from "../services/commitments.js";
import type { DigestScheduler } from "../services/digest.js";
import { ensureInvitations } from "../services/invitations.js";
import { inviteModeFor, remindDueSlots } from "../services/reminders.js";
import { launchDueRounds } from "../services/schedule.js";
import { describeError } from "../services/slack.js";
import { purgeExpiredWorkspaces } from "../services/workspaces.js";

const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Slack redelivers an unacknowledged event within minutes; a day of ids is plenty. */
const REQUEST_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * One tick of the scheduler. What is due lives in the database, so a tick after a restart catches
 * up with whatever was missed, and the outbox keeps every message exactly-once.
 */
export async function runDueJobs(
  rt: Runtime,
  digests: DigestScheduler,
): Promise<{ closed: number[]; digests: number }> {
  const now = rt.clock();
  const closed: number[] = [];
  for (const round of await rt.store.rounds.due(now)) {
    if (!(await isActive(rt, round.teamId))) continue;
    try {
      const result = await closeRound(rt, round);
      if (result.ok && result.closedNow) {
        closed.push(round.id);
        rt.home.changed(round.teamId, { urgent: true });
      }
    } catch (error) {
      rt.logger.error(`Closing round ${round.id} failed: ${describeError(error)}`);
    }
  }
  // Recurring rounds whose time has come launch, once.
  await launchDueRounds(rt, (teamId) => isActive(rt, teamId)).catch((error) =>
    rt.logger.warn(`Launching scheduled rounds failed: ${describeError(error)}`),
  );
  // A launch interrupted between its two invitations (a crash, a refused post) is completed.
  for (const round of await rt.store.rounds.allOpen()) {
    if (round.closesAt <= now || !(await isActive(rt, round.teamId))) continue;
    // Invited by DM only: there is no channel invitation to complete.
    if ((await inviteModeFor(rt, round.teamId)) === "dm") continue;
    try {
      const posted = await ensureInvitations(rt, await rt.slack(round.teamId), round);
      if (posted.failed.length > 0)
        rt.logger.warn(
          `Round ${round.id}: the ${posted.failed.join(" and ")} invitation is still not posted.`,
        );
    } catch (error) {
      rt.logger.warn(`Posting round ${round.id}'s invitations failed: ${describeError(error)}`);
    }
  }
  // Reminder slots that have come queue their DMs; the queue sends whatever is due, paced.
  for (const round of await rt.store.rounds.allOpen()) {
    if (round.closesAt <= now || !(await isActive(rt, round.teamId))) continue;
    await remindDueSlots(rt, round);
  }
  for (const team of await rt.store.dms.teamsDue(now))
    if (await isActive(rt, team)) rt.dms.kick(team);
  // Announcements that failed or were cut short by a crash are retried for a day.
  for (const round of await rt.store.rounds.closedSince(now - RETRY_WINDOW_MS)) {
    if (closed.includes(round.id) || !(await isActive(rt, round.teamId))) continue;
    await announceClosedRound(rt, round.id, { refreshInvitations: false }).catch((error) =>
      rt.logger.warn(`Retrying round ${round.id}'s announcements failed: ${describeError(error)}`),
    );
  }
  const teams: string[] = [];
  for (const team of await rt.store.rounds.teams()) if (await isActive(rt, team)) teams.push(team);
  const sentDigests = await digests.sendDue(teams);
  await sendFollowUps(rt, (teamId) => isActive(rt, teamId));
  await rt.store.requests.prune(now - REQUEST_MEMORY_MS).catch(() => 0);
  await purgeExpiredWorkspaces(rt).catch((error) =>
    rt.logger.warn(`Deleting removed workspaces' data failed: ${describeError(error)}`),
  );
  return { closed, digests: sentDigests };
}

const isActive = async (rt: Runtime, teamId: string) =>
  (await rt.store.settings.get(teamId, "active")) !== "false";
