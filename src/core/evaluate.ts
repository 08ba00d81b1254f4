/**
 * Evaluation of condition trees against events. Pure: no database, no ctx.
 *
 * A tree is compiled once per rule into closures (paths parsed, regular
 * expressions built, dates and windows parsed, `in` lists hashed) and then
 * evaluated per event without parsing, cloning or async work. With
 * `explain: false` no explanation object is built at all.
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

export type EvaluationContext = {
  /** Epoch milliseconds of "now" for relative dates and `within`. */
  now: number;
  /** Build an explanation tree (slower); false is the fast path. */
  explain: boolean;
  /** Decides custom (non-built-in) condition types. */
  custom?: (node: Condition) => boolean | { error: string };
};

export type EvaluationResult = { met: boolean; explanation?: ExplanationNode[] };

export type CompiledConditions = {
  evaluate(event: unknown, ctx: EvaluationContext): EvaluationResult;
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

type Run = (root: unknown, ctx: EvaluationContext) => Code;
type CompiledNode = {
  run: Run;
  explain: (root: unknown, ctx: EvaluationContext) => ExplanationNode;
  skip: () => ExplanationNode;
};
type CompiledList = {
  /** T or F: a list is an implicit `all`, in which errors count as false. */
  run: Run;
  explain: (
    root: unknown,
    ctx: EvaluationContext,
  ) => { met: boolean; nodes: ExplanationNode[] };
  skip: () => ExplanationNode[];
};

/**
 * Compiles a condition list (an implicit `all`). Never throws: a node whose
 * config is invalid (which validation normally prevents) compiles to a leaf
 * that always evaluates to "error" with the reason.
 */
export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const list = compileList(conditions);
  const run = list.run;
  return {
    evaluate(event, ctx) {
      if (!ctx.explain) return { met: run(event, ctx) === T };
      const { met, nodes } = list.explain(event, ctx);
      return { met, explanation: nodes };
    },
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

function compileList(conditions: readonly Condition[]): CompiledList {
  const nodes = Array.isArray(conditions) ? conditions.map(compileNode) : [];
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
    explain: (root, ctx) => {
      const out: ExplanationNode[] = [];
      let met = true;
      for (const node of nodes) {
        if (!met) {
          out.push(node.skip());
          continue;
        }
        const explained = node.explain(root, ctx);
        out.push(explained);
        if (explained.result !== true) met = false;
      }
      return { met, nodes: out };
    },
    skip: () => nodes.map((node) => node.skip()),
  };
}

function compileNode(node: Condition): CompiledNode {
  const type = typeof node?.type === "string" ? node.type : "";
  switch (type) {
    case "all":
    case "any":
      return compileAllAny(node, type);
    case "not":
      return compileNot(node);
    case "field":
      return compileField(node);
    default:
      return compileCustom(node, type);
  }
}

function idOf(node: Condition): string {
  return typeof node?.id === "string" ? node.id : "";
}

/** A node that always evaluates to "error", for configs that cannot run. */
function errorNode(
  node: Condition,
  message: string,
  extra: { op?: string; path?: string } = {},
): CompiledNode {
  const id = idOf(node);
  const type = String(node?.type);
  return {
    run: () => fail(message),
    explain: () => ({ id, type, result: "error", ...extra, error: message }),
    skip: () => ({ id, type, result: "skipped", ...extra }),
  };
}

function groupChildren(node: Condition): Condition[] | undefined {
  const children = node.config?.conditions;
  return Array.isArray(children) ? children : undefined;
}

function compileAllAny(node: Condition, type: "all" | "any"): CompiledNode {
  const children = groupChildren(node);
  if (children === undefined || children.length === 0) {
    return errorNode(node, `a "${type}" group needs config.conditions, a non-empty array`);
  }
  const id = idOf(node);
  const nodes = children.map(compileNode);
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
    explain: (root, ctx) => {
      const out: ExplanationNode[] = [];
      let decided = false;
      for (const child of nodes) {
        if (decided) {
          out.push(child.skip());
          continue;
        }
        const explained = child.explain(root, ctx);
        out.push(explained);
        decided = isAll ? explained.result !== true : explained.result === true;
      }
      // all: met unless decided by a failure; any: met only if decided.
      const met = isAll ? !decided : decided;
      return { id, type, result: met, children: out };
    },
    skip: () => ({ id, type, result: "skipped", children: nodes.map((c) => c.skip()) }),
  };
}

