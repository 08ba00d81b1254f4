/**
 * The size Convex counts for a value, without the `convex` package: the
 * same rules, and the same answers, as `getConvexSize` from "convex/values"
 * (convex 1.48, `values/size.ts`), which matches the backend's own count
 * for the 1 MiB document limit. Property-tested against it. The one value
 * it leaves out is the commit-timestamp placeholder, which only the database
 * writes and `StorableValue` excludes.
 */
import type { StorableValue } from "./storableValue.js";

/**
 * Bytes of `value` as Convex counts them: null and booleans 1, numbers and
 * bigints 9, strings and bytes 2 plus their length in bytes, arrays 2 plus
 * their items, objects 2 plus each defined field's name, 1, and value.
 * `undefined` counts 0. Throws on anything Convex cannot store.
 *
 * @example
 * ```ts
 * convexSize({ a: "é" }); // 2 + (1 + 1) + (2 + 2) = 8
 * ```
 */
export function convexSize(value: StorableValue | undefined): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "bigint" || typeof value === "number") return 9;
  if (typeof value === "string") return 2 + utf8Length(value);
  if (value instanceof ArrayBuffer) return 2 + value.byteLength;
  if (Array.isArray(value)) {
    let size = 2;
    for (const item of value) size += convexSize(item);
    return size;
  }
  if (isSimpleObject(value)) {
    let size = 2;
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) size += utf8Length(key) + 1 + convexSize(item);
    }
    return size;
  }
  throw new Error(`Unsupported value type: ${typeof value}`);
}

// Above this length the native encoder is faster than counting (Convex's
// own threshold; it also decides how a lone surrogate counts, see below).
const UTF8_COUNT_THRESHOLD = 500;

/**
 * UTF-8 bytes of `text`, counted exactly as Convex counts them: up to 500
 * characters by code unit, where a high surrogate counts 4 and swallows the
 * next unit whatever it is; longer strings by encoding, where a lone
 * surrogate becomes U+FFFD (3 bytes). The two agree on well-formed text.
 */
export function utf8Length(text: string): number {
  if (text.length > UTF8_COUNT_THRESHOLD) return new TextEncoder().encode(text).length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Convex's test for a plain object (also one made in another realm). */
function isSimpleObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    proto === null ||
    proto === Object.prototype ||
    (proto as { constructor?: { name?: unknown } } | undefined)?.constructor?.name === "Object"
  );
}

