/**
 * Turns a request's raw bytes into the body Bolt's App will see (the receiver hands it this very
 * object: nothing parses the bytes again), refusing anything Slack would never send. Forms go
 * as node:querystring reads them in Bolt's own parser (HTTPModuleFunctions.parseHTTPRequestBody),
 * so the fields are what Bolt would have made of them. Pure.
 */
export type MediaType = "application/json" | "application/x-www-form-urlencoded";

export type ParsedBody =
  | { ok: true; body: unknown; mediaType: MediaType }
  | { ok: false; status: 400 | 415; problem: string };

/**
 * Slack's payloads nest a dozen levels at most (a view's rich text inside its blocks); a deeper
 * body is built to make recursive code downstream (JSON.stringify in a log line) overflow.
 */
export const MAX_JSON_DEPTH = 64;
/** A slash command has about 15 fields, an interaction one; querystring drops keys past 1000. */
export const MAX_FORM_FIELDS = 100;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The media type without parameters, if it is one of the two Slack sends. */
export function mediaTypeOf(contentType: string | undefined): MediaType | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || type === "application/x-www-form-urlencoded"
    ? type
    : undefined;
}

/** True when `text` (JSON or not) opens more than `max` arrays and objects at once. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

function parseJson(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, problem: `${what} nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, problem: `${what} is not valid JSON` };
  }
}

/** One field's name or value: `+` is a space, then the percent escapes (which throw if bad). */
function decodeFormPart(part: string): string {
  const spaced = part.includes("+") ? part.replaceAll("+", " ") : part;
  return spaced.includes("%") ? decodeURIComponent(spaced) : spaced;
}

/**
 * A form's fields, as node:querystring (Bolt's parser) reads them, or undefined when one is not
 * well-formed: every `%` must start an escape of two hex digits and the escapes must decode to
 * UTF-8 (node:querystring would quietly keep a bad escape as it is). Each field is decoded
 * natively in one step: a submission's payload is one field of some ten kilobytes, which
 * node:querystring with a strict decoder walks a character at a time in JavaScript.
 */
export function formOf(fields: readonly string[]): Record<string, string | string[]> | undefined {
  // No prototype, so a field named __proto__ is a field like any other (as in node:querystring).
  const form: Record<string, string | string[]> = Object.create(null);
  for (const field of fields) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    let name: string;
    let value: string;
    try {
      name = decodeFormPart(eq === -1 ? field : field.slice(0, eq));
      value = eq === -1 ? "" : decodeFormPart(field.slice(eq + 1));
    } catch {
      return undefined;
    }
    const earlier = form[name];
    if (earlier === undefined) form[name] = value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else form[name] = [earlier, value];
  }
  return { ...form };
}

export function parseSlackBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const mediaType = mediaTypeOf(contentType);
  if (!mediaType) {
    return {
      ok: false,
      status: 415,
      problem: "content type is neither application/json nor application/x-www-form-urlencoded",
    };
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, status: 400, problem: "body is not UTF-8" };
  }
  if (mediaType === "application/json") {
    const json = parseJson(text, "body");
    return json.ok
      ? { ok: true, body: json.value, mediaType }
      : { ok: false, status: 400, problem: json.problem };
  }
  const fields = text.split("&");
  if (fields.length > MAX_FORM_FIELDS) {
    return { ok: false, status: 400, problem: `form has more than ${MAX_FORM_FIELDS} fields` };
  }
  const form = formOf(fields);
  if (!form) return { ok: false, status: 400, problem: "form is not well-formed" };
  const { payload } = form;
  if (payload === undefined) return { ok: true, body: form, mediaType };
  // Bolt would take a repeated payload for a command's form: refuse it instead.
  if (typeof payload !== "string") {
    return { ok: false, status: 400, problem: "form has more than one payload" };
  }
  const json = parseJson(payload, "payload");
  return json.ok
    ? { ok: true, body: json.value, mediaType }
    : { ok: false, status: 400, problem: json.problem };
}
