/**
 * Evaluation of condition trees against events. Pure: no database, no ctx.
 *
 * A tree is compiled once per rule into closures (paths parsed, regular
 * expressions built, dates and windows parsed, `in` lists hashed) and then
 * evaluated per event without parsing, cloning or async work. With
 * `explain: false` no explanation object is built at all. Explanations are
 * built in their flat, stored form (explanation.ts), the entries of skipped
 * nodes prepared at compile time; the tree form is nested from it.
 *
 * Semantics:
 * - The top-level list is an implicit `all`. `all` / `any` short-circuit;
 *   with `explain: true` the children they did not evaluate are reported as
 *   "skipped" (recursively). `not` negates its one child, except that an
 *   "error" child makes the `not` an "error" too.
 * - A leaf that fails (a regex input over the cap, a custom condition
 *   without handler or reporting `{ error }`, a `valuePath` that is missing
 *   or does not hold a usable operand, an invalid stored config) is "error":
 *   its parent counts it as not met, and the explanation keeps the message.
 * - A path that is missing (or `undefined`) reads as `undefined`; `neq`,
 *   `nin` and `not_contains` are the exact complements of `eq`, `in` and
 *   `contains`, so they hold for missing values.
 * - Equality is strict and structural: no coercion (5 !== "5"); arrays and
 *   plain objects compare by content, NaN equals NaN.
 * - gt/gte/lt/lte/between compare numbers when both sides are numbers (or
 *   bigints) or numeric strings ("5", "-2.5", "1e3"; not "", " 5", "0x1F"),
 *   else strings by code units when both are strings; anything else is false.
 * - Dates (before/after/within) are ISO-8601 strings (UTC when no zone is
 *   given) or epoch numbers, in seconds below 1e11 and milliseconds
 *   otherwise; an actual value that is not a date is false.
 * - `matches` uses RE2 syntax and semantics, in time linear in the input
 *   (see ./regex.ts); it tests strings only.
 */
import type { Condition } from "../shared.js";
import {
  isPlainObject,
  parseDate,
  parseDateOperand,
  parseWindow,
  type DateOperand,
  type TimeWindow,
} from "./conditions.js";
import type { FlatExplanationNode } from "./explanation.js";
import { getPath, tryParsePath, type PathSegment } from "./paths.js";
import { compileRegex, type CompiledRegex } from "./regex.js";

export type ConditionOutcome = true | false | "skipped" | "error";

export type ExplanationNode = {
  id: string;
  type: string;
  result: ConditionOutcome;
  op?: string;
  path?: string;
  /** The value seen at `path`, summarised (see {@link summarizeValue}). */
  actual?: unknown;
  /** The operand: `value`, or the event's value at `valuePath`, summarised. */
  expected?: unknown;
  error?: string;
  /**
   * every/some: the index of the array element whose evaluation decided the
   * result; `children` then explain the nested conditions for that element.
   */
  index?: number;
  children?: ExplanationNode[];
};

/** What evaluation needs besides the event. */
export type RunContext = {
  /** Epoch milliseconds of "now" for relative dates and `within`. */
  now: number;
  /** Decides custom (non-built-in) condition types. */
  custom?: (node: Condition) => boolean | { error: string };
};

export type EvaluationContext = RunContext & {
  /** Build an explanation tree (slower); false is the fast path. */
  explain: boolean;
};

export type EvaluationResult = { met: boolean; explanation?: ExplanationNode[] };

export type CompiledConditions = {
  evaluate(event: unknown, ctx: EvaluationContext): EvaluationResult;
  /**
   * Evaluates with the explanation in its flat form (explanation.ts), built
   * directly: what `flattenExplanation(evaluate(event, { ...ctx, explain:
   * true }).explanation)` gives, without the tree. `measure`, when given,
   * is called on every value an entry takes from the event or the config
   * (`actual`, `expected`, `error`) as it is taken; `measured` is the sum of
   * what it returned (0 without it), or -1 when it returned -1 for one.
   * Skipped entries are shared between evaluations and frozen.
   */
  explainFlat(
    event: unknown,
    ctx: RunContext,
    measure?: ExplanationMeasure,
  ): { met: boolean; explanation: FlatExplanationNode[]; measured: number };
  /**
   * The flat explanation with every node "skipped". Every flat explanation
   * lists the same nodes in the same order, with the same `id`, `type`,
   * `op`, `path` and `parent`; only `result`, `actual`, `expected`, `error`
   * and `index` vary.
   */
  skippedExplanation(): FlatExplanationNode[];
};

/** Longest string `matches` tests; longer inputs make the leaf an "error". */
export const MAX_MATCH_INPUT = 10_000;

/** Limits of the values an explanation records. */
export const EXPLANATION_LIMITS = {
  /** Strings longer than this are cut. */
  stringLength: 200,
  /** Array items and object fields kept per level. */
  items: 10,
  /** Nesting levels kept. */
  depth: 3,
  /** Roughly the characters one summarised value may take. */
  budget: 1000,
} as const;

