import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackCommandMiddlewareArgs,
} from "@slack/bolt";
import type { Runtime } from "../runtime.js";
import { surveyChannels } from "../services/channels.js";
import { renderRoundCharts, shareCharts } from "../services/charts.js";
import { actionsFor } from "../services/commitments.js";
import { digestFor } from "../services/digest.js";
import { DEFAULT_ROUND_DAYS, MAX_ROUND_DAYS } from "../services/launch.js";
import { closeAndSay, exportToDm, launchAndInvite } from "../services/leader-actions.js";
import { leads } from "../services/leaders.js";
import { mirrorOf } from "../services/mirror.js";
import { openRoundStatus } from "../services/participation.js";
import { remindRound } from "../services/remind.js";
import { remindNow, remindReply } from "../services/reminders.js";
import { reportInput } from "../services/round-report.js";
import { changeSchedule, nextLaunchOf, parseScheduleArgs } from "../services/schedule.js";
import { workspaceSettings } from "../services/settings.js";
import { describeError, openDm } from "../services/slack.js";
import type { Round } from "../store/index.js";
import {
  CANCEL_CLOSE_ACTION_ID,
  CONFIRM_CLOSE_ACTION_ID,
  closeConfirmation,
} from "../views/closing.js";
import { helpMessage, SUBCOMMANDS, type Subcommand } from "../views/help.js";
import { mirrorMessage } from "../views/mirror.js";
import { reportMessage } from "../views/report.js";
import { nextLaunchLine } from "../views/schedule.js";
import { setupNeededMessage } from "../views/setup-modal.js";
import { statusMessage } from "../views/status.js";
import type { MessageView } from "../views/text.js";
import { clip, context, plainDate, section, slackDate } from "../views/text.js";
import type { Routes } from "./routes.js";
import { openSetup } from "./setup.js";

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export const COMMAND = "/alignment";

/** How much of what someone typed is quoted back in an error: enough to recognise, never 100 kB. */
export const ECHO_LIMIT = 40;

/** Splits `/alignment` text into a subcommand and its arguments; pure, so it is unit-tested. */
export function parseCommandText(
  text: string,
): { subcommand: Subcommand; args: string[] } | { unknown: string } {
  const [first, ...args] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined) return { subcommand: "report", args: [] };
  const word = first.toLowerCase();
  return (SUBCOMMANDS as readonly string[]).includes(word)
    ? { subcommand: word as Subcommand, args }
    : { unknown: clip(first, ECHO_LIMIT) };
}

/** `launch [days]`: a whole number of days, 1…60, default the workspace's round length (7). */
export function parseDays(
  args: readonly string[],
  defaultDays: number = DEFAULT_ROUND_DAYS,
): number | { error: string } {
  if (args.length === 0) return defaultDays;
  const [raw, ...rest] = args;
  const days = Number(raw);
  if (rest.length > 0 || !Number.isInteger(days) || days < 1 || days > MAX_ROUND_DAYS) {
    return {
      error: `\`/alignment launch ${clip(args.join(" "), ECHO_LIMIT)}\` — the round length must be a whole number of days from 1 to ${MAX_ROUND_DAYS}, e.g. \`/alignment launch 7\`.`,
    };
  }
  return days;
}

