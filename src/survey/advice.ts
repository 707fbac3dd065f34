import { EPSILON, type StatementGap, type StatementMean } from "./gap.js";
import { oneDecimal } from "./scoring.js";
import { shownOneDecimal } from "./shown.js";
import { LEVELS, type Level, type Market } from "./types.js";

/**
 * Suggested joint actions. The moves between levels (and the advice to stay put) are the
 * article's recommendations for moving up a level, in our words and without additions of ours;
 * the per-statement actions are Truce's own, aimed at a weak or disputed statement. Every action
 * says which of the two it is (`origin`, `originNote`).
 *
 * Advice is computed only from figures the report may show (report.ts passes the Everyone means
 * and the statement gaps only when per-statement figures are disclosed, and otherwise the level
 * alone), so it can never hint at something the anonymity rules withhold.
 */

/** The level worth aiming for in each kind of market (`TRUCE_MARKET`). */
export const TARGET_LEVEL: Record<Market, Level> = {
  stable: "Defined",
  shifting: "Aligned",
  complex: "Integrated",
};

/** At most this many actions. */
export const MAX_ACTIONS = 5;
/**
 * Below target, at most this many level moves come first; the next slots go to the weakest and
 * disputed statements, and level moves fill what is left.
 */
export const LEVEL_MOVES_FIRST = 2;
/** A statement is weak when Everyone's mean rating, as shown (one decimal), is below this. */
export const WEAK_MEAN = 3.0;
/** "Agree": the rating an impact estimate measures a statement's shortfall against. */
export const AGREE_RATING = 4;

export interface ActionText {
  title: string;
  /** One to three sentences, our own words. */
  detail: string;
}

/** A move towards the next level, and the statements it should lift. */
export interface LevelMove extends ActionText {
  id: string;
  /** Statement ids (built-in instrument) the move works on; used to rank moves by impact. */
  links: readonly string[];
  /** A statement whose own targeted action this move already is (not suggested twice). */
  covers?: string;
}

/** The steps up, keyed by the level they start from. */
export type StepFrom = Exclude<Level, "Integrated">;

export const LEVEL_MOVES: Record<StepFrom, readonly LevelMove[]> = {
  Undefined: [
    {
      id: "rules-of-engagement",
      title: "Agree rules of engagement",
      detail:
        "Set rules of engagement with clear hand-off points between the teams, such as who follows up a lead and when.",
      links: ["little-firefighting", "no-blame-game"],
    },
    {
      id: "define-lead",
      title: "Agree what counts as a lead",
      detail:
        "Agree shared definitions of the terms the teams argue about, starting with what counts as a lead.",
      links: ["common-language"],
      covers: "common-language",
    },
    {
      id: "set-expectations",
      title: "Use meetings to set expectations",
      detail: "Use the meetings between the teams to state what each side expects of the other.",
      links: ["sales-gives-feedback", "useful-collateral", "little-firefighting"],
    },
    {
      id: "joint-events",
      title: "Run the big events together",
      detail: "Run large events, such as conferences and trade shows, jointly.",
      links: ["joint-training", "marketing-meets-customers"],
    },
  ],
  Defined: [
    {
      id: "meeting-rhythm",
      title: "Set a joint meeting rhythm",
      detail:
        "Meet at least quarterly, ideally monthly, on the biggest opportunities and problems, and leave each meeting with actions due by the next one. Write down when to bring in whom, such as the brand manager on large deals and marketing at top-ten account reviews, and keep a who-to-call list current.",
      links: ["little-firefighting", "marketing-key-accounts", "no-blame-game"],
    },
    {
      id: "joint-assignments",
      title: "Work on each other's turf",
      detail:
        "Have marketers join sales calls and account planning, and salespeople help draft the marketing plan, sit in on product reviews and preview campaigns. Together, write a playbook for growing the top ten accounts in each segment.",
      links: ["marketing-meets-customers", "sales-shapes-plan", "joint-segments", "people-move"],
    },
    {
      id: "marketing-liaison",
      title: "Give the sales force a marketing liaison",
      detail:
        "Appoint a marketing liaison whom the salespeople trust and who works alongside the sales force.",
      links: ["useful-collateral", "sales-gives-feedback"],
    },
    {
      id: "co-location",
      title: "Sit together",
      detail:
        "Seat the teams, or at least their key people, near each other. Being close matters most early on.",
      links: ["rise-or-fall-together", "common-language"],
    },
    {
      id: "easy-feedback",
      title: "Make sales feedback effortless",
      detail:
        "Make feedback low-effort for salespeople: monthly or quarterly summaries from the head of sales, short forms, and marketing reading call reports and CRM data itself.",
      links: ["sales-gives-feedback", "marketing-improves-funnel"],
      covers: "sales-gives-feedback",
    },
  ],
  Aligned: [
    {
      id: "revenue-leader",
      title: "Put one leader over revenue",
      detail:
        "Consider a chief revenue or customer officer responsible for sales, marketing, service and pricing.",
      links: ["one-revenue-leader"],
      covers: "one-revenue-leader",
    },
    {
      id: "joint-funnel",
      title: "Design the funnel together",
      detail:
        "Map the marketing and sales funnels as one chain and give marketing a part in every sales stage: lead standards, value propositions, solution material, case studies and pricing advice. Bring sales into segmentation and positioning work in return.",
      links: ["shared-funnel", "marketing-improves-funnel", "joint-segments"],
      covers: "shared-funnel",
    },
    {
      id: "split-marketing",
      title: "Split marketing into upstream and downstream",
      detail:
        "Give one group the long-range work of market sensing, product strategy and positioning, and another the near-term support of the sales force.",
      links: ["leaders-discuss-strategy", "long-range-planning"],
    },
    {
      id: "shared-rewards",
      title: "Share revenue targets and rewards",
      detail: "Review compensation so that both teams are rewarded for the same revenue results.",
      links: ["rise-or-fall-together", "no-blame-game"],
    },
    {
      id: "integrated-metrics",
      title: "Commit to one number",
      detail:
        "Adopt an integrated metric, one number both teams commit to, while each keeps its own metrics.",
      links: ["shared-metrics", "forecast-accuracy"],
      covers: "shared-metrics",
    },
    {
      id: "embed-marketers",
      title: "Embed marketers in key accounts",
      detail:
        "Make a marketer a standing member of each key-account team, shaping and carrying out the account strategy.",
      links: ["marketing-key-accounts", "marketing-meets-customers"],
      covers: "marketing-key-accounts",
    },
  ],
};