// Results of the compiled closures: numbers, so that the fast path stays
// monomorphic and allocation free.
const F = 0;
const T = 1;
const E = 2;
type Code = typeof F | typeof T | typeof E;

/**
 * The message of the last "error" result. Evaluation is synchronous, so the
 * explaining code reads it right after the closure that returned E.
 */
let lastError = "";
function fail(message: string): Code {
  lastError = message;
  return E;
}
/** Complement of a result; errors stay errors. */
function negate(code: Code): Code {
  return code === E ? E : code === T ? F : T;
}
function outcome(code: Code): ConditionOutcome {
  return code === T ? true : code === F ? false : "error";
}

type Run = (root: unknown, ctx: RunContext) => Code;

/**
 * Measures a value an explanation takes from the event or the config (an
 * `actual`, an `expected`, an `error`): a size, or -1 to say it cannot be
 * used as it is. See {@link CompiledConditions.explainFlat}.
 */
export type ExplanationMeasure = (value: unknown) => number;

/** The flat explanation being built, and the sum of its measured values. */
type FlatOut = {
  entries: FlatExplanationNode[];
  measure: ExplanationMeasure | undefined;
  /** -1 once a value measured -1. */
  measured: number;
};

/** `value`, measured into `out` on its way into an entry. */
function taken<V>(out: FlatOut, value: V): V {
  const measure = out.measure;
  if (measure !== undefined && out.measured >= 0) {
    const size = measure(value);
    out.measured = size < 0 ? -1 : out.measured + size;
  }
  return value;
}

/**
 * A value every evaluation takes (a config operand, a fixed message), to
 * take into `out`: measured once per measure, which must depend on the
 * value alone.
 */
function takenConstant<V>(value: V): (out: FlatOut) => V {
  let measuredBy: ExplanationMeasure | undefined;
  let size = 0;
  return (out) => {
    const measure = out.measure;
    if (measure !== undefined && out.measured >= 0) {
      if (measure !== measuredBy) {
        size = measure(value);
        measuredBy = measure;
      }
      out.measured = size < 0 ? -1 : out.measured + size;
    }
    return value;
  };
}

/**
 * Appends the flat explanation of a node, then those of the nodes under it
 * (parents first, see explanation.ts), to `out`; returns the node's result.
 */
type Explain = (root: unknown, ctx: RunContext, out: FlatOut) => ConditionOutcome;
type CompiledNode = {
  run: Run;
  explain: Explain;
  /** What `explain` appends when the node is not evaluated: every entry "skipped". */
  skipped: readonly FlatExplanationNode[];
  /** The nodes explained right after this one, as its `children` in the tree. */
  children?: readonly CompiledNode[];
};
type CompiledList = {
  /** T or F: a list is an implicit `all`, in which errors count as false. */
  run: Run;
  explain: (root: unknown, ctx: RunContext, out: FlatOut) => boolean;
  skipped: readonly FlatExplanationNode[];
  nodes: readonly CompiledNode[];
};

/**
 * Compiles a condition list (an implicit `all`). Never throws: a node whose
 * config is invalid (which validation normally prevents) compiles to a leaf
 * that always evaluates to "error" with the reason.
 *
 * @example
 * ```ts
 * const compiled = compileConditions([
 *   { id: "c1", type: "field", config: { path: "status", op: "eq", value: "Done" } },
 * ]);
 * compiled.evaluate({ status: "Done" }, { now: Date.now(), explain: false }); // { met: true }
 * compiled.explainFlat({ status: "Done" }, { now: Date.now() }).explanation;
 * // [{ id: "c1", type: "field", result: true, op: "eq", path: "status", actual: "Done", expected: "Done" }]
 * ```
 */
export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const list = compileList(conditions, undefined);
  const run = list.run;
  const explain = (event: unknown, ctx: RunContext, measure: ExplanationMeasure | undefined) => {
    const out: FlatOut = { entries: [], measure, measured: 0 };
    const met = list.explain(event, ctx, out);
    return { met, explanation: out.entries, measured: out.measured };
  };
  return {
    evaluate(event, ctx) {
      if (!ctx.explain) return { met: run(event, ctx) === T };
      const { met, explanation } = explain(event, ctx, undefined);
      return { met, explanation: nest(list.nodes, explanation, { at: 0 }) };
    },
    explainFlat: (event, ctx, measure) => explain(event, ctx, measure),
    skippedExplanation: () => [...list.skipped],
  };
}

/** `compileConditions(conditions).evaluate(event, ctx)`, for one-off use. */
export function evaluateConditions(
  conditions: readonly Condition[],
  event: unknown,
  ctx: EvaluationContext,
): EvaluationResult {
  return compileConditions(conditions).evaluate(event, ctx);
}

