/**
 * Evaluation of condition trees against events. Pure: no database, no ctx.
 *
 * A tree is compiled once per rule into node records (paths parsed, regular
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
import { tryParsePath, valueAt, type PathSegment } from "./paths.js";
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

// ---------------------------------------------------------------------------
// Compiled nodes.
//
// A compiled tree is a tree of `Node` records, all of one shape, read by two
// interpreters (`run` for the result alone, `explain` for the flat
// explanation). Records rather than a closure per node keep a compiled rule
// small (a few hundred bytes per node): dispatch evaluates many rules once
// each, so what it pays for is mostly memory traffic, not instructions.

const LIST = 0;
const ALL = 1;
const ANY = 2;
const NOT = 3;
/** A field leaf with a constant operand, or a presence operator. */
const FIELD = 4;
/** A field leaf whose operand is read from the event (`valuePath`). */
const FIELD_DYNAMIC = 5;
const EVERY = 6;
const SOME = 7;
const CHANGE = 8;
const CUSTOM = 9;
/** A node whose config cannot run: always "error". */
const INVALID = 10;
type Kind =
  | typeof LIST
  | typeof ALL
  | typeof ANY
  | typeof NOT
  | typeof FIELD
  | typeof FIELD_DYNAMIC
  | typeof EVERY
  | typeof SOME
  | typeof CHANGE
  | typeof CUSTOM
  | typeof INVALID;

const NO_SEGMENTS: readonly PathSegment[] = [];
const NO_CHILDREN: readonly Node[] = [];

class Node {
  /** Set by `explainExpected` for the measure it last measured `expected` with. */
  measuredBy: ExplanationMeasure | undefined = undefined;
  expectedSize = 0;
  /** Where the node's entry is in every flat explanation of the tree. */
  entryIndex = 0;
  constructor(
    readonly kind: Kind,
    readonly id: string,
    readonly type: string,
    readonly op: string,
    readonly path: string,
    readonly parent: string | undefined,
    /** The explained children (groups, not, every/some's nested list). */
    readonly children: readonly Node[],
    /** FIELD: the test; CHANGE: unused. */
    readonly test: Test | undefined,
    /** FIELD_DYNAMIC and CHANGE with a valuePath. */
    readonly dynamic: DynamicTest | undefined,
    readonly segments: readonly PathSegment[],
    /** FIELD_DYNAMIC, CHANGE: the operand's path, or null. CHANGE: previousValue's is `previous`. */
    readonly valueSegments: readonly PathSegment[] | null,
    readonly previous: readonly PathSegment[],
    /** FIELD, CHANGE: the constant operand, summarised for the explanation; `NONE` when none. */
    readonly expected: unknown,
    /** CHANGE: the raw constant operand. */
    readonly operand: unknown,
    /** INVALID: the reason; FIELD_DYNAMIC, CHANGE: "valuePath ... is not in the event"; CUSTOM: no handler. */
    readonly message: string,
    /** CUSTOM: the condition handed to `ctx.custom`. */
    readonly source: Condition | undefined,
    /** INVALID: the shared entry. */
    readonly entry: FlatExplanationNode | undefined,
  ) {}
}

/** No constant operand. */
const NONE: unknown = Symbol("none");

type NodeSpec = {
  kind: Kind;
  id: string;
  type: string;
  op?: string;
  path?: string;
  children?: readonly Node[];
  test?: Test;
  dynamic?: DynamicTest;
  segments?: readonly PathSegment[];
  valueSegments?: readonly PathSegment[] | null;
  previous?: readonly PathSegment[];
  expected?: unknown;
  operand?: unknown;
  message?: string;
  source?: Condition;
  entry?: FlatExplanationNode;
};

/**
 * Compilation state: the skipped entries of the whole tree, in the order
 * explanations list them (parents first): a node's own skipped entry is
 * added before its children are compiled.
 */
type Builder = { skipped: FlatExplanationNode[] };

/** Starts a node: adds its skipped entry and returns its index. */
function begin(b: Builder, entry: FlatExplanationNode, parent: string | undefined): number {
  const from = b.skipped.length;
  b.skipped.push(sharedEntry(entry, parent));
  return from;
}

