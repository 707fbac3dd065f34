import type { WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import { type Round, RoundAlreadyOpenError } from "../store/index.js";
import { sameStatementIds } from "../survey/instrument.js";
import { analyzeRound, type Mirror, mirrorFor } from "../survey/report.js";
import type { Participation } from "../survey/summary.js";
import type { Side } from "../survey/types.js";
import { invitationMessage, reminderMessage } from "../views/invitation.js";
import type { ClosedRound, ReportInput } from "../views/report.js";
import type { OpenRoundStatus } from "../views/status.js";
import { type MessageView, slackDate } from "../views/text.js";
import { describeError, ensureChannelAccess, postToChannel } from "./slack.js";

export const DEFAULT_ROUND_DAYS = 7;
export const MAX_ROUND_DAYS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The survey channels of a workspace: settings stored from Slack win over the environment seeds. */
export function surveyChannels(deps: Deps, teamId: string): Partial<Record<Side, string>> {
  const sales = deps.store.settings.get(teamId, "sales_channel") ?? deps.config.salesChannel;
  const marketing =
    deps.store.settings.get(teamId, "marketing_channel") ?? deps.config.marketingChannel;
  return { ...(sales ? { sales } : {}), ...(marketing ? { marketing } : {}) };
}

export type LaunchResult =
  | { ok: true; round: Round; posted: Side[] }
  | { ok: false; message: string };

export async function launchRound(
  deps: Deps,
  client: WebClient,
  input: { teamId: string; userId: string; days: number },
): Promise<LaunchResult> {
  const { store, clock } = deps;
  const existing = store.rounds.openFor(input.teamId);
  if (existing) return { ok: false, message: alreadyOpen(existing) };
  const channels = surveyChannels(deps, input.teamId);
  if (!channels.sales || !channels.marketing) {
    return {
      ok: false,
      message:
        "I don't know the sales and marketing channels yet. Run `/alignment setup` to choose them (or set `TRUCE_SALES_CHANNEL` and `TRUCE_MARKETING_CHANNEL`).",
    };
  }
  if (channels.sales === channels.marketing) {
    return {
      ok: false,
      message:
        "The sales and marketing channels are the same channel; they must be two different channels.",
    };
  }
  const access = {
    sales: await ensureChannelAccess(client, channels.sales),
    marketing: await ensureChannelAccess(client, channels.marketing),
  };
  const problems = [access.sales, access.marketing].flatMap((a) => (a.ok ? [] : [a.problem]));
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };

  const now = clock();
  let round: Round;
  try {
    round = store.rounds.open({
      teamId: input.teamId,
      openedByKey: deps.personKey(input.teamId, input.userId),
      openedAt: now,
      closesAt: now + input.days * DAY_MS,
      salesChannel: channels.sales,
      marketingChannel: channels.marketing,
      statementIds: deps.instrument.statements.map((s) => s.id),
      invited: {
        sales: access.sales.ok ? access.sales.members : undefined,
        marketing: access.marketing.ok ? access.marketing.members : undefined,
      },
    });
  } catch (error) {
    if (error instanceof RoundAlreadyOpenError)
      return { ok: false, message: alreadyOpen(error.round) };
    throw error;
  }

  const posted: Side[] = [];
  for (const side of ["sales", "marketing"] as const) {
    const channel = side === "sales" ? round.salesChannel : round.marketingChannel;
    try {
      const message = invitationMessage({
        roundId: round.id,
        closesAt: round.closesAt,
        closedAt: undefined,
        statementCount: deps.instrument.statements.length,
        participation: { sales: 0, marketing: 0, total: 0 },
        credit: deps.instrument.credit,
      });
      const ts = await postToChannel(client, channel, message);
      if (ts) store.rounds.addInvitation(round.id, { side, channel, ts });
      posted.push(side);
    } catch (error) {
      deps.logger.warn(`Could not post the invitation in ${channel}: ${describeError(error)}`);
    }
  }
  if (posted.length === 0) {
    // Nobody was invited: a round nobody can see would only block the next launch.
    store.rounds.discard(round.id);
    return {
      ok: false,
      message:
        "I couldn't post the invitations (Slack refused both). Nothing was launched; please try again in a minute.",
    };
  }
  return { ok: true, round, posted };
}

