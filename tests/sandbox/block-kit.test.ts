import { describe, expect, it } from "vitest";
import {
  BLOCK_KIT_LIMITS,
  findElements,
  validateMessageBlocks,
  validateView,
  viewByteSize,
} from "../../sandbox/block-kit.js";

type Obj = Record<string, unknown>;

const x = (n: number): string => "x".repeat(n);
const plain = (text: string): Obj => ({ type: "plain_text", text });
const mrkdwn = (text: string): Obj => ({ type: "mrkdwn", text });
const section = (text = "hi"): Obj => ({ type: "section", text: mrkdwn(text) });
const option = (text: string, value: string): Obj => ({ text: plain(text), value });
const options = (n: number): Obj[] => Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`));
const button = (extra: Obj = {}): Obj => ({
  type: "button",
  action_id: "b",
  text: plain("Go"),
  ...extra,
});
const actions = (...elements: Obj[]): Obj => ({ type: "actions", elements });
const input = (element: Obj, extra: Obj = {}): Obj => ({
  type: "input",
  block_id: "in",
  label: plain("Question"),
  element,
  ...extra,
});
const modal = (extra: Obj = {}): Obj => ({
  type: "modal",
  title: plain("Survey"),
  submit: plain("Send"),
  close: plain("Cancel"),
  blocks: [section()],
  ...extra,
});
const radio = (extra: Obj = {}): Obj => ({
  type: "radio_buttons",
  action_id: "r",
  options: options(5),
  ...extra,
});

/** Validate one element placed in an actions block of a message. */
const inActions = (el: Obj): string[] => validateMessageBlocks([actions(el)]);

describe("validateMessageBlocks: blocks per message", () => {
  it("accepts 50 blocks and rejects 51", () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(validateMessageBlocks(blocks(50))).toEqual([]);
    expect(validateMessageBlocks(blocks(51))).toEqual([
      "no more than 50 items allowed [json-pointer:/blocks]",
    ]);
  });

  it("rejects blocks that are not an array", () => {
    expect(validateMessageBlocks({ type: "divider" })).toEqual([
      "must provide an array [json-pointer:/blocks]",
    ]);
  });

  it("rejects unknown block types", () => {
    expect(validateMessageBlocks([{ type: "banner" }])).toEqual([
      "unsupported type: banner [json-pointer:/blocks/0/type]",
    ]);
  });

  it("rejects properties Slack does not know (e.g. block_id on an element)", () => {
    expect(inActions(button({ block_id: "oops" }))).toEqual([
      "invalid additional property: block_id [json-pointer:/blocks/0/elements/0]",
    ]);
  });

  it("rejects input blocks in messages", () => {
    const errors = validateMessageBlocks([input({ type: "plain_text_input", action_id: "t" })]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^unsupported type: input .*\[json-pointer:\/blocks\/0\/type\]$/);
  });
});

describe("ids", () => {
  it("block_id: 255 ok, 256 too long, empty rejected", () => {
    expect(validateMessageBlocks([{ type: "divider", block_id: x(255) }])).toEqual([]);
    expect(validateMessageBlocks([{ type: "divider", block_id: x(256) }])).toEqual([
      "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ]);
    expect(validateMessageBlocks([{ type: "divider", block_id: "" }])).toEqual([
      "must be more than 0 characters [json-pointer:/blocks/0/block_id]",
    ]);
  });

  it("block_ids must be unique within a message", () => {
    expect(
      validateMessageBlocks([
        { type: "divider", block_id: "a" },
        { type: "divider", block_id: "a" },
      ]),
    ).toEqual([
      'duplicate block_id "a": block_id must be unique [json-pointer:/blocks/1/block_id]',
    ]);
  });

  it("block_ids must be unique within a view", () => {
    const errors = validateView(
      modal({
        blocks: [
          { ...section(), block_id: "q1" },
          { ...section(), block_id: "q1" },
        ],
      }),
    );
    expect(errors).toEqual([
      'duplicate block_id "q1": block_id must be unique [json-pointer:/view/blocks/1/block_id]',
    ]);
  });

  it("action_id: 255 ok, 256 too long", () => {
    expect(inActions(button({ action_id: x(255) }))).toEqual([]);
    expect(inActions(button({ action_id: x(256) }))).toEqual([
      "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ]);
  });

  it("action_ids must be unique within a block, but may repeat across blocks", () => {
    expect(
      validateMessageBlocks([actions(button({ action_id: "a" }), button({ action_id: "a" }))]),
    ).toEqual([
      'duplicate action_id "a": action_id must be unique within a block [json-pointer:/blocks/0/elements/1/action_id]',
    ]);
    expect(
      validateMessageBlocks([
        actions(button({ action_id: "a" })),
        actions(button({ action_id: "a" })),
      ]),
    ).toEqual([]);
  });

  it("callback_id: 255 ok, 256 too long", () => {
    expect(validateView(modal({ callback_id: x(255) }))).toEqual([]);
    expect(validateView(modal({ callback_id: x(256) }))).toEqual([
      "must be less than 256 characters [json-pointer:/view/callback_id]",
    ]);
  });
});

describe("section, header, context, actions", () => {
  it("section text: 3000 ok, 3001 too long, empty rejected", () => {
    expect(validateMessageBlocks([section(x(3000))])).toEqual([]);
    expect(validateMessageBlocks([section(x(3001))])).toEqual([
      "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]);
    expect(validateMessageBlocks([section("")])).toEqual([
      "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
    ]);
  });

  it("section needs text or fields", () => {
    expect(validateMessageBlocks([{ type: "section" }])).toEqual([
      "must define either `text` or `fields` [json-pointer:/blocks/0]",
    ]);
  });

  it("section fields: 10 ok, 11 rejected; each field 2000 ok, 2001 too long", () => {
    const fields = (n: number, len = 5) => Array.from({ length: n }, () => mrkdwn(x(len)));
    expect(validateMessageBlocks([{ type: "section", fields: fields(10) }])).toEqual([]);
    expect(validateMessageBlocks([{ type: "section", fields: fields(11) }])).toEqual([
      "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ]);
    expect(validateMessageBlocks([{ type: "section", fields: fields(1, 2000) }])).toEqual([]);
    expect(validateMessageBlocks([{ type: "section", fields: fields(1, 2001) }])).toEqual([
      "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ]);
  });

  it("text objects must be plain_text or mrkdwn", () => {
    expect(
      validateMessageBlocks([{ type: "section", text: { type: "markdown", text: "a" } }]),
    ).toEqual(["must be one of: plain_text, mrkdwn [json-pointer:/blocks/0/text/type]"]);
  });

  it("header: 150 ok, 151 too long, mrkdwn rejected", () => {
    expect(validateMessageBlocks([{ type: "header", text: plain(x(150)) }])).toEqual([]);
    expect(validateMessageBlocks([{ type: "header", text: plain(x(151)) }])).toEqual([
      "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ]);
    expect(validateMessageBlocks([{ type: "header", text: mrkdwn("*Report*") }])).toEqual([
      "must be plain_text (mrkdwn is not allowed here) [json-pointer:/blocks/0/text/type]",
    ]);
  });

  it("context: 10 elements ok, 11 rejected; only text objects and images", () => {
    const ctx = (n: number) => ({
      type: "context",
      elements: Array.from({ length: n }, () => mrkdwn("a")),
    });
    expect(validateMessageBlocks([ctx(10)])).toEqual([]);
    expect(validateMessageBlocks([ctx(11)])).toEqual([
      "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ]);
    expect(validateMessageBlocks([{ type: "context", elements: [button()] }])).toEqual([
      "unsupported type: button (not allowed in context elements) [json-pointer:/blocks/0/elements/0/type]",
    ]);
  });

  it("actions: 25 elements ok, 26 rejected", () => {
    const els = (n: number) => Array.from({ length: n }, (_, i) => button({ action_id: `b${i}` }));
    expect(validateMessageBlocks([actions(...els(25))])).toEqual([]);
    expect(validateMessageBlocks([actions(...els(26))])).toEqual([
      "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ]);
  });

  it("rejects unknown element types and elements in the wrong place", () => {
    expect(inActions({ type: "slider", action_id: "s" })).toEqual([
      "unsupported type: slider [json-pointer:/blocks/0/elements/0/type]",
    ]);
    expect(
      validateMessageBlocks([
        { ...section(), accessory: { type: "plain_text_input", action_id: "t" } },
      ]),
    ).toEqual([
      "unsupported type: plain_text_input (not allowed in accessory elements) [json-pointer:/blocks/0/accessory/type]",
    ]);
  });
});

describe("buttons and confirm dialogs", () => {
  it("button text: 75 ok, 76 too long, mrkdwn rejected", () => {
    expect(inActions(button({ text: plain(x(75)) }))).toEqual([]);
    expect(inActions(button({ text: plain(x(76)) }))).toEqual([
      "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ]);
    expect(inActions(button({ text: mrkdwn("*Go*") }))).toEqual([
      "must be plain_text (mrkdwn is not allowed here) [json-pointer:/blocks/0/elements/0/text/type]",
    ]);
  });

  it("button value: 2000 ok, 2001 too long", () => {
    expect(inActions(button({ value: x(2000) }))).toEqual([]);
    expect(inActions(button({ value: x(2001) }))).toEqual([
      "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ]);
  });

  it("button style must be primary or danger", () => {
    expect(inActions(button({ style: "secondary" }))).toEqual([
      "must be one of: primary, danger [json-pointer:/blocks/0/elements/0/style]",
    ]);
  });

  it("confirm dialog: title 100, text 300, confirm/deny 30", () => {
    const confirm = (t: number, body: number, c: number, d: number) =>
      button({
        confirm: {
          title: plain(x(t)),
          text: plain(x(body)),
          confirm: plain(x(c)),
          deny: plain(x(d)),
        },
      });
    const p = "/blocks/0/elements/0/confirm";
    expect(inActions(confirm(100, 300, 30, 30))).toEqual([]);
    expect(inActions(confirm(101, 300, 30, 30))).toEqual([
      `must be less than 101 characters [json-pointer:${p}/title/text]`,
    ]);
    expect(inActions(confirm(100, 301, 30, 30))).toEqual([
      `must be less than 301 characters [json-pointer:${p}/text/text]`,
    ]);
    expect(inActions(confirm(100, 300, 31, 31))).toEqual([
      `must be less than 31 characters [json-pointer:${p}/confirm/text]`,
      `must be less than 31 characters [json-pointer:${p}/deny/text]`,
    ]);
  });
});

describe("options: radio buttons, checkboxes, selects, overflow", () => {
  const p = "/blocks/0/elements/0";

  it("option text: 75 ok, 76 too long", () => {
    expect(inActions(radio({ options: [option(x(75), "1")] }))).toEqual([]);
    expect(inActions(radio({ options: [option(x(76), "1")] }))).toEqual([
      `must be less than 76 characters [json-pointer:${p}/options/0/text/text]`,
    ]);
  });

  it("option value: 75 ok, 76 too long", () => {
    expect(inActions(radio({ options: [option("a", x(75))] }))).toEqual([]);
    expect(inActions(radio({ options: [option("a", x(76))] }))).toEqual([
      `must be less than 76 characters [json-pointer:${p}/options/0/value]`,
    ]);
  });

  it("option description: 75 ok, 76 too long", () => {
    const withDesc = (n: number) => ({ ...option("a", "1"), description: plain(x(n)) });
    expect(inActions(radio({ options: [withDesc(75)] }))).toEqual([]);
    expect(inActions(radio({ options: [withDesc(76)] }))).toEqual([
      `must be less than 76 characters [json-pointer:${p}/options/0/description/text]`,
    ]);
  });

  it("radio buttons: 10 options ok, 11 rejected", () => {
    expect(inActions(radio({ options: options(10) }))).toEqual([]);
    expect(inActions(radio({ options: options(11) }))).toEqual([
      `no more than 10 items allowed [json-pointer:${p}/options]`,
    ]);
  });

  it("checkboxes: 10 options ok, 11 rejected", () => {
    const cb = (n: number) => ({ type: "checkboxes", action_id: "c", options: options(n) });
    expect(inActions(cb(10))).toEqual([]);
    expect(inActions(cb(11))).toEqual([
      `no more than 10 items allowed [json-pointer:${p}/options]`,
    ]);
  });

  it("static select: 100 options ok, 101 rejected", () => {
    const sel = (n: number) => ({ type: "static_select", action_id: "s", options: options(n) });
    expect(inActions(sel(100))).toEqual([]);
    expect(inActions(sel(101))).toEqual([
      `no more than 100 items allowed [json-pointer:${p}/options]`,
    ]);
  });

  it("select option text must be plain_text; radio/checkbox option text may be mrkdwn", () => {
    const mdOption = { text: mrkdwn("*a*"), value: "1" };
    expect(inActions({ type: "static_select", action_id: "s", options: [mdOption] })).toEqual([
      `must be plain_text (mrkdwn is not allowed here) [json-pointer:${p}/options/0/text/type]`,
    ]);
    expect(inActions(radio({ options: [mdOption] }))).toEqual([]);
  });

  it("initial_option must be one of the options", () => {
    const opts = options(3);
    expect(inActions(radio({ options: opts, initial_option: option("o1", "v1") }))).toEqual([]);
    expect(inActions(radio({ options: opts, initial_option: option("o1", "v9") }))).toEqual([
      `initial_option must match one of the provided options [json-pointer:${p}/initial_option]`,
    ]);
    expect(inActions(radio({ options: opts, initial_option: option("other text", "v1") }))).toEqual(
      [`initial_option must match one of the provided options [json-pointer:${p}/initial_option]`],
    );
    const sel = {
      type: "static_select",
      action_id: "s",
      options: opts,
      initial_option: option("o2", "v2"),
    };
    expect(inActions(sel)).toEqual([]);
    expect(inActions({ ...sel, initial_option: option("o2", "nope") })).toEqual([
      `initial_option must match one of the provided options [json-pointer:${p}/initial_option]`,
    ]);
  });

  it("initial_options must each be one of the options", () => {
    const cb = {
      type: "checkboxes",
      action_id: "c",
      options: options(3),
      initial_options: [option("o0", "v0")],
    };
    expect(inActions(cb)).toEqual([]);
    expect(inActions({ ...cb, initial_options: [option("o0", "v0"), option("zz", "v7")] })).toEqual(
      [
        `initial_options must each match one of the provided options [json-pointer:${p}/initial_options/1]`,
      ],
    );
  });

  it("overflow: 2..5 options", () => {
    const ov = (n: number) => ({ type: "overflow", action_id: "o", options: options(n) });
    expect(inActions(ov(1))).toEqual([`must provide at least 2 items [json-pointer:${p}/options]`]);
    expect(inActions(ov(2))).toEqual([]);
    expect(inActions(ov(5))).toEqual([]);
    expect(inActions(ov(6))).toEqual([`no more than 5 items allowed [json-pointer:${p}/options]`]);
  });
});

describe("validateView", () => {
  it("accepts a typical survey modal", () => {
    const view = modal({
      callback_id: "survey",
      private_metadata: JSON.stringify({ round: 1 }),
      blocks: [
        { type: "header", text: plain("Alignment survey") },
        input(radio({ options: options(5) }), { block_id: "q1" }),
        input(
          {
            type: "static_select",
            action_id: "side",
            options: [option("Sales", "sales"), option("Marketing", "marketing")],
          },
          { block_id: "side" },
        ),
      ],
    });
    expect(validateView(view)).toEqual([]);
  });

  it("blocks in a modal: 100 ok, 101 rejected; same for the Home tab", () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(validateView(modal({ blocks: blocks(100) }))).toEqual([]);
    expect(validateView(modal({ blocks: blocks(101) }))).toEqual([
      "no more than 100 items allowed [json-pointer:/view/blocks]",
    ]);
    expect(validateView({ type: "home", blocks: blocks(100) })).toEqual([]);
    expect(validateView({ type: "home", blocks: blocks(101) })).toEqual([
      "no more than 100 items allowed [json-pointer:/view/blocks]",
    ]);
  });

  it("modal title, submit, close: 24 ok, 25 too long", () => {
    expect(
      validateView(modal({ title: plain(x(24)), submit: plain(x(24)), close: plain(x(24)) })),
    ).toEqual([]);
    expect(validateView(modal({ title: plain(x(25)) }))).toEqual([
      "must be less than 25 characters [json-pointer:/view/title/text]",
    ]);
    expect(validateView(modal({ submit: plain(x(25)) }))).toEqual([
      "must be less than 25 characters [json-pointer:/view/submit/text]",
    ]);
    expect(validateView(modal({ close: plain(x(25)) }))).toEqual([
      "must be less than 25 characters [json-pointer:/view/close/text]",
    ]);
  });

  it("modal title is required and plain_text only", () => {
    const { title: _omit, ...noTitle } = modal();
    expect(validateView(noTitle)).toEqual(["missing required field: title [json-pointer:/view]"]);
    expect(validateView(modal({ title: mrkdwn("Survey") }))).toEqual([
      "must be plain_text (mrkdwn is not allowed here) [json-pointer:/view/title/type]",
    ]);
  });

  it("submit is required when the modal has input blocks", () => {
    const { submit: _omit, ...noSubmit } = modal();
    expect(validateView(noSubmit)).toEqual([]);
    expect(
      validateView({ ...noSubmit, blocks: [input({ type: "plain_text_input", action_id: "t" })] }),
    ).toEqual([
      "missing required field: submit (required when the view has input blocks) [json-pointer:/view]",
    ]);
  });

  it("private_metadata: 3000 ok, 3001 too long", () => {
    expect(validateView(modal({ private_metadata: x(3000) }))).toEqual([]);
    expect(validateView(modal({ private_metadata: x(3001) }))).toEqual([
      "must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ]);
  });

  it("input label and hint: 2000 ok, 2001 too long; placeholder 150 ok, 151 too long", () => {
    const el = (ph: number) => ({
      type: "plain_text_input",
      action_id: "t",
      placeholder: plain(x(ph)),
    });
    const v = (label: number, hint: number, ph: number) =>
      validateView(
        modal({ blocks: [input(el(ph), { label: plain(x(label)), hint: plain(x(hint)) })] }),
      );
    expect(v(2000, 2000, 150)).toEqual([]);
    expect(v(2001, 2000, 150)).toEqual([
      "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]",
    ]);
    expect(v(2000, 2001, 150)).toEqual([
      "must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]",
    ]);
    expect(v(2000, 2000, 151)).toEqual([
      "must be less than 151 characters [json-pointer:/view/blocks/0/element/placeholder/text]",
    ]);
  });

  it("labels and placeholders are plain_text only", () => {
    const errors = validateView(
      modal({
        blocks: [
          input(
            { type: "plain_text_input", action_id: "t", placeholder: mrkdwn("type") },
            { label: mrkdwn("*Q*") },
          ),
        ],
      }),
    );
    expect(errors).toEqual([
      "must be plain_text (mrkdwn is not allowed here) [json-pointer:/view/blocks/0/label/type]",
      "must be plain_text (mrkdwn is not allowed here) [json-pointer:/view/blocks/0/element/placeholder/type]",
    ]);
  });

  it("input blocks are allowed in the Home tab", () => {
    expect(validateView({ type: "home", blocks: [input(radio())] })).toEqual([]);
  });

  it("home views take no title/submit/close", () => {
    expect(validateView({ type: "home", title: plain("Home"), blocks: [] })).toEqual([
      "invalid additional property: title [json-pointer:/view]",
    ]);
  });

  it("rejects unknown view types", () => {
    expect(validateView({ type: "dialog", blocks: [] })).toEqual([
      "must be one of: modal, home [json-pointer:/view/type]",
    ]);
  });

  it("view JSON over 250 kB is rejected", () => {
    // 100 sections of 2500 chars ≈ 256 kB of JSON.
    const big = modal({ blocks: Array.from({ length: 100 }, () => section(x(2500))) });
    expect(viewByteSize(big)).toBeGreaterThan(BLOCK_KIT_LIMITS.viewBytes);
    const errors = validateView(big);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^view is too large: \d+ bytes \(at most 250000\) \[json-pointer:\/view\]$/,
    );
    const fits = modal({ blocks: Array.from({ length: 90 }, () => section(x(2500))) });
    expect(viewByteSize(fits)).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.viewBytes);
    expect(validateView(fits)).toEqual([]);
  });
});

describe("findElements", () => {
  it("lists accessories, actions elements and input elements with their block ids", () => {
    const found = findElements([
      { ...section(), block_id: "s", accessory: button({ action_id: "acc" }) },
      {
        type: "actions",
        block_id: "a",
        elements: [button({ action_id: "b1" }), button({ action_id: "b2" })],
      },
      input(radio(), { block_id: "i" }),
    ]);
    expect(found.map((f) => `${f.blockId}/${f.actionId}/${f.type}`)).toEqual([
      "s/acc/button",
      "a/b1/button",
      "a/b2/button",
      "i/r/radio_buttons",
    ]);
  });
});