function compileNot(node: Condition): CompiledNode {
  const children = groupChildren(node);
  if (children === undefined || children.length !== 1) {
    return errorNode(node, `a "not" group needs exactly one condition in config.conditions`);
  }
  const id = idOf(node);
  const child = compileNode(children[0]);
  const childRun = child.run;
  return {
    run: (root, ctx) => negate(childRun(root, ctx)),
    explain: (root, ctx) => {
      const explained = child.explain(root, ctx);
      const out: ExplanationNode = { id, type: "not", result: false, children: [explained] };
      if (explained.result === "error") {
        out.result = "error";
        out.error = `cannot negate a condition that failed: ${explained.error ?? "error"}`;
      } else {
        out.result = explained.result !== true;
      }
      return out;
    },
    skip: () => ({ id, type: "not", result: "skipped", children: [child.skip()] }),
  };
}

function compileCustom(node: Condition, type: string): CompiledNode {
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
    explain: (root, ctx) => {
      const code = run(root, ctx);
      const out: ExplanationNode = { id, type, result: outcome(code) };
      if (code === E) out.error = lastError;
      return out;
    },
    skip: () => ({ id, type, result: "skipped" }),
  };
}

// ---------------------------------------------------------------------------
// Field conditions.

/** Decides a leaf from the actual value (undefined when missing). */
type Test = (actual: unknown, ctx: EvaluationContext) => Code;
/** Decides a leaf from the actual value and an operand read from the event. */
type DynamicTest = (actual: unknown, expected: unknown, ctx: EvaluationContext) => Code;
/**
 * An operator: `compile` prepares a test for a constant operand (or gives
 * the reason it cannot), `dynamic` checks an operand read at evaluation.
 */
type Operator = {
  compile: (expected: unknown) => Test | string;
  dynamic: DynamicTest;
};

function compileField(node: Condition): CompiledNode {
  const config = node.config;
  if (!isPlainObject(config)) return errorNode(node, "a field condition needs a config object");
  const id = idOf(node);
  const op = typeof config.op === "string" ? config.op : String(config.op);
  const path = typeof config.path === "string" ? config.path : "";
  const where = { op, path };
  const segments = tryParsePath(path);
  if (segments === null) return errorNode(node, `"${path}" is not a path`, where);
  const valuePath = config.valuePath;
  let valueSegments: readonly PathSegment[] | null = null;
  if (valuePath !== undefined) {
    valueSegments = typeof valuePath === "string" ? tryParsePath(valuePath) : null;
    if (valueSegments === null) {
      return errorNode(node, `valuePath ${describe(valuePath)} is not a path`, where);
    }
  }

  if (op === "every" || op === "some") return compileQuantifier(node, op, segments, where);
  if (op === "changed" || op === "changed_to" || op === "changed_from") {
    return compileChange(node, op, segments, valueSegments, where);
  }

  let run: Run;
  const presence = PRESENCE[op];
  if (presence !== undefined) {
    run = (root) => {
      const lookup = getPath(root, segments);
      return presence(lookup.found ? lookup.value : undefined);
    };
  } else {
    const operator = OPERATORS[op];
    if (operator === undefined) return errorNode(node, `unknown operator "${op}"`, where);
    if (valueSegments !== null) {
      const valueSegs = valueSegments;
      const missing = `valuePath "${String(valuePath)}" is not in the event`;
      const dynamic = operator.dynamic;
      run = (root, ctx) => {
        const expected = getPath(root, valueSegs);
        if (!expected.found) return fail(missing);
        const lookup = getPath(root, segments);
        return dynamic(lookup.found ? lookup.value : undefined, expected.value, ctx);
      };
    } else {
      if (config.value === undefined) {
        return errorNode(node, `operator "${op}" needs a value or a valuePath`, where);
      }
      const test = operator.compile(config.value);
      if (typeof test === "string") return errorNode(node, test, where);
      run = (root, ctx) => {
        const lookup = getPath(root, segments);
        return test(lookup.found ? lookup.value : undefined, ctx);
      };
    }
  }

  const staticExpected =
    valueSegments === null && config.value !== undefined
      ? summarizeValue(config.value)
      : undefined;
  return {
    run,
    explain: (root, ctx) => {
      const code = run(root, ctx);
      const out: ExplanationNode = { id, type: "field", result: outcome(code), op, path };
      const lookup = getPath(root, segments);
      if (lookup.found) out.actual = summarizeValue(lookup.value);
      if (valueSegments !== null) {
        const expected = getPath(root, valueSegments);
        if (expected.found) out.expected = summarizeValue(expected.value);
      } else if (staticExpected !== undefined) {
        out.expected = staticExpected;
      }
      if (code === E) out.error = lastError;
      return out;
    },
    skip: () => ({ id, type: "field", result: "skipped", op, path }),
  };
}

