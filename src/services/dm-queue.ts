import { WebClient } from "@slack/web-api";
import type { Runtime } from "../runtime.js";
import type { QueuedDm, Round } from "../store/index.js";
import { type PersonProfile, reminderTarget } from "../survey/reminders.js";
import { invitationDm, reminderDm } from "../views/reminder-dm.js";
import type { MessageView } from "../views/text.js";
import { deliverOnce } from "./delivery.js";
import { lookUpPerson } from "./people.js";
import { channelMembers, describeError, openDm, slackError } from "./slack.js";

/**
 * The paced fan-out of direct messages (reminders, personal invitations). What is owed lives in
 * the database (`store.dms`), so a restart resumes it; each DM is claimed with a lease, and sent
 * through the outbox (`deliverOnce`), so it goes out once per person and period even when a
 * process dies between posting and recording it, and on any number of instances.
 *
 * Pacing: one sender per workspace at a time (`store.exclusive`), one DM every DM_INTERVAL_MS,
 * and on HTTP 429 it waits Retry-After before the next call: the queue's own client passes
 * rate-limit errors back instead of sleeping inside the call, so the wait is on the injected
 * clock and a stop does not wait for it.
 *
 * Who gets the DM: the database holds only the person's keyed hash. The raw user id is found at
 * send time among the round's channel members (hashing each with the same key), so no table ever
 * pairs a hash with a person: a copy of the database cannot tell whose answer is whose. Someone
 * who has left both channels since is not reached, which is right: they are no longer asked.
 */

/**
 * Two DMs a second per workspace (120 a minute): well below chat.postMessage's workspace-wide
 * limit (several hundred a minute; one a second per channel, and each DM is its own channel),
 * and below users.info's Tier 4 (100+ a minute) when profiles must be fetched again.
 */
export const DM_INTERVAL_MS = 500;
/** Long enough for one DM's calls; a sender that died frees it then. */
export const DM_LEASE_MS = 2 * 60 * 1000;
const MAX_ATTEMPTS = 5;
const RETRY_MS = 60 * 1000;
/** Channel members and profiles looked up for planning are reused this long. */
const MEMBERS_TTL_MS = 10 * 60 * 1000;
const PROFILE_TTL_MS = 60 * 60 * 1000;
/** How long a list of opt-outs is trusted while a fan-out runs. */
const OPT_OUTS_TTL_MS = 30 * 1000;
const PROGRESS_EVERY = 100;

/** Errors that concern one person only: that DM fails, the fan-out goes on. */
const PERSONAL_ERRORS = new Set([
  "user_disabled",
  "user_not_found",
  "cannot_dm_bot",
  "channel_not_found",
  "messages_tab_disabled",
  "is_archived",
]);

export const DM_LABELS: Record<string, string> = {
  reminder: "reminders",
  invitation: "invitations",
};

const count = (n: number) => n.toLocaleString("en-US");

type Step =
  | { done: "sent"; calledSlack: true }
  | { done: "skipped" | "failed"; calledSlack: boolean }
  | { done: "later"; at: number; calledSlack: boolean }
  | { done: "wait"; ms: number };

export type DmQueue = ReturnType<typeof createDmQueue>;

const quiet = (logger: Runtime["logger"]): Runtime["logger"] => ({
  ...logger,
  debug: () => undefined,
  info: () => undefined,
  warn: (...msg) => logger.warn(...msg),
  error: (...msg) => logger.error(...msg),
  setLevel: () => undefined,
  getLevel: () => logger.getLevel(),
  setName: () => undefined,
});

