/**
 * Matching of trigger patterns (AWS EventBridge event patterns, validated by
 * `pattern.ts`) against events, and the index routing that finds candidate
 * rules for an event. Pure: no database, no ctx. The semantics are those of
 * EventBridge's matcher, aws/event-ruler, in its array-consistent mode;
 * `src/core/conformance/` holds the cases that check it.
 *
 * Semantics, field by field (a pattern's fields AND together, the items of a
 * leaf list OR together):
 *
 * - The *leaves* of a value are its scalars (strings, numbers, booleans,
 *   null): a scalar is its own one leaf; an array's leaves are its scalar
 *   items, nested arrays flattened; objects (and objects inside arrays) are
 *   not leaves: their fields are leaves of longer paths. A field with no
 *   leaf - absent, `undefined`, an object, `[]`, `[{...}]` - counts as
 *   missing.
 * - A leaf list against a missing field: only `{ exists: false }` matches.
 *   Against a field with leaves: `{ exists: true }` matches and
 *   `{ exists: false }` does not; any other item matches when it matches
 *   one of the leaves (so `["a", "b"]` matches `anything-but: "a"` and
 *   `["a"]` does not). Per leaf:
 *   - an exact value matches by strict equality (5 and "5" differ; null
 *     matches null), except that a string that is an IP address matches
 *     any spelling of the same address ("10.0.0.1" matches "::ffff:a00:1",
 *     "2001:db8::1" matches "2001:DB8:0::1"), as in EventBridge;
 *   - `prefix`, `suffix`, `equals-ignore-case`, `wildcard` and `cidr` match
 *     strings only. Ignoring case follows `ignoreCase.ts` (per character),
 *     wildcards `wildcard.ts`, addresses `cidr.ts`;
 *   - `anything-but` matches any leaf (of any type) that is not one of the
 *     listed values, or for its operator forms, any leaf that is not a
 *     string matching one of them: numbers, booleans and null all match
 *     `{"anything-but": {"prefix": "a"}}`;
 *   - `numeric` matches a finite number (not a numeric string) that
 *     satisfies every comparison.
 * - A nested pattern object at key `k` (array consistency): when the value
 *   is an object, its fields are matched against it; when it is an array,
 *   one object element must match the whole nested pattern (all its fields
 *   against that one element; nested arrays flattened) through at least one
 *   value. Failing that, a nested pattern that can hold with all its fields
 *   missing (`exists: false` in every list) matches when every object
 *   element lets it: a field is missing only when no element has it. Any
 *   other value (absent, scalar, an array without objects) leaves every
 *   field below missing.
 * - `"$or": [p1, p2, ...]` beside other fields matches when the other
 *   fields and one of the `p` match (for arrays, in the same element).
 * - Only own properties of plain objects are read, of the event and of the
 *   pattern: `__proto__`, `constructor` and `toString` are ordinary keys.
 *
 * Patterns are validated with `findPatternProblem` when compiled; an invalid
 * pattern throws (store only validated patterns).
 */
import { parseIpAddress } from "./cidr.js";
import { isPlainObject } from "./conditions.js";
import { compileLeafItem } from "./leafMatch.js";
import { OR_KEY, findPatternProblem } from "./pattern.js";
import { fromStoredPattern } from "./storedPattern.js";

/** A compiled pattern. */
export type EventMatcher = (event: unknown) => boolean;

/** Compiled patterns kept by `matchPattern`; the cache is cleared when full. */
export const PATTERN_CACHE_LIMIT = 5000;

/** Most keys `eventRouteKeys` returns for one event and path. */
export const MAX_EVENT_ROUTE_KEYS = 100;

/** A value a route can be keyed by. */
export type Exact = string | number | boolean | null;
type ElementTest = (element: unknown) => boolean;

/**
 * How a field matched: not at all, only as missing (no leaf, accepted by
 * `exists: false`), or through a value of the event.
 */
const NO = 0;
const AS_MISSING = 1;
const BY_VALUE = 2;
type Level = typeof NO | typeof AS_MISSING | typeof BY_VALUE;

/** Tests a field given whether it is present and its value. */
type FieldTest = {
  /** Whether the field matches when it is missing (has no leaf). */
  missing: boolean;
  present: (value: unknown) => Level;
};

/** One way a pattern object can hold: its fields plus one branch of each `$or`. */
type Alternative = {
  fields: Array<{ key: string; test: FieldTest }>;
  /** Whether it holds with every field missing. */
  missing: boolean;
};

/**
 * Compiles `pattern` into a matcher: its structure, wildcards, address
 * ranges and numeric ranges are prepared once. `$or` may be written `~or`,
 * as stored. Throws when the pattern is invalid.
 */