const ephemeral = (message: MessageView) => ({ response_type: "ephemeral" as const, ...message });
const note = (text: string): MessageView => ({
  text: text.replace(/[`*]/g, ""),
  blocks: [section(text)],
});

/** Adds "Next round launches …" to a reply, when a cadence is set. */
function withNextLaunch(message: MessageView, next: number | undefined): MessageView {
  if (next === undefined) return message;
  return {
    text: `${message.text}\nNext round launches ${plainDate(next)}.`,
    blocks: [...(message.blocks ?? []), context(nextLaunchLine(next))],
  };
}

const NOT_A_LEADER = note(
  "Only the survey's leaders can do that: the people chosen in `/alignment setup` (else those in `TRUCE_LEADERS`, else the workspace's admins and owners). Anyone can run `/alignment status` or `/alignment report`.",
);

interface CommandContext {
  rt: Runtime;
  args: CommandArgs;
  rest: string[];
  teamId: string;
  userId: string;
}

/**
 * A subcommand anyone may run answers in its acknowledgement. A leaders' subcommand acknowledges
 * at once (its work may take longer than Slack's 3 seconds), checks the person leads, then
 * answers on the response_url; `undefined` means it answered some other way (a modal).
 */
type Handler =
  | { leaders: false; reply: (ctx: CommandContext) => Promise<MessageView> }
  | { leaders: true; reply: (ctx: CommandContext) => Promise<MessageView | undefined> }
  /** Anyone may run it, but its work (drawing, uploading) may outlast the acknowledgement. */
  | { leaders: false; deferred: true; reply: (ctx: CommandContext) => Promise<MessageView> };

const HANDLERS = {
  help: { leaders: false, reply: async () => helpMessage() },
  report: {
    leaders: false,
    reply: async ({ rt, teamId }) => reportMessage(await reportInput(rt, teamId)),
  },
  status: {
    leaders: false,
    reply: async ({ rt, teamId }) => {
      const [open, closed] = await Promise.all([
        rt.store.rounds.openFor(teamId),
        rt.store.rounds.latestClosed(teamId),
      ]);
      const status = statusMessage(open && (await openRoundStatus(rt, open)), closed?.closedAt);
      const next = await nextLaunchOf(rt, teamId);
      return next === undefined ? status : withNextLaunch(status, next);
    },
  },
  export: { leaders: true, reply: exportFile },
  actions: {
    leaders: false,
    reply: async ({ rt, args, teamId, userId }) =>
      actionsFor(
        rt,
        teamId,
        await rt.leaders.isLeader(teamId, args.client, userId).catch(() => false),
      ),
  },
  me: {
    leaders: false,
    reply: async ({ rt, teamId, userId }) => {
      const mirror = await mirrorOf(rt, teamId, userId);
      return typeof mirror === "string" ? mirrorMessage(undefined, mirror) : mirrorMessage(mirror);
    },
  },
  chart: { leaders: false, deferred: true, reply: chart },
  launch: { leaders: true, reply: launch },
  close: { leaders: true, reply: close },
  setup: { leaders: true, reply: setup },
  remind: {
    leaders: true,
    reply: async ({ rt, args, rest, teamId }) => {
      const where = rest[0]?.toLowerCase();
      if (where === "channel" || where === "channels") {
        const result = await remindRound(rt, args.client, teamId);
        return note(
          result.ok
            ? `:bell: Reminder posted in ${result.posted.map((c) => `<#${c}>`).join(" and ")}.`
            : result.message,
        );
      }
      if (rest.length > 0)
        return note(
          "`/alignment remind` reminds everyone who hasn't answered by DM; `/alignment remind channel` posts a reminder in both channels instead.",
        );
      const result = await remindNow(rt, teamId);
      return note(result.ok ? remindReply(result.plan) : result.message);
    },
  },
  schedule: {
    leaders: true,
    reply: async ({ rt, rest, teamId }) => {
      const command = parseScheduleArgs(rest);
      if ("error" in command) return note(command.error);
      const result = await changeSchedule(rt, teamId, command);
      return withNextLaunch(note(result.text), result.nextLaunch);
    },
  },
  digest: { leaders: true, reply: async ({ rt, teamId }) => digestFor(rt, teamId) },
} as const satisfies Record<Subcommand, Handler>;

async function launch({ rt, args, rest, teamId, userId }: CommandContext): Promise<MessageView> {
  const days = parseDays(rest, (await workspaceSettings(rt, teamId)).roundDays);
  if (typeof days !== "number") return note(days.error);
  const result = await launchAndInvite(rt, args.client, {
    teamId,
    userId,
    days,
    botUserId: args.context.botUserId,
  });
  if (result.ok) rt.home.changed(teamId, { urgent: true });
  return note(result.text);
}

/** `/alignment chart`: the latest round's charts, shared in the DM of whoever asked. */
async function chart({ rt, args, teamId, userId }: CommandContext): Promise<MessageView> {
  const round = await rt.store.rounds.latestClosed(teamId);
  if (!round) {
    return note(
      "No round has closed yet, so there is no chart to show. A leader can start one with `/alignment launch`.",
    );
  }
  let charts: Awaited<ReturnType<typeof renderRoundCharts>>;
  try {
    charts = await renderRoundCharts(rt, round);
  } catch (error) {
    rt.logger.warn(`Could not draw the charts of round ${round.id}: ${describeError(error)}`);
    return note(
      "I couldn't draw the chart just now. `/alignment report` has the same figures; please try again later.",
    );
  }
  if (charts.files.length === 0) return note(charts.withheld ?? "There is no chart to show.");
  const dm = await openDm(args.client, userId);
  if (!dm) return note("I couldn't open our DM to send you the chart. Please try again.");
  const { shared } = await shareCharts(rt, args.client, dm, charts.files);
  if (shared === 0) {
    return note(
      "I couldn't upload the chart just now. `/alignment report` has the same figures; please try again later.",
    );
  }
  return note(
    `:bar_chart: I've sent you ${shared === 1 ? "the chart" : `${shared} charts`} of the round that closed ${slackDate(round.closedAt as number)} in our DM.`,
  );
}

/** `/alignment export`: every closed round's figures as a CSV file in the leader's DM. */
async function exportFile({ rt, args, teamId, userId }: CommandContext): Promise<MessageView> {
  return note(await exportToDm(rt, args.client, teamId, userId));
}

/** `/alignment close` asks first; `/alignment close now` closes at once. */
async function close({ rt, teamId, rest }: CommandContext): Promise<MessageView> {
  let round: Awaited<ReturnType<Runtime["store"]["rounds"]["openFor"]>>;
  try {
    round = await rt.store.rounds.openFor(teamId);
  } catch (error) {
    return note(
      `I couldn't read the round (${describeError(error)}). Nothing changed; please try again.`,
    );
  }
  if (!round) return note("There is no open round to close.");
  const [word, ...extra] = rest.map((r) => r.toLowerCase());
  if (extra.length > 0 || (word !== undefined && word !== "now"))
    return note(
      `\`/alignment close ${clip(rest.join(" "), ECHO_LIMIT)}\` — say \`/alignment close\` to be asked first, or \`/alignment close now\`.`,
    );
  if (word !== "now")
    return closeConfirmation({
      roundId: round.id,
      closesAt: round.closesAt,
      counts: await rt.store.responses.counts(round.id),
      minGroup: rt.config.minGroup,
    });
  return closeNow(rt, round);
}

/** Closes the round and says how it went; the Home tabs being looked at follow. */
async function closeNow(rt: Runtime, round: Round): Promise<MessageView> {
  const said = await closeAndSay(rt, round);
  rt.home.changed(round.teamId, { urgent: true });
  return note(said);
}

async function setup({ rt, args, teamId }: CommandContext): Promise<undefined | MessageView> {
  try {
    await openSetup(rt, args.client, { teamId, triggerId: args.command.trigger_id });
    return undefined;
  } catch (error) {
    rt.logger.warn(`Could not open the setup: ${describeError(error)}`);
    return note(
      "Slack didn't let me open the setup just then. Please run `/alignment setup` again.",
    );
  }
}

async function isLeader(ctx: CommandContext): Promise<MessageView | true> {
  try {
    if (await ctx.rt.leaders.isLeader(ctx.teamId, ctx.args.client, ctx.userId)) return true;
    return NOT_A_LEADER;
  } catch (error) {
    ctx.rt.logger.warn(`Leader check failed: ${describeError(error)}`);
    return note(
      "I couldn't check your permissions with Slack just now. Please try again in a minute.",
    );
  }
}

/** What works before the channels are chosen: help, and the setup itself. */
const NEEDS_NO_SETUP: ReadonlySet<Subcommand> = new Set(["help", "setup"]);

/** Both survey channels are known (chosen in /alignment setup, or seeded by the environment). */
async function isSetUp(rt: Runtime, teamId: string): Promise<boolean> {
  try {
    const channels = await surveyChannels(rt, teamId);
    return channels.sales !== undefined && channels.marketing !== undefined;
  } catch {
    // The database is unreachable: let the command itself say what went wrong.
    return true;
  }
}

const SORRY = note(
  "Something went wrong on my side and nothing was changed. Please try again in a minute.",
);

export function registerCommands(routes: Routes, rt: Runtime) {
  // The confirmation's buttons: checked again on the server (a leader, the round still open).
  routes.action<BlockAction<ButtonAction>>(
    CONFIRM_CLOSE_ACTION_ID,
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const teamId = body.team?.id ?? body.user.team_id ?? "";
      const answer = (message: MessageView) =>
        respond({ response_type: "ephemeral", replace_original: true, ...message }).catch((error) =>
          rt.logger.warn(`Could not answer the close button: ${describeError(error)}`),
        );
      if (!(await leads(rt, teamId, client, body.user.id))) {
        await answer(NOT_A_LEADER);
        return;
      }
      try {
        const round = await rt.store.rounds.openFor(teamId);
        if (!round || String(round.id) !== action.value) {
          await answer(
            note("That round is already closed. `/alignment report` shows its results."),
          );
          return;
        }
        await answer(await closeNow(rt, round));
      } catch (error) {
        rt.logger.error(`Closing from the confirmation failed: ${describeError(error)}`);
        await answer(SORRY);
      }
    },
  );
  routes.action<BlockAction<ButtonAction>>(CANCEL_CLOSE_ACTION_ID, async ({ ack, respond }) => {
    await ack();
    await respond({
      response_type: "ephemeral",
      replace_original: true,
      ...note("The round stays open."),
    }).catch(() => undefined);
  });

  routes.command(COMMAND, async (args) => {
    const parsed = parseCommandText(args.command.text ?? "");
    if ("unknown" in parsed) {
      await args.ack(
        ephemeral(
          helpMessage(`\`${parsed.unknown}\` isn't a Truce command. Here is what I understand:`),
        ),
      );
      return;
    }
    const ctx: CommandContext = {
      rt,
      args,
      rest: parsed.args,
      teamId: args.command.team_id,
      userId: args.command.user_id,
    };
    const handler: Handler = HANDLERS[parsed.subcommand];
    if (!NEEDS_NO_SETUP.has(parsed.subcommand) && !(await isSetUp(rt, ctx.teamId))) {
      await args.ack(ephemeral(setupNeededMessage()));
      return;
    }
    if (!handler.leaders && !("deferred" in handler)) {
      let reply: MessageView;
      try {
        reply = await handler.reply(ctx);
      } catch (error) {
        rt.logger.error(`/alignment ${parsed.subcommand} failed: ${describeError(error)}`);
        reply = SORRY;
      }
      await args.ack(ephemeral(reply));
      return;
    }
    await args.ack();
    const allowed = handler.leaders ? await isLeader(ctx) : true;
    if (allowed !== true) {
      await args.respond(ephemeral(allowed));
      return;
    }
    let reply: MessageView | undefined;
    try {
      reply = await handler.reply(ctx);
    } catch (error) {
      rt.logger.error(`/alignment ${parsed.subcommand} failed: ${describeError(error)}`);
      reply = SORRY;
    }
    if (reply) await args.respond(ephemeral(reply));
  });
}
