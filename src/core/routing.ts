/**
 * Index routing: which exact-valued fields of a rule's pattern the rule is
 * indexed by, and which index keys an event looks up.
 *
 * A rule is routed on a *field set*: the exact-valued leaf lists of its
 * pattern with the fewest values, as many as fit (their product of values at
 * most `MAX_ROUTE_VALUES`, at most `MAX_ROUTE_FIELDS` fields). It gets one
 * route key per combination of values, so an event reads only the rules that
 * agree with it on every field of the set: the most selective index a pattern
 * allows, whatever the other rules of the trigger look like. A rule with no
 * such field (or only lists too long to index) is a wildcard candidate.
 *
 * Key format: one field keeps `path=json(value)`; several use the route path
 * `$["a","b"]` (no pattern path starts with "$") and the key
 * `$["a","b"]=json([va, vb])`. JSON scalars delimit themselves, so a key
 * names exactly one combination.
 */
import { isPlainObject } from "./conditions.js";
import { OR_KEY } from "./pattern.js";
import {
  MAX_EVENT_ROUTE_KEYS,
  eventRouteValues,
  exactLists,
  routeKey,
  type Exact,
} from "./patternMatch.js";

/** The most route keys (value combinations) one rule is indexed by. */
export const MAX_ROUTE_VALUES = 50;
/** The most fields one rule is routed on. */
export const MAX_ROUTE_FIELDS = 4;
/** Longer route keys are not indexed (index keys stay small). */
export const MAX_ROUTE_KEY_LENGTH = 512;
/** The route key of rules with no indexable field. */
export const WILDCARD_ROUTE = "*";

/** How a rule is indexed: its field set and one key per combination of values. */
export type RuleRouting = {
  /** The field set's name in the index (`routePath`). */
  routePath: string;
  /** The fields, sorted. */
  fields: string[];
  keys: string[];
};

/**
 * The routing of a rule with this pattern, or null for a wildcard rule.
 *
 * @example
 * chooseRouting({ boardId: [1, 2], columnId: ["status"] })
 * // { routePath: '$["boardId","columnId"]', fields: ["boardId", "columnId"],
 * //   keys: ['$["boardId","columnId"]=[1,"status"]', '$["boardId","columnId"]=[2,"status"]'] }
 */
export function chooseRouting(pattern: object | undefined): RuleRouting | null {
  const chosen: Array<{ path: string; values: Exact[] }> = [];
  let combinations = 1;
  for (const list of exactLists(pattern)) {
    if (chosen.length >= MAX_ROUTE_FIELDS) break;
    if (combinations * list.values.length > MAX_ROUTE_VALUES) break;
    chosen.push(list);
    combinations *= list.values.length;
  }
  if (chosen.length === 0) return null;
  chosen.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fields = chosen.map((c) => c.path);
  const keys = [...new Set(product(chosen.map((c) => c.values)).map((values) => keyOf(fields, values)))];
  if (keys.some((key) => key.length > MAX_ROUTE_KEY_LENGTH)) return null;
  return { routePath: routePathOf(fields), fields, keys };
}

/** The most `$or` alternatives a rule is routed by; more make it a wildcard candidate. */
export const MAX_ROUTED_ALTERNATIVES = 16;

/**
 * The routings of a rule with this pattern: none for a wildcard rule, one
 * usually, and for a pattern whose exact lists are all inside `$or`, one per
 * alternative (each branch with the fields around it). Every event the
 * pattern matches agrees with one of them, so a rule found through several
 * is still one candidate (dispatch skips repeats); a branch without an
 * indexable list makes the whole rule a wildcard candidate.
 *
 * @example
 * chooseRoutings({ $or: [{ boardId: [1] }, { groupId: ["g"] }] })
 * // [{ routePath: "boardId", fields: ["boardId"], keys: ["boardId=1"] },
 * //  { routePath: "groupId", fields: ["groupId"], keys: ['groupId="g"'] }]
 */
