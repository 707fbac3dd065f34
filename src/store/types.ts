import type { RoundCounts } from "../survey/counts.js";
import type { Answer, Side } from "../survey/types.js";

/**
 * The repository interface every storage engine implements. Every method is asynchronous, so a
 * database that is busy (another writer's lock, a slow disk, a network round trip) makes the
 * caller wait without blocking the event loop for anyone else.
 */

export interface Invitation {
  side: Side;
  channel: string;
  ts: string;
}

export interface Invited {
  sales: number | undefined;
  marketing: number | undefined;
  /** Distinct people over both channels: the "of N" beside everyone's count. */
  people: number | undefined;
}

export interface Round {
  id: number;
  teamId: string;
  openedAt: number;
  closesAt: number;
  closedAt: number | undefined;
  salesChannel: string;
  marketingChannel: string;
  /** The statement ids the round was opened with, so answers stay tied to their wording. */
  statementIds: string[];
  /**
   * People in each channel at launch (bots, deactivated accounts and the bot excluded), for
   * response rates; `people` counts a person in both channels once. Undefined when unknown.
   */
  invited: Invited;
  /**
   * Whether the round's channel members were recorded at launch. Only then is a side verified;
   * rounds launched before members were recorded accept the side people chose.
   */
  membersKnown: boolean;
  /** Which secret keyed the round's respondents (see keys.ts); undefined for older rounds. */
  keyFingerprint: string | undefined;
}

export interface NewRound {
  teamId: string;
  openedByKey: string;
  openedAt: number;
  closesAt: number;
  salesChannel: string;
  marketingChannel: string;
  statementIds: readonly string[];
  invited: Invited;
  /** The members of each channel, as keyed hashes (never raw user ids). */
  members: Record<Side, readonly string[]>;
  keyFingerprint: string;
}

export class RoundAlreadyOpenError extends Error {
  constructor(readonly round: Round) {
    super(`round ${round.id} is already open`);
  }
}

export interface StoredResponse extends Answer {
  /** Coarsened to the hour: the exact moment of an answer could tell who gave it. */
  submittedAt: number;
  updatedAt: number;
}

export interface RoundRepository {
  get(id: number): Promise<Round | undefined>;
  openFor(teamId: string): Promise<Round | undefined>;
  latestClosed(teamId: string): Promise<Round | undefined>;
  /** The closed round before `round`, for trends. */
  previousClosed(round: Round): Promise<Round | undefined>;
  /** Open rounds whose deadline has passed. */
  due(now: number): Promise<Round[]>;
  allOpen(): Promise<Round[]>;
  /** Workspaces that have run at least one round. */
  teams(): Promise<string[]>;
  closedSince(since: number): Promise<Round[]>;
  /** Opens a round with its members; throws RoundAlreadyOpenError when one is open already. */
  open(round: NewRound): Promise<Round>;
  /** Closes a round; false when it was already closed (so closing is idempotent). */
  close(id: number, at: number): Promise<boolean>;
  /** Removes a round that never got going (no invitation could be posted), with its deliveries. */
  discard(id: number): Promise<void>;
  addInvitation(roundId: number, invitation: Invitation): Promise<void>;
  invitations(roundId: number): Promise<Invitation[]>;
  addReminder(roundId: number, reminder: { channel: string; ts: string }): Promise<void>;
  reminders(roundId: number): Promise<{ channel: string; ts: string }[]>;
  /**
   * Claims the next live refresh of a round's invitations, for every instance sharing the
   * database: true (and `now` recorded) when nobody refreshed them in the last `windowMs`, false
   * otherwise; false for a round that does not exist. `windowMs` 0 always claims (the refresh at
   * close, which must not wait).
   */
  claimRefresh(roundId: number, now: number, windowMs: number): Promise<boolean>;
}

export interface MemberRepository {
  /** The sides whose channel the person is in now (keyed hash). */
  sidesOf(roundId: number, memberKey: string): Promise<Side[]>;
  /** Someone joined (present) or left (absent) a survey channel during the round. */
  setPresent(roundId: number, side: Side, memberKey: string, present: boolean): Promise<void>;
  /** People in each channel now. */
  counts(roundId: number): Promise<Record<Side, number>>;
}

