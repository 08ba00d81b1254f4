import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, test, vi } from "vitest";
import type { Condition } from "../shared.js";
import {
  compileConditions,
  deepEqual,
  evaluateConditions,
  EXPLANATION_LIMITS,
  MAX_MATCH_INPUT,
  summarizeValue,
  type EvaluationContext,
  type ExplanationNode,
} from "./evaluate.js";

const NOW = Date.UTC(2025, 10, 20, 12, 0, 0); // 2025-11-20T12:00:00Z
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let nextId = 0;
const id = () => `n${++nextId}`;
const field = (
  path: string,
  op: string,
  value?: unknown,
  extra: Record<string, unknown> = {},
): Condition => ({
  id: id(),
  type: "field",
  config: { path, op, ...(value === undefined ? {} : { value }), ...extra },
});
const group = (type: "all" | "any" | "not", conditions: Condition[], nodeId = id()): Condition => ({
  id: nodeId,
  type,
  config: { conditions },
});
const custom = (type: string, config: Record<string, unknown> = {}, nodeId = id()): Condition => ({
  id: nodeId,
  type,
  config,
});

const ctxOf = (extra: Partial<EvaluationContext> = {}): EvaluationContext => ({
  now: NOW,
  explain: false,
  ...extra,
});

/** Evaluates with explain off and on, checks both agree, returns the explanation. */
function evaluate(
  conditions: Condition[],
  event: unknown,
  extra: Partial<EvaluationContext> = {},
): { met: boolean; explanation: ExplanationNode[] } {
  const compiled = compileConditions(conditions);
  const fast = compiled.evaluate(event, ctxOf({ ...extra, explain: false }));
  expect("explanation" in fast).toBe(false);
  const slow = compiled.evaluate(event, ctxOf({ ...extra, explain: true }));
  expect(slow.met).toBe(fast.met);
  expect(slow.explanation).toBeDefined();
  return { met: fast.met, explanation: slow.explanation! };
}

/** The outcome of one leaf: true, false or "error". */
function leafResult(
  condition: Condition,
  event: unknown,
  extra: Partial<EvaluationContext> = {},
) {
  const { met, explanation } = evaluate([condition], event, extra);
  const result = explanation[0].result;
  expect(met).toBe(result === true);
  return result;
}

const show = (value: unknown) =>
  typeof value === "bigint" ? `${value}n` : String(JSON.stringify(value));

/** Checks `op` with `value` against `cases`: [actual (undefined = missing), expected]. */
function check(op: string, value: unknown, cases: Array<[unknown, boolean | "error"]>) {
  for (const [actual, expected] of cases) {
    const event = actual === undefined ? { other: 1 } : { x: actual };
    const label = `${op} ${show(value)} on ${show(actual)}`;
    expect(leafResult(field("x", op, value), event), label).toBe(expected);
  }
}

describe("equality operators", () => {
  test("eq is strict and structural", () => {
    check("eq", "done", [
      ["done", true],
      ["Done", false],
      [undefined, false],
      [null, false],
      [["done"], false],
    ]);
    check("eq", 5, [
      [5, true],
      ["5", false],
      [5.0, true],
      [true, false],
    ]);
    check("eq", null, [
      [null, true],
      [undefined, false],
      [0, false],
      ["", false],
    ]);
    check("eq", { a: [1, { b: "x" }] }, [
      [{ a: [1, { b: "x" }] }, true],
      [{ a: [1, { b: "y" }] }, false],
      [{ a: [1, { b: "x" }], c: 1 }, false],
      [{ a: [{ b: "x" }, 1] }, false],
      ["[object Object]", false],
    ]);
    check("eq", [1, 2], [
      [[1, 2], true],
      [[2, 1], false],
      [[1, 2, 3], false],
      [{ 0: 1, 1: 2 }, false],
    ]);
    check("eq", false, [
      [false, true],
      [0, false],
      [null, false],
    ]);
  });

  test("neq is the complement of eq, so a missing value is not equal", () => {
    check("neq", "done", [
      ["done", false],
      ["todo", true],
      [undefined, true],
      [null, true],
      [5, true],
    ]);
    check("neq", { a: 1 }, [
      [{ a: 1 }, false],
      [{ a: 2 }, true],
    ]);
  });

  test("in / nin: deep-equals some item", () => {
    check("in", ["a", 1, null, { k: [1] }], [
      ["a", true],
      [1, true],
      ["1", false],
      [null, true],
      [{ k: [1] }, true],
      [{ k: [2] }, false],
      [undefined, false],
      [true, false],
      [["a"], false],
    ]);
    check("in", [], [
      ["a", false],
      [undefined, false],
    ]);
    check("in", [1, 2], [
      [1, true],
      [3, false],
      [{ a: 1 }, false],
    ]);
    check("nin", ["a", { k: 1 }], [
      ["a", false],
      [{ k: 1 }, false],
      ["b", true],
      [undefined, true],
      [null, true],
    ]);
  });

  test("NaN equals NaN, -0 equals 0", () => {
    expect(deepEqual(NaN, NaN)).toBe(true);
    expect(deepEqual(0, -0)).toBe(true);
    expect(deepEqual([NaN], [NaN])).toBe(true);
    check("in", [NaN], [[NaN, true]]);
    check("eq", 0, [[-0, true]]);
  });

  test("deepEqual compares plain objects, arrays, bytes and dates", () => {
    expect(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(deepEqual({ a: undefined }, {})).toBe(false);
    expect(deepEqual(Object.assign(Object.create(null), { a: 1 }), { a: 1 })).toBe(true);
    expect(deepEqual(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 2]).buffer)).toBe(true);
    expect(deepEqual(new Uint8Array([1, 2]).buffer, new Uint8Array([1, 3]).buffer)).toBe(false);
    expect(deepEqual(new Date(5), new Date(5))).toBe(true);
    expect(deepEqual(new Map(), new Map())).toBe(false);
    expect(deepEqual(new Map(), {})).toBe(false);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual({}, [])).toBe(false);
    expect(deepEqual(1n, 1n)).toBe(true);
    expect(deepEqual(1n, 1)).toBe(false);
  });
});

