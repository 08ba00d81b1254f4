import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { getConvexSize, type Value } from "convex/values";
import type { Condition, ConditionInput } from "../shared.js";
import {
  compileCandidate,
  evaluateCandidate,
  EXPLANATION_MAX_BYTES,
  type CustomResult,
  type StoredExplanation,
} from "./candidate.js";
import { assignConditionIds, flattenConditions, type StoredCondition } from "./conditions.js";
import { compileConditions } from "./evaluate.js";
import { flattenExplanation, type FlatExplanationNode } from "./explanation.js";
import { sanitizeForStorage } from "./sanitize.js";
import { findUnstorable } from "./storable.js";
import { checkStoredDocument } from "./storageRules.js";

const NOW = Date.UTC(2026, 0, 15, 12);

const field = (path: string, op: string, value?: unknown, id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config: value === undefined ? { path, op } : { path, op, value },
});
const group = (type: string, conditions: ConditionInput[], id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type,
  config: { conditions },
});

/** Stored form of a tree, as a route row holds it. */
function stored(tree: ConditionInput[]): StoredCondition[] {
  return flattenConditions(assignConditionIds(tree));
}

/** What dispatch stored before `evaluateCandidate`: tree, flatten, sanitize. */
function storedBefore(
  conditions: StoredCondition[],
  event: unknown,
  custom: ReadonlyMap<string, CustomResult> = new Map(),
) {
  const tree = compileCandidate(conditions).tree;
  const { met, explanation } = compileConditions(tree).evaluate(event, {
    now: NOW,
    explain: true,
    custom: (node) => custom.get(node.id) ?? { error: `no result for condition ${node.id}` },
  });
  const value = sanitizeForStorage(flattenExplanation(explanation ?? []), {
    maxBytes: EXPLANATION_MAX_BYTES,
    depthOffset: 1,
  }).value;
  return { met, explanation: value };
}

/** Evaluates, and checks the stored explanation is what the previous pipeline stored and is storable. */
function evaluate(
  conditions: StoredCondition[],
  event: unknown,
  custom?: ReadonlyMap<string, CustomResult>,
) {
  const result = evaluateCandidate(compileCandidate(conditions), event, { now: NOW, custom });
  expect(result).toStrictEqual(storedBefore(conditions, event, custom));
  expectStorable(result.explanation);
  return result;
}

/** The entries of a stored explanation that was not replaced by a preview. */
function entries(explanation: StoredExplanation): readonly FlatExplanationNode[] {
  if (!Array.isArray(explanation)) throw new Error("the explanation was replaced by a preview");
  return explanation;
}

function expectStorable(explanation: unknown) {
  // As the execution document holds it: one level down.
  expect(checkStoredDocument({ explanation })).toEqual([]);
  expect(findUnstorable(explanation, { path: "explanation", depthOffset: 1 })).toBeNull();
  expect(getConvexSize(explanation as Value)).toBeLessThanOrEqual(EXPLANATION_MAX_BYTES);
}

describe("field conditions", () => {
  test("met, with the value seen and the operand", () => {
    const conditions = stored([field("status", "eq", "Done"), field("priority", "gt", 3)]);
    expect(evaluate(conditions, { status: "Done", priority: 5 })).toEqual({
      met: true,
      explanation: [
        { id: "c1", type: "field", result: true, op: "eq", path: "status", actual: "Done", expected: "Done" },
        { id: "c2", type: "field", result: true, op: "gt", path: "priority", actual: 5, expected: 3 },
      ],
    });
  });

  test("not met: the rest of the list is skipped; a missing value has no actual", () => {
    const conditions = stored([field("status", "eq", "Done"), field("priority", "gt", 3)]);
    expect(evaluate(conditions, { priority: 5 })).toEqual({
      met: false,
      explanation: [
        { id: "c1", type: "field", result: false, op: "eq", path: "status", expected: "Done" },
        { id: "c2", type: "field", result: "skipped", op: "gt", path: "priority" },
      ],
    });
  });

  test("an operand read at valuePath, and an error when it is missing", () => {
    const conditions = stored([
      { type: "field", config: { path: "a", op: "eq", valuePath: "b" } },
    ]);
    expect(evaluate(conditions, { a: 1, b: 1 }).explanation).toEqual([
      { id: "c1", type: "field", result: true, op: "eq", path: "a", actual: 1, expected: 1 },
    ]);
    expect(evaluate(conditions, { a: 1 }).explanation).toEqual([
      {
        id: "c1",
        type: "field",
        result: "error",
        op: "eq",
        path: "a",
        actual: 1,
        error: 'valuePath "b" is not in the event',
      },
    ]);
  });

  test("every/some: the index of the deciding element and its nested entries", () => {
    const conditions = stored([
      {
        type: "field",
        config: { path: "items", op: "some", conditions: [field("done", "eq", true)] },
      },
    ]);
    const { met, explanation } = evaluate(conditions, { items: [{ done: false }, { done: true }] });
    expect(met).toBe(true);
    expect(explanation).toEqual([
      {
        id: "c1",
        type: "field",
        result: true,
        op: "some",
        path: "items",
        actual: [{ done: false }, { done: true }],
        index: 1,
      },
      { id: "c2", type: "field", result: true, op: "eq", path: "done", actual: true, expected: true, parent: "c1" },
    ]);
  });
});