export interface ResponseRepository {
  /**
   * Saves one person's answer in a single transaction; a resubmission replaces the earlier one.
   * Returns whether it was new or an update. With `request`, the request is entered in the
   * request log (as RequestLog.firstSeen) in the same transaction: one that is there already is
   * a redelivery, and saves nothing ("duplicate"), so an old copy cannot overwrite a newer answer.
   * A round that is closed, or past its closing time at `at`, takes nothing ("closed"): checked in
   * the same transaction, so an answer saved while a close is under way is either in the close's
   * figures or refused, never acknowledged and left out. For a round whose members were recorded,
   * the respondent (`respondentKey` is their member key) must be in `side`'s channel now:
   * "not-a-member" when they are in neither, "other-side" when only in the other. Checked in the
   * same transaction too, so one call (one round trip on PostgreSQL) decides an answer.
   */
  save(input: {
    roundId: number;
    respondentKey: string;
    side: Side;
    ratings: readonly number[];
    at: number;
    request?: { teamId: string; key: string };
  }): Promise<SaveOutcome>;
  /** One person's own answer (for pre-filling their modal and their personal mirror). */
  find(roundId: number, respondentKey: string): Promise<StoredResponse | undefined>;
  /**
   * The round's verified answers, each with its respondent's keyed hash (so trends can tell
   * whether two rounds were answered by the same people). Ordered by key, never by time.
   */
  answers(roundId: number): Promise<Answer[]>;
  /** Verified respondents per side, counted by the database (no answer is read). */
  counts(roundId: number): Promise<Record<Side, number>>;
  /**
   * The keyed hash of everyone who answered the round, verified or not (someone whose answer
   * does not count has still answered, and is not reminded), in key order. No ratings are read.
   */
  respondentKeys(roundId: number): Promise<string[]>;
  /**
   * The round's verified answers as tallies (survey/counts.ts): how many on each side gave each
   * statement each rating, and how many on each side reached each total. Every figure of a
   * report follows from these, so no answer is handed to the caller. Counted in steps with the
   * event loop free between them (SQLite) or by the server (PostgreSQL): a round of any size
   * never holds up other requests. The pseudonyms are not returned (`respondents` is
   * undefined); respondentChange compares who answered two rounds. Throws InvalidAnswerError
   * if a stored answer is not `statementCount` ratings from 1 to 5.
   */
  tallies(roundId: number, statementCount: number): Promise<RoundCounts>;
  /**
   * How many people answered only one of two rounds (verified answers): `everyone` counts those
   * in one round and not the other, each side those on that side in one round and not on it in
   * the other (someone who moved side counts for both sides, not for Everyone). Compared by the
   * database, in steps on SQLite, so a million pseudonyms are never held at once.
   */
  respondentChange(
    previousRoundId: number,
    roundId: number,
  ): Promise<Record<"everyone" | Side, number>>;
}

export type SaveOutcome =
  | "created"
  | "updated"
  | "duplicate"
  | "closed"
  | "not-a-member"
  | "other-side";

/**
 * Whether someone in the channels of `sides` (present now) may answer for `side`: undefined if
 * so, otherwise why not. Both engines' saves decide with it.
 */
export function membershipRefusal(
  sides: readonly Side[],
  side: Side,
): "not-a-member" | "other-side" | undefined {
  if (sides.includes(side)) return undefined;
  return sides.length === 0 ? "not-a-member" : "other-side";
}

export type SettingKey =
  | "sales_channel"
  | "marketing_channel"
  | "active"
  /** Leaders chosen in /alignment setup (comma-separated user ids); win over every default. */
  | "leaders"
  /** When the app was uninstalled (epoch ms); the data is deleted once retention runs out. */
  | "removed_at"
  /** The Enterprise Grid organisation of the workspace, for scheduled work in an org install. */
  | "enterprise_id"
  /** Reminder slots chosen in setup (TRUCE_REMINDERS' syntax); win over the environment. */
  | "reminder_slots"
  /** How a launch invites people, chosen in setup: channel, dm or both. */
  | "invite_mode"
  /** The recurring-round cadence (a five-field cron expression); unset = rounds by hand. */
  | "schedule"
  /** When the next recurring round launches (epoch ms), claimed by compare-and-set. */
  | "next_launch_at"
  /** Chosen in /alignment setup (see services/settings.ts); each wins over its environment seed. */
  | "market"
  | "min_group"
  | "round_days"
  /** The leaders' digest: weekday 0–6 (Sunday 0) and HH:MM in each leader's time zone. */
  | "digest_day"
  | "digest_time"
  /**
   * The workspace's admins and owners (JSON: when listed, user ids), who lead when nobody was
   * chosen: listed once, then kept current from user events.
   */
  | "admins";

export interface SettingsRepository {
  get(teamId: string, key: SettingKey): Promise<string | undefined>;
  set(teamId: string, key: SettingKey, value: string): Promise<void>;
  delete(teamId: string, key: SettingKey): Promise<void>;
  /** Every workspace that has `key` set, with its value, ordered by workspace. */
  teamsWith(key: SettingKey): Promise<{ teamId: string; value: string }[]>;
  /**
   * Sets `key` to `value` (undefined deletes it) only if it is `expected` now (undefined: unset),
   * in one step: true when it did. Two instances claiming the same scheduled launch: one wins.
   */
  replace(
    teamId: string,
    key: SettingKey,
    expected: string | undefined,
    value: string | undefined,
  ): Promise<boolean>;
}

