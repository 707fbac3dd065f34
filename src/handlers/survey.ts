import type { BlockAction, ButtonAction, ViewStateValue } from "@slack/bolt";
import type { Deps } from "../deps.js";
import type { Runtime } from "../runtime.js";
import { sideOfChannel } from "../services/channels.js";
import { createRoundCache } from "../services/round-cache.js";
import { workspaceSettings } from "../services/settings.js";
import { describeError } from "../services/slack.js";
import type { Round } from "../store/index.js";
import { sameStatementIds } from "../survey/instrument.js";
import { otherSide, SIDES, type Side } from "../survey/types.js";
import { OPEN_SURVEY_ACTION_ID } from "../views/invitation.js";
import {
  notAMemberModal,
  RATING_ACTION_ID,
  roundClosedModal,
  SIDE_ACTION_ID,
  SIDE_BLOCK_ID,
  SIDE_LABELS,
  SURVEY_CALLBACK_ID,
  sideChangedModal,
  statementBlockId,
  surveyModal,
  thanksModal,
  wordingChangedModal,
} from "../views/survey-modal.js";
import { requestKey } from "./events.js";
import type { Routes } from "./routes.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** What a form's option values mean: a lookup, not a schema parse, on the busiest path. */
const SIDE_OF_VALUE = new Map<unknown, Side>(SIDES.map((side) => [side, side]));
const RATING_OF_VALUE = new Map<unknown, number>(
  ["1", "2", "3", "4", "5"].map((value) => [value, Number(value)]),
);

/** The survey's private_metadata (written by surveyModal): the round, and the side if known. */
export function parseMetadata(
  text: string | undefined,
): { roundId: number; side?: Side } | undefined {
  const value = safeJson(text) as { roundId?: unknown; side?: unknown } | null | undefined;
  if (typeof value !== "object" || value === null) return undefined;
  const { roundId, side } = value;
  if (typeof roundId !== "number" || !Number.isSafeInteger(roundId) || roundId <= 0)
    return undefined;
  if (side === undefined) return { roundId };
  const known = SIDE_OF_VALUE.get(side);
  return known ? { roundId, side: known } : undefined;
}

export type ParsedSubmission =
  | { ok: true; side: Side; ratings: number[] }
  | { ok: false; errors: Record<string, string> };

/**
 * Reads a survey submission's state into a side and one rating per statement, or inline errors
 * keyed by block_id (Slack shows them under the offending question). `knownSide` is the side of
 * a form that did not ask it. Pure: unit-tested.
 */
export function parseSubmission(
  values: StateValues,
  statementCount: number,
  knownSide?: Side,
): ParsedSubmission {
  const errors: Record<string, string> = {};
  const side =
    knownSide ?? SIDE_OF_VALUE.get(values[SIDE_BLOCK_ID]?.[SIDE_ACTION_ID]?.selected_option?.value);
  if (!side) errors[SIDE_BLOCK_ID] = "Please choose the team you are on.";
  const ratings: number[] = [];
  let valid = side !== undefined;
  for (let i = 0; i < statementCount; i++) {
    const blockId = statementBlockId(i);
    const rating = RATING_OF_VALUE.get(values[blockId]?.[RATING_ACTION_ID]?.selected_option?.value);
    if (rating !== undefined) ratings.push(rating);
    else {
      errors[blockId] = "Please choose an answer from Strongly disagree to Strongly agree.";
      valid = false;
    }
  }
  if (!valid || !side) return { ok: false, errors };
  return { ok: true, side, ratings };
}

export const SAVE_FAILED =
  "Sorry, your answers couldn't be saved just now. Nothing is lost: press Submit again in a moment.";

const isOpen = (round: Round | undefined, now: number): round is Round =>
  round !== undefined && round.closedAt === undefined && round.closesAt > now;

/**
 * Answers are stored by position, so they are only comparable under the wording the round was
 * launched with. If TRUCE_INSTRUMENT changed in mid-round, the survey stops taking answers
 * rather than mixing two wordings in one round.
 */
const sameWording = (round: Round, deps: Deps) =>
  sameStatementIds(
    round.statementIds,
    deps.instrument.statements.map((s) => s.id),
  );

/**
 * The sides a person may answer for: those whose channel they are in. Rounds launched before
 * members were recorded cannot verify, and take the side people choose.
 */
async function allowedSides(
  rt: Runtime,
  round: Round,
  memberKey: string,
): Promise<readonly Side[]> {
  return round.membersKnown ? rt.store.members.sidesOf(round.id, memberKey) : SIDES;
}

