import type { HomeView, KnownBlock } from "@slack/types";
import { USAGE_LINES } from "./help.js";
import type { ReportInput } from "./report.js";
import { reportMessage } from "./report.js";
import { context, divider, header, section } from "./text.js";

/** The App Home tab: the latest results, the open round and the commands. */
export function homeView(input: ReportInput): HomeView {
  const report = reportMessage(input);
  const blocks: KnownBlock[] = [
    ...report.blocks.slice(0, 90),
    divider(),
    header("Commands"),
    section(USAGE_LINES.map(([command, what]) => `• \`${command}\` — ${what}`).join("\n")),
    context(
      "Truce never shows one person's answers: only group figures, only after a round closes.",
    ),
  ];
  return { type: "home", blocks };
}