describe("groups", () => {
  const conditions = stored([
    group(
      "any",
      [
        group("all", [field("a", "eq", 1), field("b", "eq", 2)], "both"),
        group("not", [field("c", "exists")], "noC"),
      ],
      "either",
    ),
  ]);

  test("all and any decide with their first deciding child, the rest skipped", () => {
    const { met, explanation } = evaluate(conditions, { a: 1, b: 2, c: 0 });
    expect(met).toBe(true);
    expect(explanation).toEqual([
      { id: "either", type: "any", result: true },
      { id: "both", type: "all", result: true, parent: "either" },
      { id: "c1", type: "field", result: true, op: "eq", path: "a", actual: 1, expected: 1, parent: "both" },
      { id: "c2", type: "field", result: true, op: "eq", path: "b", actual: 2, expected: 2, parent: "both" },
      { id: "noC", type: "not", result: "skipped", parent: "either" },
      { id: "c3", type: "field", result: "skipped", op: "exists", path: "c", parent: "noC" },
    ]);
  });

  test("not negates its child", () => {
    const { met, explanation } = evaluate(conditions, { a: 2 });
    expect(met).toBe(true);
    expect(explanation).toEqual([
      { id: "either", type: "any", result: true },
      { id: "both", type: "all", result: false, parent: "either" },
      { id: "c1", type: "field", result: false, op: "eq", path: "a", actual: 2, expected: 1, parent: "both" },
      { id: "c2", type: "field", result: "skipped", op: "eq", path: "b", parent: "both" },
      { id: "noC", type: "not", result: true, parent: "either" },
      { id: "c3", type: "field", result: false, op: "exists", path: "c", parent: "noC" },
    ]);
    expect(evaluate(conditions, { a: 2, c: 1 }).met).toBe(false);
  });

  test("an empty list is met with an empty explanation", () => {
    expect(evaluate([], { a: 1 })).toEqual({ met: true, explanation: [] });
  });
});

describe("custom conditions", () => {
  const conditions = stored([
    group("all", [
      { id: "vip", type: "isVip", config: { tier: "gold" } },
      {
        type: "field",
        config: { path: "items", op: "every", conditions: [{ id: "inStock", type: "inStock", config: {} }] },
      },
    ]),
    { id: "open", type: "isOpen", config: {} },
  ]);

  test("the custom nodes the host must answer, in tree order, nested ones included", () => {
    const compiled = compileCandidate(conditions);
    expect(compiled.customConditions).toEqual([
      { id: "vip", type: "isVip", config: { tier: "gold" } },
      { id: "inStock", type: "inStock", config: {} },
      { id: "open", type: "isOpen", config: {} },
    ]);
    expect(compileCandidate(stored([field("a", "eq", 1)])).customConditions).toEqual([]);
  });

  test("their answers decide, by node id", () => {
    const all = new Map<string, CustomResult>([
      ["vip", true],
      ["inStock", true],
      ["open", true],
    ]);
    expect(evaluate(conditions, { items: [1] }, all).met).toBe(true);
    const closed = new Map(all).set("open", false);
    const { met, explanation } = evaluate(conditions, { items: [1] }, closed);
    expect(met).toBe(false);
    expect(entries(explanation).map((e) => [e.id, e.result])).toEqual([
      ["c1", true],
      ["vip", true],
      ["c2", true],
      ["inStock", true],
      ["open", false],
    ]);
  });

  test("an error answer, or none, makes the node an error with the message", () => {
    const answers = new Map<string, CustomResult>([["vip", { error: "vip lookup failed" }]]);
    const { met, explanation } = evaluate(conditions, { items: [1] }, answers);
    expect(met).toBe(false);
    expect(entries(explanation)[1]).toEqual({
      id: "vip",
      type: "isVip",
      result: "error",
      error: "vip lookup failed",
      parent: "c1",
    });
    const none = evaluate(stored([{ id: "open", type: "isOpen", config: {} }]), {});
    expect(none.explanation).toEqual([
      { id: "open", type: "isOpen", result: "error", error: "no result for condition open" },
    ]);
  });
});