export function compilePattern(pattern: object): EventMatcher {
  // Stored patterns write `$or` as `~or` (storedPattern.ts): decoded here,
  // once per compilation, not per match.
  const decoded = fromStoredPattern(pattern);
  const problem = findPatternProblem(decoded);
  if (problem) {
    throw new Error(`Invalid trigger pattern: ${problem.field} ${problem.message}`);
  }
  const root = compileNested(decoded as Record<string, unknown>);
  // The event itself is treated like a nested value: an object, or an
  // array of objects of which one must match.
  return (event) => root.present(event) !== NO;
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

/** The alternatives of a pattern object: one, or one per branch of its `$or`. */
function compileAlternatives(pattern: Record<string, unknown>): Alternative[] {
  const fields: Alternative["fields"] = [];
  for (const key of Object.keys(pattern)) {
    if (key === OR_KEY) continue;
    const value = pattern[key];
    fields.push({
      key,
      test: Array.isArray(value)
        ? compileList(value)
        : compileNested(value as Record<string, unknown>),
    });
  }
  const branches = pattern[OR_KEY] as Array<Record<string, unknown>> | undefined;
  const combined =
    branches === undefined
      ? [fields]
      : branches.flatMap((branch) =>
          compileAlternatives(branch).map((alt) => [...fields, ...alt.fields]),
        );
  return combined.map((all) => ({
    fields: all,
    missing: all.every((field) => field.test.missing),
  }));
}

/** How `object` matches one alternative: the lowest level among its fields. */
function matchObject(alternative: Alternative, object: Record<string, unknown>): Level {
  let level: Level = BY_VALUE;
  let byValue = false;
  for (const { key, test } of alternative.fields) {
    const value = Object.hasOwn(object, key) ? object[key] : undefined;
    const field = value === undefined ? (test.missing ? AS_MISSING : NO) : test.present(value);
    if (field === NO) return NO;
    if (field === BY_VALUE) byValue = true;
    else level = AS_MISSING;
  }
  return byValue ? BY_VALUE : level;
}

/**
 * How an array matches one alternative (see the header): an object element
 * matching it through some value, or else, when the alternative can hold
 * with its fields missing, every object element letting it.
 */
function matchArray(alternative: Alternative, array: unknown[]): Level {
  if (someLeaf(array, (e) => isPlainObject(e) && matchObject(alternative, e) === BY_VALUE)) {
    return BY_VALUE;
  }
  if (!alternative.missing) return NO;
  return someLeaf(array, (e) => isPlainObject(e) && matchObject(alternative, e) === NO)
    ? NO
    : AS_MISSING;
}

/** The best level among `alternatives` for `match`. */
function bestLevel(alternatives: Alternative[], match: (alt: Alternative) => Level): Level {
  let best: Level = NO;
  for (const alternative of alternatives) {
    const level = match(alternative);
    if (level === BY_VALUE) return BY_VALUE;
    if (level > best) best = level;
  }
  return best;
}

function compileNested(pattern: Record<string, unknown>): FieldTest {
  const alternatives = compileAlternatives(pattern);
  const missing = alternatives.some((alt) => alt.missing);
  return {
    missing,
    present: (value) => {
      if (isPlainObject(value)) return bestLevel(alternatives, (alt) => matchObject(alt, value));
      if (Array.isArray(value)) return bestLevel(alternatives, (alt) => matchArray(alt, value));
      return missing ? AS_MISSING : NO;
    },
  };
}

function compileList(list: unknown[]): FieldTest {
  let existsTrue = false;
  let existsFalse = false;
  const tests: ElementTest[] = [];
  for (const item of list) {
    if (isPlainObject(item) && Object.hasOwn(item, "exists")) {
      if (item["exists"] === true) existsTrue = true;
      else existsFalse = true;
    } else {
      tests.push(compileLeafItem(item));
    }
  }
  const test = tests.length === 1 ? tests[0]! : (e: unknown) => tests.some((t) => t(e));
  const asMissing: Level = existsFalse ? AS_MISSING : NO;
  return {
    missing: existsFalse,
    present: (value) => {
      if (isPlainObject(value)) return asMissing;
      if (!Array.isArray(value)) return existsTrue || test(value) ? BY_VALUE : NO;
      let sawLeaf = false;
      const found = someLeaf(value, (element) => {
        if (isPlainObject(element) || element === undefined) return false;
        sawLeaf = true;
        return existsTrue || test(element);
      });
      return found ? BY_VALUE : sawLeaf ? NO : asMissing;
    },
  };
}

/** Whether `test` holds for some element of `array`, nested arrays flattened. */
function someLeaf(array: unknown[], test: ElementTest): boolean {
  for (const element of array) {
    if (Array.isArray(element) ? someLeaf(element, test) : test(element)) return true;
  }
  return false;
}

// Index routing

/** The leaf list a rule is indexed by: one route key per value. */
export type RoutingChoice = {
  path: string;
  values: Array<string | number | boolean | null>;
};

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
 * "$", are not descended into: a list inside an `$or` branch is not required,
 * so a rule is routed only by its fields outside `$or`. Lists holding an IP
 * address are skipped too: the address matches other spellings of itself.
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
      // An address matches other spellings of itself, which its key would miss.
      if (value.some((v) => typeof v === "string" && parseIpAddress(v) !== null)) continue;
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