describe("string and array operators", () => {
  test("contains / not_contains: substring or deep-equal element", () => {
    check("contains", "urgent", [
      ["this is urgent!", true],
      ["URGENT", false],
      [["urgent", "x"], true],
      [["not urgent"], false],
      [undefined, false],
      [5, false],
      [{ urgent: true }, false],
    ]);
    check("contains", { id: 1 }, [
      [[{ id: 2 }, { id: 1 }], true],
      [[{ id: 1, x: 1 }], false],
      ["{ id: 1 }", false],
    ]);
    check("contains", 3, [
      [[1, 2, 3], true],
      [["3"], false],
      ["123", false],
    ]);
    check("not_contains", "urgent", [
      ["this is urgent!", false],
      ["calm", true],
      [["urgent"], false],
      [[], true],
      [undefined, true],
      [42, true],
    ]);
  });

  test("starts_with / ends_with: strings only", () => {
    check("starts_with", "ab", [
      ["abc", true],
      ["ab", true],
      ["xab", false],
      [["ab"], false],
      [undefined, false],
      [null, false],
    ]);
    check("ends_with", "ab", [
      ["xab", true],
      ["abx", false],
      [123, false],
      [undefined, false],
    ]);
    check("ends_with", "1", [[1, false]]);
  });

  test("matches: a regular expression on strings", () => {
    check("matches", "^[A-Z]{2}-\\d+$", [
      ["AB-12", true],
      ["ab-12", false],
      ["AB-12\n", false],
      [12, false],
      [undefined, false],
      [["AB-12"], false],
    ]);
    // No global state between calls.
    const condition = field("x", "matches", "b");
    const compiled = compileConditions([condition]);
    for (let i = 0; i < 3; i++) {
      expect(compiled.evaluate({ x: "abc" }, ctxOf()).met).toBe(true);
    }
    // RE2 semantics: `.` is one code point, `\s` is ASCII white space.
    check("matches", "^.$", [["😀", true]]);
    check("matches", "^\\s$", [["\t", true], ["\u00a0", false]]);
  });

  test("matches caps inputs at 10,000 characters with an error", () => {
    const condition = field("x", "matches", "a$");
    expect(leafResult(condition, { x: "a".repeat(MAX_MATCH_INPUT) })).toBe(true);
    const { met, explanation } = evaluate([condition], { x: "a".repeat(MAX_MATCH_INPUT + 1) });
    expect(met).toBe(false);
    expect(explanation[0].result).toBe("error");
    expect(explanation[0].error).toContain("10001 characters");
    // An error is not met for any/all, and `not` keeps it an error.
    expect(evaluate([group("any", [condition])], { x: "a".repeat(20_000) }).met).toBe(false);
    const negated = evaluate([group("not", [condition])], { x: "a".repeat(20_000) });
    expect(negated.met).toBe(false);
    expect(negated.explanation[0].result).toBe("error");
    expect(negated.explanation[0].error).toContain("characters");
  });

  test("sibling quantifiers on 10,000 characters run on re2js, never on RegExp, with RE2's answers", () => {
    const cases: Array<[string, string, string]> = [
      [".*.*.*x", "a".repeat(MAX_MATCH_INPUT), `${"a".repeat(MAX_MATCH_INPUT - 1)}x`],
      ["a*a*a*b", "a".repeat(MAX_MATCH_INPUT), `${"a".repeat(MAX_MATCH_INPUT - 1)}b`],
      ["\\s*\\s*\\s*x$", " ".repeat(MAX_MATCH_INPUT), `${" ".repeat(MAX_MATCH_INPUT - 1)}x`],
      ["^(a+)+$", `${"a".repeat(MAX_MATCH_INPUT - 1)}!`, "a".repeat(MAX_MATCH_INPUT)],
    ];
    for (const [pattern, miss, hit] of cases) {
      const compiled = compileConditions([field("x", "matches", pattern)]);
      const re2 = vi.spyOn(RE2JS.prototype, "test");
      const exec = vi.spyOn(RegExp.prototype, "exec");
      const regExpTest = vi.spyOn(RegExp.prototype, "test");
      const met = [miss, hit].map((x) => compiled.evaluate({ x }, ctxOf()).met);
      const seen = { re2: re2.mock.calls.map(([input]) => input), regExp: exec.mock.calls.length + regExpTest.mock.calls.length };
      vi.restoreAllMocks();
      expect(met, pattern).toEqual([false, true]);
      // re2js matches in time linear in the input; RegExp would backtrack.
      expect(seen, pattern).toEqual({ re2: [miss, hit], regExp: 0 });
    }
  });

  test("a pattern RE2 refuses, stored before the check, runs as an error, never compiled", () => {
    const { met, explanation } = evaluate([field("x", "matches", "(a)\\1")], { x: "aa" });
    expect(met).toBe(false);
    expect(explanation[0].result).toBe("error");
    expect(explanation[0].error).toContain("may not use backreferences");
  });

  test("matches with a valuePath checks the pattern at evaluation", () => {
    const condition = field("x", "matches", undefined, { valuePath: "pattern" });
    expect(leafResult(condition, { x: "abc", pattern: "^a" })).toBe(true);
    expect(leafResult(condition, { x: "abc", pattern: "^b" })).toBe(false);
    expect(leafResult(condition, { x: "abc", pattern: "(a|aa)+" })).toBe(true);
    expect(leafResult(condition, { x: "abc", pattern: "(?=a)" })).toBe("error");
    expect(leafResult(condition, { x: "abc", pattern: "([" })).toBe("error");
    expect(leafResult(condition, { x: "abc", pattern: 5 })).toBe("error");
    expect(leafResult(condition, { x: "abc" })).toBe("error");
    // Cached patterns give the same answers.
    for (let i = 0; i < 100; i++) {
      expect(leafResult(condition, { x: `k${i}`, pattern: `^k${i % 3}` })).toBe(
        `k${i}`.startsWith(`k${i % 3}`),
      );
    }
  });
});

