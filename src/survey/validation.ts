import type { Instrument } from "./instrument.js";
import { ratingProblems } from "./scoring.js";
import type { Answer } from "./types.js";

/** Answers handed to the analysis are not complete, valid answers to the instrument. */
export class InvalidAnswerError extends Error {
  override name = "InvalidAnswerError";
}

/**
 * What is wrong with one answer, or an empty list: a side, one whole rating from 1 to 5 per
 * statement, and a pseudonym, if any, that is a non-empty string. The messages name the problem,
 * never a rating's value or a pseudonym.
 */
export function answerProblems(answer: Answer, count: number): string[] {
  const problems: string[] = [];
  if (answer.side !== "sales" && answer.side !== "marketing") {
    problems.push('side must be "sales" or "marketing"');
  }
  const { respondent } = answer;
  if (respondent !== undefined && (typeof respondent !== "string" || respondent === "")) {
    problems.push("respondent must be a non-empty string when given");
  }
  if (!Array.isArray(answer.ratings)) problems.push("ratings must be a list");
  else problems.push(...ratingProblems(answer.ratings, count));
  return problems;
}

/**
 * Check answers before any analysis (see answerProblems). Messages name the answer's position and
 * the problem, never a rating's value or a pseudonym.
 */
export function assertValidAnswers(
  answers: readonly Answer[],
  instrument: Instrument,
  label = "answer",
): void {
  const count = instrument.statements.length;
  answers.forEach((answer, i) => {
    const problems = answerProblems(answer, count);
    if (problems.length > 0) {
      throw new InvalidAnswerError(`${label} ${i + 1}: ${problems.join("; ")}`);
    }
  });
}
