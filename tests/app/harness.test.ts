import { describe, expect, it } from "vitest";
import { readableText } from "./harness.js";

describe("readableText", () => {
  it("reads what people read, never a timestamp or id that happens to contain a figure", () => {
    const message = {
      ts: "1795424480.012345",
      text: "Everyone n=7 · 65.7 · Aligned",
      blocks: [
        { type: "section", block_id: "b30.0", text: { type: "mrkdwn", text: "Hello" } },
        {
          type: "actions",
          elements: [{ type: "button", value: "80.0", text: { type: "plain_text", text: "Go" } }],
        },
      ],
    };
    expect(readableText([message], { view: { hash: "1.80.0", title: { text: "Title" } } })).toBe(
      "Everyone n=7 · 65.7 · Aligned\nHello\nGo\nTitle",
    );
  });
});
