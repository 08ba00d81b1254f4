/**
 * Matching of trigger patterns (AWS EventBridge event patterns, validated by
 * `pattern.ts`) against events, and the index routing that finds candidate
 * rules for an event. Pure: no database, no ctx.
 *
 * Semantics, field by field (a pattern's fields AND together, the items of a
 * leaf list OR together):
 *
 * - A nested pattern object at key `k`: the event's value at `k` must be an
 *   object, or an array holding objects; an array matches when ANY object
 *   element matches the whole nested pattern (all its fields against that
 *   one element, like EventBridge's array consistency). Nested arrays are
 *   flattened. When the value is missing or holds no object at all, every
 *   leaf below counts as missing, as in EventBridge, where a pattern is a set
 *   of leaf paths: the nested pattern then matches only when each of its
 *   leaf lists allows a missing field (`{ exists: false }`); any other
 *   nested pattern does not match.
 * - A leaf list against a missing field (absent own key, or `undefined`):
 *   only `{ exists: false }` matches.
 * - A leaf list against a present field: `{ exists: true }` matches whatever
 *   the value (null, [], objects included) and `{ exists: false }` does not.
 *   The other items are tried on the value's elements: a non-array value is
 *   its one element; an array's elements are its items, nested arrays
 *   flattened; the list matches when any item matches any element (so an
 *   empty array matches nothing but `exists: true`). Per element:
 *   - an exact value matches by strict equality (5 and "5" differ; null
 *     matches null; an object never matches);
 *   - `prefix`, `suffix`, `equals-ignore-case` (lower-cased comparison) and
 *     `wildcard` match strings only. In a wildcard `*` matches any run of
 *     characters (possibly empty), `\*` a literal star and `\\` a literal
 *     backslash; a backslash before any other character is literal.
 *     Matching is a linear scan of the literal segments, never a
 *     backtracking regex;
 *   - `anything-but` matches a scalar element (string, number, boolean, null,
 *     bigint) that is not strictly equal to any listed value; objects never
 *     match. Per-element, like every other operator, so an array matches
 *     when at least one of its elements is outside the list (`["a", "b"]`
 *     matches `anything-but: "a"`; `[]` and `["a"]` do not). A missing field
 *     never matches `anything-but`;
 *   - `numeric` matches a finite number (not a numeric string) that
 *     satisfies every comparison.
 * - Only own properties of plain objects are read, of the event and of the
 *   pattern: `__proto__`, `constructor` and `toString` are ordinary keys.
 *
 * Patterns are validated with `findPatternProblem` when compiled; an invalid
 * pattern throws (store only validated patterns).
 */
import { isPlainObject } from "./conditions.js";
import { findPatternProblem } from "./pattern.js";

/** A compiled pattern. */
export type EventMatcher = (event: unknown) => boolean;

/** Compiled patterns kept by `matchPattern`; the cache is cleared when full. */
export const PATTERN_CACHE_LIMIT = 5000;

/** Most keys `eventRouteKeys` returns for one event and path. */
export const MAX_EVENT_ROUTE_KEYS = 100;

/** A value a route can be keyed by. */
export type Exact = string | number | boolean | null;
type ElementTest = (element: unknown) => boolean;

/** Tests a field given whether it is present and its value. */
type FieldTest = {
  /** Whether the field matches when it is missing. */
  missing: boolean;
  present: (value: unknown) => boolean;
};

/**
 * Compiles `pattern` into a matcher: its structure, wildcards and
 * numeric ranges are prepared once. Throws when the pattern is invalid.
 */
export function compilePattern(pattern: object): EventMatcher {
  const problem = findPatternProblem(pattern);
  if (problem) {
    throw new Error(`Invalid trigger pattern: ${problem.field} ${problem.message}`);
  }
  const root = compileNested(pattern as Record<string, unknown>);
  // The event itself is treated like a nested value: an object, or an
  // array of objects of which one must match.
  return (event) => root.present(event);
}

const cache = new Map<string, EventMatcher>();

/**
 * Whether `event` matches `pattern` (undefined matches every event). Compiled
 * patterns are cached by their JSON text. Throws when the pattern is invalid.
 */
export function matchPattern(pattern: object | undefined, event: unknown): boolean {
  if (pattern === undefined) return true;
  const key = JSON.stringify(pattern);
  let matcher = cache.get(key);
  if (matcher === undefined) {
    matcher = compilePattern(pattern);
    if (cache.size >= PATTERN_CACHE_LIMIT) cache.clear();
    cache.set(key, matcher);
  }
  return matcher(event);
}

