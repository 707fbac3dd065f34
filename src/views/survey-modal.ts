import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { Instrument } from "../survey/instrument.js";
import type { Side } from "../survey/types.js";
import { clip, context, escapeMrkdwn, noticeModal, section, slackDate } from "./text.js";

export const SURVEY_CALLBACK_ID = "survey_submit";
export const SIDE_BLOCK_ID = "side";
export const RATING_ACTION_ID = "rating";
export const SIDE_ACTION_ID = "side";
export const RATING_PLACEHOLDER = "Choose 1–5";

/**
 * About how long the survey takes: 20 statements of about 80 characters read at a calm 200
 * words a minute (about 5 s each) plus a menu opened and an option picked (about 4 s each).
 */
export const ANSWER_MINUTES = 3;

/** block_id of statement `index` (0-based). Positional, so an organisation's own ids never clash. */
export const statementBlockId = (index: number) => `statement_${index + 1}`;

export const SIDE_LABELS: Record<Side, string> = { sales: "Sales", marketing: "Marketing" };

export interface SurveyModalInput {
  instrument: Instrument;
  roundId: number;
  closesAt: number;
  minGroup: number;
  /**
   * The sides the person may answer for: the survey channels they are in. With one, the side is
   * not asked (it is known); with both, they choose.
   */
  sides: readonly Side[];
  /** Pre-selected side: the person's earlier answer, else the channel the button was pressed in. */
  side: Side | undefined;
  /** The person's earlier answer in this round, to pre-fill and say they are updating. */
  previous: readonly number[] | undefined;
}

export interface SurveyMetadata {
  roundId: number;
  /** The side, when the person may answer for one side only (no side question is shown). */
  side?: Side;
}

const option = (text: string, value: string): PlainTextOption => ({
  text: { type: "plain_text", text: clip(text, 75) },
  value,
});

export function surveyModal(input: SurveyModalInput): ModalView {
  const { instrument, previous } = input;
  const sideOptions = (["sales", "marketing"] as const).map((side) =>
    option(SIDE_LABELS[side], side),
  );
  const onlySide = input.sides.length === 1 ? input.sides[0] : undefined;
  const sideBlock: KnownBlock = onlySide
    ? context(`You're answering for *${SIDE_LABELS[onlySide]}*, the team whose channel you're in.`)
    : ({
        type: "input",
        block_id: SIDE_BLOCK_ID,
        label: { type: "plain_text", text: "Which team are you on? Reports compare the two." },
        element: {
          type: "static_select",
          action_id: SIDE_ACTION_ID,
          placeholder: { type: "plain_text", text: "Choose your team" },
          options: sideOptions,
          ...(input.side ? { initial_option: sideOptions[input.side === "sales" ? 0 : 1] } : {}),
        },
      } satisfies InputBlock);
  // A menu per statement instead of five radio buttons: one row instead of five, which halves
  // the form's height on a laptop and more on a phone (see modal-height.ts and its test). The
  // number leads each option so the scale reads at a glance, and the values stay "1"…"5".
  const ratingOptions = instrument.scaleLabels.map((label, i) =>
    option(`${i + 1} · ${label}`, String(i + 1)),
  );
  const statementBlocks: InputBlock[] = instrument.statements.map((statement, index) => {
    const earlier = previous?.[index];
    return {
      type: "input",
      block_id: statementBlockId(index),
      label: { type: "plain_text", text: clip(`${index + 1}. ${statement.text}`, 2000) },
      element: {
        type: "static_select",
        action_id: RATING_ACTION_ID,
        placeholder: { type: "plain_text", text: RATING_PLACEHOLDER },
        options: ratingOptions,
        ...(earlier ? { initial_option: ratingOptions[earlier - 1] } : {}),
      },
    };
  });
  const intro = previous
    ? `*You already answered this round:* your answers are filled in. Change what you like and press *Update*.`
    : `Rate each statement from *1 (${escapeMrkdwn(instrument.scaleLabels[0])})* to *5 (${escapeMrkdwn(instrument.scaleLabels[4])})*, as things are today. All ${instrument.statements.length} are needed; it takes about ${ANSWER_MINUTES} minutes.`;
  const blocks: KnownBlock[] = [
    context(
      intro,
      `:lock: Anonymous: only group figures of at least ${input.minGroup} people, only after the round closes (${slackDate(input.closesAt)}).`,
    ),
    sideBlock,
    ...statementBlocks,
    context(escapeMrkdwn(instrument.credit)),
  ];
  const metadata: SurveyMetadata = {
    roundId: input.roundId,
    ...(onlySide ? { side: onlySide } : {}),
  };
  return {
    type: "modal",
    callback_id: SURVEY_CALLBACK_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Alignment survey" },
    submit: { type: "plain_text", text: previous ? "Update" : "Submit" },
    close: { type: "plain_text", text: "Cancel" },
    notify_on_close: false,
    blocks,
  };
}

/** The view a submission is answered with: confirmation in place of the form. */
export function thanksModal(input: { updated: boolean; closesAt: number }): ModalView {
  return noticeModal("Thank you", "Done", [
    section(
      input.updated
        ? ":white_check_mark: *Your answers are updated.* Only your latest answers count."
        : ":white_check_mark: *Your answers are saved.*",
    ),
    section(
      `You can change them until the round closes (${slackDate(input.closesAt)}): press *Take the survey* on the invitation again. Results are shared with everyone when the round closes.`,
    ),
  ]);
}

/** Shown instead of the form when the round is over or unknown. */
export function roundClosedModal(closedAt: number | undefined): ModalView {
  return noticeModal("Survey closed", "OK", [
    section(
      closedAt
        ? `This round closed on ${slackDate(closedAt)}, so it no longer takes answers. Run \`/alignment report\` to see the results.`
        : "This survey round is no longer open. Run `/alignment status` to see whether a new one is running.",
    ),
  ]);
}

/** Shown when the survey's wording changed after the round was launched. */
export function wordingChangedModal(): ModalView {
  return noticeModal("Survey unavailable", "OK", [
    section(
      "The wording of this survey changed after the round was launched, so it can't take answers any more: answers under two wordings can't be compared. A leader can run `/alignment close` and launch a new round.",
    ),
  ]);
}

/** Shown instead of the form to someone in neither survey channel: nothing is stored. */
export function notAMemberModal(channels: { sales: string; marketing: string }): ModalView {
  return noticeModal("Survey", "OK", [
    section(
      `This survey is for the members of <#${channels.sales}> and <#${channels.marketing}>: each team's answers come from its own channel's members. If you belong to one of the teams, ask to be added to its channel, then press *Take the survey* again.`,
    ),
  ]);
}

/** Shown when the person's channels changed while the form was open. */
export function sideChangedModal(): ModalView {
  return noticeModal("Survey", "OK", [
    section(
      "Your survey channels changed while the form was open, so I can't tell which team to count your answers for. Nothing was saved: please press *Take the survey* again.",
    ),
  ]);
}