function finish(b: Builder, from: number, parent: string | undefined, spec: NodeSpec): Node {
  const node = new Node(
    spec.kind,
    spec.id,
    spec.type,
    spec.op ?? "",
    spec.path ?? "",
    parent,
    spec.children ?? NO_CHILDREN,
    spec.test,
    spec.dynamic,
    spec.segments ?? NO_SEGMENTS,
    spec.valueSegments ?? null,
    spec.previous ?? NO_SEGMENTS,
    spec.expected === undefined ? NONE : spec.expected,
    spec.operand,
    spec.message ?? "",
    spec.source,
    spec.entry,
  );
  node.entryIndex = from;
  return node;
}

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
  const b: Builder = { skipped: [] };
  const list = compileList(b, conditions, undefined);
  return new CompiledTree(list, b.skipped);
}

/** Methods on a prototype rather than closures per rule: less memory per rule. */
class CompiledTree implements CompiledConditions {
  constructor(
    private readonly list: Node,
    /** Not frozen (its entries are): slicing a frozen array leaves V8's fast path. */
    private readonly skipped: readonly FlatExplanationNode[],
  ) {}

  evaluate(event: unknown, ctx: EvaluationContext): EvaluationResult {
    if (!ctx.explain) return { met: run(this.list, event, ctx) === T };
    const { met, explanation } = this.explainFlat(event, ctx);
    return { met, explanation: nest(this.list.children, explanation, { at: 0 }) };
  }

  explainFlat(
    event: unknown,
    ctx: RunContext,
    measure?: ExplanationMeasure,
  ): { met: boolean; explanation: FlatExplanationNode[]; measured: number } {
    // Every explanation lists every node once, in the same order: it starts
    // as the skipped one, and each evaluated node replaces its own entry.
    const out: FlatOut = { entries: this.skipped.slice(), measure, measured: 0 };
    const met = explainList(this.list, event, ctx, out);
    return { met, explanation: out.entries, measured: out.measured };
  }

  skippedExplanation(): FlatExplanationNode[] {
    return [...this.skipped];
  }
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
  nodes: readonly Node[],
  flat: readonly FlatExplanationNode[],
  cursor: { at: number },
): ExplanationNode[] {
  const out: ExplanationNode[] = [];
  for (const node of nodes) {
    const { parent: _parent, ...explained } = flat[cursor.at++] as FlatExplanationNode;
    const tree: ExplanationNode = explained;
    if (node.children.length > 0) tree.children = nest(node.children, flat, cursor);
    out.push(tree);
  }
  return out;
}

/**
 * An entry that is the same at every evaluation (skipped nodes, invalid
 * configs), built once and shared: frozen so that no holder can change it.
 * `parent` goes last, where flattening a tree puts it.
 */
function sharedEntry(node: FlatExplanationNode, parent: string | undefined): FlatExplanationNode {
  if (parent !== undefined) node.parent = parent;
  return Object.freeze(node);
}

// ---------------------------------------------------------------------------
// Compilation.

function compileList(b: Builder, conditions: readonly Condition[], parent: string | undefined): Node {
  const from = b.skipped.length;
  const children = Array.isArray(conditions) ? conditions.map((node) => compileNode(b, node, parent)) : [];
  return finish(b, from, parent, { kind: LIST, id: "", type: "", children });
}

function compileNode(b: Builder, node: Condition, parent: string | undefined): Node {
  const type = typeof node?.type === "string" ? node.type : "";
  switch (type) {
    case "all":
    case "any":
      return compileAllAny(b, node, type, parent);
    case "not":
      return compileNot(b, node, parent);
    case "field":
      return compileField(b, node, parent);
    default:
      return compileCustom(b, node, type, parent);
  }
}

function idOf(node: Condition): string {
  return typeof node?.id === "string" ? node.id : "";
}

/** A node that always evaluates to "error", for configs that cannot run. */
function errorNode(
  b: Builder,
  node: Condition,
  parent: string | undefined,
  message: string,
  extra: { op?: string; path?: string } = {},
): Node {
  const id = idOf(node);
  const type = String(node?.type);
  const from = begin(b, { id, type, result: "skipped", ...extra }, parent);
  const entry = sharedEntry({ id, type, result: "error", ...extra, error: message }, parent);
  return finish(b, from, parent, { kind: INVALID, id, type, message, entry });
}

