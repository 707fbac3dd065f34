import type { ActionsBlock, HomeView, KnownBlock, ModalView } from "@slack/types";
import type { Commitment } from "../store/types.js";
import type { JointAction } from "../survey/advice.js";
import type { Board } from "../survey/commitments.js";
import type { RoundReport } from "../survey/report.js";
import { oneDecimal } from "../survey/scoring.js";
import { GROUP_LABELS, type Side } from "../survey/types.js";
import { closeWarnings } from "./closing.js";
import {
  actionsBoard,
  BOARD_LIMIT,
  CHANGE_ACTION_ID,
  DONE_ACTION_ID,
  dueDay,
  sinceLastRoundBlocks,
} from "./commitments.js";
import { remindButton } from "./digest.js";
import {
  meanTotal,
  participationLine,
  pointsToNextText,
  responseRateLine,
  scoreLine,
} from "./figures.js";
import { USAGE_LINES } from "./help.js";
import { surveyButtonElement } from "./invitation.js";
import { type ClosedRound, FULL_REPORT_ACTION_ID, whoRatesHigher } from "./report.js";
import { nextLaunchLine } from "./schedule.js";
import { numberInput, OPEN_SETUP_ACTION_ID } from "./setup-modal.js";
import type { OpenRoundStatus } from "./status.js";
import { ANSWER_MINUTES } from "./survey-modal.js";
import {
  button,
  clip,
  context,
  divider,
  escapeMrkdwn,
  header,
  type MessageView,
  noticeModal,
  section,
  slackDate,
} from "./text.js";

/** Ids of the Home tab's own buttons and modals (the others are shared with messages). */
export const HOME_ACTION_IDS = {
  close: "home_close_round",
  launch: "home_launch_round",
  export: "home_export",
  me: "home_my_answers",
} as const;
export const HOME_CLOSE_CALLBACK_ID = "home_close_confirm";
export const HOME_LAUNCH_CALLBACK_ID = "home_launch";
export const LAUNCH_DAYS_BLOCK_ID = "launch_days";
export const LAUNCH_DAYS_ACTION_ID = "days";

/** A Home tab holds at most 100 blocks (Slack refuses more). */
export const HOME_BLOCK_LIMIT = 100;
/** How many rounds "Across rounds" lists, latest last. */
export const TREND_ROWS = 8;
/** How many of their own commitments a staff member's Home lists with buttons. */
export const OWN_COMMITMENTS_LIMIT = 10;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Everything a Home tab shows about a workspace, read once for every viewer of a refresh. */
export interface HomeInput {
  now: number;
  /** Today in the workspace's calendar (`YYYY-MM-DD`): what is overdue. */
  today: string;
  /** Both survey channels are chosen. */
  setUp: boolean;
  open?: { roundId: number; status: OpenRoundStatus; counts: Record<Side, number> } | undefined;
  nextLaunch?: number | undefined;
  latest?: { roundId: number; closed: ClosedRound } | undefined;
  /** Closed rounds of the latest wording, any order (each as its own report showed it). */
  history: readonly { closedAt: number; report: RoundReport }[];
  board: Board<Commitment>;
  /** The latest round's suggestions nobody adopted yet. */
  suggestions: readonly JointAction[];
  noSuggestions?: string | undefined;
}

export interface HomeViewer {
  userId: string;
  isLeader: boolean;
  /** What the viewer's last Home button did ("Reminding 12 people now"), shown at the top. */
  note?: { text: string; at: number } | undefined;
}

const actions = (blockId: string, elements: ActionsBlock["elements"]): ActionsBlock => ({
  type: "actions",
  block_id: blockId,
  elements,
});

function noteBlocks(note: HomeViewer["note"]): KnownBlock[] {
  if (!note) return [];
  return [section(note.text, "home_note"), context(`_As of ${slackDate(note.at)}_`), divider()];
}

/** "3 days left", "less than a day left". Pure. */
export function timeLeft(closesAt: number, now: number): string {
  const days = Math.floor((closesAt - now) / DAY_MS);
  if (days < 1) return "less than a day left";
  return `${days} day${days === 1 ? "" : "s"} left`;
}

