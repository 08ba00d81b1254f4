/**
 * The data an error carries across a function boundary. A `ConvexError`
 * keeps its `data` field when a host function called through a handle
 * throws it, and so does the error the caller then sees: reading the field
 * covers both without importing Convex. Pure.
 */

/** `error.data` when `error` is an object with that field, else undefined. */
export function errorDataOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "data" in error
    ? (error as { data: unknown }).data
    : undefined;
}