/** The tree form of a flat explanation: every compiled node owns the next entry. */
function nest(
  nodes: readonly CompiledNode[],
  flat: readonly FlatExplanationNode[],
  cursor: { at: number },
): ExplanationNode[] {
  const out: ExplanationNode[] = [];
  for (const node of nodes) {
    const { parent: _parent, ...explained } = flat[cursor.at++] as FlatExplanationNode;
    const tree: ExplanationNode = explained;
    if (node.children !== undefined) tree.children = nest(node.children, flat, cursor);
    out.push(tree);
  }
  return out;
}

/** Adds `parent` last, where flattening a tree puts it. */
function withParent(node: FlatExplanationNode, parent: string | undefined): FlatExplanationNode {
  if (parent !== undefined) node.parent = parent;
  return node;
}

/**
 * An entry that is the same at every evaluation (skipped nodes, invalid
 * configs), built once and shared: frozen so that no holder can change it.
 */
function sharedEntry(node: FlatExplanationNode, parent: string | undefined): FlatExplanationNode {
  return Object.freeze(withParent(node, parent));
}

/** A node's entry when skipped, followed by those of the nodes under it. */
function skippedTree(
  entry: FlatExplanationNode,
  parent: string | undefined,
  children: readonly CompiledNode[] = [],
): readonly FlatExplanationNode[] {
  return Object.freeze([sharedEntry(entry, parent), ...children.flatMap((child) => child.skipped)]);
}

function pushAll(out: FlatOut, entries: readonly FlatExplanationNode[]): void {
  const into = out.entries;
  for (let i = 0; i < entries.length; i++) into.push(entries[i]);
}

function compileList(conditions: readonly Condition[], parent: string | undefined): CompiledList {
  const nodes = Array.isArray(conditions) ? conditions.map((node) => compileNode(node, parent)) : [];
  const runs = nodes.map((node) => node.run);
  let run: Run;
  if (runs.length === 0) {
    run = () => T;
  } else if (runs.length === 1) {
    const [a] = runs;
    run = (root, ctx) => (a(root, ctx) === T ? T : F);
  } else if (runs.length === 2) {
    const [a, b] = runs;
    run = (root, ctx) => (a(root, ctx) === T && b(root, ctx) === T ? T : F);
  } else {
    run = (root, ctx) => {
      for (let i = 0; i < runs.length; i++) {
        if (runs[i](root, ctx) !== T) return F;
      }
      return T;
    };
  }
  return {
    run,
    explain: (root, ctx, out) => {
      let met = true;
      for (let i = 0; i < nodes.length; i++) {
        if (!met) pushAll(out, nodes[i].skipped);
        else if (nodes[i].explain(root, ctx, out) !== true) met = false;
      }
      return met;
    },
    skipped: Object.freeze(nodes.flatMap((node) => node.skipped)),
    nodes,
  };
}

function compileNode(node: Condition, parent: string | undefined): CompiledNode {
  const type = typeof node?.type === "string" ? node.type : "";
  switch (type) {
    case "all":
    case "any":
      return compileAllAny(node, type, parent);
    case "not":
      return compileNot(node, parent);
    case "field":
      return compileField(node, parent);
    default:
      return compileCustom(node, type, parent);
  }
}

function idOf(node: Condition): string {
  return typeof node?.id === "string" ? node.id : "";
}

/** A node that always evaluates to "error", for configs that cannot run. */
function errorNode(
  node: Condition,
  parent: string | undefined,
  message: string,
  extra: { op?: string; path?: string } = {},
): CompiledNode {
  const id = idOf(node);
  const type = String(node?.type);
  const explained = sharedEntry({ id, type, result: "error", ...extra, error: message }, parent);
  const takeMessage = takenConstant(message);
  return {
    run: () => fail(message),
    explain: (_root, _ctx, out) => {
      takeMessage(out);
      out.entries.push(explained);
      return "error";
    },
    skipped: skippedTree({ id, type, result: "skipped", ...extra }, parent),
  };
}

function groupChildren(node: Condition): Condition[] | undefined {
  const children = node.config?.conditions;
  return Array.isArray(children) ? children : undefined;
}

