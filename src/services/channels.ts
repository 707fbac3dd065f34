import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import type { Side } from "../survey/types.js";

/** The survey channels of a workspace: settings stored from Slack win over the environment seeds. */
export async function surveyChannels(
  deps: Deps,
  teamId: string,
): Promise<Partial<Record<Side, string>>> {
  const sales =
    (await deps.store.settings.get(teamId, "sales_channel")) ?? deps.config.salesChannel;
  const marketing =
    (await deps.store.settings.get(teamId, "marketing_channel")) ?? deps.config.marketingChannel;
  return { ...(sales ? { sales } : {}), ...(marketing ? { marketing } : {}) };
}

/** Which side a round's channel belongs to, if either. */
export function sideOfChannel(round: Round, channel: string | undefined): Side | undefined {
  if (channel === round.salesChannel) return "sales";
  if (channel === round.marketingChannel) return "marketing";
  return undefined;
}

export const channelOf = (round: Round, side: Side): string =>
  side === "sales" ? round.salesChannel : round.marketingChannel;
