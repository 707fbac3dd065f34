import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import type { Commitment } from "../../src/store/types.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import {
  closeConfirmModal,
  fitHome,
  HOME_BLOCK_LIMIT,
  type HomeInput,
  homeView,
  launchModal,
  parseLaunchDays,
  timeLeft,
  trendLines,
} from "../../src/views/home.js";
import { context, section } from "../../src/views/text.js";
import { many } from "./helpers.js";

const NOW = Date.UTC(2026, 11, 2, 9);
const DAY = 86_400_000;

const analyze = (sales: number, marketing: number, base = { sales: 3, marketing: 2 }) =>
  analyzeRound({
    instrument: DEFAULT_INSTRUMENT,
    answers: [...many(sales, "sales", base.sales), ...many(marketing, "marketing", base.marketing)],
    roundClosed: true,
    minGroup: 5,
    market: "shifting",
  });

const emptyBoard = { overdue: [], open: [], doneSince: [] };

const base: HomeInput = {
  now: NOW,
  today: "2026-12-02",
  setUp: true,
  history: [],
  board: emptyBoard,
  suggestions: [],
};

const commitment = (id: number, over: Partial<Commitment> = {}): Commitment => ({
  id,
  teamId: "T1",
  roundId: 1,
  actionId: `a${id}`,
  title: `Commitment ${id}`,
  note: undefined,
  owners: { sales: "U0SALES", marketing: "U0MARKET" },
  dueDate: "2026-12-18",
  statementIds: [],
  createdBy: "U0LEAD",
  createdAt: NOW - DAY,
  updatedAt: NOW - DAY,
  doneAt: undefined,
  doneBy: undefined,
  ...over,
});

const actionIds = (blocks: unknown) =>
  JSON.stringify(blocks)
    .match(/"action_id":"[a-z_]+"/g)
    ?.map((m) => m.slice(13, -1)) ?? [];

const texts = (blocks: unknown): string[] => {
  const out: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === "object")
      for (const [k, v] of Object.entries(node)) {
        if (k === "text" && typeof v === "string") out.push(v);
        else visit(v);
      }
  };
  visit(blocks);
  return out;
};

const open: HomeInput["open"] = {
  roundId: 7,
  status: {
    closesAt: NOW + 3 * DAY + 3_600_000,
    participation: { sales: 3, marketing: 1, total: 4 },
    invited: { sales: 4, marketing: 8 },
  },
  counts: { sales: 3, marketing: 1 },
};