describe("ordering operators", () => {
  test("numeric strings are read in one pass: a long run of digits is no slower to refuse", () => {
    // A backtracking reading of "digits, optional dot, digits" would take
    // quadratic time on digits followed by a letter.
    const digits = "1".repeat(100_000);
    check("lt", "5", [
      [`${digits}x`, true], // not numeric: string order
      [digits, false], // numeric: Infinity
    ]);
  });

  test("property: numeric strings are exactly those of the usual number grammar", () => {
    const grammar = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
    const text = fc.string({ unit: fc.constantFrom("1", "0", ".", "e", "E", "+", "-", " ", "x"), maxLength: 8 });
    fc.assert(
      fc.property(text, (s) => {
        const numeric = leafResult(field("x", "gte", 0), { x: s }) === true || leafResult(field("x", "lt", 0), { x: s }) === true;
        expect(numeric, JSON.stringify(s)).toBe(grammar.test(s));
      }),
      { numRuns: 500 },
    );
  });

  test("numbers and numeric strings compare as numbers", () => {
    check("gt", 5, [
      [6, true],
      [5, false],
      [4.9, false],
      ["10", true],
      ["5", false],
      ["2.5", false],
      ["1e3", true],
      ["-7", false],
      [10n, true],
      ["", false],
      ["abc", false],
      [" 6", false],
      ["0x10", false],
      [true, false],
      [null, false],
      [undefined, false],
      [[6], false],
      [NaN, false],
    ]);
    check("gte", "5", [
      [5, true],
      ["5.0", true],
      [4, false],
      ["10", true], // numerically, though "10" < "5" as strings
    ]);
    check("lt", 0, [
      [-1, true],
      ["-0.5", true],
      [0, false],
      ["abc", false],
    ]);
    check("lte", 2.5, [
      [2.5, true],
      ["2.5", true],
      [".5", true],
      ["+3", false],
      [3, false],
    ]);
  });

  test("two strings that are not both numeric compare as strings", () => {
    check("gt", "b", [
      ["c", true],
      ["b", false],
      ["a", false],
      ["bb", true],
      ["5", false],
      [5, false],
    ]);
    check("lt", "2024-06-01", [
      ["2024-05-31", true],
      ["2024-06-01", false],
      ["2025-01-01", false],
    ]);
    check("gte", "abc", [
      ["abc", true],
      ["5", false], // "5" < "abc"
    ]);
  });

  test("between is inclusive at both ends", () => {
    check("between", [1, 10], [
      [1, true],
      [10, true],
      [5.5, true],
      ["7", true],
      [0, false],
      [11, false],
      ["x", false],
      [undefined, false],
      [null, false],
    ]);
    check("between", ["b", "d"], [
      ["b", true],
      ["c", true],
      ["d", true],
      ["da", false],
      ["a", false],
    ]);
    check("between", [10, 1], [[5, false]]);
  });
});

describe("presence operators", () => {
  test("exists / not_exists: null is present", () => {
    check("exists", undefined, [
      [null, true],
      [0, true],
      ["", true],
      [false, true],
      [[], true],
      [undefined, false],
    ]);
    check("not_exists", undefined, [
      [null, false],
      [undefined, true],
      [{}, false],
    ]);
    expect(leafResult(field("x", "exists"), { x: undefined })).toBe(false);
  });

  test("is_empty / is_not_empty", () => {
    check("is_empty", undefined, [
      [undefined, true],
      [null, true],
      ["", true],
      [[], true],
      [{}, true],
      [" ", false],
      [0, false],
      [false, false],
      [[null], false],
      [{ a: null }, false],
    ]);
    check("is_not_empty", undefined, [
      [undefined, false],
      [null, false],
      ["x", true],
      [[1], true],
      [{ a: 1 }, true],
      [0, true],
    ]);
  });
});

describe("change operators", () => {
  // A monday.com column change event.
  const change = (value: unknown, previousValue: unknown) => ({
    type: "update_column_value",
    columnId: "status",
    ...(value === undefined ? {} : { value }),
    ...(previousValue === undefined ? {} : { previousValue }),
  });
  const label = (text: string) => ({ label: { index: 1, text }, post_id: null });

  test("changed compares value and previousValue at the same path", () => {
    const condition = field("value.label.text", "changed");
    expect(leafResult(condition, change(label("Done"), label("Working")))).toBe(true);
    expect(leafResult(condition, change(label("Done"), label("Done")))).toBe(false);
    expect(leafResult(condition, change(label("Done"), undefined))).toBe(true);
    expect(leafResult(condition, change(undefined, label("Done")))).toBe(true);
    expect(leafResult(condition, change(undefined, undefined))).toBe(false);
    // Whole values compare structurally.
    const whole = field("value", "changed");
    expect(leafResult(whole, change(label("A"), label("A")))).toBe(false);
    expect(leafResult(whole, change({ ...label("A"), post_id: 1 }, label("A")))).toBe(true);
    expect(leafResult(field("value[1]", "changed"), { value: [1, 2], previousValue: [1, 3] })).toBe(
      true,
    );
  });

  test("changed_to / changed_from need a change and the value", () => {
    const to = field("value.label.text", "changed_to", "Done");
    const from = field("value.label.text", "changed_from", "Working");
    const event = change(label("Done"), label("Working"));
    expect(leafResult(to, event)).toBe(true);
    expect(leafResult(from, event)).toBe(true);
    expect(leafResult(to, change(label("Done"), label("Done")))).toBe(false);
    expect(leafResult(from, change(label("Working"), label("Working")))).toBe(false);
    expect(leafResult(to, change(label("Stuck"), label("Working")))).toBe(false);
    expect(leafResult(from, change(label("Done"), label("Stuck")))).toBe(false);
    expect(leafResult(to, change(label("Done"), undefined))).toBe(true);
    expect(leafResult(from, change(undefined, label("Working")))).toBe(true);
    expect(leafResult(field("value", "changed_to", null), change(null, 1))).toBe(true);
    expect(leafResult(field("value", "changed_to", { a: [1] }), change({ a: [1] }, { a: [2] }))).toBe(
      true,
    );
  });

  test("changed_to with a valuePath; a missing valuePath is an error", () => {
    const to = field("value.label.text", "changed_to", undefined, { valuePath: "target" });
    expect(leafResult(to, { ...change(label("Done"), label("X")), target: "Done" })).toBe(true);
    expect(leafResult(to, { ...change(label("Done"), label("X")), target: "Y" })).toBe(false);
    expect(leafResult(to, change(label("Done"), label("X")))).toBe("error");
  });

  test("a path outside value is an error (validation refuses it)", () => {
    const { explanation } = evaluate([field("item.status", "changed")], { item: { status: 1 } });
    expect(explanation[0].result).toBe("error");
    expect(explanation[0].error).toContain('starts with "value"');
  });

  test("the explanation shows both values", () => {
    const { explanation } = evaluate(
      [field("value.label.text", "changed_to", "Done")],
      change(label("Done"), label("Working")),
      { explain: true },
    );
    expect(explanation[0]).toEqual({
      id: expect.any(String),
      type: "field",
      result: true,
      op: "changed_to",
      path: "value.label.text",
      actual: { value: "Done", previousValue: "Working" },
      expected: "Done",
    });
  });
});

