import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, test } from "vitest";
import { LIMITS } from "../shared.js";
import { compileRegex, literalMatcher, MAX_REGEX_INSTRUCTIONS, regexProblem } from "./regex.js";

const re2 = (source: string, input: string) => RE2JS.compile(source).test(input);

describe("compileRegex", () => {
  test("literal patterns run as string operations, all others on re2js", () => {
    const engineOf = (source: string) => {
      const compiled = compileRegex(source);
      return typeof compiled === "string" ? compiled : compiled.engine;
    };
    for (const source of ["Done", "^Done", "Done$", "^Done$", "(bug|fix|hotfix)", "^(?:a|b)$", "a|^b|c$", "a\\.b", ""]) {
      expect(engineOf(source), source).toBe("string");
    }
    for (const source of [".*.*.*x", "a*a*a*b", "\\s*\\s*\\s*x$", "a.b", "\\d", "(?i)done", "(a|b)c", "^^a", "a]", "\\Qa\\E", "é\u0301|😀"]) {
      expect(engineOf(source), source).toBe("re2js");
    }
  });

  test("answers as RE2 does, on both engines", () => {
    const cases: Array<[string, string, boolean]> = [
      ["^Done$", "Done", true],
      ["^Done$", "Done\n", false],
      ["Done$", "Undone", false],
      ["(bug|fix|hotfix)", "a hotfix", true],
      ["(bug|fix|hotfix)", "feature", false],
      ["^(a|b)$", "ab", false],
      ["a\\.b", "axb", false],
      ["a.b", "axb", true],
      ["^.$", "😀", true],
      ["^\\s$", "\u00a0", false],
      ["", "anything", true],
    ];
    for (const [source, input, expected] of cases) {
      const compiled = compileRegex(source);
      if (typeof compiled === "string") throw new Error(compiled);
      expect(compiled.test(input), `${source} on ${JSON.stringify(input)}`).toBe(expected);
      expect(re2(source, input), `re2js: ${source}`).toBe(expected);
    }
  });

  test("refuses what RE2 cannot run, with the reason", () => {
    expect(regexProblem("(a)\\1")).toContain("may not use backreferences (\\1, \\k<name>) or lookaround");
    expect(regexProblem("(?=x)")).toContain("lookaround");
    expect(regexProblem("(?<=x)a")).toContain("lookaround");
    expect(regexProblem("([a-z")).toContain("invalid regular expression (RE2 syntax): ");
    expect(regexProblem("a".repeat(LIMITS.regexLength + 1))).toBe(
      `regular expression is longer than ${LIMITS.regexLength} characters`,
    );
    expect(regexProblem("x{999}")).toContain("at most 1000");
    expect(regexProblem(".*.*.*x")).toBeNull();
  });
});

// Literals for the fast path: plain characters, RE2's metacharacters (which
// a pattern must escape), other punctuation (which it may escape), and
// characters outside ASCII.
const LITERAL_CHARS = ["a", "b", "A", "0", " ", "\n", "\t", "\0", "é", "ß", "中", ..."\\.+*?()|[]{}^$", ..."!-/:@_`~#,"];
const META = new Set("\\.+*?()|[]{}^$");
const literalChar = fc.constantFrom(...LITERAL_CHARS);
const literalText = fc.array(literalChar, { maxLength: 6 });

/** RE2 source for a literal: metacharacters escaped, other punctuation escaped or not. */
const renderedLiteral = literalText.chain((chars) =>
  fc
    .array(fc.boolean(), { minLength: chars.length, maxLength: chars.length })
    .map((escape) => ({
      text: chars.join(""),
      source: chars
        .map((c, i) => (META.has(c) || (escape[i] && /[!-/:-@[-`{-~]/.test(c)) ? `\\${c}` : c))
        .join(""),
    })),
);
const anchors = fc.record({ start: fc.boolean(), end: fc.boolean() });

/** A pattern the fast path must take, and the literal texts in it. */
const literalPattern = fc.oneof(
  // `bug|^fix|hotfix$`: each alternative with its own anchors.
  fc
    .array(fc.tuple(renderedLiteral, anchors), { minLength: 1, maxLength: 4 })
    .map((alternatives) => ({
      source: alternatives
        .map(([l, a]) => `${a.start ? "^" : ""}${l.source}${a.end ? "$" : ""}`)
        .join("|"),
      texts: alternatives.map(([l]) => l.text),
    })),
  // `^(?:bug|fix)$`: a group of literals with shared anchors.
  fc
    .tuple(fc.array(renderedLiteral, { minLength: 1, maxLength: 4 }), anchors, fc.constantFrom("(", "(?:"))
    .map(([literals, a, open]) => ({
      source: `${a.start ? "^" : ""}${open}${literals.map((l) => l.source).join("|")})${a.end ? "$" : ""}`,
      texts: literals.map((l) => l.text),
    })),
);

/** Inputs made of the pattern's texts, random literal characters and characters both engines read differently. */
function inputsFor(texts: string[]) {
  const piece = fc.oneof(
    fc.constantFrom(...texts),
    literalChar,
    fc.constantFrom("😀", "\ud83d", "\ude00", "\ufffd", "\r\n"),
  );
  return fc.array(fc.array(piece, { maxLength: 5 }).map((pieces) => pieces.join("")), {
    minLength: 1,
    maxLength: 8,
  });
}

describe("literalMatcher", () => {
  test("property: takes every literal pattern and answers exactly as re2js", () => {
    fc.assert(
      fc.property(
        literalPattern.chain((pattern) => fc.tuple(fc.constant(pattern), inputsFor(pattern.texts))),
        ([{ source, texts }, inputs]) => {
          const fast = literalMatcher(source);
          expect(fast, source).not.toBeNull();
          const compiled = RE2JS.compile(source);
          for (const input of [...texts, ...inputs]) {
            expect(fast!(input), `${source} on ${JSON.stringify(input)}`).toBe(compiled.test(input));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("property: any pattern it takes is valid RE2 within the size cap, and it agrees with re2js", () => {
    // Noisy sources: unescaped metacharacters, escapes of letters, surrogates.
    const part = fc.oneof(literalChar, fc.constantFrom("\\d", "\\Q", "\\x41", "(?i)", "\ud83d", "\ude00", "😀", "\ufffd", "]", "}"));
    const noisy = fc.array(part, { maxLength: 12 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(noisy, fc.array(noisy, { maxLength: 4 }), (source, inputs) => {
        const fast = literalMatcher(source);
        if (fast === null) return;
        const compiled = RE2JS.compile(source);
        expect(compiled.re2().numberOfInstructions()).toBeLessThanOrEqual(MAX_REGEX_INSTRUCTIONS);
        for (const input of [source, ...inputs]) {
          expect(fast(input), `${source} on ${JSON.stringify(input)}`).toBe(compiled.test(input));
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("the longest literal patterns compile within the size cap", () => {
    for (const source of ["a".repeat(LIMITS.regexLength), "a|".repeat(LIMITS.regexLength / 2), `^(${"\\.|".repeat(63)}a)$`]) {
      expect(literalMatcher(source), source).not.toBeNull();
      expect(RE2JS.compile(source).re2().numberOfInstructions()).toBeLessThanOrEqual(MAX_REGEX_INSTRUCTIONS);
    }
  });
});