describe("the leader's Home", () => {
  it("with a round open: when it closes, participation, response rates and the five buttons", () => {
    const view = homeView({ ...base, open }, { userId: "U0LEAD", isLeader: true });
    expect(view.type).toBe("home");
    const round = view.blocks.find((b) => b.block_id === "home_round");
    expect(round).toEqual(
      section(
        ":ballot_box_with_ballot: *A round is open* — it closes <!date^1796464800^{date_short_pretty} at {time}|2026-12-05 10:00 UTC> (3 days left).\nSales n=3 (of 4) · Marketing n=1 (of 8) · Everyone n=4\nResponse rate: Sales 75% · Marketing 13%",
        "home_round",
      ),
    );
    const buttons = view.blocks.find((b) => b.block_id === "home_round_actions");
    expect(actionIds(buttons)).toEqual([
      "open_survey",
      "remind_non_respondents",
      "home_close_round",
      "open_setup",
      "home_export",
    ]);
    expect(texts(buttons)).toEqual([
      "Take the survey",
      "Remind non-respondents",
      "Close the round…",
      "Set up",
      "Export CSV",
    ]);
    expect(JSON.stringify(buttons)).toContain('"value":"7"');
    expect(actionIds(view.blocks)).not.toContain("home_launch_round");
  });

  it("with no round: Launch, Set up, Export and the next scheduled launch", () => {
    const view = homeView(
      { ...base, nextLaunch: Date.UTC(2027, 0, 4, 9) },
      { userId: "U0LEAD", isLeader: true },
    );
    expect(view.blocks.find((b) => b.block_id === "home_round")).toEqual(
      section(":zzz: *No round is open.* No round has run yet.", "home_round"),
    );
    expect(actionIds(view.blocks.find((b) => b.block_id === "home_round_actions"))).toEqual([
      "home_launch_round",
      "open_setup",
      "home_export",
    ]);
    expect(texts(view.blocks)).toContain(
      ":repeat: Next round launches <!date^1799053200^{date_short_pretty} at {time}|2027-01-04 09:00 UTC> (`/alignment schedule` changes or skips it).",
    );
  });

  it("not set up: only the Set up button", () => {
    const view = homeView({ ...base, setUp: false }, { userId: "U0LEAD", isLeader: true });
    expect(actionIds(view.blocks.find((b) => b.block_id === "home_setup"))).toEqual(["open_setup"]);
    expect(actionIds(view.blocks)).not.toContain("home_launch_round");
  });

  it("shows what the leader's last button did at the top", () => {
    const view = homeView(base, {
      userId: "U0LEAD",
      isLeader: true,
      note: { text: ":bell: Reminding 3 people now.", at: NOW },
    });
    expect(view.blocks[1]).toEqual(section(":bell: Reminding 3 people now.", "home_note"));
  });

  it("the latest results: levels, the gap headline, the widest gaps and the Full report button", () => {
    const report = analyze(5, 5, { sales: 4, marketing: 2 });
    const view = homeView(
      { ...base, latest: { roundId: 3, closed: { closedAt: NOW - DAY, report } } },
      { userId: "U0LEAD", isLeader: true },
    );
    const all = texts(view.blocks);
    expect(all).toContain(
      "*Levels* (mean score, 20–100)\n*Sales n=5 · 80.0 · Integrated* — the highest level\n*Marketing n=5 · 40.0 · Defined* — 20.0 points to Aligned\n*Everyone n=10 · 60.0 · Aligned* — 20.0 points to Integrated",
    );
    expect(actionIds(view.blocks)).toContain("open_full_report");
  });
});

describe("everyone else's Home", () => {
  it("the survey button during a round, their own commitments with buttons, and Compare my answers", () => {
    const mine = commitment(1, { owners: { sales: "U0ME", marketing: "U0MARKET" } });
    const others = commitment(2);
    const view = homeView(
      { ...base, open, board: { overdue: [], open: [mine, others], doneSince: [] } },
      { userId: "U0ME", isLeader: false },
    );
    expect(actionIds(view.blocks)).toEqual([
      "open_survey",
      "commitment_done",
      "commitment_change",
      "home_my_answers",
    ]);
    const all = texts(view.blocks).join("\n");
    expect(all).toContain("Commitment 1");
    expect(all).not.toContain("Commitment 2");
    expect(all).not.toContain("Response rate");
    expect(all).toContain("Sales n=3 (of 4) · Marketing n=1 (of 8) · Everyone n=4");
  });

  it("flags an overdue commitment and lists those done since the last round", () => {
    const late = commitment(1, {
      owners: { sales: "U0ME", marketing: "U0M" },
      dueDate: "2026-12-01",
    });
    const done = commitment(3, {
      owners: { sales: "U0S", marketing: "U0ME" },
      doneAt: NOW - 3600_000,
      doneBy: "U0ME",
    });
    const view = homeView(
      { ...base, board: { overdue: [late], open: [], doneSince: [done] } },
      { userId: "U0ME", isLeader: false },
    );
    const all = texts(view.blocks);
    expect(all).toContain(
      "*Commitment 1* :warning: *overdue*\nSales: <@U0ME> · Marketing: <@U0M> · due Tue 1 Dec 2026",
    );
    expect(all).toContain("*Done since the last round*\n• Commitment 3 :white_check_mark:");
  });
});