function compileNested(pattern: Record<string, unknown>): FieldTest {
  const fields: Array<{ key: string; test: FieldTest }> = Object.keys(pattern).map((key) => {
    const value = pattern[key];
    return {
      key,
      test: Array.isArray(value)
        ? compileList(value)
        : compileNested(value as Record<string, unknown>),
    };
  });
  const missing = fields.every((field) => field.test.missing);
  const matchObject = (object: Record<string, unknown>): boolean => {
    for (const { key, test } of fields) {
      const value = Object.hasOwn(object, key) ? object[key] : undefined;
      if (!(value === undefined ? test.missing : test.present(value))) return false;
    }
    return true;
  };
  return {
    missing,
    present: (value) => {
      if (isPlainObject(value)) return matchObject(value);
      if (!Array.isArray(value)) return missing;
      let sawObject = false;
      const found = someLeaf(value, (element) => {
        if (!isPlainObject(element)) return false;
        sawObject = true;
        return matchObject(element);
      });
      return found || (!sawObject && missing);
    },
  };
}

function compileList(list: unknown[]): FieldTest {
  let existsTrue = false;
  let existsFalse = false;
  const tests: ElementTest[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) {
      tests.push((element) => element === item);
      continue;
    }
    const [op] = Object.keys(item);
    const arg = item[op];
    switch (op) {
      case "exists":
        if (arg === true) existsTrue = true;
        else existsFalse = true;
        break;
      case "prefix": {
        const text = arg as string;
        tests.push((e) => typeof e === "string" && e.startsWith(text));
        break;
      }
      case "suffix": {
        const text = arg as string;
        tests.push((e) => typeof e === "string" && e.endsWith(text));
        break;
      }
      case "equals-ignore-case": {
        const lower = (arg as string).toLowerCase();
        tests.push((e) => typeof e === "string" && e.toLowerCase() === lower);
        break;
      }
      case "wildcard": {
        const matches = compileWildcard(arg as string);
        tests.push((e) => typeof e === "string" && matches(e));
        break;
      }
      case "anything-but": {
        const excluded = new Set<unknown>(Array.isArray(arg) ? arg : [arg]);
        // Set membership is SameValueZero: like ===, as NaN is never listed.
        tests.push((e) => isScalar(e) && !excluded.has(e));
        break;
      }
      case "numeric":
        tests.push(compileNumeric(arg as Array<string | number>));
        break;
    }
  }
  const test = tests.length === 1 ? tests[0] : (e: unknown) => tests.some((t) => t(e));
  const present = existsTrue
    ? () => true
    : tests.length === 0
      ? () => false
      : (value: unknown) => (Array.isArray(value) ? someLeaf(value, test) : test(value));
  return { missing: existsFalse, present };
}

function isScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  );
}

/** Whether `test` holds for some element of `array`, nested arrays flattened. */
function someLeaf(array: unknown[], test: ElementTest): boolean {
  for (const element of array) {
    if (Array.isArray(element) ? someLeaf(element, test) : test(element)) return true;
  }
  return false;
}

function compileNumeric(arg: Array<string | number>): ElementTest {
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const bound = arg[i + 1] as number;
    switch (arg[i]) {
      case "<":
        checks.push((n) => n < bound);
        break;
      case "<=":
        checks.push((n) => n <= bound);
        break;
      case "=":
        checks.push((n) => n === bound);
        break;
      case ">":
        checks.push((n) => n > bound);
        break;
      case ">=":
        checks.push((n) => n >= bound);
        break;
    }
  }
  return (e) => typeof e === "number" && Number.isFinite(e) && checks.every((check) => check(e));
}

/**
 * A linear-time matcher for an EventBridge wildcard: the literal segments
 * between stars must appear in order, the first at the start and the last at
 * the end; middle segments are found greedily (leftmost), which is exact for
 * star-only globs. No regex, so no backtracking.
 */