function compileAllAny(node: Condition, type: "all" | "any", parent: string | undefined): CompiledNode {
  const children = groupChildren(node);
  if (children === undefined || children.length === 0) {
    return errorNode(node, parent, `a "${type}" group needs config.conditions, a non-empty array`);
  }
  const id = idOf(node);
  const nodes = children.map((child) => compileNode(child, id));
  const runs = nodes.map((child) => child.run);
  const isAll = type === "all";
  // In `all` the first child that is not met decides; in `any` the first met.
  const run: Run = isAll
    ? (root, ctx) => {
        for (let i = 0; i < runs.length; i++) {
          if (runs[i](root, ctx) !== T) return F;
        }
        return T;
      }
    : (root, ctx) => {
        for (let i = 0; i < runs.length; i++) {
          if (runs[i](root, ctx) === T) return T;
        }
        return F;
      };
  return {
    run,
    explain: (root, ctx, out) => {
      const explained: FlatExplanationNode = { id, type, result: false };
      out.entries.push(explained);
      let decided = false;
      for (let i = 0; i < nodes.length; i++) {
        if (decided) {
          pushAll(out, nodes[i].skipped);
          continue;
        }
        const result = nodes[i].explain(root, ctx, out);
        decided = isAll ? result !== true : result === true;
      }
      // all: met unless decided by a failure; any: met only if decided.
      const met = isAll ? !decided : decided;
      explained.result = met;
      withParent(explained, parent);
      return met;
    },
    skipped: skippedTree({ id, type, result: "skipped" }, parent, nodes),
    children: nodes,
  };
}

function compileNot(node: Condition, parent: string | undefined): CompiledNode {
  const children = groupChildren(node);
  if (children === undefined || children.length !== 1) {
    return errorNode(node, parent, `a "not" group needs exactly one condition in config.conditions`);
  }
  const id = idOf(node);
  const child = compileNode(children[0], id);
  const childRun = child.run;
  return {
    run: (root, ctx) => negate(childRun(root, ctx)),
    explain: (root, ctx, out) => {
      const explained: FlatExplanationNode = { id, type: "not", result: false };
      const entries = out.entries;
      entries.push(explained);
      const at = entries.length;
      const result = child.explain(root, ctx, out);
      if (result === "error") {
        explained.result = "error";
        explained.error = taken(
          out,
          `cannot negate a condition that failed: ${entries[at].error ?? "error"}`,
        );
      } else {
        explained.result = result !== true;
      }
      withParent(explained, parent);
      return explained.result;
    },
    skipped: skippedTree({ id, type: "not", result: "skipped" }, parent, [child]),
    children: [child],
  };
}

function compileCustom(node: Condition, type: string, parent: string | undefined): CompiledNode {
  const id = idOf(node);
  const noHandler = `no handler for custom condition ${type}`;
  const run: Run = (_root, ctx) => {
    const custom = ctx.custom;
    if (custom === undefined) return fail(noHandler);
    let answer: unknown;
    try {
      answer = custom(node);
    } catch (error) {
      return fail(`custom condition ${type} failed: ${errorMessage(error)}`);
    }
    if (answer === true) return T;
    if (answer === false) return F;
    if (isPlainObject(answer) && typeof answer.error === "string") return fail(answer.error);
    return fail(
      `custom condition ${type} answered ${describe(answer)}, not a boolean or { error }`,
    );
  };
  return {
    run,
    explain: (root, ctx, out) => {
      const code = run(root, ctx);
      const explained: FlatExplanationNode = { id, type, result: outcome(code) };
      if (code === E) explained.error = taken(out, lastError);
      out.entries.push(withParent(explained, parent));
      return explained.result;
    },
    skipped: skippedTree({ id, type, result: "skipped" }, parent),
  };
}

// ---------------------------------------------------------------------------
// Field conditions.

/** Decides a leaf from the actual value (undefined when missing). */
type Test = (actual: unknown, ctx: RunContext) => Code;
/** Decides a leaf from the actual value and an operand read from the event. */
type DynamicTest = (actual: unknown, expected: unknown, ctx: RunContext) => Code;
/**
 * An operator: `compile` prepares a test for a constant operand (or gives
 * the reason it cannot), `dynamic` checks an operand read at evaluation.
 */
type Operator = {
  compile: (expected: unknown) => Test | string;
  dynamic: DynamicTest;
};

