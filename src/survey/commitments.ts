import { type AdviceCommitments, type JointAction, LEVEL_MOVES } from "./advice.js";
import { nextWorkingTime, type WorkingHours } from "./reminders.js";
import type { Side } from "./types.js";

/**
 * Commitments: suggested actions a leader adopted, each with an owner on both sides and a due
 * day. Pure rules — what an action aims at, what a valid commitment is, which are overdue, who
 * may change one, which follow-ups are due — so they are unit-tested apart from Slack and SQL.
 */

export const COMMITMENT_LIMITS = { title: 150, note: 500 } as const;
/** The first follow-up comes this many days before the due day. */
export const REMINDER_DAYS_BEFORE = 7;

/** The part of a commitment these rules read. */
export interface CommitmentFacts {
  owners: Record<Side, string>;
  dueDate: string;
  createdAt: number;
  doneAt: number | undefined;
}

export type CommitmentStatus = "open" | "overdue" | "done";

/** A calendar day, `YYYY-MM-DD`, in a time zone. */
export function dayIn(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date(epochMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** `day` moved by whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
export const isCalendarDay = (value: string) => ISO_DAY.test(value) && addDays(value, 0) === value;

/** Open until done; overdue once its due day has passed. */
export function statusOf(c: Pick<CommitmentFacts, "dueDate" | "doneAt">, today: string) {
  if (c.doneAt !== undefined) return "done" as const;
  return c.dueDate < today ? ("overdue" as const) : ("open" as const);
}

/** The statements an action aims to move: its own statement, or the level move's links. */
export function targetStatements(action: Pick<JointAction, "id" | "statementId">): string[] {
  if (action.statementId) return [action.statementId];
  if (action.id.startsWith("move:")) {
    const id = action.id.slice("move:".length);
    for (const moves of Object.values(LEVEL_MOVES)) {
      const move = moves.find((m) => m.id === id);
      if (move) return [...move.links];
    }
  }
  return [];
}

export interface CommitmentDraft {
  title: string | undefined;
  salesOwner: string | undefined;
  marketingOwner: string | undefined;
  dueDate: string | undefined;
  note: string | undefined;
}

export type DraftField = keyof CommitmentDraft;

export type CheckedDraft =
  | {
      ok: true;
      value: {
        title: string;
        note: string | undefined;
        owners: Record<Side, string>;
        dueDate: string;
      };
    }
  | { ok: false; errors: Partial<Record<DraftField, string>> };

/**
 * What the Adopt and Change modals accept: a title, an owner on each side (two different
 * people: the point is that the sides do it together), a due day not in the past, a short note.
 */
export function checkDraft(draft: CommitmentDraft, today: string): CheckedDraft {
  const errors: Partial<Record<DraftField, string>> = {};
  const title = draft.title?.trim() ?? "";
  const note = draft.note?.trim() || undefined;
  if (!title) errors.title = "Give the commitment a title.";
  else if (title.length > COMMITMENT_LIMITS.title)
    errors.title = `Keep the title to ${COMMITMENT_LIMITS.title} characters.`;
  if (!draft.salesOwner) errors.salesOwner = "Choose who owns this on the sales side.";
  if (!draft.marketingOwner) errors.marketingOwner = "Choose who owns this on the marketing side.";
  else if (draft.marketingOwner === draft.salesOwner)
    errors.marketingOwner = "Choose someone else: one owner from each side works on it together.";
  if (!draft.dueDate || !isCalendarDay(draft.dueDate)) errors.dueDate = "Choose a due date.";
  else if (draft.dueDate < today) errors.dueDate = "Choose today or a later day.";
  if (note && note.length > COMMITMENT_LIMITS.note)
    errors.note = `Keep the note to ${COMMITMENT_LIMITS.note} characters.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      title,
      note,
      owners: { sales: draft.salesOwner as string, marketing: draft.marketingOwner as string },
      dueDate: draft.dueDate as string,
    },
  };
}

/** Owners and leaders may mark a commitment done or change it; nobody else. */
export function mayChange(c: Pick<CommitmentFacts, "owners">, userId: string, isLeader: boolean) {
  return isLeader || c.owners.sales === userId || c.owners.marketing === userId;
}

export interface Board<C> {
  overdue: C[];
  open: C[];
  /** Done since `since` (the last round's close), latest first. */
  doneSince: C[];
}

/** `/alignment actions`, the Home tab and the digest: overdue first, then open, then done. */
export function commitmentBoard<C extends CommitmentFacts & { id: number }>(
  commitments: readonly C[],
  today: string,
  since: number | undefined,
): Board<C> {
  const byDue = (a: C, b: C) =>
    a.dueDate === b.dueDate ? a.id - b.id : a.dueDate < b.dueDate ? -1 : 1;
  const notDone = commitments.filter((c) => c.doneAt === undefined);
  return {
    overdue: notDone.filter((c) => statusOf(c, today) === "overdue").sort(byDue),
    open: notDone.filter((c) => statusOf(c, today) === "open").sort(byDue),
    doneSince: commitments
      .filter((c) => c.doneAt !== undefined && (since === undefined || c.doneAt >= since))
      .sort((a, b) => (b.doneAt as number) - (a.doneAt as number) || b.id - a.id),
  };
}

export type FollowUp = "week-before" | "due-day";

/**
 * The follow-up an owner is owed today, if any: a week before the due day and on it. One that
 * would land the day the commitment was made (it was made with less than a week to go) is
 * skipped: the owner has just been told. Each is sent once (the outbox keys it).
 */
export function followUpDue(
  c: CommitmentFacts,
  today: string,
  timeZone: string,
): FollowUp | undefined {
  if (c.doneAt !== undefined || today > c.dueDate) return undefined;
  const made = dayIn(c.createdAt, timeZone);
  if (today === c.dueDate) return made === c.dueDate ? undefined : "due-day";
  const weekBefore = addDays(c.dueDate, -REMINDER_DAYS_BEFORE);
  if (today >= weekBefore && made < weekBefore) return "week-before";
  return undefined;
}

/** ISO weekday (1 = Monday) of a `YYYY-MM-DD` day. */
const weekdayOf = (day: string) => {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
};

/** The first of the owner's working days on or after `day` (within a week: there is one). */
function firstWorkingDay(day: string, hours: Pick<WorkingHours, "days">): string {
  for (let offset = 0; offset < 7; offset++) {
    const candidate = addDays(day, offset);
    if (hours.days.has(weekdayOf(candidate))) return candidate;
  }
  return day;
}

export interface OwnerFollowUp {
  kind: FollowUp;
  /** The owner's own calendar day the follow-up is sent on, for its wording. */
  today: string;
}

/**
 * The follow-up one owner is owed at `now`, in their own time zone and working hours: the
 * week-before one on a working day of that week, the due-day one on the due day, or on the first
 * working day after it when the due day is not one (then it says the commitment was due). None
 * outside working hours: the heartbeat asks again, and the owner gets it at the start of their
 * next working period, never at 3 a.m. nor on a Saturday.
 */
export function ownerFollowUp(
  c: CommitmentFacts,
  now: number,
  timeZone: string,
  hours: WorkingHours,
): OwnerFollowUp | undefined {
  if (c.doneAt !== undefined || nextWorkingTime(now, timeZone, hours) !== now) return undefined;
  const today = dayIn(now, timeZone);
  if (today >= c.dueDate) {
    const made = dayIn(c.createdAt, timeZone);
    const last = firstWorkingDay(c.dueDate, hours);
    return today <= last && made < c.dueDate ? { kind: "due-day", today } : undefined;
  }
  const kind = followUpDue(c, today, timeZone);
  return kind && { kind, today };
}

/** A statement's side means in two rounds, for "how it moved". */
export interface StatementMove {
  statementId: string;
  theme: string;
  sales: { before: number; after: number };
  marketing: { before: number; after: number };
}

export interface CommitmentEffect {
  title: string;
  doneAt: number;
  /** Empty when the change may not be shown (see `commitmentEffects`). */
  moves: StatementMove[];
}

/** One round's per-side means by statement id, as the report may show them. */
export type SideMeansById = ReadonlyMap<
  string,
  { theme: string; sales: number; marketing: number }
>;

/**
 * "Since the last round": each commitment done between the two rounds, and how the statements
 * it targeted moved for each side. The moves are given only when both rounds showed both sides
 * and the change between them may be shown (`changeShown`: the same people, or different by at
 * least the minimum group; see discloseChange); otherwise the commitment is listed alone.
 */
export function commitmentEffects(
  done: readonly {
    title: string;
    doneAt: number | undefined;
    statementIds: readonly string[];
  }[],
  window: { after: number; until: number },
  means: { before: SideMeansById | undefined; after: SideMeansById | undefined },
  changeShown: boolean,
): CommitmentEffect[] {
  return done
    .filter(
      (c): c is typeof c & { doneAt: number } =>
        c.doneAt !== undefined && c.doneAt >= window.after && c.doneAt <= window.until,
    )
    .sort((a, b) => a.doneAt - b.doneAt)
    .map((c) => {
      const moves: StatementMove[] = [];
      if (changeShown && means.before && means.after) {
        for (const id of c.statementIds) {
          const before = means.before.get(id);
          const after = means.after.get(id);
          if (!before || !after) continue;
          moves.push({
            statementId: id,
            theme: after.theme,
            sales: { before: before.sales, after: after.sales },
            marketing: { before: before.marketing, after: after.marketing },
          });
        }
      }
      return { title: c.title, doneAt: c.doneAt, moves };
    });
}

/**
 * How a workspace's commitments bear on one round's advice: those not done are in hand (not
 * suggested again), those adopted from this round are not suggested again either, and those done
 * since the previous round closed are said to be done.
 */
export function adviceCommitments(
  commitments: readonly (Pick<CommitmentFacts, "dueDate" | "doneAt"> & {
    roundId: number;
    actionId: string;
    title: string;
    statementIds: readonly string[];
  })[],
  round: { id: number; previousClosedAt: number | undefined },
): AdviceCommitments {
  const ref = (c: (typeof commitments)[number]) => ({
    actionId: c.actionId,
    title: c.title,
    dueDate: c.dueDate,
    statementIds: c.statementIds,
    ...(c.doneAt !== undefined ? { doneAt: c.doneAt } : {}),
  });
  const since = round.previousClosedAt;
  return {
    open: commitments.filter((c) => c.doneAt === undefined).map(ref),
    adoptedHere: commitments.filter((c) => c.roundId === round.id).map((c) => c.actionId),
    done: commitments
      .filter((c) => c.doneAt !== undefined && (since === undefined || c.doneAt >= since))
      .map(ref),
  };
}