/** Why a step up is (or is not) worth it, shown with the moves for that step. */
export const STEP_NOTES: Record<StepFrom, string> = {
  Undefined:
    "Only act if conflicts between the teams keep coming back: a small company whose people get on well informally is better left alone.",
  Defined:
    "Moving to Aligned pays off when your market is commoditising or customers expect offers tailored to them.",
  Aligned:
    "Integration pays off when competition is complex and changes fast; most companies do well at Aligned, especially with short sales cycles and simple sales processes.",
};

/** The article's caveat for Undefined → Defined. */
export const UNDEFINED_CAVEAT = STEP_NOTES.Undefined;

/**
 * A targeted action for each statement of the built-in instrument (keyed by statement id), used
 * when the statement is weak or disputed. Each detail is one or two sentences.
 */
export const STATEMENT_ACTIONS: Readonly<Record<string, ActionText>> = {
  "forecast-accuracy": {
    title: "Build the forecast together",
    detail:
      "Review the forecast jointly each month, setting pipeline data beside campaign plans, and note why last month's number missed.",
  },
  "no-blame-game": {
    title: "Review misses without blame",
    detail:
      "When results disappoint, hold one joint review that asks what went wrong in the shared process rather than whose fault it was. End it with one fix each side owns.",
  },
  "marketing-meets-customers": {
    title: "Put marketers in front of customers",
    detail:
      "Have each marketer join a few live deals or customer visits every quarter and report back to both teams on what they heard.",
  },
  "sales-shapes-plan": {
    title: "Draft the marketing plan with sales",
    detail:
      "Invite a few salespeople to a working session on the next marketing plan and to preview campaigns before they launch.",
  },
  "useful-collateral": {
    title: "Let sales test material first",
    detail:
      "Agree that no sales material ships until a few salespeople have tried it on real deals, and retire the pieces nobody uses.",
  },
  "sales-gives-feedback": {
    title: "Make feedback quick to give",
    detail:
      "Swap long requests for a two-minute monthly form or a short summary from the head of sales. Show salespeople what changed because of what they said.",
  },
  "common-language": {
    title: "Agree shared definitions",
    detail:
      "Hold a joint session to agree what counts as a lead, a marketing-qualified lead (MQL) and a sales-qualified lead (SQL). Publish the definitions where both teams work.",
  },
  "leaders-discuss-strategy": {
    title: "Give the two heads a strategy hour",
    detail:
      "Book a regular slot where the heads of sales and marketing discuss only upstream questions: new ideas, what the market is signalling and where the product should go.",
  },
  "joint-segments": {
    title: "Map how each segment buys",
    detail:
      "Run a joint workshop on how each customer segment actually buys, using salespeople's deal stories alongside marketing's research.",
  },
  "little-firefighting": {
    title: "Take disputes out of joint meetings",
    detail:
      "Agree a quick escalation path for disputes so that joint meetings can spend their time on opportunities rather than crises.",
  },
  "long-range-planning": {
    title: "Look beyond next year together",
    detail:
      "Once a year, have both heads work through the offerings you expect to launch after next year and what each team must start now to be ready.",
  },
  "shared-metrics": {
    title: "Commit to one shared number",
    detail:
      "Pick one number both teams answer for, such as revenue from target segments, and review it together every month. Each team keeps its own working metrics as well.",
  },
  "marketing-key-accounts": {
    title: "Bring marketing into key-account plans",
    detail:
      "Invite a marketer to each key-account planning session and to the top-ten account reviews, with a named part in carrying out the plan.",
  },
  "shared-funnel": {
    title: "Map one funnel end to end",
    detail:
      "Draw the path from first awareness to loyal customer as a single funnel, mark each hand-off and agree who owns every stage.",
  },
  "marketing-improves-funnel": {
    title: "Let marketing study the pipeline",
    detail:
      "Give marketing access to funnel and CRM data and ask it for a monthly look at where deals stall and what would make the pipeline more predictable.",
  },
  "rise-or-fall-together": {
    title: "Win and lose as one team",
    detail:
      "Review wins and losses in joint sessions, credit both teams for every win, and consider a shared bonus element tied to revenue.",
  },
  "one-revenue-leader": {
    title: "Ask whether one leader should own revenue",
    detail:
      "Raise with top management whether sales and marketing should report to one revenue or customer executive, so that conflicts are settled in one place.",
  },
  "people-move": {
    title: "Open paths between the teams",
    detail:
      "Offer short rotations or secondments between sales and marketing, and advertise open roles to both teams.",
  },
  "joint-training": {
    title: "Train together",
    detail:
      "Build at least one training or learning event each quarter jointly, run by people from both teams for both teams.",
  },
  "co-present": {
    title: "Present to leadership together",
    detail:
      "Have each head help prepare and present the other's plan to top management, so that leadership hears one story.",
  },
};

