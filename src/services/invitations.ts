import { ErrorCode, type WebAPIRateLimitedError, type WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import type { Round } from "../store/index.js";
import type { Participation } from "../survey/summary.js";
import { SIDES, type Side } from "../survey/types.js";
import { invitationMessage, reminderMessage } from "../views/invitation.js";
import type { MessageView } from "../views/text.js";
import { channelOf } from "./channels.js";
import { deliverOnce } from "./delivery.js";
import { participationIn } from "./participation.js";
import type { Scheduler } from "./scheduler.js";
import { describeError } from "./slack.js";

/** The invitation of a round as it should read now. */
export function invitationOf(deps: Deps, round: Round, participation: Participation): MessageView {
  return invitationMessage({
    roundId: round.id,
    closesAt: round.closesAt,
    closedAt: round.closedAt,
    statementCount: round.statementIds.length,
    participation,
    credit: deps.instrument.credit,
  });
}

export interface InvitationsPosted {
  posted: Side[];
  /** Sides whose invitation Slack refused (retried by the heartbeat while the round is open). */
  failed: Side[];
  /** Sides someone else is posting right now. */
  pending: Side[];
}

/**
 * Makes sure both channels of an open round have their invitation, through the outbox, so a
 * crash between the two posts of a launch is repaired by the next heartbeat, and an invitation
 * that went out before the crash is found (not posted twice).
 */
export async function ensureInvitations(
  deps: Deps,
  client: WebClient,
  round: Round,
): Promise<InvitationsPosted> {
  const have = new Set((await deps.store.rounds.invitations(round.id)).map((i) => i.side));
  const result: InvitationsPosted = { posted: [], failed: [], pending: [] };
  const missing = SIDES.filter((side) => !have.has(side));
  if (missing.length === 0) return { ...result, posted: [...SIDES] };
  const message = invitationOf(deps, round, await participationIn(deps, round.id));
  for (const side of SIDES) {
    if (have.has(side)) {
      result.posted.push(side);
      continue;
    }
    const channel = channelOf(round, side);
    const outcome = await deliverOnce(deps, {
      key: {
        teamId: round.teamId,
        kind: "invitation",
        recipientKey: channel,
        period: `round-${round.id}`,
      },
      client,
      channel,
      message,
    });
    if (outcome.status === "busy") result.pending.push(side);
    else if (outcome.status === "failed") result.failed.push(side);
    else {
      if (outcome.ts)
        await deps.store.rounds.addInvitation(round.id, { side, channel, ts: outcome.ts });
      result.posted.push(side);
    }
  }
  return result;
}

/** At most one live refresh of a round's invitations per this long (Slack's Tier 3 for chat.update is about 50 a minute). */
export const REFRESH_WINDOW_MS = 5_000;

export interface RefresherOptions {
  /** The Web API client for refreshes: its own, so a 429 here pauses nothing else. */
  slack: (teamId: string) => Promise<WebClient>;
  scheduler: Scheduler;
  windowMs?: number;
}

interface RoundState {
  /** Something changed since the last refresh began. */
  dirty: boolean;
  /** The next refresh must not wait (the round closed, or a flush). */
  urgent: boolean;
  /** No refresh that can wait goes before this (the app's clock): the window, or Retry-After. */
  notBefore: number;
  /** Slack answered 429: the timer waits for its Retry-After, which a flush respects too. */
  limited: boolean;
  cancelTimer: (() => void) | undefined;
  running: Promise<void> | undefined;
}

/** Slack said to slow down: try again after Retry-After (the refresh re-reads, so nothing stale is replayed). */
class RefreshRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super("rate limited");
  }
}

/** Rounds remembered before quiet ones are forgotten (their window is over). */
const REMEMBERED_ROUNDS = 100;

/**
 * Re-renders the invitations of a round with its current participation (or as closed),
 * throttled: the first answer of a quiet spell refreshes at once, a burst after it costs one
 * refresh per window, and the last change is always shown — at the end of the window, or at
 * once when the round closes. Instances sharing a database take turns through it
 * (`claimRefresh`), so two instances do not double the calls. Nothing here is awaited by a
 * request: a submission only marks its round as changed.
 */
