import { describe, expect, it } from "vitest";
import {
  addDays,
  adviceCommitments,
  checkDraft,
  commitmentBoard,
  commitmentEffects,
  dayIn,
  followUpDue,
  isCalendarDay,
  mayChange,
  ownerFollowUp,
  statusOf,
  targetStatements,
} from "../../src/survey/commitments.js";
import { parseWorkingHours, type WorkingHours } from "../../src/survey/reminders.js";
import { adviceCommitmentsLine, followUpWhen } from "../../src/views/commitments.js";

const owners = { sales: "U0SALES01", marketing: "U0MKTG001" };
const made = (day: string) => Date.parse(`${day}T10:00:00Z`);
const commitment = (id: number, dueDate: string, doneAt?: number) => ({
  id,
  owners,
  dueDate,
  createdAt: made("2026-12-01"),
  doneAt,
});

describe("calendar days", () => {
  it("reads the day in the workspace's zone", () => {
    const late = Date.parse("2026-12-01T23:30:00Z");
    expect(dayIn(late, "UTC")).toBe("2026-12-01");
    expect(dayIn(late, "Europe/Paris")).toBe("2026-12-02");
    expect(dayIn(late, "America/Los_Angeles")).toBe("2026-12-01");
  });
  it("adds days across months and leap years", () => {
    expect(addDays("2026-12-28", 7)).toBe("2027-01-04");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(isCalendarDay("2026-02-30")).toBe(false);
    expect(isCalendarDay("2026-2-3")).toBe(false);
    expect(isCalendarDay("2026-02-28")).toBe(true);
  });
});

describe("what an action aims at", () => {
  it("a statement action aims at its statement", () => {
    expect(
      targetStatements({ id: "statement:common-language", statementId: "common-language" }),
    ).toEqual(["common-language"]);
  });
  it("a level move aims at the statements it links", () => {
    expect(targetStatements({ id: "move:rules-of-engagement" })).toEqual([
      "little-firefighting",
      "no-blame-game",
    ]);
  });
  it("staying put aims at nothing", () => {
    expect(targetStatements({ id: "stay" })).toEqual([]);
  });
});

describe("checking the Adopt and Change modals", () => {
  const draft = {
    title: "  Write one lead definition together ",
    salesOwner: "U0SALES01",
    marketingOwner: "U0MKTG001",
    dueDate: "2026-12-18",
    note: "",
  };
  it("accepts a complete draft, trimmed, without an empty note", () => {
    expect(checkDraft(draft, "2026-12-02")).toEqual({
      ok: true,
      value: {
        title: "Write one lead definition together",
        note: undefined,
        owners,
        dueDate: "2026-12-18",
      },
    });
  });
  it("says what is missing or wrong, field by field", () => {
    expect(
      checkDraft(
        {
          title: " ",
          salesOwner: undefined,
          marketingOwner: undefined,
          dueDate: undefined,
          note: undefined,
        },
        "2026-12-02",
      ),
    ).toEqual({
      ok: false,
      errors: {
        title: "Give the commitment a title.",
        salesOwner: "Choose who owns this on the sales side.",
        marketingOwner: "Choose who owns this on the marketing side.",
        dueDate: "Choose a due date.",
      },
    });
    expect(checkDraft({ ...draft, dueDate: "2026-12-01" }, "2026-12-02")).toEqual({
      ok: false,
      errors: { dueDate: "Choose today or a later day." },
    });
    expect(checkDraft({ ...draft, dueDate: "2026-12-02" }, "2026-12-02").ok).toBe(true);
    expect(checkDraft({ ...draft, marketingOwner: "U0SALES01" }, "2026-12-02")).toEqual({
      ok: false,
      errors: {
        marketingOwner: "Choose someone else: one owner from each side works on it together.",
      },
    });
    expect(checkDraft({ ...draft, title: "x".repeat(151) }, "2026-12-02")).toMatchObject({
      errors: { title: "Keep the title to 150 characters." },
    });
    expect(checkDraft({ ...draft, note: "x".repeat(501) }, "2026-12-02")).toMatchObject({
      errors: { note: "Keep the note to 500 characters." },
    });
  });
});

describe("who may change a commitment", () => {
  it("either owner or a leader, nobody else", () => {
    expect(mayChange({ owners }, "U0SALES01", false)).toBe(true);
    expect(mayChange({ owners }, "U0MKTG001", false)).toBe(true);
    expect(mayChange({ owners }, "U0LEADER1", true)).toBe(true);
    expect(mayChange({ owners }, "U0STAFF01", false)).toBe(false);
  });
});

describe("the board", () => {
  it("overdue first (oldest due first), then open, then done since the last round (latest first)", () => {
    const all = [
      commitment(1, "2026-12-20"),
      commitment(2, "2026-11-30"),
      commitment(3, "2026-12-05"),
      commitment(4, "2026-11-01"),
      commitment(5, "2026-12-01", made("2026-11-20")),
      commitment(6, "2026-12-01", made("2026-11-25")),
      commitment(7, "2026-10-01", made("2026-10-01")),
    ];
    const board = commitmentBoard(all, "2026-12-02", made("2026-11-15"));
    expect(board.overdue.map((c) => c.id)).toEqual([4, 2]);
    expect(board.open.map((c) => c.id)).toEqual([3, 1]);
    expect(board.doneSince.map((c) => c.id)).toEqual([6, 5]);
    expect(statusOf(commitment(8, "2026-12-02"), "2026-12-02")).toBe("open");
    expect(statusOf(commitment(8, "2026-12-01"), "2026-12-02")).toBe("overdue");
  });
});