/** The fallback for statements with ids of an organisation's own wording: built from the theme. */
export function genericStatementAction(theme: string): ActionText {
  return {
    title: `Work on '${theme}' together`,
    detail: `Put '${theme}' on the agenda of the next joint meeting: ask each side what good would look like, agree one concrete change with an owner, and check at the next round whether it moved.`,
  };
}

/** The targeted action for a statement: the built-in one for its id, else the generic one. */
export function statementAction(statement: { id: string; theme: string }): ActionText {
  return Object.hasOwn(STATEMENT_ACTIONS, statement.id)
    ? (STATEMENT_ACTIONS[statement.id] as ActionText)
    : genericStatementAction(statement.theme);
}

export type ActionKind = "stay" | "level-move" | "statement";

/** Whose action it is: one of the article's moves between levels, or Truce's own. */
export type ActionOrigin = "article" | "truce";

/** What triggered an action. */
export type ActionTrigger =
  | "at-target"
  | "level"
  | "weak-statement"
  | "disputed-statement"
  | "weak-and-disputed-statement";

export interface JointAction {
  /** Stable id: "stay", "move:<move id>" or "statement:<statement id>". */
  id: string;
  kind: ActionKind;
  trigger: ActionTrigger;
  title: string;
  /** One to three sentences. */
  detail: string;
  /** Why it is suggested: "Your combined level is Defined", "Everyone rates 'Common language' 2.1 of 5". */
  reason: string;
  /** The statement a statement action works on. */
  statementId?: string;
  /** Whose action it is (see the module comment). */
  origin: ActionOrigin;
  /** Says whose it is, to show with the action: "The article's move from Defined to Aligned". */
  originNote: string;
  /** Also suggested in the previous round (said in the reason). */
  repeated?: boolean;
}

/** Where the combined level stands against the market's target. */
export type TargetPosition = "below" | "at" | "above";

