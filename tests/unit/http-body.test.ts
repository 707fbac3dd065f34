import { parse as parseQuery } from "node:querystring";
import { HTTPModuleFunctions } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../scripts/seeded-random.js";
import { formOf, MAX_JSON_DEPTH, nestsDeeperThan, parseSlackBody } from "../../src/http/body.js";

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
const parse = (text: string | Buffer, type: string | undefined) =>
  parseSlackBody(typeof text === "string" ? Buffer.from(text) : text, type);

/** What Bolt itself makes of the same bytes (the gate hands it the canonical content type). */
function boltParse(text: string, type: string): unknown {
  const req = { rawBody: Buffer.from(text), headers: { "content-type": type } };
  return HTTPModuleFunctions.parseHTTPRequestBody(
    req as unknown as Parameters<typeof HTTPModuleFunctions.parseHTTPRequestBody>[0],
  );
}

describe("parseSlackBody", () => {
  it.each([
    ["a command form", "command=%2Falignment&text=launch+7&user_id=U0S0001", FORM],
    [
      "an interaction form",
      `payload=${encodeURIComponent('{"type":"block_actions","a":[1]}')}`,
      FORM,
    ],
    ["an event", '{"type":"event_callback","event":{"type":"app_uninstalled"}}', JSON_TYPE],
    ["an empty form", "", FORM],
  ])("reads %s exactly as Bolt does", (_name, text, type) => {
    const parsed = parse(text, type);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.body).toEqual({ ...(boltParse(text, type) as object) });
  });

  it("ignores content-type parameters and case, and says which parser it used", () => {
    expect(parse("{}", "Application/JSON; charset=utf-8")).toEqual({
      ok: true,
      body: {},
      mediaType: JSON_TYPE,
    });
    expect(parse("a=1", `${FORM};charset=UTF-8`)).toMatchObject({ ok: true, mediaType: FORM });
  });

  it.each([
    ["no content type", "{}", undefined, 415],
    ["text/plain", "{}", "text/plain", 415],
    ["multipart", "{}", "multipart/form-data; boundary=x", 415],
    ["invalid JSON", '{"type":', JSON_TYPE, 400],
    ["an empty JSON body", "", JSON_TYPE, 400],
    ["a payload that is not JSON", "payload=%7Bnope", FORM, 400],
    ["an empty payload", "payload=", FORM, 400],
    ["a payload given twice", "payload=%7B%7D&payload=%7B%7D", FORM, 400],
    ["a broken percent escape", "command=%2Falignment&text=100%", FORM, 400],
    ["a percent escape that is not hex", "text=%ZZ", FORM, 400],
    ["a percent escape that is not UTF-8", "text=%C3%28", FORM, 400],
    ["too many fields", Array.from({ length: 101 }, (_, i) => `f${i}=1`).join("&"), FORM, 400],
  ])("refuses %s", (_name, text, type, status) => {
    expect(parse(text, type)).toMatchObject({ ok: false, status });
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(parse(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), JSON_TYPE)).toMatchObject({
      ok: false,
      status: 400,
      problem: "body is not UTF-8",
    });
  });

  it("refuses deep nesting before parsing it, in a body or a payload", () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    expect(parse(deep, JSON_TYPE)).toMatchObject({ ok: false, status: 400 });
    expect(parse(`payload=${encodeURIComponent(deep)}`, FORM)).toMatchObject({
      ok: false,
      status: 400,
    });
    const fine = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(parse(fine, JSON_TYPE).ok).toBe(true);
  });
});

describe("nestsDeeperThan", () => {
  it("counts brackets outside strings only", () => {
    expect(nestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${"[".repeat(100)}"}`, 3)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\"${"{".repeat(100)}"}`, 3)).toBe(false);
  });
});

describe("parseSlackBody on forms with bad escapes", () => {
  it.each([
    ["an escape without two hex digits", "command=%2Falignment&text=50%zz"],
    ["a lone percent sign at the end", "command=%2Falignment&text=50%"],
    ["escapes that are not UTF-8", "command=%2Falignment&text=%E2%28%A1"],
    ["a bad escape in the payload", "payload=%7B%22type%22%3A%22x%ZZ%7D"],
  ])("refuses %s", (_, text) => {
    expect(parse(text, FORM)).toEqual({
      ok: false,
      status: 400,
      problem: "form is not well-formed",
    });
  });

  it("decodes every field once, pluses and escapes alike", () => {
    expect(parse("command=%2Falignment&text=launch+7%20days&user_id=U0S0001", FORM)).toEqual({
      ok: true,
      mediaType: FORM,
      body: { command: "/alignment", text: "launch 7 days", user_id: "U0S0001" },
    });
  });
});

describe("formOf", () => {
  it.each([
    "=",
    "a=1&&b=2",
    "=x",
    "a",
    "a=b=c",
    "&",
    "a=1&a=2&a=3",
    "__proto__=x",
    "+=+",
    "a%3Db=c&%20a=1",
    "text=caf%C3%A9+%E2%9C%93%2B1",
  ])("reads %j as node:querystring does", (text) => {
    expect(formOf(text.split("&"))).toEqual({ ...parseQuery(text) });
  });

  it("reads 2,000 seeded random well-formed forms as node:querystring does", () => {
    const random = seededRandom(11);
    // Characters a form carries: plain, the separators, pluses, escapes (ASCII and UTF-8).
    const pieces = [
      "a",
      "b",
      "Z",
      "0",
      "-",
      "_",
      ".",
      "~",
      "=",
      "&",
      "+",
      "%20",
      "%2B",
      "%26",
      "%3D",
      "%C3%A9",
      "%E2%9C%93",
      "%F0%9F%98%80",
    ];
    let differing = 0;
    for (let n = 0; n < 2_000; n++) {
      const length = Math.floor(random() * 24);
      let text = "";
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      if (JSON.stringify(formOf(text.split("&"))) !== JSON.stringify({ ...parseQuery(text) }))
        differing++;
    }
    expect(differing).toBe(0);
  });

  it("keeps a field named __proto__ as a field, not a prototype", () => {
    const form = formOf(["__proto__=x", "a=1"]);
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype);
    expect(Object.hasOwn(form ?? {}, "__proto__")).toBe(true);
    expect(form?.a).toBe("1");
  });
});
