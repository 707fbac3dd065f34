import type { WebClient } from "@slack/web-api";
import type { Runtime } from "../runtime.js";
import type { Round } from "../store/index.js";
import { slackDate } from "../views/text.js";
import { closeRound } from "./closing.js";
import { workspaceExport } from "./export-file.js";
import { shareFile } from "./file-upload.js";
import { launchRound } from "./launch.js";
import { inviteByDm, invitedByDmLine, inviteModeFor } from "./reminders.js";
import { describeError, openDm } from "./slack.js";

/**
 * What a leader's launch, close and export do, whether asked by `/alignment` or from the Home
 * tab: each returns the sentence (mrkdwn) that tells the leader what happened, so both surfaces
 * say the same thing.
 */

/** Opens a round for `days` and invites people as the workspace's invite mode says. */
export async function launchAndInvite(
  rt: Runtime,
  client: WebClient,
  input: { teamId: string; userId: string; days: number; botUserId: string | undefined },
): Promise<{ ok: boolean; text: string }> {
  const { teamId, days } = input;
  try {
    const mode = await inviteModeFor(rt, teamId);
    const result = await launchRound(rt, client, { ...input, postInChannels: mode !== "dm" });
    if (!result.ok) return { ok: false, text: result.message };
    const where = result.posted.map(
      (side) =>
        `<#${side === "sales" ? result.round.salesChannel : result.round.marketingChannel}>`,
    );
    const missed =
      mode !== "dm" && result.posted.length < 2
        ? " I couldn't post in the other channel yet; I'll keep trying every minute while the round is open. Run `/alignment status` and check my access there."
        : "";
    let dms = "";
    if (mode !== "channel") {
      try {
        dms = ` ${invitedByDmLine(await inviteByDm(rt, result.round))}`;
      } catch (error) {
        rt.logger.warn(`Could not queue the DM invitations: ${describeError(error)}`);
        dms = ` I couldn't queue the invitations by DM (${describeError(error)}); the round is open, and \`/alignment remind\` DMs everyone who hasn't answered.`;
      }
    }
    const posted = mode === "dm" ? "" : ` Invitations posted in ${where.join(" and ")}.`;
    return {
      ok: true,
      text: `:rocket: Round launched for ${days} day${days === 1 ? "" : "s"} (closes ${slackDate(result.round.closesAt)}).${posted}${missed}${dms}`,
    };
  } catch (error) {
    rt.logger.error(`Launch failed: ${describeError(error)}`);
    return {
      ok: false,
      text: `I couldn't launch the round (${describeError(error)}). Nothing was launched; please try again.`,
    };
  }
}

/** Every closed round's figures as a CSV file in the leader's DM. */
export async function exportToDm(
  rt: Runtime,
  client: WebClient,
  teamId: string,
  userId: string,
): Promise<string> {
  const exported = await workspaceExport(rt, teamId);
  if (!exported) return "No round has closed yet, so there is nothing to export.";
  const dm = await openDm(client, userId);
  if (!dm) return "I couldn't open our DM to send you the export. Please try again.";
  const stamp = new Date(exported.latest.closedAt as number).toISOString().slice(0, 10);
  const rounds = `${exported.rounds} round${exported.rounds === 1 ? "" : "s"}`;
  try {
    await shareFile(client, dm, {
      filename: `truce-export-${stamp}.csv`,
      title: "Truce results (CSV)",
      bytes: Buffer.from(exported.csv, "utf8"),
      comment: `Every closed round's figures: ${exported.rows} rows from ${rounds}, one per round, group and statement, only for groups the report may show.`,
    });
  } catch (error) {
    rt.logger.warn(`Could not upload the export: ${describeError(error)}`);
    return `I couldn't upload the export just now (${describeError(error)}). Please try again in a minute.`;
  }
  return `:page_facing_up: I've sent you the export (${exported.rows} rows from ${rounds}) in our DM.`;
}

/** Closes the round and says how it went. */
export async function closeAndSay(rt: Runtime, round: Round): Promise<string> {
  const result = await closeRound(rt, round);
  if (!result.ok)
    return `:warning: I couldn't close the round: the ${result.problem}. *The round is still open*; please try again in a minute.`;
  if (!result.announced)
    return "The round is closed, but I couldn't post every result message yet. I'll retry every minute; `/alignment report` works now.";
  return ":checkered_flag: Round closed. The results are posted in both channels; `/alignment report` shows them.";
}