/** The open round for a leader: when it closes, who answered, response rates, and its buttons. */
function leaderRoundBlocks(input: HomeInput): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (!input.setUp) {
    blocks.push(
      section(
        ":wrench: *Truce isn't set up yet.* Choose the sales and marketing channels (and who leads) to launch the first round.",
      ),
      actions("home_setup", [button("Set up", OPEN_SETUP_ACTION_ID, "setup", "primary")]),
    );
    return blocks;
  }
  const { open } = input;
  if (open) {
    const rate = responseRateLine(open.status.participation, open.status.invited);
    blocks.push(
      section(
        `:ballot_box_with_ballot: *A round is open* — it closes ${slackDate(open.status.closesAt)} (${timeLeft(open.status.closesAt, input.now)}).\n${participationLine(open.status.participation, open.status.invited)}${rate ? `\n${rate}` : ""}`,
        "home_round",
      ),
      actions("home_round_actions", [
        surveyButtonElement(open.roundId),
        remindButton(open.roundId),
        button("Close the round…", HOME_ACTION_IDS.close, String(open.roundId)),
        button("Set up", OPEN_SETUP_ACTION_ID, "setup"),
        button("Export CSV", HOME_ACTION_IDS.export, "export"),
      ]),
      context(
        "Scores appear when the round closes; until then only participation is shown. Reminders go by DM to those who haven't answered, in their working hours, and never say who.",
      ),
    );
  } else {
    const last = input.latest
      ? ` The last one closed ${slackDate(input.latest.closed.closedAt)}.`
      : " No round has run yet.";
    blocks.push(
      section(`:zzz: *No round is open.*${last}`, "home_round"),
      actions("home_round_actions", [
        button("Launch a round…", HOME_ACTION_IDS.launch, "launch", "primary"),
        button("Set up", OPEN_SETUP_ACTION_ID, "setup"),
        button("Export CSV", HOME_ACTION_IDS.export, "export"),
      ]),
    );
  }
  if (input.nextLaunch !== undefined) blocks.push(context(nextLaunchLine(input.nextLaunch)));
  return blocks;
}

/** The open round for everyone else: the survey button, and how many have answered. */
function staffRoundBlocks(input: HomeInput): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const { open } = input;
  if (open) {
    blocks.push(
      section(
        `:ballot_box_with_ballot: *A survey round is open* until ${slackDate(open.status.closesAt)}. It takes about ${ANSWER_MINUTES} minutes and is anonymous.`,
        "home_round",
      ),
      actions("survey_actions", [surveyButtonElement(open.roundId)]),
      context(participationLine(open.status.participation, open.status.invited)),
    );
  }
  if (input.nextLaunch !== undefined) blocks.push(context(nextLaunchLine(input.nextLaunch)));
  return blocks;
}

const gapLine = (g: NonNullable<RoundReport["gap"]>["widest"][number]) =>
  `${g.number}. ${escapeMrkdwn(g.theme)} — Sales ${oneDecimal(g.sales)} · Marketing ${oneDecimal(g.marketing)}: ${whoRatesHigher(g.gap)}`;

/**
 * The latest results in a few blocks: the levels, how differently the sides see it, and the
 * widest gaps, with the full report one button away. Only what the round's report shows.
 */
export function latestResultsBlocks(
  latest: HomeInput["latest"],
  options: { sinceLastRound: boolean },
): KnownBlock[] {
  const blocks: KnownBlock[] = [divider(), header("Latest results")];
  if (!latest) {
    blocks.push(
      section("No round has closed yet, so there are no results to show.", "home_results"),
    );
    return blocks;
  }
  const { report, closedAt } = latest.closed;
  blocks.push(
    section(
      `*The round that closed ${slackDate(closedAt)}* · ${participationLine(report.participation, report.participation.invited)}`,
      "home_results",
    ),
  );
  const notes = [...report.notes];
  if (report.participation.warning) notes.push(`:warning: ${report.participation.warning}`);
  if (notes.length > 0) blocks.push(context(...notes));
  if (report.levels.length > 0) {
    blocks.push(
      section(
        `*Levels* (mean score, 20–100)\n${report.levels
          .map((row) => {
            const next = pointsToNextText(row.mean);
            return `*${scoreLine(row)}* — ${next ?? "the highest level"}`;
          })
          .join("\n")}`,
      ),
    );
  }
  const gap = report.gap;
  if (gap) {
    const headline = [
      gap.levelHeadline ? `*${gap.levelHeadline}.*` : undefined,
      `${gap.overall.sentence} (mean score, 20–100).`,
    ]
      .filter(Boolean)
      .join(" ");
    const widest = gap.widest.slice(0, 3).map(gapLine);
    blocks.push(
      section(
        widest.length > 0
          ? `${headline}\n*Seen most differently* (ratings on the 1–5 scale)\n${widest.join("\n")}`
          : headline,
      ),
    );
  }
  if (options.sinceLastRound) blocks.push(...sinceLastRoundBlocks(latest.closed.effects));
  blocks.push(
    actions("home_results_actions", [
      button("Full report", FULL_REPORT_ACTION_ID, String(latest.roundId)),
    ]),
  );
  return blocks;
}