function groupChildren(node: Condition): Condition[] | undefined {
  const children = node.config?.conditions;
  return Array.isArray(children) ? children : undefined;
}

function compileAllAny(b: Builder, node: Condition, type: "all" | "any", parent: string | undefined): Node {
  const children = groupChildren(node);
  if (children === undefined || children.length === 0) {
    return errorNode(b, node, parent, `a "${type}" group needs config.conditions, a non-empty array`);
  }
  const id = idOf(node);
  const from = begin(b, { id, type, result: "skipped" }, parent);
  const nodes = children.map((child) => compileNode(b, child, id));
  return finish(b, from, parent, { kind: type === "all" ? ALL : ANY, id, type, children: nodes });
}

function compileNot(b: Builder, node: Condition, parent: string | undefined): Node {
  const children = groupChildren(node);
  if (children === undefined || children.length !== 1) {
    return errorNode(b, node, parent, `a "not" group needs exactly one condition in config.conditions`);
  }
  const id = idOf(node);
  const from = begin(b, { id, type: "not", result: "skipped" }, parent);
  const child = compileNode(b, children[0]!, id);
  return finish(b, from, parent, { kind: NOT, id, type: "not", children: [child] });
}

function compileCustom(b: Builder, node: Condition, type: string, parent: string | undefined): Node {
  const id = idOf(node);
  const from = begin(b, { id, type, result: "skipped" }, parent);
  return finish(b, from, parent, {
    kind: CUSTOM,
    id,
    type,
    message: `no handler for custom condition ${type}`,
    source: node,
  });
}

function compileField(b: Builder, node: Condition, parent: string | undefined): Node {
  const config = node.config;
  if (!isPlainObject(config)) return errorNode(b, node, parent, "a field condition needs a config object");
  const id = idOf(node);
  const op = typeof config["op"] === "string" ? config["op"] : String(config["op"]);
  const path = typeof config["path"] === "string" ? config["path"] : "";
  const where = { op, path };
  const segments = tryParsePath(path);
  if (segments === null) return errorNode(b, node, parent, `"${path}" is not a path`, where);
  const valuePath = config["valuePath"];
  let valueSegments: readonly PathSegment[] | null = null;
  if (valuePath !== undefined) {
    valueSegments = typeof valuePath === "string" ? tryParsePath(valuePath) : null;
    if (valueSegments === null) {
      return errorNode(b, node, parent, `valuePath ${describe(valuePath)} is not a path`, where);
    }
  }

  if (op === "every" || op === "some") return compileQuantifier(b, node, op, segments, where, parent);
  if (op === "changed" || op === "changed_to" || op === "changed_from") {
    return compileChange(b, node, op, segments, valueSegments, where, parent);
  }

  const spec = { id, type: "field", op, path, segments };
  const presence = PRESENCE[op];
  if (presence !== undefined) {
    const from = begin(b, { id, type: "field", result: "skipped", op, path }, parent);
    // The operand is shown in the explanation, though presence ignores it.
    return finish(b, from, parent, {
      ...spec,
      kind: FIELD,
      test: presence,
      valueSegments,
      expected: valueSegments === null && config["value"] !== undefined ? summarizeValue(config["value"]) : undefined,
    });
  }
  const operator = OPERATORS[op];
  if (operator === undefined) return errorNode(b, node, parent, `unknown operator "${op}"`, where);
  if (valueSegments !== null) {
    const from = begin(b, { id, type: "field", result: "skipped", op, path }, parent);
    return finish(b, from, parent, {
      ...spec,
      kind: FIELD_DYNAMIC,
      dynamic: operator.dynamic,
      valueSegments,
      message: `valuePath "${String(valuePath)}" is not in the event`,
    });
  }
  if (config["value"] === undefined) {
    return errorNode(b, node, parent, `operator "${op}" needs a value or a valuePath`, where);
  }
  const test = operator.compile(config["value"]);
  if (typeof test === "string") return errorNode(b, node, parent, test, where);
  const from = begin(b, { id, type: "field", result: "skipped", op, path }, parent);
  return finish(b, from, parent, { ...spec, kind: FIELD, test, expected: summarizeValue(config["value"]) });
}

