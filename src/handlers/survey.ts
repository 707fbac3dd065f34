import type { App, BlockAction, ButtonAction, ViewStateValue } from "@slack/bolt";
import { z } from "zod";
import type { Deps } from "../deps.js";
import type { InvitationRefresher } from "../services/rounds.js";
import { describeError } from "../services/slack.js";
import type { Round } from "../store/index.js";
import { sameStatementIds } from "../survey/instrument.js";
import type { Side } from "../survey/types.js";
import { OPEN_SURVEY_ACTION_ID } from "../views/invitation.js";
import {
  RATING_ACTION_ID,
  roundClosedModal,
  SIDE_ACTION_ID,
  SIDE_BLOCK_ID,
  SURVEY_CALLBACK_ID,
  statementBlockId,
  surveyModal,
  thanksModal,
  wordingChangedModal,
} from "../views/survey-modal.js";

type StateValues = Record<string, Record<string, ViewStateValue>>;

const metadataSchema = z.object({ roundId: z.number().int().positive() });
const ratingSchema = z.enum(["1", "2", "3", "4", "5"]).transform(Number);
const sideSchema = z.enum(["sales", "marketing"]);

export type ParsedSubmission =
  | { ok: true; side: Side; ratings: number[] }
  | { ok: false; errors: Record<string, string> };

/**
 * Reads a survey submission's state into a side and one rating per statement, or inline errors
 * keyed by block_id (Slack shows them under the offending question). Pure: unit-tested.
 */
export function parseSubmission(values: StateValues, statementCount: number): ParsedSubmission {
  const errors: Record<string, string> = {};
  const side = sideSchema.safeParse(
    values[SIDE_BLOCK_ID]?.[SIDE_ACTION_ID]?.selected_option?.value,
  );
  if (!side.success) errors[SIDE_BLOCK_ID] = "Please choose the team you are on.";
  const ratings: number[] = [];
  for (let i = 0; i < statementCount; i++) {
    const blockId = statementBlockId(i);
    const rating = ratingSchema.safeParse(
      values[blockId]?.[RATING_ACTION_ID]?.selected_option?.value,
    );
    if (rating.success) ratings.push(rating.data);
    else errors[blockId] = "Please choose an answer from Strongly disagree to Strongly agree.";
  }
  if (!side.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, side: side.data, ratings };
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

export function registerSurvey(app: App, deps: Deps, invitations: InvitationRefresher) {
  const { store, clock } = deps;

  // The invitation's button. The trigger_id lives 3 seconds, so the modal opens before anything else.
  app.action<BlockAction<ButtonAction>>(
    OPEN_SURVEY_ACTION_ID,
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const round = store.rounds.get(Number(action.value));
      const usable = round?.teamId === teamId && isOpen(round, clock()) ? round : undefined;
      let view: ReturnType<typeof surveyModal>;
      if (usable && !sameWording(usable, deps)) {
        view = wordingChangedModal();
      } else if (!usable) {
        view = roundClosedModal(round?.closedAt ?? round?.closesAt);
      } else {
        const previous = store.responses.find(usable.id, deps.personKey(teamId, body.user.id));
        const channel = body.channel?.id;
        const channelSide: Side | undefined =
          channel === usable.salesChannel
            ? "sales"
            : channel === usable.marketingChannel
              ? "marketing"
              : undefined;
        view = surveyModal({
          instrument: deps.instrument,
          roundId: usable.id,
          closesAt: usable.closesAt,
          minGroup: deps.config.minGroup,
          side: previous?.side ?? channelSide,
          previous: previous?.ratings,
        });
      }
      try {
        await client.views.open({ trigger_id: body.trigger_id, view });
      } catch (error) {
        deps.logger.warn(`Could not open the survey: ${describeError(error)}`);
        // A click in the Home tab has no response_url to answer on; the log line is all we can do.
        await respond?.({
          response_type: "ephemeral",
          replace_original: false,
          text: "Sorry, Slack didn't let me open the survey just then. Please press *Take the survey* again.",
        }).catch(() => undefined);
      }
    },
  );

  app.view(SURVEY_CALLBACK_ID, async ({ ack, body, view }) => {
    const teamId = body.team?.id ?? body.user.team_id ?? "";
    const metadata = metadataSchema.safeParse(safeJson(view.private_metadata));
    const round = metadata.success ? store.rounds.get(metadata.data.roundId) : undefined;
    if (!round || round.teamId !== teamId || !isOpen(round, clock())) {
      await ack({
        response_action: "update",
        view: roundClosedModal(round?.closedAt ?? round?.closesAt),
      });
      return;
    }
    if (!sameWording(round, deps)) {
      await ack({ response_action: "update", view: wordingChangedModal() });
      return;
    }
    const parsed = parseSubmission(view.state.values, deps.instrument.statements.length);
    if (!parsed.ok) {
      await ack({ response_action: "errors", errors: parsed.errors });
      return;
    }
    // Written in one transaction before the ack: an acknowledged answer is never lost.
    let outcome: "created" | "updated";
    try {
      outcome = store.responses.save({
        roundId: round.id,
        respondentKey: deps.personKey(teamId, body.user.id),
        side: parsed.side,
        ratings: parsed.ratings,
        at: clock(),
      });
    } catch (error) {
      // Keep the modal open with everything filled in, so pressing Submit again loses nothing.
      deps.logger.error(`Could not save a survey answer: ${describeError(error)}`);
      await ack({ response_action: "errors", errors: { [SIDE_BLOCK_ID]: SAVE_FAILED } });
      return;
    }
    await ack({
      response_action: "update",
      view: thanksModal({ updated: outcome === "updated", closesAt: round.closesAt }),
    });
    void invitations.schedule(round.id);
  });
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    return undefined;
  }
}