export function chooseRoutings(pattern: object | undefined): RuleRouting[] {
  const outer = chooseRouting(pattern);
  if (outer !== null) return [outer];
  if (pattern === undefined || !hasOr(pattern)) return [];
  const alternatives = alternativesOf(pattern as Record<string, unknown>);
  if (alternatives === null) return [];
  const byPath = new Map<string, RuleRouting>();
  let keys = 0;
  for (const alternative of alternatives) {
    const routing = chooseRouting(alternative);
    if (routing === null) return [];
    const same = byPath.get(routing.routePath);
    const merged = same === undefined ? routing : { ...same, keys: [...new Set([...same.keys, ...routing.keys])] };
    keys += merged.keys.length - (same?.keys.length ?? 0);
    if (keys > MAX_ROUTE_VALUES) return [];
    byPath.set(routing.routePath, merged);
  }
  return [...byPath.values()];
}

function hasOr(pattern: object): boolean {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === OR_KEY || (isPlainObject(value) && hasOr(value))) return true;
  }
  return false;
}

/**
 * The pattern as alternatives without `$or` (one per choice of a branch in
 * each `$or`), or null when there would be more than MAX_ROUTED_ALTERNATIVES.
 * A field both beside `$or` and in a branch keeps one of its two lists:
 * routing on either is sound, since an event must satisfy both.
 */
function alternativesOf(pattern: Record<string, unknown>): Array<Record<string, unknown>> | null {
  let alternatives: Array<Record<string, unknown>> = [{}];
  for (const key of Object.keys(pattern)) {
    const value = pattern[key];
    let options: Array<Record<string, unknown>>;
    if (key === OR_KEY) {
      options = [];
      for (const branch of value as Array<Record<string, unknown>>) {
        const expanded = alternativesOf(branch);
        if (expanded === null) return null;
        options.push(...expanded);
        if (options.length > MAX_ROUTED_ALTERNATIVES) return null;
      }
    } else if (isPlainObject(value)) {
      const expanded = alternativesOf(value);
      if (expanded === null) return null;
      options = expanded.map((nested) => ({ [key]: nested }));
    } else {
      options = [{ [key]: value }];
    }
    // Checked before building: a wide `$or` must not cost its product.
    if (alternatives.length * options.length > MAX_ROUTED_ALTERNATIVES) return null;
    const next: Array<Record<string, unknown>> = [];
    for (const alternative of alternatives) {
      for (const option of options) next.push({ ...alternative, ...option });
    }
    alternatives = next;
  }
  return alternatives;
}

/** The index name of a field set: the path itself for one field. */
export function routePathOf(fields: string[]): string {
  return fields.length === 1 ? fields[0]! : `$${JSON.stringify(fields)}`;
}

/** The fields of a route path written by `routePathOf`. */
export function fieldsOfRoutePath(routePath: string): string[] {
  if (routePath.startsWith("$[")) {
    const parsed: unknown = JSON.parse(routePath.slice(1));
    if (Array.isArray(parsed) && parsed.every((f) => typeof f === "string")) return parsed as string[];
  }
  return [routePath];
}

function keyOf(fields: string[], values: Exact[]): string {
  return fields.length === 1
    ? routeKey(fields[0]!, values[0]!)
    : `${routePathOf(fields)}=${JSON.stringify(values)}`;
}

/**
 * The route keys under which rules routed on `fields` can match `event`, or
 * null when the event has too many value combinations on them to look each
 * up (more than `MAX_EVENT_ROUTE_KEYS`, or a field at the cap of
 * `eventRouteValues`): the caller then reads every route of the field set.
 * An empty list means no rule of the field set can match.
 */
export function eventKeysFor(event: unknown, fields: string[]): string[] | null {
  const perField: Exact[][] = [];
  let combinations = 1;
  for (const field of fields) {
    const values = eventRouteValues(event, field);
    if (values.length >= MAX_EVENT_ROUTE_KEYS) return null;
    if (values.length === 0) return [];
    combinations *= values.length;
    if (combinations > MAX_EVENT_ROUTE_KEYS) return null;
    perField.push(values);
  }
  return product(perField).map((values) => keyOf(fields, values));
}

function product(lists: Exact[][]): Exact[][] {
  let result: Exact[][] = [[]];
  for (const list of lists) result = result.flatMap((prefix) => list.map((value) => [...prefix, value]));
  return result;
}
