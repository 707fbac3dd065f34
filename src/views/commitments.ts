import type { ActionsBlock, InputBlock, KnownBlock, ModalView } from "@slack/types";
import type { Commitment } from "../store/types.js";
import type { CommitmentRef, JointAction } from "../survey/advice.js";
import {
  type Board,
  COMMITMENT_LIMITS,
  type CommitmentEffect,
  type DraftField,
  type FollowUp,
  statusOf,
} from "../survey/commitments.js";
import { oneDecimal } from "../survey/scoring.js";
import {
  button,
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  type MessageView,
  noticeModal,
  section,
} from "./text.js";

/** Ids the commitment handlers listen for. */
export const ADOPT_ACTION_ID = "adopt_action";
export const DONE_ACTION_ID = "commitment_done";
export const CHANGE_ACTION_ID = "commitment_change";
export const COMMITMENT_CALLBACK_ID = "commitment_submit";

/** block_id and action_id of each modal field: the inline errors are keyed by block_id. */
export const DRAFT_BLOCKS: Record<DraftField, { block: string; action: string }> = {
  title: { block: "commitment_title", action: "title" },
  salesOwner: { block: "commitment_sales_owner", action: "user" },
  marketingOwner: { block: "commitment_marketing_owner", action: "user" },
  dueDate: { block: "commitment_due", action: "date" },
  note: { block: "commitment_note", action: "note" },
};

/** The modal's private metadata: what is being adopted, or which commitment is being changed. */
export type CommitmentModalTarget =
  | { kind: "adopt"; roundId: number; actionId: string }
  | { kind: "change"; commitmentId: number };