function alreadyOpen(round: Round): string {
  return `A round is already open (it closes ${slackDate(round.closesAt)}). Close it with \`/alignment close\` before launching a new one.`;
}

/** Respondent counts per side, counted by the database (no answer is read). */
export function participationIn(deps: Deps, roundId: number): Participation {
  const counts = deps.store.responses.counts(roundId);
  return { ...counts, total: counts.sales + counts.marketing };
}

export function openRoundStatus(deps: Deps, round: Round): OpenRoundStatus {
  return {
    closesAt: round.closesAt,
    participation: participationIn(deps, round.id),
    invited: round.invited,
  };
}

/**
 * A closed round never changes (nor does the one before it), so its analysis is computed once
 * and kept: `/alignment`, the Home tab and the close announcements then cost a lookup. A few
 * rounds are kept per process; the oldest is dropped first.
 */
const REPORT_CACHE_SIZE = 16;
const reportCache = new WeakMap<Deps, Map<number, ClosedRound>>();

/** The analysis of a closed round, with the trend against the previous closed round of the same wording. */
export function closedRoundReport(deps: Deps, round: Round): ClosedRound {
  const cache = reportCache.get(deps) ?? new Map<number, ClosedRound>();
  reportCache.set(deps, cache);
  const cached = cache.get(round.id);
  if (cached) return cached;
  const computed = analyzeClosedRound(deps, round);
  cache.set(round.id, computed);
  if (cache.size > REPORT_CACHE_SIZE) cache.delete(cache.keys().next().value as number);
  return computed;
}

function analyzeClosedRound(deps: Deps, round: Round): ClosedRound {
  const previousRound = deps.store.rounds.previousClosed(round);
  const sameWording =
    previousRound !== undefined && sameStatementIds(previousRound.statementIds, round.statementIds);
  const report = analyzeRound({
    instrument: deps.instrument,
    answers: deps.store.responses.answers(round.id),
    roundClosed: true,
    minGroup: deps.config.minGroup,
    market: deps.config.market,
    invited: definedOnly(round.invited),
    ...(sameWording
      ? { previous: { answers: deps.store.responses.answers(previousRound.id) } }
      : {}),
  });
  return { closedAt: round.closedAt as number, report };
}

const definedOnly = (invited: Round["invited"]) => ({
  ...(invited.sales !== undefined ? { sales: invited.sales } : {}),
  ...(invited.marketing !== undefined ? { marketing: invited.marketing } : {}),
});

/** The data behind `/alignment report`: the latest closed round and the open one, if any. */
export function reportInput(deps: Deps, teamId: string): ReportInput {
  const closed = deps.store.rounds.latestClosed(teamId);
  const open = deps.store.rounds.openFor(teamId);
  return {
    closed: closed && closedRoundReport(deps, closed),
    open: open && openRoundStatus(deps, open),
  };
}

/** `/alignment me`: the person's own answers in the latest closed round beside the groups' means. */
export function mirrorOf(deps: Deps, teamId: string, userId: string): Mirror | string {
  const round = deps.store.rounds.latestClosed(teamId);
  if (!round)
    return "No round has closed yet. Your answers are shown here once the round you answered has closed.";
  const own = deps.store.responses.find(round.id, deps.personKey(teamId, userId));
  if (!own) return "You didn't answer the latest closed round, so there is nothing to compare.";
  return mirrorFor(own, deps.store.responses.answers(round.id), {
    instrument: deps.instrument,
    minGroup: deps.config.minGroup,
    roundClosed: true,
  });
}

/**
 * Re-renders the invitations of a round with its current participation (or as closed). Updates
 * are coalesced per round: a burst of submissions costs one chat.update per channel.
 */
