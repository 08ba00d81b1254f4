/**
 * The per-candidate work of dispatch, as two pure functions: compile a
 * rule's stored conditions once, then evaluate them per event into the
 * result and the explanation exactly as an execution stores it. Pure: no
 * database, no ctx.
 *
 * How dispatch uses it (a route row is replaced on every rule change, so a
 * route id always names the same conditions and can key a cache):
 *
 * ```ts
 * let compiled = compiledByRoute.get(route._id);
 * if (!compiled) compiledByRoute.set(route._id, (compiled = compileCandidate(route.conditions)));
 * // Only the custom conditions need the host: one query each.
 * const custom = compiled.customConditions.length === 0
 *   ? undefined
 *   : await customResults(ctx, compiled.tree, event, handlers);
 * const { met, explanation } = evaluateCandidate(compiled, event, { now: Date.now(), custom });
 * // `explanation` goes as it is into the execution's `explanation` field.
 * ```
 *
 * The stored explanation is the flat one (explanation.ts) made storable
 * and bounded, meaning what `sanitizeForStorage(flattenExplanation(tree),
 * { maxBytes: EXPLANATION_MAX_BYTES, depthOffset: 1 }).value` gives. It is
 * built without a second pass over what the engine wrote itself: the parts
 * every explanation of a rule shares (ids, types, operators, paths) are
 * measured and checked once, at compile time, results are counted at their
 * longest, and only the values taken from the event or the config (the
 * value seen, the operand, error messages) are checked and measured, as
 * they are put in (a config operand once). Only when one of them is not
 * storable as it is, or the whole may be over the bound, does the
 * explanation go through `sanitizeForStorage`, which then renames,
 * replaces and shortens as it always did.
 */
import type { Condition } from "../shared.js";
import { isGroupType, nestConditions, type StoredCondition } from "./conditions.js";
import { compileConditions, type CompiledConditions } from "./evaluate.js";
import type { FlatExplanationNode } from "./explanation.js";
import { sanitizeForStorage } from "./sanitize.js";
import { CONVEX_VALUE_LIMITS, fieldNameProblem } from "./storable.js";

/** Largest stored explanation, as measured by `getConvexSize`. */
export const EXPLANATION_MAX_BYTES = 64 * 1024;

/** What the host's query answered for one custom condition. */
export type CustomResult = boolean | { error: string };

/** A rule's conditions, ready to be evaluated against any number of events. */
export type CompiledCandidate = {
  /** The condition tree (`nestConditions` of the stored list). */
  readonly tree: Condition[];
  /**
   * The custom conditions (neither groups nor `field`), in tree order: the
   * host is asked for each one's result, keyed by its id.
   */
  readonly customConditions: readonly Condition[];
  readonly conditions: CompiledConditions;
  /**
   * At most the bytes every stored explanation of the rule takes besides
   * the values `evaluateCandidate` measures: the list, and each entry's
   * fields with the longest result and an `index` where one may be.
   */
  readonly fixedBytes: number;
  /** Whether the fixed parts (ids, types, operators, paths) are storable as they are. */
  readonly fixedStorable: boolean;
};

/**
 * The stored explanation: the flat explanation, or, when even shortened
 * strings cannot bring it under the bound, a preview of its JSON.
 */
export type StoredExplanation =
  | readonly FlatExplanationNode[]
  | { truncated: true; preview: string; originalBytes: number };

export type CandidateEvaluation = { met: boolean; explanation: StoredExplanation };

/**
 * Compiles a rule's stored conditions (the flat list of a route or rule
 * document). Deterministic and free of side effects, so the result can be
 * cached under anything that identifies the conditions.
 *
 * @example
 * ```ts
 * const compiled = compileCandidate([
 *   { id: "c1", type: "all", config: {} },
 *   { id: "c2", type: "field", config: { path: "status", op: "eq", value: "Done" }, parent: "c1" },
 *   { id: "c3", type: "isVip", config: {}, parent: "c1" },
 * ]);
 * compiled.customConditions.map((node) => node.id); // ["c3"]
 * ```
 */
export function compileCandidate(conditions: readonly StoredCondition[]): CompiledCandidate {
  const tree = nestConditions(conditions);
  const compiled = compileConditions(tree);
  // Every explanation lists the same entries with the same ids, types,
  // operators, paths and parents: measured once. "skipped" is the longest
  // result; every/some entries may have an index.
  let fixedBytes = ARRAY_BYTES;
  let fixedStorable = true;
  for (const entry of compiled.skippedExplanation()) {
    const bytes = storedBytes(entry, ENTRY_LEVEL);
    if (bytes < 0) fixedStorable = false;
    fixedBytes += bytes + (entry.op === "every" || entry.op === "some" ? INDEX_BYTES : 0);
  }
  return {
    tree,
    customConditions: customConditionsOf(tree),
    conditions: compiled,
    fixedBytes,
    fixedStorable,
  };
}