describe("date operators", () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  test("before / after an absolute date: ISO strings and epoch numbers", () => {
    check("before", "2025-01-01", [
      ["2024-12-31", true],
      ["2024-12-31T23:59:59.999Z", true],
      ["2025-01-01", false],
      ["2025-01-01T00:00:00+01:00", true], // 2024-12-31T23:00Z
      ["2025-01-01 00:30:00-01:00", false],
      [Date.UTC(2024, 11, 31), true], // milliseconds
      [Date.UTC(2024, 11, 31) / 1000, true], // seconds
      [Date.UTC(2025, 0, 2) / 1000, false],
      ["not a date", false],
      ["2024-02-30", false], // no such day: not a date
      ["12/31/2024", false],
      [undefined, false],
      [null, false],
      [true, false],
      [NaN, false],
    ]);
    check("after", 1763630043.09, [
      // monday.com's changedAt: epoch seconds.
      [1763630043.09 * 1000 + 1, true],
      ["2025-11-20T09:14:03Z", false],
      ["2025-11-20T09:14:04Z", true],
      [1763630044, true],
      [1763630042, false],
    ]);
    check("after", Date.UTC(2025, 0, 1, 12), [
      ["2025-01-01T12:00:00.001Z", true],
      ["2025-01-01T12:00:00Z", false],
      ["2025-01-01T12:00:00", false], // no zone: UTC
      ["2025-01-01T13:00:00+02:00", false],
    ]);
  });

  test("relative dates: now, N units ago, in N units", () => {
    check("before", "7 days ago", [
      [iso(NOW - 8 * DAY), true],
      [iso(NOW - 6 * DAY), false],
      [NOW - 7 * DAY - 1, true],
    ]);
    check("after", "in 2 hours", [
      [iso(NOW + 3 * HOUR), true],
      [iso(NOW + HOUR), false],
    ]);
    check("after", "now", [
      [NOW + 1, true],
      [NOW, false],
      [(NOW + 2000) / 1000, true],
    ]);
    check("before", "30m ago", [
      [NOW - 31 * 60_000, true],
      [NOW - 29 * 60_000, false],
    ]);
    check("before", "in 1 w", [[NOW + 6 * DAY, true]]);
    check("after", "1.5 hours ago", [
      [NOW - HOUR, true],
      [NOW - 2 * HOUR, false],
    ]);
    // `now` comes from the context.
    const condition = field("x", "before", "1 day ago");
    const event = { x: iso(NOW - 2 * DAY) };
    expect(compileConditions([condition]).evaluate(event, ctxOf()).met).toBe(true);
    expect(
      compileConditions([condition]).evaluate(event, ctxOf({ now: NOW - 2 * DAY })).met,
    ).toBe(false);
  });

  test("before / after with a valuePath; an unusable operand is an error", () => {
    const condition = field("due", "before", undefined, { valuePath: "deadline" });
    expect(leafResult(condition, { due: "2025-01-01", deadline: "2025-02-01" })).toBe(true);
    expect(leafResult(condition, { due: "2025-03-01", deadline: "2025-02-01" })).toBe(false);
    expect(leafResult(condition, { due: "2025-01-01", deadline: "soon" })).toBe("error");
    expect(leafResult(condition, { due: "2025-01-01" })).toBe("error");
    expect(leafResult(condition, { due: "garbage", deadline: "2025-02-01" })).toBe(false);
  });

  test("within a past or future window, bounds included", () => {
    for (const window of ["7 days", "last 7 days", "7d", "LAST 7 DAYS", 7 * DAY, "1 week"]) {
      check("within", window, [
        [iso(NOW - DAY), true],
        [NOW - 7 * DAY, true],
        [NOW - 7 * DAY - 1, false],
        [NOW, true],
        [NOW + 1, false],
        [(NOW - DAY) / 1000, true],
        ["yesterday", false],
        [undefined, false],
      ]);
    }
    check("within", "next 3 hours", [
      [NOW, true],
      [NOW + 3 * HOUR, true],
      [iso(NOW + 2 * HOUR), true],
      [NOW + 3 * HOUR + 1, false],
      [NOW - 1, false],
    ]);
    check("within", 0, [
      [NOW, true],
      [NOW - 1, false],
    ]);
    const dynamic = field("x", "within", undefined, { valuePath: "w" });
    expect(leafResult(dynamic, { x: NOW - HOUR, w: "2 hours" })).toBe(true);
    expect(leafResult(dynamic, { x: NOW - HOUR, w: "30 minutes" })).toBe(false);
    expect(leafResult(dynamic, { x: NOW - HOUR, w: "a while" })).toBe("error");
  });
});

