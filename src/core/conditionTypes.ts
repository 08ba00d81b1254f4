/**
 * The vocabulary of condition trees: group types, the `field` type and its
 * operators. In core so that validation and evaluation need nothing from
 * Convex; re-exported by src/shared.ts for both sides of the boundary.
 */

/** Operators of a `field` condition (evaluated by the engine). */
export const FIELD_OPERATORS = [
  "eq",
  "neq",
  "in",
  "nin",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "matches",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "exists",
  "not_exists",
  "is_empty",
  "is_not_empty",
  "changed",
  "changed_to",
  "changed_from",
  "before",
  "after",
  "within",
  "every",
  "some",
] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];

/** Condition types the component understands itself. */
export const GROUP_CONDITION_TYPES = ["all", "any", "not"] as const;
export type GroupConditionType = (typeof GROUP_CONDITION_TYPES)[number];
export const FIELD_CONDITION_TYPE = "field";