/**
 * Evaluates a compiled rule against an event: whether its conditions are
 * met, and the explanation to store. `custom` holds the host's answer for
 * each custom condition (see `customConditions`); one without an answer is
 * an error. `now` decides relative dates and `within`. The entries of
 * skipped nodes are shared between calls (frozen): store the explanation,
 * do not change it.
 *
 * @example
 * ```ts
 * const compiled = compileCandidate([
 *   { id: "c1", type: "field", config: { path: "status", op: "eq", value: "Done" } },
 * ]);
 * evaluateCandidate(compiled, { status: "Done" }, { now: Date.now() });
 * // { met: true, explanation: [{ id: "c1", type: "field", result: true, op: "eq",
 * //   path: "status", actual: "Done", expected: "Done" }] }
 * ```
 */
export function evaluateCandidate(
  compiled: CompiledCandidate,
  event: unknown,
  { now, custom }: { now: number; custom?: ReadonlyMap<string, CustomResult> },
): CandidateEvaluation {
  const answer = custom === undefined ? noAnswer : (node: Condition) => custom.get(node.id) ?? noAnswer(node);
  const { met, explanation, measured } = compiled.conditions.explainFlat(event, { now, custom: answer }, measureField);
  if (compiled.fixedStorable && measured >= 0 && compiled.fixedBytes + measured <= EXPLANATION_MAX_BYTES) {
    return { met, explanation };
  }
  // Something to rename, replace or shorten: as it always was.
  const value = sanitizeForStorage(explanation, { maxBytes: EXPLANATION_MAX_BYTES, depthOffset: 1 }).value;
  return { met, explanation: value as StoredExplanation };
}

/** A custom condition the host gave no result for. */
function noAnswer(node: Condition): { error: string } {
  return { error: `no result for condition ${node.id}` };
}

/** The list, then each entry is at level 1 and its fields' values at level 2. */
const ENTRY_LEVEL = 1;
const FIELD_LEVEL = 2;
/** Levels below the explanation's own field in an execution document. */
const LEVELS = CONVEX_VALUE_LIMITS.maxDepth - 1;
const ARRAY_BYTES = 2;
/** `index: <number>`. */
const INDEX_BYTES = "index".length + 1 + 9;
/** The longest name of a measured field ("expected") and its separator. */
const FIELD_NAME_BYTES = "expected".length + 1;

/** An entry's `actual`, `expected` or `error`: its stored bytes with the field name, or -1. */
function measureField(value: unknown): number {
  const bytes = storedBytes(value, FIELD_LEVEL);
  return bytes < 0 ? -1 : FIELD_NAME_BYTES + bytes;
}

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_FIELD_NAME_LENGTH = 1024;

/**
 * The size `getConvexSize` gives `value` at `level` levels down, or -1 when
 * `sanitizeForStorage` would change it (it is then not storable as it is).
 */
function storedBytes(value: unknown, level: number): number {
  switch (typeof value) {
    case "string":
      return stringBytes(value);
    case "number":
      return 9;
    case "boolean":
      return 1;
    case "bigint":
      return value >= MIN_INT64 && value <= MAX_INT64 ? 9 : -1;
    case "object":
      break;
    default:
      return -1;
  }
  if (value === null) return 1;
  if (Array.isArray(value)) {
    if (level >= LEVELS || value.length > CONVEX_VALUE_LIMITS.maxArrayLength) return -1;
    let bytes = 2;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // undefined in an array is stored as null: a change.
      const size = item === undefined ? -1 : storedBytes(item, level + 1);
      if (size < 0) return -1;
      bytes += size;
    }
    return bytes;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Bytes are a leaf at any depth. Checked last: arrays and plain objects
    // are the values explanations hold.
    return value instanceof ArrayBuffer ? 2 + value.byteLength : -1;
  }
  if (level >= LEVELS) return -1;
  let bytes = 2;
  let fields = 0;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.length > MAX_FIELD_NAME_LENGTH || fieldNameProblem(key) !== null) return -1;
    const item = record[key];
    // An undefined field is not stored, and not counted.
    if (item === undefined) continue;
    if (++fields > CONVEX_VALUE_LIMITS.maxObjectFields) return -1;
    const size = storedBytes(item, level + 1);
    if (size < 0) return -1;
    bytes += stringBytes(key) - 1 + size;
  }
  return bytes;
}

/** 2 plus the UTF-8 length of `text`, or -1 when it has an unpaired surrogate. */
function stringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code < 0xd800 || code > 0xdfff) bytes += 3;
    else {
      const next = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
      bytes += 4;
      i++;
    }
  }
  return bytes;
}

/** Custom conditions in tree order, found where the host is asked for them. */
function customConditionsOf(tree: readonly Condition[]): Condition[] {
  const out: Condition[] = [];
  const visit = (list: readonly Condition[]) => {
    for (const node of list) {
      if (isGroupType(node.type) || node.type === "field") {
        const children = node.config?.conditions;
        if (Array.isArray(children)) visit(children);
      } else {
        out.push(node);
      }
    }
  };
  visit(tree);
  return out;
}
