import { slackDate } from "./text.js";

/** The line Home, the digest and `/alignment status` show while rounds recur. */
export const nextLaunchLine = (at: number) =>
  `:repeat: Next round launches ${slackDate(at)} (\`/alignment schedule\` changes or skips it).`;
