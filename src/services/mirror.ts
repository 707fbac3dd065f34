import type { Deps } from "../deps.js";
import { type Mirror, mirrorFor } from "../survey/report.js";
import { workspaceSettings } from "./settings.js";

/** `/alignment me`: the person's own answers in the latest closed round beside the groups' means. */
export async function mirrorOf(
  deps: Deps,
  teamId: string,
  userId: string,
): Promise<Mirror | string> {
  const round = await deps.store.rounds.latestClosed(teamId);
  if (!round)
    return "No round has closed yet. Your answers are shown here once the round you answered has closed.";
  const own = await deps.store.responses.find(round.id, deps.personKey(teamId, userId));
  if (!own) return "You didn't answer the latest closed round, so there is nothing to compare.";
  return mirrorFor(own, await deps.store.responses.answers(round.id), {
    instrument: deps.instrument,
    minGroup: (await workspaceSettings(deps, teamId)).minGroup,
    roundClosed: true,
  });
}
