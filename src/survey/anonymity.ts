import {
  countAnswers,
  everyoneCounts,
  type GroupCounts,
  type RoundCounts,
  type SideCounts,
} from "./counts.js";
import { totalScore } from "./scoring.js";
import { type Answer, GROUP_LABELS, type Group, type Side } from "./types.js";

/** The smallest group size the product ever shows, whatever the configuration says. */
export const ABSOLUTE_MIN_GROUP = 3;

/**
 * The minimum group size when `TRUCE_MIN_GROUP` is not set. Above the floor because a group of n
 * always tells each member the sum of the other n − 1 (their own answer and the mean are enough):
 * with 3 that is the sum of just two colleagues.
 */
export const DEFAULT_MIN_GROUP = 5;

export type WithheldReason =
  /** The round is still open: only participation counts may be shown. */
  | "round-open"
  /** A side has fewer respondents than the minimum, so no per-side figure may be shown. */
  | "side-too-small"
  /** Too few respondents altogether: nothing but counts may be shown. */
  | "everyone-too-small";

/** The minimum group size actually applied: the configured one, never below the absolute floor. */
export function effectiveMinGroup(minGroup: number): number {
  // NaN (a bad configuration) must not switch the rule off: fall back to the floor.
  return Number.isFinite(minGroup) ? Math.max(ABSOLUTE_MIN_GROUP, minGroup) : ABSOLUTE_MIN_GROUP;
}

export interface Disclosure {
  /** Groups whose figures may be shown. Never a single side without the other. */
  groups: Group[];
  /**
   * Whether per-statement figures may be shown: statement means, strongest and weakest, and
   * anything chosen from them (the advice's statements). Only when both sides are shown; when a
   * side is withheld, Everyone is shown as its total only.
   */
  perStatement: boolean;
  withheld: WithheldReason[];
}

/**
 * The one place that decides which groups' figures may be shown (README.md § Anonymity).
 * 1. While a round is open, no scores at all: comparing reports around one submission would
 *    reveal it.
 * 2. A group is shown only with at least `minGroup` respondents, and per-side figures only when
 *    *both* sides reach it: otherwise "everyone" minus "the other side" gives the small side away.
 * 3. When a side is withheld, Everyone is shown as its total only. Its per-statement means minus
 *    the other side's per-statement means from an earlier round (where both sides were shown,
 *    and whose results stay in the channels' history) would give the small side's ratings
 *    statement by statement. A total is one number per group, not twenty.
 */
export function disclosure(
  counts: Record<Side, number>,
  options: { minGroup: number; roundClosed: boolean },
): Disclosure {
  const min = effectiveMinGroup(options.minGroup);
  if (!options.roundClosed) return { groups: [], perStatement: false, withheld: ["round-open"] };
  const withheld: WithheldReason[] = [];
  const groups: Group[] = [];
  const sides = counts.sales >= min && counts.marketing >= min;
  if (sides) groups.push("sales", "marketing");
  else withheld.push("side-too-small");
  if (counts.sales + counts.marketing >= min) groups.push("everyone");
  else withheld.push("everyone-too-small");
  return { groups, perStatement: sides, withheld };
}

/** Two sides' answers, always handed out together. */
export interface SideAnswers {
  sales: readonly Answer[];
  marketing: readonly Answer[];
}

/**
 * The answers an analysis may look at, already cut down by {@link disclosure}. This is the only
 * gateway from raw answers to anything that computes a score: report.ts, trend.ts and mirror.ts
 * read groups from here, never from the raw list, so a withheld group cannot leak into a figure.
 * The two sides come as one pair, so no code path can ever hold one side without the other, and
 * Everyone's ratings come only with them: when the sides are withheld, only totals are handed out.
 */
export interface DisclosedAnswers {
  disclosure: Disclosure;
  /** Respondent counts per side; counts are always shown (they are not scores). */
  counts: Record<Side, number>;
  /** Everyone's totals (20–100), one per respondent, when Everyone may be shown at all. */
  everyoneTotals?: readonly number[];
  /** Everyone's answers, only when per-statement figures may be shown (both sides are). */
  everyone?: readonly Answer[];
  /** Both sides' answers, when per-side figures may be shown. */
  sides?: SideAnswers;
}

