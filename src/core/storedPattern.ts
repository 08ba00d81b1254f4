/**
 * The stored form of trigger patterns. Convex refuses field names that start
 * with `$`, so `"$or"` cannot be stored as written: it is stored as `"~or"`,
 * and a field name that starts with `~` gets a second `~` in front, so that
 * no field of the event can be mistaken for it. Every other name is stored
 * as it is (a pattern without `$or` or `~` names is stored unchanged). Pure:
 * no database, no ctx.
 */
import { isPlainObject } from "./conditions.js";
import { OR_KEY } from "./pattern.js";

/** The stored name of `$or`. */
export const STORED_OR_KEY = "~or";
const ESCAPE = "~";

/**
 * The form of a (validated) pattern the database can hold.
 *
 * @example
 * ```ts
 * toStoredPattern({ $or: [{ a: [1] }, { "~b": [2] }] });
 * // { "~or": [{ a: [1] }, { "~~b": [2] }] }
 * ```
 */
export function toStoredPattern<T>(pattern: T): T {
  return mapNames(pattern, (name) =>
    name === OR_KEY ? STORED_OR_KEY : name.startsWith(ESCAPE) ? ESCAPE + name : name,
  );
}

/**
 * The pattern a stored one was made from: the inverse of `toStoredPattern`.
 *
 * @example
 * ```ts
 * fromStoredPattern({ "~or": [{ a: [1] }, { "~~b": [2] }] });
 * // { $or: [{ a: [1] }, { "~b": [2] }] }
 * ```
 */
export function fromStoredPattern<T>(stored: T): T {
  return mapNames(stored, (name) =>
    name === STORED_OR_KEY ? OR_KEY : name.startsWith(ESCAPE + ESCAPE) ? name.slice(1) : name,
  );
}

/** `value` with every object field renamed by `rename`; the same value when none changes. */
function mapNames<T>(value: T, rename: (name: string) => string): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const mapped = mapNames(item, rename);
      if (mapped !== item) (copy ??= value.slice())[i] = mapped;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const item = value[name];
    const renamed = rename(name);
    const mapped = mapNames(item, rename);
    if (renamed !== name || mapped !== item) changed = true;
    // Defined, not assigned: a "__proto__" field must stay a field.
    Object.defineProperty(out, renamed, { value: mapped, enumerable: true, writable: true, configurable: true });
  }
  return (changed ? out : value) as T;
}
