/**
 * Regular expressions of the `matches` operator. Pure: no database, no ctx.
 *
 * Patterns use RE2 syntax and semantics and run on re2js, a pure-JS port of
 * RE2: matching takes time linear in the input for every pattern, so no
 * saved pattern can stall a dispatch the way a backtracking `RegExp` can
 * (`.*.*.*x` on 400 characters takes seconds there). RE2 has no
 * backreferences and no lookaround; such patterns are refused.
 *
 * re2js costs a few hundred nanoseconds per match even on trivial patterns,
 * so patterns that are only literals, optionally anchored, or alternations
 * of those, run as string operations (`===`, `startsWith`, `endsWith`,
 * `includes`) with exactly RE2's answers.
 */
import { RE2JS } from "re2js";
import { LIMITS } from "./limits.js";

/**
 * Most instructions a compiled pattern may have. re2js runs in time
 * proportional to input length x program size when its DFA gives up (about
 * 7 ns per instruction and character here), and counted repetitions
 * multiply the program: `.{1000}x` is 1,003 instructions, `(?:.{1000}x|
 * .{999}y|...)` 5,001 and over a second on 10,000 characters. At this cap
 * one leaf on the longest input it tests stays well under Convex's 1 s.
 */
export const MAX_REGEX_INSTRUCTIONS = 1000;

/** Which engine runs a compiled pattern. */
export type RegexEngine = "string" | "re2js";

/** A compiled `matches` pattern. */
export type CompiledRegex = {
  engine: RegexEngine;
  /** Whether the pattern matches somewhere in `input` (unanchored, like `RegExp.test`). */
  test: (input: string) => boolean;
};

/**
 * Compiles the pattern of `matches`, or says why it cannot be one: longer
 * than LIMITS.regexLength, not valid RE2 syntax (backreferences and
 * lookaround included), or a program over MAX_REGEX_INSTRUCTIONS.
 */
export function compileRegex(source: string): CompiledRegex | string {
  if (source.length > LIMITS.regexLength) {
    return `regular expression is longer than ${LIMITS.regexLength} characters`;
  }
  // Literal patterns are valid RE2 with a one-instruction-per-character
  // program, so they need no compilation (regex.test.ts checks both).
  const literal = literalMatcher(source);
  if (literal !== null) return { engine: "string", test: literal };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    return compileProblem(error);
  }
  const instructions = compiled.re2().numberOfInstructions() as number;
  if (instructions > MAX_REGEX_INSTRUCTIONS) {
    return `regular expression is too complex: it compiles to ${instructions} instructions, at most ${MAX_REGEX_INSTRUCTIONS} (each counted repetition such as {500} repeats its part)`;
  }
  return { engine: "re2js", test: (input) => compiled.test(input) };
}

/**
 * Why `source` may not be the regular expression of `matches`, or null
 * (see {@link compileRegex}).
 */
export function regexProblem(source: string): string | null {
  const compiled = compileRegex(source);
  return typeof compiled === "string" ? compiled : null;
}