describe("the stored form", () => {
  test("a huge event value is cut to a summary, far under the bound", () => {
    const huge = "x".repeat(1_000_000);
    const { explanation } = evaluate(stored([field("text", "starts_with", "x")]), { text: huge });
    const [entry] = entries(explanation);
    expect(entry.actual).toBe(`${"x".repeat(200)}... (1000000 characters)`);
  });

  test("many big values are shortened to fit in 64 KiB", () => {
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `${i}`.repeat(300)]));
    const leaves = Array.from({ length: 50 }, () => field("big", "eq", big));
    const { met, explanation } = evaluate(stored([group("any", leaves)]), { big: { ...big, k0: "other" } });
    expect(met).toBe(false);
    // Each entry's value and operand alone summarise to about 2 KiB: over the bound in all.
    const flat = compileConditions(compileCandidate(stored([group("any", leaves)])).tree).explainFlat(
      { big: { ...big, k0: "other" } },
      { now: NOW },
    ).explanation;
    expect(getConvexSize(flat as unknown as Value)).toBeGreaterThan(EXPLANATION_MAX_BYTES);
    expect(entries(explanation)).toHaveLength(51);
  });

  test("a huge error message from the host is shortened to fit", () => {
    const conditions = stored([{ id: "vip", type: "isVip", config: {} }]);
    const answers = new Map<string, CustomResult>([["vip", { error: "e".repeat(300_000) }]]);
    const { explanation } = evaluate(conditions, {}, answers);
    const [entry] = entries(explanation);
    expect(entry.error!.length).toBeLessThan(EXPLANATION_MAX_BYTES);
    expect(entry.error).toMatch(/^e+\.\.\.\[truncated \d+ chars\]$/);
  });

  test("hostile values seen in the event become storable", () => {
    const lone = "\ud800";
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const event = {
      keys: { $type: 1, _id: 2, "": 3, "é": 4, ok: 5 },
      big: 2n ** 70n,
      small: 5n,
      nan: Number.NaN,
      lone: `a${lone}b`,
      cut: `${"a".repeat(199)}\u{1F600}`,
      deep,
      fn: () => 1,
      list: [undefined, () => 1, Symbol("s")],
      when: new Date(NOW),
      map: new Map([["a", 1]]),
    };
    const conditions = stored(Object.keys(event).map((path) => field(path, "exists")));
    const { met, explanation } = evaluate(conditions, event);
    expect(met).toBe(true);
    const byPath = Object.fromEntries(
      entries(explanation).map((e) => [e.path, e.actual]),
    );
    expect(byPath.keys).toEqual({ "x:$type": 1, "x:_id": 2, "x:": 3, "x:%C3%A9": 4, ok: 5 });
    expect(byPath.big).toBe((2n ** 70n).toString());
    expect(byPath.small).toBe(5n);
    expect(byPath.nan).toBeNaN();
    expect(byPath.lone).toBe("a\uFFFDb");
    expect(byPath.list).toEqual([null, null, null]);
    expect(byPath.when).toBe(new Date(NOW).toISOString());
  });

  test("an operand in the config that summarises to an unpaired surrogate is repaired", () => {
    // Cut at 200 characters, between the two halves of an emoji.
    const value = `${"a".repeat(199)}\u{1F600}`;
    const { explanation } = evaluate(stored([field("a", "eq", value)]), { a: 1 });
    expect(entries(explanation)[0].expected).toBe(
      `${"a".repeat(199)}\uFFFD... (201 characters)`,
    );
  });

  test("compiling is deterministic: the same stored conditions give equal candidates", () => {
    const conditions = stored([group("all", [field("a", "in", [1, 2]), { id: "x", type: "isVip", config: {} }])]);
    const a = compileCandidate(conditions);
    const b = compileCandidate(structuredClone(conditions));
    expect(b.tree).toEqual(a.tree);
    expect(b.customConditions).toEqual(a.customConditions);
    expect(b.fixedBytes).toBe(a.fixedBytes);
    const event = { a: 2 };
    const custom = new Map([["x", true]]);
    expect(evaluateCandidate(b, event, { now: NOW, custom })).toEqual(
      evaluateCandidate(a, event, { now: NOW, custom }),
    );
  });
});