function split(answers: readonly Answer[]): SideAnswers {
  return {
    sales: answers.filter((a) => a.side === "sales"),
    marketing: answers.filter((a) => a.side === "marketing"),
  };
}

export function discloseAnswers(
  answers: readonly Answer[],
  options: { minGroup: number; roundClosed: boolean },
): DisclosedAnswers {
  const { sales, marketing } = split(answers);
  const counts = { sales: sales.length, marketing: marketing.length };
  const disc = disclosure(counts, options);
  const out: DisclosedAnswers = { disclosure: disc, counts };
  if (disc.groups.includes("everyone")) {
    out.everyoneTotals = answers.map((a) => totalScore(a.ratings));
    if (disc.perStatement) out.everyone = answers;
  }
  if (disc.groups.includes("sales") && disc.groups.includes("marketing")) {
    out.sides = { sales, marketing };
  }
  return out;
}

/**
 * The tallies an analysis may look at: the same gateway as {@link discloseAnswers}, for a round
 * already counted (counts.ts). Everyone's tally of totals only when Everyone may be shown, its
 * per-statement tally only when per-statement figures may be, and both sides' tallies together
 * or not at all.
 */
export interface DisclosedCounts {
  disclosure: Disclosure;
  counts: Record<Side, number>;
  /** Everyone's tally of totals, when Everyone may be shown at all. */
  everyoneTotals?: readonly number[];
  /** Everyone's tallies, only when per-statement figures may be shown. */
  everyone?: GroupCounts;
  /** Both sides' tallies, when per-side figures may be shown. */
  sides?: { sales: SideCounts; marketing: SideCounts };
}

export function discloseCounts(
  round: RoundCounts,
  options: { minGroup: number; roundClosed: boolean },
): DisclosedCounts {
  const counts = { sales: round.sales.n, marketing: round.marketing.n };
  const disc = disclosure(counts, options);
  const out: DisclosedCounts = { disclosure: disc, counts };
  if (disc.groups.includes("everyone")) {
    const everyone = everyoneCounts(round);
    out.everyoneTotals = everyone.totals;
    if (disc.perStatement) out.everyone = everyone;
  }
  if (disc.groups.includes("sales") && disc.groups.includes("marketing")) {
    out.sides = { sales: round.sales, marketing: round.marketing };
  }
  return out;
}

/** Plain-language notes on what a disclosure withholds, for reports to show beside the figures. */
export function withheldNotes(
  disclosed: Pick<DisclosedAnswers, "disclosure" | "counts">,
  minGroup: number,
): string[] {
  const min = effectiveMinGroup(minGroup);
  const { sales, marketing } = disclosed.counts;
  const total = sales + marketing;
  const totalOnly = disclosed.disclosure.groups.includes("everyone")
    ? " Everyone is shown as its total only, without per-statement figures."
    : "";
  const notes: Record<WithheldReason, string> = {
    "round-open": "The round is still open: only participation is shown until it closes.",
    "side-too-small": `Per-side figures are withheld: each side needs at least ${min} respondents (Sales n=${sales}, Marketing n=${marketing}).${totalOnly}`,
    "everyone-too-small": `No scores are shown: at least ${min} respondents are needed (n=${total}).`,
  };
  return disclosed.disclosure.withheld.map((reason) => notes[reason]);
}

/**
 * Whether a group's change between two rounds may be shown, judged from who answered. Showing
 * the change puts the earlier round's figure beside the new one; if the two groups differ by one
 * person and everybody else answered as before, the difference of the sums *is* that person's
 * answer. So the change is shown only when the respondents are the same people in both rounds
 * (the change is then the group's own), or when the symmetric difference of the two sets of
 * respondents (people in one round but not the other) has at least `minGroup` people, so that
 * the difference mixes at least a minimum group. Unknown pseudonyms, or one pseudonym twice in
 * a round, make the sets unknowable: the change is then withheld.
 */
export function respondentsAllowChange(
  previous: readonly Answer[],
  current: readonly Answer[],
  minGroup: number,
): boolean {
  const keys = (answers: readonly Answer[]) =>
    answers.every((a) => typeof a.respondent === "string" && a.respondent !== "")
      ? answers.map((a) => a.respondent as string)
      : undefined;
  return respondentKeysAllowChange(keys(previous), keys(current), minGroup);
}

