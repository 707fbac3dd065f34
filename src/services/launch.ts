import type { WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import { type Round, RoundAlreadyOpenError } from "../store/index.js";
import type { Side } from "../survey/types.js";
import { slackDate } from "../views/text.js";
import { surveyChannels } from "./channels.js";
import { ensureInvitations } from "./invitations.js";
import { lookUpPeople } from "./people.js";
import { channelMembers, describeError, ensureChannelAccess } from "./slack.js";

export { DEFAULT_ROUND_DAYS, MAX_ROUND_DAYS } from "./settings.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export type LaunchResult =
  | { ok: true; round: Round; posted: Side[] }
  | { ok: false; message: string };

/**
 * Opens a round: checks the channels, records who is in each (under the keyed hash: a side is
 * then verified by membership, not by what someone claims), and posts both invitations.
 */
export async function launchRound(
  deps: Deps,
  client: WebClient,
  input: {
    teamId: string;
    userId: string;
    days: number;
    botUserId: string | undefined;
    /** Post the invitation in both channels (false when people are invited by DM only). */
    postInChannels?: boolean;
  },
): Promise<LaunchResult> {
  const { store, clock } = deps;
  const existing = await store.rounds.openFor(input.teamId);
  if (existing) return { ok: false, message: alreadyOpen(existing) };
  const channels = await surveyChannels(deps, input.teamId);
  if (!channels.sales || !channels.marketing) {
    return {
      ok: false,
      message:
        "I don't know the sales and marketing channels yet. Run `/alignment setup` to choose them (or set `TRUCE_SALES_CHANNEL` and `TRUCE_MARKETING_CHANNEL`).",
    };
  }
  if (channels.sales === channels.marketing) {
    return {
      ok: false,
      message:
        "The sales and marketing channels are the same channel; they must be two different channels.",
    };
  }
  const access = {
    sales: await ensureChannelAccess(client, channels.sales),
    marketing: await ensureChannelAccess(client, channels.marketing),
  };
  const problems = [access.sales, access.marketing].flatMap((a) => (a.ok ? [] : [a.problem]));
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };

  const members: Record<Side, string[]> = { sales: [], marketing: [] };
  const ids: Record<Side, string[]> = { sales: [], marketing: [] };
  for (const side of ["sales", "marketing"] as const) {
    const channel = channels[side] as string;
    try {
      ids[side] = await channelMembers(client, channel, input.botUserId);
    } catch (error) {
      deps.logger.warn(`Could not list the members of ${channel}: ${describeError(error)}`);
      return {
        ok: false,
        message: `I couldn't see who is in <#${channel}> (${describeError(error)}), and only its members may answer for its side. Nothing was launched; please try again in a minute.`,
      };
    }
  }
  // Bots and deactivated accounts are no one to ask: they are neither invited nor counted. One
  // pass over users.list; if Slack will not say, everyone listed counts (launching matters more).
  const people = await humans(deps, client, [...new Set([...ids.sales, ...ids.marketing])]);
  for (const side of ["sales", "marketing"] as const)
    members[side] = ids[side]
      .filter((id) => people === undefined || people.has(id))
      .map((id) => deps.personKey(input.teamId, id));

  const now = clock();
  let round: Round;
  try {
    round = await store.rounds.open({
      teamId: input.teamId,
      openedByKey: deps.personKey(input.teamId, input.userId),
      openedAt: now,
      closesAt: now + input.days * DAY_MS,
      salesChannel: channels.sales,
      marketingChannel: channels.marketing,
      statementIds: deps.instrument.statements.map((s) => s.id),
      invited: {
        sales: members.sales.length,
        marketing: members.marketing.length,
        people: new Set([...members.sales, ...members.marketing]).size,
      },
      members,
      keyFingerprint: deps.keyFingerprint,
    });
  } catch (error) {
    if (error instanceof RoundAlreadyOpenError)
      return { ok: false, message: alreadyOpen(error.round) };
    throw error;
  }

  if (input.postInChannels === false) return { ok: true, round, posted: [] };
  const invitations = await ensureInvitations(deps, client, round);
  if (invitations.posted.length === 0 && invitations.pending.length === 0) {
    // Nobody was invited: a round nobody can see would only block the next launch.
    await store.rounds.discard(round.id);
    return {
      ok: false,
      message:
        "I couldn't post the invitations (Slack refused both). Nothing was launched; please try again in a minute.",
    };
  }
  return { ok: true, round, posted: [...invitations.posted, ...invitations.pending] };
}

export function alreadyOpen(round: Round): string {
  return `A round is already open (it closes ${slackDate(round.closesAt)}). Close it with \`/alignment close\` before launching a new one.`;
}

async function humans(
  deps: Deps,
  client: WebClient,
  ids: readonly string[],
): Promise<Set<string> | undefined> {
  try {
    const profiles = await lookUpPeople(client, ids, { oneByOne: false });
    return new Set(
      ids.filter((id) => {
        const profile = profiles.get(id);
        return !profile || (!profile.isBot && !profile.deleted);
      }),
    );
  } catch (error) {
    deps.logger.warn(`Could not tell bots from people at launch: ${describeError(error)}`);
    return undefined;
  }
}