describe("follow-ups", () => {
  const c = { ...commitment(1, "2026-12-20"), createdAt: made("2026-12-01") };
  it("a week before the due day, and on it; none after, none once done", () => {
    expect(followUpDue(c, "2026-12-12", "UTC")).toBeUndefined();
    expect(followUpDue(c, "2026-12-13", "UTC")).toBe("week-before");
    expect(followUpDue(c, "2026-12-19", "UTC")).toBe("week-before");
    expect(followUpDue(c, "2026-12-20", "UTC")).toBe("due-day");
    expect(followUpDue(c, "2026-12-21", "UTC")).toBeUndefined();
    expect(followUpDue({ ...c, doneAt: made("2026-12-14") }, "2026-12-20", "UTC")).toBeUndefined();
  });
  it("no week-before reminder for a commitment made with less than a week to go", () => {
    const late = { ...c, createdAt: made("2026-12-15") };
    expect(followUpDue(late, "2026-12-16", "UTC")).toBeUndefined();
    expect(followUpDue(late, "2026-12-20", "UTC")).toBe("due-day");
    const today = { ...c, createdAt: made("2026-12-20") };
    expect(followUpDue(today, "2026-12-20", "UTC")).toBeUndefined();
  });
});

describe("since the last round", () => {
  const before = new Map([
    ["common-language", { theme: "Common language", sales: 2.1, marketing: 2.4 }],
    ["joint-planning", { theme: "Joint planning", sales: 3.0, marketing: 2.0 }],
  ]);
  const after = new Map([
    ["common-language", { theme: "Common language", sales: 3.4, marketing: 3.6 }],
    ["joint-planning", { theme: "Joint planning", sales: 3.2, marketing: 2.9 }],
  ]);
  const done = [
    { title: "Shared lead definition", doneAt: 300, statementIds: ["common-language"] },
    { title: "Too early", doneAt: 100, statementIds: ["common-language"] },
    { title: "Open still", doneAt: undefined, statementIds: ["joint-planning"] },
    { title: "Joint plan", doneAt: 250, statementIds: ["joint-planning", "gone-statement"] },
    { title: "After the close", doneAt: 600, statementIds: ["joint-planning"] },
  ];
  it("lists what was done between the rounds, in order, with how its statements moved", () => {
    expect(commitmentEffects(done, { after: 200, until: 500 }, { before, after }, true)).toEqual([
      {
        title: "Joint plan",
        doneAt: 250,
        moves: [
          {
            statementId: "joint-planning",
            theme: "Joint planning",
            sales: { before: 3.0, after: 3.2 },
            marketing: { before: 2.0, after: 2.9 },
          },
        ],
      },
      {
        title: "Shared lead definition",
        doneAt: 300,
        moves: [
          {
            statementId: "common-language",
            theme: "Common language",
            sales: { before: 2.1, after: 3.4 },
            marketing: { before: 2.4, after: 3.6 },
          },
        ],
      },
    ]);
  });
  it("without a change that may be shown, lists the commitments alone", () => {
    expect(commitmentEffects(done, { after: 200, until: 500 }, { before, after }, false)).toEqual([
      { title: "Joint plan", doneAt: 250, moves: [] },
      { title: "Shared lead definition", doneAt: 300, moves: [] },
    ]);
    expect(
      commitmentEffects(done, { after: 200, until: 500 }, { before: undefined, after }, true).map(
        (e) => e.moves,
      ),
    ).toEqual([[], []]);
  });
});

