/**
 * Nesting of a value, the way Convex counts it (objects and arrays; a
 * scalar is 0): what tests compare with Convex's nesting limit.
 *
 * @example
 * ```ts
 * nesting({ a: [1] }); // 2
 * ```
 */
export function nesting(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(nesting));
  if (value !== null && typeof value === "object") {
    return 1 + Math.max(0, ...Object.values(value).map(nesting));
  }
  return 0;
}