/** re2js's message quotes the construct: `\1`, `\k`, `(?=`, `(?!`, `(?<=x)...`, `(?<!x)...`. */
const UNSUPPORTED_CONSTRUCT = /`(\\[1-9]|\\k|\(\?[=!]|\(\?<[=!])/;

function compileProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (UNSUPPORTED_CONSTRUCT.test(message)) {
    return `regular expressions may not use backreferences (\\1, \\k<name>) or lookaround ((?=, (?!, (?<=, (?<!): they run on RE2, which guarantees linear time and has neither (${message})`;
  }
  return `invalid regular expression (RE2 syntax): ${message}`;
}

// ---------------------------------------------------------------------------
// Literal patterns as string operations.

/** One alternative of a literal pattern: its text and its anchors. */
type LiteralAlternative = { text: string; start: boolean; end: boolean };

/** ASCII punctuation: escaped, each one stands for itself in RE2. */
const ESCAPABLE = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
/** Characters with a meaning of their own in RE2 outside a class (`]` and `}` alone are literal there, but are left to re2js). */
const META = new Set("\\.+*?()|[]{}^$");

/**
 * A string test giving exactly RE2's answer for `source`, when `source` is
 * a literal (`Done`), anchored (`^Done`, `Done$`, `^Done$`), an alternation
 * of those (`bug|^fix|hotfix$`), or a group of literal alternatives with
 * shared anchors (`(bug|fix)`, `^(?:Done|Closed)$`); null for any other
 * pattern. `$` is RE2's end of text (no multi-line mode, so not before a
 * final newline).
 */
export function literalMatcher(source: string): ((input: string) => boolean) | null {
  const alternatives = groupedAlternatives(source) ?? topLevelAlternatives(source);
  return alternatives === null ? null : alternativesTest(alternatives);
}

/** `^?(` or `^?(?:`, literals separated by `|`, `)$?` */
function groupedAlternatives(source: string): LiteralAlternative[] | null {
  const start = source.startsWith("^");
  let i = start ? 1 : 0;
  if (source[i] !== "(") return null;
  i += source.startsWith("?:", i + 1) ? 3 : 1;
  const texts: string[] = [];
  for (;;) {
    const literal = readLiteral(source, i);
    if (literal === null) return null;
    texts.push(literal.text);
    i = literal.next;
    if (source[i] !== "|") break;
    i++;
  }
  if (source[i] !== ")") return null;
  i++;
  const end = source[i] === "$";
  if (i + (end ? 1 : 0) !== source.length) return null;
  return texts.map((text) => ({ text, start, end }));
}

/** Alternatives `^?literal$?` separated by `|`, each with its own anchors. */
function topLevelAlternatives(source: string): LiteralAlternative[] | null {
  const alternatives: LiteralAlternative[] = [];
  let i = 0;
  for (;;) {
    const start = source[i] === "^";
    const literal = readLiteral(source, start ? i + 1 : i);
    if (literal === null) return null;
    const end = source[literal.next] === "$";
    i = end ? literal.next + 1 : literal.next;
    alternatives.push({ text: literal.text, start, end });
    if (i === source.length) return alternatives;
    if (source[i] !== "|") return null;
    i++;
  }
}

/**
 * The literal text from `i` up to the first unescaped metacharacter (or the
 * end), and where it stopped; null when it holds something that is not a
 * plain literal: an escape other than escaped punctuation (`\d`, `\x41`,
 * `\Q`), or a code unit that is not a whole character on its own.
 */
function readLiteral(source: string, i: number): { text: string; next: number } | null {
  let text = "";
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\") {
      const escaped = source[i + 1];
      if (escaped === undefined || !ESCAPABLE.has(escaped)) return null;
      text += escaped;
      i += 2;
      continue;
    }
    if (META.has(c)) break;
    if (!standsAlone(c.charCodeAt(0))) return null;
    text += c;
    i++;
  }
  return { text, next: i };
}

/**
 * Whether a code unit is a character both engines see alike. RE2 reads code
 * points (a surrogate pair is one character) where `includes` compares code
 * units, and RE2 ports substitute U+FFFD for what they cannot decode; a
 * literal holding a surrogate or U+FFFD is left to re2js.
 */
function standsAlone(code: number): boolean {
  return (code < 0xd800 || code > 0xdfff) && code !== 0xfffd;
}

function alternativesTest(alternatives: LiteralAlternative[]): (input: string) => boolean {
  if (alternatives.length === 1) return alternativeTest(alternatives[0]!);
  if (alternatives.every((a) => a.start && a.end)) {
    const exact = new Set(alternatives.map((a) => a.text));
    return (input) => exact.has(input);
  }
  const tests = alternatives.map(alternativeTest);
  return (input) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(input)) return true;
    return false;
  };
}

function alternativeTest({ text, start, end }: LiteralAlternative): (input: string) => boolean {
  if (start && end) return (input) => input === text;
  if (start) return (input) => input.startsWith(text);
  if (end) return (input) => input.endsWith(text);
  return (input) => input.includes(text);
}
