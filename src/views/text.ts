import type {
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  ModalView,
  SectionBlock,
} from "@slack/types";

/** Small Block Kit helpers shared by every view. The limits are Slack's own: longer text is rejected. */

export const LIMITS = {
  headerText: 150,
  sectionText: 3000,
  buttonText: 75,
  optionText: 75,
  modalTitle: 24,
} as const;

/** Cut text to a limit, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escape the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const header = (text: string): HeaderBlock => ({
  type: "header",
  text: { type: "plain_text", text: clip(text, LIMITS.headerText), emoji: true },
});

export const section = (markdown: string, blockId?: string): SectionBlock => ({
  type: "section",
  ...(blockId ? { block_id: blockId } : {}),
  text: { type: "mrkdwn", text: clip(markdown, LIMITS.sectionText) },
});

export const context = (...markdown: string[]): ContextBlock => ({
  type: "context",
  elements: markdown
    .filter((text) => text.trim() !== "")
    .slice(0, 10)
    .map((text) => ({ type: "mrkdwn", text: clip(text, 3000) })),
});

export const divider = (): KnownBlock => ({ type: "divider" });

/**
 * A date people read in their own time zone: Slack renders `<!date^…>` per viewer, and the
 * fallback (shown by clients that cannot) is the UTC date.
 */
export function slackDate(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const fallback = `${new Date(epochMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

/** Plain-text date for message fallbacks and notifications. */
export function plainDate(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A message: blocks plus the plain-text fallback every message must carry. */
export interface MessageView {
  text: string;
  blocks: KnownBlock[];
}

/** A modal that only tells something: a title, a close button and its blocks (no submit). */
export function noticeModal(title: string, closeText: string, blocks: KnownBlock[]): ModalView {
  return {
    type: "modal",
    title: { type: "plain_text", text: clip(title, LIMITS.modalTitle) },
    close: { type: "plain_text", text: clip(closeText, LIMITS.modalTitle) },
    blocks,
  };
}

/** A button carrying `value`, its label within Slack's limit. */
export const button = (
  text: string,
  actionId: string,
  value: string,
  style?: "primary" | "danger",
): Button => ({
  type: "button",
  text: { type: "plain_text", text: clip(text, LIMITS.buttonText) },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});