/**
 * "Across rounds": each closed round's visible groups, oldest first, as that round's own report
 * showed them (a group it withheld is withheld here too). Nothing before two rounds. Pure.
 */
export function trendLines(history: HomeInput["history"]): string[] {
  if (history.length < 2) return [];
  return [...history]
    .sort((a, b) => a.closedAt - b.closedAt)
    .slice(-TREND_ROWS)
    .map(({ closedAt, report }) => {
      const day = dueDay(new Date(closedAt).toISOString().slice(0, 10));
      const groups = report.levels.map(
        (row) => `${GROUP_LABELS[row.group]} ${meanTotal(row.mean)} (${row.level})`,
      );
      return `${day} — ${groups.length > 0 ? groups.join(" · ") : "_withheld: too few answers_"}`;
    });
}

function trendBlocks(history: HomeInput["history"]): KnownBlock[] {
  const lines = trendLines(history);
  if (lines.length === 0) return [];
  return [
    section(`*Across rounds* (mean score, 20–100; latest last)\n${lines.join("\n")}`, "home_trend"),
  ];
}

/** The leaders' board: the same as `/alignment actions`, with a pointer when it is cut. */
function leaderBoardBlocks(input: HomeInput): KnownBlock[] {
  const board = actionsBoard({
    board: input.board,
    today: input.today,
    suggestions: input.suggestions,
    roundId: input.latest?.roundId,
    isLeader: true,
    ...(input.noSuggestions ? { noSuggestions: input.noSuggestions } : {}),
  });
  const blocks: KnownBlock[] = [divider(), ...board.blocks];
  const pending = input.board.overdue.length + input.board.open.length;
  if (pending > BOARD_LIMIT || input.suggestions.length > 5 || input.board.doneSince.length > 5)
    blocks.push(context("`/alignment actions` lists every commitment and suggestion."));
  return blocks;
}

/** A staff member's own commitments, with the buttons they may use, overdue first. */
function ownCommitmentBlocks(input: HomeInput, userId: string): KnownBlock[] {
  const owns = (c: Commitment) => c.owners.sales === userId || c.owners.marketing === userId;
  const pending = [...input.board.overdue, ...input.board.open].filter(owns);
  const done = input.board.doneSince.filter(owns);
  if (pending.length === 0 && done.length === 0) return [];
  const blocks: KnownBlock[] = [divider(), header("Your joint commitments")];
  for (const c of pending.slice(0, OWN_COMMITMENTS_LIMIT)) {
    const overdue = c.dueDate < input.today ? " :warning: *overdue*" : "";
    blocks.push(
      section(
        `*${escapeMrkdwn(c.title)}*${overdue}\nSales: <@${c.owners.sales}> · Marketing: <@${c.owners.marketing}> · due ${dueDay(c.dueDate)}`,
      ),
      actions(`commitment_${c.id}`, [
        button("Mark done", DONE_ACTION_ID, String(c.id), "primary"),
        button("Change", CHANGE_ACTION_ID, String(c.id)),
      ]),
    );
  }
  if (done.length > 0)
    blocks.push(
      section(
        `*Done since the last round*\n${done
          .slice(0, 5)
          .map((c) => `• ${escapeMrkdwn(clip(c.title, 120))} :white_check_mark:`)
          .join("\n")}`,
      ),
    );
  if (pending.length > OWN_COMMITMENTS_LIMIT || done.length > 5)
    blocks.push(context("`/alignment actions` lists every commitment."));
  return blocks;
}

function commandBlocks(): KnownBlock[] {
  return [
    divider(),
    header("Commands"),
    section(USAGE_LINES.map(([command, what]) => `• \`${command}\` — ${what}`).join("\n")),
    context(
      "Truce never shows one person's answers: only group figures, only after a round closes.",
    ),
  ];
}

/**
 * At most HOME_BLOCK_LIMIT blocks: a long board is cut at the limit (the top — the round, its
 * buttons, the results — always fits), with a pointer to where the rest is. Pure.
 */
export function fitHome(blocks: readonly KnownBlock[]): KnownBlock[] {
  if (blocks.length <= HOME_BLOCK_LIMIT) return [...blocks];
  const kept = blocks.slice(0, HOME_BLOCK_LIMIT - 1);
  // A cut right after a commitment's text would leave it without its buttons: drop the text too.
  const last = kept.at(-1);
  const next = blocks[HOME_BLOCK_LIMIT - 1];
  if (last?.type === "section" && next?.type === "actions") kept.pop();
  kept.push(context("There is more than fits here: `/alignment actions` lists every commitment."));
  return kept;
}

