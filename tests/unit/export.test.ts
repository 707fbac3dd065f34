import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import type { Answer } from "../../src/survey/types.js";
import { exportCsv } from "../../src/views/export.js";

const all = (side: Answer["side"], rating: number, n: number): Answer[] =>
  Array.from({ length: n }, () => ({ side, ratings: Array(20).fill(rating) }));

const closed = (answers: Answer[]) => ({
  closedAt: Date.UTC(2026, 10, 30),
  report: analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers,
    roundClosed: true,
    minGroup: 3,
    market: "shifting",
  }),
});

describe("exportCsv", () => {
  it("exports group figures and per-statement means and gaps", () => {
    // Sales rate everything 4 (total 80), marketing 2 (total 40); everyone (5×4 + 5×2)/10 = 3.
    const csv = exportCsv(closed([...all("sales", 4, 5), ...all("marketing", 2, 5)]));
    expect(csv.groups).toBe(
      "group,n,mean_total,level\nSales,5,80.0,Integrated\nMarketing,5,40.0,Defined\nEveryone,10,60.0,Aligned\n",
    );
    const lines = csv.statements.trimEnd().split("\n");
    expect(lines[0]).toBe("statement,theme,everyone_mean,sales_mean,marketing_mean,gap,p_value");
    expect(lines).toHaveLength(21);
    // All-4 against all-2, five each: U = 25, p = 0.0039 (tie-corrected normal approximation).
    expect(lines[1]).toMatch(/^1,Forecast accuracy,3\.00,4\.00,2\.00,2\.00,0\.00\d\d$/);
    expect(lines[14]).toMatch(/^14,One shared funnel,3\.00,4\.00,2\.00,2\.00,0\.00\d\d$/);
  });

  it("leaves out every per-side column when a side is below the minimum group size", () => {
    const csv = exportCsv(closed([...all("sales", 4, 5), ...all("marketing", 2, 2)]));
    expect(csv.groups).toBe("group,n,mean_total,level\nEveryone,7,68.6,Aligned\n");
    expect(csv.statements.split("\n")[0]).toBe("statement,theme,everyone_mean");
    expect(csv.statements).not.toContain("4.00");
  });
});
