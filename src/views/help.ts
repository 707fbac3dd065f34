import { header, type MessageView, section } from "./text.js";

/**
 * Every `/alignment` subcommand, in the order help lists them. The handler table is typed
 * `Record<Subcommand, …>` against this, so a subcommand without a handler does not compile, and
 * help, the Home tab and the manifest's usage hint (checked by a test) come from one list.
 */
export const SUBCOMMAND_HELP = {
  report: { usage: "/alignment report", summary: "the full report of the latest closed round" },
  status: { usage: "/alignment status", summary: "participation in the open round" },
  actions: {
    usage: "/alignment actions",
    summary: "joint commitments (overdue first) and the latest suggestions; leaders adopt them",
  },
  chart: {
    usage: "/alignment chart",
    summary: "the latest results as charts, sent to you by DM",
  },
  export: {
    usage: "/alignment export",
    summary: "leaders: every round's figures as a CSV file, sent to you by DM",
  },
  me: {
    usage: "/alignment me",
    summary: "your own answers beside each team's averages (only you see them)",
  },
  launch: {
    usage: "/alignment launch [days]",
    summary: "leaders: open a round for 1–60 days (default 7) and invite both channels",
  },
  close: {
    usage: "/alignment close [now]",
    summary: "leaders: close the open round and share the results (asks first, unless `now`)",
  },
  remind: {
    usage: "/alignment remind [channel]",
    summary:
      "leaders: DM everyone who hasn't answered, in their working hours (once a day); with channel, post in both channels instead",
  },
  setup: {
    usage: "/alignment setup",
    summary: "leaders: choose the sales and marketing channels, and who leads",
  },
  schedule: {
    usage: "/alignment schedule [monthly|quarterly|<cron>|skip|off]",
    summary: "leaders: launch rounds by themselves on a cadence; skip the next one, or stop",
  },
  digest: {
    usage: "/alignment digest",
    summary: "leaders: preview the weekly digest you get by DM",
  },
  help: { usage: "/alignment help", summary: "this help" },
} as const satisfies Record<string, { usage: string; summary: string }>;

export type Subcommand = keyof typeof SUBCOMMAND_HELP;
export const SUBCOMMANDS = Object.keys(SUBCOMMAND_HELP) as Subcommand[];

export const USAGE_LINES: readonly [string, string][] = [
  ["/alignment", "the latest results (only you see them)"],
  ...SUBCOMMANDS.map((name): [string, string] => [
    SUBCOMMAND_HELP[name].usage,
    SUBCOMMAND_HELP[name].summary,
  ]),
];

export function helpMessage(problem?: string): MessageView {
  const usage = USAGE_LINES.map(([command, what]) => `• \`${command}\` — ${what}`).join("\n");
  const intro = problem ? `${problem}\n\n` : "";
  return {
    text: `${intro}Truce commands:\n${USAGE_LINES.map(([c, w]) => `${c} — ${w}`).join("\n")}`,
    blocks: [
      ...(problem ? [section(`:warning: ${problem}`)] : []),
      header("Truce: Sales & Marketing alignment"),
      section(usage),
    ],
  };
}
