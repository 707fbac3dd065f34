import type { Answer, Side } from "../../src/survey/types.js";

/**
 * 20 ratings, all `base` except the overrides, which are keyed by statement *number* (1-based, as
 * people read them): ratings(4, { 7: 5 }) rates statement 7 a 5 and the rest 4.
 */
export function ratings(base: number, overrides: Record<number, number> = {}): number[] {
  const out = new Array<number>(20).fill(base);
  for (const [number, value] of Object.entries(overrides)) out[Number(number) - 1] = value;
  return out;
}

export function answer(side: Side, base: number, overrides: Record<number, number> = {}): Answer {
  return { side, ratings: ratings(base, overrides) };
}

/** The answers with pseudonyms, in order: named(answers, ["a", "b"]) gives the first "a", the second "b". */
export function named(answers: readonly Answer[], respondents: readonly string[]): Answer[] {
  if (respondents.length !== answers.length) throw new Error("one pseudonym per answer");
  return answers.map((a, i) => ({ ...a, respondent: respondents[i] as string }));
}

/** Pseudonyms `${prefix}1` … `${prefix}${count}` (or from `first`). */
export function pseudonyms(prefix: string, count: number, first = 1): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${first + i}`);
}

/** `count` identical answers. */
export function many(count: number, side: Side, base: number): Answer[] {
  return Array.from({ length: count }, () => answer(side, base));
}

/** Visit every leaf and every key of a plain data model, with its path. */
export function walk(
  value: unknown,
  visit: (path: readonly (string | number)[], leaf: unknown, key?: string) => void,
  path: (string | number)[] = [],
): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, visit, [...path, i]);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      visit([...path, key], undefined, key);
      walk(item, visit, [...path, key]);
    }
  } else {
    visit(path, value);
  }
}

/**
 * The "gap" data set used across the tests: 3 Sales and 3 Marketing respondents. Everyone rates
 * every statement 4 except these (statement numbers):
 *
 *            #3  #5  #7  #9  #12   total
 *   Sales 1   5   3   5   5   2    60+20 = 80
 *   Sales 2   4   4   5   5   2    60+20 = 80
 *   Sales 3   4   2   4   5   1    60+16 = 76
 *   Mkt 1     4   4   2   4   4    60+18 = 78
 *   Mkt 2     3   4   2   3   3    60+15 = 75
 *   Mkt 3     3   3   2   3   3    60+14 = 74
 *
 * (60 = 15 other statements × 4.)
 */
export const GAP_SET: readonly Answer[] = [
  answer("sales", 4, { 3: 5, 5: 3, 7: 5, 9: 5, 12: 2 }),
  answer("sales", 4, { 3: 4, 5: 4, 7: 5, 9: 5, 12: 2 }),
  answer("sales", 4, { 3: 4, 5: 2, 7: 4, 9: 5, 12: 1 }),
  answer("marketing", 4, { 3: 4, 5: 4, 7: 2, 9: 4, 12: 4 }),
  answer("marketing", 4, { 3: 3, 5: 4, 7: 2, 9: 3, 12: 3 }),
  answer("marketing", 4, { 3: 3, 5: 3, 7: 2, 9: 3, 12: 3 }),
];

/** Sentences in a text: split after . ! or ? followed by a space. */
export function sentenceCount(text: string): number {
  return text
    .trim()
    .split(/(?<=[.!?])\s+/)
    .filter((s) => s.length > 0).length;
}