/**
 * respondentsAllowChange on the pseudonyms of the two rounds' respondents (undefined when any is
 * unknown).
 */
export function respondentKeysAllowChange(
  previous: readonly string[] | undefined,
  current: readonly string[] | undefined,
  minGroup: number,
): boolean {
  const before = respondentSet(previous);
  const now = respondentSet(current);
  if (before === undefined || now === undefined) return false;
  let differing = 0;
  for (const person of before) if (!now.has(person)) differing++;
  for (const person of now) if (!before.has(person)) differing++;
  return differing === 0 || differing >= effectiveMinGroup(minGroup);
}

/** Whose change may be shown, judged from who answered (respondentsAllowChange per group). */
export interface ChangePermissions {
  everyone: boolean;
  sales: boolean;
  marketing: boolean;
}

// Where a pseudonym was seen: one bit per round and side.
const PREVIOUS_SALES = 1;
const PREVIOUS_MARKETING = 2;
const CURRENT_SALES = 4;
const CURRENT_MARKETING = 8;
const PREVIOUS = PREVIOUS_SALES | PREVIOUS_MARKETING;
const CURRENT = CURRENT_SALES | CURRENT_MARKETING;

/** Items handled between two yields of a stepwise computation (see permissionSteps). */
const STEP_EVERY = 1024;

/**
 * respondentsAllowChange for Everyone and each side at once, in one map from pseudonym to where
 * it was seen (a bit per round and side): a few passes over the pseudonyms instead of a set per
 * group. A generator that yields every STEP_EVERY pseudonyms, so the same code runs in one go
 * (changePermissions) or in time slices for a large round (changePermissionsInSlices). A
 * pseudonym twice in one round, or an unknown one, makes that round's sets unknowable: no change
 * is shown at all (the sides' change needs Everyone's, see discloseChangeOfCounts).
 */
function* permissionSteps(
  previous: RoundCounts,
  current: RoundCounts,
  minGroup: number,
): Generator<void, ChangePermissions> {
  const none = { everyone: false, sales: false, marketing: false };
  const lists: [readonly string[] | undefined, number, number][] = [
    [previous.sales.respondents, PREVIOUS_SALES, PREVIOUS],
    [previous.marketing.respondents, PREVIOUS_MARKETING, PREVIOUS],
    [current.sales.respondents, CURRENT_SALES, CURRENT],
    [current.marketing.respondents, CURRENT_MARKETING, CURRENT],
  ];
  const seen = new Map<string, number>();
  for (const [keys, bit, round] of lists) {
    if (keys === undefined) return none;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const bits = seen.get(key) ?? 0;
      if (bits & round) return none;
      seen.set(key, bits | bit);
      if (i % STEP_EVERY === 0) yield;
    }
  }
  let everyone = 0;
  let sales = 0;
  let marketing = 0;
  let i = 0;
  const differs = (bits: number, before: number, after: number) =>
    ((bits & before) === 0) !== ((bits & after) === 0);
  for (const bits of seen.values()) {
    if (differs(bits, PREVIOUS, CURRENT)) everyone++;
    if (differs(bits, PREVIOUS_SALES, CURRENT_SALES)) sales++;
    if (differs(bits, PREVIOUS_MARKETING, CURRENT_MARKETING)) marketing++;
    if (++i % STEP_EVERY === 0) yield;
  }
  const min = effectiveMinGroup(minGroup);
  const ok = (differing: number) => differing === 0 || differing >= min;
  return { everyone: ok(everyone), sales: ok(sales), marketing: ok(marketing) };
}

