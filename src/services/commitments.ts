import { createHash } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import { type Deps, todayOf } from "../deps.js";
import type { Runtime } from "../runtime.js";
import type { Commitment } from "../store/index.js";
import type { JointAction } from "../survey/advice.js";
import {
  addDays,
  type CommitmentDraft,
  checkDraft,
  commitmentBoard,
  mayChange,
  ownerFollowUp,
  REMINDER_DAYS_BEFORE,
  targetStatements,
} from "../survey/commitments.js";
import { SIDES } from "../survey/types.js";
import {
  actionsBoard,
  alreadyAdoptedText,
  assignedMessage,
  type CommitmentModalTarget,
  followUpMessage,
  noSuggestionsText,
} from "../views/commitments.js";
import type { MessageView } from "../views/text.js";
import { deliverOnce } from "./delivery.js";
import { lookUpPerson } from "./people.js";
import { closedRoundReport } from "./round-report.js";
import { describeError, openDm } from "./slack.js";

export type AdoptableAction =
  | { ok: true; action: JointAction; roundId: number }
  | { ok: false; message: string };

/**
 * The suggestion a leader wants to adopt, from the latest closed round's advice. A button from
 * an older report (or a crafted payload) names a round or an action that is not on offer now.
 */
export async function adoptableAction(
  deps: Deps,
  teamId: string,
  roundId: number,
  actionId: string,
): Promise<AdoptableAction> {
  const latest = await deps.store.rounds.latestClosed(teamId);
  if (!latest || latest.id !== roundId)
    return {
      ok: false,
      message:
        "That suggestion is from an earlier round. `/alignment actions` shows the latest round's suggestions.",
    };
  const { report } = await closedRoundReport(deps, latest);
  const action = report.advice?.actions.find((a) => a.id === actionId);
  if (!action) {
    // Adopted already (perhaps by another leader a moment ago): one commitment per suggestion.
    const adopted = (await deps.store.commitments.list(teamId)).find(
      (c) => c.actionId === actionId && (c.doneAt === undefined || c.roundId === roundId),
    );
    return {
      ok: false,
      message: adopted
        ? alreadyAdoptedText(adopted)
        : "That suggestion is not among the latest round's actions.",
    };
  }
  return { ok: true, action, roundId };
}

export type SavedCommitment =
  | { ok: true; commitment: Commitment; adopted: boolean }
  | { ok: false; errors: Partial<Record<keyof CommitmentDraft, string>> }
  | { ok: false; refused: string };

/**
 * Saves what the Adopt or Change modal holds, after checking the person may: leaders adopt;
 * either owner or a leader changes. Checked here, whatever surface the payload came from.
 */
export async function saveCommitment(
  rt: Runtime,
  input: {
    teamId: string;
    userId: string;
    isLeader: boolean;
    target: CommitmentModalTarget;
    draft: CommitmentDraft;
  },
): Promise<SavedCommitment> {
  const { teamId, userId, target } = input;
  const checked = checkDraft(input.draft, todayOf(rt));
  if (target.kind === "adopt") {
    if (!input.isLeader)
      return { ok: false, refused: "Only the survey's leaders can adopt an action." };
    const found = await adoptableAction(rt, teamId, target.roundId, target.actionId);
    if (!found.ok) return { ok: false, refused: found.message };
    if (!checked.ok) return checked;
    const commitment = await rt.store.commitments.create({
      teamId,
      roundId: found.roundId,
      actionId: found.action.id,
      ...checked.value,
      statementIds: targetStatements(found.action),
      createdBy: userId,
      createdAt: rt.clock(),
    });
    return { ok: true, commitment, adopted: true };
  }
  const existing = await rt.store.commitments.get(teamId, target.commitmentId);
  if (!existing) return { ok: false, refused: "That commitment no longer exists." };
  if (!mayChange(existing, userId, input.isLeader))
    return {
      ok: false,
      refused: "Only its owners and the survey's leaders can change this commitment.",
    };
  if (!checked.ok) return checked;
  const commitment = await rt.store.commitments.update(
    teamId,
    existing.id,
    checked.value,
    rt.clock(),
  );
  if (!commitment) return { ok: false, refused: "That commitment no longer exists." };
  return { ok: true, commitment, adopted: false };
}

/** Each owner is told by DM, once per version of the commitment (the outbox keys it). */
export async function tellOwners(rt: Runtime, client: WebClient, c: Commitment, changed: boolean) {
  // One DM per version: a change made within the same minute as the adoption is a new version.
  const version = createHash("sha256")
    .update(JSON.stringify([c.title, c.note ?? "", c.owners, c.dueDate, c.updatedAt]))
    .digest("hex")
    .slice(0, 16);
  await sendToOwners(
    rt,
    client,
    c,
    "commitment-assigned",
    `commitment-${c.id}-${version}`,
    assignedMessage(c, changed),
  );
}

async function sendToOwners(
  rt: Runtime,
  client: WebClient,
  c: Commitment,
  kind: string,
  period: string,
  message: MessageView,
): Promise<boolean> {
  let complete = true;
  for (const owner of new Set(SIDES.map((side) => c.owners[side]))) {
    const outcome = await deliverOnce(rt, {
      key: { teamId: c.teamId, kind, recipientKey: rt.personKey(c.teamId, owner), period },
      client,
      channel: () => openDm(client, owner),
      message,
    });
    complete &&= outcome.status === "sent" || outcome.status === "already";
  }
  return complete;
}