export interface Advice {
  market: Market;
  targetLevel: Level;
  /** The combined (Everyone) level the advice starts from. */
  level: Level;
  position: TargetPosition;
  /** At or above target: staying put is the right call (the first action says so too). */
  atTarget: boolean;
  /** One short paragraph framing the actions. */
  message: string;
  /** The article's caveat, present when the next step is Undefined → Defined. */
  caveat?: string;
  /** At most MAX_ACTIONS, ordered by expected impact. */
  actions: JointAction[];
  /** Open commitments, in hand rather than suggested again (present when there are any). */
  inHand?: CommitmentRef[];
  /** Commitments done since the previous round (present when there are any). */
  done?: CommitmentRef[];
}

export interface AdviceInput {
  market: Market;
  /** Everyone's level. */
  level: Level;
  /**
   * Everyone's per-statement means, only when per-statement figures are disclosed. Without them
   * the advice follows from the level alone: no statement actions, level moves in listed order.
   */
  statements?: readonly StatementMean[];
  /** Per-statement gaps, only when per-side figures are disclosed (read only with `statements`). */
  gaps?: readonly StatementGap[];
  /** Ids of the actions the previous round's report suggested, when known. */
  previousActions?: readonly string[];
  /** The workspace's commitments as they bear on this round's advice (see adviceCommitments). */
  commitments?: AdviceCommitments;
}

/** A commitment as the advice mentions it. */
export interface CommitmentRef {
  actionId: string;
  title: string;
  /** `YYYY-MM-DD`. */
  dueDate: string;
  statementIds: readonly string[];
  doneAt?: number;
}

export interface AdviceCommitments {
  /** Not done yet: neither their action nor, for a statement, its statement is suggested again. */
  open: readonly CommitmentRef[];
  /** Actions adopted from this very round's advice, done or not: not suggested again either. */
  adoptedHere: readonly string[];
  /** Done since the previous round closed: said in the advice, and beside an action suggested again. */
  done: readonly CommitmentRef[];
}

/** Said in the advice when it rests on the level alone. */
export const LEVEL_ONLY_NOTE =
  "Per-statement figures are withheld this round, so these actions follow from the combined level alone.";

interface Candidate {
  statement: StatementMean;
  gap: StatementGap | undefined;
  weak: boolean;
  disputed: boolean;
  priority: number;
}

function shortfall(mean: number): number {
  return Math.max(0, AGREE_RATING - mean);
}

function quoteTheme(theme: string): string {
  return `'${theme}'`;
}

function statementReason(c: Candidate): string {
  const theme = quoteTheme(c.statement.theme);
  const everyone = `Everyone rates ${theme} ${oneDecimal(c.statement.mean)} of 5`;
  if (!c.disputed || c.gap === undefined) return everyone;
  const apart = oneDecimal(Math.abs(c.gap.gap));
  const higher = c.gap.gap > 0 ? "Sales" : "Marketing";
  const sides = `Sales ${oneDecimal(c.gap.sales)}, Marketing ${oneDecimal(c.gap.marketing)}`;
  if (c.weak) {
    return `${everyone}, and the sides clearly differ on it: ${higher} rates it ${apart} points higher (${sides})`;
  }
  return `Sales and Marketing clearly differ on ${theme}: ${higher} rates it ${apart} points higher (${sides})`;
}

const TRUCE_NOTE: Record<Exclude<ActionTrigger, "at-target" | "level">, string> = {
  "weak-statement": "Truce's own suggestion, for a weak statement",
  "disputed-statement": "Truce's own suggestion, for a statement the sides dispute",
  "weak-and-disputed-statement": "Truce's own suggestion, for a weak statement the sides dispute",
};

function triggerOf(c: Candidate): keyof typeof TRUCE_NOTE {
  if (c.weak && c.disputed) return "weak-and-disputed-statement";
  return c.weak ? "weak-statement" : "disputed-statement";
}

/**
 * Weak (Everyone's mean as shown < WEAK_MEAN: "3.0 of 5" is never called weak) or disputed
 * (gap.ts decides, with the uncertainty in view: a gap the data cannot tell from chance is not a
 * dispute) statements, by expected impact: the shortfall of Everyone's mean from "Agree" plus
 * the distance between the sides when they dispute it, so both a low score and a split view
 * count; ties go to the lower statement number.
 */
function candidates(input: AdviceInput): Candidate[] {
  const gapsById = new Map((input.gaps ?? []).map((g) => [g.index, g]));
  const list: Candidate[] = [];
  for (const statement of input.statements ?? []) {
    const gap = gapsById.get(statement.index);
    const weak = shownOneDecimal(statement.mean) < WEAK_MEAN;
    const disputed = gap?.disputed === true;
    if (!weak && !disputed) continue;
    const priority = shortfall(statement.mean) + (gap && disputed ? Math.abs(gap.gap) : 0);
    list.push({ statement, gap, weak, disputed, priority });
  }
  return list.sort((a, b) => {
    const d = b.priority - a.priority;
    return Math.abs(d) <= EPSILON ? a.statement.index - b.statement.index : d;
  });
}