/** every / some: the nested list, an implicit all, on each array element. */
function compileQuantifier(
  b: Builder,
  node: Condition,
  op: "every" | "some",
  segments: readonly PathSegment[],
  where: { op: string; path: string },
  parent: string | undefined,
): Node {
  const nested = node.config.conditions;
  if (!Array.isArray(nested) || nested.length === 0) {
    return errorNode(b, node, parent, `operator "${op}" needs config.conditions`, where);
  }
  const id = idOf(node);
  const { path } = where;
  const from = begin(b, { id, type: "field", result: "skipped", op, path }, parent);
  const children = (nested as Condition[]).map((child) => compileNode(b, child, id));
  return finish(b, from, parent, { kind: op === "every" ? EVERY : SOME, id, type: "field", op, path, segments, children });
}

/** changed / changed_to / changed_from: `value...` against `previousValue...`. */
function compileChange(
  b: Builder,
  node: Condition,
  op: "changed" | "changed_to" | "changed_from",
  segments: readonly PathSegment[],
  valueSegments: readonly PathSegment[] | null,
  where: { op: string; path: string },
  parent: string | undefined,
): Node {
  if (segments[0] !== "value") {
    return errorNode(
      b,
      node,
      parent,
      `operator "${op}" needs a path that starts with "value" (the previous value is read under "previousValue")`,
      where,
    );
  }
  const config = node.config;
  if (op !== "changed" && valueSegments === null && config.value === undefined) {
    return errorNode(b, node, parent, `operator "${op}" needs a value or a valuePath`, where);
  }
  const id = idOf(node);
  const { path } = where;
  const from = begin(b, { id, type: "field", result: "skipped", op, path }, parent);
  const constant = op !== "changed" && valueSegments === null;
  return finish(b, from, parent, {
    kind: CHANGE,
    id,
    type: "field",
    op,
    path,
    segments,
    previous: ["previousValue", ...segments.slice(1)],
    valueSegments: op === "changed" ? null : valueSegments,
    message: valueSegments === null ? "" : `valuePath "${String(config.valuePath)}" is not in the event`,
    operand: constant ? (config.value as unknown) : NONE,
  });
}

// ---------------------------------------------------------------------------
// Evaluation.

/** The node's result code: T or F for lists and groups, E only from leaves and `not`. */
function run(node: Node, root: unknown, ctx: RunContext): Code {
  switch (node.kind) {
    case LIST:
    case ALL: {
      const children = node.children;
      for (let i = 0; i < children.length; i++) {
        if (run(children[i]!, root, ctx) !== T) return F;
      }
      return T;
    }
    case ANY: {
      const children = node.children;
      for (let i = 0; i < children.length; i++) {
        if (run(children[i]!, root, ctx) === T) return T;
      }
      return F;
    }
    case NOT:
      return negate(run(node.children[0]!, root, ctx));
    case FIELD: {
      return node.test!(valueAt(root, node.segments), ctx);
    }
    case FIELD_DYNAMIC: {
      const expected = valueAt(root, node.valueSegments!);
      if (expected === undefined) return fail(node.message);
      return node.dynamic!(valueAt(root, node.segments), expected, ctx);
    }
    case EVERY:
    case SOME: {
      const items = valueAt(root, node.segments);
      if (!Array.isArray(items)) return F;
      return (decidingElement(node, items, ctx) < 0) === (node.kind === EVERY) ? T : F;
    }
    case CHANGE:
      return runChange(node, root);
    case CUSTOM:
      return runCustom(node, ctx);
    case INVALID:
      return fail(node.message);
  }
}

/** every/some: the index of the element that decides, or -1 when none does. */
function decidingElement(node: Node, items: unknown[], ctx: RunContext): number {
  const isEvery = node.kind === EVERY;
  const children = node.children;
  for (let i = 0; i < items.length; i++) {
    let met = true;
    for (let c = 0; c < children.length; c++) {
      if (run(children[c]!, items[i], ctx) !== T) {
        met = false;
        break;
      }
    }
    if (met !== isEvery) return i;
  }
  return -1;
}

/** changed_to / changed_from: the operand, undefined when its valuePath is missing. */
function changeOperand(node: Node, root: unknown): unknown {
  return node.valueSegments !== null ? valueAt(root, node.valueSegments) : node.operand;
}

