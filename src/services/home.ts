import type { HomeView } from "@slack/types";
import { ErrorCode, type WebAPIRateLimitedError, type WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import { todayOf } from "../deps.js";
import { commitmentBoard } from "../survey/commitments.js";
import { noSuggestionsText } from "../views/commitments.js";
import { type HomeInput, homeView } from "../views/home.js";
import { surveyChannels } from "./channels.js";
import { roundHistory } from "./charts.js";
import { type LeaderDirectory, leads } from "./leaders.js";
import { openRoundStatus } from "./participation.js";
import { closedRoundReport } from "./round-report.js";
import { nextLaunchOf } from "./schedule.js";
import type { Scheduler } from "./scheduler.js";
import { describeError } from "./slack.js";

/**
 * The Home tab: what a workspace's Home shows (read once per refresh, for every viewer), and the
 * refresher that republishes it for the people looking at it after a change.
 */

/** Everything the Home tab shows about a workspace right now. */
export async function homeInput(deps: Deps, teamId: string): Promise<HomeInput> {
  const [open, latest, commitments, channels] = await Promise.all([
    deps.store.rounds.openFor(teamId),
    deps.store.rounds.latestClosed(teamId),
    deps.store.commitments.list(teamId),
    surveyChannels(deps, teamId),
  ]);
  const history = latest ? await roundHistory(deps, latest) : [];
  const closed = latest && (history[0] ?? (await closedRoundReport(deps, latest)));
  const previous = latest && (await deps.store.rounds.previousClosed(latest));
  const today = todayOf(deps);
  // As in `/alignment actions`: the advice already leaves out what is in hand or was adopted.
  const suggestions = closed?.report.advice?.actions ?? [];
  const noSuggestions = noSuggestionsText(
    latest,
    closed?.report.advice !== undefined,
    "Launch one above.",
  );
  return {
    now: deps.clock(),
    today,
    setUp: channels.sales !== undefined && channels.marketing !== undefined,
    open: open && {
      roundId: open.id,
      status: await openRoundStatus(deps, open),
      counts: await deps.store.responses.counts(open.id),
    },
    nextLaunch: await nextLaunchOf(deps, teamId),
    latest: latest && closed && { roundId: latest.id, closed },
    history,
    board: commitmentBoard(commitments, today, previous?.closedAt ?? latest?.closedAt),
    suggestions,
    noSuggestions,
  };
}

/** People who opened Home within this long are taken to be looking at it. */
export const VIEWER_TTL_MS = 10 * 60 * 1000;
/** Viewers remembered per workspace (the most recent; older ones get theirs when they come back). */
export const MAX_VIEWERS = 100;
/** Workspaces remembered at once (those with no recent viewer are forgotten first). */
export const MAX_WORKSPACES = 1000;
/** A button's outcome stays at the top of its presser's Home this long. */
export const NOTE_TTL_MS = 10 * 60 * 1000;
/**
 * Changes that can wait (a new answer) republish a workspace's Homes at most once per window;
 * a pass of many views waits longer after it, so the rate stays under views.publish's Tier 4
 * (about 100 a minute per workspace): PUBLISH_SPACING_MS per view published.
 */
export const HOME_REFRESH_WINDOW_MS = 10_000;
export const PUBLISH_SPACING_MS = 600;

export interface HomeRefresherOptions {
  /** A client that rejects rate-limited calls: a 429 here is handed back to the refresher. */
  slack: (teamId: string) => Promise<WebClient>;
  scheduler: Scheduler;
  leaders: Pick<LeaderDirectory, "isLeader">;
  windowMs?: number;
  /** How one viewer's Home is built from the workspace's input (tests give their own). */
  render?: (input: HomeInput, viewer: Parameters<typeof homeView>[1]) => HomeView;
  /** What a workspace's Home shows (tests give their own). */
  load?: (teamId: string) => Promise<HomeInput>;
}

interface WorkspaceState {
  /** Viewer → when they last opened Home or pressed one of its buttons; oldest first. */
  viewers: Map<string, number>;
  /** Viewer → what their last button did. */
  notes: Map<string, { text: string; at: number }>;
  /** Viewers whose Home is out of date. */
  pending: Set<string>;
  urgent: boolean;
  /** No pass that can wait goes before this (the window, or Retry-After). */
  notBefore: number;
  /** Slack answered 429: the timer waits for its Retry-After, which a flush respects too. */
  limited: boolean;
  cancelTimer: (() => void) | undefined;
  running: Promise<void> | undefined;
}

class PublishRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super("rate limited");
  }
}