/** One message Truce owes someone: unique per workspace, kind, recipient and period. */
export interface DeliveryKey {
  teamId: string;
  kind: string;
  /** A channel id, or a person's keyed hash. */
  recipientKey: string;
  period: string;
}

export type DeliveryClaim =
  /** Already delivered. */
  | { state: "done"; ts: string | undefined }
  /** Someone is sending it right now (another request, job or instance). */
  | { state: "busy" }
  /** Ours to send; `resumed` when an earlier attempt may have posted it before failing. */
  | { state: "claimed"; resumed: boolean; attempts: number };

/**
 * The outbox: the intent to send is recorded first, the message posted, then marked done. A
 * crash in between leaves the intent pending, and whoever resumes it first checks whether the
 * earlier attempt got through.
 */
export interface DeliveryRepository {
  /** Claims a delivery for `leaseMs`: records the intent if new, takes over an expired lease. */
  claim(key: DeliveryKey, now: number, leaseMs: number): Promise<DeliveryClaim>;
  complete(key: DeliveryKey, ts: string | undefined, now: number): Promise<void>;
  /** The attempt failed: keep the intent, let the next attempt take it at once. */
  release(key: DeliveryKey): Promise<void>;
  /**
   * The first attempt was refused by Slack (so nothing was posted): forget the pending intent,
   * so the next attempt starts fresh instead of searching the recipient's history for it.
   */
  abandon(key: DeliveryKey): Promise<void>;
  isDone(key: DeliveryKey): Promise<boolean>;
  /** Ends every lease (start-up of the only instance: nobody else can be sending). */
  releaseAllLeases(): Promise<number>;
  /** Forgets the deliveries of a round that was discarded. */
  forgetPeriod(teamId: string, period: string): Promise<void>;
}

/** One direct message in the paced queue: unique per workspace, kind, period and person. */
export interface QueuedDmKey {
  teamId: string;
  /** What the DM is: "reminder" or "invitation". */
  kind: string;
  /** Which sending it belongs to, e.g. `round-4:slot-1`: a person gets one DM per period. */
  period: string;
  /**
   * The person's keyed hash, never the raw user id: the id is looked up among the round's
   * channel members when the DM is sent.
   */
  recipientKey: string;
}

export interface NewQueuedDm extends QueuedDmKey {
  roundId: number;
  /** Not sent before this time (the start of the person's working day). */
  notBefore: number;
}

export interface QueuedDm extends NewQueuedDm {
  createdAt: number;
  /** Claims so far, this one included: above 1, an earlier attempt may have posted it. */
  attempts: number;
}

export type QueuedDmOutcome = "sent" | "skipped" | "failed";

export interface DmProgress {
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  pending: number;
}

/**
 * The fan-out queue of direct messages (reminders, personal invitations), kept in the database
 * so a restart resumes it; a lease, as in the outbox, keeps two senders off the same DM.
 */
export interface DmQueueRepository {
  /** Queues the DMs not queued before (same key): returns how many are new. */
  enqueue(items: readonly NewQueuedDm[], now: number): Promise<number>;
  /**
   * Takes the workspace's earliest due DM for `leaseMs` (pending, due, lease over), or none;
   * never the same one to two callers at once, on any instance.
   */
  claimNext(teamId: string, now: number, leaseMs: number): Promise<QueuedDm | undefined>;
  finish(key: QueuedDmKey, outcome: QueuedDmOutcome, now: number): Promise<void>;
  /** Back to pending, its lease ended, due at `notBefore` (a 429, or outside working hours). */
  reschedule(key: QueuedDmKey, notBefore: number): Promise<void>;
  progress(teamId: string, kind: string, period: string): Promise<DmProgress>;
  /** Workspaces with a pending DM due at `now` whose lease is over. */
  teamsDue(now: number): Promise<string[]>;
  /** Ends every lease (start-up of the only instance). */
  releaseAllLeases(): Promise<number>;
  /** "Don't remind me this round", under the person's keyed hash. */
  optOut(roundId: number, memberKey: string): Promise<void>;
  /** The keyed hashes of those who opted out of the round's reminders. */
  optOuts(roundId: number): Promise<string[]>;
}

export interface RequestLog {
  /** True the first time `key` is seen for the workspace: redeliveries are dropped, across restarts. */
  firstSeen(teamId: string, key: string, at: number): Promise<boolean>;
  /** Forgets keys older than `before` (Slack redelivers within minutes). */
  prune(before: number): Promise<number>;
}

