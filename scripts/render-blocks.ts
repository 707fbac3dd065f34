/**
 * Renders Block Kit as terminal text, so the demo can show what a person would see in Slack.
 * Only what Truce's views use: header, section (text + fields), context, divider, actions, input.
 */
type Text = { type: string; text: string };
type Block = {
  type: string;
  text?: Text;
  fields?: Text[];
  elements?: Array<{ type: string; text?: Text | string }>;
  label?: Text;
};

let channelName: (id: string) => string | undefined = () => undefined;

const plain = (text: string) =>
  text
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, "$1")
    .replace(/<#(\w+)(\|[^>]*)?>/g, (_, id: string) => `#${channelName(id) ?? id}`)
    .replace(/<@(\w+)>/g, "@$1")
    .replace(/`([^`\n]+)`/g, "$1")
    .replace(/\*([^*\n]+)\*/g, "\x1b[1m$1\x1b[22m")
    .replace(/(^|[\s(])_([^_\n]+)_/g, "$1\x1b[3m$2\x1b[23m")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

export function renderBlocks(
  blocks: readonly Block[],
  indent = "  ",
  channels: (id: string) => string | undefined = () => undefined,
): string {
  channelName = channels;
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case "header":
        lines.push(`\x1b[1m${plain(block.text?.text ?? "")}\x1b[0m`);
        break;
      case "section":
        if (block.text) lines.push(plain(block.text.text));
        for (const field of block.fields ?? []) lines.push(plain(field.text));
        break;
      case "context":
        lines.push(
          `\x1b[2m${(block.elements ?? []).map((e) => plain(typeof e.text === "string" ? e.text : (e.text?.text ?? ""))).join("  ")}\x1b[0m`,
        );
        break;
      case "divider":
        lines.push("─".repeat(60));
        break;
      case "actions":
        lines.push(
          (block.elements ?? [])
            .map((e) => `[ ${typeof e.text === "string" ? e.text : e.text?.text} ]`)
            .join(" "),
        );
        break;
      case "input":
        lines.push(`▸ ${block.label?.text ?? ""}`);
        break;
      default:
        lines.push(`(${block.type})`);
    }
  }
  return lines
    .join("\n")
    .split("\n")
    .map((line) => indent + line)
    .join("\n");
}
