import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { type Instrument, STATEMENT_COUNT } from "./instrument.js";

/**
 * An organisation's own wording of the instrument (`TRUCE_INSTRUMENT`), read from JSON or YAML.
 * This is the only module in src/survey that does I/O.
 *
 * The file holds `statements` (exactly 20, each `{ id, theme, text }`), `scaleLabels` (5 labels,
 * lowest first) and optionally `credit`. Limits come from Slack: an id becomes a block_id
 * (≤ 255 characters, no whitespace); a theme and a scale label appear as option or button text
 * (≤ 75); a statement's text becomes an input label (≤ 2000).
 */

export const ID_MAX = 255;
export const THEME_MAX = 75;
export const TEXT_MAX = 2000;
export const SCALE_LABEL_MAX = 75;

/** The credit line used when a file gives none. */
export const CUSTOM_WORDING_CREDIT =
  'Based on the diagnostic in Kotler, Rackham & Krishnaswamy, "Ending the War Between Sales and Marketing", Harvard Business Review, July–August 2006. Wording: supplied by your organisation.';

/** The file cannot be used; the message names the file and each problem's place in it. */
export class InstrumentFileError extends Error {
  override name = "InstrumentFileError";
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`${path}: ${problems.join("; ")}`);
  }
}

function text(max: number) {
  return z.string().superRefine((value, ctx) => {
    if (value.trim().length === 0) ctx.addIssue({ code: "custom", message: "must not be empty" });
    else if (value.length > max) {
      ctx.addIssue({
        code: "custom",
        message: `must be at most ${max} characters (has ${value.length})`,
      });
    }
  });
}

const idSchema = z.string().superRefine((value, ctx) => {
  if (value.length === 0) ctx.addIssue({ code: "custom", message: "must not be empty" });
  else if (/\s/.test(value)) {
    ctx.addIssue({ code: "custom", message: `must not contain whitespace ("${value}")` });
  } else if (value.length > ID_MAX) {
    ctx.addIssue({
      code: "custom",
      message: `must be at most ${ID_MAX} characters (has ${value.length})`,
    });
  }
});

const statementSchema = z.strictObject({
  id: idSchema,
  theme: text(THEME_MAX),
  text: text(TEXT_MAX),
});

export const instrumentFileSchema = z
  .strictObject({
    statements: z.array(statementSchema).length(STATEMENT_COUNT, {
      error: (issue) =>
        `must hold exactly ${STATEMENT_COUNT} statements (has ${Array.isArray(issue.input) ? issue.input.length : "none"})`,
    }),
    scaleLabels: z.array(text(SCALE_LABEL_MAX)).length(5, {
      error: (issue) =>
        `must hold exactly 5 labels, lowest first (has ${Array.isArray(issue.input) ? issue.input.length : "none"})`,
    }),
    credit: text(TEXT_MAX).optional(),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.statements.forEach((statement, i) => {
      if (seen.has(statement.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["statements", i, "id"],
          message: `duplicate id "${statement.id}"`,
        });
      }
      seen.add(statement.id);
    });
  });

/** `statements[3].id` from a zod issue path; "(file)" for the top level. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(file)" : out;
}

/** Validate already-parsed file contents; `source` names the file in error messages. */
export function parseInstrument(data: unknown, source: string): Instrument {
  const result = instrumentFileSchema.safeParse(data);
  if (!result.success) {
    throw new InstrumentFileError(
      source,
      result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`),
    );
  }
  const { statements, scaleLabels, credit } = result.data;
  return {
    statements: statements.map(({ id, theme, text }) => ({ id, theme, text })),
    scaleLabels: scaleLabels as unknown as Instrument["scaleLabels"],
    credit: credit ?? CUSTOM_WORDING_CREDIT,
  };
}

/** Read and validate an instrument file: `.json`, `.yaml` or `.yml`. Throws InstrumentFileError. */
export function loadInstrumentFile(path: string): Instrument {
  const extension = extname(path).toLowerCase();
  if (![".json", ".yaml", ".yml"].includes(extension)) {
    throw new InstrumentFileError(path, [
      `unsupported file type "${extension || "(none)"}": use .json, .yaml or .yml`,
    ]);
  }
  let raw: string;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    raw = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InstrumentFileError(path, [`cannot read the file (${code ?? String(error)})`]);
  }
  let data: unknown;
  try {
    data = extension === ".json" ? JSON.parse(raw) : parseYaml(raw);
  } catch (error) {
    const kind = extension === ".json" ? "JSON" : "YAML";
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InstrumentFileError(path, [`not valid ${kind}: ${detail}`]);
  }
  return parseInstrument(data, path);
}
