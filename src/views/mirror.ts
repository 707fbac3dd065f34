import type { KnownBlock } from "@slack/types";
import type { Mirror } from "../survey/report.js";
import { oneDecimal } from "../survey/scoring.js";
import { GROUP_LABELS, GROUPS } from "../survey/types.js";
import { scoreLine } from "./figures.js";
import { context, escapeMrkdwn, header, type MessageView, section } from "./text.js";

/**
 * `/alignment me`: a person's own ratings beside the visible groups' means. Only they see it.
 * When per-statement figures are withheld the rows carry no means, so only their own ratings and
 * the visible groups' totals are shown.
 */
export function mirrorMessage(mirror: Mirror | undefined, reason?: string): MessageView {
  if (!mirror) {
    const text = reason ?? "You have no answers in the latest closed round.";
    return { text, blocks: [section(text)] };
  }
  const shown = GROUPS.filter((g) => mirror.rows.some((r) => r.means[g] !== undefined));
  const head = `you${shown.map((g) => ` / ${GROUP_LABELS[g]}`).join("")}`;
  const rows = mirror.rows.map((row) => {
    const means = shown.map((g) => ` / ${oneDecimal(row.means[g] as number)}`).join("");
    return `${row.number}. ${escapeMrkdwn(row.theme)} — *${row.own}*${means}`;
  });
  const blocks: KnownBlock[] = [
    header("Your answers beside the teams'"),
    section(
      `Your total: *${mirror.ownTotal}* (${mirror.ownLevel}). Only you can see this message.`,
    ),
  ];
  if (mirror.groups.length > 0) blocks.push(section(mirror.groups.map(scoreLine).join("\n")));
  blocks.push(section(`*Statement — ${head}*\n${rows.join("\n")}`));
  if (mirror.notes.length > 0) blocks.push(context(...mirror.notes));
  return {
    text: `Your total in the latest closed round: ${mirror.ownTotal} (${mirror.ownLevel}).`,
    blocks,
  };
}