/** How many commitments a message lists with buttons (Slack allows 50 blocks a message). */
export const BOARD_LIMIT = 12;

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A readable due day ("Fri 18 Dec 2026"), from `YYYY-MM-DD`, the same on every ICU version. */
export function dueDay(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

const ownersLine = (c: Pick<Commitment, "owners">) =>
  `Sales: <@${c.owners.sales}> · Marketing: <@${c.owners.marketing}>`;

/** The Adopt modal (a suggested action) and the Change modal (an existing commitment). */
export function commitmentModal(input: {
  target: CommitmentModalTarget;
  title: string;
  owners?: Partial<Record<"sales" | "marketing", string>>;
  dueDate?: string;
  note?: string;
  /** Why the action was suggested, shown above the fields when adopting. */
  reason?: string;
}): ModalView {
  const text = (
    field: DraftField,
    label: string,
    element: InputBlock["element"],
    optional = false,
    hint?: string,
  ): InputBlock => ({
    type: "input",
    block_id: DRAFT_BLOCKS[field].block,
    label: { type: "plain_text", text: label },
    ...(optional ? { optional: true } : {}),
    ...(hint ? { hint: { type: "plain_text", text: hint } } : {}),
    element,
  });
  const adopting = input.target.kind === "adopt";
  const blocks: KnownBlock[] = [];
  if (input.reason)
    blocks.push(context(`_Suggested because: ${escapeMrkdwn(clip(input.reason, 500))}_`));
  blocks.push(
    text("title", "What you commit to", {
      type: "plain_text_input",
      action_id: DRAFT_BLOCKS.title.action,
      max_length: COMMITMENT_LIMITS.title,
      initial_value: clip(input.title, COMMITMENT_LIMITS.title),
    }),
    text("salesOwner", "Sales owner", {
      type: "users_select",
      action_id: DRAFT_BLOCKS.salesOwner.action,
      placeholder: { type: "plain_text", text: "Choose someone from Sales" },
      ...(input.owners?.sales ? { initial_user: input.owners.sales } : {}),
    }),
    text("marketingOwner", "Marketing owner", {
      type: "users_select",
      action_id: DRAFT_BLOCKS.marketingOwner.action,
      placeholder: { type: "plain_text", text: "Choose someone from Marketing" },
      ...(input.owners?.marketing ? { initial_user: input.owners.marketing } : {}),
    }),
    text(
      "dueDate",
      "Due",
      {
        type: "datepicker",
        action_id: DRAFT_BLOCKS.dueDate.action,
        placeholder: { type: "plain_text", text: "Choose a day" },
        ...(input.dueDate ? { initial_date: input.dueDate } : {}),
      },
      false,
      "The owners get a reminder a week before and on the day.",
    ),
    text(
      "note",
      "Note",
      {
        type: "plain_text_input",
        action_id: DRAFT_BLOCKS.note.action,
        multiline: true,
        max_length: COMMITMENT_LIMITS.note,
        ...(input.note ? { initial_value: input.note } : {}),
      },
      true,
    ),
  );
  return {
    type: "modal",
    callback_id: COMMITMENT_CALLBACK_ID,
    private_metadata: JSON.stringify(input.target),
    title: { type: "plain_text", text: adopting ? "Adopt an action" : "Change commitment" },
    submit: { type: "plain_text", text: adopting ? "Adopt" : "Save" },
    close: { type: "plain_text", text: "Cancel" },
    blocks,
  };
}

export function commitmentSavedModal(c: Commitment, adopted: boolean): ModalView {
  return noticeModal(adopted ? "Adopted" : "Saved", "Done", [
    section(`:handshake: *${escapeMrkdwn(c.title)}*\n${ownersLine(c)}\nDue ${dueDay(c.dueDate)}`),
    context(
      adopted
        ? "Both owners have been sent it by DM, with buttons to mark it done or change it."
        : "Both owners have been told of the change.",
    ),
  ]);
}

/** The buttons under a commitment that is not done. */
function commitmentButtons(c: Commitment): ActionsBlock {
  return {
    type: "actions",
    block_id: `commitment_${c.id}`,
    elements: [
      button("Mark done", DONE_ACTION_ID, String(c.id), "primary"),
      button("Change", CHANGE_ACTION_ID, String(c.id)),
    ],
  };
}

function commitmentSection(c: Commitment, today: string): KnownBlock {
  const status = statusOf(c, today);
  const flag =
    status === "overdue" ? " :warning: *overdue*" : status === "done" ? " :white_check_mark:" : "";
  const note = c.note ? `\n_${escapeMrkdwn(clip(c.note, 300))}_` : "";
  return section(
    `*${escapeMrkdwn(c.title)}*${flag}\n${ownersLine(c)} · due ${dueDay(c.dueDate)}${note}`,
  );
}

/** What an owner is sent when a leader adopts an action (or changes it) with them as owner. */
export function assignedMessage(c: Commitment, changed: boolean): MessageView {
  const lead = changed
    ? `:pencil2: A commitment you own was changed: *${escapeMrkdwn(c.title)}*`
    : `:handshake: You own a new joint commitment: *${escapeMrkdwn(c.title)}*`;
  return {
    text: `${changed ? "Commitment changed" : "New commitment"}: ${c.title} — due ${dueDay(c.dueDate)}`,
    blocks: [
      section(
        `${lead}\n${ownersLine(c)} · due ${dueDay(c.dueDate)}${c.note ? `\n_${escapeMrkdwn(clip(c.note, 300))}_` : ""}`,
      ),
      commitmentButtons(c),
      context(
        "Either owner or a survey leader can mark it done or change it. `/alignment actions` lists every commitment.",
      ),
    ],
  };
}

/** The follow-up an owner gets a week before the due day and on it. */
export function followUpMessage(c: Commitment, kind: FollowUp, today: string): MessageView {
  const when = followUpWhen(c.dueDate, kind, today);
  return {
    text: `Reminder: ${c.title} ${when}`,
    blocks: [
      section(`:alarm_clock: *${escapeMrkdwn(c.title)}* ${when}.\n${ownersLine(c)}`),
      commitmentButtons(c),
    ],
  };
}

/** "is due in a week (Thu 10 Dec 2026)", "is due today", "was due Sat 19 Dec 2026". */
export function followUpWhen(dueDate: string, kind: FollowUp, today: string): string {
  if (kind === "due-day") return today === dueDate ? "is due today" : `was due ${dueDay(dueDate)}`;
  const days = Math.round((Date.parse(dueDate) - Date.parse(today)) / 86_400_000);
  const inDays = days === 7 ? "in a week" : days === 1 ? "tomorrow" : `in ${days} days`;
  return `is due ${inDays} (${dueDay(dueDate)})`;
}

/** The message a pressed Mark done leaves in place of the buttons. */
export function doneMessage(c: Commitment): MessageView {
  return {
    text: `Done: ${c.title}`,
    blocks: [
      section(
        `:white_check_mark: *${escapeMrkdwn(c.title)}* — done, marked by <@${c.doneBy}>.\n${ownersLine(c)}`,
      ),
    ],
  };
}

/**
 * `/alignment actions`: open commitments (overdue first), those done since the last round, then
 * the last round's suggestions nobody adopted yet (with Adopt buttons for leaders).
 */
export function actionsBoard(input: {
  board: Board<Commitment>;
  today: string;
  suggestions: readonly JointAction[];
  roundId: number | undefined;
  isLeader: boolean;
  /** Why there are no suggestions (no round yet, or withheld), when there are none. */
  noSuggestions?: string;
}): MessageView {
  const { board, today } = input;
  const blocks: KnownBlock[] = [header("Joint commitments")];
  const text: string[] = ["Joint commitments"];
  const pending = [...board.overdue, ...board.open];
  if (pending.length === 0) {
    blocks.push(section("No open commitments."));
    text.push("No open commitments.");
  }
  for (const c of pending.slice(0, BOARD_LIMIT)) {
    blocks.push(commitmentSection(c, today), commitmentButtons(c));
    text.push(`${statusOf(c, today) === "overdue" ? "OVERDUE " : ""}${c.title} — due ${c.dueDate}`);
  }
  if (pending.length > BOARD_LIMIT)
    blocks.push(context(`…and ${pending.length - BOARD_LIMIT} more open commitments.`));
  if (board.doneSince.length > 0) {
    blocks.push(divider(), section("*Done since the last round*"));
    for (const c of board.doneSince.slice(0, 5)) blocks.push(commitmentSection(c, today));
    text.push(`Done since the last round: ${board.doneSince.map((c) => c.title).join("; ")}`);
  }
  blocks.push(divider(), section("*Suggested, not adopted yet*"));
  if (input.suggestions.length === 0) {
    const why = input.noSuggestions ?? "Every suggestion of the last round has been adopted.";
    blocks.push(context(why));
  }
  for (const action of input.suggestions.slice(0, 5)) {
    const line = section(
      `*${escapeMrkdwn(action.title)}*\n${escapeMrkdwn(action.detail)}\n_Why: ${escapeMrkdwn(action.reason)}_`,
    );
    if (input.isLeader && input.roundId !== undefined)
      line.accessory = button(
        "Adopt",
        ADOPT_ACTION_ID,
        JSON.stringify({ roundId: input.roundId, actionId: action.id }),
      );
    blocks.push(line);
    text.push(`Suggested: ${action.title}`);
  }
  if (input.suggestions.length > 0 && !input.isLeader)
    blocks.push(context("A survey leader can adopt a suggestion, naming an owner on each side."));
  return { text: text.join("\n"), blocks };
}

/** The digest's part on commitments: overdue and open ones, and those done since the last digest. */
export function digestCommitmentBlocks(
  board: Board<Commitment>,
  today: string,
): {
  blocks: KnownBlock[];
  text: string[];
} {
  const pending = [...board.overdue, ...board.open];
  if (pending.length === 0 && board.doneSince.length === 0) return { blocks: [], text: [] };
  const line = (c: Commitment) => {
    const status = statusOf(c, today);
    const flag = status === "overdue" ? " — *overdue*" : "";
    return `• ${escapeMrkdwn(clip(c.title, 120))} (<@${c.owners.sales}> & <@${c.owners.marketing}>, due ${dueDay(c.dueDate)})${flag}`;
  };
  const parts: string[] = [];
  if (pending.length > 0) {
    const shown = pending.slice(0, BOARD_LIMIT).map(line);
    if (pending.length > BOARD_LIMIT) shown.push(`…and ${pending.length - BOARD_LIMIT} more`);
    parts.push(`*Commitments in progress* (${board.overdue.length} overdue)\n${shown.join("\n")}`);
  }
  if (board.doneSince.length > 0)
    parts.push(
      `*Done since the last digest*\n${board.doneSince
        .slice(0, BOARD_LIMIT)
        .map((c) => `• ${escapeMrkdwn(clip(c.title, 120))} :white_check_mark:`)
        .join("\n")}`,
    );
  return {
    blocks: parts.map((p) => section(p)),
    text: [
      `Commitments: ${board.overdue.length} overdue, ${board.open.length} open, ${board.doneSince.length} done since the last digest`,
    ],
  };
}

/**
 * "Since the last round": each commitment done in between, when, and how the statements it
 * targeted moved for each side ("Common language: Sales 2.1 → 3.4, Marketing 2.4 → 3.6").
 */
export function sinceLastRoundBlocks(
  effects: readonly CommitmentEffect[] | undefined,
): KnownBlock[] {
  if (!effects || effects.length === 0) return [];
  const lines = effects.slice(0, 10).map((e) => {
    const done = dueDay(new Date(e.doneAt).toISOString().slice(0, 10));
    const moves = e.moves
      .map(
        (m) =>
          `${escapeMrkdwn(m.theme)}: Sales ${oneDecimal(m.sales.before)} → ${oneDecimal(m.sales.after)}, Marketing ${oneDecimal(m.marketing.before)} → ${oneDecimal(m.marketing.after)}`,
      )
      .join("; ");
    return `• *${escapeMrkdwn(clip(e.title, 120))}* — done ${done}${moves ? ` — ${moves}` : ""}`;
  });
  const withheld = effects.some((e) => e.moves.length === 0);
  return [
    section(`*Since the last round* (ratings on the 1–5 scale)\n${lines.join("\n")}`),
    ...(withheld
      ? [
          context(
            "Where no change is shown, the anonymity rules do not allow comparing the two rounds' sides.",
          ),
        ]
      : []),
  ];
}

/** How many in-hand or done commitments the advice names before "and N more". */
const ADVICE_NAMES = 4;

/**
 * Beside the suggested actions: what is already in hand (so not suggested again) and what was
 * done since the last round. Undefined when there is neither.
 */
export function adviceCommitmentsLine(advice: {
  inHand?: readonly CommitmentRef[];
  done?: readonly CommitmentRef[];
}): string | undefined {
  const names = (list: readonly CommitmentRef[], each: (c: CommitmentRef) => string) => {
    const shown = list.slice(0, ADVICE_NAMES).map(each);
    const more = list.length - shown.length;
    return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
  };
  const title = (c: CommitmentRef) => `*${escapeMrkdwn(clip(c.title, 80))}*`;
  const parts: string[] = [];
  if (advice.inHand?.length)
    parts.push(
      `Already in hand, so not suggested again: ${names(advice.inHand, (c) => `${title(c)} (due ${dueDay(c.dueDate)})`)}.`,
    );
  if (advice.done?.length) parts.push(`Done since the last round: ${names(advice.done, title)}.`);
  return parts.length > 0 ? `${parts.join(" ")} \`/alignment actions\` has the board.` : undefined;
}

/** Adopt pressed on a suggestion someone adopted already: one commitment per suggestion. */
export function alreadyAdoptedText(c: Pick<Commitment, "title" | "dueDate" | "doneAt">): string {
  const state = c.doneAt === undefined ? ` (due ${dueDay(c.dueDate)})` : " and done";
  return `That suggestion is already adopted as *${escapeMrkdwn(clip(c.title, 120))}*${state}. \`/alignment actions\` has the board.`;
}

/** Why a board lists no suggestions, when it is not that every one was adopted. */
export function noSuggestionsText(
  latest: unknown,
  advised: boolean,
  launch: string,
): string | undefined {
  if (!latest) return `No round has closed yet, so there are no suggestions. ${launch}`;
  if (!advised)
    return "Too few people answered the last round to suggest actions without exposing individual answers.";
  return undefined;
}
