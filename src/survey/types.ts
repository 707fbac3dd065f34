/** The two sides of the relationship the diagnostic measures. */
export type Side = "sales" | "marketing";
export const SIDES: readonly Side[] = ["sales", "marketing"];
export const otherSide = (side: Side): Side => (side === "sales" ? "marketing" : "sales");

/** A group a report can speak about: one side, or everyone together. */
export type Group = Side | "everyone";

/** The four relationship levels of the diagnostic, lowest first. */
export type Level = "Undefined" | "Defined" | "Aligned" | "Integrated";
export const LEVELS: readonly Level[] = ["Undefined", "Defined", "Aligned", "Integrated"];

/** One person's answer to a round: their side and one rating (1–5) per statement, in order. */
export interface Answer {
  side: Side;
  ratings: readonly number[];
  /**
   * An opaque, stable pseudonym of the person (a keyed hash): the same person has the same string
   * in every round of a workspace, and different people never share one. The analysis only
   * compares these for equality, to tell whether two rounds were answered by the same people
   * (see discloseChange); no report ever carries one. Unknown (absent) withholds every change
   * since the previous round.
   */
  respondent?: string;
}

/** Every group a report speaks about, in the order reports list them. */
export const GROUPS: readonly Group[] = ["sales", "marketing", "everyone"];

/** How reports name the groups. */
export const GROUP_LABELS: Record<Group, string> = {
  sales: "Sales",
  marketing: "Marketing",
  everyone: "Everyone",
};

/**
 * How the organisation's market behaves (`TRUCE_MARKET`). It sets the level worth aiming for:
 * stable → Defined, shifting → Aligned, complex → Integrated (see advice.ts).
 */
export const MARKETS = ["stable", "shifting", "complex"] as const;
export type Market = (typeof MARKETS)[number];