/**
 * Keeps the Home tabs being looked at up to date. Only user ids of recent viewers are kept, in
 * memory, bounded in number and in time (never in the database). A change marks a workspace's
 * viewers out of date; a pass republishes them one by one, throttled and paced below Slack's
 * limit, stopping at a 429 and going on after its Retry-After with fresh figures. Nothing here
 * is awaited by a request. Each instance refreshes the viewers it heard from.
 */
export function createHomeRefresher(deps: Deps, options: HomeRefresherOptions) {
  const windowMs = options.windowMs ?? HOME_REFRESH_WINDOW_MS;
  const render = options.render ?? homeView;
  const load = options.load ?? ((teamId: string) => homeInput(deps, teamId));
  const workspaces = new Map<string, WorkspaceState>();
  let stopped = false;

  function stateOf(teamId: string): WorkspaceState {
    let state = workspaces.get(teamId);
    if (state) {
      // Most recently used last, so the oldest workspace is the first forgotten.
      workspaces.delete(teamId);
      workspaces.set(teamId, state);
      return state;
    }
    if (workspaces.size >= MAX_WORKSPACES) {
      for (const [id, s] of workspaces) {
        if (workspaces.size < MAX_WORKSPACES) break;
        if (!s.running && !s.cancelTimer) workspaces.delete(id);
      }
    }
    state = {
      viewers: new Map(),
      notes: new Map(),
      pending: new Set(),
      urgent: false,
      notBefore: 0,
      limited: false,
      cancelTimer: undefined,
      running: undefined,
    };
    workspaces.set(teamId, state);
    return state;
  }

  /** Forgets viewers (and notes) older than their time to live. */
  function prune(state: WorkspaceState): void {
    const now = deps.clock();
    for (const [user, at] of state.viewers)
      if (now - at > VIEWER_TTL_MS) state.viewers.delete(user);
    for (const [user, note] of state.notes)
      if (now - note.at > NOTE_TTL_MS) state.notes.delete(user);
  }

  function touch(state: WorkspaceState, userId: string): void {
    state.viewers.delete(userId);
    state.viewers.set(userId, deps.clock());
    while (state.viewers.size > MAX_VIEWERS) {
      const oldest = state.viewers.keys().next().value as string;
      state.viewers.delete(oldest);
      state.pending.delete(oldest);
    }
  }

  async function publish(
    client: WebClient,
    input: HomeInput,
    teamId: string,
    userId: string,
    state: WorkspaceState,
  ): Promise<void> {
    const isLeader = await leads(
      { leaders: options.leaders, logger: deps.logger },
      teamId,
      client,
      userId,
    );
    const view = render(input, { userId, isLeader, note: state.notes.get(userId) });
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      if ((error as { code?: unknown }).code === ErrorCode.RateLimitedError)
        throw new PublishRateLimited(((error as WebAPIRateLimitedError).retryAfter || 1) * 1000);
      // Someone gone (deactivated, left): no point in trying again for them.
      state.viewers.delete(userId);
      deps.logger.warn(`Could not publish the Home tab: ${describeError(error)}`);
    }
  }

  /** Publishes while someone's Home is out of date and the window allows; else waits for a timer. */
  async function drain(teamId: string, state: WorkspaceState): Promise<void> {
    while (state.pending.size > 0 && !stopped) {
      const wait = state.notBefore - deps.clock();
      if ((!state.urgent || state.limited) && wait > 0) {
        state.cancelTimer = options.scheduler.after(wait, () => {
          state.cancelTimer = undefined;
          state.limited = false;
          void kick(teamId, state);
        });
        return;
      }
      let client: WebClient;
      let input: HomeInput;
      try {
        client = await options.slack(teamId);
        input = await load(teamId);
      } catch (error) {
        // Nothing to show: the next change (or opening Home) tries again.
        deps.logger.warn(`Could not read what the Home tab shows: ${describeError(error)}`);
        state.pending.clear();
        return;
      }
      let published = 0;
      // Everyone out of date now gets these figures; a change from here on asks again.
      state.urgent = false;
      for (const userId of [...state.pending]) {
        if (!state.pending.has(userId)) continue;
        state.pending.delete(userId);
        try {
          await publish(client, input, teamId, userId, state);
          published++;
        } catch (error) {
          if (!(error instanceof PublishRateLimited)) throw error;
          state.pending = new Set([userId, ...state.pending]);
          state.limited = true;
          state.notBefore = deps.clock() + error.retryAfterMs;
          break;
        }
      }
      if (!state.limited)
        state.notBefore = deps.clock() + Math.max(windowMs, published * PUBLISH_SPACING_MS);
    }
  }

  function kick(teamId: string, state: WorkspaceState): Promise<void> {
    if (state.running) return state.running;
    state.cancelTimer?.();
    state.cancelTimer = undefined;
    const run = drain(teamId, state)
      .catch((error) => deps.logger.warn(`Refreshing Home tabs failed: ${describeError(error)}`))
      .finally(() => {
        state.running = undefined;
      });
    state.running = run;
    return run;
  }

  function schedule(teamId: string, state: WorkspaceState, urgent: boolean): void {
    if (stopped || state.pending.size === 0) return;
    if (urgent) state.urgent = true;
    if (state.running) return; // the pass under way loops to show this too
    if (state.cancelTimer && !(urgent && !state.limited)) return; // a timer will
    void kick(teamId, state);
  }

  async function flush(): Promise<void> {
    for (;;) {
      const busy: Promise<void>[] = [];
      for (const [teamId, state] of workspaces) {
        if (state.pending.size > 0 && !(state.limited && state.cancelTimer)) {
          state.urgent = true;
          busy.push(kick(teamId, state));
        } else if (state.running) busy.push(state.running);
      }
      if (busy.length === 0 || stopped) return;
      await Promise.all(busy);
    }
  }

  /** Someone opened Home (or pressed one of its buttons): theirs is published now. */
  function opened(teamId: string, userId: string): void {
    if (stopped) return;
    const state = stateOf(teamId);
    prune(state);
    touch(state, userId);
    state.pending.add(userId);
    schedule(teamId, state, true);
  }

  return {
    opened,
    /**
     * What Home shows changed. `urgent` (a launch, a close, a commitment, the setup) republishes
     * at once; otherwise (an answer) once the window allows. Returns at once.
     */
    changed(teamId: string, change: { urgent?: boolean } = {}): void {
      if (stopped) return;
      const state = workspaces.get(teamId);
      if (!state) return;
      prune(state);
      for (const user of state.viewers.keys()) state.pending.add(user);
      schedule(teamId, state, change.urgent === true);
    },
    /** What someone's Home button did, shown at the top of their Home (and published now). */
    note(teamId: string, userId: string, text: string): void {
      if (stopped) return;
      const state = stateOf(teamId);
      state.notes.set(userId, { text, at: deps.clock() });
      opened(teamId, userId);
    },
    /** Publishes what is out of date now, whatever the window, and waits for it (tests; shutdown). */
    flush,
    /** Shows the last changes, then takes no more work and leaves no timer behind. */
    async stop(): Promise<void> {
      await flush();
      stopped = true;
      for (const state of workspaces.values()) state.cancelTimer?.();
      await Promise.all([...workspaces.values()].map((s) => s.running));
      workspaces.clear();
    },
    /** Viewers remembered for a workspace (tests of the bound and the time to live). */
    viewers(teamId: string): number {
      const state = workspaces.get(teamId);
      if (!state) return 0;
      prune(state);
      return state.viewers.size;
    },
    /** Viewers whose Home is out of date (tests of the throttle). */
    get waiting(): number {
      return [...workspaces.values()].reduce((n, s) => n + s.pending.size, 0);
    },
  };
}

export type HomeRefresher = ReturnType<typeof createHomeRefresher>;