function compileField(node: Condition, parent: string | undefined): CompiledNode {
  const config = node.config;
  if (!isPlainObject(config)) return errorNode(node, parent, "a field condition needs a config object");
  const id = idOf(node);
  const op = typeof config.op === "string" ? config.op : String(config.op);
  const path = typeof config.path === "string" ? config.path : "";
  const where = { op, path };
  const segments = tryParsePath(path);
  if (segments === null) return errorNode(node, parent, `"${path}" is not a path`, where);
  const valuePath = config.valuePath;
  let valueSegments: readonly PathSegment[] | null = null;
  if (valuePath !== undefined) {
    valueSegments = typeof valuePath === "string" ? tryParsePath(valuePath) : null;
    if (valueSegments === null) {
      return errorNode(node, parent, `valuePath ${describe(valuePath)} is not a path`, where);
    }
  }

  if (op === "every" || op === "some") return compileQuantifier(node, op, segments, where, parent);
  if (op === "changed" || op === "changed_to" || op === "changed_from") {
    return compileChange(node, op, segments, valueSegments, where, parent);
  }

  // `decide` gets the value at `path` (undefined when missing): explaining
  // looks the path up once for the result and the entry.
  let decide: (actual: unknown, root: unknown, ctx: RunContext) => Code;
  let run: Run;
  const presence = PRESENCE[op];
  if (presence !== undefined) {
    decide = (actual) => presence(actual);
    run = (root) => {
      const lookup = getPath(root, segments);
      return presence(lookup.found ? lookup.value : undefined);
    };
  } else {
    const operator = OPERATORS[op];
    if (operator === undefined) return errorNode(node, parent, `unknown operator "${op}"`, where);
    if (valueSegments !== null) {
      const valueSegs = valueSegments;
      const missing = `valuePath "${String(valuePath)}" is not in the event`;
      const dynamic = operator.dynamic;
      decide = (actual, root, ctx) => {
        const expected = getPath(root, valueSegs);
        return expected.found ? dynamic(actual, expected.value, ctx) : fail(missing);
      };
      run = (root, ctx) => {
        const expected = getPath(root, valueSegs);
        if (!expected.found) return fail(missing);
        const lookup = getPath(root, segments);
        return dynamic(lookup.found ? lookup.value : undefined, expected.value, ctx);
      };
    } else {
      if (config.value === undefined) {
        return errorNode(node, parent, `operator "${op}" needs a value or a valuePath`, where);
      }
      const test = operator.compile(config.value);
      if (typeof test === "string") return errorNode(node, parent, test, where);
      decide = (actual, _root, ctx) => test(actual, ctx);
      run = (root, ctx) => {
        const lookup = getPath(root, segments);
        return test(lookup.found ? lookup.value : undefined, ctx);
      };
    }
  }

  const takeExpected =
    valueSegments === null && config.value !== undefined
      ? takenConstant(summarizeValue(config.value))
      : undefined;
  return {
    run,
    explain: (root, ctx, out) => {
      const lookup = getPath(root, segments);
      const code = decide(lookup.found ? lookup.value : undefined, root, ctx);
      const explained: FlatExplanationNode = { id, type: "field", result: outcome(code), op, path };
      if (lookup.found) explained.actual = taken(out, summarizeValue(lookup.value));
      if (valueSegments !== null) {
        const expected = getPath(root, valueSegments);
        if (expected.found) explained.expected = taken(out, summarizeValue(expected.value));
      } else if (takeExpected !== undefined) {
        explained.expected = takeExpected(out);
      }
      if (code === E) explained.error = taken(out, lastError);
      out.entries.push(withParent(explained, parent));
      return explained.result;
    },
    skipped: skippedTree({ id, type: "field", result: "skipped", op, path }, parent),
  };
}

/** every / some: the nested list, an implicit all, on each array element. */
function compileQuantifier(
  node: Condition,
  op: "every" | "some",
  segments: readonly PathSegment[],
  where: { op: string; path: string },
  parent: string | undefined,
): CompiledNode {
  const nested = node.config.conditions;
  if (!Array.isArray(nested) || nested.length === 0) {
    return errorNode(node, parent, `operator "${op}" needs config.conditions`, where);
  }
  const id = idOf(node);
  const list = compileList(nested, id);
  const each = list.run;
  const isEvery = op === "every";
  /** The index of the element that decides, or -1 when none does. */
  const decide = (items: unknown[], ctx: RunContext): number => {
    for (let i = 0; i < items.length; i++) {
      if ((each(items[i], ctx) === T) !== isEvery) return i;
    }
    return -1;
  };
  const run: Run = (root, ctx) => {
    const lookup = getPath(root, segments);
    if (!lookup.found || !Array.isArray(lookup.value)) return F;
    return (decide(lookup.value, ctx) < 0) === isEvery ? T : F;
  };
  const { path } = where;
  return {
    run,
    explain: (root, ctx, out) => {
      const lookup = getPath(root, segments);
      const explained: FlatExplanationNode = { id, type: "field", result: false, op, path };
      out.entries.push(explained);
      if (lookup.found) explained.actual = taken(out, summarizeValue(lookup.value));
      if (!lookup.found || !Array.isArray(lookup.value)) {
        withParent(explained, parent);
        pushAll(out, list.skipped);
        return false;
      }
      const items = lookup.value;
      const found = decide(items, ctx);
      const met = (found < 0) === isEvery;
      explained.result = met;
      // No element decided: every element was evaluated, the last one ends it.
      const index = found >= 0 ? found : items.length - 1;
      if (index >= 0) explained.index = index;
      withParent(explained, parent);
      if (index < 0) pushAll(out, list.skipped);
      else list.explain(items[index], ctx, out);
      return met;
    },
    skipped: skippedTree({ id, type: "field", result: "skipped", op, path }, parent, list.nodes),
    children: list.nodes,
  };
}

