import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateView } from "../../sandbox/block-kit.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import {
  blockHeight,
  LAPTOP,
  modalHeight,
  PHONE,
  wrappedLines,
} from "../../src/views/modal-height.js";
import { surveyModal } from "../../src/views/survey-modal.js";

/** The survey as it was before it was made shorter: five radio buttons per statement. */
const radioModal = JSON.parse(
  readFileSync(
    new URL("../fixtures/views/survey-modal-radio-2026-11.json", import.meta.url),
    "utf8",
  ),
);

const modal = (previous?: number[]) =>
  surveyModal({
    instrument: DEFAULT_INSTRUMENT,
    roundId: 1,
    closesAt: Date.UTC(2026, 10, 30, 9),
    minGroup: 5,
    sides: ["sales", "marketing"],
    side: "sales",
    previous,
  });

type Input = {
  type: string;
  block_id?: string;
  element: {
    type: string;
    options: { value: string; text: { text: string } }[];
    initial_option?: { value: string };
  };
};
const inputs = (view: { blocks: unknown[] }) =>
  (view.blocks as Input[]).filter(
    (b) => b.type === "input" && b.block_id?.startsWith("statement_"),
  );

describe("the survey modal", () => {
  it("keeps one input block per statement, its options valued 1…5, in one modal", () => {
    const view = modal();
    expect(inputs(view)).toHaveLength(20);
    for (const block of inputs(view)) {
      expect(block.element.type).toBe("static_select");
      expect(block.element.options.map((o) => o.value)).toEqual(["1", "2", "3", "4", "5"]);
    }
    expect(validateView(view)).toEqual([]);
  });

  it("fills in an earlier answer", () => {
    const view = modal(Array.from({ length: 20 }, (_, i) => (i % 5) + 1));
    expect(
      inputs(view)
        .map((b) => b.element.initial_option?.value)
        .slice(0, 6),
    ).toEqual(["1", "2", "3", "4", "5", "1"]);
  });

  it("is at most half as tall as the radio-button survey, on a laptop and on a phone", () => {
    const ratio = (device: typeof LAPTOP) =>
      modalHeight(modal(), device) / modalHeight(radioModal, device);
    // Modelled: 2,178 of 4,371 px on a laptop, 2,702 of 6,355 px on a phone.
    expect(modalHeight(radioModal, LAPTOP)).toBe(4371);
    expect(modalHeight(modal(), LAPTOP)).toBe(2178);
    expect(ratio(LAPTOP)).toBeLessThanOrEqual(0.5);
    expect(ratio(PHONE)).toBeLessThanOrEqual(0.43);
  });
});

describe("the modal height model", () => {
  it("wraps text by characters and counts line breaks", () => {
    expect(wrappedLines("a".repeat(76), 76)).toBe(1);
    expect(wrappedLines("a".repeat(77), 76)).toBe(2);
    expect(wrappedLines("one\ntwo", 76)).toBe(2);
  });

  it("counts a radio option as a row and a select as one box", () => {
    const options = Array.from({ length: 5 }, (_, i) => ({ value: String(i + 1) }));
    const label = { type: "plain_text", text: "short" };
    const radio = { type: "input", label, element: { type: "radio_buttons", options } };
    const select = { type: "input", label, element: { type: "static_select", options } };
    // label 22 + gap 4 + element + spacing 24
    expect(blockHeight(radio, LAPTOP)).toBe(22 + 4 + 5 * 28 + 24);
    expect(blockHeight(select, LAPTOP)).toBe(22 + 4 + 36 + 24);
    expect(blockHeight(radio, PHONE)).toBe(22 + 6 + 5 * 44 + 20);
  });
});