describe("every / some", () => {
  const items = (...prices: unknown[]) => ({ items: prices.map((price) => ({ price })) });
  const cheap = () => [field("price", "lt", 10)];

  test("every: all elements; [] is true; non-arrays are false", () => {
    const every = field("items", "every", undefined, { conditions: cheap() });
    expect(leafResult(every, items(1, 2, 3))).toBe(true);
    expect(leafResult(every, items(1, 20, 3))).toBe(false);
    expect(leafResult(every, items())).toBe(true);
    expect(leafResult(every, { items: { price: 1 } })).toBe(false);
    expect(leafResult(every, { items: "1" })).toBe(false);
    expect(leafResult(every, {})).toBe(false);
    expect(leafResult(every, { items: [{ price: 1 }, 5, null] })).toBe(false);
  });

  test("some: one element; [] is false; non-arrays are false", () => {
    const some = field("items", "some", undefined, { conditions: cheap() });
    expect(leafResult(some, items(50, 2, 30))).toBe(true);
    expect(leafResult(some, items(50, 20))).toBe(false);
    expect(leafResult(some, items())).toBe(false);
    expect(leafResult(some, { items: null })).toBe(false);
    expect(leafResult(some, {})).toBe(false);
  });

  test("nested conditions are an implicit all on each element as root", () => {
    const some = field("orders", "some", undefined, {
      conditions: [field("status", "eq", "paid"), field("lines", "every", undefined, { conditions: [field("qty", "gt", 0)] })],
    });
    const event = {
      status: "paid", // the event root is not an element
      orders: [
        { status: "open", lines: [{ qty: 1 }] },
        { status: "paid", lines: [{ qty: 1 }, { qty: 0 }] },
        { status: "paid", lines: [{ qty: 2 }] },
      ],
    };
    expect(leafResult(some, event)).toBe(true);
    expect(leafResult(some, { orders: event.orders.slice(0, 2) })).toBe(false);
  });

  test("the explanation explains the element that decided", () => {
    const inner = field("price", "lt", 10);
    const every = field("items", "every", undefined, { conditions: [inner] });
    const failed = evaluate([every], items(1, 20, 3)).explanation[0];
    expect(failed.result).toBe(false);
    expect(failed.index).toBe(1);
    expect(failed.children).toEqual([
      { id: inner.id, type: "field", result: false, op: "lt", path: "price", actual: 20, expected: 10 },
    ]);
    const passed = evaluate([every], items(1, 2)).explanation[0];
    expect(passed.result).toBe(true);
    expect(passed.index).toBe(1);
    expect(passed.children?.[0].actual).toBe(2);
    const some = field("items", "some", undefined, { conditions: [inner] });
    const found = evaluate([some], items(50, 2, 30)).explanation[0];
    expect(found.index).toBe(1);
    expect(found.children?.[0].result).toBe(true);
    for (const event of [items(), { items: 5 }, {}]) {
      const none = evaluate([some], event).explanation[0];
      expect(none.index).toBeUndefined();
      expect(none.children).toEqual([
        { id: inner.id, type: "field", result: "skipped", op: "lt", path: "price" },
      ]);
    }
  });
});

describe("valuePath", () => {
  test("compares with another value of the event", () => {
    const condition = field("a", "eq", undefined, { valuePath: "b" });
    expect(leafResult(condition, { a: 1, b: 1 })).toBe(true);
    expect(leafResult(condition, { a: { x: [1] }, b: { x: [1] } })).toBe(true);
    expect(leafResult(condition, { a: 1, b: 2 })).toBe(false);
    expect(leafResult(condition, { a: null, b: null })).toBe(true);
    expect(leafResult(field("a", "gt", undefined, { valuePath: "b" }), { a: "10", b: 9 })).toBe(true);
    expect(leafResult(field("a", "in", undefined, { valuePath: "b" }), { a: 2, b: [1, 2] })).toBe(true);
    expect(leafResult(field("a", "in", undefined, { valuePath: "b" }), { a: 2, b: 2 })).toBe("error");
    expect(leafResult(field("a", "nin", undefined, { valuePath: "b" }), { a: 2, b: [1] })).toBe(true);
    expect(
      leafResult(field("a", "between", undefined, { valuePath: "b" }), { a: 2, b: [1, 3] }),
    ).toBe(true);
    expect(leafResult(field("a", "between", undefined, { valuePath: "b" }), { a: 2, b: 1 })).toBe(
      "error",
    );
    expect(
      leafResult(field("a", "contains", undefined, { valuePath: "b" }), { a: ["x", "y"], b: "y" }),
    ).toBe(true);
    expect(
      leafResult(field("a", "starts_with", undefined, { valuePath: "b" }), { a: "abc", b: "ab" }),
    ).toBe(true);
    expect(
      leafResult(field("a", "ends_with", undefined, { valuePath: "b" }), { a: "abc", b: 1 }),
    ).toBe(false);
  });

  test("a missing valuePath is an error, neq and nin included", () => {
    for (const op of ["eq", "neq", "nin", "gt", "contains"]) {
      const condition = field("a", op, undefined, { valuePath: "missing.path" });
      const { met, explanation } = evaluate([condition], { a: 1 });
      expect(met).toBe(false);
      expect(explanation[0].result).toBe("error");
      expect(explanation[0].error).toBe('valuePath "missing.path" is not in the event');
      expect(explanation[0].actual).toBe(1);
      expect("expected" in explanation[0]).toBe(false);
    }
  });

  test("the explanation records the operand read from the event", () => {
    const { explanation } = evaluate([field("a", "lt", undefined, { valuePath: "b" })], { a: 1, b: 2 });
    expect(explanation[0]).toMatchObject({ result: true, actual: 1, expected: 2 });
  });
});

describe("paths", () => {
  test("nested names and indexes", () => {
    const event = { item: { columns: [{ id: "s", text: "Done" }], "a b": { "x:y": 1 } } };
    expect(leafResult(field("item.columns[0].text", "eq", "Done"), event)).toBe(true);
    expect(leafResult(field("item.columns[1].text", "exists"), event)).toBe(false);
    expect(leafResult(field("item.a b.x:y", "eq", 1), event)).toBe(true);
    expect(leafResult(field("item.columns.text", "exists"), event)).toBe(false);
    expect(leafResult(field("item[0]", "exists"), event)).toBe(false);
  });

  test("never reads prototypes or inherited properties", () => {
    const event = JSON.parse('{"a": {"__proto__": {"polluted": 1}}}');
    expect(leafResult(field("a.__proto__", "exists"), event)).toBe(false);
    expect(leafResult(field("a.constructor", "exists"), {})).toBe(false);
    expect(leafResult(field("a.toString", "exists"), { a: {} })).toBe(false);
    expect(leafResult(field("toString", "is_empty"), {})).toBe(true);
    expect(leafResult(field("x.length", "eq", 3), { x: "abc" })).toBe(false);
    expect(leafResult(field("x.length", "eq", 3), { x: [1, 2, 3] })).toBe(false);
    expect(leafResult(field("d.x", "exists"), { d: new (class { x = 1; })() })).toBe(false);
  });

  test("events that are not objects", () => {
    for (const event of [null, undefined, 5, "x", [1, 2]]) {
      expect(leafResult(field("a", "exists"), event)).toBe(false);
      expect(leafResult(field("a", "neq", 1), event)).toBe(true);
    }
  });
});