// ---------------------------------------------------------------------------
// Property: the stored explanation is what the previous pipeline stored.

const paths = fc.constantFrom("a", "b", "a.b", "a.$x", "items", "items[0]", "value", "value.x", "previousValue");
const operators = fc.constantFrom(
  "eq", "neq", "in", "nin", "contains", "not_contains", "starts_with", "ends_with", "gt", "gte", "lt",
  "lte", "between", "before", "after", "within", "exists", "not_exists", "is_empty", "is_not_empty",
  "changed", "changed_to", "changed_from",
);
/** Hostile values: bigints, NaN, -0, odd keys, null prototypes, boxed values. */
const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, withSparseArray: true, withDate: true, withMap: true, withSet: true, maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(70_000), "\ud800", `${"b".repeat(199)}\u{1F600}`, 2n ** 80n, Number.NaN, -0) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("$a", "_b", "", "é", "c", "d".repeat(1500)), fc.anything({ withBigInt: true })) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 40 }).map((n) => { let v: unknown = 1; for (let i = 0; i < n; i++) v = { n: v }; return v; }) },
);
const operand = fc.oneof(hostile, fc.constantFrom("7 days", "2026-01-01", 5, "a", ["a", 1], [1, 9]));
const tree: fc.Arbitrary<ConditionInput> = fc.letrec<{ node: ConditionInput }>((tie) => ({
  node: fc.oneof(
    { weight: 5, arbitrary: fc.tuple(paths, operators, fc.option(operand, { nil: undefined })).map(([p, op, v]) => field(p, op, v)) },
    { weight: 1, arbitrary: fc.tuple(paths, operators, paths).map(([p, op, vp]) => ({ type: "field", config: { path: p, op, valuePath: vp } })) },
    { weight: 1, arbitrary: fc.tuple(paths, fc.constantFrom("every", "some"), fc.array(tie("node"), { minLength: 1, maxLength: 2 })).map(([p, op, c]) => ({ type: "field", config: { path: p, op, conditions: c } })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("all", "any", "not"), fc.array(tie("node"), { minLength: 1, maxLength: 3 })).map(([t, c]) => group(t, c)) },
    { weight: 1, arbitrary: fc.constantFrom("yes", "no", "oops", "silent").map((type) => ({ type, config: {} })) },
  ),
})).node;
const event = fc.record(
  { a: hostile, b: hostile, items: fc.array(hostile, { maxLength: 3 }), value: hostile, previousValue: hostile },
  { requiredKeys: [] },
);
const answers = (nodes: readonly Condition[], hugeError: boolean) =>
  new Map<string, CustomResult>(
    nodes
      .filter((node) => node.type !== "silent")
      .map((node) => [
        node.id,
        node.type === "yes" ? true : node.type === "no" ? false : { error: hugeError ? `\ud800${"e".repeat(70_000)}` : "boom" },
      ]),
  );

describe("property", () => {
  test("the stored explanation is what tree, flatten and sanitize stored, and storable", () => {
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), fc.array(event, { minLength: 1, maxLength: 3 }), fc.boolean(), (trees, events, hugeError) => {
        const conditions = stored(trees);
        const compiled = compileCandidate(conditions);
        const custom = answers(compiled.customConditions, hugeError);
        for (const e of events) {
          const result = evaluateCandidate(compiled, e, { now: NOW, custom });
          expect(result).toStrictEqual(storedBefore(conditions, e, custom));
          expectStorable(result.explanation);
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