function compileWildcard(wildcard: string): (text: string) => boolean {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < wildcard.length; i++) {
    const ch = wildcard[i];
    if (ch === "\\" && (wildcard[i + 1] === "*" || wildcard[i + 1] === "\\")) {
      current += wildcard[i + 1];
      i++;
    } else if (ch === "*") {
      segments.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  segments.push(current);
  if (segments.length === 1) {
    const literal = segments[0];
    return (text) => text === literal;
  }
  const first = segments[0];
  const last = segments[segments.length - 1];
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  const minLength = segments.reduce((sum, segment) => sum + segment.length, 0);
  return (text) => {
    if (text.length < minLength || !text.startsWith(first) || !text.endsWith(last)) {
      return false;
    }
    const end = text.length - last.length;
    let position = first.length;
    for (const segment of middle) {
      const index = text.indexOf(segment, position);
      if (index < 0 || index + segment.length > end) return false;
      position = index + segment.length;
    }
    return true;
  };
}

// ---------------------------------------------------------------------------
// Index routing

/** The leaf list a rule is indexed by: one route key per value. */
export type RoutingChoice = { path: string; values: Array<string | number | boolean | null> };

/**
 * The pattern's leaf list to index the rule by: among lists holding only exact
 * values (no operator objects), the one with the fewest distinct values, ties
 * broken by fewer path segments, then the lexicographically smaller path
 * (code-unit order). The path joins the keys with dots; keys that contain a
 * dot cannot be written in such a path, so lists below them are not
 * considered. Null when no list qualifies: the rule is then a candidate for
 * every event of its trigger type.
 */
export function chooseRoute(pattern: object | undefined): RoutingChoice | null {
  const [best] = exactLists(pattern);
  return best ? { path: best.path, values: best.values } : null;
}

/**
 * Every leaf list of the pattern that holds only exact values, deduplicated,
 * ordered as `chooseRoute` prefers them: fewest values, then fewest path
 * segments, then the smaller path. Keys containing a dot, or starting with
 * "$" (`$or`), are not descended into.
 */
export function exactLists(pattern: object | undefined): Array<RoutingChoice & { depth: number }> {
  if (!isPlainObject(pattern)) return [];
  const found: Array<RoutingChoice & { depth: number }> = [];
  const visit = (node: Record<string, unknown>, prefix: string, depth: number) => {
    for (const key of Object.keys(node)) {
      if (key.includes(".") || key.startsWith("$")) continue;
      const path = depth === 1 ? key : `${prefix}.${key}`;
      const value = node[key];
      if (isPlainObject(value)) {
        visit(value, path, depth + 1);
        continue;
      }
      if (!Array.isArray(value) || value.length === 0 || !value.every(isExact)) continue;
      found.push({ path, depth, values: dedupeExact(value as Exact[]) });
    }
  };
  visit(pattern, "", 1);
  return found.sort(
    (a, b) =>
      a.values.length - b.values.length ||
      a.depth - b.depth ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

function isExact(value: unknown): value is Exact {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function dedupeExact(values: Exact[]): Exact[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The index key of `value` at `path`: `${path}=${JSON.stringify(value)}`, so 5
 * and "5" differ. Unambiguous even when the path contains "=" or quotes: the
 * JSON text never has an unescaped quote inside a string. Non-finite numbers
 * (never routed) become their `String` form, which is not JSON.
 */
export function routeKey(path: string, value: string | number | boolean | null): string {
  const text =
    typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return `${path}=${text}`;
}

/**
 * The route keys under which rules routed on `path` (from `chooseRoute`) can
 * match `event`. The path is walked like the matcher walks a pattern: at each
 * level a plain object's own key is read, and an array contributes every
 * object element (nested arrays flattened). At the end a scalar value gives
 * one key and an array one key per scalar element; objects and non-finite
 * numbers give none. Keys are deduplicated, in event order.
 *
 * At most `MAX_EVENT_ROUTE_KEYS` (100) keys are returned. Only then can
 * routing miss a rule the matcher would accept (one listing a value beyond
 * the first 100 distinct ones), so a caller that gets exactly
 * `MAX_EVENT_ROUTE_KEYS` keys should treat the event as unroutable on this
 * path and fall back to scanning.
 */
export function eventRouteKeys(event: unknown, path: string): string[] {
  return eventRouteValues(event, path).map((value) => routeKey(path, value));
}

/**
 * The distinct exact values of `event` at `path`, walked as `eventRouteKeys`
 * describes, in event order: at most `MAX_EVENT_ROUTE_KEYS` of them.
 */
export function eventRouteValues(event: unknown, path: string): Exact[] {
  let values: unknown[] = [event];
  for (const segment of path.split(".")) {
    const next: unknown[] = [];
    const read = (element: unknown): boolean => {
      if (isPlainObject(element) && Object.hasOwn(element, segment)) {
        const value = element[segment];
        if (value !== undefined) next.push(value);
      }
      return false;
    };
    for (const value of values) {
      if (Array.isArray(value)) someLeaf(value, read);
      else read(value);
    }
    values = next;
    if (values.length === 0) return [];
  }
  const found = new Map<string, Exact>();
  const add = (element: unknown): boolean => {
    if (isExact(element)) found.set(routeKey(path, element), element);
    return found.size >= MAX_EVENT_ROUTE_KEYS;
  };
  for (const value of values) {
    if (Array.isArray(value) ? someLeaf(value, add) : add(value)) break;
  }
  return [...found.values()];
}
