import type { ActionsBlock, KnownBlock } from "@slack/types";
import { SIDES, type Side } from "../survey/types.js";
import { context, type MessageView, section, slackDate } from "./text.js";

export const CONFIRM_CLOSE_ACTION_ID = "close_round_confirm";
export const CANCEL_CLOSE_ACTION_ID = "close_round_cancel";

const LABEL: Record<Side, string> = { sales: "Sales", marketing: "Marketing" };

/** What closing now would withhold: said before the leader confirms. Pure. */
export function closeWarnings(counts: Record<Side, number>, minGroup: number): string[] {
  const total = counts.sales + counts.marketing;
  if (total === 0) return ["No one has answered yet: closing now ends the round with no results."];
  const short = SIDES.filter((side) => counts[side] < minGroup);
  if (short.length === 0) return [];
  if (short.length === 2)
    return [
      `Both sides have fewer than ${minGroup} answers: no side's figures can be shown${total >= minGroup ? ", and Everyone is shown as a total only" : ", nor Everyone's"}.`,
    ];
  const side = short[0] as Side;
  return [
    `${LABEL[side]} has ${counts[side]} answer${counts[side] === 1 ? "" : "s"}, fewer than ${minGroup}: its figures will be withheld, and Everyone is shown as a total only.`,
  ];
}

/** `/alignment close` asks first: where the round stands, what would be withheld, two buttons. */
export function closeConfirmation(input: {
  roundId: number;
  closesAt: number;
  counts: Record<Side, number>;
  minGroup: number;
}): MessageView {
  const { counts } = input;
  const warnings = closeWarnings(counts, input.minGroup);
  const standing = `Sales n=${counts.sales} · Marketing n=${counts.marketing}`;
  const actions: ActionsBlock = {
    type: "actions",
    block_id: "close_round",
    elements: [
      {
        type: "button",
        action_id: CONFIRM_CLOSE_ACTION_ID,
        text: { type: "plain_text", text: "Close the round now" },
        value: String(input.roundId),
        style: warnings.length > 0 ? "danger" : "primary",
      },
      {
        type: "button",
        action_id: CANCEL_CLOSE_ACTION_ID,
        text: { type: "plain_text", text: "Keep it open" },
        value: String(input.roundId),
      },
    ],
  };
  const blocks: KnownBlock[] = [
    section(
      `*Close the round now?* It would close by itself ${slackDate(input.closesAt)}.\nAnswers so far: ${standing}.`,
    ),
    ...warnings.map((w) => section(`:warning: ${w}`)),
    actions,
    context("Closing posts the results in both channels and sends each leader the full report."),
  ];
  return {
    text: `Close the round now? Answers so far: ${standing}.${warnings.map((w) => ` ${w}`).join("")}`,
    blocks,
  };
}