describe("custom conditions", () => {
  test("ask ctx.custom with the node", () => {
    const node = custom("is_vip", { tier: 2 });
    const seen: Condition[] = [];
    const answer = (value: boolean | { error: string }) => (n: Condition) => {
      seen.push(n);
      return value;
    };
    expect(leafResult(node, {}, { custom: answer(true) })).toBe(true);
    expect(seen[0]).toBe(node);
    expect(leafResult(node, {}, { custom: answer(false) })).toBe(false);
    const { explanation } = evaluate([node], {}, { custom: answer({ error: "timeout" }) });
    expect(explanation[0]).toEqual({ id: node.id, type: "is_vip", result: "error", error: "timeout" });
  });

  test("no handler, a throwing handler or a bad answer is an error", () => {
    const node = custom("is_vip");
    const none = evaluate([node], {});
    expect(none.explanation[0].error).toBe("no handler for custom condition is_vip");
    const thrown = evaluate([node], {}, {
      custom: () => {
        throw new Error("boom");
      },
    });
    expect(thrown.explanation[0].result).toBe("error");
    expect(thrown.explanation[0].error).toContain("boom");
    const bad = evaluate([node], {}, { custom: () => "yes" as unknown as boolean });
    expect(bad.explanation[0].error).toContain('answered "yes"');
    expect(evaluate([group("not", [node])], {}).met).toBe(false);
  });
});

describe("groups", () => {
  const yes = () => field("t", "eq", true);
  const no = () => field("t", "eq", false);
  const event = { t: true };

  test("the top-level list is an implicit all; an empty list is met", () => {
    expect(evaluate([], event).met).toBe(true);
    expect(evaluate([yes(), yes()], event).met).toBe(true);
    expect(evaluate([yes(), no()], event).met).toBe(false);
    expect(evaluate([yes(), yes(), yes(), no()], event).met).toBe(false);
    expect(evaluate([yes(), yes(), yes(), yes()], event).met).toBe(true);
  });

  test("all, any, not", () => {
    expect(evaluate([group("all", [yes(), yes()])], event).met).toBe(true);
    expect(evaluate([group("all", [yes(), no()])], event).met).toBe(false);
    expect(evaluate([group("any", [no(), yes()])], event).met).toBe(true);
    expect(evaluate([group("any", [no(), no()])], event).met).toBe(false);
    expect(evaluate([group("not", [no()])], event).met).toBe(true);
    expect(evaluate([group("not", [yes()])], event).met).toBe(false);
    expect(evaluate([group("not", [group("not", [yes()])])], event).met).toBe(true);
    expect(evaluate([group("any", [group("not", [no()]), no()])], event).met).toBe(true);
  });

  test("an error counts as not met, except that not keeps it an error", () => {
    const broken = () => custom("broken");
    expect(evaluate([group("any", [broken(), yes()])], event).met).toBe(true);
    expect(evaluate([group("all", [broken(), yes()])], event).met).toBe(false);
    const tree = [group("not", [group("all", [broken()])])];
    // The all is false (not an error), so not(all) is true.
    expect(evaluate(tree, event).met).toBe(true);
    const { explanation } = evaluate([group("any", [group("not", [broken()]), no()])], event);
    expect(explanation[0].result).toBe(false);
    expect(explanation[0].children?.[0].result).toBe("error");
    expect(explanation[0].children?.[0].error).toContain("no handler for custom condition broken");
  });

  test("short-circuits: conditions after the decision are not evaluated", () => {
    const calls: string[] = [];
    const probe = (name: string, answer: boolean) => custom(name, { answer }, name);
    const handler = (node: Condition) => {
      calls.push(node.id);
      return node.config.answer as boolean;
    };
    const tree = [
      group("any", [probe("a1", false), probe("a2", true), probe("a3", true)], "any"),
      group("all", [probe("b1", true), probe("b2", false), probe("b3", true)], "all"),
      probe("c1", true),
    ];
    for (const explain of [false, true]) {
      calls.length = 0;
      const result = compileConditions(tree).evaluate(event, ctxOf({ explain, custom: handler }));
      expect(result.met).toBe(false);
      expect(calls).toEqual(["a1", "a2", "b1", "b2"]);
    }
  });

  test("skipped conditions are marked, with their children", () => {
    const skippedEvery = field("items", "every", undefined, { conditions: [field("p", "exists")] });
    const tree = [
      group("all", [no(), group("any", [yes(), skippedEvery]), custom("mine")], "g"),
      group("not", [yes()], "n"),
    ];
    const { met, explanation } = evaluate(tree, event);
    expect(met).toBe(false);
    const strip = (nodes: ExplanationNode[] | undefined): unknown =>
      nodes?.map((n) => ({ type: n.type, result: n.result, ...(n.children ? { children: strip(n.children) } : {}) }));
    expect(strip(explanation)).toEqual([
      {
        type: "all",
        result: false,
        children: [
          { type: "field", result: false },
          {
            type: "any",
            result: "skipped",
            children: [
              { type: "field", result: "skipped" },
              { type: "field", result: "skipped", children: [{ type: "field", result: "skipped" }] },
            ],
          },
          { type: "mine", result: "skipped" },
        ],
      },
      { type: "not", result: "skipped", children: [{ type: "field", result: "skipped" }] },
    ]);
  });

  test("explanations carry ids, operators, paths, actual and expected values", () => {
    const leaf = field("item.status", "eq", "Done");
    const { explanation } = evaluate([group("all", [leaf], "root")], { item: { status: "Open" } });
    expect(explanation).toEqual([
      {
        id: "root",
        type: "all",
        result: false,
        children: [
          { id: leaf.id, type: "field", result: false, op: "eq", path: "item.status", actual: "Open", expected: "Done" },
        ],
      },
    ]);
    const missing = evaluate([field("item.status", "exists")], {}).explanation[0];
    expect("actual" in missing).toBe(false);
    expect("expected" in missing).toBe(false);
  });

  test("explain: false returns only met", () => {
    const result = compileConditions([yes()]).evaluate(event, ctxOf());
    expect(result).toEqual({ met: true });
    expect(evaluateConditions([no()], event, ctxOf())).toEqual({ met: false });
    expect(evaluateConditions([no()], event, ctxOf({ explain: true })).explanation).toHaveLength(1);
  });

  test("a compiled tree evaluates many events independently", () => {
    const compiled = compileConditions([field("n", "gt", 5), group("any", [field("s", "eq", "a"), field("s", "eq", "b")])]);
    const results = [
      { n: 6, s: "a" },
      { n: 4, s: "a" },
      { n: 9, s: "b" },
      { n: 9, s: "c" },
    ].map((e) => compiled.evaluate(e, ctxOf()).met);
    expect(results).toEqual([true, false, true, false]);
  });
});