/** Whose change may be shown (see permissionSteps), computed in one go. */
export function changePermissions(
  previous: RoundCounts,
  current: RoundCounts,
  minGroup: number,
): ChangePermissions {
  const steps = permissionSteps(previous, current, minGroup);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

function respondentSet(keys: readonly string[] | undefined): Set<string> | undefined {
  if (keys === undefined) return undefined;
  const set = new Set<string>();
  for (const key of keys) {
    if (typeof key !== "string" || key === "") return undefined;
    set.add(key);
  }
  return set.size === keys.length ? set : undefined;
}

export interface ChangeDisclosure {
  /** Groups whose change since the previous round may be shown, in the order Sales, Marketing, Everyone. */
  groups: Group[];
  /** Groups shown in both rounds whose change is nevertheless withheld because of who answered. */
  withheld: Group[];
}

/**
 * The tallies of totals of both rounds for each group whose change may be shown, and both sides'
 * tallies in both rounds only when both sides' change may be shown (the statement gaps need
 * them). The trend reads nothing else.
 */
export interface DisclosedChange {
  disclosure: ChangeDisclosure;
  /** Tallies of totals (cell k: how many reached the lowest total + k). */
  totals: Partial<Record<Group, { previous: readonly number[]; current: readonly number[] }>>;
  sides?: {
    previous: { sales: SideCounts; marketing: SideCounts };
    current: { sales: SideCounts; marketing: SideCounts };
  };
}

/** discloseChangeOfCounts on two rounds' answers (counted here, and checked on the way). */
export function discloseChange(
  previousAnswers: readonly Answer[],
  currentAnswers: readonly Answer[],
  options: { minGroup: number; roundClosed: boolean },
): DisclosedChange {
  const count = (previousAnswers[0] ?? currentAnswers[0])?.ratings.length ?? 0;
  return discloseChangeOfCounts(
    countAnswers(previousAnswers, count, "previous answer"),
    countAnswers(currentAnswers, count),
    options,
  );
}

/**
 * Which groups' change between the previous closed round and this one may be shown. A group
 * qualifies when it may be shown in both rounds ({@link disclosure}) and its respondents allow
 * it ({@link respondentsAllowChange}). Sales' and Marketing's changes add up to Everyone's (the
 * sums of a round's two sides are Everyone's sum), and any two of the three give the third, so:
 * Everyone's change needs Everyone to qualify; the sides' changes need both sides *and*
 * Everyone to qualify, and come as a pair.
 */
export function discloseChangeOfCounts(
  previousRound: RoundCounts,
  currentRound: RoundCounts,
  options: { minGroup: number; roundClosed: boolean },
  /** Precomputed (changePermissionsInSlices); computed here when absent. */
  permissions?: ChangePermissions,
): DisclosedChange {
  const previous = discloseCounts(previousRound, { ...options, roundClosed: true });
  const current = discloseCounts(currentRound, options);
  const inBoth = current.disclosure.groups.filter((g) => previous.disclosure.groups.includes(g));
  const allowed = permissions ?? changePermissions(previousRound, currentRound, options.minGroup);

  const everyoneBefore = everyoneCounts(previousRound);
  const everyoneNow = everyoneCounts(currentRound);
  const everyoneOk = inBoth.includes("everyone") && allowed.everyone;
  const sidesOk =
    everyoneOk &&
    previous.sides !== undefined &&
    current.sides !== undefined &&
    allowed.sales &&
    allowed.marketing;

  const out: DisclosedChange = {
    disclosure: { groups: [], withheld: [] },
    totals: {},
  };
  if (sidesOk && previous.sides && current.sides) {
    out.disclosure.groups.push("sales", "marketing");
    out.totals.sales = {
      previous: previous.sides.sales.totals,
      current: current.sides.sales.totals,
    };
    out.totals.marketing = {
      previous: previous.sides.marketing.totals,
      current: current.sides.marketing.totals,
    };
    out.sides = { previous: previous.sides, current: current.sides };
  }
  if (everyoneOk) {
    out.disclosure.groups.push("everyone");
    out.totals.everyone = { previous: everyoneBefore.totals, current: everyoneNow.totals };
  }
  out.disclosure.withheld = inBoth.filter((g) => !out.disclosure.groups.includes(g));
  return out;
}

/** The plain-language note for changes withheld because of who answered, if any. */
export function changeWithheldNote(change: ChangeDisclosure, minGroup: number): string | undefined {
  if (change.withheld.length === 0) return undefined;
  const names = change.withheld.map((g) => GROUP_LABELS[g]);
  const list =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `The change since the previous round is not shown for ${list}: it is shown only when a group was answered by the same people both times, or by people who differ by at least ${effectiveMinGroup(minGroup)}.`;
}
