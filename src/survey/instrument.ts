import type { Level } from "./types.js";

/**
 * The instrument: the wording people see. The facts (20 statements rated 1–5, summed to 20–100,
 * banded into four levels) are Kotler, Rackham & Krishnaswamy's (HBR, July–August 2006); the
 * wording below is Truce's own paraphrase. An organisation can load its own wording from a file
 * (see instrument-file.ts), so nothing outside this module hard-codes statement text.
 */
export interface Statement {
  /** Stable identifier, used as the modal's block_id and in stored data. */
  id: string;
  /** Short theme, used in reports where the full sentence would be too long. */
  theme: string;
  text: string;
}

export interface Instrument {
  statements: readonly Statement[];
  /** Labels for the ratings 1…5, lowest first. */
  scaleLabels: readonly [string, string, string, string, string];
  /** Credit line shown in invitations, the modal and reports. */
  credit: string;
}

export const STATEMENT_COUNT = 20;
export const RATING_MIN = 1;
export const RATING_MAX = 5;

export const ARTICLE_CREDIT =
  'Based on the diagnostic in Kotler, Rackham & Krishnaswamy, "Ending the War Between Sales and Marketing", Harvard Business Review, July–August 2006. Wording: Truce\'s own paraphrase.';

export const DEFAULT_SCALE_LABELS = [
  "Strongly disagree",
  "Disagree",
  "Neither",
  "Agree",
  "Strongly agree",
] as const;

const statements: Statement[] = [
  [
    "forecast-accuracy",
    "Forecast accuracy",
    "Our actual sales usually land close to the sales forecast.",
  ],
  ["no-blame-game", "No blame game", "When results disappoint, neither team blames the other."],
  [
    "marketing-meets-customers",
    "Marketing meets customers",
    "Marketers regularly meet key customers while deals are in progress.",
  ],
  [
    "sales-shapes-plan",
    "Sales shapes the marketing plan",
    "Marketing asks Sales to help draft the marketing plan.",
  ],
  [
    "useful-collateral",
    "Useful collateral",
    "Our salespeople find Marketing's sales material genuinely helps them win deals.",
  ],
  [
    "sales-gives-feedback",
    "Sales gives feedback",
    "Salespeople willingly give Marketing the feedback it asks for.",
  ],
  ["common-language", "Common language", "Sales and Marketing use a largely shared vocabulary."],
  [
    "leaders-discuss-strategy",
    "Leaders discuss upstream strategy",
    "The heads of Sales and Marketing regularly talk through upstream topics: new ideas, market sensing, product strategy.",
  ],
  [
    "joint-segments",
    "Joint view of segments",
    "The two teams work closely to define how each customer segment buys.",
  ],
  [
    "little-firefighting",
    "Little firefighting",
    "When the teams meet, little time goes on settling disputes or handling crises.",
  ],
  [
    "long-range-planning",
    "Long-range joint planning",
    "The two heads plan together for offerings that will launch two or more years out.",
  ],
  [
    "shared-metrics",
    "Shared success metrics",
    "We discuss and use the same metrics to judge both Sales and Marketing.",
  ],
  [
    "marketing-key-accounts",
    "Marketing in key accounts",
    "Marketing helps shape and carry out the sales strategy for individual key accounts.",
  ],
  [
    "shared-funnel",
    "One shared funnel",
    "The teams run their work through jointly designed funnels, processes or pipelines spanning the whole chain, from market sensing to customer service.",
  ],
  [
    "marketing-improves-funnel",
    "Marketing improves the funnel",
    "Marketing analyses sales-funnel data and uses it to make the funnel more predictable and effective.",
  ],
  [
    "rise-or-fall-together",
    "Rise or fall together",
    'The two teams share a strong "we rise or fall together" culture.',
  ],
  [
    "one-revenue-leader",
    "One revenue leader",
    "Sales and Marketing report to one C-level leader (a chief revenue officer, chief customer officer or equivalent).",
  ],
  [
    "people-move",
    "People move between teams",
    "People move between Sales and Marketing to a significant degree.",
  ],
  [
    "joint-training",
    "Joint training and events",
    "The two teams jointly build and run training, events and learning for their staff.",
  ],
  [
    "co-present",
    "Co-present to executives",
    "Each team helps prepare and present the other's plans to top management.",
  ],
].map(([id, theme, text]) => ({ id, theme, text }) as Statement);

/** Truce's built-in wording. */
export const DEFAULT_INSTRUMENT: Instrument = {
  statements,
  scaleLabels: DEFAULT_SCALE_LABELS,
  credit: ARTICLE_CREDIT,
};

/** What each level looks like in practice, in one sentence (our words). */
export const LEVEL_DESCRIPTIONS: Record<Level, string> = {
  Undefined:
    "The teams grew up apart and follow their own agendas; each learns about the other's work mostly when a conflict flares up.",
  Defined:
    "Rules and hand-offs keep the peace, a shared vocabulary is forming around contested terms such as what counts as a lead, and big events are run together.",
  Aligned:
    "Boundaries are clear but flexible: the teams plan and train together, salespeople speak marketing's language and marketers weigh in on important accounts.",
  Integrated:
    "Boundaries blur: shared structures, systems, metrics and rewards, marketers embedded in key accounts and a culture where both teams rise or fall together.",
};

/** Whether two rounds (or a round and an instrument) use the same statements in the same order. */
export function sameStatementIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
