import { header, type MessageView, section } from "./text.js";

export const USAGE_LINES: readonly [string, string][] = [
  ["/alignment", "the latest results (only you see them)"],
  ["/alignment report", "the full report of the latest closed round"],
  ["/alignment status", "participation in the open round"],
  ["/alignment actions", "the suggested joint actions from the latest results"],
  ["/alignment export", "the latest results as CSV (group figures only)"],
  ["/alignment me", "your own answers beside each team's averages (only you see them)"],
  [
    "/alignment launch [days]",
    "leaders: open a round for 1–60 days (default 7) and invite both channels",
  ],
  ["/alignment close", "leaders: close the open round now and share the results"],
  ["/alignment remind", "leaders: remind both channels about the open round (once a day)"],
  ["/alignment setup", "leaders: choose the sales and marketing channels"],
  ["/alignment digest", "leaders: preview the weekly digest you get by DM"],
  ["/alignment help", "this help"],
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
