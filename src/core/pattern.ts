/**
 * Trigger patterns in the language of AWS EventBridge event patterns: nested
 * fields mirror the event, a leaf is a list of allowed values or operator
 * objects. This module checks their shape. Pure: no database, no ctx.
 */
import { isPlainObject } from "./conditions.js";

export type PatternProblem = { field: string; message: string };

/** Operators a pattern list may hold, besides exact values. */
export const PATTERN_OPERATORS = [
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
] as const;

const NUMERIC_OPS = new Set(["<", "<=", "=", ">", ">="]);
const MAX_PATTERN_DEPTH = 10;

/** Why `pattern` is not a valid trigger pattern, or null. */
export function findPatternProblem(
  pattern: unknown,
  field = "triggerPattern",
): PatternProblem | null {
  if (!isPlainObject(pattern)) {
    return { field, message: "must be an object whose fields mirror the event" };
  }
  return objectProblem(pattern, field, 1);
}

function objectProblem(
  pattern: Record<string, unknown>,
  field: string,
  depth: number,
): PatternProblem | null {
  if (depth > MAX_PATTERN_DEPTH) {
    return { field, message: `nests deeper than ${MAX_PATTERN_DEPTH} levels` };
  }
  const keys = Object.keys(pattern);
  if (keys.length === 0) {
    return { field, message: "must constrain at least one field" };
  }
  for (const key of keys) {
    const value = pattern[key];
    const path = `${field}.${key}`;
    if (Array.isArray(value)) {
      const problem = listProblem(value, path);
      if (problem) return problem;
    } else if (isPlainObject(value)) {
      const problem = objectProblem(value, path, depth + 1);
      if (problem) return problem;
    } else {
      return {
        field: path,
        message: "must be a list of allowed values or a nested pattern object",
      };
    }
  }
  return null;
}

function listProblem(list: unknown[], field: string): PatternProblem | null {
  if (list.length === 0) {
    return { field, message: "must allow at least one value" };
  }
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const path = `${field}[${i}]`;
    if (isExactValue(item)) continue;
    if (!isPlainObject(item)) {
      return { field: path, message: "must be a string, number, boolean, null or an operator object" };
    }
    const problem = operatorProblem(item, path);
    if (problem) return problem;
  }
  return null;
}

function isExactValue(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function operatorProblem(
  item: Record<string, unknown>,
  field: string,
): PatternProblem | null {
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    return { field, message: "an operator object has exactly one operator" };
  }
  const op = keys[0];
  const arg = item[op];
  const at = `${field}.${op}`;
  switch (op) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
    case "wildcard":
      return typeof arg === "string"
        ? null
        : { field: at, message: `"${op}" needs a string` };
    case "exists":
      return typeof arg === "boolean"
        ? null
        : { field: at, message: `"exists" needs true or false` };
    case "anything-but": {
      const values = Array.isArray(arg) ? arg : [arg];
      if (values.length === 0 || !values.every(isExactValue)) {
        return {
          field: at,
          message: `"anything-but" needs a value or a non-empty list of values`,
        };
      }
      return null;
    }
    case "numeric":
      return numericProblem(arg, at);
    default:
      return {
        field: at,
        message: `unknown pattern operator "${op}"; expected one of ${PATTERN_OPERATORS.join(", ")}`,
      };
  }
}

function numericProblem(arg: unknown, field: string): PatternProblem | null {
  const message = `"numeric" needs one or two comparisons, like [">", 0, "<=", 5]`;
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    return { field, message };
  }
  for (let i = 0; i < arg.length; i += 2) {
    if (!NUMERIC_OPS.has(arg[i] as string)) return { field, message };
    if (typeof arg[i + 1] !== "number" || !Number.isFinite(arg[i + 1])) {
      return { field, message };
    }
  }
  return null;
}
