/**
 * How `$or` travels through Convex. Convex refuses field names that start
 * with `$`, in documents and in function arguments and results alike, so a
 * pattern crosses the component's boundary, is stored and is returned with
 * `$or` written `~or`. The client converts `$or` on the way in; the matcher
 * reads both. `~or` is therefore reserved like `$or`: neither can name a
 * field of the event. Pure: no database, no ctx.
 */
import { isPlainObject } from "./conditions.js";
import { OR_KEY } from "./pattern.js";

/** `$or` as Convex can carry it. */
export const STORED_OR_KEY = "~or";

/**
 * The pattern with every `$or` written `~or`, the form the component takes,
 * stores and returns. The same object when it has no `$or`.
 *
 * @example
 * ```ts
 * toStoredPattern({ $or: [{ boardId: [1] }, { groupId: ["g"] }] });
 * // { "~or": [{ boardId: [1] }, { groupId: ["g"] }] }
 * ```
 */
export function toStoredPattern<T>(pattern: T): T {
  return renameKey(pattern, OR_KEY, STORED_OR_KEY);
}

/**
 * The pattern with every `~or` written `$or`, as the matcher and the
 * validator read it. The same object when it has no `~or`.
 *
 * @example
 * ```ts
 * fromStoredPattern({ "~or": [{ boardId: [1] }, { groupId: ["g"] }] });
 * // { $or: [{ boardId: [1] }, { groupId: ["g"] }] }
 * ```
 */
export function fromStoredPattern<T>(stored: T): T {
  return renameKey(stored, STORED_OR_KEY, OR_KEY);
}

/** `value` with every object field `from` renamed `to`; the same value when there is none. */
function renameKey<T>(value: T, from: string, to: string): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const mapped = renameKey(item, from, to);
      if (mapped !== item) (copy ??= value.slice())[i] = mapped;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const item = value[name];
    const mapped = renameKey(item, from, to);
    if (name === from || mapped !== item) changed = true;
    // Defined, not assigned: a "__proto__" field must stay a field.
    Object.defineProperty(out, name === from ? to : name, {
      value: mapped,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return (changed ? out : value) as T;
}

/**
 * Where a pattern uses `$or` and `~or` side by side (they would name the
 * same thing twice), or null.
 */
export function findOrSpellingClash(pattern: unknown, field = "triggerPattern"): string | null {
  if (Array.isArray(pattern)) {
    for (let i = 0; i < pattern.length; i++) {
      const clash = findOrSpellingClash(pattern[i], `${field}[${i}]`);
      if (clash !== null) return clash;
    }
    return null;
  }
  if (!isPlainObject(pattern)) return null;
  if (Object.hasOwn(pattern, OR_KEY) && Object.hasOwn(pattern, STORED_OR_KEY)) return field;
  for (const name of Object.keys(pattern)) {
    const clash = findOrSpellingClash(pattern[name], `${field}.${name}`);
    if (clash !== null) return clash;
  }
  return null;
}