describe("invalid configs compile to errors", () => {
  test("compileConditions never throws", () => {
    const broken: Condition[] = [
      { id: "a", type: "all", config: {} },
      { id: "b", type: "any", config: { conditions: [] } },
      { id: "c", type: "not", config: { conditions: [] } },
      { id: "d", type: "field", config: null },
      { id: "e", type: "field", config: { path: "a..b", op: "eq", value: 1 } },
      { id: "f", type: "field", config: { path: "a", op: "bogus", value: 1 } },
      { id: "g", type: "field", config: { path: "a", op: "eq" } },
      { id: "h", type: "field", config: { path: "a", op: "matches", value: "([" } },
      { id: "i", type: "field", config: { path: "a", op: "in", value: 1 } },
      { id: "j", type: "field", config: { path: "a", op: "before", value: "someday" } },
      { id: "k", type: "field", config: { path: "a", op: "within", value: "forever" } },
      { id: "l", type: "field", config: { path: "a", op: "between", value: [1] } },
      { id: "m", type: "field", config: { path: "a", op: "gt", value: null } },
      { id: "n", type: "field", config: { path: "a", op: "every" } },
      { id: "o", type: "field", config: { path: "a", op: "eq", valuePath: "" } },
      { id: "p", type: "field", config: { path: "value", op: "changed_to" } },
    ];
    for (const node of broken) {
      const result = evaluate([group("any", [node])], { a: 1 });
      expect(result.met, node.id).toBe(false);
      const explained = result.explanation[0].children![0];
      expect(explained.result, node.id).toBe("error");
      expect(explained.error, node.id).toBeTruthy();
      expect(evaluate([group("not", [node])], { a: 1 }).explanation[0].result).toBe("error");
    }
  });
});

describe("summarizeValue", () => {
  test("keeps small values", () => {
    for (const value of [1, "x", null, true, [1, 2], { a: { b: [1] } }]) {
      expect(summarizeValue(value)).toEqual(value);
    }
  });

  test("cuts long strings, long arrays, wide and deep objects", () => {
    const long = "é".repeat(500);
    expect(summarizeValue(long)).toBe(`${"é".repeat(200)}... (500 characters)`);
    const array = Array.from({ length: 50 }, (_, i) => i);
    expect(summarizeValue(array)).toEqual([...array.slice(0, 10), "... 40 more items"]);
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    const summary = summarizeValue(wide) as Record<string, unknown>;
    expect(Object.keys(summary)).toHaveLength(11);
    expect(summary["..."]).toBe("20 more fields");
    expect(summarizeValue({ a: { b: { c: { d: 1 } } } })).toEqual({ a: { b: { c: "{1 fields}" } } });
    expect(summarizeValue([[[[1, 2]]]])).toEqual([[["[2 items]"]]]);
    // A large value stays small in all.
    const big = Array.from({ length: 100 }, () => ({ text: "x".repeat(1000), more: array }));
    expect(JSON.stringify(summarizeValue(big)).length).toBeLessThan(3000);
  });

  test("explanations summarise the actual value", () => {
    const { explanation } = evaluate([field("x", "eq", "a")], { x: "b".repeat(10_000) });
    expect((explanation[0].actual as string).length).toBeLessThanOrEqual(
      EXPLANATION_LIMITS.stringLength + 30,
    );
  });

  test("keeps a __proto__ key as data", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}}');
    const summary = summarizeValue(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(summary)).toBe(Object.prototype);
    expect(Object.keys(summary)).toEqual(["__proto__"]);
  });
});

// ---------------------------------------------------------------------------
// Property test against a reference evaluator, written for clarity only.

type Ref =
  | { kind: "all" | "any"; children: Ref[] }
  | { kind: "not"; child: Ref }
  | { kind: "field"; path: Array<string | number>; op: string; value: unknown };