/** A sleep that a stop cuts short. Tests inject one that moves their clock instead. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });

export function createDmQueue(rt: Omit<Runtime, "dms">, sleep: Sleep = realSleep) {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const stop = new AbortController();
  const members = new Map<number, { at: number; byKey: Map<string, string> }>();
  const profiles = new Map<string, { at: number; profile: PersonProfile }>();
  const optOuts = new Map<number, { at: number; keys: Set<string> }>();

  /** The round's channel members by keyed hash (raw ids in memory only). */
  async function membersOf(round: Round, client: WebClient, fresh = false) {
    const cached = members.get(round.id);
    if (!fresh && cached && rt.clock() - cached.at < MEMBERS_TTL_MS) return cached.byKey;
    const byKey = new Map<string, string>();
    for (const channel of [round.salesChannel, round.marketingChannel])
      for (const id of await channelMembers(client, channel, undefined))
        byKey.set(rt.personKey(round.teamId, id), id);
    members.set(round.id, { at: rt.clock(), byKey });
    return byKey;
  }

  function rememberProfiles(teamId: string, found: ReadonlyMap<string, PersonProfile>) {
    const at = rt.clock();
    for (const [id, profile] of found) profiles.set(`${teamId}:${id}`, { at, profile });
  }

  async function optedOut(roundId: number, key: string): Promise<boolean> {
    const cached = optOuts.get(roundId);
    if (cached && rt.clock() - cached.at < OPT_OUTS_TTL_MS) return cached.keys.has(key);
    const keys = new Set(await rt.store.dms.optOuts(roundId));
    optOuts.set(roundId, { at: rt.clock(), keys });
    return keys.has(key);
  }

  function messageFor(dm: QueuedDm, round: Round): MessageView {
    return dm.kind === "invitation"
      ? invitationDm({
          roundId: round.id,
          closesAt: round.closesAt,
          statementCount: round.statementIds.length,
        })
      : reminderDm({ roundId: round.id, closesAt: round.closesAt });
  }

  async function step(client: WebClient, dm: QueuedDm): Promise<Step> {
    const now = rt.clock();
    const round = await rt.store.rounds.get(dm.roundId);
    if (!round || round.closedAt !== undefined || round.closesAt <= now)
      return { done: "skipped", calledSlack: false };
    if (await rt.store.responses.find(round.id, dm.recipientKey))
      return { done: "skipped", calledSlack: false };
    if (dm.kind === "reminder" && (await optedOut(round.id, dm.recipientKey)))
      return { done: "skipped", calledSlack: false };
    let calledSlack = false;
    let byKey = await membersOf(round, client);
    let userId = byKey.get(dm.recipientKey);
    if (!userId && rt.clock() - (members.get(round.id)?.at ?? 0) > 60_000) {
      byKey = await membersOf(round, client, true);
      userId = byKey.get(dm.recipientKey);
      calledSlack = true;
    }
    if (!userId) return { done: "skipped", calledSlack };
    const cacheKey = `${round.teamId}:${userId}`;
    let profile = profiles.get(cacheKey);
    if (!profile || now - profile.at >= PROFILE_TTL_MS) {
      const found = await lookUpPerson(client, userId);
      calledSlack = true;
      if (!found) return { done: "skipped", calledSlack };
      profile = { at: rt.clock(), profile: found };
      profiles.set(cacheKey, profile);
    }
    const target = reminderTarget(profile.profile, now, rt.config.workingHours, rt.config.timeZone);
    if (target.send === "never") return { done: "skipped", calledSlack };
    if (target.send === "later") return { done: "later", at: target.at, calledSlack };
    const recipient = userId;
    const outcome = await deliverOnce(rt, {
      key: {
        teamId: dm.teamId,
        kind: `dm-${dm.kind}`,
        recipientKey: dm.recipientKey,
        period: dm.period,
      },
      client,
      // Posting to a user id reaches their DM with the app without conversations.open (Tier 3,
      // ~50 a minute); only a resumed DM needs the channel id, to look for the earlier post.
      channel: async (resumed) => (resumed ? openDm(client, recipient) : recipient),
      message: messageFor(dm, round),
    });
    if (outcome.status === "sent" || outcome.status === "already")
      return { done: "sent", calledSlack: true };
    if (outcome.status === "busy") return { done: "later", at: now + DM_LEASE_MS, calledSlack };
    if (outcome.retryAfterMs !== undefined) return { done: "wait", ms: outcome.retryAfterMs };
    if (PERSONAL_ERRORS.has(outcome.error) || dm.attempts >= MAX_ATTEMPTS)
      return { done: "failed", calledSlack: true };
    return { done: "later", at: now + RETRY_MS * dm.attempts, calledSlack: true };
  }

  async function logProgress(dm: Pick<QueuedDm, "teamId" | "kind" | "period">) {
    const p = await rt.store.dms.progress(dm.teamId, dm.kind, dm.period);
    const label = DM_LABELS[dm.kind] ?? dm.kind;
    const rest = [
      p.skipped > 0 ? `${count(p.skipped)} skipped` : "",
      p.failed > 0 ? `${count(p.failed)} failed` : "",
      p.pending > 0 ? `${count(p.pending)} waiting` : "",
    ].filter(Boolean);
    rt.logger.info(
      `${label}: ${count(p.sent)} of ${count(p.total)} sent${rest.length > 0 ? ` (${rest.join(", ")})` : ""}`,
    );
  }

  async function drain(teamId: string): Promise<void> {
    await rt.store.exclusive(`dm-queue:${teamId}`, async () => {
      const base = await rt.slack(teamId);
      // Its own client: a 429 comes back to the queue (which waits on its clock) instead of
      // being slept on inside the call; other failures are the queue's to retry, later.
      const client = new WebClient(base.token, {
        slackApiUrl: base.slackApiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        // The client's debug lines carry request bodies (user ids): only warnings get through.
        logger: quiet(rt.logger),
      });
      const sentIn = new Map<string, { dm: QueuedDm; sent: number }>();
      while (!stop.signal.aborted) {
        const dm = await rt.store.dms.claimNext(teamId, rt.clock(), DM_LEASE_MS);
        if (!dm) break;
        let result: Step;
        try {
          result = await step(client, dm);
        } catch (error) {
          const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
          if (typeof retryAfter === "number") result = { done: "wait", ms: retryAfter * 1000 };
          else {
            rt.logger.warn(`A queued ${dm.kind} could not be prepared: ${describeError(error)}`);
            result =
              dm.attempts >= MAX_ATTEMPTS || PERSONAL_ERRORS.has(slackError(error) ?? "")
                ? { done: "failed", calledSlack: true }
                : { done: "later", at: rt.clock() + RETRY_MS * dm.attempts, calledSlack: true };
          }
        }
        if (result.done === "wait") {
          // Slack said how long to wait: the DM goes back to the queue, due after the wait.
          await rt.store.dms.reschedule(dm, rt.clock() + result.ms);
          await sleep(result.ms, stop.signal);
          continue;
        }
        if (result.done === "later") await rt.store.dms.reschedule(dm, result.at);
        else await rt.store.dms.finish(dm, result.done, rt.clock());
        const batch = `${dm.kind}\u0000${dm.period}`;
        const tally = sentIn.get(batch) ?? { dm, sent: 0 };
        sentIn.set(batch, tally);
        if (result.done === "sent" && ++tally.sent % PROGRESS_EVERY === 0) await logProgress(dm);
        if (result.calledSlack) await sleep(DM_INTERVAL_MS, stop.signal);
      }
      for (const { dm } of sentIn.values()) await logProgress(dm);
    });
  }

  return {
    membersOf,
    rememberProfiles,
    /** Starts (or repeats) sending a workspace's due DMs in the background. */
    kick(teamId: string): void {
      if (stop.signal.aborted) return;
      if (running.has(teamId)) {
        again.add(teamId);
        return;
      }
      const run = (async () => {
        do {
          again.delete(teamId);
          await drain(teamId);
        } while (again.has(teamId) && !stop.signal.aborted);
      })()
        .catch((error) => rt.logger.warn(`Sending queued DMs failed: ${describeError(error)}`))
        .finally(() => running.delete(teamId));
      running.set(teamId, run);
    },
    /** Waits until no workspace's DMs are being sent (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    /** Stops after the DM in hand; what is left stays queued for the next start. */
    async stop(): Promise<void> {
      stop.abort();
      await this.idle();
    },
  };
}
