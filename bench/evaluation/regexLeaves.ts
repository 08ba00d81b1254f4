/**
 * The cost of one `matches` leaf's match: our compiled pattern (string
 * operations for literal patterns, re2js otherwise), re2js alone, and the
 * backtracking `RegExp` the evaluator used before. `RegExp` is timed on the
 * catastrophic patterns only at a short input: at 400 characters one match
 * takes seconds (its time grows with about the fourth power of the length).
 */
import { RE2JS } from "re2js";
import { expect } from "vitest";
import type { Table } from "../lib/report.js";
import { compileRegex } from "../../src/core/regex.js";

type Case = {
  pattern: string;
  /** What the pattern is tested on by ours and by re2js. */
  input: string;
  /** What `RegExp` is tested on: the same input, or a short one where backtracking explodes. */
  regExpInput: string;
};

const CASES: Case[] = [
  { pattern: "^Done$", input: "Done", regExpInput: "Done" },
  {
    pattern: "(bug|fix|hotfix)",
    input: "Deploy the payments service with a hotfix",
    regExpInput: "Deploy the payments service with a hotfix",
  },
  { pattern: ".*.*.*x", input: "a".repeat(400), regExpInput: "a".repeat(24) },
  { pattern: "a*a*a*b", input: "a".repeat(400), regExpInput: "a".repeat(24) },
  // An "x" in the input, so re2js's required-literal prefilter cannot answer
  // without scanning (it rejects the two above that way).
  { pattern: "\\s*\\s*\\s*x$", input: `x${" ".repeat(399)}`, regExpInput: `x${" ".repeat(23)}` },
];

/**
 * The fastest ns per call of `test(input)` over `repetitions` timed loops of
 * at least `minMs` each (the fastest, not the median: on a shared machine
 * the slower loops measure the other work).
 */
function nsPerMatch(test: (input: string) => boolean, input: string, repetitions: number, minMs: number): number {
  const expected = test(input);
  let calls = 1;
  const samples: number[] = [];
  while (samples.length < repetitions) {
    let mismatches = 0;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) if (test(input) !== expected) mismatches++;
    const ms = performance.now() - t0;
    expect(mismatches).toBe(0);
    if (ms < minMs) {
      calls = ms < 1 ? calls * 10 : Math.ceil((calls * minMs) / ms);
      continue;
    }
    samples.push((ms * 1e6) / calls);
  }
  return Math.min(...samples);
}

const chars = (s: string) => `${s.length} chars`;
const ns = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} ms` : `${Math.round(n).toLocaleString("en-US")} ns`);

/**
 * The table of regex leaves' cost. Every engine must give the same answer
 * on each input before it is timed.
 */
export function regexLeavesTable(quick: boolean): Table {
  const repetitions = 5;
  const minMs = quick ? 30 : 100;
  const rows = CASES.map(({ pattern, input, regExpInput }) => {
    const ours = compileRegex(pattern);
    if (typeof ours === "string") throw new Error(`${pattern}: ${ours}`);
    const re2 = RE2JS.compile(pattern);
    const regExp = new RegExp(pattern);
    for (const text of new Set([input, regExpInput])) {
      const answer = re2.test(text);
      expect(ours.test(text), `${pattern}: ours agrees with re2js`).toBe(answer);
      if (text === regExpInput) expect(regExp.test(text), `${pattern}: RegExp agrees with re2js`).toBe(answer);
    }
    return [
      `\`${pattern}\``,
      chars(input),
      ours.engine === "string" ? "string operations" : "re2js",
      ns(nsPerMatch(ours.test, input, repetitions, minMs)),
      ns(nsPerMatch((s) => re2.test(s), input, repetitions, minMs)),
      ns(nsPerMatch((s) => regExp.test(s), regExpInput, repetitions, minMs)),
      regExpInput === input ? "same" : `${chars(regExpInput)} only`,
    ];
  });
  return {
    caption:
      "Cost of one `matches` leaf's match (fastest of 5 timed loops): ours is the compiled pattern the leaf calls " +
      "(literal patterns as string operations, the rest on re2js); re2js alone compiles the same pattern without that " +
      "fast path; RegExp is the backtracking engine used before, timed on the sibling-quantifier patterns at 24 characters " +
      "because at 400 one match takes seconds (its time grows with about the fourth power of the length). " +
      "re2js answers `.*.*.*x` and `a*a*a*b` on inputs without `x` / `b` from its required-literal prefilter; " +
      "`\\s*\\s*\\s*x$` on an input holding an `x` makes it scan.",
    columns: ["pattern", "input", "ours runs on", "ours / match", "re2js alone / match", "RegExp / match", "RegExp input"],
    align: ["l", "r", "l", "r", "r", "r", "l"],
    rows,
  };
}
