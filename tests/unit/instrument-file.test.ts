import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SCALE_LABELS } from "../../src/survey/instrument.js";
import {
  CUSTOM_WORDING_CREDIT,
  InstrumentFileError,
  loadInstrumentFile,
} from "../../src/survey/instrument-file.js";
import { analyzeRound } from "../../src/survey/report.js";
import { answer } from "./helpers.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const validYaml = join(fixtures, "instrument.valid.yaml");
const validJson = join(fixtures, "instrument.valid.json");

const dir = mkdtempSync(join(tmpdir(), "truce-instrument-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RawFile {
  statements: { id: unknown; theme: unknown; text: unknown }[];
  scaleLabels: unknown[];
  credit?: unknown;
  [key: string]: unknown;
}

/** Write a variant of the valid JSON fixture to a temporary file and return its path. */
function variant(name: string, change: (file: RawFile) => void): string {
  const file = JSON.parse(readFileSync(validJson, "utf8")) as RawFile;
  change(file);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(file));
  return path;
}

function messageOf(path: string): string {
  try {
    loadInstrumentFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InstrumentFileError);
    return (error as Error).message;
  }
  throw new Error(`${path} loaded without error`);
}

describe("loading valid instrument files", () => {
  it("reads YAML with its own ids, labels and credit", () => {
    const instrument = loadInstrumentFile(validYaml);
    expect(instrument.statements).toHaveLength(20);
    expect(instrument.statements[0]).toEqual({
      id: "fc",
      theme: "Forecasts hold",
      text: "Our sales forecasts turn out to be close to what we actually sell.",
    });
    expect(instrument.statements[19]?.id).toBe("exec-plans");
    expect(instrument.scaleLabels).toEqual([
      "Not at all",
      "Hardly",
      "Somewhat",
      "Mostly",
      "Completely",
    ]);
    expect(instrument.credit).toBe(
      "Wording © Example Ltd, adapted from Kotler, Rackham & Krishnaswamy (HBR, 2006).",
    );
  });

  it("reads JSON and credits the article when the file gives no credit", () => {
    const instrument = loadInstrumentFile(validJson);
    expect(instrument.statements.map((s) => s.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `statement-${String(i + 1).padStart(2, "0")}`),
    );
    expect(instrument.scaleLabels).toEqual([...DEFAULT_SCALE_LABELS]);
    expect(instrument.credit).toBe(CUSTOM_WORDING_CREDIT);
  });

  it("reads a .yml file and a byte-order mark", () => {
    const yml = join(dir, "copy.yml");
    writeFileSync(yml, readFileSync(validYaml, "utf8"));
    expect(loadInstrumentFile(yml).statements).toHaveLength(20);
    const bom = join(dir, "bom.json");
    writeFileSync(bom, `\uFEFF${readFileSync(validJson, "utf8")}`);
    expect(loadInstrumentFile(bom).statements).toHaveLength(20);
  });

  it("drives a whole analysis, with advice built from the file's themes", () => {
    const instrument = loadInstrumentFile(validYaml);
    const answers = [
      ...Array.from({ length: 3 }, () => answer("sales", 4, { 7: 2 })),
      ...Array.from({ length: 3 }, () => answer("marketing", 4, { 7: 2 })),
    ];
    const report = analyzeRound({
      instrument,
      answers,
      roundClosed: true,
      minGroup: 3,
      market: "shifting",
    });
    // Totals 4 × 19 + 2 = 78 → Aligned, the shifting target; statement 7 is weak (2.0).
    expect(report.advice?.actions.map((a) => a.id)).toEqual(["stay", "statement:vocabulary"]);
    expect(report.advice?.actions[1]?.title).toBe("Work on 'Same vocabulary' together");
    expect(report.advice?.actions[1]?.reason).toBe("Everyone rates 'Same vocabulary' 2.0 of 5");
  });
});

