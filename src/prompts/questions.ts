import { UsageError } from "../util/errors.js";
import { readUserFile } from "./files.js";

/**
 * Questions asked of the LLM for each class; `{}` stands for the class name.
 * `seed`: three general questions. `cupl-imagenet`: the five questions CuPL used for ImageNet
 * (Pratt et al., arXiv 2209.03320).
 */
export const QUESTION_SETS = {
  seed: [
    "Describe what a {} looks like:",
    "Describe a {}:",
    "What are the identifying characteristics of a {}?",
  ],
  "cupl-imagenet": [
    "Describe what a {} looks like",
    "How can you identify a {}?",
    "What does a {} look like?",
    "Describe an image from the internet of a {}",
    "A caption of an image of a {}:",
  ],
} as const satisfies Record<string, readonly string[]>;

export type QuestionSetName = keyof typeof QUESTION_SETS;

/** The question set used when none is given: CuPL's own (5 questions × 10 samples). */
export const DEFAULT_QUESTION_SET: QuestionSetName = "cupl-imagenet";

const PLACEHOLDER = /\{c?\}/;

/**
 * Fill a question with a class name. When the name starts with a vowel letter, the article
 * "a" right before the placeholder becomes "an" ("A {}" → "An", "a {}" → "an").
 */
export function fillQuestion(question: string, label: string): string {
  if (!PLACEHOLDER.test(question)) {
    throw new UsageError(`question has no {} placeholder: ${JSON.stringify(question)}`);
  }
  const vowel = /^[aeiou]/i.test(label);
  return question.replace(
    /\b([Aa])(\s+)\{c?\}|\{c?\}/g,
    (_m, article: string | undefined, space: string | undefined) =>
      article === undefined ? label : `${article}${vowel ? "n" : ""}${space}${label}`,
  );
}

/** Check a question list: non-empty, every question with a placeholder. */
export function checkQuestions(questions: readonly string[], where = "questions"): string[] {
  if (questions.length === 0) throw new UsageError(`${where}: no questions`);
  for (const q of questions) {
    if (!PLACEHOLDER.test(q)) {
      throw new UsageError(`${where}: question has no {} placeholder: ${JSON.stringify(q)}`);
    }
  }
  return [...questions];
}

/** Questions from a file: one per line with `{}` for the class; blank lines and `#` comments skipped. */
export async function readQuestionsFile(path: string): Promise<string[]> {
  const text = await readUserFile(path, "questions file");
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return checkQuestions(lines, path);
}

/** `seed`, `cupl-imagenet`, or a file of questions. */
export async function resolveQuestions(spec: string = DEFAULT_QUESTION_SET): Promise<string[]> {
  if (Object.hasOwn(QUESTION_SETS, spec)) return [...QUESTION_SETS[spec as QuestionSetName]];
  return readQuestionsFile(spec);
}