/** changed / changed_to / changed_from: `value...` against `previousValue...`. */
function compileChange(
  node: Condition,
  op: "changed" | "changed_to" | "changed_from",
  segments: readonly PathSegment[],
  valueSegments: readonly PathSegment[] | null,
  where: { op: string; path: string },
  parent: string | undefined,
): CompiledNode {
  if (segments[0] !== "value") {
    return errorNode(
      node,
      parent,
      `operator "${op}" needs a path that starts with "value" (the previous value is read under "previousValue")`,
      where,
    );
  }
  const id = idOf(node);
  const previousSegments: readonly PathSegment[] = ["previousValue", ...segments.slice(1)];
  const config = node.config;
  let expectedOf: ((root: unknown) => { found: boolean; value: unknown }) | null = null;
  let missing = "";
  if (op !== "changed") {
    if (valueSegments !== null) {
      const valueSegs = valueSegments;
      missing = `valuePath "${String(config.valuePath)}" is not in the event`;
      expectedOf = (root) => {
        const lookup = getPath(root, valueSegs);
        return lookup.found ? lookup : { found: false, value: undefined };
      };
    } else if (config.value !== undefined) {
      const constant = { found: true, value: config.value as unknown };
      expectedOf = () => constant;
    } else {
      return errorNode(node, parent, `operator "${op}" needs a value or a valuePath`, where);
    }
  }
  const getExpected = expectedOf;
  const run: Run = (root) => {
    const current = getPath(root, segments);
    const previous = getPath(root, previousSegments);
    const now = current.found ? current.value : undefined;
    const before = previous.found ? previous.value : undefined;
    if (getExpected === null) return deepEqual(now, before) ? F : T;
    const expected = getExpected(root);
    if (!expected.found) return fail(missing);
    if (deepEqual(now, before)) return F;
    return deepEqual(op === "changed_to" ? now : before, expected.value) ? T : F;
  };
  const { path } = where;
  return {
    run,
    explain: (root, ctx, out) => {
      const code = run(root, ctx);
      const explained: FlatExplanationNode = { id, type: "field", result: outcome(code), op, path };
      const current = getPath(root, segments);
      const previous = getPath(root, previousSegments);
      const actual: Record<string, unknown> = {};
      if (current.found) actual.value = summarizeValue(current.value);
      if (previous.found) actual.previousValue = summarizeValue(previous.value);
      explained.actual = taken(out, actual);
      if (getExpected !== null) {
        const expected = getExpected(root);
        if (expected.found) explained.expected = taken(out, summarizeValue(expected.value));
      }
      if (code === E) explained.error = taken(out, lastError);
      out.entries.push(withParent(explained, parent));
      return explained.result;
    },
    skipped: skippedTree({ id, type: "field", result: "skipped", op, path }, parent),
  };
}

// Operators on the actual value alone. Keys are operators, looked up with
// hasOwn semantics by construction (a null-prototype object).
const PRESENCE: Record<string, ((actual: unknown) => Code) | undefined> = Object.assign(
  Object.create(null),
  {
    exists: (actual: unknown): Code => (actual === undefined ? F : T),
    not_exists: (actual: unknown): Code => (actual === undefined ? T : F),
    is_empty: (actual: unknown): Code => (isEmpty(actual) ? T : F),
    is_not_empty: (actual: unknown): Code => (isEmpty(actual) ? F : T),
  },
);

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) {
    for (const key in value) {
      if (Object.prototype.hasOwnProperty.call(value, key)) return false;
    }
    return true;
  }
  return false;
}

/** An operator whose constant operand needs no preparation. */
function plain(test: DynamicTest): Operator {
  return { compile: (expected) => (actual, ctx) => test(actual, expected, ctx), dynamic: test };
}
/** The complement of an operator (errors stay errors). */
function complementOf(operator: Operator): Operator {
  return {
    compile: (expected) => {
      const test = operator.compile(expected);
      if (typeof test === "string") return test;
      return (actual, ctx) => negate(test(actual, ctx));
    },
    dynamic: (actual, expected, ctx) => negate(operator.dynamic(actual, expected, ctx)),
  };
}

const eqOperator: Operator = {
  compile: (expected) => {
    if (expected === null || (typeof expected !== "object" && expected === expected)) {
      return (actual) => (actual === expected ? T : F);
    }
    return (actual) => (deepEqual(actual, expected) ? T : F);
  },
  dynamic: (actual, expected) => (deepEqual(actual, expected) ? T : F),
};

const inOperator: Operator = {
  compile: (expected) => {
    if (!Array.isArray(expected)) return `operator "in" needs an array of values`;
    // Scalars go in a Set (SameValueZero: === plus NaN), structures are
    // compared one by one.
    const scalars = new Set<unknown>();
    const structures: unknown[] = [];
    for (const item of expected) {
      if (item !== null && typeof item === "object") structures.push(item);
      else scalars.add(item);
    }
    if (structures.length === 0) return (actual) => (scalars.has(actual) ? T : F);
    return (actual) => {
      if (actual === null || typeof actual !== "object") return scalars.has(actual) ? T : F;
      for (let i = 0; i < structures.length; i++) {
        if (deepEqual(actual, structures[i])) return T;
      }
      return F;
    };
  },
  dynamic: (actual, expected) => {
    if (!Array.isArray(expected)) return fail(`operator "in" needs an array, got ${describe(expected)}`);
    for (let i = 0; i < expected.length; i++) {
      if (deepEqual(actual, expected[i])) return T;
    }
    return F;
  },
};

