/**
 * The stable codes of the package's errors, in core so that pure code can
 * name them without Convex; the component and client throw them as
 * `ConvexError` data (src/component/lib/errors.ts). Re-exported by src/shared.ts.
 */

/** Stable error codes carried in `ConvexError.data.code`. */
export const ERROR_CODES = [
  "INVALID_RULE",
  "INVALID_ARGUMENT",
  "RULE_NOT_FOUND",
  "DUPLICATE_RULE_ID",
  "VERSION_CONFLICT",
  "IMPORT_FAILED",
  "NOT_REPLAYABLE",
  "UNAUTHORIZED",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