export type MarkedDone =
  | { ok: true; commitment: Commitment; already: boolean }
  | { ok: false; refused: string };

export async function markDone(
  rt: Runtime,
  input: { teamId: string; userId: string; isLeader: boolean; commitmentId: number },
): Promise<MarkedDone> {
  const existing = await rt.store.commitments.get(input.teamId, input.commitmentId);
  if (!existing) return { ok: false, refused: "That commitment no longer exists." };
  if (!mayChange(existing, input.userId, input.isLeader))
    return {
      ok: false,
      refused: "Only its owners and the survey's leaders can mark this commitment done.",
    };
  const done = await rt.store.commitments.markDone(
    input.teamId,
    existing.id,
    input.userId,
    rt.clock(),
  );
  if (!done) return { ok: false, refused: "That commitment no longer exists." };
  return { ok: true, commitment: done, already: existing.doneAt !== undefined };
}

/** `/alignment actions` for one person: the board, and the suggestions nobody adopted yet. */
export async function actionsFor(
  rt: Runtime,
  teamId: string,
  isLeader: boolean,
): Promise<MessageView> {
  const [commitments, latest] = await Promise.all([
    rt.store.commitments.list(teamId),
    rt.store.rounds.latestClosed(teamId),
  ]);
  const closed = latest && (await closedRoundReport(rt, latest));
  const previous = latest && (await rt.store.rounds.previousClosed(latest));
  // The advice already leaves out what is in hand or was adopted from this round.
  const suggestions = closed?.report.advice?.actions ?? [];
  const noSuggestions = noSuggestionsText(
    latest,
    closed?.report.advice !== undefined,
    "A leader can start one with `/alignment launch`.",
  );
  return actionsBoard({
    board: commitmentBoard(commitments, todayOf(rt), previous?.closedAt ?? latest?.closedAt),
    today: todayOf(rt),
    suggestions,
    roundId: latest?.id,
    isLeader,
    ...(noSuggestions ? { noSuggestions } : {}),
  });
}

/**
 * The heartbeat's follow-ups: a week before each open commitment's due day and on it, each
 * owner gets one reminder (once: the outbox keys it by commitment and kind).
 */
export async function sendFollowUps(
  rt: Runtime,
  isActive: (teamId: string) => Promise<boolean>,
): Promise<number> {
  const now = rt.clock();
  let sent = 0;
  let open: Commitment[];
  try {
    open = await rt.store.commitments.allOpen();
  } catch (error) {
    rt.logger.warn(`Could not read the open commitments: ${describeError(error)}`);
    return 0;
  }
  for (const c of open) {
    // Cheap first: a follow-up can only be owed in the week before the due day or just after it
    // (a due day off work), in any time zone; only then are the owners' zones looked up.
    const today = todayOf(rt);
    if (today < addDays(c.dueDate, -REMINDER_DAYS_BEFORE - 1) || today > addDays(c.dueDate, 8))
      continue;
    if (!(await isActive(c.teamId))) continue;
    try {
      const client = await rt.slack(c.teamId);
      for (const owner of new Set(SIDES.map((side) => c.owners[side]))) {
        const zone = await ownerTimeZone(rt, client, c.teamId, owner);
        const due = ownerFollowUp(c, now, zone, rt.config.workingHours);
        if (!due) continue;
        const outcome = await deliverOnce(rt, {
          key: {
            teamId: c.teamId,
            kind: "commitment-follow-up",
            recipientKey: rt.personKey(c.teamId, owner),
            period: `commitment-${c.id}-${due.kind}`,
          },
          client,
          channel: () => openDm(client, owner),
          message: followUpMessage(c, due.kind, due.today),
        });
        if (outcome.status === "sent") sent += 1;
      }
    } catch (error) {
      rt.logger.warn(`Could not follow up commitment ${c.id}: ${describeError(error)}`);
    }
  }
  return sent;
}

/** Owners' time zones, looked up again after this long (people travel; Slack is asked rarely). */
const ZONE_TTL_MS = 6 * 60 * 60 * 1000;
const ZONE_CACHE_SIZE = 2_000;
const ownerZones = new WeakMap<Deps, Map<string, { at: number; zone: string }>>();

/** An owner's own time zone (users.info), or the workspace's when Slack does not say. */
async function ownerTimeZone(
  rt: Runtime,
  client: WebClient,
  teamId: string,
  owner: string,
): Promise<string> {
  const cache = ownerZones.get(rt) ?? new Map<string, { at: number; zone: string }>();
  ownerZones.set(rt, cache);
  const key = `${teamId}:${owner}`;
  const cached = cache.get(key);
  if (cached && rt.clock() - cached.at < ZONE_TTL_MS) return cached.zone;
  let zone = rt.config.timeZone;
  try {
    zone = (await lookUpPerson(client, owner))?.timeZone ?? zone;
  } catch (error) {
    rt.logger.warn(`Could not look up an owner's time zone: ${describeError(error)}`);
    return zone;
  }
  cache.delete(key);
  cache.set(key, { at: rt.clock(), zone });
  if (cache.size > ZONE_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return zone;
}