const containsOperator = plain((actual, expected) => {
  if (typeof actual === "string") {
    return typeof expected === "string" && actual.includes(expected) ? T : F;
  }
  if (Array.isArray(actual)) {
    for (let i = 0; i < actual.length; i++) {
      if (deepEqual(actual[i], expected)) return T;
    }
  }
  return F;
});

const startsWithOperator = plain((actual, expected) =>
  typeof actual === "string" && typeof expected === "string" && actual.startsWith(expected)
    ? T
    : F,
);
const endsWithOperator = plain((actual, expected) =>
  typeof actual === "string" && typeof expected === "string" && actual.endsWith(expected)
    ? T
    : F,
);

function testRegex(regex: CompiledRegex, actual: unknown): Code {
  if (typeof actual !== "string") return F;
  if (actual.length > MAX_MATCH_INPUT) {
    return fail(
      `the value is ${actual.length} characters long; matches tests at most ${MAX_MATCH_INPUT}`,
    );
  }
  return regex.test(actual) ? T : F;
}

const REGEX_CACHE_LIMIT = 64;

const matchesOperator: Operator = {
  compile: (expected) => {
    if (typeof expected !== "string") return `operator "matches" needs a regular expression string`;
    const regex = compileRegex(expected);
    if (typeof regex === "string") return regex;
    return (actual) => testRegex(regex, actual);
  },
  dynamic: (() => {
    // Patterns read from events, checked like stored ones, compiled once.
    const cache = new Map<string, CompiledRegex | string>();
    return (actual: unknown, expected: unknown): Code => {
      if (typeof expected !== "string") {
        return fail(`operator "matches" needs a regular expression string, got ${describe(expected)}`);
      }
      let regex = cache.get(expected);
      if (regex === undefined) {
        regex = compileRegex(expected);
        if (cache.size >= REGEX_CACHE_LIMIT) cache.clear();
        cache.set(expected, regex);
      }
      return typeof regex === "string" ? fail(regex) : testRegex(regex, actual);
    };
  })(),
};

// `\d+(?:\.\d*)?` rather than `\d+\.?\d*`: the same strings, but with one
// way to split a run of digits, so a long one is read in linear time.
const NUMERIC = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** The number of a number, bigint or numeric string; NaN for anything else. */
function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return NUMERIC.test(value) ? Number(value) : NaN;
  if (typeof value === "bigint") return Number(value);
  return NaN;
}

/** -1, 0 or 1; NaN when the two are neither both numeric nor both strings. */
function order(a: unknown, b: unknown): number {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === x && y === y) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return NaN;
}

function comparison(name: string, holds: (order: number) => boolean): Operator {
  return {
    compile: (expected) => {
      if (typeof expected !== "number" && typeof expected !== "string") {
        return `operator "${name}" needs a number or a string`;
      }
      const y = toNumber(expected);
      const text = typeof expected === "string" ? expected : undefined;
      if (y !== y && text === undefined) return () => F; // NaN
      return (actual) => {
        const x = toNumber(actual);
        if (x === x && y === y) return holds(x < y ? -1 : x > y ? 1 : 0) ? T : F;
        if (text !== undefined && typeof actual === "string") {
          return holds(actual < text ? -1 : actual > text ? 1 : 0) ? T : F;
        }
        return F;
      };
    },
    dynamic: (actual, expected) => (holds(order(actual, expected)) ? T : F),
  };
}

const betweenOperator: Operator = {
  compile: (expected) => {
    if (!Array.isArray(expected) || expected.length !== 2) {
      return `operator "between" needs [low, high]`;
    }
    const [low, high] = expected;
    return (actual) => (order(actual, low) >= 0 && order(actual, high) <= 0 ? T : F);
  },
  dynamic: (actual, expected) => {
    if (!Array.isArray(expected) || expected.length !== 2) {
      return fail(`operator "between" needs [low, high], got ${describe(expected)}`);
    }
    return order(actual, expected[0]) >= 0 && order(actual, expected[1]) <= 0 ? T : F;
  },
};

function instantOf(operand: DateOperand, now: number): number {
  return operand.relative ? now + operand.offsetMs : operand.ms;
}