export function createInvitationRefresher(deps: Deps, client: () => WebClient) {
  const running = new Map<number, Promise<void>>();
  const pending = new Set<number>();

  async function refresh(roundId: number): Promise<void> {
    const round = deps.store.rounds.get(roundId);
    if (!round) return;
    const participation = participationIn(deps, round.id);
    for (const invitation of deps.store.rounds.invitations(round.id)) {
      const message = invitationMessage({
        roundId: round.id,
        closesAt: round.closesAt,
        closedAt: round.closedAt,
        statementCount: round.statementIds.length,
        participation,
        credit: deps.instrument.credit,
      });
      await update(invitation, message, "invitation");
    }
    // Reminders are snapshots; only at close do they change, to lose their survey button.
    if (round.closedAt === undefined) return;
    const closedReminder = reminderMessage({
      roundId: round.id,
      closesAt: round.closesAt,
      closedAt: round.closedAt,
      participation,
    });
    for (const reminder of deps.store.rounds.reminders(round.id)) {
      await update(reminder, closedReminder, "reminder");
    }
  }

  async function update(
    where: { channel: string; ts: string },
    message: MessageView,
    what: string,
  ): Promise<void> {
    try {
      await client().chat.update({ channel: where.channel, ts: where.ts, ...message });
    } catch (error) {
      deps.logger.warn(`Could not update the ${what} in ${where.channel}: ${describeError(error)}`);
    }
  }

  function schedule(roundId: number): Promise<void> {
    const current = running.get(roundId);
    if (current) {
      pending.add(roundId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          pending.delete(roundId);
          await refresh(roundId);
        } while (pending.has(roundId));
      } finally {
        running.delete(roundId);
      }
    })();
    running.set(roundId, run);
    return run;
  }

  return {
    schedule,
    /** Waits for every refresh under way (tests, shutdown). */
    idle: async () => {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
  };
}

export type InvitationRefresher = ReturnType<typeof createInvitationRefresher>;

/** The calendar day of `epochMs` in a time zone, as YYYY-MM-DD (the period of daily limits). */
export function dayIn(timeZone: string, epochMs: number): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(epochMs);
}

export type RemindResult = { ok: true; posted: string[] } | { ok: false; message: string };

/**
 * Posts a reminder with the survey button in both channels, at most once a day per channel
 * (a day in TRUCE_TIMEZONE), so a reminder never turns into spam.
 */
export async function remindRound(
  deps: Deps,
  client: WebClient,
  teamId: string,
): Promise<RemindResult> {
  const round = deps.store.rounds.openFor(teamId);
  if (!round || round.closesAt <= deps.clock())
    return { ok: false, message: "There is no open round to remind people about." };
  const day = dayIn(deps.config.timeZone, deps.clock());
  const message = reminderMessage({
    roundId: round.id,
    closesAt: round.closesAt,
    closedAt: undefined,
    participation: participationIn(deps, round.id),
  });
  const posted: string[] = [];
  const failed: string[] = [];
  for (const channel of [round.salesChannel, round.marketingChannel]) {
    if (!deps.store.sentLog.claim(teamId, "reminder", channel, day, deps.clock())) continue;
    try {
      const ts = await postToChannel(client, channel, message);
      if (ts) deps.store.rounds.addReminder(round.id, { channel, ts });
      posted.push(channel);
    } catch (error) {
      deps.store.sentLog.release(teamId, "reminder", channel, day);
      failed.push(channel);
      deps.logger.warn(`Could not post the reminder in ${channel}: ${describeError(error)}`);
    }
  }
  if (posted.length === 0 && failed.length === 0) {
    return {
      ok: false,
      message: "Both channels were already reminded today; you can remind them again tomorrow.",
    };
  }
  if (posted.length === 0)
    return {
      ok: false,
      message: "Slack didn't let me post the reminder; please try again in a minute.",
    };
  return { ok: true, posted };
}