const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function refLookup(root: unknown, path: Array<string | number>): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current)) {
        return { found: false };
      }
      if (!Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

function refEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => refEqual(item, b[i]))
    );
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      refEqual(ka, kb) &&
      ka.every((k) => refEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

function refCompare(a: unknown, b: unknown): number | undefined {
  const numeric = (x: unknown) =>
    typeof x === "number" || (typeof x === "string" && NUMERIC_TEXT.test(x));
  if (numeric(a) && numeric(b)) {
    const x = Number(a);
    const y = Number(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === "string" && typeof b === "string") return a === b ? 0 : a < b ? -1 : 1;
  return undefined;
}

function refEvaluate(node: Ref, event: unknown): boolean {
  switch (node.kind) {
    case "all":
      return node.children.every((child) => refEvaluate(child, event));
    case "any":
      return node.children.some((child) => refEvaluate(child, event));
    case "not":
      return !refEvaluate(node.child, event);
    case "field": {
      const { found, value } = refLookup(event, node.path);
      switch (node.op) {
        case "eq":
          return found && refEqual(value, node.value);
        case "neq":
          return !(found && refEqual(value, node.value));
        case "in":
          return found && (node.value as unknown[]).some((item) => refEqual(value, item));
        case "gt":
          return found && refCompare(value, node.value) === 1;
        case "lt":
          return found && refCompare(value, node.value) === -1;
        case "exists":
          return found;
        case "contains":
          if (typeof value === "string") {
            return typeof node.value === "string" && value.includes(node.value);
          }
          return Array.isArray(value) && value.some((item) => refEqual(item, node.value));
      }
      throw new Error(`reference: no operator ${node.op}`);
    }
  }
}

function pathText(path: Array<string | number>): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function toCondition(node: Ref, ids: { next: number }): Condition {
  const nodeId = `r${ids.next++}`;
  if (node.kind === "field") {
    const config: Record<string, unknown> = { path: pathText(node.path), op: node.op };
    if (node.op !== "exists") config.value = node.value;
    return { id: nodeId, type: "field", config };
  }
  const children = node.kind === "not" ? [node.child] : node.children;
  return { id: nodeId, type: node.kind, config: { conditions: children.map((c) => toCondition(c, ids)) } };
}

const KEYS = ["a", "b", "é", "日本", "x y"];
const key = fc.constantFrom(...KEYS);
const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, -1, 2.5, "", "a", "b", "5", "10", "2.5", "abc", "cab", "é", "日本語", "😀"),
  fc.integer({ min: -5, max: 5 }),
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.string({ maxLength: 4, unit: "grapheme" }),
);
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 3 }),
    fc.record(Object.fromEntries(KEYS.map((k) => [k, tie("value")])), { requiredKeys: [] }),
  ),
}));
const path: fc.Arbitrary<Array<string | number>> = fc.oneof(
  key.map((k) => [k]),
  fc.tuple(key, fc.oneof(key, fc.nat({ max: 1 }))),
  fc.tuple(key, fc.oneof(key, fc.nat({ max: 1 })), fc.oneof(key, fc.nat({ max: 1 }))),
);
const leafRef: fc.Arbitrary<Ref> = fc.oneof(
  fc.record({
    kind: fc.constant("field" as const),
    path,
    op: fc.constantFrom("eq", "neq"),
    value: jsonValue,
  }),
  fc.record({
    kind: fc.constant("field" as const),
    path,
    op: fc.constant("contains"),
    value: fc.oneof(fc.constantFrom("a", "b", "c", "bc", "é", "本", "5", 1), scalar, jsonValue),
  }),
  fc.record({
    kind: fc.constant("field" as const),
    path,
    op: fc.constant("in"),
    value: fc.array(jsonValue, { maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant("field" as const),
    path,
    op: fc.constantFrom("gt", "lt"),
    value: fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(2.5, "5", "10", "-1", "abc", "", "2.5", "a", "b", "é"),
    ),
  }),
  fc.record({ kind: fc.constant("field" as const), path, op: fc.constant("exists"), value: fc.constant(undefined) }),
);
const { tree: refTree } = fc.letrec<{ tree: Ref }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafRef,
    fc.record({
      kind: fc.constantFrom("all" as const, "any" as const),
      children: fc.array(tie("tree"), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ kind: fc.constant("not" as const), child: tie("tree") }),
  ),
}));
/** Objects with most of KEYS, each holding `value`. */
const shaped = (value: fc.Arbitrary<unknown>) =>
  fc.record(Object.fromEntries(KEYS.map((k) => [k, value])), { requiredKeys: KEYS.slice(0, 3) });
const small = fc.oneof(scalar, scalar, fc.array(scalar, { maxLength: 3 }));
const middle = fc.oneof(small, shaped(small), fc.array(fc.oneof(small, shaped(small)), { maxLength: 3 }));
/** Events shaped like the paths, so that most lookups find something. */
const event = fc.oneof(
  { arbitrary: shaped(middle), weight: 4 },
  { arbitrary: fc.dictionary(key, jsonValue, { maxKeys: 5 }), weight: 1 },
  { arbitrary: jsonValue, weight: 1 },
);

describe("property: agrees with a reference evaluator", () => {
  test("random trees over random events", () => {
    fc.assert(
      fc.property(fc.array(refTree, { maxLength: 4 }), fc.array(event, { minLength: 1, maxLength: 4 }), (trees, events) => {
        const ids = { next: 1 };
        const conditions = trees.map((t) => toCondition(t, ids));
        const compiled = compileConditions(conditions);
        for (const e of events) {
          const expected = trees.every((t) => refEvaluate(t, e));
          const fast = compiled.evaluate(e, ctxOf());
          expect(fast.met).toBe(expected);
          const slow = compiled.evaluate(e, ctxOf({ explain: true }));
          expect(slow.met).toBe(expected);
          // Top-level: evaluated in order until the first false, then skipped.
          let decided = false;
          slow.explanation!.forEach((node, i) => {
            if (decided) {
              expect(node.result).toBe("skipped");
            } else {
              const value = refEvaluate(trees[i], e);
              expect(node.result).toBe(value);
              decided = !value;
            }
          });
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("single leaves on present values", () => {
    fc.assert(
      fc.property(leafRef, fc.oneof(small, middle, jsonValue), (leaf, value) => {
        const ref: Ref = { ...leaf, path: ["a"] } as Ref;
        const e = { a: value };
        const conditions = [toCondition(ref, { next: 1 })];
        expect(compileConditions(conditions).evaluate(e, ctxOf()).met).toBe(refEvaluate(ref, e));
      }),
      { numRuns: 3000 },
    );
  });

  test("explanations of nested groups agree with the reference at every evaluated node", () => {
    const check = (ref: Ref, node: ExplanationNode, e: unknown) => {
      if (node.result === "skipped") return;
      expect(node.result).toBe(refEvaluate(ref, e));
      if (ref.kind === "not") check(ref.child, node.children![0], e);
      if (ref.kind === "all" || ref.kind === "any") {
        ref.children.forEach((child, i) => check(child, node.children![i], e));
      }
    };
    fc.assert(
      fc.property(refTree, event, (tree, e) => {
        const [condition] = [toCondition(tree, { next: 1 })];
        const { explanation } = compileConditions([condition]).evaluate(e, ctxOf({ explain: true }));
        check(tree, explanation![0], e);
      }),
      { numRuns: 300 },
    );
  });
});
