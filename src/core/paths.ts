/**
 * Path syntax and lookup: `items[0].name` addresses a value inside event
 * data. Runs on every event, so parsed paths are cached and lookups touch
 * only own properties of plain objects and indexes of arrays. Pure.
 */

/** One step of a path: a field name, or an array index. */
export type PathSegment = string | number;

/** The result of looking a path up: `undefined` counts as not found. */
export type PathLookup = { found: true; value: unknown } | { found: false };

const CACHE_LIMIT = 10_000;
/** Longer paths are parsed every time rather than kept in the cache. */
const CACHEABLE_LENGTH = 512;
const cache = new Map<string, readonly PathSegment[]>();

/** Names that never resolve, so no lookup can reach a prototype. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

const NOT_FOUND: PathLookup = Object.freeze({ found: false });

/**
 * Splits `a.b[0].c` into `["a", "b", 0, "c"]`: dotted names (any characters
 * but `.`, `[`, `]`), each followed by any number of `[n]` indexes. The
 * result is frozen and cached. Throws an `Error` naming the path when the
 * syntax is invalid.
 */
export function parsePath(path: string): readonly PathSegment[] {
  const segments = tryParsePath(path);
  if (segments === null) {
    throw new Error(
      `"${path}" is not a path: use dotted names with [n] indexes, like items[0].name`,
    );
  }
  return segments;
}

/** Like {@link parsePath}, but returns null for invalid syntax. */
export function tryParsePath(path: string): readonly PathSegment[] | null {
  const cached = cache.get(path);
  if (cached !== undefined) return cached;
  const segments = parse(path);
  if (segments === null) return null;
  Object.freeze(segments);
  if (path.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, segments);
  }
  return segments;
}

/**
 * The value at `segments` inside `root`. A string segment reads an own
 * property of a plain object, a number segment an index of an array;
 * anything else (a string on an array, a number on an object, a
 * `__proto__`/`constructor`/`prototype` segment, a class instance) is not
 * found.
 */
export function getPath(
  root: unknown,
  segments: readonly PathSegment[],
): PathLookup {
  const value = valueAt(root, segments);
  return value === undefined ? NOT_FOUND : { found: true, value };
}

/**
 * What `getPath` finds, or `undefined` when it finds nothing: the same
 * lookup without allocating a result, for code that runs per event.
 */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (current === null || typeof current !== "object") return undefined;
    if (typeof segment === "number") {
      if (
        !Array.isArray(current) ||
        !Number.isInteger(segment) ||
        segment < 0 ||
        segment >= current.length
      ) {
        return undefined;
      }
      current = current[segment];
    } else {
      if (Array.isArray(current) || FORBIDDEN.has(segment)) return undefined;
      const proto = Object.getPrototypeOf(current);
      if (proto !== Object.prototype && proto !== null) return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** `getPath(root, parsePath(path))`: throws on invalid path syntax. */
export function resolvePath(root: unknown, path: string): PathLookup {
  return getPath(root, parsePath(path));
}

const DOT = 46; // .
const OPEN = 91; // [
const CLOSE = 93; // ]
const ZERO = 48;
const NINE = 57;

/** Grammar: name ("[" digits "]")* ("." name ("[" digits "]")*)* */
function parse(path: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  const end = path.length;
  let i = 0;
  for (;;) {
    const start = i;
    while (i < end) {
      const c = path.charCodeAt(i);
      if (c === DOT || c === OPEN || c === CLOSE) break;
      i++;
    }
    if (i === start) return null;
    segments.push(path.slice(start, i));
    while (i < end && path.charCodeAt(i) === OPEN) {
      const digits = ++i;
      while (i < end) {
        const c = path.charCodeAt(i);
        if (c < ZERO || c > NINE) break;
        i++;
      }
      if (i === digits || i === end || path.charCodeAt(i) !== CLOSE) return null;
      segments.push(Number(path.slice(digits, i)));
      i++;
    }
    if (i === end) return segments;
    if (path.charCodeAt(i) !== DOT) return null;
    i++;
  }
}