describe("rejecting invalid instrument files with a message that points at the problem", () => {
  it("a duplicate id (fixture)", () => {
    const path = join(fixtures, "instrument.duplicate-id.yaml");
    expect(messageOf(path)).toBe(`${path}: statements[3].id: duplicate id "blame"`);
  });

  it("19 statements", () => {
    const path = variant("nineteen.json", (f) => {
      f.statements.pop();
    });
    expect(messageOf(path)).toBe(`${path}: statements: must hold exactly 20 statements (has 19)`);
  });

  it("an id with whitespace, an empty theme and an over-long text, all at once", () => {
    const path = variant("several.json", (f) => {
      f.statements[0] = { ...f.statements[0], id: "has space" } as RawFile["statements"][0];
      f.statements[2] = { ...f.statements[2], theme: "   " } as RawFile["statements"][0];
      f.statements[5] = { ...f.statements[5], text: "x".repeat(2001) } as RawFile["statements"][0];
    });
    expect(messageOf(path)).toBe(
      `${path}: statements[0].id: must not contain whitespace ("has space"); statements[2].theme: must not be empty; statements[5].text: must be at most 2000 characters (has 2001)`,
    );
  });

  it("limits that come from Slack: id 255, theme 75, scale label 75", () => {
    const path = variant("limits.json", (f) => {
      f.statements[1] = { ...f.statements[1], id: "a".repeat(256) } as RawFile["statements"][0];
      f.statements[4] = { ...f.statements[4], theme: "t".repeat(76) } as RawFile["statements"][0];
      f.scaleLabels[2] = "s".repeat(76);
    });
    expect(messageOf(path)).toBe(
      `${path}: statements[1].id: must be at most 255 characters (has 256); statements[4].theme: must be at most 75 characters (has 76); scaleLabels[2]: must be at most 75 characters (has 76)`,
    );
    // Exactly at the limits is fine.
    const ok = variant("at-limits.json", (f) => {
      f.statements[1] = { ...f.statements[1], id: "a".repeat(255) } as RawFile["statements"][0];
      f.statements[4] = { ...f.statements[4], theme: "t".repeat(75) } as RawFile["statements"][0];
    });
    expect(loadInstrumentFile(ok).statements[1]?.id).toHaveLength(255);
  });

  it("four scale labels and a misspelt key", () => {
    const path = variant("labels.json", (f) => {
      f.scaleLabels.pop();
      f.credits = "typo";
    });
    expect(messageOf(path)).toBe(
      `${path}: scaleLabels: must hold exactly 5 labels, lowest first (has 4); (file): Unrecognized key: "credits"`,
    );
  });

  it("a number where an id should be (YAML)", () => {
    const path = join(dir, "numeric-id.yaml");
    writeFileSync(path, readFileSync(validYaml, "utf8").replace("id: fc", "id: 12"));
    expect(messageOf(path)).toBe(
      `${path}: statements[0].id: Invalid input: expected string, received number`,
    );
  });

  it("a file that is not valid YAML or JSON", () => {
    const yaml = join(dir, "broken.yaml");
    writeFileSync(yaml, "statements:\n  - id: a\n   theme: [unclosed\n");
    expect(messageOf(yaml)).toMatch(new RegExp(`^${escapeRegExp(yaml)}: not valid YAML: .+`));
    const json = join(dir, "broken.json");
    writeFileSync(json, '{"statements": [');
    expect(messageOf(json)).toMatch(new RegExp(`^${escapeRegExp(json)}: not valid JSON: .+`));
  });

  it("a missing file and an unsupported extension", () => {
    const missing = join(dir, "nope.yaml");
    expect(messageOf(missing)).toBe(`${missing}: cannot read the file (ENOENT)`);
    const txt = join(dir, "instrument.txt");
    writeFileSync(txt, "");
    expect(messageOf(txt)).toBe(`${txt}: unsupported file type ".txt": use .json, .yaml or .yml`);
  });

  it("a top level that is not an object", () => {
    const path = join(dir, "list.json");
    writeFileSync(path, "[]");
    expect(messageOf(path)).toBe(`${path}: (file): Invalid input: expected object, received array`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