function statementActionFor(c: Candidate): JointAction {
  const text = statementAction(c.statement);
  const detail = c.disputed
    ? `Start by hearing why each side rates this as it does. ${text.detail}`
    : text.detail;
  return {
    id: `statement:${c.statement.id}`,
    kind: "statement",
    trigger: triggerOf(c),
    title: text.title,
    detail,
    reason: statementReason(c),
    statementId: c.statement.id,
    origin: "truce",
    originNote: TRUCE_NOTE[triggerOf(c)],
  };
}

/**
 * The moves for the step up from `level`, by expected impact: the mean shortfall from "Agree" of
 * the statements each move works on (statements missing from an organisation's own wording count
 * as no evidence), ties kept in the order listed.
 */
export function rankLevelMoves(
  from: StepFrom,
  statements: readonly StatementMean[],
): readonly LevelMove[] {
  const meanById = new Map(statements.map((s) => [s.id, s.mean]));
  const impact = (move: LevelMove) => {
    const found = move.links.flatMap((id) => {
      const mean = meanById.get(id);
      return mean === undefined ? [] : [shortfall(mean)];
    });
    return found.length === 0 ? 0 : found.reduce((a, b) => a + b, 0) / found.length;
  };
  return LEVEL_MOVES[from]
    .map((move, order) => ({ move, order, impact: impact(move) }))
    .sort((a, b) => {
      const d = b.impact - a.impact;
      return Math.abs(d) <= EPSILON ? a.order - b.order : d;
    })
    .map((x) => x.move);
}

function positionOf(level: Level, target: Level): TargetPosition {
  const d = LEVELS.indexOf(level) - LEVELS.indexOf(target);
  return d < 0 ? "below" : d === 0 ? "at" : "above";
}

const STABLE_NOTE =
  "In a stable market where people already get on well informally, leave well alone.";

/** What is already in hand: such actions are left out, so the advice goes on to the next ones. */
function inHandFilter(commitments: AdviceCommitments | undefined) {
  const actions = new Set([
    ...(commitments?.open ?? []).map((c) => c.actionId),
    ...(commitments?.adoptedHere ?? []),
  ]);
  const statements = new Set((commitments?.open ?? []).flatMap((c) => c.statementIds));
  return {
    move: (move: LevelMove) => !actions.has(`move:${move.id}`),
    statement: (c: Candidate) =>
      !actions.has(`statement:${c.statement.id}`) && !statements.has(c.statement.id),
  };
}

/** An action done since the last round and suggested again says so: it did not settle the matter. */
function markDone(action: JointAction, done: readonly CommitmentRef[]): JointAction {
  const earlier = done.find((c) => c.actionId === action.id);
  if (!earlier) return action;
  return {
    ...action,
    reason: `${action.reason}; '${earlier.title}' was done since the last round, and this still stands out`,
  };
}

/** The commitments part of the advice: open ones in hand, done ones to say so. */
function commitmentNotes(commitments: AdviceCommitments | undefined) {
  return {
    ...(commitments?.open.length ? { inHand: [...commitments.open] } : {}),
    ...(commitments?.done.length ? { done: [...commitments.done] } : {}),
  };
}

/** Marks an action suggested in the previous round too, and says so in its reason. */
function markRepeated(action: JointAction, previous: ReadonlySet<string>): JointAction {
  if (!previous.has(action.id)) return action;
  return { ...action, repeated: true, reason: `${action.reason}; also suggested last round` };
}

/**
 * Suggested joint actions for a round, from the figures the report may show. Below target, the
 * step's moves come first (at most LEVEL_MOVES_FIRST, by expected impact, those not suggested
 * last round before those that were), then the weakest and disputed statements, then further
 * moves. So the advice follows this round's data, and a move suggested last round does not make
 * up the whole advice again.
 */