function dateOperator(name: "before" | "after"): Operator {
  const isBefore = name === "before";
  const test = (actual: unknown, operand: DateOperand, now: number): Code => {
    const at = parseDate(actual);
    if (at === undefined) return F;
    const limit = instantOf(operand, now);
    return (isBefore ? at < limit : at > limit) ? T : F;
  };
  return {
    compile: (expected) => {
      const operand = parseDateOperand(expected);
      if (operand === undefined) return `operator "${name}" needs a date, got ${describe(expected)}`;
      return (actual, ctx) => test(actual, operand, ctx.now);
    },
    dynamic: (actual, expected, ctx) => {
      const operand = parseDateOperand(expected);
      if (operand === undefined) {
        return fail(`operator "${name}" needs a date, got ${describe(expected)}`);
      }
      return test(actual, operand, ctx.now);
    },
  };
}

function inWindow(actual: unknown, window: TimeWindow, now: number): Code {
  const at = parseDate(actual);
  if (at === undefined) return F;
  return (window.future ? at >= now && at <= now + window.ms : at >= now - window.ms && at <= now)
    ? T
    : F;
}

const withinOperator: Operator = {
  compile: (expected) => {
    const window = parseWindow(expected);
    if (window === undefined) {
      return `operator "within" needs a window such as "7 days", got ${describe(expected)}`;
    }
    return (actual, ctx) => inWindow(actual, window, ctx.now);
  },
  dynamic: (actual, expected, ctx) => {
    const window = parseWindow(expected);
    if (window === undefined) {
      return fail(`operator "within" needs a window such as "7 days", got ${describe(expected)}`);
    }
    return inWindow(actual, window, ctx.now);
  },
};

const OPERATORS: Record<string, Operator | undefined> = Object.assign(Object.create(null), {
  eq: eqOperator,
  neq: complementOf(eqOperator),
  in: inOperator,
  nin: complementOf(inOperator),
  contains: containsOperator,
  not_contains: complementOf(containsOperator),
  starts_with: startsWithOperator,
  ends_with: endsWithOperator,
  matches: matchesOperator,
  gt: comparison("gt", (o) => o > 0),
  gte: comparison("gte", (o) => o >= 0),
  lt: comparison("lt", (o) => o < 0),
  lte: comparison("lte", (o) => o <= 0),
  between: betweenOperator,
  before: dateOperator("before"),
  after: dateOperator("after"),
  within: withinOperator,
});

// ---------------------------------------------------------------------------
// Helpers.

const MAX_EQUAL_DEPTH = 100;

/**
 * Strict structural equality: === for scalars (NaN equals NaN), arrays by
 * items, plain objects by own keys, ArrayBuffers by bytes, Dates by time.
 * Anything else only equals itself.
 */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return a !== a && b !== b;
  }
  if (depth > MAX_EQUAL_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(a[i], b[i], depth + 1)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
      if (!deepEqual(a[key], b[key], depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof ArrayBuffer && b instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

/**
 * A bounded copy of a value for explanations: strings cut at 200
 * characters, at most 10 items or fields per level and 3 levels, about
 * 1,000 characters in all; what is left out is described in its place
 * ("... 25 more items"). Scalars are returned as they are.
 */
export function summarizeValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? cutString(value) : value;
  }
  return summarize(value, 0, { left: EXPLANATION_LIMITS.budget });
}

function cutString(text: string): string {
  const limit = EXPLANATION_LIMITS.stringLength;
  return text.length > limit ? `${text.slice(0, limit)}... (${text.length} characters)` : text;
}

function summarize(value: unknown, depth: number, budget: { left: number }): unknown {
  if (typeof value === "string") {
    const cut = cutString(value);
    budget.left -= cut.length + 2;
    return cut;
  }
  if (value === null || typeof value !== "object") {
    budget.left -= 8;
    return value;
  }
  if (Array.isArray(value)) {
    if (depth >= EXPLANATION_LIMITS.depth) return `[${value.length} items]`;
    const out: unknown[] = [];
    for (const item of value) {
      if (out.length >= EXPLANATION_LIMITS.items || budget.left <= 0) {
        out.push(`... ${value.length - out.length} more items`);
        break;
      }
      out.push(summarize(item, depth + 1, budget));
    }
    return out;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (depth >= EXPLANATION_LIMITS.depth) return `{${keys.length} fields}`;
    const out: Record<string, unknown> = {};
    let kept = 0;
    for (const key of keys) {
      if (kept >= EXPLANATION_LIMITS.items || budget.left <= 0) {
        out["..."] = `${keys.length - kept} more fields`;
        break;
      }
      budget.left -= key.length + 4;
      Object.defineProperty(out, key, {
        value: summarize(value[key], depth + 1, budget),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      kept++;
    }
    return out;
  }
  if (value instanceof ArrayBuffer) {
    budget.left -= 16;
    return value.byteLength > EXPLANATION_LIMITS.stringLength ? `[${value.byteLength} bytes]` : value;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  }
  return Object.prototype.toString.call(value);
}

function describe(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  } catch {
    text = undefined;
  }
  if (text === undefined) text = String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