/** every / some: the nested list, an implicit all, on each array element. */
function compileQuantifier(
  node: Condition,
  op: "every" | "some",
  segments: readonly PathSegment[],
  where: { op: string; path: string },
): CompiledNode {
  const nested = node.config.conditions;
  if (!Array.isArray(nested) || nested.length === 0) {
    return errorNode(node, `operator "${op}" needs config.conditions`, where);
  }
  const id = idOf(node);
  const list = compileList(nested);
  const each = list.run;
  const isEvery = op === "every";
  /** The index of the element that decides, or -1 when none does. */
  const decide = (items: unknown[], ctx: EvaluationContext): number => {
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
  return {
    run,
    explain: (root, ctx) => {
      const lookup = getPath(root, segments);
      const out: ExplanationNode = { id, type: "field", result: false, ...where };
      if (lookup.found) out.actual = summarizeValue(lookup.value);
      if (!lookup.found || !Array.isArray(lookup.value)) {
        out.children = list.skip();
        return out;
      }
      const items = lookup.value;
      const found = decide(items, ctx);
      out.result = (found < 0) === isEvery;
      // No element decided: every element was evaluated, the last one ends it.
      const index = found >= 0 ? found : items.length - 1;
      if (index < 0) {
        out.children = list.skip();
      } else {
        out.index = index;
        out.children = list.explain(items[index], ctx).nodes;
      }
      return out;
    },
    skip: () => ({ id, type: "field", result: "skipped", ...where, children: list.skip() }),
  };
}

/** changed / changed_to / changed_from: `value...` against `previousValue...`. */
function compileChange(
  node: Condition,
  op: "changed" | "changed_to" | "changed_from",
  segments: readonly PathSegment[],
  valueSegments: readonly PathSegment[] | null,
  where: { op: string; path: string },
): CompiledNode {
  if (segments[0] !== "value") {
    return errorNode(
      node,
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
      return errorNode(node, `operator "${op}" needs a value or a valuePath`, where);
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
  return {
    run,
    explain: (root, ctx) => {
      const code = run(root, ctx);
      const out: ExplanationNode = { id, type: "field", result: outcome(code), ...where };
      const current = getPath(root, segments);
      const previous = getPath(root, previousSegments);
      const actual: Record<string, unknown> = {};
      if (current.found) actual.value = summarizeValue(current.value);
      if (previous.found) actual.previousValue = summarizeValue(previous.value);
      out.actual = actual;
      if (getExpected !== null) {
        const expected = getExpected(root);
        if (expected.found) out.expected = summarizeValue(expected.value);
      }
      if (code === E) out.error = lastError;
      return out;
    },
    skip: () => ({ id, type: "field", result: "skipped", ...where }),
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