/**
 * A suggested action a leader adopted: who does it on each side, by when. Owners are named on
 * purpose (a commitment is public within the workspace), so their user ids are kept as they are.
 */
export interface Commitment {
  id: number;
  teamId: string;
  /** The round whose advice suggested it. */
  roundId: number;
  /** The suggested action's stable id ("move:…", "statement:…"). */
  actionId: string;
  title: string;
  note: string | undefined;
  owners: Record<Side, string>;
  /** The calendar day it is due, `YYYY-MM-DD`. */
  dueDate: string;
  /** The statements the action aims to move. */
  statementIds: string[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  doneAt: number | undefined;
  doneBy: string | undefined;
}

export type NewCommitment = Omit<Commitment, "id" | "updatedAt" | "doneAt" | "doneBy">;

export type CommitmentChanges = Pick<Commitment, "title" | "note" | "owners" | "dueDate">;

export interface CommitmentRepository {
  create(commitment: NewCommitment): Promise<Commitment>;
  get(teamId: string, id: number): Promise<Commitment | undefined>;
  /** Every commitment of the workspace, oldest first. */
  list(teamId: string): Promise<Commitment[]>;
  /** Changes title, note, owners or due date; undefined when there is no such commitment. */
  update(
    teamId: string,
    id: number,
    changes: CommitmentChanges,
    at: number,
  ): Promise<Commitment | undefined>;
  /** Marks it done; done once (a second press keeps the first time and person). */
  markDone(teamId: string, id: number, by: string, at: number): Promise<Commitment | undefined>;
  /** Open commitments of every workspace, for the follow-up job. */
  allOpen(): Promise<Commitment[]>;
}

/** Where an installation applies: one workspace, or a whole Enterprise Grid organisation. */
export interface InstallationKey {
  enterpriseId: string | undefined;
  /** Undefined for an organisation-wide install. */
  teamId: string | undefined;
  isEnterpriseInstall: boolean;
}

/**
 * Installations from Slack's OAuth flow. The store keeps them sealed (encrypted by the caller):
 * it never sees a token in the clear.
 */
export interface InstallationRepository {
  save(key: InstallationKey, sealed: string, at: number): Promise<void>;
  find(key: InstallationKey): Promise<string | undefined>;
  /** The installation that acts in a workspace (its own, else its organisation's). */
  findForTeam(teamId: string): Promise<{ key: InstallationKey; sealed: string } | undefined>;
  delete(key: Pick<InstallationKey, "enterpriseId" | "teamId">): Promise<number>;
}

export interface HealthReport {
  readable: boolean;
  writable: boolean;
  problem?: string;
}

/** What `Store.exclusive` did: ran the work (with its result), or left it to whoever holds the name. */
export type ExclusiveOutcome<T> = { ran: true; value: T } | { ran: false };

export interface Store {
  rounds: RoundRepository;
  members: MemberRepository;
  responses: ResponseRepository;
  settings: SettingsRepository;
  deliveries: DeliveryRepository;
  requests: RequestLog;
  installations: InstallationRepository;
  commitments: CommitmentRepository;
  dms: DmQueueRepository;
  /**
   * Deletes everything kept for a workspace: rounds with their answers and members, settings,
   * deliveries, handled request ids and its installation (the retention period ran out).
   */
  forgetWorkspace(teamId: string): Promise<void>;
  /** Proves the database can be read and written (for /healthz). */
  health(): Promise<HealthReport>;
  /**
   * Runs `work` unless work under the same `name` is running already, on this instance or on
   * any other sharing the database; never waits for it. For jobs that must run on one instance
   * at a time (a heartbeat, a digest). Errors from `work` propagate; a database that cannot
   * take the lock throws a StoreUnavailableError.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<ExclusiveOutcome<T>>;
  close(): Promise<void>;
}

export type StoreFailure = "busy" | "read-only" | "full" | "unavailable";

/**
 * The database refused a read or a write. `reason` lets the person who acted be told what really
 * happened ("the round is still open") instead of a guess.
 */
export class StoreUnavailableError extends Error {
  constructor(
    readonly reason: StoreFailure,
    readonly code: string | undefined,
  ) {
    super(`database ${STORE_FAILURE_WORDS[reason]}${code ? ` (${code})` : ""}`);
    this.name = "StoreUnavailableError";
  }
}

/** How a StoreFailure reads in a sentence: "the database is busy". */
export const STORE_FAILURE_WORDS: Record<StoreFailure, string> = {
  busy: "is busy (another process holds a lock)",
  "read-only": "is read-only",
  full: "is full (no space left on the disk)",
  unavailable: "is unavailable",
};
