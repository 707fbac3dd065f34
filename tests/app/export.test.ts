import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { EXPORT_HEADER } from "../../src/services/export-file.js";
import { DEFAULT_INSTRUMENT, type Instrument } from "../../src/survey/instrument.js";
import type { Harness } from "./harness.js";
import {
  ADMIN,
  answerAll,
  closeRound,
  LEADER,
  launchRound,
  people,
  ratingsFor,
  replyTo,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** An organisation's own wording whose themes a spreadsheet would run as formulas. */
const HOSTILE_THEMES = ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned"];
const hostile: Instrument = {
  ...DEFAULT_INSTRUMENT,
  statements: DEFAULT_INSTRUMENT.statements.map((s, i) =>
    i < HOSTILE_THEMES.length ? { ...s, theme: HOSTILE_THEMES[i] as string } : s,
  ),
};

async function round(h: Harness, sales: number, marketing: number, salesTotal: number) {
  const ts = await launchRound(h);
  await answerAll(h, ts, [
    ...people("sales", sales).map((user) => ({
      side: "sales" as const,
      user,
      ratings: ratingsFor(salesTotal),
    })),
    ...people("marketing", marketing).map((user) => ({
      side: "marketing" as const,
      user,
      ratings: ratingsFor(40),
    })),
  ]);
  await closeRound(h);
  h.fake.responses.splice(0);
}

async function exportAs(h: Harness, user: string): Promise<string[][]> {
  await h.driver.command(user, SALES, "export");
  const file = await h.fake.waitFor(
    () => h.fake.filesIn(user).find((f) => f.filename.endsWith(".csv")),
    { timeoutMs: 10_000 },
  );
  expect(file.filename).toBe("truce-export-2026-11-23.csv");
  expect(file.title).toBe("Truce results (CSV)");
  return parse(file.bytes?.toString("utf8") ?? "") as string[][];
}

describe("/alignment export", () => {
  it("sends the leader a CSV file: one row per round × group × statement, and totals", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await round(h, 5, 5, 60);
    await round(h, 5, 2, 80); // Marketing too small this time: Everyone's total only
    const rows = await exportAs(h, LEADER);
    expect(rows[0]).toEqual([...EXPORT_HEADER]);
    const body = rows.slice(1);
    // Round 1: Sales, Marketing, Everyone and the gap × (total + 20 statements); round 2:
    // Everyone's total only.
    expect(body).toHaveLength(4 * 21 + 1);
    expect(body[0]).toEqual([
      "2026-11-23",
      "2026-11-23",
      "Sales",
      "total",
      "",
      "Total score",
      "20-100",
      "5",
      "60",
      "0",
      "",
      "",
      "",
      "",
      "",
    ]);
    // ratingsFor(60) rates every statement 3; ratingsFor(40) every statement 2.
    expect(body[1]).toEqual([
      "2026-11-23",
      "2026-11-23",
      "Sales",
      "1",
      "forecast-accuracy",
      "Forecast accuracy",
      "1-5",
      "5",
      "3",
      "0",
      "",
      "",
      "",
      "",
      "",
    ]);
    expect(
      body.filter((r) => r[2] === "Marketing" && r[3] !== "total").every((r) => r[8] === "2"),
    ).toBe(true);
    // Everyone's statement 1: five 3s and five 2s: mean 2.5, SD 0.527 → 0.5.
    expect(body.find((r) => r[2] === "Everyone" && r[3] === "1")?.slice(7, 10)).toEqual([
      "10",
      "2.5",
      "0.5",
    ]);
    // The gap rows: every statement 3 against 2, the totals 60 against 40. Neither side varies,
    // so each interval is the gap itself; Cliff's delta 1; exact mid-p 2 · ½ · 1/252 → 0.0040.
    const gaps = body.filter((r) => r[2] === "Gap (Sales − Marketing)");
    expect(gaps).toHaveLength(21);
    expect(gaps[0]?.slice(3)).toEqual([
      "total",
      "",
      "Total score",
      "20-100",
      "",
      "20",
      "",
      "20",
      "20",
      "1",
      "0.0040",
      "",
    ]);
    expect(gaps[1]?.slice(3)).toEqual([
      "1",
      "forecast-accuracy",
      "Forecast accuracy",
      "1-5",
      "",
      "1",
      "",
      "1",
      "1",
      "1",
      "0.0040",
      "yes",
    ]);
    // Round 2: 5 × 80 and 2 × 40 → 68.6; SD 19.5 → 20 (whole points).
    expect(body.at(-1)?.slice(2, 10)).toEqual([
      "Everyone",
      "total",
      "",
      "Total score",
      "20-100",
      "7",
      "68.6",
      "20",
    ]);
    expect(body.filter((r) => r[2] !== "Everyone").every((r) => r[0] === body[0]?.[0])).toBe(true);
    await h.fake.waitFor(() => h.fake.responses.find((r) => /the export/.test(r.text ?? "")), {
      timeoutMs: 10_000,
    });
    expect(replyTo(h, LEADER)).toContain("I've sent you the export (85 rows from 2 rounds)");
    expect(h.fake.errors()).toEqual([]);
  });

  it("neutralises text cells a spreadsheet would run as formulas", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5, instrument: hostile });
    await round(h, 5, 5, 60);
    const rows = await exportAs(h, LEADER);
    const themes = rows.filter((r) => r[2] === "Sales" && Number(r[3]) <= 6).map((r) => r[5]);
    expect(themes).toEqual(HOSTILE_THEMES.map((theme) => `'${theme}`));
  });

  it("is for leaders only, and says so to anyone else", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    await round(h, 5, 5, 60);
    await h.driver.command(ADMIN, SALES, "export");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === ADMIN), {
      timeoutMs: 10_000,
    });
    expect(replyTo(h, ADMIN)).toContain("Only the survey's leaders can do that");
    expect(h.fake.files.filter((f) => f.filename.endsWith(".csv"))).toEqual([]);
  });
});