/** The leader's desk: the round and its buttons, the results, the trend, the board. Pure. */
export function leaderHome(input: HomeInput, viewer: HomeViewer): HomeView {
  const blocks: KnownBlock[] = [
    header("Sales & Marketing alignment: your desk"),
    ...noteBlocks(viewer.note),
    ...leaderRoundBlocks(input),
    ...latestResultsBlocks(input.latest, { sinceLastRound: true }),
    ...trendBlocks(input.history),
    ...leaderBoardBlocks(input),
    ...commandBlocks(),
  ];
  return { type: "home", blocks: fitHome(blocks) };
}

/** Everyone else: the survey button, the latest summary, their commitments, their answers. Pure. */
export function staffHome(input: HomeInput, viewer: HomeViewer): HomeView {
  const blocks: KnownBlock[] = [
    header("Sales & Marketing alignment"),
    ...noteBlocks(viewer.note),
    ...staffRoundBlocks(input),
    ...latestResultsBlocks(input.latest, { sinceLastRound: false }),
    ...ownCommitmentBlocks(input, viewer.userId),
    divider(),
    section(
      "*Your own answers*\nCompare your answers in the latest closed round with each team's averages. Only you see them.",
      "home_me",
    ),
    actions("home_me_actions", [button("Compare my answers", HOME_ACTION_IDS.me, "me")]),
    ...commandBlocks(),
  ];
  return { type: "home", blocks: fitHome(blocks) };
}

export function homeView(input: HomeInput, viewer: HomeViewer): HomeView {
  return viewer.isLeader ? leaderHome(input, viewer) : staffHome(input, viewer);
}

/** Home's Close button asks first, as `/alignment close` does, with the same warnings. Pure. */
export function closeConfirmModal(input: {
  roundId: number;
  closesAt: number;
  counts: Record<Side, number>;
  minGroup: number;
}): ModalView {
  const warnings = closeWarnings(input.counts, input.minGroup);
  return {
    type: "modal",
    callback_id: HOME_CLOSE_CALLBACK_ID,
    private_metadata: String(input.roundId),
    title: { type: "plain_text", text: "Close the round" },
    submit: { type: "plain_text", text: "Close it now" },
    close: { type: "plain_text", text: "Keep it open" },
    blocks: [
      section(
        `*Close the round now?* It would close by itself ${slackDate(input.closesAt)}.\nAnswers so far: Sales n=${input.counts.sales} · Marketing n=${input.counts.marketing}.`,
      ),
      ...warnings.map((w) => section(`:warning: ${w}`)),
      context("Closing posts the results in both channels and sends each leader the full report."),
    ],
  };
}

/** Home's Launch button: the round's length (the workspace's default filled in). Pure. */
export function launchModal(input: {
  defaultDays: number;
  maxDays: number;
  channels: Record<Side, string>;
  inviteByDm: boolean;
}): ModalView {
  return {
    type: "modal",
    callback_id: HOME_LAUNCH_CALLBACK_ID,
    title: { type: "plain_text", text: "Launch a round" },
    submit: { type: "plain_text", text: "Launch" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      section(
        `Everyone in <#${input.channels.sales}> and <#${input.channels.marketing}> is invited${input.inviteByDm ? " (by DM, as set up)" : ""}; their answers are anonymous.`,
      ),
      numberInput(
        LAUNCH_DAYS_BLOCK_ID,
        "Open for how many days?",
        `A whole number from 1 to ${input.maxDays}.`,
        { min: 1, max: input.maxDays },
        input.defaultDays,
        LAUNCH_DAYS_ACTION_ID,
      ),
    ],
  };
}

/** Reads the launch modal's length: a whole number of days, or the inline error. Pure. */
export function parseLaunchDays(raw: string | null | undefined, maxDays: number): number | string {
  const days = Number(raw);
  const whole = typeof raw === "string" && raw.trim() !== "" && Number.isInteger(days);
  return whole && days >= 1 && days <= maxDays
    ? days
    : `Give a whole number of days from 1 to ${maxDays}.`;
}

/** `/alignment me` in a modal, from Home's "Compare my answers". Pure. */
export function myAnswersModal(message: MessageView): ModalView {
  return noticeModal("Your answers", "Close", message.blocks.slice(0, HOME_BLOCK_LIMIT));
}

/** What a Home button tells someone who may not use it, or when the round moved on. Pure. */
export const noticeOnHome = (title: string, text: string): ModalView =>
  noticeModal(title, "Close", [section(text)]);