function runChange(node: Node, root: unknown): Code {
  const now = valueAt(root, node.segments);
  const before = valueAt(root, node.previous);
  if (node.op === "changed") return deepEqual(now, before) ? F : T;
  const expected = changeOperand(node, root);
  if (expected === undefined) return fail(node.message);
  if (deepEqual(now, before)) return F;
  return deepEqual(node.op === "changed_to" ? now : before, expected) ? T : F;
}

function runCustom(node: Node, ctx: RunContext): Code {
  const custom = ctx.custom;
  if (custom === undefined) return fail(node.message);
  const type = node.type;
  let answer: unknown;
  try {
    answer = custom(node.source!);
  } catch (error) {
    return fail(`custom condition ${type} failed: ${errorMessage(error)}`);
  }
  if (answer === true) return T;
  if (answer === false) return F;
  if (isPlainObject(answer) && typeof answer["error"] === "string") return fail(answer["error"]);
  return fail(`custom condition ${type} answered ${describe(answer)}, not a boolean or { error }`);
}

/** A list (an implicit all): its children explained until one is not met, the rest left skipped. */
function explainList(list: Node, root: unknown, ctx: RunContext, out: FlatOut): boolean {
  const children = list.children;
  for (let i = 0; i < children.length; i++) {
    if (explain(children[i]!, root, ctx, out) !== true) return false;
  }
  return true;
}

/**
 * Puts the entries of a node and of the nodes under it that are evaluated
 * in their places in `out` (the others stay skipped); returns the node's
 * result.
 */
function explain(node: Node, root: unknown, ctx: RunContext, out: FlatOut): ConditionOutcome {
  switch (node.kind) {
    case LIST:
      return explainList(node, root, ctx, out);
    case ALL:
    case ANY: {
      const isAll = node.kind === ALL;
      const children = node.children;
      let decided = false;
      for (let i = 0; i < children.length && !decided; i++) {
        const result = explain(children[i]!, root, ctx, out);
        decided = isAll ? result !== true : result === true;
      }
      // all: met unless decided by a failure; any: met only if decided.
      const met = isAll ? !decided : decided;
      out.entries[node.entryIndex] = groupEntry(node, met);
      return met;
    }
    case NOT: {
      const explained = groupEntry(node, false);
      const child = node.children[0]!;
      const result = explain(child, root, ctx, out);
      if (result === "error") {
        explained.result = "error";
        const reason = out.entries[child.entryIndex]!.error ?? "error";
        explained.error = taken(out, `cannot negate a condition that failed: ${reason}`);
      } else {
        explained.result = result !== true;
      }
      out.entries[node.entryIndex] = explained;
      return explained.result;
    }
    case FIELD:
    case FIELD_DYNAMIC: {
      const actual = valueAt(root, node.segments);
      const expected = node.valueSegments === null ? undefined : valueAt(root, node.valueSegments);
      let code: Code;
      if (node.kind === FIELD) {
        code = node.test!(actual, ctx);
      } else {
        code = expected !== undefined ? node.dynamic!(actual, expected, ctx) : fail(node.message);
      }
      const explained = leafEntry(
        node,
        outcome(code),
        actual === undefined ? NONE : taken(out, summarizeValue(actual)),
        expected !== undefined
          ? taken(out, summarizeValue(expected))
          : node.expected !== NONE
            ? takenExpected(out, node)
            : NONE,
      );
      if (code === E) explained.error = taken(out, lastError);
      out.entries[node.entryIndex] = explained;
      return explained.result;
    }
    case EVERY:
    case SOME:
      return explainQuantifier(node, root, ctx, out);
    case CHANGE:
      return explainChange(node, root, out);
    case CUSTOM: {
      const code = runCustom(node, ctx);
      const explained = groupEntry(node, outcome(code));
      if (code === E) explained.error = taken(out, lastError);
      out.entries[node.entryIndex] = explained;
      return explained.result;
    }
    case INVALID:
      taken(out, node.message);
      out.entries[node.entryIndex] = node.entry!;
      return "error";
  }
}

// Entries are built with `parent` in the literal: adding it afterwards
// would make one store site see every entry shape (a slow, megamorphic store).

