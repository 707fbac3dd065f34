import type { HomeView, KnownBlock } from "@slack/types";
import { USAGE_LINES } from "./help.js";
import { surveyButton } from "./invitation.js";
import type { ReportInput } from "./report.js";
import { reportMessage } from "./report.js";
import { nextLaunchLine } from "./schedule.js";
import { ANSWER_MINUTES } from "./survey-modal.js";
import { context, divider, header, section, slackDate } from "./text.js";

/** The App Home tab: the latest results, the open round and the commands. */
export function homeView(
  input: ReportInput & { openRoundId?: number; nextLaunch?: number | undefined },
): HomeView {
  const report = reportMessage(input);
  // An open round can be answered from here too (the side is then chosen in the survey).
  const answerHere: KnownBlock[] =
    input.open && input.openRoundId !== undefined
      ? [
          section(
            `:ballot_box_with_ballot: *A survey round is open* until ${slackDate(input.open.closesAt)}. It takes about ${ANSWER_MINUTES} minutes and is anonymous.`,
          ),
          surveyButton(input.openRoundId),
        ]
      : [];
  const blocks: KnownBlock[] = [
    ...answerHere,
    ...(input.nextLaunch !== undefined ? [context(nextLaunchLine(input.nextLaunch))] : []),
    ...report.blocks.slice(0, 85),
    divider(),
    header("Commands"),
    section(USAGE_LINES.map(([command, what]) => `• \`${command}\` — ${what}`).join("\n")),
    context(
      "Truce never shows one person's answers: only group figures, only after a round closes.",
    ),
  ];
  return { type: "home", blocks };
}