export function suggestActions(input: AdviceInput): Advice {
  const { market, level } = input;
  const targetLevel = TARGET_LEVEL[market];
  const position = positionOf(level, targetLevel);
  const allowed = inHandFilter(input.commitments);
  const standingOut = candidates(input);
  const targeted = standingOut.filter(allowed.statement);
  const done = input.commitments?.done ?? [];
  const notes = commitmentNotes(input.commitments);
  const levelReason = `Your combined level is ${level}`;
  const previous = new Set(input.previousActions ?? []);

  if (position !== "below") {
    const stay: JointAction = {
      id: "stay",
      kind: "stay",
      trigger: "at-target",
      title: `Stay at ${level}`,
      detail:
        position === "at"
          ? "Your level suits your market, so protect the habits that got you here rather than reorganising. Run the diagnostic again in a few months to catch any slide."
          : "You are already past what your market needs, so spend no effort on climbing further. Keep the habits that work and watch for a slide at the next round.",
      reason: `${levelReason}; a ${market} market calls for ${targetLevel}`,
      origin: "article",
      originNote: "The article's advice: not every company should move up a level",
    };
    const actions = [stay, ...targeted.slice(0, MAX_ACTIONS - 1).map(statementActionFor)].map(
      (a) => (a.kind === "stay" ? a : markDone(markRepeated(a, previous), done)),
    );
    const opening =
      position === "at"
        ? `Your combined level is ${level}, the level a ${market} market calls for: staying put is the right call.`
        : `Your combined level is ${level}, above the ${targetLevel} a ${market} market calls for: staying put is the right call, with no need to invest in climbing further.`;
    const work =
      input.statements === undefined
        ? LEVEL_ONLY_NOTE
        : targeted.length > 0
          ? "The actions below work on weak or disputed statements rather than pushing up a level."
          : standingOut.length > 0
            ? "What stands out as weak or disputed is already in hand, so see it through and keep doing what works."
            : "Nothing stands out as weak or disputed, so keep doing what works.";
    const parts = [opening, work];
    if (market === "stable") parts.push(STABLE_NOTE);
    return {
      market,
      targetLevel,
      level,
      position,
      atTarget: true,
      message: parts.join(" "),
      actions,
      ...notes,
    };
  }

  // Below target: the step up from the current level (never Integrated here: it is the top).
  const from = level as StepFrom;
  const next = LEVELS[LEVELS.indexOf(level) + 1] as Level;
  const ranked = rankLevelMoves(from, input.statements ?? []).filter(allowed.move);
  const moves = [
    ...ranked.filter((m) => !previous.has(`move:${m.id}`)),
    ...ranked.filter((m) => previous.has(`move:${m.id}`)),
  ];
  const reasonsById = new Map(targeted.map((c) => [c.statement.id, c]));
  const moveAction = (move: LevelMove): JointAction => {
    const covered = move.covers === undefined ? undefined : reasonsById.get(move.covers);
    return {
      id: `move:${move.id}`,
      kind: "level-move",
      trigger: "level",
      title: move.title,
      detail: move.detail,
      reason: covered ? `${levelReason}; ${statementReason(covered)}` : levelReason,
      origin: "article",
      originNote: `The article's move from ${from} to ${next}`,
    };
  };
  const first = moves.slice(0, LEVEL_MOVES_FIRST);
  const covered = new Set(first.flatMap((m) => (m.covers === undefined ? [] : [m.covers])));
  const rest = targeted.filter((c) => !covered.has(c.statement.id));
  const actions: JointAction[] = first.map(moveAction);
  for (const c of rest.slice(0, MAX_ACTIONS - actions.length)) actions.push(statementActionFor(c));
  const listed = new Set(actions.flatMap((a) => (a.statementId ? [a.statementId] : [])));
  for (const move of moves.slice(LEVEL_MOVES_FIRST)) {
    if (actions.length >= MAX_ACTIONS) break;
    // A move that merely repeats a statement action already listed would waste a slot.
    if (move.covers !== undefined && listed.has(move.covers)) continue;
    actions.push(moveAction(move));
  }

  const towards =
    next === targetLevel
      ? `the next step, ${next}`
      : `the next step, ${next}, on the way to ${targetLevel}`;
  const levelOnly = input.statements === undefined ? ` ${LEVEL_ONLY_NOTE}` : "";
  const message = `Your combined level is ${level}. In a ${market} market ${targetLevel} is worth aiming for, so the actions below work on ${towards}.${levelOnly} ${STEP_NOTES[from]}`;
  const advice: Advice = {
    market,
    targetLevel,
    level,
    position,
    atTarget: false,
    message,
    actions: actions.map((a) => markDone(markRepeated(a, previous), done)),
    ...notes,
  };
  if (from === "Undefined") advice.caveat = UNDEFINED_CAVEAT;
  return advice;
}