describe("how commitments bear on a round's advice", () => {
  const c = (roundId: number, actionId: string, doneAt?: number) => ({
    roundId,
    actionId,
    title: `T ${actionId}`,
    dueDate: "2026-12-18",
    statementIds: [actionId.replace(/^.*:/, "")],
    doneAt,
  });
  const list = [
    c(1, "statement:a"), // open, from an earlier round
    c(1, "statement:b", made("2026-11-20")), // done before the previous round closed
    c(1, "statement:c", made("2026-12-05")), // done since
    c(2, "move:d", made("2026-12-06")), // adopted from this round and done
    c(2, "statement:e"), // adopted from this round, open
  ];

  it("open ones are in hand, this round's are adopted, and those done since the last close are done", () => {
    const result = adviceCommitments(list, { id: 2, previousClosedAt: made("2026-12-01") });
    expect(result.open.map((r) => r.actionId)).toEqual(["statement:a", "statement:e"]);
    expect(result.adoptedHere).toEqual(["move:d", "statement:e"]);
    expect(result.done.map((r) => r.actionId)).toEqual(["statement:c", "move:d"]);
    expect(result.done[0]).toEqual({
      actionId: "statement:c",
      title: "T statement:c",
      dueDate: "2026-12-18",
      statementIds: ["c"],
      doneAt: made("2026-12-05"),
    });
  });

  it("with no previous round, every done commitment is done since", () => {
    const result = adviceCommitments(list, { id: 2, previousClosedAt: undefined });
    expect(result.done.map((r) => r.actionId)).toEqual(["statement:b", "statement:c", "move:d"]);
  });

  it("the advice names what is in hand, with due days, and what was done", () => {
    const ref = (title: string) => ({
      actionId: "x",
      title,
      dueDate: "2026-12-18",
      statementIds: [],
    });
    expect(adviceCommitmentsLine({})).toBeUndefined();
    expect(
      adviceCommitmentsLine({ inHand: [ref("Lead <definition>")], done: [ref("Rhythm")] }),
    ).toBe(
      "Already in hand, so not suggested again: *Lead &lt;definition&gt;* (due Fri 18 Dec 2026). Done since the last round: *Rhythm*. `/alignment actions` has the board.",
    );
    expect(adviceCommitmentsLine({ done: ["A", "B", "C", "D", "E", "F"].map(ref) })).toBe(
      "Done since the last round: *A*, *B*, *C*, *D* and 2 more. `/alignment actions` has the board.",
    );
  });
});

describe("follow-ups in each owner's own working hours", () => {
  const hours = parseWorkingHours("Mon-Fri 09:00-17:00") as WorkingHours;
  const at = (iso: string) => Date.parse(iso);
  // Due Thursday 10 December; made on 23 November.
  const c = { ...commitment(1, "2026-12-10"), createdAt: made("2026-11-23") };

  it("the week-before one waits for the owner's working hours, in their own zone", () => {
    expect(ownerFollowUp(c, at("2026-12-03T08:59:00Z"), "UTC", hours)).toBeUndefined();
    expect(ownerFollowUp(c, at("2026-12-03T09:00:00Z"), "UTC", hours)).toEqual({
      kind: "week-before",
      today: "2026-12-03",
    });
    // 04:00 in New York: not yet; 09:00 there (14:00 UTC): now.
    expect(ownerFollowUp(c, at("2026-12-03T09:00:00Z"), "America/New_York", hours)).toBeUndefined();
    expect(ownerFollowUp(c, at("2026-12-03T14:00:00Z"), "America/New_York", hours)?.kind).toBe(
      "week-before",
    );
    // 09:00 in Tokyo is midnight UTC.
    expect(ownerFollowUp(c, at("2026-12-02T23:59:00Z"), "Asia/Tokyo", hours)).toBeUndefined();
    expect(ownerFollowUp(c, at("2026-12-03T00:00:00Z"), "Asia/Tokyo", hours)).toEqual({
      kind: "week-before",
      today: "2026-12-03",
    });
  });

  it("the due-day one in a half-hour zone starts at 09:00 there", () => {
    expect(ownerFollowUp(c, at("2026-12-10T03:29:00Z"), "Asia/Kolkata", hours)).toBeUndefined();
    expect(ownerFollowUp(c, at("2026-12-10T03:30:00Z"), "Asia/Kolkata", hours)).toEqual({
      kind: "due-day",
      today: "2026-12-10",
    });
    expect(
      ownerFollowUp({ ...c, doneAt: 1 }, at("2026-12-10T10:00:00Z"), "UTC", hours),
    ).toBeUndefined();
  });

  it("a due day on a Saturday: nothing that weekend, then Monday morning, saying it was due", () => {
    const saturday = { ...c, dueDate: "2026-12-12" };
    expect(ownerFollowUp(saturday, at("2026-12-12T10:00:00Z"), "UTC", hours)).toBeUndefined();
    expect(ownerFollowUp(saturday, at("2026-12-13T10:00:00Z"), "UTC", hours)).toBeUndefined();
    const monday = ownerFollowUp(saturday, at("2026-12-14T09:00:00Z"), "UTC", hours);
    expect(monday).toEqual({ kind: "due-day", today: "2026-12-14" });
    expect(followUpWhen("2026-12-12", "due-day", "2026-12-14")).toBe("was due Sat 12 Dec 2026");
    // Not again, nor later: it is overdue now, and the board and digest say so.
    expect(ownerFollowUp(saturday, at("2026-12-15T09:00:00Z"), "UTC", hours)).toBeUndefined();
  });

  it("says how far off the due day is, as the owner's calendar has it", () => {
    expect(followUpWhen("2026-12-10", "week-before", "2026-12-03")).toBe(
      "is due in a week (Thu 10 Dec 2026)",
    );
    expect(followUpWhen("2026-12-10", "week-before", "2026-12-07")).toBe(
      "is due in 3 days (Thu 10 Dec 2026)",
    );
    expect(followUpWhen("2026-12-10", "week-before", "2026-12-09")).toBe(
      "is due tomorrow (Thu 10 Dec 2026)",
    );
    expect(followUpWhen("2026-12-10", "due-day", "2026-12-10")).toBe("is due today");
  });
});