export function createInvitationRefresher(deps: Deps, options: RefresherOptions) {
  const windowMs = options.windowMs ?? REFRESH_WINDOW_MS;
  const rounds = new Map<number, RoundState>();
  let stopped = false;

  async function refresh(roundId: number): Promise<void> {
    const round = await deps.store.rounds.get(roundId);
    if (!round) return;
    const client = await options.slack(round.teamId);
    const participation = await participationIn(deps, round.id);
    const message = invitationOf(deps, round, participation);
    for (const invitation of await deps.store.rounds.invitations(round.id)) {
      await update(client, invitation, message, "invitation");
    }
    // Reminders are snapshots; only at close do they change, to lose their survey button.
    if (round.closedAt === undefined) return;
    const closedReminder = reminderMessage({
      roundId: round.id,
      closesAt: round.closesAt,
      closedAt: round.closedAt,
      participation,
    });
    for (const reminder of await deps.store.rounds.reminders(round.id)) {
      await update(client, reminder, closedReminder, "reminder");
    }
  }

  async function update(
    client: WebClient,
    where: { channel: string; ts: string },
    message: MessageView,
    what: string,
  ): Promise<void> {
    try {
      await client.chat.update({ channel: where.channel, ts: where.ts, ...message });
    } catch (error) {
      if ((error as { code?: unknown }).code === ErrorCode.RateLimitedError)
        throw new RefreshRateLimited(((error as WebAPIRateLimitedError).retryAfter || 1) * 1000);
      deps.logger.warn(`Could not update the ${what} in ${where.channel}: ${describeError(error)}`);
    }
  }

  /** Whether this instance may refresh now; a database that cannot say leaves it to the local throttle. */
  async function claim(roundId: number, urgent: boolean): Promise<boolean> {
    try {
      return await deps.store.rounds.claimRefresh(roundId, deps.clock(), urgent ? 0 : windowMs);
    } catch (error) {
      deps.logger.warn(`Could not coordinate an invitation refresh: ${describeError(error)}`);
      return true;
    }
  }

  /** Refreshes while something is left to show and the window allows; else waits for a timer. */
  async function drain(roundId: number, state: RoundState): Promise<void> {
    while (state.dirty && !stopped) {
      const wait = state.notBefore - deps.clock();
      if (!state.urgent && wait > 0) {
        state.cancelTimer = options.scheduler.after(wait, () => {
          state.cancelTimer = undefined;
          void kick(roundId, state);
        });
        return;
      }
      if (!(await claim(roundId, state.urgent))) {
        // Another instance refreshed within the window, perhaps before this change was saved:
        // look again once its window is over.
        state.notBefore = deps.clock() + windowMs;
        continue;
      }
      state.dirty = false;
      state.urgent = false;
      state.limited = false;
      state.notBefore = deps.clock() + windowMs;
      try {
        await refresh(roundId);
      } catch (error) {
        if (error instanceof RefreshRateLimited) {
          state.dirty = true;
          state.limited = true;
          state.notBefore = deps.clock() + error.retryAfterMs;
        } else {
          deps.logger.warn(
            `Could not refresh round ${roundId}'s invitations: ${describeError(error)}`,
          );
        }
      }
    }
  }

  function kick(roundId: number, state: RoundState): Promise<void> {
    if (state.running) return state.running;
    state.cancelTimer?.();
    state.cancelTimer = undefined;
    const run = drain(roundId, state).finally(() => {
      state.running = undefined;
    });
    state.running = run;
    return run;
  }

  function stateOf(roundId: number): RoundState {
    let state = rounds.get(roundId);
    if (state) return state;
    if (rounds.size >= REMEMBERED_ROUNDS) {
      const now = deps.clock();
      for (const [id, s] of rounds)
        if (!s.dirty && !s.running && !s.cancelTimer && s.notBefore <= now) rounds.delete(id);
    }
    state = {
      dirty: false,
      urgent: false,
      notBefore: 0,
      limited: false,
      cancelTimer: undefined,
      running: undefined,
    };
    rounds.set(roundId, state);
    return state;
  }

  /** Sends every change not shown yet now, whatever the window, and waits for it. */
  async function flush(): Promise<void> {
    for (;;) {
      const busy: Promise<void>[] = [];
      for (const [roundId, state] of rounds) {
        // A change waiting for Retry-After stays waiting: Slack asked for it.
        if (state.dirty && !(state.limited && state.cancelTimer)) {
          state.urgent = true;
          busy.push(kick(roundId, state));
        } else if (state.running) busy.push(state.running);
      }
      if (busy.length === 0 || stopped) return;
      await Promise.all(busy);
    }
  }

  return {
    /**
     * The round's participation changed (`urgent`: it closed, so the invitation must say so
     * now). Returns at once; the refresh follows when the window allows.
     */
    schedule(roundId: number, options: { urgent?: boolean } = {}): void {
      if (stopped) return;
      const state = stateOf(roundId);
      state.dirty = true;
      if (options.urgent) state.urgent = true;
      // A refresh under way loops to show this too; a timer waiting will.
      if (state.running || (state.cancelTimer && !options.urgent)) return;
      void kick(roundId, state);
    },
    /** Sends what is not shown yet at once and waits for it (tests; shutdown). */
    flush,
    /** Shows the last changes, then takes no more work and leaves no timer behind. */
    async stop(): Promise<void> {
      await flush();
      stopped = true;
      for (const state of rounds.values()) state.cancelTimer?.();
      await Promise.all([...rounds.values()].map((s) => s.running));
      rounds.clear();
    },
    /** Rounds with a change not shown yet (tests of the throttle). */
    get waiting(): number {
      return [...rounds.values()].filter((s) => s.dirty).length;
    },
    /** Resolves once no refresh is under way, sending nothing early (tests of the throttle). */
    async settled(): Promise<void> {
      for (;;) {
        const running = [...rounds.values()].flatMap((s) => (s.running ? [s.running] : []));
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
  };
}

export type InvitationRefresher = ReturnType<typeof createInvitationRefresher>;