describe("trendLines", () => {
  it("lists each round's visible groups as its own report showed them, oldest first", () => {
    const first = analyze(5, 5);
    const withheld = analyze(5, 2);
    const third = analyze(5, 5, { sales: 4, marketing: 3 });
    expect(
      trendLines([
        { closedAt: Date.UTC(2026, 9, 1), report: third },
        { closedAt: Date.UTC(2026, 6, 1), report: first },
        { closedAt: Date.UTC(2026, 7, 1), report: withheld },
      ]),
    ).toEqual([
      "Wed 1 Jul 2026 — Sales 60.0 (Aligned) · Marketing 40.0 (Defined) · Everyone 50.0 (Defined)",
      "Sat 1 Aug 2026 — Everyone 54.3 (Defined)",
      "Thu 1 Oct 2026 — Sales 80.0 (Integrated) · Marketing 60.0 (Aligned) · Everyone 70.0 (Aligned)",
    ]);
  });

  it("says nothing before two rounds", () => {
    expect(trendLines([{ closedAt: NOW, report: analyze(5, 5) }])).toEqual([]);
  });
});

describe("fitHome", () => {
  it("keeps a Home of 100 blocks whole", () => {
    const blocks = Array.from({ length: 100 }, (_, i) => section(`b${i}`));
    expect(fitHome(blocks)).toEqual(blocks);
  });

  it("cuts a longer one to 100 with a pointer, never leaving a commitment without its buttons", () => {
    const pair = (i: number): KnownBlock[] => [section(`c${i}`), { type: "actions", elements: [] }];
    const blocks = Array.from({ length: 60 }, (_, i) => pair(i)).flat();
    const fitted = fitHome(blocks);
    expect(fitted).toHaveLength(HOME_BLOCK_LIMIT - 1);
    expect(fitted.at(-2)).toEqual({ type: "actions", elements: [] });
    expect(fitted.at(-1)).toEqual(
      context("There is more than fits here: `/alignment actions` lists every commitment."),
    );
  });

  it("keeps a board of 60 commitments within the limit on the leader's Home", () => {
    const many60 = Array.from({ length: 60 }, (_, i) => commitment(i + 1));
    const view = homeView(
      { ...base, board: { overdue: [], open: many60, doneSince: [] } },
      { userId: "U0LEAD", isLeader: true },
    );
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(texts(view.blocks)).toContain(
      "`/alignment actions` lists every commitment and suggestion.",
    );
  });
});

describe("the Home modals", () => {
  it("close confirmation: the answers so far and the same warnings as /alignment close", () => {
    const modal = closeConfirmModal({
      roundId: 7,
      closesAt: NOW + DAY,
      counts: { sales: 0, marketing: 0 },
      minGroup: 5,
    });
    expect(modal.callback_id).toBe("home_close_confirm");
    expect(modal.private_metadata).toBe("7");
    expect(texts(modal.blocks)).toEqual([
      "*Close the round now?* It would close by itself <!date^1796288400^{date_short_pretty} at {time}|2026-12-03 09:00 UTC>.\nAnswers so far: Sales n=0 · Marketing n=0.",
      ":warning: No one has answered yet: closing now ends the round with no results.",
      "Closing posts the results in both channels and sends each leader the full report.",
    ]);
  });

  it("launch: the length with the workspace's default", () => {
    const modal = launchModal({
      defaultDays: 10,
      maxDays: 60,
      channels: { sales: "C1", marketing: "C2" },
      inviteByDm: true,
    });
    expect(JSON.stringify(modal.blocks)).toContain('"initial_value":"10"');
    expect(texts(modal.blocks)[0]).toBe(
      "Everyone in <#C1> and <#C2> is invited (by DM, as set up); their answers are anonymous.",
    );
  });

  it("parseLaunchDays: whole days from 1 to the maximum", () => {
    expect(parseLaunchDays("7", 60)).toBe(7);
    expect(parseLaunchDays("60", 60)).toBe(60);
    for (const bad of ["0", "61", "2.5", "", " ", "seven", undefined, null])
      expect(parseLaunchDays(bad, 60)).toBe("Give a whole number of days from 1 to 60.");
  });

  it("timeLeft", () => {
    expect(timeLeft(NOW + 3 * DAY + 1, NOW)).toBe("3 days left");
    expect(timeLeft(NOW + DAY, NOW)).toBe("1 day left");
    expect(timeLeft(NOW + DAY - 1, NOW)).toBe("less than a day left");
  });
});
