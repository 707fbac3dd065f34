import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { Deps } from "../deps.js";
import { type ClosingDeps, closeRound } from "../services/closing.js";
import { digestFor } from "../services/digest.js";
import {
  DEFAULT_ROUND_DAYS,
  launchRound,
  MAX_ROUND_DAYS,
  mirrorOf,
  openRoundStatus,
  remindRound,
  reportInput,
} from "../services/rounds.js";
import { describeError } from "../services/slack.js";
import { exportMessage } from "../views/export.js";
import { helpMessage } from "../views/help.js";
import { mirrorMessage } from "../views/mirror.js";
import { actionsMessage, reportMessage } from "../views/report.js";
import { statusMessage } from "../views/status.js";
import type { MessageView } from "../views/text.js";
import { section, slackDate } from "../views/text.js";
import { openSetup } from "./setup.js";

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export const COMMAND = "/alignment";

const SUBCOMMANDS = [
  "help",
  "report",
  "status",
  "launch",
  "close",
  "remind",
  "digest",
  "export",
  "actions",
  "me",
  "setup",
] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Splits `/alignment` text into a subcommand and its arguments; pure, so it is unit-tested. */
export function parseCommandText(
  text: string,
): { subcommand: Subcommand; args: string[] } | { unknown: string } {
  const [first, ...args] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined) return { subcommand: "report", args: [] };
  const word = first.toLowerCase();
  return (SUBCOMMANDS as readonly string[]).includes(word)
    ? { subcommand: word as Subcommand, args }
    : { unknown: first };
}

/** `launch [days]`: a whole number of days, 1…60, default 7. */
export function parseDays(args: readonly string[]): number | { error: string } {
  if (args.length === 0) return DEFAULT_ROUND_DAYS;
  const [raw, ...rest] = args;
  const days = Number(raw);
  if (rest.length > 0 || !Number.isInteger(days) || days < 1 || days > MAX_ROUND_DAYS) {
    return {
      error: `\`/alignment launch ${args.join(" ")}\` — the round length must be a whole number of days from 1 to ${MAX_ROUND_DAYS}, e.g. \`/alignment launch 7\`.`,
    };
  }
  return days;
}

