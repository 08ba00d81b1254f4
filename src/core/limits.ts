/**
 * The limits every rule is held to, in core so that validation needs nothing
 * from Convex; re-exported by src/shared.ts for both sides of the boundary.
 */

/** Limits enforced on every rule; documented in docs/limits-and-errors.md. */
export const LIMITS = {
  nameLength: 200,
  descriptionLength: 2000,
  idLength: 128,
  /** Condition nodes (groups and leaves) in one rule. */
  conditions: 50,
  actions: 20,
  /** Nesting of condition groups (a top-level leaf is at depth 1). */
  conditionDepth: 10,
  /** Rules per `importRules` call. */
  importBatch: 500,
  /** Upper bound of `limit` in bounded list queries. */
  listLimit: 1000,
  /** Length of a `matches` regular expression. */
  regexLength: 256,
} as const;