export function registerSurvey(routes: Routes, rt: Runtime) {
  const { store, clock } = rt;
  const rounds = createRoundCache({ get: (id) => store.rounds.get(id) });

  // The invitation's button. The trigger_id lives 3 seconds, so the modal opens before anything else.
  routes.action<BlockAction<ButtonAction>>(
    OPEN_SURVEY_ACTION_ID,
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const key = rt.personKey(teamId, body.user.id);
      let view: ReturnType<typeof surveyModal>;
      try {
        const round = await store.rounds.get(Number(action.value));
        const usable = round?.teamId === teamId && isOpen(round, clock()) ? round : undefined;
        if (usable && !sameWording(usable, rt)) {
          view = wordingChangedModal();
        } else if (!usable) {
          view = roundClosedModal(round?.closedAt ?? round?.closesAt);
        } else {
          const [previous, sides] = await Promise.all([
            store.responses.find(usable.id, key),
            allowedSides(rt, usable, key),
          ]);
          if (sides.length === 0) {
            view = notAMemberModal({
              sales: usable.salesChannel,
              marketing: usable.marketingChannel,
            });
          } else {
            const preferred = previous?.side ?? sideOfChannel(usable, body.channel?.id);
            view = surveyModal({
              instrument: rt.instrument,
              roundId: usable.id,
              closesAt: usable.closesAt,
              minGroup: (await workspaceSettings(rt, teamId)).minGroup,
              sides,
              side: preferred && sides.includes(preferred) ? preferred : undefined,
              previous: previous?.ratings,
            });
          }
        }
      } catch (error) {
        rt.logger.warn(`Could not prepare the survey: ${describeError(error)}`);
        await respond?.({
          response_type: "ephemeral",
          replace_original: false,
          text: "Sorry, I couldn't open the survey just then. Please press *Take the survey* again in a minute.",
        }).catch(() => undefined);
        return;
      }
      try {
        await client.views.open({ trigger_id: body.trigger_id, view });
      } catch (error) {
        rt.logger.warn(`Could not open the survey: ${describeError(error)}`);
        // A click in the Home tab has no response_url to answer on; the log line is all we can do.
        await respond?.({
          response_type: "ephemeral",
          replace_original: false,
          text: "Sorry, Slack didn't let me open the survey just then. Please press *Take the survey* again.",
        }).catch(() => undefined);
      }
    },
  );

  routes.view(
    SURVEY_CALLBACK_ID,
    async ({ ack, body, view }) => {
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const key = rt.personKey(teamId, body.user.id);
      const metadata = parseMetadata(view.private_metadata);
      // Written in one transaction before the ack: an acknowledged answer is never lost. Anything
      // the database refuses keeps the modal open with everything filled in, so Submit again works.
      try {
        // From memory when it can be: the save checks again that the round is open.
        const round = metadata ? await rounds.get(metadata.roundId) : undefined;
        if (!round || round.teamId !== teamId || !isOpen(round, clock())) {
          await ack({
            response_action: "update",
            view: roundClosedModal(round?.closedAt ?? round?.closesAt),
          });
          return;
        }
        if (!sameWording(round, rt)) {
          await ack({ response_action: "update", view: wordingChangedModal() });
          return;
        }
        const knownSide = metadata?.side;
        const parsed = parseSubmission(
          view.state.values,
          rt.instrument.statements.length,
          knownSide,
        );
        if (!parsed.ok) {
          await ack({ response_action: "errors", errors: parsed.errors });
          return;
        }
        // One call decides: the round still open, the person in the side's channel, the request
        // not seen before (the request log is written in the save's own transaction, see below).
        const request = requestKey(body);
        const outcome = await store.responses.save({
          roundId: round.id,
          respondentKey: key,
          side: parsed.side,
          ratings: parsed.ratings,
          at: clock(),
          ...(request ? { request: { teamId, key: request } } : {}),
        });
        if (outcome === "closed") {
          // Closed while this answer was on its way, or before (the kept round said open).
          const closed = await rounds.fresh(round.id);
          await ack({
            response_action: "update",
            view: roundClosedModal(closed?.closedAt ?? round.closesAt),
          });
          return;
        }
        if (outcome === "not-a-member") {
          await ack({
            response_action: "update",
            view: notAMemberModal({ sales: round.salesChannel, marketing: round.marketingChannel }),
          });
          return;
        }
        if (outcome === "other-side") {
          if (knownSide) {
            await ack({ response_action: "update", view: sideChangedModal() });
          } else {
            const other = otherSide(parsed.side);
            await ack({
              response_action: "errors",
              errors: {
                [SIDE_BLOCK_ID]: `You're not in the ${SIDE_LABELS[parsed.side]} channel, so your answers count for ${SIDE_LABELS[other]}.`,
              },
            });
          }
          return;
        }
        // A redelivered copy saved nothing; what the first copy saved stands.
        await ack({
          response_action: "update",
          view: thanksModal({ updated: outcome === "updated", closesAt: round.closesAt }),
        });
        if (outcome === "duplicate") return;
        rt.invitations.schedule(round.id);
        // Home shows participation too: refreshed for those looking, throttled.
        rt.home.changed(round.teamId);
      } catch (error) {
        rt.logger.error(`Could not save a survey answer: ${describeError(error)}`);
        // The first statement is always in the form (the side question may not be).
        await ack({ response_action: "errors", errors: { [statementBlockId(0)]: SAVE_FAILED } });
      }
    },
    // The save enters the request in the request log itself, in its own transaction: one
    // commit per answer instead of two, and a redelivery is still handled once.
    { recordsRequest: true },
  );
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    return undefined;
  }
}