const ephemeral = (message: MessageView) => ({ response_type: "ephemeral" as const, ...message });
const note = (text: string): MessageView => ({
  text: text.replace(/[`*]/g, ""),
  blocks: [section(text)],
});

const NOT_A_LEADER = note(
  "Only the survey's leaders can do that (the people listed in `TRUCE_LEADERS`, or workspace admins when none are listed). Anyone can run `/alignment status` or `/alignment report`.",
);

export function registerCommands(app: App, deps: Deps, closing: ClosingDeps) {
  const { leaders } = closing;

  async function requireLeader(args: CommandArgs): Promise<boolean> {
    try {
      if (await leaders.isLeader(args.client, args.command.user_id)) return true;
      await args.respond(ephemeral(NOT_A_LEADER));
    } catch (error) {
      deps.logger.warn(`Leader check failed: ${describeError(error)}`);
      await args.respond(
        ephemeral(
          note(
            "I couldn't check your permissions with Slack just now. Please try again in a minute.",
          ),
        ),
      );
    }
    return false;
  }

  async function launch(args: CommandArgs, rest: string[]): Promise<void> {
    const days = parseDays(rest);
    if (typeof days !== "number") {
      await args.respond(ephemeral(note(days.error)));
      return;
    }
    if (!(await requireLeader(args))) return;
    try {
      const result = await launchRound(deps, args.client, {
        teamId: args.command.team_id,
        userId: args.command.user_id,
        days,
      });
      if (!result.ok) {
        await args.respond(ephemeral(note(result.message)));
        return;
      }
      const where = result.posted.map(
        (side) =>
          `<#${side === "sales" ? result.round.salesChannel : result.round.marketingChannel}>`,
      );
      const missed =
        result.posted.length < 2
          ? " I couldn't post in the other channel; run `/alignment status` and check my access there."
          : "";
      await args.respond(
        ephemeral(
          note(
            `:rocket: Round launched for ${days} day${days === 1 ? "" : "s"} (closes ${slackDate(result.round.closesAt)}). Invitations posted in ${where.join(" and ")}.${missed}`,
          ),
        ),
      );
    } catch (error) {
      deps.logger.error(`Launch failed: ${describeError(error)}`);
      await args.respond(
        ephemeral(
          note(
            `Slack didn't let me launch the round (${describeError(error)}). Nothing was launched; please try again.`,
          ),
        ),
      );
    }
  }

  async function remind(args: CommandArgs): Promise<void> {
    if (!(await requireLeader(args))) return;
    const result = await remindRound(deps, args.client, args.command.team_id);
    await args.respond(
      ephemeral(
        note(
          result.ok
            ? `:bell: Reminder posted in ${result.posted.map((c) => `<#${c}>`).join(" and ")}.`
            : result.message,
        ),
      ),
    );
  }

  async function setup(args: CommandArgs): Promise<void> {
    if (!(await requireLeader(args))) return;
    try {
      await openSetup(deps, args.client, {
        teamId: args.command.team_id,
        triggerId: args.command.trigger_id,
      });
    } catch (error) {
      deps.logger.warn(`Could not open the setup: ${describeError(error)}`);
      await args.respond(
        ephemeral(
          note(
            "Slack didn't let me open the setup just then. Please run `/alignment setup` again.",
          ),
        ),
      );
    }
  }

  async function close(args: CommandArgs): Promise<void> {
    if (!(await requireLeader(args))) return;
    const round = deps.store.rounds.openFor(args.command.team_id);
    if (!round) {
      await args.respond(ephemeral(note("There is no open round to close.")));
      return;
    }
    try {
      await closeRound(closing, round);
      await args.respond(
        ephemeral(
          note(
            ":checkered_flag: Round closed. The results are posted in both channels; `/alignment report` shows them.",
          ),
        ),
      );
    } catch (error) {
      deps.logger.error(`Close failed: ${describeError(error)}`);
      await args.respond(
        ephemeral(
          note(
            "The round is closed, but I couldn't post every result message. I'll retry in a minute; `/alignment report` works now.",
          ),
        ),
      );
    }
  }

  app.command(COMMAND, async (args) => {
    const parsed = parseCommandText(args.command.text ?? "");
    const teamId = args.command.team_id;
    if ("unknown" in parsed) {
      await args.ack(
        ephemeral(
          helpMessage(`\`${parsed.unknown}\` isn't a Truce command. Here is what I understand:`),
        ),
      );
      return;
    }
    switch (parsed.subcommand) {
      case "help":
        return args.ack(ephemeral(helpMessage()));
      case "report":
        return args.ack(ephemeral(reportMessage(reportInput(deps, teamId))));
      case "status": {
        const open = deps.store.rounds.openFor(teamId);
        return args.ack(
          ephemeral(
            statusMessage(
              open && openRoundStatus(deps, open),
              deps.store.rounds.latestClosed(teamId)?.closedAt,
            ),
          ),
        );
      }
      case "export":
        return args.ack(ephemeral(exportMessage(reportInput(deps, teamId).closed)));
      case "actions":
        return args.ack(ephemeral(actionsMessage(reportInput(deps, teamId).closed)));
      case "me": {
        const mirror = mirrorOf(deps, teamId, args.command.user_id);
        return args.ack(
          ephemeral(
            typeof mirror === "string" ? mirrorMessage(undefined, mirror) : mirrorMessage(mirror),
          ),
        );
      }
      case "launch":
        await args.ack();
        return launch(args, parsed.args);
      case "close":
        await args.ack();
        return close(args);
      case "setup":
        await args.ack();
        return setup(args);
      case "remind":
        await args.ack();
        return remind(args);
      case "digest":
        await args.ack();
        if (await requireLeader(args)) await args.respond(ephemeral(digestFor(deps, teamId)));
        return;
    }
  });
}
