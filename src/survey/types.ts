/** The two sides of the relationship the diagnostic measures. */
export type Side = "sales" | "marketing";
export const SIDES: readonly Side[] = ["sales", "marketing"];

/** A group a report can speak about: one side, or everyone together. */
export type Group = Side | "everyone";

/** The four relationship levels of the diagnostic, lowest first. */
export type Level = "Undefined" | "Defined" | "Aligned" | "Integrated";
export const LEVELS: readonly Level[] = ["Undefined", "Defined", "Aligned", "Integrated"];

/** One person's answer to a round: their side and one rating (1–5) per statement, in order. */
export interface Answer {
  side: Side;
  ratings: readonly number[];
}
