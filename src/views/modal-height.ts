/**
 * A simple model of how tall Slack draws a modal, to compare two layouts of the same content
 * (not to predict pixels). Text wraps by characters per line; each block adds its own spacing;
 * every option of a radio group is one row, a select is one box (its options open in a menu,
 * outside the modal's height). The figures are typical of Slack's clients: on a laptop a modal
 * is 600 px wide with 24 px padding (552 px of text at about 7.2 px a character: 76 characters a
 * line), on a phone 375 px wide with 16 px padding (343 px: 47 characters); body text has 22 px
 * lines, context text 18 px lines of smaller type; a radio option is a 28 px row on a laptop and
 * a 44 px touch target on a phone, and a select box is 36 px and 44 px.
 */

export interface Device {
  name: string;
  /** Characters of body text on one line. */
  charsPerLine: number;
  /** Characters of context (small) text on one line. */
  contextCharsPerLine: number;
  lineHeight: number;
  contextLineHeight: number;
  /** Between one block and the next. */
  blockSpacing: number;
  /** Between an input's label and its element. */
  labelGap: number;
  radioRow: number;
  selectBox: number;
  divider: number;
}

export const LAPTOP: Device = {
  name: "laptop",
  charsPerLine: 76,
  contextCharsPerLine: 88,
  lineHeight: 22,
  contextLineHeight: 18,
  blockSpacing: 24,
  labelGap: 4,
  radioRow: 28,
  selectBox: 36,
  divider: 1,
};

export const PHONE: Device = {
  name: "phone",
  charsPerLine: 47,
  contextCharsPerLine: 55,
  lineHeight: 22,
  contextLineHeight: 18,
  blockSpacing: 20,
  labelGap: 6,
  radioRow: 44,
  selectBox: 44,
  divider: 1,
};

/** Lines a text takes, wrapping at `perLine` characters (each explicit line break starts one). */
export function wrappedLines(text: string, perLine: number): number {
  return text
    .split("\n")
    .reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / perLine)), 0);
}

type Obj = Record<string, unknown>;
const textOf = (value: unknown): string =>
  typeof value === "object" && value !== null && typeof (value as Obj).text === "string"
    ? ((value as Obj).text as string)
    : "";

function elementHeight(element: Obj, device: Device): number {
  const options = Array.isArray(element.options) ? element.options : [];
  switch (element.type) {
    case "radio_buttons":
    case "checkboxes":
      return options.length * device.radioRow;
    default:
      return device.selectBox;
  }
}

/** The modelled height of one block, its spacing below included. */
export function blockHeight(block: Obj, device: Device): number {
  const body = (text: string) => wrappedLines(text, device.charsPerLine) * device.lineHeight;
  switch (block.type) {
    case "input": {
      const label = body(textOf(block.label));
      const hint = block.hint
        ? wrappedLines(textOf(block.hint), device.contextCharsPerLine) * device.contextLineHeight
        : 0;
      const element = elementHeight((block.element ?? {}) as Obj, device);
      return label + device.labelGap + element + hint + device.blockSpacing;
    }
    case "section":
      return body(textOf(block.text)) + device.blockSpacing;
    case "header":
      return body(textOf(block.text)) + device.blockSpacing;
    case "context": {
      const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
      const text = elements.map(textOf).join(" ");
      return (
        wrappedLines(text, device.contextCharsPerLine) * device.contextLineHeight +
        device.blockSpacing
      );
    }
    case "divider":
      return device.divider + device.blockSpacing;
    default:
      return device.lineHeight + device.blockSpacing;
  }
}

/** The modelled height of a modal's blocks (its title bar and buttons are the same for any layout). */
export function modalHeight(view: { blocks?: unknown }, device: Device): number {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Obj[]) : [];
  return blocks.reduce((sum, block) => sum + blockHeight(block, device), 0);
}