/** The entry of a group, `not` or custom node: id, type, result and parent. */
function groupEntry(node: Node, result: ConditionOutcome): FlatExplanationNode {
  const { id, type, parent } = node;
  return parent === undefined ? { id, type, result } : { id, type, result, parent };
}

/** The entry of a field node, before the values it took are added. */
function fieldEntry(node: Node, result: ConditionOutcome): FlatExplanationNode {
  const { id, op, path, parent } = node;
  return parent === undefined
    ? { id, type: "field", result, op, path }
    : { id, type: "field", result, op, path, parent };
}

/**
 * The entry of a field leaf with the values it took (`NONE` for one it did
 * not), built in one literal: each shape is then allocated whole.
 */
function leafEntry(node: Node, result: ConditionOutcome, actual: unknown, expected: unknown): FlatExplanationNode {
  const { id, op, path, parent } = node;
  const type = "field";
  if (actual === NONE) {
    if (expected === NONE) return parent === undefined ? { id, type, result, op, path } : { id, type, result, op, path, parent };
    return parent === undefined ? { id, type, result, op, path, expected } : { id, type, result, op, path, expected, parent };
  }
  if (expected === NONE) {
    return parent === undefined ? { id, type, result, op, path, actual } : { id, type, result, op, path, actual, parent };
  }
  return parent === undefined
    ? { id, type, result, op, path, actual, expected }
    : { id, type, result, op, path, actual, expected, parent };
}

/**
 * A constant operand, taken into `out`: measured once per measure, which
 * must depend on the value alone.
 */
function takenExpected(out: FlatOut, node: Node): unknown {
  const measure = out.measure;
  if (measure !== undefined && out.measured >= 0) {
    if (measure !== node.measuredBy) {
      node.expectedSize = measure(node.expected);
      node.measuredBy = measure;
    }
    const size = node.expectedSize;
    out.measured = size < 0 ? -1 : out.measured + size;
  }
  return node.expected;
}

function explainQuantifier(node: Node, root: unknown, ctx: RunContext, out: FlatOut): boolean {
  const items = valueAt(root, node.segments);
  const explained = fieldEntry(node, false);
  out.entries[node.entryIndex] = explained;
  if (items !== undefined) explained.actual = taken(out, summarizeValue(items));
  if (!Array.isArray(items)) return false;
  const found = decidingElement(node, items, ctx);
  const met = (found < 0) === (node.kind === EVERY);
  explained.result = met;
  // No element decided: every element was evaluated, the last one ends it.
  const index = found >= 0 ? found : items.length - 1;
  if (index >= 0) explained.index = index;
  if (index >= 0) explainList(node, items[index], ctx, out);
  return met;
}

function explainChange(node: Node, root: unknown, out: FlatOut): ConditionOutcome {
  const code = runChange(node, root);
  const explained = fieldEntry(node, outcome(code));
  const current = valueAt(root, node.segments);
  const previous = valueAt(root, node.previous);
  const actual: Record<string, unknown> = {};
  if (current !== undefined) actual["value"] = summarizeValue(current);
  if (previous !== undefined) actual["previousValue"] = summarizeValue(previous);
  explained.actual = taken(out, actual);
  if (node.op !== "changed") {
    const expected = changeOperand(node, root);
    if (expected !== undefined) explained.expected = taken(out, summarizeValue(expected));
  }
  if (code === E) explained.error = taken(out, lastError);
  out.entries[node.entryIndex] = explained;
  return explained.result;
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

/** Lists up to this long are scanned: a few adjacent values beat a hash table's memory. */
const SCAN_LIMIT = 8;

/** Membership in a set of scalars (SameValueZero), scanning when it is small. */
function smallScalarTest(scalars: Set<unknown>): (actual: unknown) => boolean {
  if (scalars.size > SCAN_LIMIT) return (actual) => scalars.has(actual);
  const values = [...scalars];
  const hasNaN = values.some((value) => value !== value);
  return (actual) => {
    for (let i = 0; i < values.length; i++) if (values[i] === actual) return true;
    return hasNaN && actual !== actual;
  };
}

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
    const isScalar = smallScalarTest(scalars);
    if (structures.length === 0) return (actual) => (isScalar(actual) ? T : F);
    return (actual) => {
      if (actual === null || typeof actual !== "object") return isScalar(actual) ? T : F;
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
